//! E-mail over SMTP with lettre: STARTTLS when the server offers it, implicit TLS for
//! `smtps://`, plain only when asked.

use std::fmt;
use std::path::Path;
use std::time::Duration;

use crate::transport::{Mailer, OutgoingEmail};
use async_trait::async_trait;
use flexiapi_domain::error::TransportError;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::message::{self, Sender};
use crate::{ConfigError, error_chain};

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain text all along: only when asked (`?tls=none`), e.g. a relay on the same host.
    None,
    /// STARTTLS when the server offers it, plain otherwise (the default for `smtp://`). A
    /// certificate that does not verify is still an error, never a silent downgrade.
    Opportunistic,
    /// STARTTLS or nothing (`?tls=required`).
    Required,
    /// TLS from the first byte (`smtps://`, port 465).
    Implicit,
}

impl TlsMode {
    /// A space's server has a host and a port only: 465 is implicit TLS, anything else STARTTLS
    /// when offered (as the original's mailer does).
    pub fn for_port(port: u16) -> Self {
        if port == 465 {
            Self::Implicit
        } else {
            Self::Opportunistic
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Self::None => "no TLS",
            Self::Opportunistic => "STARTTLS when offered",
            Self::Required => "STARTTLS required",
            Self::Implicit => "implicit TLS",
        }
    }
}

/// One SMTP server: the global one (from a URL) or a space's own.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    /// A domain name or an IP address.
    pub host: String,
    pub port: u16,
    /// Credentials are sent only when a username is set.
    pub username: Option<String>,
    pub password: Option<String>,
    pub tls: TlsMode,
    /// Used for messages that bring no sender of their own.
    pub sender: Sender,
}

impl fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("tls", &self.tls)
            .field("sender", &self.sender)
            .finish()
    }
}

impl SmtpSettings {
    /// A space's server: TLS chosen by [`TlsMode::for_port`].
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        Self {
            host: host.into(),
            port,
            username: None,
            password: None,
            tls: TlsMode::for_port(port),
            sender: Sender::default(),
        }
    }

    /// `smtp://[user[:password]@]host[:port][?tls=opportunistic|required|none]` (port 587,
    /// STARTTLS when offered) or `smtps://[user[:password]@]host[:port]` (port 465, implicit
    /// TLS). The username and password are percent-decoded.
    ///
    /// # Errors
    /// Another scheme, no host, an unknown query parameter or `tls` value. The message never
    /// repeats the URL (it may hold a password).
    pub fn from_url(url: &str) -> Result<Self, ConfigError> {
        let parsed =
            url::Url::parse(url.trim()).map_err(|e| ConfigError::SmtpUrl(e.to_string()))?;
        let mut tls = None;
        for (key, value) in parsed.query_pairs() {
            match (key.as_ref(), value.as_ref()) {
                ("tls", "none") => tls = Some(TlsMode::None),
                ("tls", "opportunistic") => tls = Some(TlsMode::Opportunistic),
                ("tls", "required") => tls = Some(TlsMode::Required),
                ("tls", other) => {
                    return Err(ConfigError::SmtpUrl(format!(
                        "tls must be \"opportunistic\", \"required\" or \"none\", not {other:?}"
                    )));
                }
                (other, _) => {
                    return Err(ConfigError::SmtpUrl(format!(
                        "unknown parameter {other:?} (only tls)"
                    )));
                }
            }
        }
        let (tls, default_port) = match parsed.scheme() {
            "smtp" => (tls.unwrap_or(TlsMode::Opportunistic), 587),
            "smtps" if tls.is_none() => (TlsMode::Implicit, 465),
            "smtps" => {
                return Err(ConfigError::SmtpUrl(
                    "smtps:// is always TLS: drop the tls parameter".into(),
                ));
            }
            other => {
                return Err(ConfigError::SmtpUrl(format!(
                    "the scheme must be smtp or smtps, not {other:?}"
                )));
            }
        };
        // IPv6 literals without their brackets: lettre resolves (host, port).
        let host = match parsed.host() {
            Some(url::Host::Domain(d)) => d.to_owned(),
            Some(url::Host::Ipv4(ip)) => ip.to_string(),
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            None => return Err(ConfigError::SmtpUrl("no host".into())),
        };
        let decode = |s: &str| {
            percent_decode(s)
                .ok_or_else(|| ConfigError::SmtpUrl("credentials are not UTF-8".into()))
        };
        let username = Some(decode(parsed.username())?).filter(|u| !u.is_empty());
        let password = parsed.password().map(decode).transpose()?;
        Ok(Self {
            host,
            port: parsed.port().unwrap_or(default_port),
            username,
            password,
            tls,
            sender: Sender::default(),
        })
    }

    #[must_use]
    pub fn with_credentials(mut self, username: Option<String>, password: Option<String>) -> Self {
        self.username = username.filter(|u| !u.is_empty());
        self.password = password;
        self
    }

    #[must_use]
    pub fn with_sender(mut self, sender: Sender) -> Self {
        self.sender = sender;
        self
    }

    #[must_use]
    pub fn with_tls(mut self, tls: TlsMode) -> Self {
        self.tls = tls;
        self
    }
}

fn percent_decode(s: &str) -> Option<String> {
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .ok()
        .map(|c| c.into_owned())
}

/// What every SMTP server of this process shares: extra trusted roots and the timeout.
#[derive(Clone)]
pub struct SmtpOptions {
    /// PEM certificates trusted besides Mozilla's roots (a private CA, a test certificate).
    root_certificates: Vec<Vec<u8>>,
    /// For each network step (connection, each command).
    pub timeout: Duration,
}

impl Default for SmtpOptions {
    fn default() -> Self {
        Self {
            root_certificates: Vec::new(),
            timeout: Duration::from_secs(30),
        }
    }
}

impl fmt::Debug for SmtpOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpOptions")
            .field("root_certificates", &self.root_certificates.len())
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl SmtpOptions {
    /// Also trusts the certificates of `pem` (one or more `CERTIFICATE` blocks).
    ///
    /// # Errors
    /// No certificate in `pem`, or one that does not parse.
    pub fn trust_pem(mut self, pem: &[u8]) -> Result<Self, ConfigError> {
        let text = String::from_utf8_lossy(pem);
        if !text.contains("-----BEGIN CERTIFICATE-----") {
            return Err(ConfigError::Tls("no PEM certificate found".into()));
        }
        Certificate::from_pem(pem).map_err(|e| ConfigError::Tls(error_chain(&e)))?;
        self.root_certificates.push(pem.to_vec());
        Ok(self)
    }

    /// [`SmtpOptions::trust_pem`] with the contents of a file (the `ca_file` setting).
    ///
    /// # Errors
    /// An unreadable file, or no certificate in it.
    pub fn trust_ca_file(self, path: &Path) -> Result<Self, ConfigError> {
        let pem = std::fs::read(path).map_err(|e| ConfigError::CaFile {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        self.trust_pem(&pem).map_err(|e| ConfigError::CaFile {
            path: path.display().to_string(),
            reason: e.to_string(),
        })
    }

    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    fn tls_parameters(&self, host: &str) -> Result<TlsParameters, ConfigError> {
        let mut builder = TlsParameters::builder(host.to_owned());
        for pem in &self.root_certificates {
            let certificate =
                Certificate::from_pem(pem).map_err(|e| ConfigError::Tls(error_chain(&e)))?;
            builder = builder.add_root_certificate(certificate);
        }
        builder
            .build_rustls()
            .map_err(|e| ConfigError::Tls(error_chain(&e)))
    }
}

/// Sends through one SMTP server, one connection per message.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    sender: Sender,
    description: String,
}

impl fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpMailer")
            .field("server", &self.description)
            .finish_non_exhaustive()
    }
}

impl SmtpMailer {
    /// Nothing is connected yet: the first message opens the connection.
    ///
    /// # Errors
    /// An invalid sender address or TLS roots.
    pub fn new(settings: &SmtpSettings, options: &SmtpOptions) -> Result<Self, ConfigError> {
        let sender = settings.sender.clone().validated()?;
        let tls = match settings.tls {
            TlsMode::None => Tls::None,
            TlsMode::Opportunistic => Tls::Opportunistic(options.tls_parameters(&settings.host)?),
            TlsMode::Required => Tls::Required(options.tls_parameters(&settings.host)?),
            TlsMode::Implicit => Tls::Wrapper(options.tls_parameters(&settings.host)?),
        };
        // builder_dangerous only means "TLS is set by hand": it is, just above.
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)
            .port(settings.port)
            .tls(tls)
            .timeout(Some(options.timeout));
        if let Some(username) = &settings.username {
            builder = builder.credentials(Credentials::new(
                username.clone(),
                settings.password.clone().unwrap_or_default(),
            ));
        }
        let host = if settings.host.contains(':') {
            format!("[{}]", settings.host)
        } else {
            settings.host.clone()
        };
        Ok(Self {
            transport: builder.build(),
            sender,
            description: format!(
                "SMTP {host}:{} ({}{})",
                settings.port,
                settings.tls.describe(),
                if settings.username.is_some() {
                    ", authenticated"
                } else {
                    ""
                }
            ),
        })
    }

    /// [`SmtpSettings::from_url`] then [`SmtpMailer::new`].
    ///
    /// # Errors
    /// As both.
    pub fn from_url(url: &str, sender: Sender, options: &SmtpOptions) -> Result<Self, ConfigError> {
        Self::new(&SmtpSettings::from_url(url)?.with_sender(sender), options)
    }

    /// The server and its protection, for logs (never the password).
    pub fn description(&self) -> &str {
        &self.description
    }
}

/// 5xx: the server will not take it; anything else may work later.
fn classify(e: &lettre::transport::smtp::Error) -> TransportError {
    if e.is_permanent() {
        TransportError::Refused(error_chain(e))
    } else {
        TransportError::Unavailable(error_chain(e))
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, email: &OutgoingEmail) -> Result<(), TransportError> {
        let result = match message::build(email, &self.sender) {
            Ok(message) => self
                .transport
                .send(message)
                .await
                .map(drop)
                .map_err(|e| classify(&e)),
            Err(e) => Err(e),
        };
        match &result {
            Ok(()) => tracing::debug!(server = %self.description, to = %email.to, "e-mail sent"),
            Err(e) => {
                tracing::warn!(server = %self.description, to = %email.to, error = %e, "e-mail not sent");
            }
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_choose_tls_ports_and_credentials() {
        let s = SmtpSettings::from_url("smtp://user%40x:p%3Ass@mail.example.org").unwrap();
        assert_eq!(
            (s.host.as_str(), s.port, s.tls),
            ("mail.example.org", 587, TlsMode::Opportunistic)
        );
        assert_eq!(s.username.as_deref(), Some("user@x"));
        assert_eq!(s.password.as_deref(), Some("p:ss"));
        let s = SmtpSettings::from_url("smtps://mail.example.org").unwrap();
        assert_eq!((s.port, s.tls, s.username), (465, TlsMode::Implicit, None));
        let s = SmtpSettings::from_url("smtp://127.0.0.1:2525?tls=none").unwrap();
        assert_eq!((s.port, s.tls), (2525, TlsMode::None));
        let s = SmtpSettings::from_url("smtp://[::1]:25?tls=required").unwrap();
        assert_eq!((s.host.as_str(), s.tls), ("::1", TlsMode::Required));
        for bad in [
            "http://mail.example.org",
            "smtp://mail.example.org?tls=off",
            "smtp://mail.example.org?ssl=1",
            "smtps://mail.example.org?tls=none",
            "smtp://",
        ] {
            assert!(SmtpSettings::from_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn errors_and_debug_never_show_the_password() {
        let err = SmtpSettings::from_url("ftp://u:hunter2@h").unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
        let s = SmtpSettings::from_url("smtp://u:hunter2@h").unwrap();
        assert!(!format!("{s:?}").contains("hunter2"));
        let mailer = SmtpMailer::new(&s, &SmtpOptions::default()).unwrap();
        assert!(!mailer.description().contains("hunter2"));
        assert_eq!(
            mailer.description(),
            "SMTP h:587 (STARTTLS when offered, authenticated)"
        );
    }

    #[test]
    fn port_465_is_implicit_tls_and_a_bad_sender_is_refused() {
        assert_eq!(SmtpSettings::new("h", 465).tls, TlsMode::Implicit);
        assert_eq!(SmtpSettings::new("h", 587).tls, TlsMode::Opportunistic);
        let s = SmtpSettings::new("h", 25).with_sender(Sender::new("not an address", ""));
        assert!(matches!(
            SmtpMailer::new(&s, &SmtpOptions::default()),
            Err(ConfigError::Sender(_))
        ));
        assert!(SmtpOptions::default().trust_pem(b"nothing").is_err());
    }
}
