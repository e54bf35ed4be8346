//! Outgoing messages: the domain's [`Notifier`] ([`TemplateNotifier`]: templates and Fluent
//! catalogues) over real transports.
//!
//! - [`SmtpMailer`]: e-mail over SMTP (lettre, rustls), from a URL (`smtp://user:pass@host:587`)
//!   or from a space's own server settings.
//! - [`OvhSmsSender`]: SMS through OVH's API, with OVH's signed requests.
//! - [`DirectoryTransport`]: both, written as files into a folder, for development.
//! - [`LinphoneDaemon`]: SIP MESSAGEs through a `linphone-daemon`'s UNIX socket
//!   (`POST /api/messages`; the domain's `SipMessenger`).
//!
//! Every transport logs a failed send (with the server's answer, never a secret) and returns the
//! error; the notifier counts it and the use case tells the user.
//!
//! [`Notifier`]: flexiapi_domain::ports::Notifier

use std::sync::Arc;

mod directory;
pub mod linphone_daemon;
mod message;
mod notifier;
mod ovh;
pub mod render;
mod smtp;
mod transport;

pub use directory::DirectoryTransport;
pub use linphone_daemon::{DEFAULT_DAEMON_TIMEOUT, LinphoneDaemon};
pub use message::Sender;
pub use notifier::TemplateNotifier;
pub use ovh::{OVH_EU_ENDPOINT, OvhSettings, OvhSmsSender, ovh_signature};
pub use smtp::{SmtpMailer, SmtpOptions, SmtpSettings, TlsMode};
pub use transport::{InlineImage, Mailer, OutgoingEmail, OutgoingSms, SmsSender};

/// A transport that cannot be built from its configuration. The texts never include secrets.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid SMTP URL: {0}")]
    SmtpUrl(String),
    #[error("invalid sender address {0:?}")]
    Sender(String),
    #[error("cannot read the CA file {path}: {reason}")]
    CaFile { path: String, reason: String },
    #[error("TLS settings: {0}")]
    Tls(String),
    #[error("cannot use the folder {path}: {reason}")]
    Directory { path: String, reason: String },
    #[error("OVH settings: {0}")]
    Ovh(String),
}

/// The mailer for a space: its own server when it has one (it wins over the global one), else
/// the global transport (`None` when there is neither).
///
/// # Errors
/// The space's settings cannot make a transport (an invalid sender address, bad TLS roots).
pub fn mailer_for_space(
    space: Option<&SmtpSettings>,
    global: Option<&Arc<dyn Mailer>>,
    options: &SmtpOptions,
) -> Result<Option<Arc<dyn Mailer>>, ConfigError> {
    match space {
        Some(settings) => Ok(Some(Arc::new(SmtpMailer::new(settings, options)?))),
        None => Ok(global.cloned()),
    }
}

/// An error and its causes on one line (reqwest and lettre keep the interesting part, the OS's
/// or the server's words, in the sources).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
