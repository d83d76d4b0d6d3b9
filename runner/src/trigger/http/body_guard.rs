//! Request bodies are read before they take an instance, against a clock:
//! a body that stops arriving for `idle_timeout`, or arrives slower than
//! `min_rate` bytes a second after a grace period, is cut off (408). Small
//! bodies (up to `buffer` bytes) are read whole first, so a client that
//! sends headers and a few bytes and then waits holds a connection, never
//! one of the instances every other request needs; larger ones are
//! streamed to the guest under the same clock, so a large body is never
//! held in memory.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http_body::{Body, Frame, SizeHint};
use tokio::time::{Instant, Sleep};

/// How fast a body must arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyLimits {
    /// Bodies up to this many bytes are read whole before dispatch.
    pub buffer: usize,
    /// The longest a body may pause between two chunks.
    pub idle_timeout: Duration,
    /// After `grace`, at least this many bytes a second on average.
    pub min_rate: u64,
    /// How long a body may take before the rate counts.
    pub grace: Duration,
}

impl Default for BodyLimits {
    fn default() -> Self {
        Self {
            buffer: 64 << 10,
            idle_timeout: Duration::from_secs(10),
            min_rate: 1024,
            grace: Duration::from_secs(5),
        }
    }
}

/// The clock a body is read against.
#[derive(Debug, Clone, Copy)]
struct Pace {
    limits: BodyLimits,
    started: Instant,
    last: Instant,
    received: u64,
}

impl Pace {
    fn new(limits: BodyLimits) -> Self {
        let now = Instant::now();
        Self {
            limits,
            started: now,
            last: now,
            received: 0,
        }
    }

    fn got(&mut self, n: usize) {
        self.last = Instant::now();
        self.received += n as u64;
    }

    /// When the body is too slow unless more arrives.
    fn deadline(&self) -> Instant {
        let idle = self.last + self.limits.idle_timeout;
        let rate = self.limits.min_rate.max(1);
        let earned = Duration::from_secs_f64(self.received as f64 / rate as f64);
        idle.min(self.started + self.limits.grace + earned)
    }
}

/// What reading the start of a body gave.
pub enum Head<B> {
    /// The whole body (it fit in the buffer).
    Whole(Bytes),
    /// A body too large to buffer: what was read, then the rest, guarded.
    Large(Guarded<B>),
}

/// Reads `body` whole if it fits in `limits.buffer`, else hands it on
/// guarded; `Err(None)` when it came too slowly, `Err(Some(_))` when the
/// connection failed.
pub async fn read_head<B>(mut body: B, limits: BodyLimits) -> Result<Head<B>, Option<B::Error>>
where
    B: Body<Data = Bytes> + Unpin,
{
    use http_body_util::BodyExt;
    let mut pace = Pace::new(limits);
    let mut buf = BytesMut::new();
    loop {
        let frame = tokio::select! {
            frame = body.frame() => frame,
            _ = tokio::time::sleep_until(pace.deadline()) => return Err(None),
        };
        match frame {
            None => return Ok(Head::Whole(buf.freeze())),
            Some(Err(e)) => return Err(Some(e)),
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    pace.got(data.len());
                    buf.extend_from_slice(&data);
                }
                if buf.len() > limits.buffer {
                    return Ok(Head::Large(Guarded {
                        prefix: Some(buf.freeze()),
                        inner: body,
                        sleep: Box::pin(tokio::time::sleep_until(pace.deadline())),
                        pace,
                    }));
                }
            }
        }
    }
}

/// The rest of a large body, cut off with
/// [`wasmtime_wasi_http::Error::ConnectionReadTimeout`] when too slow.
pub struct Guarded<B> {
    prefix: Option<Bytes>,
    inner: B,
    pace: Pace,
    sleep: Pin<Box<Sleep>>,
}

impl<B> Body for Guarded<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<wasmtime_wasi_http::Error>,
{
    type Data = Bytes;
    type Error = wasmtime_wasi_http::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        if let Some(prefix) = this.prefix.take() {
            return Poll::Ready(Some(Ok(Frame::data(prefix))));
        }
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.pace.got(data.len());
                    let deadline = this.pace.deadline();
                    this.sleep.as_mut().reset(deadline);
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e.into()))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => match this.sleep.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    Poll::Ready(Some(Err(wasmtime_wasi_http::Error::ConnectionReadTimeout)))
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.prefix.is_none() && self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        let mut hint = self.inner.size_hint();
        if let Some(prefix) = &self.prefix {
            let n = prefix.len() as u64;
            hint.set_lower(hint.lower().saturating_add(n));
            if let Some(upper) = hint.upper() {
                hint.set_upper(upper.saturating_add(n));
            }
        }
        hint
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::{BodyExt, StreamBody};
    use tokio::sync::mpsc;

    type Chunk = Result<Frame<Bytes>, std::convert::Infallible>;

    fn channel_body() -> (
        mpsc::Sender<Chunk>,
        StreamBody<tokio_stream_shim::Receiver<Chunk>>,
    ) {
        let (tx, rx) = mpsc::channel(16);
        (tx, StreamBody::new(tokio_stream_shim::Receiver(rx)))
    }

    /// A `Stream` over an mpsc receiver (tokio-stream is not a dependency).
    mod tokio_stream_shim {
        pub struct Receiver<T>(pub tokio::sync::mpsc::Receiver<T>);
        impl<T> futures_core::Stream for Receiver<T> {
            type Item = T;
            fn poll_next(
                mut self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<Option<T>> {
                self.0.poll_recv(cx)
            }
        }
    }

    fn limits() -> BodyLimits {
        BodyLimits {
            buffer: 8,
            idle_timeout: Duration::from_secs(10),
            min_rate: 4,
            grace: Duration::from_secs(5),
        }
    }

    fn data(s: &'static str) -> Chunk {
        Ok(Frame::data(Bytes::from_static(s.as_bytes())))
    }

    #[tokio::test(start_paused = true)]
    async fn a_small_body_is_read_whole_before_dispatch() {
        let (tx, body) = channel_body();
        tx.send(data("abc")).await.expect("sent");
        tx.send(data("de")).await.expect("sent");
        drop(tx);
        match read_head(body, limits()).await {
            Ok(Head::Whole(b)) => assert_eq!(&b[..], b"abcde"),
            _ => panic!("expected the whole body"),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_that_stops_arriving_is_cut_off_without_taking_an_instance() {
        let (tx, body) = channel_body();
        tx.send(data("ab")).await.expect("sent");
        let started = Instant::now();
        let read = read_head(body, limits()).await;
        assert!(matches!(read, Err(None)));
        // Two bytes earn half a second beyond the 5 s grace at 4 B/s.
        assert_eq!(started.elapsed(), Duration::from_millis(5500));
        drop(tx);
    }

    #[tokio::test(start_paused = true)]
    async fn a_large_body_is_streamed_and_cut_off_when_it_stalls() {
        let (tx, body) = channel_body();
        tx.send(data("0123456789")).await.expect("sent");
        let Ok(Head::Large(mut rest)) = read_head(body, limits()).await else {
            panic!("expected a large body");
        };
        let first = rest.frame().await.expect("a frame").expect("data");
        assert_eq!(first.into_data().ok().as_deref(), Some(&b"0123456789"[..]));
        tx.send(data("xy")).await.expect("sent");
        let second = rest.frame().await.expect("a frame").expect("data");
        assert_eq!(second.into_data().ok().as_deref(), Some(&b"xy"[..]));
        let stalled = rest.frame().await.expect("an error frame");
        assert!(matches!(
            stalled,
            Err(wasmtime_wasi_http::Error::ConnectionReadTimeout)
        ));
        drop(tx);
    }

    #[tokio::test(start_paused = true)]
    async fn a_steady_body_above_the_rate_is_never_cut_off() {
        let (tx, body) = channel_body();
        tokio::spawn(async move {
            // 5 bytes a second, above the 4 required.
            for _ in 0..4 {
                tokio::time::sleep(Duration::from_secs(2)).await;
                let _ = tx.send(data("0123456789")).await;
            }
        });
        let roomy = BodyLimits {
            buffer: 64,
            ..limits()
        };
        match read_head(body, roomy).await {
            Ok(Head::Whole(b)) => assert_eq!(b.len(), 40),
            _ => panic!("a steady body is read"),
        }
    }
}
