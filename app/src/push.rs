//! The `[push]` settings, and the pusher they make.
//!
//! ```toml
//! [push]
//! flexisip_pusher_path = "/opt/belledonne-communications/bin/flexisip_pusher"
//! firebase_keysmap = "123456789:AAAA... 987654321:BBBB..."   # pn_param:key, as the original
//! timeout_seconds = 10
//! ```

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::bail;
use flexiapi_adapters_push::{
    FlexisipPusher, FlexisipPusherSettings, NoPusher, Pusher, parse_firebase_keysmap,
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
}

/// The validated `[push]`.
#[derive(Debug, Clone, Default)]
pub struct PushConfig {
    pub flexisip_pusher: Option<FlexisipPusherSettings>,
}

impl PushConfig {
    /// # Errors
    /// A zero timeout, or a keys map without a program to use it.
    pub fn from_file(file: Option<PushFile>) -> anyhow::Result<Self> {
        let Some(file) = file else {
            return Ok(Self::default());
        };
        let timeout = Duration::from_secs(file.timeout_seconds.unwrap_or(10));
        if timeout.is_zero() {
            bail!("[push] timeout_seconds must be positive");
        }
        let path = file
            .flexisip_pusher_path
            .filter(|p| !p.as_os_str().is_empty());
        if path.is_none() && file.firebase_keysmap.is_some() {
            bail!("[push] firebase_keysmap needs flexisip_pusher_path");
        }
        Ok(Self {
            flexisip_pusher: path.map(|path| FlexisipPusherSettings {
                path,
                firebase_keys: parse_firebase_keysmap(
                    file.firebase_keysmap.as_deref().unwrap_or_default(),
                ),
                timeout,
            }),
        })
    }

    /// The pusher the use cases push through, and a line for the start-up log.
    pub fn pusher(&self) -> (Arc<dyn Pusher>, String) {
        match &self.flexisip_pusher {
            Some(settings) => (
                Arc::new(FlexisipPusher::new(settings.clone())),
                format!("pushes run {}", settings.path.display()),
            ),
            None => (
                Arc::new(NoPusher),
                "no push configured: send-by-push and push_notification answer 503".into(),
            ),
        }
    }
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
}
