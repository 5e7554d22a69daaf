//! Types for the Linq Partner API v3: validated handles and ids, request and
//! response models, the error envelope, and every operation described as data.
//!
//! This crate does no I/O and pulls in no async runtime or HTTP client, so a
//! webhook receiver or a service that only passes Linq payloads around can
//! depend on it alone.

mod error;
mod handle;
mod id;
pub mod models;
pub mod operation;
pub mod ops;
mod pagination;
mod timestamp;
mod validate;
pub mod webhooks;

pub use error::{ErrorCode, ErrorDetail, ErrorResponse};
pub use handle::{Handle, HandleError, HandleKind, MAX_EMAIL_LEN};
pub use id::{
    AttachmentId, AuditId, ChatId, ExperienceId, IdError, MessageId, PaymentId, PaymentProviderId,
    PaymentRequestId, PhoneNumberId, ReactionId, SubscriptionId, is_uuid,
};
pub use operation::{Effect, IdempotencyKey, Operation};
pub use pagination::Paginated;
pub use timestamp::{Timestamp, TimestampError};
pub use validate::{IntoValid, InvalidValue};
pub use webhooks::WebhookEvent;
