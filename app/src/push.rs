//! The `[push]` settings, and the pusher they make.
//!
//! ```toml
//! [push]
//! flexisip_pusher_path = "/opt/belledonne-communications/bin/flexisip_pusher"
//! firebase_keysmap = "123456789:AAAA... 987654321:BBBB..."   # pn_param:key, as the original
//! timeout_seconds = 10
//!
//! [push.fcm]                       # Firebase Cloud Messaging HTTP v1, no Flexisip needed
//! service_account_file = "/etc/flexiapi/firebase-service-account.json"
//! # base_url = "https://fcm.googleapis.com"     token_url = (the key file's token_uri)
//!
//! [push.apns]                      # APNs over HTTP/2 with a .p8 token key
//! key_file = "/etc/flexiapi/AuthKey_ABC123DEFG.p8"
//! key_id = "ABC123DEFG"
//! team_id = "DEF123GHIJ"
//! topic = "org.linphone.phone"     # optional: else the bundle id in each pn_param
//! # base_url = "https://api.push.apple.com"   sandbox_base_url = "https://api.sandbox.push.apple.com"
//! # ca_file = "/etc/ssl/private-ca.pem"        (extra trusted roots, PEM)
//! ```
//!
//! Per provider, a direct adapter (`[push.fcm]`, `[push.apns]`) wins over `flexisip_pusher`;
//! with neither, that provider's pushes are "not sent" (503).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use flexiapi_adapters_push::{
    ApnsKey, ApnsPusher, ApnsSettings, FcmPusher, FcmSettings, FlexisipPusher,
    FlexisipPusherSettings, PushRouter, Pusher, ServiceAccount, parse_firebase_keysmap,
};
use serde::Deserialize;

/// `[push]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushFile {
    /// Flexisip's `flexisip_pusher` program.
    pub flexisip_pusher_path: Option<PathBuf>,
    /// `pn_param:key` pairs separated by spaces (the original's
    /// `APP_FLEXISIP_PUSHER_FIREBASE_KEYSMAP`).
    pub firebase_keysmap: Option<String>,
    /// How long one push may take (the program's run, or a provider's answer); default 10.
    pub timeout_seconds: Option<u64>,
    /// FCM directly.
    pub fcm: Option<FcmFile>,
    /// APNs directly.
    pub apns: Option<ApnsFile>,
}

/// `[push.fcm]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FcmFile {
    /// A Google service account's JSON key file (Firebase console → service accounts).
    pub service_account_file: Option<PathBuf>,
    /// Instead of `https://fcm.googleapis.com`.
    pub base_url: Option<String>,
    /// Instead of the key file's `token_uri`.
    pub token_url: Option<String>,
}

/// `[push.apns]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApnsFile {
    /// The APNs authentication key, `AuthKey_<key id>.p8`.
    pub key_file: Option<PathBuf>,
    pub key_id: Option<String>,
    pub team_id: Option<String>,
    /// The app's bundle id; else taken from each push's `pn_param` (`TEAMID.bundle.id`).
    pub topic: Option<String>,
    /// Production (`apns`), instead of `https://api.push.apple.com`.
    pub base_url: Option<String>,
    /// Sandbox (`apns.dev`), instead of `https://api.sandbox.push.apple.com`.
    pub sandbox_base_url: Option<String>,
    /// Extra trusted roots (PEM).
    pub ca_file: Option<PathBuf>,
}

/// The validated `[push]`: keys read and parsed, URLs checked.
#[derive(Debug, Clone, Default)]
pub struct PushConfig {
    pub flexisip_pusher: Option<FlexisipPusherSettings>,
    pub fcm: Option<FcmSettings>,
    pub apns: Option<ApnsSettings>,
}

fn set(path: Option<PathBuf>) -> Option<PathBuf> {
    path.filter(|p| !p.as_os_str().is_empty())
}

fn read(setting: &str, path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path)
        .with_context(|| format!("cannot read {setting} {}", path.display()))
}

impl PushConfig {
    /// # Errors
    /// A zero timeout, a keys map without a program to use it, a `[push.fcm]` or `[push.apns]`
    /// whose key file is missing, unreadable or not a key, or whose URLs are not http(s).
    pub fn from_file(file: Option<PushFile>) -> anyhow::Result<Self> {
        let Some(file) = file else {
            return Ok(Self::default());
        };
        let timeout = Duration::from_secs(file.timeout_seconds.unwrap_or(10));
        if timeout.is_zero() {
            bail!("[push] timeout_seconds must be positive");
        }
        let path = set(file.flexisip_pusher_path);
        if path.is_none() && file.firebase_keysmap.is_some() {
            bail!("[push] firebase_keysmap needs flexisip_pusher_path");
        }
        let config = Self {
            flexisip_pusher: path.map(|path| FlexisipPusherSettings {
                path,
                firebase_keys: parse_firebase_keysmap(
                    file.firebase_keysmap.as_deref().unwrap_or_default(),
                ),
                timeout,
            }),
            fcm: file.fcm.map(|f| fcm_settings(f, timeout)).transpose()?,
            apns: file.apns.map(|a| apns_settings(a, timeout)).transpose()?,
        };
        // A bad URL or CA file is said now, not at the first push.
        config.pusher()?;
        Ok(config)
    }

    /// The pusher the use cases push through, and a line for the start-up log.
    ///
    /// # Errors
    /// A direct adapter that cannot be built (checked by [`PushConfig::from_file`] already).
    pub fn pusher(&self) -> anyhow::Result<(Arc<dyn Pusher>, String)> {
        if self.flexisip_pusher.is_none() && self.fcm.is_none() && self.apns.is_none() {
            return Ok((
                Arc::new(flexiapi_adapters_push::NoPusher),
                "no push configured: send-by-push and push_notification answer 503".into(),
            ));
        }
        let mut router = PushRouter::new();
        let mut details = Vec::new();
        if let Some(settings) = &self.flexisip_pusher {
            router = router.with_fallback(
                Arc::new(FlexisipPusher::new(settings.clone())),
                format!("flexisip_pusher ({})", settings.path.display()),
            );
        }
        if let Some(settings) = &self.fcm {
            let pusher = FcmPusher::new(settings.clone()).context("[push.fcm]")?;
            details.push(format!("FCM project {}", pusher.project_id()));
            router = router.with_fcm(Arc::new(pusher));
        }
        if let Some(settings) = &self.apns {
            let pusher = ApnsPusher::new(settings.clone()).context("[push.apns]")?;
            details.push(format!(
                "APNs team {}, topic {}",
                pusher.team_id(),
                settings.topic.as_deref().unwrap_or("from pn_param")
            ));
            router = router.with_apns(Arc::new(pusher));
        }
        let mut line = router.describe();
        if !details.is_empty() {
            line = format!("{line} ({})", details.join("; "));
        }
        Ok((Arc::new(router), line))
    }
}

fn fcm_settings(file: FcmFile, timeout: Duration) -> anyhow::Result<FcmSettings> {
    let Some(path) = set(file.service_account_file) else {
        bail!("[push.fcm] needs service_account_file");
    };
    let text = read("[push.fcm] service_account_file", &path)?;
    let account = ServiceAccount::from_json(&text)
        .with_context(|| format!("[push.fcm] service_account_file {}", path.display()))?;
    let mut settings = FcmSettings::new(account, timeout);
    if let Some(url) = file.base_url.filter(|u| !u.trim().is_empty()) {
        settings.base_url = url;
    }
    settings.token_url = file.token_url.filter(|u| !u.trim().is_empty());
    Ok(settings)
}

fn apns_settings(file: ApnsFile, timeout: Duration) -> anyhow::Result<ApnsSettings> {
    let Some(path) = set(file.key_file) else {
        bail!("[push.apns] needs key_file (the .p8 key), key_id and team_id");
    };
    let pem = read("[push.apns] key_file", &path)?;
    let key = ApnsKey::from_p8(
        &pem,
        file.key_id.as_deref().unwrap_or_default(),
        file.team_id.as_deref().unwrap_or_default(),
    )
    .with_context(|| format!("[push.apns] key_file {}", path.display()))?;
    let mut settings = ApnsSettings::new(key, timeout);
    settings.topic = file
        .topic
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty());
    if let Some(url) = file.base_url.filter(|u| !u.trim().is_empty()) {
        settings.production_url = url;
    }
    if let Some(url) = file.sandbox_base_url.filter(|u| !u.trim().is_empty()) {
        settings.sandbox_url = url;
    }
    if let Some(path) = set(file.ca_file) {
        settings.ca_pem = Some(
            std::fs::read(&path)
                .with_context(|| format!("cannot read [push.apns] ca_file {}", path.display()))?,
        );
    }
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(toml_text: &str) -> anyhow::Result<PushConfig> {
        #[derive(Deserialize)]
        struct Wrapper {
            push: Option<PushFile>,
        }
        let w: Wrapper = toml::from_str(toml_text)?;
        PushConfig::from_file(w.push)
    }

    fn error(toml_text: &str) -> String {
        format!("{:#}", parse(toml_text).unwrap_err())
    }

    #[test]
    fn the_pusher_section_is_read() {
        let c = parse(
            "[push]\nflexisip_pusher_path = \"/usr/bin/flexisip_pusher\"\n\
             firebase_keysmap = \"1:a 2:b:c\"\ntimeout_seconds = 3\n",
        )
        .unwrap();
        let s = c.flexisip_pusher.unwrap();
        assert_eq!(s.path, PathBuf::from("/usr/bin/flexisip_pusher"));
        assert_eq!(s.firebase_keys["2"], "b:c");
        assert_eq!(s.timeout, Duration::from_secs(3));
        assert!(parse("").unwrap().flexisip_pusher.is_none());
        assert!(parse("[push]\ntimeout_seconds = 0\n").is_err());
        assert!(parse("[push]\nfirebase_keysmap = \"1:a\"\n").is_err());
        assert!(parse("[push]\nunknown = 1\n").is_err());
    }

    #[test]
    fn nothing_configured_pushes_nowhere_and_says_so() {
        let (pusher, line) = parse("").unwrap().pusher().unwrap();
        assert!(!pusher.can_push(flexiapi_domain::model::PushProvider::Fcm));
        assert!(line.contains("503"), "{line}");
    }

    #[test]
    fn direct_sections_need_their_key_files() {
        assert!(error("[push.fcm]\n").contains("needs service_account_file"));
        assert!(error("[push.apns]\nkey_id = \"K\"\nteam_id = \"T\"\n").contains("needs key_file"));
        let missing = error("[push.fcm]\nservice_account_file = \"/nonexistent/sa.json\"\n");
        assert!(
            missing.contains("cannot read [push.fcm] service_account_file /nonexistent/sa.json"),
            "{missing}"
        );
        let missing = error("[push.apns]\nkey_file = \"/nonexistent/k.p8\"\n");
        assert!(
            missing.contains("cannot read [push.apns] key_file"),
            "{missing}"
        );
        assert!(error("[push.fcm]\nkey = 1\n").contains("unknown field"));
        assert!(error("[push.apns]\nkeyfile = 1\n").contains("unknown field"));
    }

    #[test]
    fn a_key_file_that_is_no_key_is_refused_at_start() {
        let dir = tempfile::tempdir().unwrap();
        let junk = dir.path().join("junk");
        std::fs::write(&junk, "not a key").unwrap();
        let junk = junk.display();
        let fcm = error(&format!("[push.fcm]\nservice_account_file = \"{junk}\"\n"));
        assert!(fcm.contains("not a service account key file"), "{fcm}");
        let apns = error(&format!(
            "[push.apns]\nkey_file = \"{junk}\"\nkey_id = \"K\"\nteam_id = \"T\"\n"
        ));
        assert!(apns.contains("not an APNs .p8"), "{apns}");
    }

    #[test]
    fn direct_sections_are_read_with_their_keys_and_urls() {
        use p256::pkcs8::EncodePrivateKey;
        let dir = tempfile::tempdir().unwrap();
        let rsa_key = rsa::RsaPrivateKey::new(&mut rand_core06::OsRng, 2048).unwrap();
        let account = serde_json::json!({
            "type": "service_account",
            "project_id": "my-project",
            "client_email": "sender@my-project.iam.gserviceaccount.com",
            "private_key": rsa_key.to_pkcs8_pem(rsa::pkcs8::LineEnding::LF).unwrap().to_string(),
            "token_uri": "https://oauth2.example/token",
        });
        let account_path = dir.path().join("sa.json");
        std::fs::write(&account_path, account.to_string()).unwrap();
        let p8 = p256::SecretKey::random(&mut rand_core06::OsRng)
            .to_pkcs8_pem(p256::pkcs8::LineEnding::LF)
            .unwrap();
        let p8_path = dir.path().join("AuthKey_K.p8");
        std::fs::write(&p8_path, p8.as_bytes()).unwrap();
        let c = parse(&format!(
            "[push]\ntimeout_seconds = 4\n\
             [push.fcm]\nservice_account_file = \"{}\"\nbase_url = \"http://127.0.0.1:1\"\n\
             [push.apns]\nkey_file = \"{}\"\nkey_id = \"K\"\nteam_id = \"T\"\n\
             topic = \"org.example.app\"\nsandbox_base_url = \"http://127.0.0.1:2/\"\n",
            account_path.display(),
            p8_path.display()
        ))
        .unwrap();
        let fcm = c.fcm.as_ref().unwrap();
        assert_eq!(fcm.account.project_id, "my-project");
        assert_eq!(fcm.account.token_uri, "https://oauth2.example/token");
        assert_eq!(fcm.base_url, "http://127.0.0.1:1");
        assert_eq!(fcm.token_url, None);
        assert_eq!(fcm.timeout, Duration::from_secs(4));
        let apns = c.apns.as_ref().unwrap();
        assert_eq!(
            (apns.key.key_id.as_str(), apns.key.team_id.as_str()),
            ("K", "T")
        );
        assert_eq!(apns.topic.as_deref(), Some("org.example.app"));
        assert_eq!(apns.production_url, "https://api.push.apple.com");
        assert_eq!(apns.sandbox_url, "http://127.0.0.1:2/");
        let (pusher, line) = c.pusher().unwrap();
        assert!(pusher.can_push(flexiapi_domain::model::PushProvider::ApnsDev));
        assert_eq!(
            line,
            "pushes: fcm → FCM directly, apns and apns.dev → APNs directly \
             (FCM project my-project; APNs team T, topic org.example.app)"
        );
        // The private key is not in the settings' debug form (a log of the config).
        assert!(!format!("{c:?}").contains("PRIVATE KEY"));

        let bad_url = format!(
            "[push.apns]\nkey_file = \"{}\"\nkey_id = \"K\"\nteam_id = \"T\"\nbase_url = \"apple\"\n",
            p8_path.display()
        );
        assert!(error(&bad_url).contains("base_url"), "{}", error(&bad_url));
        let bad_ca = format!(
            "[push.apns]\nkey_file = \"{}\"\nkey_id = \"K\"\nteam_id = \"T\"\nca_file = \"{}\"\n",
            p8_path.display(),
            account_path.display()
        );
        assert!(error(&bad_ca).contains("ca_file"), "{}", error(&bad_ca));
    }
}
