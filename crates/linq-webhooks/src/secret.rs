//! The signing secret, kept out of every `Debug` and error message.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use base64::Engine as _;

use crate::WebhookError;
use crate::signing::{HmacSha256, new_mac};

/// Name of the environment variable [`Secret::from_env`] reads.
pub const SECRET_ENV_VAR: &str = "LINQ_WEBHOOK_SECRET";

/// The shortest key [`Secret::parse`] takes from text without the `whsec_`
/// prefix: 24 bytes, the lower bound Standard Webhooks sets for keys.
pub const MIN_UNPREFIXED_KEY_LEN: usize = 24;

/// Standard base64 for secrets: `=` padding optional and, as in the
/// reference libraries, unused low bits of the last character ignored.
const SECRET_BASE64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// A webhook signing secret.
///
/// Linq hands out secrets as `whsec_` followed by base64. The two signature
/// schemes use different key bytes:
///
/// * **Standard Webhooks** (`webhook-signature`): the base64 after the
///   `whsec_` prefix is decoded and the decoded bytes are the HMAC key. This
///   is what the `standardwebhooks` libraries and Linq's official SDKs do.
/// * **Legacy** (`X-Webhook-Signature`): the HMAC key is the secret *text*
///   exactly as Linq returned it, `whsec_` prefix included, as UTF-8 bytes,
///   with nothing decoded. Linq's reference documentation for that scheme
///   computes the HMAC with the signing secret string itself as the key, so
///   a receiver that decoded it first would never match.
///
/// A secret built with [`Secret::from_bytes`] has no text form, so both
/// schemes use those bytes as they are.
///
/// `Debug` prints `Secret(***)`; there is no `Display`, no equality and no
/// accessor for the key bytes. Cloning is cheap (the keys are shared), so a
/// verifier can be handed to every request.
#[derive(Clone)]
pub struct Secret(Arc<Keyed>);

/// The HMAC state after each scheme's key, computed once per secret: every
/// delivery clones it instead of hashing the key pads again (two SHA-256
/// blocks saved per delivery).
struct Keyed {
    /// Keyed with the Standard Webhooks key.
    standard: HmacSha256,
    /// Keyed with the legacy `X-Webhook-*` key.
    legacy: HmacSha256,
}

impl Secret {
    /// Parses a secret in its text form: `whsec_` followed by base64, with or
    /// without padding. Surrounding whitespace (a trailing newline from a
    /// secrets file, say) is ignored. Like the reference libraries, the
    /// prefix may be left out, but then the text must decode to at least
    /// [`MIN_UNPREFIXED_KEY_LEN`] bytes, the shortest key Standard Webhooks
    /// allows, so that a word that happens to be base64 (`nope`) is not
    /// taken for a key.
    ///
    /// Fails with [`WebhookError::MissingSecret`] when the text or the key
    /// it decodes to is empty, and [`WebhookError::MalformedSecret`] when
    /// the rest is not base64 or, without the prefix, too short.
    ///
    /// ```
    /// use linq_webhooks::{Secret, WebhookError};
    ///
    /// assert!(Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_ok());
    /// assert!(Secret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_ok());
    /// assert!(matches!(Secret::parse("nope"), Err(WebhookError::MalformedSecret)));
    /// ```
    pub fn parse(text: &str) -> Result<Self, WebhookError> {
        let text = text.trim();
        let (encoded, prefixed) = match text.strip_prefix("whsec_") {
            Some(rest) => (rest, true),
            None => (text, false),
        };
        if encoded.is_empty() {
            return Err(WebhookError::MissingSecret);
        }
        let key = SECRET_BASE64
            .decode(encoded)
            .map_err(|_| WebhookError::MalformedSecret)?;
        if key.is_empty() {
            return Err(WebhookError::MissingSecret);
        }
        if !prefixed && key.len() < MIN_UNPREFIXED_KEY_LEN {
            return Err(WebhookError::MalformedSecret);
        }
        Ok(Self::keyed(&key, text.as_bytes()))
    }

    /// Uses `key` as the HMAC key as it is, with no decoding.
    ///
    /// Fails with [`WebhookError::MissingSecret`] when `key` is empty.
    pub fn from_bytes(key: impl Into<Vec<u8>>) -> Result<Self, WebhookError> {
        let key = key.into();
        if key.is_empty() {
            return Err(WebhookError::MissingSecret);
        }
        Ok(Self::keyed(&key, &key))
    }

    /// Reads and parses the secret in the `LINQ_WEBHOOK_SECRET` environment
    /// variable.
    ///
    /// Fails with [`WebhookError::MissingSecret`] when the variable is unset
    /// or empty, and [`WebhookError::MalformedSecret`] when it is not valid
    /// Unicode or not a secret.
    pub fn from_env() -> Result<Self, WebhookError> {
        match std::env::var_os(SECRET_ENV_VAR) {
            None => Err(WebhookError::MissingSecret),
            Some(value) => match value.into_string() {
                Ok(text) => Self::parse(&text),
                Err(_) => Err(WebhookError::MalformedSecret),
            },
        }
    }

    fn keyed(key: &[u8], legacy_key: &[u8]) -> Self {
        Self(Arc::new(Keyed {
            standard: new_mac(key),
            legacy: new_mac(legacy_key),
        }))
    }

    /// A MAC keyed for the Standard Webhooks scheme, ready for the message.
    pub(crate) fn mac(&self) -> HmacSha256 {
        self.0.standard.clone()
    }

    /// A MAC keyed for the legacy scheme, ready for the message.
    pub(crate) fn legacy_mac(&self) -> HmacSha256 {
        self.0.legacy.clone()
    }
}

/// The secret the API returned for a new subscription (`linq-client`'s
/// `ensure`), parsed as [`Secret::parse`] does.
impl TryFrom<&linq_types::SigningSecret> for Secret {
    type Error = WebhookError;

    fn try_from(secret: &linq_types::SigningSecret) -> Result<Self, WebhookError> {
        Self::parse(secret.expose())
    }
}

/// As for `&SigningSecret`.
impl TryFrom<linq_types::SigningSecret> for Secret {
    type Error = WebhookError;

    fn try_from(secret: linq_types::SigningSecret) -> Result<Self, WebhookError> {
        Self::parse(secret.expose())
    }
}

impl FromStr for Secret {
    type Err = WebhookError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hmac::Mac as _;

    /// The MAC of a probe message under `mac`, to compare keys by.
    fn probe(mac: HmacSha256) -> Vec<u8> {
        mac.chain_update(b"probe").finalize().into_bytes().to_vec()
    }

    impl Secret {
        /// Whether the Standard Webhooks key is `key`.
        pub(crate) fn key_is(&self, key: &[u8]) -> bool {
            probe(self.mac()) == probe(new_mac(key))
        }

        /// Whether the legacy key is `key`.
        fn legacy_key_is(&self, key: &[u8]) -> bool {
            probe(self.legacy_mac()) == probe(new_mac(key))
        }
    }

    #[test]
    fn whsec_prefix_and_padding_are_optional() {
        for text in [
            "whsec_c2VjcmV0Cg==",
            "whsec_c2VjcmV0Cg",
            " whsec_c2VjcmV0Cg==\n",
        ] {
            assert!(Secret::parse(text).unwrap().key_is(b"secret\n"), "{text:?}");
        }
    }

    #[test]
    fn unused_low_bits_are_ignored_like_the_reference() {
        // `standardwebhooks` decodes this (the last `a` has non-zero unused
        // bits); refusing it would refuse a secret the reference accepts.
        let key = SECRET_BASE64.decode("aaaaaaaaaQ==").unwrap();
        assert!(Secret::parse("whsec_aaaaaaaaaa==").unwrap().key_is(&key));
        assert!(Secret::parse("whsec_aaaaaaaaaQ==").unwrap().key_is(&key));
    }

    #[test]
    fn legacy_key_is_the_secret_text_with_prefix() {
        let secret = Secret::parse("whsec_c2VjcmV0Cg==\n").unwrap();
        assert!(secret.legacy_key_is(b"whsec_c2VjcmV0Cg=="));
        assert!(!secret.legacy_key_is(b"secret\n"));
        let raw = Secret::from_bytes(&b"raw key"[..]).unwrap();
        assert!(raw.key_is(b"raw key"));
        assert!(raw.legacy_key_is(b"raw key"));
    }

    #[test]
    fn empty_and_malformed_secrets_are_refused() {
        for text in ["", "  ", "whsec_"] {
            assert!(
                matches!(Secret::parse(text), Err(WebhookError::MissingSecret)),
                "{text:?}"
            );
        }
        // Without the prefix, too short to be a key (three bytes, five, six).
        for text in [
            "whsec_not base64!",
            "whsec_a",
            "whsec_****",
            "wrong",
            "nope",
            "password",
        ] {
            assert!(
                matches!(Secret::parse(text), Err(WebhookError::MalformedSecret)),
                "{text:?}"
            );
        }
        assert!(matches!(
            Secret::from_bytes(Vec::new()),
            Err(WebhookError::MissingSecret)
        ));
    }

    #[test]
    fn debug_hides_the_key() {
        let secret = Secret::parse("whsec_c2VjcmV0Cg==").unwrap();
        let shown = format!("{secret:?} {secret:#?}");
        assert!(shown.contains("***"));
        assert!(!shown.contains("c2VjcmV0"));
        assert!(!shown.contains("secret\\n"));
        assert!(!shown.contains("115")); // no byte list either
    }
}

#[cfg(test)]
mod conversions {
    use super::*;

    #[test]
    fn an_unprefixed_key_must_be_long_enough() {
        let key = [7u8; MIN_UNPREFIXED_KEY_LEN];
        let text = SECRET_BASE64.encode(key);
        assert!(Secret::parse(&text).unwrap().key_is(&key));
        let short = SECRET_BASE64.encode(&key[1..]);
        assert!(matches!(
            Secret::parse(&short),
            Err(WebhookError::MalformedSecret)
        ));
        assert!(
            Secret::parse(&format!("whsec_{short}"))
                .unwrap()
                .key_is(&key[1..])
        );
    }

    #[test]
    fn the_api_s_signing_secret_converts() {
        let given = linq_types::SigningSecret::new("whsec_c2VjcmV0Cg==");
        assert!(Secret::try_from(&given).unwrap().key_is(b"secret\n"));
        assert!(Secret::try_from(given).unwrap().key_is(b"secret\n"));
        let bad = linq_types::SigningSecret::new("nope");
        assert!(Secret::try_from(&bad).is_err());
    }
}
