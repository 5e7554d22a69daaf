//! Once-only processing of at-least-once deliveries.
//!
//! Linq sends an event again when a delivery was slow or not answered with
//! 2xx, and a service with several replicas may get the attempts on
//! different replicas, even at the same time. A [`Dedupe`] store decides who
//! processes an event:
//!
//! 1. [`claim`](Dedupe::claim) the event's key (see
//!    [`Verified::dedupe_key`](crate::Verified::dedupe_key)). Exactly one
//!    caller gets [`Claim::Acquired`]; the others learn that the event is
//!    [`InProgress`](Claim::InProgress) elsewhere or already
//!    [`Done`](Claim::Done).
//! 2. Run the handler. On success [`complete`](Dedupe::complete) the claim:
//!    the event is then skipped for the done TTL. On failure
//!    [`release`](Dedupe::release) it, so that Linq's next attempt runs the
//!    handler again.
//! 3. A claim that is neither completed nor released (the process died)
//!    expires after the claim TTL, and the next attempt gets it.
//!
//! [`process_once`] does the three steps around a handler.
//!
//! # Choosing the TTLs
//!
//! The defaults are [`DEFAULT_CLAIM_TTL`] (30 seconds) and
//! [`DEFAULT_DONE_TTL`] (72 hours).
//!
//! * The claim TTL bounds how long one attempt may hold an event. It must be
//!   longer than the handler can run, or a slow handler loses its claim and a
//!   redelivery runs the handler a second time; [`Dedupe::complete`] then
//!   reports the loss. It should also be shorter than the wait before the
//!   sender's next attempt, so that a crashed replica does not make that
//!   attempt bounce too. Webhook senders stop waiting for a response after
//!   some 15 to 30 seconds and then retry minutes later; 30 seconds covers
//!   any handler that answers within the request and is gone before such a
//!   retry. A handler that does slow work should acknowledge quickly and
//!   queue the work instead of raising the TTL.
//! * The done TTL must outlast the sender's whole retry schedule, or a late
//!   redelivery of a processed event runs again. Linq's API description
//!   says failed deliveries are retried with backoff for up to 30 minutes;
//!   72 hours leaves room for that, for a replay started by hand, and for a
//!   schedule that grows later.
//!
//! # A handler that makes several calls
//!
//! Once-only holds for a handler that succeeds. One that fails halfway (it
//! reacted, then its reply failed) has its claim released, and the
//! redelivery runs it again from the start: every call it made before the
//! failure is made again. So give every call that could act twice an
//! idempotency key derived from the event id and the call, the same on
//! every run:
//!
//! ```no_run
//! # async fn handle(client: &linq_client::Client, event_id: &str, chat: &str) -> Result<(), linq_client::Error> {
//! client
//!     .chats()
//!     .messages()
//!     .send(chat, "Thanks, see you Tuesday at 10")
//!     .idempotency_key(format!("{event_id}:reply"))
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! Some operations take no key: `messages().add_reaction(..)` is one (a key
//! set on it is refused), and a redelivery reacts again. Make such a call
//! last, after the calls that can fail, or check first whether it was
//! already made (`messages().retrieve(..)` shows the reactions).

use std::collections::{BTreeMap, HashMap};
use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a claim holds unless the store is told otherwise: 30 seconds
/// (see the [module docs](self) for why).
pub const DEFAULT_CLAIM_TTL: Duration = Duration::from_secs(30);

/// How long a completed event is remembered unless the store is told
/// otherwise: 72 hours (see the [module docs](self) for why).
pub const DEFAULT_DONE_TTL: Duration = Duration::from_secs(72 * 60 * 60);

/// How many events [`MemoryDedupe::default`] keeps track of.
pub const DEFAULT_CAPACITY: usize = 100_000;

/// How much memory [`MemoryDedupe`] lets its entries take unless
/// [`MemoryDedupe::max_bytes`] says otherwise: 32 MiB.
pub const DEFAULT_MAX_BYTES: usize = 32 * 1024 * 1024;

/// What one entry costs beyond its key's bytes, as the byte bound counts
/// it: a hash map slot, an expiry index slot and the shared key's header.
const ENTRY_OVERHEAD: usize = 128;

/// What [`Dedupe::claim`] found.
#[derive(Debug)]
#[must_use = "an acquired claim must be completed or released"]
pub enum Claim {
    /// The event is now this caller's to process; finish with
    /// [`Dedupe::complete`] or [`Dedupe::release`].
    Acquired(ClaimToken),
    /// Another caller holds an unexpired claim on the event and may be
    /// processing it right now. Answer so that the sender tries again later
    /// (a 5xx or 409), in case that caller fails.
    InProgress,
    /// The event was processed within the done TTL: skip it, and answer 2xx
    /// so that the sender stops.
    Done,
}

/// Proof of one claim: only its holder can complete or release it.
///
/// The token is random for stores shared between processes, so a claim that
/// expired and was taken over cannot be completed or released by its first
/// holder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimToken {
    key: String,
    token: String,
}

impl ClaimToken {
    /// A token for `key`, as a [`Dedupe`] implementation makes it. `token`
    /// must be unique among the claims the store hands out.
    pub fn new(key: impl Into<String>, token: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            token: token.into(),
        }
    }

    /// The key that was claimed.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The value that identifies this claim in the store.
    pub fn token(&self) -> &str {
        &self.token
    }
}

/// A store that lets one caller at a time process an event, and remembers
/// the events that were processed.
///
/// See the [module docs](self) for the protocol. [`MemoryDedupe`] works
/// within one process; `RedisDedupe` (feature `redis`) across replicas.
pub trait Dedupe: Send + Sync {
    /// Claims `key` for the claim TTL, unless it is claimed already or was
    /// completed within the done TTL.
    fn claim(&self, key: &str) -> impl Future<Output = Result<Claim, DedupeError>> + Send;

    /// Marks the claimed event as processed for the done TTL. Returns
    /// `false` when the claim had expired and another caller claimed or
    /// completed the event since: the event may then be processed twice.
    fn complete(&self, claim: ClaimToken)
    -> impl Future<Output = Result<bool, DedupeError>> + Send;

    /// Gives up the claim so that the next attempt processes the event.
    /// Returns `false` when the claim was no longer this caller's (it
    /// expired); nothing is changed then.
    fn release(&self, claim: ClaimToken) -> impl Future<Output = Result<bool, DedupeError>> + Send;
}

impl<D: Dedupe + ?Sized> Dedupe for std::sync::Arc<D> {
    fn claim(&self, key: &str) -> impl Future<Output = Result<Claim, DedupeError>> + Send {
        (**self).claim(key)
    }
    fn complete(
        &self,
        claim: ClaimToken,
    ) -> impl Future<Output = Result<bool, DedupeError>> + Send {
        (**self).complete(claim)
    }
    fn release(&self, claim: ClaimToken) -> impl Future<Output = Result<bool, DedupeError>> + Send {
        (**self).release(claim)
    }
}

/// A [`Dedupe`] that lets every delivery through: each claim is acquired
/// and nothing is remembered. For handlers that are idempotent by
/// themselves; the default of the tower layer.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoDedupe;

impl Dedupe for NoDedupe {
    fn claim(&self, key: &str) -> impl Future<Output = Result<Claim, DedupeError>> + Send {
        std::future::ready(Ok(Claim::Acquired(ClaimToken::new(key, String::new()))))
    }

    fn complete(
        &self,
        _claim: ClaimToken,
    ) -> impl Future<Output = Result<bool, DedupeError>> + Send {
        std::future::ready(Ok(true))
    }

    fn release(
        &self,
        _claim: ClaimToken,
    ) -> impl Future<Output = Result<bool, DedupeError>> + Send {
        std::future::ready(Ok(true))
    }
}

/// Why a [`Dedupe`] store could not answer. The event's fate is unknown:
/// answer so that the sender tries again (a 5xx).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DedupeError {
    /// A [`MemoryDedupe`] is full of unexpired claims and cannot take
    /// another.
    #[error("the dedupe store is full of unexpired claims")]
    Full,
    /// The backing store failed (a Redis connection or script error, say).
    #[error("the dedupe store failed: {0}")]
    Backend(#[source] Box<dyn StdError + Send + Sync>),
}

/// What [`process_once`] did with an event.
#[derive(Debug, PartialEq, Eq)]
pub enum Once<T> {
    /// The handler ran and succeeded; the event is marked done.
    Processed(T),
    /// The handler ran and succeeded, but the claim had expired before it
    /// was completed and another caller took the event over: it may be
    /// processed twice. A sign that the claim TTL is too short.
    ProcessedAfterClaimLost(T),
    /// The event was processed before; the handler did not run.
    AlreadyDone,
    /// Another caller is processing the event; the handler did not run.
    InProgress,
}

/// Why [`process_once`] failed.
#[derive(Debug, thiserror::Error)]
pub enum OnceError<E> {
    /// The handler failed; its claim was released so that a redelivery runs
    /// it again.
    #[error("the webhook handler failed")]
    Handler(#[source] E),
    /// The store failed; the handler did not run, or ran and could not be
    /// marked done (it then runs again on redelivery).
    #[error(transparent)]
    Dedupe(DedupeError),
}

/// Runs `handler` for the event `key` unless it is done or in progress
/// elsewhere: claims it, then completes the claim when the handler succeeds
/// and releases it when the handler fails.
///
/// A handler that panics or is cancelled leaves its claim to expire after
/// the claim TTL.
pub async fn process_once<D, F, Fut, T, E>(
    dedupe: &D,
    key: &str,
    handler: F,
) -> Result<Once<T>, OnceError<E>>
where
    D: Dedupe + ?Sized,
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let token = match dedupe.claim(key).await.map_err(OnceError::Dedupe)? {
        Claim::Acquired(token) => token,
        Claim::InProgress => return Ok(Once::InProgress),
        Claim::Done => return Ok(Once::AlreadyDone),
    };
    match handler().await {
        Ok(value) => match dedupe.complete(token).await {
            Ok(true) => Ok(Once::Processed(value)),
            Ok(false) => Ok(Once::ProcessedAfterClaimLost(value)),
            Err(err) => Err(OnceError::Dedupe(err)),
        },
        Err(err) => {
            // The handler's error matters more than a failed release, which
            // only delays the next attempt until the claim expires.
            let _ = dedupe.release(token).await;
            Err(OnceError::Handler(err))
        }
    }
}

/// A [`Dedupe`] store in this process's memory, holding at most a fixed
/// number of events and a fixed number of bytes (keys are as long as the
/// sender makes them, so a count alone would not bound memory). Each key is
/// stored once.
///
/// Only for a single receiving process: replicas each have their own and
/// cannot see each other's claims. When it is full, expired entries go
/// first, then the completed events closest to expiry (a redelivery of one
/// of those would run again); when every entry is an unexpired claim,
/// [`claim`](Dedupe::claim) fails with [`DedupeError::Full`].
pub struct MemoryDedupe {
    claim_ttl: Duration,
    done_ttl: Duration,
    capacity: usize,
    max_bytes: usize,
    state: Mutex<MemoryState>,
}

#[derive(Default)]
struct MemoryState {
    /// The key is shared with `by_expiry`: one allocation per event.
    entries: HashMap<Arc<str>, MemoryEntry>,
    /// Every entry once, ordered by expiry (and a sequence number to keep
    /// equal instants apart).
    by_expiry: BTreeMap<(Instant, u64), Arc<str>>,
    next: u64,
    /// Keys' bytes plus [`ENTRY_OVERHEAD`] per entry.
    bytes: usize,
}

struct MemoryEntry {
    /// `None` once completed; the claim's sequence number otherwise.
    claim: Option<u64>,
    expiry: (Instant, u64),
}

impl Default for MemoryDedupe {
    fn default() -> Self {
        Self::new(DEFAULT_CAPACITY)
    }
}

impl fmt::Debug for MemoryDedupe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryDedupe")
            .field("claim_ttl", &self.claim_ttl)
            .field("done_ttl", &self.done_ttl)
            .field("capacity", &self.capacity)
            .field("max_bytes", &self.max_bytes)
            .field("len", &self.len())
            .finish()
    }
}

impl MemoryDedupe {
    /// A store for at most `capacity` events (at least one), with the
    /// default TTLs.
    pub fn new(capacity: usize) -> Self {
        Self {
            claim_ttl: DEFAULT_CLAIM_TTL,
            done_ttl: DEFAULT_DONE_TTL,
            capacity: capacity.max(1),
            max_bytes: DEFAULT_MAX_BYTES,
            state: Mutex::default(),
        }
    }

    /// Sets the most memory the entries may take, counted as each key's
    /// bytes plus a fixed overhead per entry.
    pub fn max_bytes(mut self, bytes: usize) -> Self {
        self.max_bytes = bytes;
        self
    }

    /// Sets how long a claim holds.
    pub fn claim_ttl(mut self, ttl: Duration) -> Self {
        self.claim_ttl = ttl;
        self
    }

    /// Sets how long a completed event is remembered.
    pub fn done_ttl(mut self, ttl: Duration) -> Self {
        self.done_ttl = ttl;
        self
    }

    /// How many events (claimed or done, expired ones included until they
    /// are swept) the store holds.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether the store holds no events.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MemoryState> {
        // The state stays consistent at every await-free step, so a panic
        // elsewhere while the lock was held leaves nothing half-done.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether adding `key` would pass the entry count or the byte bound.
    fn no_room(&self, state: &MemoryState, key: &str) -> bool {
        state.entries.len() >= self.capacity || state.bytes + cost(key) > self.max_bytes
    }

    pub(crate) fn claim_at(&self, key: &str, now: Instant) -> Result<Claim, DedupeError> {
        let mut state = self.lock();
        state.sweep(now);
        if let Some(entry) = state.entries.get(key) {
            return Ok(match entry.claim {
                Some(_) => Claim::InProgress,
                None => Claim::Done,
            });
        }
        while self.no_room(&state, key) {
            if !state.evict_one_done() {
                return Err(DedupeError::Full);
            }
        }
        let seq = state.insert(key, true, now + self.claim_ttl);
        Ok(Claim::Acquired(ClaimToken::new(key, seq.to_string())))
    }

    pub(crate) fn complete_at(&self, claim: &ClaimToken, now: Instant) -> bool {
        let mut state = self.lock();
        state.sweep(now);
        match state.entries.get(claim.key()) {
            Some(entry) if !holds(entry, claim) => false,
            Some(_) => {
                state.remove(claim.key());
                state.insert(claim.key(), false, now + self.done_ttl);
                true
            }
            // Expired, and nobody claimed it since: still safe to record.
            // This may go past the capacity by the claims that expired
            // while their handler ran, when no done entry can make room.
            None => {
                while self.no_room(&state, claim.key()) && state.evict_one_done() {}
                state.insert(claim.key(), false, now + self.done_ttl);
                true
            }
        }
    }

    pub(crate) fn release_at(&self, claim: &ClaimToken, now: Instant) -> bool {
        let mut state = self.lock();
        state.sweep(now);
        match state.entries.get(claim.key()) {
            Some(entry) if holds(entry, claim) => {
                state.remove(claim.key());
                true
            }
            _ => false,
        }
    }
}

fn cost(key: &str) -> usize {
    key.len() + ENTRY_OVERHEAD
}

fn holds(entry: &MemoryEntry, claim: &ClaimToken) -> bool {
    entry
        .claim
        .is_some_and(|seq| claim.token().parse() == Ok(seq))
}

impl MemoryState {
    /// Adds `key`, claimed or done, expiring at `expires`; returns its
    /// sequence number.
    fn insert(&mut self, key: &str, claimed: bool, expires: Instant) -> u64 {
        let seq = self.next;
        self.next += 1;
        let expiry = (expires, seq);
        let key: Arc<str> = Arc::from(key);
        self.bytes += cost(&key);
        self.by_expiry.insert(expiry, Arc::clone(&key));
        self.entries.insert(
            key,
            MemoryEntry {
                claim: claimed.then_some(seq),
                expiry,
            },
        );
        seq
    }

    fn remove(&mut self, key: &str) {
        if let Some(entry) = self.entries.remove(key) {
            self.by_expiry.remove(&entry.expiry);
            self.bytes -= cost(key);
        }
    }

    fn sweep(&mut self, now: Instant) {
        while let Some(entry) = self.by_expiry.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let key = entry.remove();
            if self.entries.remove(&key).is_some() {
                self.bytes -= cost(&key);
            }
        }
    }

    /// Drops the done entry that expires first; `false` if there is none.
    fn evict_one_done(&mut self) -> bool {
        let victim = self
            .by_expiry
            .values()
            .find(|key| self.entries.get(&***key).is_some_and(|e| e.claim.is_none()))
            .cloned();
        match victim {
            Some(key) => {
                self.remove(&key);
                true
            }
            None => false,
        }
    }
}

impl Dedupe for MemoryDedupe {
    fn claim(&self, key: &str) -> impl Future<Output = Result<Claim, DedupeError>> + Send {
        std::future::ready(self.claim_at(key, Instant::now()))
    }

    fn complete(
        &self,
        claim: ClaimToken,
    ) -> impl Future<Output = Result<bool, DedupeError>> + Send {
        std::future::ready(Ok(self.complete_at(&claim, Instant::now())))
    }

    fn release(&self, claim: ClaimToken) -> impl Future<Output = Result<bool, DedupeError>> + Send {
        std::future::ready(Ok(self.release_at(&claim, Instant::now())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    fn acquired(claim: Claim) -> ClaimToken {
        match claim {
            Claim::Acquired(token) => token,
            other => panic!("expected Acquired, got {other:?}"),
        }
    }

    #[test]
    fn one_claim_at_a_time_then_done() {
        let store = MemoryDedupe::new(10);
        let t0 = Instant::now();
        let token = acquired(store.claim_at("e1", t0).unwrap());
        assert_eq!(token.key(), "e1");
        assert!(matches!(store.claim_at("e1", t0), Ok(Claim::InProgress)));
        assert!(matches!(store.claim_at("e2", t0), Ok(Claim::Acquired(_))));
        assert!(store.complete_at(&token, t0 + S));
        assert!(matches!(store.claim_at("e1", t0 + 2 * S), Ok(Claim::Done)));
        // Done until the done TTL has passed, then forgotten.
        let later = t0 + S + DEFAULT_DONE_TTL;
        assert!(matches!(store.claim_at("e1", later - S), Ok(Claim::Done)));
        assert!(matches!(
            store.claim_at("e1", later),
            Ok(Claim::Acquired(_))
        ));
    }

    #[test]
    fn release_lets_the_next_attempt_in() {
        let store = MemoryDedupe::new(10);
        let t0 = Instant::now();
        let token = acquired(store.claim_at("e1", t0).unwrap());
        assert!(store.release_at(&token, t0));
        // Released twice: the second finds nothing of ours.
        assert!(!store.release_at(&token, t0));
        let again = acquired(store.claim_at("e1", t0).unwrap());
        assert_ne!(again, token);
    }

    #[test]
    fn an_expired_claim_is_taken_over_and_the_first_holder_loses_it() {
        let store = MemoryDedupe::new(10).claim_ttl(10 * S);
        let t0 = Instant::now();
        let first = acquired(store.claim_at("e1", t0).unwrap());
        assert!(matches!(
            store.claim_at("e1", t0 + 9 * S),
            Ok(Claim::InProgress)
        ));
        let second = acquired(store.claim_at("e1", t0 + 10 * S).unwrap());
        assert!(!store.release_at(&first, t0 + 11 * S));
        assert!(!store.complete_at(&first, t0 + 11 * S));
        assert!(matches!(
            store.claim_at("e1", t0 + 11 * S),
            Ok(Claim::InProgress)
        ));
        assert!(store.complete_at(&second, t0 + 12 * S));
        assert!(matches!(store.claim_at("e1", t0 + 12 * S), Ok(Claim::Done)));
    }

    #[test]
    fn completing_an_expired_claim_nobody_took_still_records_it() {
        let store = MemoryDedupe::new(10).claim_ttl(S);
        let t0 = Instant::now();
        let token = acquired(store.claim_at("e1", t0).unwrap());
        assert!(store.complete_at(&token, t0 + 5 * S));
        assert!(matches!(store.claim_at("e1", t0 + 6 * S), Ok(Claim::Done)));
    }

    #[test]
    fn bounded_evicting_done_before_claims() {
        let store = MemoryDedupe::new(3).done_ttl(100 * S);
        let t0 = Instant::now();
        for (i, key) in ["a", "b"].into_iter().enumerate() {
            let token = acquired(store.claim_at(key, t0 + i as u32 * S).unwrap());
            assert!(store.complete_at(&token, t0 + i as u32 * S));
        }
        let _c = acquired(store.claim_at("c", t0).unwrap());
        assert_eq!(store.len(), 3);
        // Full: "a" (done, first to expire) makes room; "b" stays done.
        let _d = acquired(store.claim_at("d", t0).unwrap());
        assert_eq!(store.len(), 3);
        assert!(matches!(store.claim_at("b", t0), Ok(Claim::Done)));
        // Then "b", the last done entry, goes; claims are never evicted.
        let _a = acquired(store.claim_at("a", t0).unwrap());
        assert!(matches!(store.claim_at("e", t0), Err(DedupeError::Full)));
        assert!(matches!(store.claim_at("b", t0), Err(DedupeError::Full)));
        assert!(matches!(store.claim_at("c", t0), Ok(Claim::InProgress)));
        // Once the claims expire there is room again.
        assert!(matches!(
            store.claim_at("f", t0 + DEFAULT_CLAIM_TTL),
            Ok(Claim::Acquired(_))
        ));
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn bounded_in_bytes_with_each_key_stored_once() {
        let key = |i: usize| format!("{i:0>1000}");
        let store = MemoryDedupe::new(1_000).max_bytes(10 * (1000 + ENTRY_OVERHEAD));
        let t0 = Instant::now();
        for i in 0..10 {
            let _ = acquired(store.claim_at(&key(i), t0).unwrap());
        }
        // Ten 1,000-byte claims fill it; claims are never evicted.
        assert!(matches!(
            store.claim_at(&key(10), t0),
            Err(DedupeError::Full)
        ));
        // Once the claims expire they are swept, and their bytes with them.
        let token = acquired(store.claim_at("short", t0 + DEFAULT_CLAIM_TTL).unwrap());
        assert!(store.complete_at(&token, t0 + DEFAULT_CLAIM_TTL));
        assert_eq!(store.len(), 1, "the expired claims were swept");
        let state = store.lock();
        assert_eq!(state.bytes, cost("short"));
        let (shared, _) = state.entries.get_key_value("short").unwrap();
        assert_eq!(Arc::strong_count(shared), 2, "one allocation, in both maps");
    }

    /// The memory store never waits, so one poll finishes its futures.
    fn block<F: Future>(fut: F) -> F::Output {
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        let mut fut = std::pin::pin!(fut);
        match fut.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(out) => out,
            std::task::Poll::Pending => panic!("pending"),
        }
    }

    #[test]
    fn process_once_runs_completes_and_releases() {
        let store = MemoryDedupe::new(10);
        let failed: Result<Once<()>, OnceError<&str>> =
            block(process_once(&store, "e1", || async { Err("boom") }));
        assert!(matches!(failed, Err(OnceError::Handler("boom"))));
        let ran: Result<Once<u8>, OnceError<&str>> =
            block(process_once(&store, "e1", || async { Ok(7) }));
        assert_eq!(ran.unwrap(), Once::Processed(7));
        let skipped: Result<Once<u8>, OnceError<&str>> =
            block(process_once(&store, "e1", || async { panic!("ran twice") }));
        assert_eq!(skipped.unwrap(), Once::AlreadyDone);

        let held = acquired(store.claim_at("e2", Instant::now()).unwrap());
        let busy: Result<Once<u8>, OnceError<&str>> =
            block(process_once(&store, "e2", || async { panic!("ran") }));
        assert_eq!(busy.unwrap(), Once::InProgress);
        assert!(store.release_at(&held, Instant::now()));
    }
}
