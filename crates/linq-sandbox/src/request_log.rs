//! The request log the control API shows (`GET /__sandbox/requests`),
//! bounded by the bytes its entries take.

use std::collections::VecDeque;

use serde_json::Value;

/// Bytes the request log may hold (its entries as JSON text); older
/// entries are dropped first.
pub const REQUEST_LOG_BYTES: usize = 4 << 20;

/// The request log, bounded by the bytes its entries take.
#[derive(Debug, Default)]
pub(crate) struct RequestLog {
    entries: VecDeque<(Value, usize)>,
    bytes: usize,
}

impl RequestLog {
    pub(crate) fn push(&mut self, entry: Value) {
        let size = entry.to_string().len();
        while self.bytes + size > REQUEST_LOG_BYTES {
            let Some((_, dropped)) = self.entries.pop_front() else {
                break;
            };
            self.bytes -= dropped;
        }
        self.bytes += size;
        self.entries.push_back((entry, size));
    }

    /// The entries, oldest first.
    pub(crate) fn entries(&self) -> Vec<Value> {
        self.entries
            .iter()
            .map(|(entry, _)| entry.clone())
            .collect()
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
        self.bytes = 0;
    }
}
