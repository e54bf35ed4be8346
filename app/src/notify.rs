//! The `[mail]` and `[sms.ovh]` settings, and the transports they make.
//!
//! ```toml
//! [mail]
//! transport = "smtp"          # the default when smtp_url is set; or "directory"
//! smtp_url = "smtp://user:pass@mail.example.org:587"   # ?tls=required|none, or smtps://
//! from_address = "noreply@example.org"
//! from_name = "Example"
//! ca_file = "/etc/ssl/private-ca.pem"                  # extra trusted roots, PEM
//! directory = "/tmp/flexiapi-mail"                     # transport = "directory" only
//!
//! [sms.ovh]
//! endpoint = "https://eu.api.ovh.com/1.0"              # the default
//! application_key = "..."
//! application_secret = "..."
//! consumer_key = "..."
//! service_name = "sms-ab12345-1"                       # default: the account's first
//! sender = "Example"                                   # default: OVH's short number
//! ```

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use flexiapi_adapters_notify::{
    DirectoryTransport, Mailer, OVH_EU_ENDPOINT, OvhSettings, OvhSmsSender, Sender, SmsSender,
    SmtpMailer, SmtpOptions, SmtpSettings, TemplateNotifier,
};
use serde::Deserialize;

/// The sender of the directory transport when `from_address` is not set: a newcomer sees codes
/// without configuring anything else.
pub const DIRECTORY_DEFAULT_FROM: &str = "flexiapi@localhost";

/// `[mail]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailFile {
    pub transport: Option<String>,
    pub smtp_url: Option<String>,
    pub from_address: Option<String>,
    pub from_name: Option<String>,
    pub directory: Option<PathBuf>,
    pub ca_file: Option<PathBuf>,
}

/// `[sms]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsFile {
    pub ovh: Option<OvhFile>,
}

/// `[sms.ovh]` as written.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OvhFile {
    pub endpoint: Option<String>,
    pub application_key: Option<String>,
    pub application_secret: Option<String>,
    pub consumer_key: Option<String>,
    pub service_name: Option<String>,
    pub sender: Option<String>,
}

impl fmt::Debug for OvhFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OvhFile")
            .field("endpoint", &self.endpoint)
            .field("application_key", &self.application_key)
            .finish_non_exhaustive()
    }
}

/// Where e-mail goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailTransport {
    /// `SmtpSettings` hides its password in `Debug`.
    Smtp(SmtpSettings),
    /// Development: files in a folder, nothing sent.
    Directory(PathBuf),
}

/// The validated `[mail]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailConfig {
    pub transport: MailTransport,
    /// The global sender (`from_address`, `from_name`).
    pub sender: Sender,
    /// Extra trusted roots for every SMTP server, the spaces' included.
    pub ca_file: Option<PathBuf>,
}

fn non_blank(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

impl MailConfig {
    /// `None` when no transport is configured.
    ///
    /// # Errors
    /// An unknown transport, a transport without its setting, an invalid SMTP URL.
    pub fn from_file(file: Option<MailFile>) -> anyhow::Result<Option<Self>> {
        let Some(file) = file else {
            return Ok(None);
        };
        let smtp_url = non_blank(file.smtp_url);
        let transport = match (non_blank(file.transport).as_deref(), smtp_url) {
            (None | Some("smtp"), Some(url)) => {
                MailTransport::Smtp(SmtpSettings::from_url(&url).context("[mail] smtp_url")?)
            }
            (Some("smtp"), None) => bail!("[mail] transport = \"smtp\" needs smtp_url"),
            (Some("directory"), _) => MailTransport::Directory(
                file.directory
                    .filter(|d| !d.as_os_str().is_empty())
                    .context("[mail] transport = \"directory\" needs directory")?,
            ),
            (None, None) if file.directory.is_some() => bail!(
                "[mail] directory is used only with transport = \"directory\" (never implied)"
            ),
            (None, None) => return Ok(None),
            (Some(other), _) => {
                bail!("[mail] transport must be \"smtp\" or \"directory\", not {other:?}")
            }
        };
        let from_address = non_blank(file.from_address).unwrap_or_else(|| match transport {
            MailTransport::Directory(_) => DIRECTORY_DEFAULT_FROM.to_owned(),
            MailTransport::Smtp(_) => String::new(),
        });
        Ok(Some(Self {
            transport,
            sender: Sender::new(from_address, non_blank(file.from_name).unwrap_or_default()),
            ca_file: file.ca_file.filter(|p| !p.as_os_str().is_empty()),
        }))
    }
}

/// The validated `[sms.ovh]`; `None` when absent.
///
/// # Errors
/// A missing key or secret.
pub fn ovh_settings(file: Option<SmsFile>) -> anyhow::Result<Option<OvhSettings>> {
    let Some(ovh) = file.and_then(|f| f.ovh) else {
        return Ok(None);
    };
    let required = |value: Option<String>, name: &str| {
        non_blank(value).with_context(|| format!("[sms.ovh] {name} is missing"))
    };
    Ok(Some(OvhSettings {
        endpoint: non_blank(ovh.endpoint).unwrap_or_else(|| OVH_EU_ENDPOINT.to_owned()),
        application_key: required(ovh.application_key, "application_key")?,
        application_secret: required(ovh.application_secret, "application_secret")?,
        consumer_key: required(ovh.consumer_key, "consumer_key")?,
        service_name: non_blank(ovh.service_name),
        sender: non_blank(ovh.sender),
    }))
}

/// The transports of this process.
#[derive(Clone, Default)]
pub struct Transports {
    /// The global mailer; `None`: nothing sends e-mail unless a space has its own server.
    pub mailer: Option<Arc<dyn Mailer>>,
    pub sms: Option<Arc<dyn SmsSender>>,
    /// For the spaces' own SMTP servers (the `ca_file` roots).
    pub smtp_options: SmtpOptions,
    /// The global sender (`from_address`, `from_name`); a space's server without its own
    /// `from_address` sends with it too.
    pub sender: Sender,
}

impl Transports {
    /// Builds them (nothing is connected yet) and says at info level which are active; the
    /// directory transport is a warning, as it sends nothing. Without `[sms.ovh]`, SMS follow
    /// e-mail into the folder when the mail transport is the directory one.
    ///
    /// # Errors
    /// An unreadable `ca_file`, an invalid sender address, a folder that cannot be created,
    /// invalid OVH settings.
    pub fn build(mail: Option<&MailConfig>, ovh: Option<&OvhSettings>) -> anyhow::Result<Self> {
        let mut smtp_options = SmtpOptions::default();
        if let Some(path) = mail.and_then(|m| m.ca_file.as_deref()) {
            smtp_options = smtp_options.trust_ca_file(path)?;
        }
        let mut transports = Self {
            smtp_options,
            sender: mail.map(|m| m.sender.clone()).unwrap_or_default(),
            ..Self::default()
        };
        let mut directory = None;
        match mail {
            Some(MailConfig {
                transport: MailTransport::Smtp(settings),
                sender,
                ..
            }) => {
                let mailer = SmtpMailer::new(
                    &settings.clone().with_sender(sender.clone()),
                    &transports.smtp_options,
                )
                .context("[mail]")?;
                if sender.address.is_empty() {
                    tracing::warn!(
                        "[mail] has no from_address: only messages with their own sender can be sent"
                    );
                }
                tracing::info!(server = %mailer.description(), from = %sender.address, "mail transport: SMTP");
                transports.mailer = Some(Arc::new(mailer));
            }
            Some(MailConfig {
                transport: MailTransport::Directory(path),
                sender,
                ..
            }) => {
                let folder = Arc::new(
                    DirectoryTransport::new(path, sender.clone()).context("[mail] directory")?,
                );
                tracing::warn!(
                    directory = %path.display(),
                    "mail transport: directory — e-mails are written into this folder, NOT sent (development only)"
                );
                transports.mailer = Some(folder.clone());
                directory = Some(folder);
            }
            None => tracing::info!("no mail transport configured ([mail]): nothing sends e-mail"),
        }
        match (ovh, directory) {
            (Some(settings), _) => {
                let sender = OvhSmsSender::new(settings.clone()).context("[sms.ovh]")?;
                tracing::info!(endpoint = %sender.endpoint(), "SMS: OVH");
                transports.sms = Some(Arc::new(sender));
            }
            (None, Some(folder)) => {
                tracing::warn!(
                    directory = %folder.directory().display(),
                    "SMS: directory — text messages are written into this folder, NOT sent (development only)"
                );
                transports.sms = Some(folder);
            }
            (None, None) => {
                tracing::info!("no SMS gateway configured ([sms.ovh]): nothing sends SMS")
            }
        }
        Ok(transports)
    }

    /// The notifier the use cases send through.
    pub fn notifier(self) -> TemplateNotifier {
        TemplateNotifier::new(self.mailer, self.sender, self.sms, self.smtp_options)
    }
}

#[cfg(test)]
mod tests {
    use flexiapi_adapters_notify::TlsMode;

    use super::*;
    use crate::config::Config;

    fn load(text: &str) -> anyhow::Result<Config> {
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), text).unwrap();
        Config::load(Some(f.path()), None, None, None)
    }

    #[test]
    fn smtp_is_the_transport_when_a_url_is_set() {
        let c = load(
            "[mail]\nsmtp_url = \"smtps://u:p%40ss@mail.example.org\"\n\
             from_address = \"noreply@example.org\"\nfrom_name = \"Example\"\n",
        )
        .unwrap();
        let mail = c.mail.unwrap();
        let MailTransport::Smtp(smtp) = &mail.transport else {
            panic!("{mail:?}");
        };
        assert_eq!(
            (smtp.host.as_str(), smtp.port, smtp.tls),
            ("mail.example.org", 465, TlsMode::Implicit)
        );
        assert_eq!(smtp.password.as_deref(), Some("p@ss"));
        assert!(!format!("{mail:?}").contains("p@ss"));
        assert_eq!(mail.sender, Sender::new("noreply@example.org", "Example"));
        assert_eq!(c.sms_ovh, None);
    }

    #[test]
    fn no_mail_section_or_no_url_is_no_transport() {
        assert_eq!(load("").unwrap().mail, None);
        assert_eq!(
            load("[mail]\nfrom_address = \"a@example.org\"\nsmtp_url = \"\"\n")
                .unwrap()
                .mail,
            None
        );
    }

    #[test]
    fn the_directory_transport_is_only_ever_explicit() {
        let c = load("[mail]\ntransport = \"directory\"\ndirectory = \"/tmp/out\"\n").unwrap();
        let mail = c.mail.unwrap();
        assert_eq!(mail.transport, MailTransport::Directory("/tmp/out".into()));
        assert_eq!(mail.sender.address, DIRECTORY_DEFAULT_FROM);
        for (bad, says) in [
            ("[mail]\ndirectory = \"/tmp/out\"\n", "only with transport"),
            ("[mail]\ntransport = \"directory\"\n", "needs directory"),
            ("[mail]\ntransport = \"smtp\"\n", "needs smtp_url"),
            ("[mail]\ntransport = \"sendmail\"\n", "sendmail"),
            ("[mail]\nsmtp_url = \"http://x\"\n", "smtp_url"),
            ("[mail]\nsmtp_url = \"smtp://x?tls=maybe\"\n", "smtp_url"),
            ("[mail]\nsmpt_url = \"smtp://x\"\n", "smpt_url"),
        ] {
            let err = load(bad).unwrap_err();
            assert!(format!("{err:#}").contains(says), "{bad}: {err:#}");
        }
    }

    #[test]
    fn ovh_needs_its_keys_and_defaults_to_the_eu_api() {
        let c = load(
            "[sms.ovh]\napplication_key = \"ak\"\napplication_secret = \"as\"\n\
             consumer_key = \"ck\"\nsender = \"Example\"\n",
        )
        .unwrap();
        let ovh = c.sms_ovh.unwrap();
        assert_eq!(ovh.endpoint, OVH_EU_ENDPOINT);
        assert_eq!(
            (ovh.service_name, ovh.sender.as_deref()),
            (None, Some("Example"))
        );
        let err = load("[sms.ovh]\napplication_key = \"ak\"\nconsumer_key = \"ck\"\n").unwrap_err();
        assert!(format!("{err:#}").contains("application_secret"), "{err:#}");
        assert!(load("[sms.ovh]\nendpoint = \"x\"\nkey = \"k\"\n").is_err());
    }

    #[tokio::test]
    async fn the_directory_transport_takes_sms_too_unless_ovh_is_set() {
        let dir = tempfile::tempdir().unwrap();
        let mail = MailConfig {
            transport: MailTransport::Directory(dir.path().join("outbox")),
            sender: Sender::new(DIRECTORY_DEFAULT_FROM, ""),
            ca_file: None,
        };
        let t = Transports::build(Some(&mail), None).unwrap();
        assert!(t.mailer.is_some() && t.sms.is_some());
        t.sms
            .unwrap()
            .send(&flexiapi_adapters_notify::OutgoingSms {
                to: "+33612345678".into(),
                text: "1234".into(),
            })
            .await
            .unwrap();
        t.mailer
            .unwrap()
            .send(&flexiapi_adapters_notify::OutgoingEmail {
                to: "a@example.org".into(),
                subject: "s".into(),
                text_body: "t".into(),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(
            std::fs::read_dir(dir.path().join("outbox"))
                .unwrap()
                .count(),
            2
        );
        let none = Transports::build(None, None).unwrap();
        assert!(none.mailer.is_none() && none.sms.is_none());
        let missing_ca = MailConfig {
            ca_file: Some(dir.path().join("nope.pem")),
            ..mail
        };
        assert!(Transports::build(Some(&missing_ca), None).is_err());
    }
}
