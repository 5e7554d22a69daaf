//! [`Verified`]: a delivery whose signature checked out, with the envelope
//! fields read once.

use linq_types::webhooks::Envelope;

use crate::Scheme;
#[cfg(doc)]
use crate::Webhook;

/// A delivery whose signature and timestamp have been checked.
///
/// The only way to get one is through [`Webhook`]'s verify methods.
///
/// # Redeliveries and dedupe keys
///
/// Linq delivers at least once: a delivery whose response was slow or not
/// 2xx is sent again with the same content. A receiver that must not act
/// twice remembers what it processed and skips repeats (see
/// [`Dedupe`](crate::Dedupe)). Which key is safe depends on the scheme:
///
/// * [`event_id`](Self::event_id), Linq's id for the event, lives in the
///   signed body of both payload versions, so neither scheme lets a replay
///   change it. It is the key Linq's documentation suggests, and the safe
///   one whenever the legacy scheme is allowed.
/// * [`webhook_id`](Self::webhook_id), the `webhook-id` header, is covered
///   by the Standard Webhooks signature and stays the same for every attempt
///   of one message. It is safe only while the legacy scheme is off: a
///   legacy delivery has none, and with the legacy scheme allowed a replay
///   can drop it by stripping the standard headers (see
///   [`Webhook::allow_legacy`]).
///
/// [`dedupe_key`](Self::dedupe_key) picks the safe one.
#[derive(Debug, Clone)]
pub struct Verified<'b> {
    pub(crate) body: &'b [u8],
    pub(crate) scheme: Scheme,
    pub(crate) webhook_id: Option<String>,
    pub(crate) timestamp: u64,
    /// `None` when the body is not a JSON object.
    pub(crate) envelope: Option<Envelope<'b>>,
}

impl<'b> Verified<'b> {
    /// The `webhook-id` header: a dedupe key. `None` for a legacy delivery,
    /// which has no such header.
    pub fn webhook_id(&self) -> Option<&str> {
        self.webhook_id.as_deref()
    }

    /// The body's `event_id` field: Linq's id for the event, a dedupe key.
    /// `None` when the body has no such string field.
    pub fn event_id(&self) -> Option<&str> {
        self.envelope.as_ref()?.event_id()
    }

    /// The key to dedupe this delivery on: the body's `event_id` when it has
    /// one, else the `webhook-id` header of a Standard Webhooks delivery.
    /// `None` only for a legacy delivery without an `event_id`, which
    /// cannot be told apart from its replays.
    pub fn dedupe_key(&self) -> Option<&str> {
        self.event_id().or(match self.scheme {
            Scheme::Standard => self.webhook_id(),
            Scheme::Legacy => None,
        })
    }

    /// The body's `event_type` field, e.g. `message.sent`.
    pub fn event_type(&self) -> Option<&str> {
        self.envelope.as_ref()?.event_type()
    }

    /// The body's `api_version` field (`v3` today).
    pub fn api_version(&self) -> Option<&str> {
        self.envelope.as_ref()?.api_version()
    }

    /// The body's `webhook_version` field: the payload shape, `2025-01-01`
    /// or `2026-02-03` (they differ for message events).
    pub fn webhook_version(&self) -> Option<&str> {
        self.envelope.as_ref()?.webhook_version()
    }

    /// The send time from the timestamp header, in seconds since the Unix
    /// epoch.
    pub fn timestamp(&self) -> u64 {
        self.timestamp
    }

    /// Which scheme the delivery was verified with.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The raw body that was verified.
    pub fn body(&self) -> &'b [u8] {
        self.body
    }
}
