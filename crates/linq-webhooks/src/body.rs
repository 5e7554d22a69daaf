//! Reads a request body into one buffer, bounded by a limit.
//!
//! Each frame is copied as it arrives and then dropped. Collecting frames
//! instead (`Limited::collect()`) keeps every frame alive until the end, and
//! behind hyper's HTTP/1.1 server a frame is a slice of an ~8 KB read
//! buffer: a body sent one byte per TCP segment would pin 8 KB per byte.

use bytes::{Buf, Bytes};
use http_body::Body;

use crate::integration::Rejection;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The body's bytes, or the rejection for a body that broke off or is over
/// `limit` bytes (checked before anything past the limit is buffered).
pub(crate) async fn read_bounded<B>(body: B, limit: usize) -> Result<Bytes, Rejection>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    let too_large = || Rejection::Body {
        too_large: true,
        message: format!("the body is larger than {limit} bytes"),
    };
    if body.size_hint().lower() > limit as u64 {
        return Err(too_large());
    }
    let mut body = std::pin::pin!(body);
    // The declared length, when it is within the limit, saves regrowing.
    let declared = body.size_hint().exact().unwrap_or(0).min(limit as u64);
    let mut buffer = Vec::with_capacity(declared as usize);
    while let Some(frame) = std::future::poll_fn(|cx| body.as_mut().poll_frame(cx)).await {
        let frame = frame.map_err(|err| broken_off(err.into()))?;
        let Ok(mut data) = frame.into_data() else {
            continue; // trailers
        };
        if data.remaining() > limit - buffer.len() {
            return Err(too_large());
        }
        while data.has_remaining() {
            let chunk = data.chunk();
            buffer.extend_from_slice(chunk);
            let read = chunk.len();
            data.advance(read);
        }
    }
    Ok(Bytes::from(buffer))
}

/// A read error; one that is really a length limit (axum's) is reported as
/// too large.
fn broken_off(err: BoxError) -> Rejection {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&*err);
    let mut too_large = false;
    while let Some(current) = source {
        too_large |= current.is::<http_body_util::LengthLimitError>();
        source = current.source();
    }
    Rejection::Body {
        too_large,
        message: err.to_string(),
    }
}
