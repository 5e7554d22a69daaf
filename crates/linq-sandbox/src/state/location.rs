//! Location sharing: who shares their position with which line, and
//! requests waiting for the contact to accept.

use serde_json::{Value, json};

/// A contact sharing their location with one of your lines.
#[derive(Debug, Clone)]
pub(crate) struct Share {
    /// Who shares.
    pub handle: String,
    /// The line they share with.
    pub line: String,
    /// The chat the request came from.
    pub chat_id: String,
    pub began_at: String,
    pub updated_at: String,
    /// `[longitude, latitude]`.
    pub position: [f64; 2],
}

impl Share {
    /// The GeoJSON `Feature` of `GET /v3/chats/{id}/location`.
    pub fn feature(&self) -> Value {
        json!({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": self.position},
            "properties": {
                "handle": self.handle,
                "address": null,
                "locality": null,
                "updated_at": self.updated_at,
            },
        })
    }
}

/// A made-up but stable position for a handle: near Washington, DC, a
/// little apart for each handle.
pub(crate) fn position_of(handle: &str) -> [f64; 2] {
    let h = handle
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    let east = f64::from(h % 1000) / 20_000.0;
    let north = f64::from((h / 1000) % 1000) / 20_000.0;
    [-77.0365 + east, 38.8977 + north]
}
