//! Configuration: command line and environment over an optional TOML file over defaults,
//! validated once into a [`Config`].

use std::path::Path;

use anyhow::{Context, bail};
pub use flexiapi_adapters_http::{PublicScheme, TrustedProxies};
use serde::Deserialize;

use crate::notify::{MailConfig, MailFile, SmsFile, ovh_settings};
use crate::push::{PushConfig, PushFile};
use crate::turn::{TurnFile, turn_settings};
pub use flexiapi_adapters_notify::OvhSettings;
pub use flexiapi_adapters_web::CaptchaSettings;
pub use flexiapi_domain::model::TurnSettings;

pub const DEFAULT_DATABASE: &str = "sqlite://flexiapi.sqlite";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

/// The TOML file. Every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub database: Option<String>,
    pub bind: Option<String>,
    /// Offered languages, fallback first (each needs a folder under `locales/`).
    pub languages: Option<Vec<String>>,
    pub api_key_expiration_minutes: Option<i64>,
    pub nonce_expiration_seconds: Option<i64>,
    pub nonce_max_uses: Option<i64>,
    /// Failed authentications (Digest answers, wrong old passwords) allowed per account from one
    /// client address within the window, the lockout that address then meets (0: no limit).
    pub auth_failures_per_account: Option<u64>,
    /// Failed authentications allowed per account from all addresses together within the window,
    /// the ceiling of distributed guessing (0: no limit).
    pub auth_failures_per_account_total: Option<u64>,
    /// Failed authentications allowed per client address within the window (0: no limit).
    pub auth_failures_per_ip: Option<u64>,
    pub auth_failure_window_seconds: Option<i64>,
    /// Fresh Digest challenges (each stores a nonce) per client address within
    /// `unauthenticated_window_seconds` (0: no limit).
    pub digest_challenges_per_ip: Option<u64>,
    /// Auth tokens created per client address within `unauthenticated_window_seconds` (0: no
    /// limit).
    pub auth_tokens_per_ip: Option<u64>,
    pub unauthenticated_window_seconds: Option<i64>,
    /// A connection with no traffic for this long is closed.
    pub idle_timeout_seconds: Option<u64>,
    /// A request head (request line and headers) must arrive within this, from the connection's
    /// accept or the request's first byte; else the connection is closed (slowloris).
    pub header_read_timeout_seconds: Option<u64>,
    /// Open connections at most; past it, new ones wait for one to close.
    pub max_connections: Option<usize>,
    pub max_body_bytes: Option<usize>,
    /// 0 (the default): creation tokens never expire.
    pub account_creation_token_expiration_minutes: Option<i64>,
    /// The Flexisip registrar's Redis (`redis://host:port`), for the devices endpoints.
    pub redis_url: Option<String>,
    /// A provisioning token older than this is refused with 410; 0 means never.
    pub provisioning_token_expiration_minutes: Option<i64>,
    /// Reverse proxies (addresses and CIDR ranges) whose `Forwarded`, `X-Forwarded-For` and
    /// `X-Forwarded-Proto` are believed; from anyone else these headers are ignored.
    pub trusted_proxies: Option<Vec<String>>,
    /// `text` (the default) or `json`: one JSON object a line on standard error.
    pub log_format: Option<String>,
    /// An address (`127.0.0.1:9100`) on which `/metrics` is served alone; the main listener then
    /// answers 404 there. Unset: the main listener serves it to loopback peers and
    /// `trusted_proxies` only.
    pub metrics_bind: Option<String>,
    /// The request header in which the TLS terminator passes the verified client certificate's
    /// subject (e.g. `X-SSL-Client-S-DN`, nginx's `$ssl_client_s_dn`); believed only from
    /// `trusted_proxies`. Unset: no login by client certificate.
    pub client_certificate_header: Option<String>,
    /// `http` or `https`: the scheme of the URLs handed out (and the cookie's `Secure`).
    pub public_scheme: Option<String>,
    /// The port of the URLs handed out, when clients do not use the scheme's default.
    pub public_port: Option<u16>,
    /// `[mail]`: the global e-mail transport (see `notify`).
    pub mail: Option<MailFile>,
    /// `[sms.ovh]`: the SMS gateway.
    pub sms: Option<SmsFile>,
    /// Lifetime of the codes confirming a new e-mail address; 0: they never expire.
    pub email_change_code_expiration_minutes: Option<i64>,
    /// Lifetime of the codes confirming a new phone number; 0: they never expire.
    pub phone_change_code_expiration_minutes: Option<i64>,
    /// The window, in minutes, in which codes sent for an account are counted.
    pub blocking_time_period_check: Option<i64>,
    /// Codes an account may get within the window; asking for one more blocks it (0: never).
    pub blocking_amount_events_authorized_during_period: Option<u64>,
    /// Lifetime of the codes the web pages send (sign-up and recovery); 0 means never.
    pub recovery_code_expiration_minutes: Option<i64>,
    /// Lifetime of reset-password links; 0 means never.
    pub reset_password_email_token_expiration_minutes: Option<i64>,
    /// Lifetime of account recovery tokens (`/recovery/phone/{token}`); 0 means never.
    pub account_recovery_token_expiration_minutes: Option<i64>,
    /// `send-by-push` of creation tokens refuses a device that got one within this many
    /// minutes (429); 0: no throttle.
    pub account_creation_token_retry_minutes: Option<i64>,
    /// The same for recovery tokens (the original reads this key without defining it).
    pub account_recovery_token_retry_minutes: Option<i64>,
    /// Codes the web pages send per client address within `unauthenticated_window_seconds`
    /// (0: no limit).
    pub codes_sent_per_ip: Option<u64>,
    /// Codes the web pages send per recipient (e-mail address or phone number) within
    /// `unauthenticated_window_seconds` (0: no limit).
    pub codes_sent_per_recipient: Option<u64>,
    /// `[captcha]`: hCaptcha on the web pages' sign-up and recovery forms.
    pub captcha: Option<CaptchaFile>,
    /// `[push]`: how pushes reach Linphone apps (see `push`).
    pub push: Option<PushFile>,
    /// `[turn]`: the TURN servers credentials are handed out for (see `turn`).
    pub turn: Option<TurnFile>,
    /// `[files]`: where voicemail files are kept.
    pub files: Option<FilesFile>,
    /// `[messages]`: `POST /api/messages` through a linphone-daemon.
    pub messages: Option<MessagesFile>,
}

/// `[messages]` of the file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessagesFile {
    /// The UNIX socket of `linphone-daemon --pipe` (the original's
    /// `APP_LINPHONE_DAEMON_UNIX_PATH`); unset: `POST /api/messages` answers 404.
    pub linphone_daemon_socket: Option<String>,
    /// How long a message may take, connection and answer included (default 5).
    pub timeout_seconds: Option<u64>,
}

/// `[files]` of the file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilesFile {
    /// Default: `files` beside the SQLite database, else `./files`; created (0700) at first use.
    pub directory: Option<String>,
    /// Largest voicemail upload, in bytes (default 10 MiB).
    pub max_upload_size: Option<u64>,
}

/// The file of a SQLite database URL (`None` for other databases and in-memory SQLite).
pub fn sqlite_file(database: &str) -> Option<&Path> {
    database
        .strip_prefix("sqlite://")
        .or_else(|| database.strip_prefix("sqlite:"))
        .map(|rest| rest.split('?').next().unwrap_or_default())
        .filter(|path| !path.is_empty() && !path.starts_with(":memory:"))
        .map(Path::new)
}

/// The default `[files] directory`: `files` beside a SQLite database file, else `./files`.
pub fn default_files_directory(database: &str) -> std::path::PathBuf {
    match sqlite_file(database).and_then(Path::parent) {
        Some(parent) if !parent.as_os_str().is_empty() => parent.join("files"),
        _ => std::path::PathBuf::from("files"),
    }
}

/// `[captcha]` of the file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaptchaFile {
    pub secret: Option<String>,
    pub sitekey: Option<String>,
    /// Default: hCaptcha's `https://api.hcaptcha.com/siteverify`.
    pub verify_url: Option<String>,
}

/// How log lines are written on standard error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// Human-readable lines (colours only on a terminal).
    #[default]
    Text,
    /// One JSON object a line.
    Json,
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub database: String,
    pub bind: String,
    pub languages: Vec<String>,
    pub api_key_expiration_minutes: i64,
    pub nonce_expiration_seconds: i64,
    pub nonce_max_uses: i64,
    /// Per account and client address.
    pub auth_failures_per_account: u64,
    /// Per account, all addresses together.
    pub auth_failures_per_account_total: u64,
    pub auth_failures_per_ip: u64,
    pub auth_failure_window_seconds: i64,
    pub digest_challenges_per_ip: u64,
    pub auth_tokens_per_ip: u64,
    pub unauthenticated_window_seconds: i64,
    pub idle_timeout_seconds: u64,
    pub header_read_timeout_seconds: u64,
    pub max_connections: usize,
    pub max_body_bytes: usize,
    pub account_creation_token_expiration_minutes: i64,
    /// `None`: no registrar store; the devices endpoints answer `{}`.
    pub redis_url: Option<String>,
    /// 0 means provisioning tokens never expire.
    pub provisioning_token_expiration_minutes: i64,
    /// Empty: forwarding headers are never believed.
    pub trusted_proxies: TrustedProxies,
    pub log_format: LogFormat,
    /// `None`: `/metrics` on the main listener, to loopback peers and `trusted_proxies` only.
    pub metrics_bind: Option<String>,
    /// `None`: no login by client certificate (lower-case header name).
    pub client_certificate_header: Option<String>,
    /// `None`: HTTPS when the connection is TLS or a trusted proxy says so, else HTTP.
    pub public_scheme: Option<PublicScheme>,
    pub public_port: Option<u16>,
    /// `None`: no global mail transport.
    pub mail: Option<MailConfig>,
    /// `None`: no SMS gateway (SMS then follow e-mail into the directory transport, if any).
    pub sms_ovh: Option<OvhSettings>,
    /// 0 means never.
    pub email_change_code_expiration_minutes: i64,
    /// 0 means never.
    pub phone_change_code_expiration_minutes: i64,
    pub blocking_time_period_check: i64,
    /// 0 means never block.
    pub blocking_amount_events_authorized_during_period: u64,
    /// 0 means never.
    pub recovery_code_expiration_minutes: i64,
    /// 0 means never.
    pub reset_password_email_token_expiration_minutes: i64,
    /// 0 means never.
    pub account_recovery_token_expiration_minutes: i64,
    pub account_creation_token_retry_minutes: i64,
    pub account_recovery_token_retry_minutes: i64,
    pub codes_sent_per_ip: u64,
    pub codes_sent_per_recipient: u64,
    /// `None`: the web pages show no captcha.
    pub captcha: Option<CaptchaSettings>,
    pub push: PushConfig,
    /// `None`: no TURN service (`/accounts/me/services/turn` answers 404). Hides its secret in
    /// `Debug`.
    pub turn: Option<TurnSettings>,
    /// `[files] directory`: where voicemail files are kept.
    pub files_directory: std::path::PathBuf,
    /// `[files] max_upload_size`, bytes.
    pub max_upload_size: u64,
    /// `[messages] linphone_daemon_socket`; `None`: `POST /api/messages` answers 404.
    pub linphone_daemon_socket: Option<std::path::PathBuf>,
    /// `[messages] timeout_seconds`.
    pub linphone_daemon_timeout: std::time::Duration,
}

impl Config {
    /// # Errors
    /// An unreadable or invalid file, or out-of-range values.
    pub fn load(
        file: Option<&Path>,
        database: Option<String>,
        bind: Option<String>,
        redis_url: Option<String>,
    ) -> anyhow::Result<Self> {
        let file_config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).with_context(|| {
                    format!("cannot read configuration file {}", path.display())
                })?;
                toml::from_str::<FileConfig>(&text)
                    .map_err(|e| anyhow::anyhow!("{}: {}", path.display(), e.message()))?
            }
            None => FileConfig::default(),
        };
        let database = database
            .or(file_config.database)
            .unwrap_or_else(|| DEFAULT_DATABASE.into());
        let files = file_config.files.unwrap_or_default();
        let messages = file_config.messages.unwrap_or_default();
        if messages.timeout_seconds == Some(0) {
            bail!("[messages] timeout_seconds must be positive");
        }
        let config = Self {
            linphone_daemon_socket: messages
                .linphone_daemon_socket
                .filter(|s| !s.trim().is_empty())
                .map(Into::into),
            linphone_daemon_timeout: messages.timeout_seconds.map_or(
                flexiapi_adapters_notify::DEFAULT_DAEMON_TIMEOUT,
                std::time::Duration::from_secs,
            ),
            files_directory: files
                .directory
                .filter(|d| !d.trim().is_empty())
                .map_or_else(|| default_files_directory(&database), Into::into),
            max_upload_size: files
                .max_upload_size
                .unwrap_or(flexiapi_adapters_http::files::DEFAULT_MAX_UPLOAD_SIZE),
            database,
            bind: bind
                .or(file_config.bind)
                .unwrap_or_else(|| DEFAULT_BIND.into()),
            languages: file_config
                .languages
                .unwrap_or_else(|| vec!["en".into(), "fr".into()]),
            api_key_expiration_minutes: file_config.api_key_expiration_minutes.unwrap_or(60),
            nonce_expiration_seconds: file_config.nonce_expiration_seconds.unwrap_or(3600),
            nonce_max_uses: file_config.nonce_max_uses.unwrap_or(10_000),
            auth_failures_per_account: file_config.auth_failures_per_account.unwrap_or(10),
            auth_failures_per_account_total: file_config
                .auth_failures_per_account_total
                .unwrap_or(1000),
            auth_failures_per_ip: file_config.auth_failures_per_ip.unwrap_or(100),
            auth_failure_window_seconds: file_config.auth_failure_window_seconds.unwrap_or(300),
            digest_challenges_per_ip: file_config.digest_challenges_per_ip.unwrap_or(600),
            auth_tokens_per_ip: file_config.auth_tokens_per_ip.unwrap_or(30),
            unauthenticated_window_seconds: file_config
                .unauthenticated_window_seconds
                .unwrap_or(300),
            idle_timeout_seconds: file_config.idle_timeout_seconds.unwrap_or(30),
            header_read_timeout_seconds: file_config.header_read_timeout_seconds.unwrap_or(10),
            max_connections: file_config.max_connections.unwrap_or(10_000),
            max_body_bytes: file_config.max_body_bytes.unwrap_or(1024 * 1024),
            account_creation_token_expiration_minutes: file_config
                .account_creation_token_expiration_minutes
                .unwrap_or(0),
            redis_url: redis_url
                .or(file_config.redis_url)
                .filter(|url| !url.trim().is_empty()),
            provisioning_token_expiration_minutes: file_config
                .provisioning_token_expiration_minutes
                .unwrap_or(0),
            trusted_proxies: TrustedProxies::parse(
                file_config.trusted_proxies.as_deref().unwrap_or_default(),
            )
            .map_err(|entry| {
                anyhow::anyhow!("trusted_proxies: {entry:?} is not an IP address or CIDR range")
            })?,
            log_format: match file_config.log_format.as_deref() {
                None | Some("text") => LogFormat::Text,
                Some("json") => LogFormat::Json,
                Some(other) => bail!("log_format must be \"text\" or \"json\", not {other:?}"),
            },
            metrics_bind: file_config.metrics_bind.filter(|b| !b.trim().is_empty()),
            client_certificate_header: match file_config.client_certificate_header.as_deref() {
                None => None,
                Some(name) => match poem::http::HeaderName::from_bytes(name.trim().as_bytes()) {
                    Ok(header) => Some(header.as_str().to_owned()),
                    Err(_) => bail!("client_certificate_header: {name:?} is not a header name"),
                },
            },
            public_scheme: match file_config.public_scheme.as_deref() {
                None => None,
                Some("http") => Some(PublicScheme::Http),
                Some("https") => Some(PublicScheme::Https),
                Some(other) => bail!("public_scheme must be \"http\" or \"https\", not {other:?}"),
            },
            public_port: file_config.public_port,
            mail: MailConfig::from_file(file_config.mail)?,
            sms_ovh: ovh_settings(file_config.sms)?,
            email_change_code_expiration_minutes: file_config
                .email_change_code_expiration_minutes
                .unwrap_or(10),
            phone_change_code_expiration_minutes: file_config
                .phone_change_code_expiration_minutes
                .unwrap_or(10),
            blocking_time_period_check: file_config.blocking_time_period_check.unwrap_or(30),
            blocking_amount_events_authorized_during_period: file_config
                .blocking_amount_events_authorized_during_period
                .unwrap_or(5),
            recovery_code_expiration_minutes: file_config
                .recovery_code_expiration_minutes
                .unwrap_or(10),
            reset_password_email_token_expiration_minutes: file_config
                .reset_password_email_token_expiration_minutes
                .unwrap_or(1440),
            account_recovery_token_expiration_minutes: file_config
                .account_recovery_token_expiration_minutes
                .unwrap_or(60),
            account_creation_token_retry_minutes: file_config
                .account_creation_token_retry_minutes
                .unwrap_or(60),
            account_recovery_token_retry_minutes: file_config
                .account_recovery_token_retry_minutes
                .unwrap_or(60),
            codes_sent_per_ip: file_config.codes_sent_per_ip.unwrap_or(10),
            codes_sent_per_recipient: file_config.codes_sent_per_recipient.unwrap_or(3),
            captcha: captcha_settings(file_config.captcha)?,
            push: PushConfig::from_file(file_config.push)?,
            turn: turn_settings(file_config.turn)?,
        };
        if config.max_upload_size == 0 {
            bail!("[files] max_upload_size must be positive");
        }
        if config.api_key_expiration_minutes <= 0 {
            bail!("api_key_expiration_minutes must be positive");
        }
        if config.nonce_expiration_seconds <= 0 || config.nonce_max_uses <= 0 {
            bail!("nonce_expiration_seconds and nonce_max_uses must be positive");
        }
        if config.idle_timeout_seconds == 0 {
            bail!("idle_timeout_seconds must be positive");
        }
        if config.header_read_timeout_seconds == 0 {
            bail!("header_read_timeout_seconds must be positive");
        }
        if config.max_connections == 0 {
            bail!("max_connections must be positive");
        }
        if config.auth_failure_window_seconds <= 0 {
            bail!("auth_failure_window_seconds must be positive");
        }
        if config.public_port == Some(0) {
            bail!("public_port must be positive");
        }
        if config.unauthenticated_window_seconds <= 0 {
            bail!("unauthenticated_window_seconds must be positive");
        }
        if config.recovery_code_expiration_minutes < 0
            || config.reset_password_email_token_expiration_minutes < 0
            || config.account_recovery_token_expiration_minutes < 0
        {
            bail!(
                "recovery_code_expiration_minutes, reset_password_email_token_expiration_minutes \
                 and account_recovery_token_expiration_minutes must be 0 (never) or positive"
            );
        }
        if config.account_creation_token_retry_minutes < 0
            || config.account_recovery_token_retry_minutes < 0
        {
            bail!(
                "account_creation_token_retry_minutes and account_recovery_token_retry_minutes \
                 must be 0 (no throttle) or positive"
            );
        }
        if config.provisioning_token_expiration_minutes < 0 {
            bail!("provisioning_token_expiration_minutes must be 0 (never) or positive");
        }
        if config.email_change_code_expiration_minutes < 0
            || config.phone_change_code_expiration_minutes < 0
        {
            bail!(
                "email_change_code_expiration_minutes and phone_change_code_expiration_minutes \
                 must be 0 (never) or positive"
            );
        }
        if config.blocking_time_period_check <= 0 {
            bail!("blocking_time_period_check must be positive");
        }
        Ok(config)
    }
}

/// `[captcha]`: both keys or nothing.
fn captcha_settings(file: Option<CaptchaFile>) -> anyhow::Result<Option<CaptchaSettings>> {
    let Some(file) = file else {
        return Ok(None);
    };
    let (Some(secret), Some(sitekey)) = (
        file.secret.filter(|s| !s.trim().is_empty()),
        file.sitekey.filter(|s| !s.trim().is_empty()),
    ) else {
        bail!("[captcha] needs both secret and sitekey");
    };
    Ok(Some(CaptchaSettings {
        secret,
        sitekey,
        verify_url: file
            .verify_url
            .unwrap_or_else(|| flexiapi_adapters_web::HCAPTCHA_VERIFY_URL.into()),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), text).unwrap();
        f
    }

    #[test]
    fn the_redis_flag_wins_over_the_file_and_blank_means_none() {
        let f =
            file("redis_url = \"redis://file:6379\"\nprovisioning_token_expiration_minutes = 30\n");
        let c = Config::load(Some(f.path()), None, None, None).unwrap();
        assert_eq!(c.redis_url.as_deref(), Some("redis://file:6379"));
        assert_eq!(c.provisioning_token_expiration_minutes, 30);
        let c = Config::load(Some(f.path()), None, None, Some("redis://flag".into())).unwrap();
        assert_eq!(c.redis_url.as_deref(), Some("redis://flag"));
        let c = Config::load(None, None, None, Some(" ".into())).unwrap();
        assert_eq!(c.redis_url, None);
        assert_eq!(c.provisioning_token_expiration_minutes, 0);
    }

    #[test]
    fn connection_limits_default_and_refuse_zero() {
        let c = Config::load(None, None, None, None).unwrap();
        assert_eq!(c.header_read_timeout_seconds, 10);
        assert_eq!(c.max_connections, 10_000);
        let f = file("header_read_timeout_seconds = 3\nmax_connections = 50\n");
        let c = Config::load(Some(f.path()), None, None, None).unwrap();
        assert_eq!((c.header_read_timeout_seconds, c.max_connections), (3, 50));
        for zero in ["header_read_timeout_seconds = 0", "max_connections = 0"] {
            let f = file(zero);
            let err = Config::load(Some(f.path()), None, None, None).unwrap_err();
            assert!(err.to_string().contains("must be positive"), "{err}");
        }
    }

    #[test]
    fn the_client_certificate_header_is_a_header_name_kept_in_lower_case() {
        let f = file("client_certificate_header = \"X-SSL-Client-S-DN\"\n");
        let c = Config::load(Some(f.path()), None, None, None).unwrap();
        assert_eq!(
            c.client_certificate_header.as_deref(),
            Some("x-ssl-client-s-dn")
        );
    }

    #[test]
    fn proxies_and_public_url_parts_are_read_and_checked() {
        let c = Config::load(None, None, None, None).unwrap();
        assert!(c.trusted_proxies.is_empty());
        assert_eq!((c.public_scheme, c.public_port), (None, None));
        let f = file(
            "trusted_proxies = [\"127.0.0.2\", \"10.0.0.0/8\", \"2001:db8::/32\"]\n\
             public_scheme = \"https\"\npublic_port = 8443\n",
        );
        let c = Config::load(Some(f.path()), None, None, None).unwrap();
        assert_eq!(c.client_certificate_header, None);
        assert!(c.trusted_proxies.contains("10.1.2.3".parse().unwrap()));
        assert!(c.trusted_proxies.contains("127.0.0.2".parse().unwrap()));
        assert!(!c.trusted_proxies.contains("127.0.0.1".parse().unwrap()));
        assert_eq!(
            (c.public_scheme, c.public_port),
            (Some(PublicScheme::Https), Some(8443))
        );
        for (bad, says) in [
            (
                "trusted_proxies = [\"proxy.example.org\"]",
                "proxy.example.org",
            ),
            ("trusted_proxies = [\"10.0.0.0/40\"]", "10.0.0.0/40"),
            ("public_scheme = \"ftp\"", "public_scheme"),
            ("public_port = 0", "public_port"),
            ("public_port = 70000", "70000"),
            (
                "client_certificate_header = \"X SSL\"",
                "client_certificate_header",
            ),
        ] {
            let f = file(bad);
            let err = Config::load(Some(f.path()), None, None, None).unwrap_err();
            assert!(err.to_string().contains(says), "{bad}: {err}");
        }
    }

    #[test]
    fn budgets_default_and_read_from_the_file() {
        let c = Config::load(None, None, None, None).unwrap();
        assert_eq!(
            (
                c.auth_failures_per_account,
                c.auth_failures_per_account_total,
                c.auth_failures_per_ip,
                c.auth_failure_window_seconds,
            ),
            (10, 1000, 100, 300)
        );
        assert_eq!(
            (
                c.digest_challenges_per_ip,
                c.auth_tokens_per_ip,
                c.unauthenticated_window_seconds,
            ),
            (600, 30, 300)
        );
        let f = file(
            "auth_failures_per_account = 5\nauth_failures_per_account_total = 50\n\
             digest_challenges_per_ip = 0\nauth_tokens_per_ip = 3\n\
             unauthenticated_window_seconds = 60\n",
        );
        let c = Config::load(Some(f.path()), None, None, None).unwrap();
        assert_eq!(
            (
                c.auth_failures_per_account,
                c.auth_failures_per_account_total,
                c.digest_challenges_per_ip,
                c.auth_tokens_per_ip,
                c.unauthenticated_window_seconds,
            ),
            (5, 50, 0, 3, 60)
        );
        let f = file("unauthenticated_window_seconds = 0\n");
        assert!(Config::load(Some(f.path()), None, None, None).is_err());
    }

    #[test]
    fn change_codes_and_blocking_default_as_the_original_and_are_checked() {
        let c = Config::load(None, None, None, None).unwrap();
        assert_eq!(
            (
                c.email_change_code_expiration_minutes,
                c.phone_change_code_expiration_minutes,
                c.blocking_time_period_check,
                c.blocking_amount_events_authorized_during_period,
            ),
            (10, 10, 30, 5)
        );
        let f = file(
            "email_change_code_expiration_minutes = 0\nphone_change_code_expiration_minutes = 3\n\
             blocking_time_period_check = 60\nblocking_amount_events_authorized_during_period = 0\n",
        );
        let c = Config::load(Some(f.path()), None, None, None).unwrap();
        assert_eq!(
            (
                c.email_change_code_expiration_minutes,
                c.phone_change_code_expiration_minutes,
                c.blocking_time_period_check,
                c.blocking_amount_events_authorized_during_period,
            ),
            (0, 3, 60, 0)
        );
        for bad in [
            "email_change_code_expiration_minutes = -1",
            "phone_change_code_expiration_minutes = -1",
            "blocking_time_period_check = 0",
            "blocking_amount_events_authorized_during_period = -1",
        ] {
            let f = file(bad);
            assert!(
                Config::load(Some(f.path()), None, None, None).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn push_token_throttles_default_to_an_hour_and_refuse_negatives() {
        let c = Config::load(None, None, None, None).unwrap();
        assert_eq!(
            (
                c.account_creation_token_retry_minutes,
                c.account_recovery_token_retry_minutes
            ),
            (60, 60)
        );
        let f = file(
            "account_creation_token_retry_minutes = 0
account_recovery_token_retry_minutes = 5
",
        );
        let c = Config::load(Some(f.path()), None, None, None).unwrap();
        assert_eq!(
            (
                c.account_creation_token_retry_minutes,
                c.account_recovery_token_retry_minutes
            ),
            (0, 5)
        );
        for bad in [
            "account_creation_token_retry_minutes = -1
",
            "account_recovery_token_retry_minutes = -1
",
        ] {
            assert!(
                Config::load(Some(file(bad).path()), None, None, None).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn web_page_settings_default_and_read_from_the_file() {
        let c = Config::load(None, None, None, None).unwrap();
        assert_eq!(
            (
                c.recovery_code_expiration_minutes,
                c.reset_password_email_token_expiration_minutes,
                c.account_recovery_token_expiration_minutes,
                c.codes_sent_per_ip,
                c.codes_sent_per_recipient,
            ),
            (10, 1440, 60, 10, 3)
        );
        assert!(c.captcha.is_none());
        let f = file(
            "recovery_code_expiration_minutes = 5\n\
             reset_password_email_token_expiration_minutes = 0\n\
             [captcha]\nsecret = \"s\"\nsitekey = \"k\"\n",
        );
        let c = Config::load(Some(f.path()), None, None, None).unwrap();
        assert_eq!(c.recovery_code_expiration_minutes, 5);
        assert_eq!(c.reset_password_email_token_expiration_minutes, 0);
        let captcha = c.captcha.unwrap();
        assert_eq!(
            (captcha.secret.as_str(), captcha.sitekey.as_str()),
            ("s", "k")
        );
        assert_eq!(captcha.verify_url, "https://api.hcaptcha.com/siteverify");
        for bad in [
            "[captcha]\nsecret = \"s\"\n",
            "recovery_code_expiration_minutes = -1\n",
        ] {
            assert!(
                Config::load(Some(file(bad).path()), None, None, None).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_negative_provisioning_token_expiration_is_refused() {
        let f = file("provisioning_token_expiration_minutes = -1\n");
        assert!(Config::load(Some(f.path()), None, None, None).is_err());
    }
}

#[cfg(test)]
mod files_directory_tests {
    use std::path::PathBuf;

    use super::default_files_directory;

    #[test]
    fn files_go_beside_the_sqlite_database_else_in_the_working_directory() {
        assert_eq!(
            default_files_directory("sqlite:///var/lib/flexiapi/db.sqlite?mode=rwc"),
            PathBuf::from("/var/lib/flexiapi/files")
        );
        assert_eq!(
            default_files_directory("sqlite://data/flexiapi.sqlite"),
            PathBuf::from("data/files")
        );
        for elsewhere in [
            super::DEFAULT_DATABASE,
            "sqlite::memory:",
            "memory",
            "postgres://u@localhost/db",
        ] {
            assert_eq!(
                default_files_directory(elsewhere),
                PathBuf::from("files"),
                "{elsewhere}"
            );
        }
    }
}
