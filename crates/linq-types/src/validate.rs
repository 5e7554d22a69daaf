//! Turning caller input into validated values, so bad input is refused
//! before anything is sent.

use crate::{Handle, HandleError, IdError};

/// Why an argument was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidValue {
    /// Not a valid handle.
    #[error(transparent)]
    Handle(#[from] HandleError),
    /// Not a valid id.
    #[error(transparent)]
    Id(#[from] IdError),
    /// Any other constraint, in words.
    #[error("{0}")]
    Other(String),
}

/// A value that can become a validated `T`: `T` itself, or a string to parse.
///
/// Resource methods take `impl IntoValid<ChatId>` so that callers can pass
/// either a [`ChatId`](crate::ChatId) or a `&str`; a bad string becomes an
/// error from the call, with nothing sent.
pub trait IntoValid<T> {
    /// Validates and converts.
    fn into_valid(self) -> Result<T, InvalidValue>;
}

/// A value the caller builds that can be wrong as a whole (message content
/// with a blank text part, say); resource methods check it before sending.
pub trait CheckInput {
    /// `Ok` when the value may be sent.
    fn check(&self) -> Result<(), InvalidValue>;
}

macro_rules! into_valid {
    ($($ty:ty),*) => {$(
        impl IntoValid<$ty> for $ty {
            fn into_valid(self) -> Result<$ty, InvalidValue> {
                Ok(self)
            }
        }
        impl IntoValid<$ty> for &$ty {
            fn into_valid(self) -> Result<$ty, InvalidValue> {
                Ok(self.clone())
            }
        }
        impl IntoValid<$ty> for &str {
            fn into_valid(self) -> Result<$ty, InvalidValue> {
                <$ty>::try_from(self).map_err(Into::into)
            }
        }
        impl IntoValid<$ty> for String {
            fn into_valid(self) -> Result<$ty, InvalidValue> {
                <$ty>::try_from(self).map_err(Into::into)
            }
        }
        impl IntoValid<$ty> for &String {
            fn into_valid(self) -> Result<$ty, InvalidValue> {
                <$ty>::try_from(self.as_str()).map_err(Into::into)
            }
        }
    )*};
}

into_valid!(
    Handle,
    crate::ChatId,
    crate::MessageId,
    crate::AttachmentId,
    crate::ReactionId,
    crate::SubscriptionId,
    crate::PhoneNumberId,
    crate::PaymentRequestId,
    crate::PaymentId,
    crate::AuditId,
    crate::PaymentProviderId,
    crate::ExperienceId
);

/// A list of values to validate: each element is checked, and the first
/// refusal is the error. Lets `to: ["+12025550147", "ada@example.com"]`
/// stand for a `Vec<Handle>`.
impl<T, S: IntoValid<T>> IntoValid<Vec<T>> for Vec<S> {
    fn into_valid(self) -> Result<Vec<T>, InvalidValue> {
        self.into_iter().map(IntoValid::into_valid).collect()
    }
}

impl<T, S: IntoValid<T>, const N: usize> IntoValid<Vec<T>> for [S; N] {
    fn into_valid(self) -> Result<Vec<T>, InvalidValue> {
        self.into_iter().map(IntoValid::into_valid).collect()
    }
}

impl<T, S: IntoValid<T> + Clone> IntoValid<Vec<T>> for &[S] {
    fn into_valid(self) -> Result<Vec<T>, InvalidValue> {
        self.iter().cloned().map(IntoValid::into_valid).collect()
    }
}
