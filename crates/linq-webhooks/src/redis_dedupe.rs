//! [`Dedupe`] shared between replicas through Redis (feature `redis`).

use std::future::Future;
use std::sync::LazyLock;
use std::time::Duration;

use redis::Script;
use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};

use crate::dedupe::{Claim, ClaimToken, DEFAULT_CLAIM_TTL, DEFAULT_DONE_TTL, Dedupe, DedupeError};

/// Key prefix unless [`RedisDedupe::prefix`] says otherwise.
pub const DEFAULT_PREFIX: &str = "linq-webhooks:dedupe:";

/// The value of a completed event's key; claim tokens start with `c:`, so
/// they never equal it.
const DONE: &str = "done";

/// `SET NX PX` the claim token; on failure, say whether the holder is a
/// claim (0) or the done marker (2).
static CLAIM: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[3] then return 2 end
return 0
",
    )
});

/// Replace our claim (or an expired one nobody took) with the done marker.
static COMPLETE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] or not v then
  redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[2])
  return 1
end
return 0
",
    )
});

/// Delete the key only while it still holds our claim.
static RELEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
",
    )
});

/// A [`Dedupe`] store in Redis, for receivers on several replicas.
///
/// A claim is `SET key token NX PX claim_ttl` with a random token; complete
/// and release are Lua scripts that act only while the key still holds
/// that token, so a replica whose claim expired cannot complete or release
/// the claim of the replica that took over. A completed event's key holds a
/// done marker for the done TTL. Every step is one atomic round trip.
///
/// Build it with [`connect`](RedisDedupe::connect): its connection is a
/// [`ConnectionManager`], which reconnects after Redis restarts or the
/// connection drops. A delivery that arrives while Redis is away is
/// answered 503 (its claim failed), so Linq delivers it again later.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use linq_webhooks::RedisDedupe;
/// let dedupe = RedisDedupe::connect("redis://127.0.0.1:6379/")
///     .await?
///     .prefix("my-bot:linq:");
/// # Ok(()) }
/// ```
///
/// [`new`](RedisDedupe::new) takes any other async connection that can be
/// cloned to share (a cluster connection, say). Prefer one that reconnects:
/// a plain [`redis::aio::MultiplexedConnection`] stays broken after a
/// restart, so every delivery from then on would be refused.
#[derive(Clone)]
pub struct RedisDedupe<C> {
    connection: C,
    prefix: String,
    claim_ttl: Duration,
    done_ttl: Duration,
}

impl<C> std::fmt::Debug for RedisDedupe<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisDedupe")
            .field("prefix", &self.prefix)
            .field("claim_ttl", &self.claim_ttl)
            .field("done_ttl", &self.done_ttl)
            .finish_non_exhaustive()
    }
}

impl<C> RedisDedupe<C>
where
    C: ConnectionLike + Clone + Send + Sync,
{
    /// A store on `connection` with the default prefix and TTLs (see the
    /// [`dedupe`](crate::dedupe) module for why those).
    pub fn new(connection: C) -> Self {
        Self {
            connection,
            prefix: DEFAULT_PREFIX.to_owned(),
            claim_ttl: DEFAULT_CLAIM_TTL,
            done_ttl: DEFAULT_DONE_TTL,
        }
    }

    /// Sets the prefix of every key this store writes. Receivers that share
    /// a Redis but must not share events (two bots, say) need different
    /// prefixes.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Sets how long a claim holds. Redis counts in whole milliseconds; a
    /// TTL under one is rounded up to one.
    pub fn claim_ttl(mut self, ttl: Duration) -> Self {
        self.claim_ttl = ttl;
        self
    }

    /// Sets how long a completed event is remembered.
    pub fn done_ttl(mut self, ttl: Duration) -> Self {
        self.done_ttl = ttl;
        self
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }
}

impl RedisDedupe<ConnectionManager> {
    /// Connects to the Redis at `url` (`redis://host:port/db`, or
    /// `rediss://` with the `redis` crate's TLS features) through a
    /// [`ConnectionManager`], which reconnects by itself.
    pub async fn connect(url: &str) -> Result<Self, DedupeError> {
        let client = redis::Client::open(url).map_err(backend)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT));
        let connection = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(backend)?;
        Ok(Self::new(connection))
    }
}

/// How long [`RedisDedupe::connect`]'s connection waits for a connection,
/// and for a reply: a store that hangs would hold the delivery past Linq's
/// own timeout.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(2);

fn millis(ttl: Duration) -> u64 {
    u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1)
}

fn backend(err: redis::RedisError) -> DedupeError {
    DedupeError::Backend(Box::new(err))
}

/// `c:` and 128 random bits in hex.
fn new_token() -> Result<String, DedupeError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| DedupeError::Backend(Box::new(e)))?;
    let mut token = String::with_capacity(34);
    token.push_str("c:");
    for b in bytes {
        token.push_str(&format!("{b:02x}"));
    }
    Ok(token)
}

impl<C> Dedupe for RedisDedupe<C>
where
    C: ConnectionLike + Clone + Send + Sync,
{
    fn claim(&self, key: &str) -> impl Future<Output = Result<Claim, DedupeError>> + Send {
        let mut connection = self.connection.clone();
        let redis_key = self.key(key);
        let key = key.to_owned();
        let ttl = millis(self.claim_ttl);
        async move {
            let token = new_token()?;
            let found: i64 = CLAIM
                .key(&redis_key)
                .arg(&token)
                .arg(ttl)
                .arg(DONE)
                .invoke_async(&mut connection)
                .await
                .map_err(backend)?;
            Ok(match found {
                1 => Claim::Acquired(ClaimToken::new(key, token)),
                2 => Claim::Done,
                _ => Claim::InProgress,
            })
        }
    }

    fn complete(
        &self,
        claim: ClaimToken,
    ) -> impl Future<Output = Result<bool, DedupeError>> + Send {
        let mut connection = self.connection.clone();
        let redis_key = self.key(claim.key());
        let ttl = millis(self.done_ttl);
        async move {
            let done: i64 = COMPLETE
                .key(&redis_key)
                .arg(claim.token())
                .arg(ttl)
                .arg(DONE)
                .invoke_async(&mut connection)
                .await
                .map_err(backend)?;
            Ok(done == 1)
        }
    }

    fn release(&self, claim: ClaimToken) -> impl Future<Output = Result<bool, DedupeError>> + Send {
        let mut connection = self.connection.clone();
        let redis_key = self.key(claim.key());
        async move {
            let released: i64 = RELEASE
                .key(&redis_key)
                .arg(claim.token())
                .invoke_async(&mut connection)
                .await
                .map_err(backend)?;
            Ok(released == 1)
        }
    }
}
