//! Watches the frames an HTTP/2 server sends, for the two facts hyper does
//! not report: the server's `SETTINGS_MAX_CONCURRENT_STREAMS` (and when it
//! arrives) and a `GOAWAY`. The bytes pass through untouched; only frame
//! headers and the payloads of those two frame types are looked at.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

const SETTINGS: u8 = 0x4;
const GOAWAY: u8 = 0x7;
const ACK: u8 = 0x1;
const MAX_CONCURRENT_STREAMS: u16 = 0x3;

/// What the sniffer reports, from inside the connection's read.
pub(crate) trait FrameEvents: Send + 'static {
    /// A SETTINGS frame (not an ACK) ended; `max_streams` is the stream cap
    /// it set, if it named one.
    fn settings(&self, max_streams: Option<u32>);
    /// The server sent GOAWAY.
    fn goaway(&self);
}

/// Incremental parser of the server-to-client frame sequence.
#[derive(Debug, Default)]
pub(crate) struct FrameParser {
    header: [u8; 9],
    header_len: usize,
    /// Payload bytes of the current frame still to come.
    remaining: usize,
    kind: u8,
    flags: u8,
    entry: [u8; 6],
    entry_len: usize,
    max_streams: Option<u32>,
}

impl FrameParser {
    /// Feeds bytes read from the server, reporting what they complete.
    pub(crate) fn feed(&mut self, mut data: &[u8], events: &dyn FrameEvents) {
        while !data.is_empty() {
            if self.header_len < 9 {
                let take = (9 - self.header_len).min(data.len());
                self.header[self.header_len..self.header_len + take].copy_from_slice(&data[..take]);
                self.header_len += take;
                data = &data[take..];
                if self.header_len == 9 {
                    self.start_frame(events);
                }
                continue;
            }
            let take = self.remaining.min(data.len());
            if self.kind == SETTINGS && self.flags & ACK == 0 {
                for &b in &data[..take] {
                    self.entry[self.entry_len] = b;
                    self.entry_len += 1;
                    if self.entry_len == 6 {
                        self.entry_len = 0;
                        let id = u16::from_be_bytes([self.entry[0], self.entry[1]]);
                        if id == MAX_CONCURRENT_STREAMS {
                            self.max_streams = Some(u32::from_be_bytes([
                                self.entry[2],
                                self.entry[3],
                                self.entry[4],
                                self.entry[5],
                            ]));
                        }
                    }
                }
            }
            self.remaining -= take;
            data = &data[take..];
            if self.remaining == 0 {
                self.end_frame(events);
            }
        }
    }

    fn start_frame(&mut self, events: &dyn FrameEvents) {
        let h = self.header;
        self.remaining = u32::from_be_bytes([0, h[0], h[1], h[2]]) as usize;
        self.kind = h[3];
        self.flags = h[4];
        self.entry_len = 0;
        self.max_streams = None;
        if self.kind == GOAWAY {
            events.goaway();
        }
        if self.remaining == 0 {
            self.end_frame(events);
        }
    }

    fn end_frame(&mut self, events: &dyn FrameEvents) {
        if self.kind == SETTINGS && self.flags & ACK == 0 {
            events.settings(self.max_streams);
        }
        self.header_len = 0;
    }
}

/// An I/O stream that feeds what it reads to a [`FrameParser`].
pub(crate) struct Sniff<T, E> {
    inner: T,
    parser: FrameParser,
    events: E,
}

impl<T, E> Sniff<T, E> {
    pub(crate) fn new(inner: T, events: E) -> Self {
        Self {
            inner,
            parser: FrameParser::default(),
            events,
        }
    }
}

impl<T: AsyncRead + Unpin, E: FrameEvents + Unpin> AsyncRead for Sniff<T, E> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled {
            this.parser.feed(&buf.filled()[before..], &this.events);
        }
        polled
    }
}

impl<T: AsyncWrite + Unpin, E: Unpin> AsyncWrite for Sniff<T, E> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::{Just, any};
    use std::sync::Mutex;

    #[derive(Default)]
    struct Log(Mutex<Vec<String>>);
    impl FrameEvents for Log {
        fn settings(&self, max: Option<u32>) {
            self.0.lock().unwrap().push(format!("settings {max:?}"));
        }
        fn goaway(&self) {
            self.0.lock().unwrap().push("goaway".into());
        }
    }

    fn frame(kind: u8, flags: u8, payload: &[u8]) -> Vec<u8> {
        let len = (payload.len() as u32).to_be_bytes();
        let mut f = vec![len[1], len[2], len[3], kind, flags, 0, 0, 0, 0];
        f.extend_from_slice(payload);
        f
    }

    fn stream_of_frames() -> Vec<u8> {
        let mut bytes = Vec::new();
        // SETTINGS: header table 4096, max streams 100, initial window 65535.
        bytes.extend(frame(
            SETTINGS,
            0,
            &[0, 1, 0, 0, 16, 0, 0, 3, 0, 0, 0, 100, 0, 4, 0, 0, 255, 255],
        ));
        bytes.extend(frame(SETTINGS, ACK, &[]));
        bytes.extend(frame(0x0, 0x1, b"a data frame whose bytes must be skipped"));
        bytes.extend(frame(SETTINGS, 0, &[0, 4, 0, 1, 0, 0]));
        bytes.extend(frame(GOAWAY, 0, &[0, 0, 0, 7, 0, 0, 0, 0]));
        bytes
    }

    const EXPECTED: [&str; 3] = ["settings Some(100)", "settings None", "goaway"];

    #[test]
    fn frames_are_found_in_one_read() {
        let log = Log::default();
        FrameParser::default().feed(&stream_of_frames(), &log);
        assert_eq!(*log.0.lock().unwrap(), EXPECTED);
    }

    proptest::proptest! {
        /// Whatever frames the server sends and however the reads split
        /// them, the parser reports one event per SETTINGS (not ACK) and
        /// per GOAWAY, the same as for one read; stray bytes after them
        /// never make it panic.
        #[test]
        fn any_frames_in_any_reads_give_the_same_events(
            frames in proptest::collection::vec(
                (
                    proptest::prop_oneof![Just(0u8), Just(1u8), Just(SETTINGS), Just(GOAWAY), any::<u8>()],
                    any::<u8>(),
                    proptest::collection::vec(any::<u8>(), 0..40),
                ),
                0..24,
            ),
            junk in proptest::collection::vec(any::<u8>(), 0..64),
            cuts in proptest::collection::vec(1usize..64, 1..64),
        ) {
            let mut bytes = Vec::new();
            let mut expected = 0;
            for (kind, flags, payload) in &frames {
                bytes.extend(frame(*kind, *flags, payload));
                expected += usize::from(*kind == GOAWAY)
                    + usize::from(*kind == SETTINGS && flags & ACK == 0);
            }
            let whole = Log::default();
            let mut parser = FrameParser::default();
            parser.feed(&bytes, &whole);
            proptest::prop_assert_eq!(whole.0.lock().unwrap().len(), expected);
            parser.feed(&junk, &whole);

            let split = Log::default();
            let mut parser = FrameParser::default();
            let mut rest = &bytes[..];
            for cut in cuts.iter().cycle() {
                if rest.is_empty() {
                    break;
                }
                let (piece, tail) = rest.split_at((*cut).min(rest.len()));
                parser.feed(piece, &split);
                rest = tail;
            }
            parser.feed(&junk, &split);
            proptest::prop_assert_eq!(&*whole.0.lock().unwrap(), &*split.0.lock().unwrap());
        }
    }

    #[test]
    fn frames_are_found_whatever_the_read_boundaries() {
        let bytes = stream_of_frames();
        for chunk in 1..bytes.len() {
            let log = Log::default();
            let mut parser = FrameParser::default();
            for piece in bytes.chunks(chunk) {
                parser.feed(piece, &log);
            }
            assert_eq!(*log.0.lock().unwrap(), EXPECTED, "chunks of {chunk}");
        }
    }
}
