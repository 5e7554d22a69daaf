//! HMAC-SHA256 signatures: signing a delivery, and matching a
//! `webhook-signature` header (read strictly) or a legacy hex signature.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::Webhook;

pub(crate) type HmacSha256 = Hmac<Sha256>;

/// Standard base64 for signatures, in the one form senders emit: `=`
/// padding required and the unused low bits of the last character zero, so
/// that no two header values decode to the same signature.
const SIGNATURE_BASE64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireCanonical),
);

/// Length of a `v1` signature value: 32 MAC bytes in padded base64.
const V1_SIGNATURE_LEN: usize = 44;

impl Webhook {
    /// Signs a delivery the way a Standard Webhooks sender does, returning
    /// the `webhook-signature` header value (`v1,<base64>`).
    ///
    /// `timestamp` is in seconds since the Unix epoch and must be sent as the
    /// `webhook-timestamp` header, with `id` as `webhook-id`.
    pub fn sign(&self, id: &str, timestamp: u64, body: &[u8]) -> String {
        let mac = standard_mac(self.secret.mac(), id.as_bytes(), timestamp, body);
        format!(
            "v1,{}",
            SIGNATURE_BASE64.encode(mac.finalize().into_bytes())
        )
    }
}

/// Whether a well-formed `webhook-signature` header holds a `v1` entry equal
/// to `expected`. A header that is not well formed (see [`Webhook`]) never
/// matches, whatever else it holds.
pub(crate) fn signature_header_matches(header: &[u8], expected: &HmacSha256) -> bool {
    let mut matched = false;
    for entry in header.split(|&b| b == b' ') {
        let Some(comma) = entry.iter().position(|&b| b == b',') else {
            return false;
        };
        let (version, value) = (&entry[..comma], &entry[comma + 1..]);
        if version.is_empty() || value.is_empty() {
            return false;
        }
        if version != b"v1" {
            continue;
        }
        let Some(signature) = decode_v1(value) else {
            return false;
        };
        // `verify_slice` compares in constant time.
        matched |= expected.clone().verify_slice(&signature).is_ok();
    }
    matched
}

/// A `v1` value: exactly the padded base64 of 32 bytes, in canonical form.
fn decode_v1(value: &[u8]) -> Option<[u8; 32]> {
    if value.len() != V1_SIGNATURE_LEN {
        return None;
    }
    let mut out = [0u8; 33];
    match SIGNATURE_BASE64.decode_slice(value, &mut out) {
        Ok(32) => {
            let mut signature = [0u8; 32];
            signature.copy_from_slice(&out[..32]);
            Some(signature)
        }
        _ => None,
    }
}

pub(crate) fn new_mac(key: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length, so this cannot fail.
    HmacSha256::new_from_slice(key).expect("HMAC accepts keys of any length")
}

/// The MAC of `{id}.{timestamp}.{body}` under `mac`, a keyed MAC (see
/// [`Secret`](crate::Secret)). The timestamp is written in its canonical
/// decimal form, as the reference libraries do.
pub(crate) fn standard_mac(
    mut mac: HmacSha256,
    id: &[u8],
    timestamp: u64,
    body: &[u8],
) -> HmacSha256 {
    mac.update(id);
    mac.update(b".");
    mac.update(decimal(timestamp, &mut [0; 20]));
    mac.update(b".");
    mac.update(body);
    mac
}

/// `n` in decimal, written into `buf` (20 digits hold any `u64`).
fn decimal(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &buf[at..];
        }
    }
}

pub(crate) fn decode_hex(hex: &[u8]) -> Option<Vec<u8>> {
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    hex.chunks_exact(2)
        .map(|pair| Some(nibble(pair[0])? << 4 | nibble(pair[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::tests::{T, at, headers, hook};
    use crate::{Secret, WebhookError};

    #[test]
    fn signature_list_handling() {
        let wh = hook();
        let good = wh.sign("m", T, b"{}");
        let b64 = good.strip_prefix("v1,").unwrap();
        let other = Webhook::new(Secret::from_bytes(&b"other"[..]).unwrap()).sign("m", T, b"{}");
        for (header, ok) in [
            (good.clone(), true),
            // Rotation: any one of several signatures may match.
            (format!("{other} {good}"), true),
            (format!("{good} {other}"), true),
            // Entries of other versions are skipped.
            (format!("v1a,{b64} {good}"), true),
            (format!("v2,AAAA {good} v2,x"), true),
            (other.clone(), false),
            (format!("v2,{b64}"), false),
            (format!("v1a,{b64}"), false),
        ] {
            let result = wh.verify_at(b"{}", headers("m", "1700000000", &header), at(T));
            if ok {
                assert!(result.is_ok(), "{header:?}: {result:?}");
            } else {
                assert!(
                    matches!(result, Err(WebhookError::NoMatchingSignature)),
                    "{header:?}: {result:?}"
                );
            }
        }
    }

    #[test]
    fn a_valid_mac_in_any_other_spelling_is_refused() {
        let wh = hook();
        let good = wh.sign("m", T, b"{}");
        let b64 = good.strip_prefix("v1,").unwrap();
        assert!(b64.ends_with('=') && b64.len() == V1_SIGNATURE_LEN);
        let other = Webhook::new(Secret::from_bytes(&b"other"[..]).unwrap()).sign("m", T, b"{}");
        for header in [
            format!("v1,{}", b64.trim_end_matches('=')),
            format!("v1,{}", &b64[..V1_SIGNATURE_LEN - 1]) + " ",
            format!("v1,{b64}="),
            format!("v1,{b64}=="),
            format!(" {good}"),
            format!("{good} "),
            format!("  {good}  "),
            format!("{other}  {good}"),
            format!("garbage {good}"),
            format!("garbage v1,!!! {good}"),
            format!("v1,!!! {good}"),
            format!("v1,AAAA {good}"),
            format!(",{b64} {good}"),
            format!("v2, {good}"),
            format!("{good},"),
            format!("v1, {b64}"),
            format!("v1 ,{b64}"),
            format!("v1,{b64}\t"),
            format!("\t{good}"),
            format!("v1,{} {good}", &b64[..20]),
            format!("{good} v1,{}", &b64[..20]),
            b64.to_owned(),
            "v1,".to_owned(),
            ",".to_owned(),
            " ".to_owned(),
            non_canonical(&good),
            format!("{} {good}", non_canonical(&good)),
        ] {
            assert_ne!(header, good);
            assert!(
                matches!(
                    wh.verify_at(b"{}", headers("m", "1700000000", &header), at(T)),
                    Err(WebhookError::NoMatchingSignature)
                ),
                "{header:?}"
            );
        }
    }

    #[test]
    fn the_reported_malleable_case_is_refused() {
        // Key [0], empty body, the last `=` turned into a space: found by
        // the signature flip property at 100k cases before the header was
        // read strictly.
        let wh = Webhook::new(Secret::from_bytes(vec![0]).unwrap());
        let good = wh.sign("msg_1", T, b"");
        let spaced = format!("{} ", good.strip_suffix('=').unwrap());
        let ts = T.to_string();
        assert!(
            wh.verify_at(b"", headers("msg_1", &ts, &good), at(T))
                .is_ok()
        );
        assert!(matches!(
            wh.verify_at(b"", headers("msg_1", &ts, &spaced), at(T)),
            Err(WebhookError::NoMatchingSignature)
        ));
    }

    /// `sig` with the unused low bits of its last base64 character set.
    fn non_canonical(sig: &str) -> String {
        let body = sig.trim_end_matches('=');
        let (head, last) = body.split_at(body.len() - 1);
        const ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let value = ALPHABET.find(last).unwrap();
        assert_eq!(
            value & 0b11,
            0,
            "a 32-byte signature leaves two unused bits"
        );
        format!("{head}{}=", &ALPHABET[value | 1..(value | 1) + 1])
    }

    #[test]
    fn timestamps_are_signed_in_canonical_decimal() {
        for n in [0, 7, 10, 1_700_000_000, u64::MAX] {
            assert_eq!(decimal(n, &mut [0; 20]), n.to_string().as_bytes());
        }
    }

    #[test]
    fn hex_decoding() {
        assert_eq!(decode_hex(b"00ffA0").unwrap(), vec![0, 255, 160]);
        assert_eq!(decode_hex(b"").unwrap(), Vec::<u8>::new());
        assert!(decode_hex(b"0").is_none());
        assert!(decode_hex(b"0g").is_none());
    }
}
