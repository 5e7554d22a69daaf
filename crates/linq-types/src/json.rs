//! Decoding JSON with an error that says where: the fast decode first, and
//! only when it fails a second pass that tracks the path. The one place
//! `serde_path_to_error` is used.

use std::fmt;

use serde::de::DeserializeOwned;

/// A JSON value that did not decode, and where in it decoding failed.
#[derive(Debug)]
pub struct JsonPathError {
    path: String,
    source: serde_json::Error,
}

impl JsonPathError {
    /// Where decoding failed, as fields and indexes such as
    /// `data.parts[1].url`; `.` for the top level.
    #[must_use]
    pub fn path(&self) -> &str {
        &self.path
    }

    /// What serde said.
    #[must_use]
    pub fn source_error(&self) -> &serde_json::Error {
        &self.source
    }

    /// The path and serde's error, for an error type of your own.
    #[must_use]
    pub fn into_parts(self) -> (String, serde_json::Error) {
        (self.path, self.source)
    }
}

impl fmt::Display for JsonPathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path == "." {
            write!(f, "{}", self.source)
        } else {
            write!(f, "{}: {}", self.path, self.source)
        }
    }
}

impl std::error::Error for JsonPathError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// Decodes `json` as `T`; on failure, says where.
///
/// Success costs one pass: the path is looked for only after a failure, by
/// decoding again. Text that is UTF-8 throughout (checked at once, which is
/// cheaper than string by string) is read as `str`; any other input as
/// bytes, so its error is the one `serde_json::from_slice` gives.
///
/// ```
/// #[derive(Debug, serde::Deserialize)]
/// struct Page { items: Vec<u32> }
///
/// let err = linq_types::decode_json::<Page>(br#"{"items": [1, "two"]}"#).unwrap_err();
/// assert_eq!(err.path(), "items[1]");
/// ```
pub fn decode_json<T: DeserializeOwned>(json: &[u8]) -> Result<T, JsonPathError> {
    let decoded = match std::str::from_utf8(json) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(json),
    };
    decoded.map_err(|first| locate::<T>(json, first))
}

/// Where in `json` decoding it with `seed` fails (`.` when it does not).
#[cfg(feature = "events")]
pub(crate) fn locate_with<'de, S: serde::de::DeserializeSeed<'de>>(
    json: &'de str,
    seed: S,
) -> String {
    let mut track = serde_path_to_error::Track::new();
    let mut de = serde_json::Deserializer::from_str(json);
    match seed.deserialize(serde_path_to_error::Deserializer::new(&mut de, &mut track)) {
        Err(_) => track.path().to_string(),
        Ok(_) => ".".to_owned(),
    }
}

/// Decodes `json` again, tracking the path, to say where `first` happened.
fn locate<T: DeserializeOwned>(json: &[u8], first: serde_json::Error) -> JsonPathError {
    let mut de = serde_json::Deserializer::from_slice(json);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(e) => JsonPathError {
            path: e.path().to_string(),
            source: e.into_inner(),
        },
        // The value itself decoded: what failed comes after it.
        Ok(_) => JsonPathError {
            path: ".".to_owned(),
            source: first,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Shape {
        data: Data,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Data {
        items: Vec<u32>,
    }

    #[test]
    fn the_path_points_at_the_bad_value() {
        let err = decode_json::<Shape>(br#"{"data":{"items":[1,"two"]}}"#).unwrap_err();
        assert_eq!(err.path(), "data.items[1]");
        assert!(
            err.to_string()
                .starts_with("data.items[1]: invalid type: string \"two\""),
            "{err}"
        );
        let err = decode_json::<Shape>(br#"{"data":{}}"#).unwrap_err();
        assert_eq!(err.path(), "data");
        let err = decode_json::<Shape>(br#"{"data":{"items":[]}} x"#).unwrap_err();
        assert_eq!(err.path(), ".");
        assert!(err.to_string().starts_with("trailing characters"), "{err}");
    }
}
