//! SIP MESSAGEs through a running `linphone-daemon` (`linphone-daemon --pipe NAME`), on its UNIX
//! socket: one connection per message, the command `message sip:user@domain text` on one line,
//! and the daemon's answer, `Status: Ok` with an `Id:` line, or `Status: Error` with a `Reason:`.

use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;
use flexiapi_domain::error::TransportError;
use flexiapi_domain::model::OutgoingSipMessage;
use flexiapi_domain::ports::SipMessenger;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;

/// How long a message may take, connection and answer included, by default.
pub const DEFAULT_DAEMON_TIMEOUT: Duration = Duration::from_secs(5);

/// The largest answer read: the daemon's are a few lines.
const MAX_ANSWER: usize = 16 * 1024;

/// A linphone-daemon reached on its UNIX socket.
#[derive(Debug, Clone)]
pub struct LinphoneDaemon {
    socket: PathBuf,
    timeout: Duration,
}

impl LinphoneDaemon {
    pub fn new(socket: impl Into<PathBuf>, timeout: Duration) -> Self {
        Self {
            socket: socket.into(),
            timeout,
        }
    }

    async fn exchange(&self, command: &str) -> Result<String, TransportError> {
        let unavailable = |what: &str, e: std::io::Error| {
            TransportError::Unavailable(format!("{what} {}: {e}", self.socket.display()))
        };
        let mut stream = UnixStream::connect(&self.socket)
            .await
            .map_err(|e| unavailable("cannot connect to linphone-daemon at", e))?;
        stream
            .write_all(command.as_bytes())
            .await
            .map_err(|e| unavailable("cannot write to linphone-daemon at", e))?;
        let mut answer = Vec::new();
        let mut chunk = [0u8; 1024];
        loop {
            let read = stream
                .read(&mut chunk)
                .await
                .map_err(|e| unavailable("cannot read linphone-daemon's answer at", e))?;
            answer.extend_from_slice(&chunk[..read]);
            let text = String::from_utf8_lossy(&answer);
            if let Some(outcome) = parse_answer(&text, read == 0) {
                return outcome;
            }
            if read == 0 || answer.len() > MAX_ANSWER {
                return Err(TransportError::Unavailable(
                    "linphone-daemon's answer has no status".into(),
                ));
            }
        }
    }
}

/// The outcome an answer gives, once it is complete (`ended`: the daemon closed the
/// connection, so what is there is all there will be); `None` while more is expected.
fn parse_answer(text: &str, ended: bool) -> Option<Result<String, TransportError>> {
    let mut status = None;
    let (mut reason, mut id) = (None, None);
    for line in text.lines() {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match name.trim() {
            "Status" => status = Some(value == "Ok"),
            "Reason" => reason = Some(value.to_owned()),
            "Id" => id = Some(value.to_owned()),
            _ => {}
        }
    }
    match (status, id, reason) {
        (Some(true), Some(id), _) => Some(Ok(id)),
        (Some(false), _, Some(reason)) => Some(Err(TransportError::Refused(reason))),
        (Some(false), _, None) if ended => Some(Err(TransportError::Refused(
            "linphone-daemon gave no reason".into(),
        ))),
        (Some(true), None, _) if ended => Some(Err(TransportError::Unavailable(
            "linphone-daemon's answer has no Id".into(),
        ))),
        _ => None,
    }
}

#[async_trait]
impl SipMessenger for LinphoneDaemon {
    fn is_configured(&self) -> bool {
        true
    }

    async fn send(&self, message: &OutgoingSipMessage) -> Result<String, TransportError> {
        // The use case keeps the body on one line: a line break would end the command.
        let command = format!("message {} {}\n", message.to, message.body);
        tokio::time::timeout(self.timeout, self.exchange(&command))
            .await
            .unwrap_or_else(|_| {
                Err(TransportError::Unavailable(format!(
                    "linphone-daemon at {} did not answer within {} ms",
                    self.socket.display(),
                    self.timeout.as_millis()
                )))
            })
    }
}

/// A stand-in for `linphone-daemon --pipe`: it speaks the daemon's protocol on a UNIX socket,
/// parses each command line as the daemon does and records the messages it was asked to send.
#[cfg(feature = "stand-ins")]
pub mod stand_in {
    use std::path::{Path, PathBuf};
    use std::sync::{Arc, Mutex};

    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    use tokio::net::UnixListener;

    /// How the stand-in answers.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum Behaviour {
        /// As the daemon: `Status: Ok` and an `Id:` for a usable address, else its error.
        Answer,
        /// Reads the command and never answers.
        Hang,
        /// Closes the connection without a word.
        Close,
        /// `Status: Error` with this reason, as the daemon when it cannot send.
        Refuse(String),
    }

    /// A running stand-in; it stops with the runtime.
    #[derive(Debug, Clone)]
    pub struct DaemonStandIn {
        pub socket: PathBuf,
        /// Every command line received, in order.
        pub commands: Arc<Mutex<Vec<String>>>,
        /// (address, text) of each message "sent".
        pub sent: Arc<Mutex<Vec<(String, String)>>>,
        behaviour: Arc<Mutex<Behaviour>>,
    }

    impl DaemonStandIn {
        /// Listens on `socket` (which must not exist yet).
        ///
        /// # Panics
        /// The socket cannot be bound.
        pub fn start(socket: &Path) -> Self {
            let listener = UnixListener::bind(socket).expect("bind the daemon stand-in's socket");
            let stand_in = Self {
                socket: socket.to_owned(),
                commands: Arc::default(),
                sent: Arc::default(),
                behaviour: Arc::new(Mutex::new(Behaviour::Answer)),
            };
            let shared = stand_in.clone();
            tokio::spawn(async move {
                while let Ok((stream, _)) = listener.accept().await {
                    let shared = shared.clone();
                    tokio::spawn(async move { shared.serve(stream).await });
                }
            });
            stand_in
        }

        pub fn behave(&self, behaviour: Behaviour) {
            *self.behaviour.lock().unwrap() = behaviour;
        }

        async fn serve(&self, stream: tokio::net::UnixStream) {
            let (read, mut write) = stream.into_split();
            let mut lines = BufReader::new(read).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                self.commands.lock().unwrap().push(line.clone());
                let behaviour = self.behaviour.lock().unwrap().clone();
                let answer = match behaviour {
                    Behaviour::Close => return,
                    Behaviour::Hang => {
                        std::future::pending::<()>().await;
                        return;
                    }
                    Behaviour::Refuse(reason) => format!("Status: Error\nReason: {reason}\n"),
                    Behaviour::Answer => self.execute(&line),
                };
                if write.write_all(answer.as_bytes()).await.is_err() {
                    return;
                }
            }
        }

        /// The daemon's answer to one command line.
        fn execute(&self, line: &str) -> String {
            let (command, args) = line.split_once(' ').unwrap_or((line, ""));
            if command != "message" {
                return "Status: Error\nReason: Command not found\n".into();
            }
            let uri = args.split_whitespace().next().unwrap_or_default();
            if uri.is_empty() {
                return "Status: Error\nReason: Missing uri parameter.\n".into();
            }
            // The daemon's address parser: a sip: or sips: URI with a host.
            let host = uri
                .strip_prefix("sip:")
                .or_else(|| uri.strip_prefix("sips:"))
                .map(|rest| rest.rsplit('@').next().unwrap_or_default());
            if host.is_none_or(|h| h.is_empty() || h.contains(['<', '>', '"'])) {
                return "Status: Error\nReason: Bad sip uri.\n".into();
            }
            let text = args.get(uri.len() + 1..).unwrap_or_default().to_owned();
            let mut sent = self.sent.lock().unwrap();
            sent.push((uri.to_owned(), text));
            format!("Status: Ok\n\nId: {:016x}@stand-in\n\n", sent.len())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_as_the_daemon_writes_them() {
        assert_eq!(
            parse_answer("Status: Ok\n\nId: abc@host\n\n", false).map(|r| r.ok()),
            Some(Some("abc@host".into()))
        );
        assert!(matches!(
            parse_answer("Status: Error\nReason: Bad sip uri.\n", false),
            Some(Err(TransportError::Refused(r))) if r == "Bad sip uri."
        ));
        // Half an answer: wait for the rest, unless the daemon hung up.
        assert!(parse_answer("Status: Ok\n", false).is_none());
        assert!(matches!(
            parse_answer("Status: Ok\n", true),
            Some(Err(TransportError::Unavailable(_)))
        ));
        assert!(parse_answer("", false).is_none());
    }
}
