//! A real SMTP server for black-box tests: Python's aiosmtpd running
//! `adapters/notify/tests/support/smtp_server.py` as a child process on a free port (killed when
//! dropped), and the messages it received, parsed.
//!
//! ```ignore
//! let Some(smtp) = SmtpServer::start() else { return }; // aiosmtpd missing outside CI: skipped
//! let app = TestApp::spawn_with(store, |c| smtp.configure(c)).await;
//! // ... a request that sends an e-mail to jane@example.net ...
//! let mail = smtp.wait_for_message("jane@example.net").await;
//! let code = mail.code().unwrap();
//! ```
//!
//! With `CI` set a missing aiosmtpd fails the test instead of skipping it.

// A fixture for every test module: each uses a part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use flexiapi::config::Config;
use flexiapi::notify::{MailConfig, MailFile};

const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../adapters/notify/tests/support/smtp_server.py"
);

/// The sender the fixture's `[mail]` configures.
pub const FROM_ADDRESS: &str = "noreply@flexiapi.test";
pub const FROM_NAME: &str = "Flexiapi Tests";

/// Whether `python3` (from PATH) imports aiosmtpd; says why a test is skipped, fails in CI.
pub fn aiosmtpd_available() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty());
        assert!(
            !ci,
            "CI is set but `python3 -c 'import aiosmtpd'` fails: install aiosmtpd (pip)"
        );
        // Straight to stderr: the harness hides a passing test's captured output.
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            b"SKIPPED: python3 with aiosmtpd not found on PATH (pip install aiosmtpd to run the SMTP tests)\n",
        );
    }
    ok
}

/// One running aiosmtpd; killed when dropped.
pub struct SmtpServer {
    child: Child,
    pub port: u16,
    dir: tempfile::TempDir,
}

/// One message as the server received it.
#[derive(Debug, Clone)]
pub struct ReceivedEmail {
    /// The envelope's `MAIL FROM`.
    pub envelope_from: String,
    /// The envelope's `RCPT TO`s.
    pub recipients: Vec<String>,
    /// The `From:` header's address and name.
    pub from_address: String,
    pub from_name: Option<String>,
    pub subject: String,
    /// The plain-text part, line ends as `\n`.
    pub text: String,
    pub html: Option<String>,
    /// The SMTP login the client used, if any.
    pub login: Option<String>,
    /// Whether the session was over TLS.
    pub tls: bool,
    /// The message as received (RFC 5322).
    pub raw: Vec<u8>,
}

impl ReceivedEmail {
    /// The first word of the text part made of 4 to 8 digits: a code the server sent.
    pub fn code(&self) -> Option<String> {
        self.text
            .split(|c: char| !c.is_ascii_digit())
            .find(|w| (4..=8).contains(&w.len()))
            .map(str::to_owned)
    }

    /// The first `http://` or `https://` link of the text part.
    pub fn link(&self) -> Option<String> {
        self.text
            .split_whitespace()
            .find(|w| w.starts_with("http://") || w.starts_with("https://"))
            .map(str::to_owned)
    }
}

impl SmtpServer {
    /// A server that takes every message; `None` (the test then returns) when aiosmtpd is
    /// missing outside CI.
    pub fn start() -> Option<Self> {
        Self::start_with(&[])
    }

    /// With the script's options: `--reject ADDRESS` (550 to that recipient), `--auth
    /// USER:PASSWORD` (AUTH required), `--cert CERT --key KEY` (STARTTLS required).
    pub fn start_with(args: &[&str]) -> Option<Self> {
        if !aiosmtpd_available() {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new("python3")
            .arg(SCRIPT)
            .arg("--dir")
            .arg(dir.path())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("the SMTP server says its port");
        let port = line
            .trim()
            .strip_prefix("PORT ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("unexpected first line from the SMTP server: {line:?}"));
        Some(Self { child, port, dir })
    }

    /// `smtp://127.0.0.1:PORT?tls=none`, for `[mail] smtp_url`.
    pub fn smtp_url(&self) -> String {
        format!("smtp://127.0.0.1:{}?tls=none", self.port)
    }

    /// `[mail]` sending through this server as [`FROM_ADDRESS`] / [`FROM_NAME`].
    pub fn mail_config(&self) -> MailConfig {
        MailConfig::from_file(Some(MailFile {
            smtp_url: Some(self.smtp_url()),
            from_address: Some(FROM_ADDRESS.into()),
            from_name: Some(FROM_NAME.into()),
            ..MailFile::default()
        }))
        .unwrap()
        .unwrap()
    }

    /// Sets `config.mail` to [`SmtpServer::mail_config`]: `TestApp::spawn_with(store, |c|
    /// smtp.configure(c))`.
    pub fn configure(&self, config: &mut Config) {
        config.mail = Some(self.mail_config());
    }

    /// The same `[mail]` as TOML, for a configuration file (the CLI, a server process).
    pub fn toml(&self) -> String {
        format!(
            "[mail]\nsmtp_url = \"{}\"\nfrom_address = \"{FROM_ADDRESS}\"\nfrom_name = \"{FROM_NAME}\"\n",
            self.smtp_url()
        )
    }

    /// The messages received so far, in order.
    pub fn messages(&self) -> Vec<ReceivedEmail> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        names.sort();
        names
            .into_iter()
            .filter_map(|eml| {
                // The server writes the envelope first, then the message: both or nothing yet.
                let meta = std::fs::read(eml.with_extension("json")).ok()?;
                let raw = std::fs::read(&eml).ok()?;
                Some(parse(&serde_json::from_slice(&meta).unwrap(), raw))
            })
            .collect()
    }

    /// The messages whose envelope goes to `to` (case-insensitive).
    pub fn messages_to(&self, to: &str) -> Vec<ReceivedEmail> {
        self.messages()
            .into_iter()
            .filter(|m| m.recipients.iter().any(|r| r.eq_ignore_ascii_case(to)))
            .collect()
    }

    /// The latest message to `to`, waiting up to 10 seconds for one; panics when none came.
    pub async fn wait_for_message(&self, to: &str) -> ReceivedEmail {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(last) = self.messages_to(to).pop() {
                return last;
            }
            assert!(
                Instant::now() < deadline,
                "no e-mail to {to} within 10 s (received: {:?})",
                self.messages()
                    .iter()
                    .map(|m| &m.recipients)
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn parse(meta: &serde_json::Value, raw: Vec<u8>) -> ReceivedEmail {
    let message = mail_parser::MessageParser::default()
        .parse(&raw)
        .expect("a parseable message");
    let from = message.from().and_then(|f| f.first());
    let received = ReceivedEmail {
        envelope_from: meta["mail_from"].as_str().unwrap_or_default().to_owned(),
        recipients: meta["rcpt_tos"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|r| r.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
        from_address: from
            .and_then(|f| f.address())
            .unwrap_or_default()
            .to_owned(),
        from_name: from.and_then(|f| f.name()).map(str::to_owned),
        subject: message.subject().unwrap_or_default().to_owned(),
        text: message
            .body_text(0)
            .map(|t| t.replace("\r\n", "\n"))
            .unwrap_or_default(),
        html: message.body_html(0).map(|h| h.into_owned()),
        login: meta["login"].as_str().map(str::to_owned),
        tls: meta["tls"].as_bool().unwrap_or(false),
        raw: Vec::new(),
    };
    ReceivedEmail { raw, ..received }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
