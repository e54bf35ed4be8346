//! The listener's defence against slow and numerous clients.
//!
//! poem's idle timeout is reset by every byte, so a client trickling a request head (slowloris)
//! holds its connection forever, and poem does not expose hyper's header read timeout. Each
//! accepted stream therefore times its request heads itself: from the accept, or from the first
//! byte of a later request on a keep-alive connection, the head must be complete (its empty line
//! read) within `header_read_timeout`, else reads fail and the connection closes. The body and
//! the handler are not timed (the body is capped by `max_body_bytes`), nor is an idle keep-alive
//! connection (poem's idle timeout closes it). A slot of `max_connections` is held by each open
//! connection; when none is free, accepting waits and new clients queue in the kernel backlog.
//!
//! Where a request ends is known from the server's side: once the answer's status line is
//! written, the next bytes read start a new head. This spares parsing `Content-Length` and
//! chunked bodies; the price is that a pipelined request whose head was read while the previous
//! one was still being answered, and whose body then trickles, is timed as a head.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use poem::http::uri::Scheme;
use poem::listener::{Acceptor, TcpAcceptor};
use poem::web::{LocalAddr, RemoteAddr};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, Sleep};

/// Longer than anyone configures, short enough that adding it to now cannot overflow.
const MAX_TIMEOUT: Duration = Duration::from_secs(365 * 24 * 3600);

/// The TCP acceptor with a head deadline on every stream and a bound on open connections.
pub struct GuardedAcceptor {
    inner: TcpAcceptor,
    header_read_timeout: Duration,
    slots: Arc<Semaphore>,
    /// When the limit was last reported: once a minute at most, not once per connection.
    warned_at: Option<Instant>,
}

impl GuardedAcceptor {
    pub fn new(inner: TcpAcceptor, header_read_timeout: Duration, max_connections: usize) -> Self {
        Self {
            inner,
            header_read_timeout,
            slots: Arc::new(Semaphore::new(
                max_connections.clamp(1, Semaphore::MAX_PERMITS),
            )),
            warned_at: None,
        }
    }

    async fn slot(&mut self) -> OwnedSemaphorePermit {
        if let Ok(permit) = self.slots.clone().try_acquire_owned() {
            return permit;
        }
        if self
            .warned_at
            .is_none_or(|at| at.elapsed() >= Duration::from_secs(60))
        {
            self.warned_at = Some(Instant::now());
            tracing::warn!("connection limit reached: new connections wait for a free slot");
        }
        self.slots
            .clone()
            .acquire_owned()
            .await
            .expect("the connection semaphore stays open")
    }
}

impl Acceptor for GuardedAcceptor {
    type Io = GuardedStream<TcpStream>;

    fn local_addr(&self) -> Vec<LocalAddr> {
        self.inner.local_addr()
    }

    async fn accept(&mut self) -> io::Result<(Self::Io, LocalAddr, RemoteAddr, Scheme)> {
        // A slot first: past the limit, connections stay in the kernel's backlog.
        let permit = self.slot().await;
        loop {
            match self.inner.accept().await {
                Ok((stream, local, remote, scheme)) => {
                    let stream = GuardedStream::new(stream, self.header_read_timeout, permit);
                    return Ok((stream, local, remote, scheme));
                }
                // poem drops accept errors and calls again at once: out of file descriptors,
                // that would spin a core. A pause lets connections close meanwhile.
                Err(e) => {
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }
}

/// A connection whose request heads must arrive within a deadline; holds its slot until dropped.
pub struct GuardedStream<S> {
    inner: S,
    tracker: Tracker,
    timeout: Duration,
    deadline: Pin<Box<Sleep>>,
    _slot: OwnedSemaphorePermit,
}

impl<S> GuardedStream<S> {
    /// The first head's deadline runs from now.
    fn new(inner: S, timeout: Duration, slot: OwnedSemaphorePermit) -> Self {
        let timeout = timeout.min(MAX_TIMEOUT);
        Self {
            inner,
            tracker: Tracker::default(),
            timeout,
            deadline: Box::pin(tokio::time::sleep(timeout)),
            _slot: slot,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for GuardedStream<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.tracker.timed() && this.deadline.as_mut().poll(cx).is_ready() {
            tracing::debug!("closing a connection whose request head is late");
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "request head not received in time",
            )));
        }
        let before = buf.filled().len();
        ready!(Pin::new(&mut this.inner).poll_read(cx, buf))?;
        if this.tracker.read(&buf.filled()[before..]) {
            this.deadline.as_mut().reset(Instant::now() + this.timeout);
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for GuardedStream<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = ready!(Pin::new(&mut this.inner).poll_write(cx, buf))?;
        this.tracker.wrote(&buf[..written]);
        Poll::Ready(Ok(written))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = ready!(Pin::new(&mut this.inner).poll_write_vectored(cx, bufs))?;
        let mut left = written;
        for buf in bufs {
            if left == 0 || !this.tracker.watches_writes() {
                break;
            }
            let n = left.min(buf.len());
            this.tracker.wrote(&buf[..n]);
            left -= n;
        }
        Poll::Ready(Ok(written))
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

/// The HTTP/2 connection preface: a client speaking HTTP/2 from the start sends it first.
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Where a connection stands, from the bytes it carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Reading a request head; `timed` once its first byte arrived (or from the accept for the
    /// first one): until then the connection is idle, which is the idle timeout's business.
    Head { timed: bool, end: HeadEnd },
    /// The head is in: the body and the handler take their time until the answer starts.
    Answering(Answer),
    /// HTTP/2 or a switched protocol: no HTTP/1 heads to time any more.
    Passthrough,
}

/// What the server has written of its answer so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    /// The first bytes of a status line, up to the code: `HTTP/1.1 200`.
    StatusLine { seen: usize, code: [u8; 3] },
    /// An interim answer (`100 Continue`): the final one follows its empty line.
    Interim(HeadEnd),
}

const STATUS_CODE_END: usize = b"HTTP/1.1 200".len();

impl Answer {
    const START: Self = Self::StatusLine {
        seen: 0,
        code: [0; 3],
    };
}

/// Follows reads and writes to tell when a request head is being waited for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Tracker {
    phase: Phase,
    /// While the connection's first bytes are a proper prefix of [`H2_PREFACE`], how many.
    preface: Option<usize>,
}

impl Default for Tracker {
    fn default() -> Self {
        Self {
            phase: Phase::Head {
                timed: true,
                end: HeadEnd::default(),
            },
            preface: Some(0),
        }
    }
}

impl Tracker {
    /// Whether the head deadline applies now.
    fn timed(&self) -> bool {
        matches!(self.phase, Phase::Head { timed: true, .. })
    }

    fn watches_writes(&self) -> bool {
        matches!(self.phase, Phase::Answering(_))
    }

    /// Takes bytes read; true when they start a new head, whose deadline starts now.
    fn read(&mut self, bytes: &[u8]) -> bool {
        let Phase::Head { timed, end } = &mut self.phase else {
            return false;
        };
        let starts = !*timed && !bytes.is_empty();
        *timed |= starts;
        for &b in bytes {
            if let Some(matched) = self.preface {
                if H2_PREFACE[matched] != b {
                    self.preface = None;
                } else if matched + 1 == H2_PREFACE.len() {
                    self.phase = Phase::Passthrough;
                    return starts;
                } else {
                    self.preface = Some(matched + 1);
                }
            }
            // The preface's `PRI * HTTP/2.0` line and empty line look like a head; still a
            // proper prefix of it, the connection has not said which protocol it speaks.
            if end.push(b) && self.preface.is_none() {
                self.phase = Phase::Answering(Answer::START);
                break;
            }
        }
        // Only a connection's first bytes may be the preface.
        if !matches!(self.phase, Phase::Head { .. }) {
            self.preface = None;
        }
        starts
    }

    /// Takes bytes written: the final answer's status line ends the request.
    fn wrote(&mut self, bytes: &[u8]) {
        let Phase::Answering(answer) = &mut self.phase else {
            return;
        };
        for &b in bytes {
            match answer {
                Answer::StatusLine { seen, code } => {
                    if let Some(digit) = seen.checked_sub(STATUS_CODE_END - 3) {
                        code[digit] = b;
                    }
                    *seen += 1;
                    if *seen == STATUS_CODE_END {
                        match *code {
                            [b'1', b'0', b'1'] => {
                                self.phase = Phase::Passthrough;
                                return;
                            }
                            [b'1', _, _] => *answer = Answer::Interim(HeadEnd::default()),
                            _ => {
                                self.phase = Phase::Head {
                                    timed: false,
                                    end: HeadEnd::default(),
                                };
                                return;
                            }
                        }
                    }
                }
                Answer::Interim(end) => {
                    if end.push(b) {
                        *answer = Answer::START;
                    }
                }
            }
        }
    }
}

/// Finds the empty line that ends an HTTP/1 head, a byte at a time, as httparse reads heads:
/// lines end with CRLF or a bare LF, and empty lines before the first line are skipped (so a
/// client cannot end a head by sending CRLFs first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum HeadEnd {
    /// No line yet.
    #[default]
    Start,
    /// Inside a line.
    Line,
    /// Just after a line's LF.
    LineEnd,
    /// After a line's LF, then CR.
    LineEndCr,
}

impl HeadEnd {
    /// True when `b` ends the head (and the detector is reset for the next one).
    fn push(&mut self, b: u8) -> bool {
        *self = match (*self, b) {
            (Self::Start, b'\r' | b'\n') => Self::Start,
            (Self::LineEnd | Self::LineEndCr, b'\n') => {
                *self = Self::Start;
                return true;
            }
            (_, b'\n') => Self::LineEnd,
            (Self::LineEnd, b'\r') => Self::LineEndCr,
            _ => Self::Line,
        };
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `chunks` as successive reads; the index of the read that completed the head.
    fn head_ends_at(chunks: &[&[u8]]) -> Option<usize> {
        let mut t = Tracker::default();
        chunks.iter().position(|c| {
            t.read(c);
            !matches!(t.phase, Phase::Head { .. })
        })
    }

    #[test]
    fn the_head_ends_at_its_empty_line_however_reads_split_it() {
        let head = b"GET /api/ping HTTP/1.1\r\nHost: localhost\r\n\r\n";
        for a in 0..=head.len() {
            for b in a..=head.len() {
                let chunks: [&[u8]; 3] = [&head[..a], &head[a..b], &head[b..]];
                // The read holding the last byte (empty reads change nothing).
                let last = if b < head.len() {
                    2
                } else if a < head.len() {
                    1
                } else {
                    0
                };
                assert_eq!(head_ends_at(&chunks), Some(last), "split at {a} and {b}");
            }
        }
    }

    #[test]
    fn crlf_crlf_spanning_reads_ends_the_head_but_a_partial_one_does_not() {
        assert_eq!(
            head_ends_at(&[b"GET / HTTP/1.1\r\nA: b\r", b"\n\r", b"\n"]),
            Some(2)
        );
        assert_eq!(
            head_ends_at(&[b"GET / HTTP/1.1\r\nA: b\r\n\r", b"X: y\r\n"]),
            None
        );
        assert_eq!(
            head_ends_at(&[b"GET / HTTP/1.1\r\n", b"A: \r\nb\r\n"]),
            None
        );
        // Bare LFs, as httparse accepts them.
        assert_eq!(head_ends_at(&[b"GET / HTTP/1.1\nA: b\n", b"\n"]), Some(1));
    }

    #[test]
    fn leading_empty_lines_do_not_end_a_head() {
        assert_eq!(
            head_ends_at(&[b"\r\n\r\n\n\r\n", b"GET / HTTP/1.1\r\n"]),
            None
        );
        assert_eq!(head_ends_at(&[b"\r\n\r\nGET / HTTP/1.1\r\n\r\n"]), Some(0));
    }

    #[test]
    fn the_deadline_runs_for_the_first_head_then_from_the_next_requests_first_byte() {
        let mut t = Tracker::default();
        assert!(t.timed(), "from the accept");
        assert!(!t.read(b"POST /api/accounts HTTP/1.1\r\nContent-Length: 9\r\n\r\n{"));
        assert!(!t.timed(), "the body is not timed");
        assert!(!t.read(b"\"a\": 1}"));
        t.wrote(b"HTTP/1.1 2");
        assert!(!t.timed());
        t.wrote(b"00 OK\r\ncontent-length: 2\r\n\r\n{}");
        assert!(!t.timed(), "an idle keep-alive connection is not timed");
        assert!(!t.read(b""));
        assert!(
            t.read(b"G"),
            "the next request's first byte starts the clock"
        );
        assert!(t.timed());
        assert!(!t.read(b"ET / HTTP/1.1\r\n"));
        assert!(t.timed());
        t.read(b"\r\n");
        assert!(!t.timed());
    }

    #[test]
    fn an_interim_continue_is_not_the_answer() {
        let mut t = Tracker::default();
        t.read(b"PUT /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
        // Written in pieces, then the final answer right behind it.
        t.wrote(b"HTTP/1.1 10");
        t.wrote(b"0 Continue\r\n");
        t.wrote(b"\r\n");
        assert!(matches!(t.phase, Phase::Answering(_)));
        t.read(b"hello");
        assert!(!t.timed(), "the body after 100 Continue is not timed");
        t.wrote(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n");
        assert_eq!(
            t.phase,
            Phase::Head {
                timed: false,
                end: HeadEnd::Start
            }
        );
    }

    #[test]
    fn http2_and_switched_protocols_are_left_alone() {
        let mut t = Tracker::default();
        t.read(&H2_PREFACE[..18]);
        assert!(t.timed(), "the preface is not complete yet");
        t.read(&H2_PREFACE[18..]);
        assert_eq!(t.phase, Phase::Passthrough);

        let mut t = Tracker::default();
        t.read(b"GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n");
        t.wrote(b"HTTP/1.1 101 Switching Protocols\r\n\r\n");
        assert_eq!(t.phase, Phase::Passthrough);
        assert!(!t.read(b"GET anything"));
        assert!(!t.timed());

        // Looking like the preface for a while does not count.
        let mut t = Tracker::default();
        t.read(b"PRI * HTTP/2.0\r\n\r\nXY\r\n\r\n");
        assert!(matches!(t.phase, Phase::Answering(_)));
    }
}
