//! `flexisip_pusher`, Flexisip's command-line pusher.
//!
//! The arguments are the original's (`--pn-provider`, `--pn-param`, `--pn-prid`,
//! `--customPayload`, `--call-id`, `--apple-push-type`, `--key`), passed as an argument vector: a
//! `pn_prid` or payload can never be read by a shell. A non-zero exit, a crash or the timeout is
//! "not sent"; the program is killed when it overruns.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use async_trait::async_trait;
use flexiapi_domain::error::TransportError;
use flexiapi_domain::model::{PushNotification, PushProvider};
use flexiapi_domain::ports::Pusher;
use tokio::process::Command;

/// How `flexisip_pusher` is run.
#[derive(Debug, Clone)]
pub struct FlexisipPusherSettings {
    pub path: PathBuf,
    /// Firebase server keys by `pn_param` (the original's `APP_FLEXISIP_PUSHER_FIREBASE_KEYSMAP`).
    pub firebase_keys: HashMap<String, String>,
    /// How long one run may take before it is killed and the push counts as not sent.
    pub timeout: Duration,
}

/// Reads the original's keys map: `id:key` pairs separated by spaces. A key may itself contain
/// `:` (legacy Firebase keys), so each pair splits on its first one; a word without `:` is skipped
/// as the original does.
pub fn parse_firebase_keysmap(raw: &str) -> HashMap<String, String> {
    raw.split_whitespace()
        .filter_map(|pair| pair.split_once(':'))
        .map(|(id, key)| (id.to_owned(), key.to_owned()))
        .collect()
}

/// Runs `flexisip_pusher` once per push.
#[derive(Debug, Clone)]
pub struct FlexisipPusher {
    settings: FlexisipPusherSettings,
}

impl FlexisipPusher {
    pub fn new(settings: FlexisipPusherSettings) -> Self {
        Self { settings }
    }

    /// The arguments for one push, in the original's order.
    pub fn arguments(&self, push: &PushNotification) -> Vec<String> {
        let target = &push.target;
        let mut args = vec![
            "--pn-provider".to_owned(),
            target.provider.as_str().to_owned(),
            "--pn-param".to_owned(),
            target.param.as_str().to_owned(),
            "--pn-prid".to_owned(),
            target.prid.as_str().to_owned(),
        ];
        if !push.payload.is_empty() {
            let payload: serde_json::Map<String, serde_json::Value> = push
                .payload
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                .collect();
            args.push("--customPayload".to_owned());
            args.push(serde_json::Value::Object(payload).to_string());
        }
        if let Some(call_id) = &push.call_id {
            args.push("--call-id".to_owned());
            args.push(call_id.as_str().to_owned());
        }
        if target.provider.is_apple() {
            args.push("--apple-push-type".to_owned());
            args.push(push.kind.apple_push_type().to_owned());
        }
        if let Some(key) = self.settings.firebase_keys.get(target.param.as_str()) {
            args.push("--key".to_owned());
            args.push(key.clone());
        }
        args
    }
}

#[async_trait]
impl Pusher for FlexisipPusher {
    fn can_push(&self, _: PushProvider) -> bool {
        true
    }

    async fn push(&self, push: &PushNotification) -> Result<(), TransportError> {
        if push.target.provider == PushProvider::Fcm
            && !self
                .settings
                .firebase_keys
                .contains_key(push.target.param.as_str())
        {
            // The original logs this and runs the pusher anyway (it may have its own keys).
            tracing::warn!(
                pn_param = push.target.param.as_str(),
                "no Firebase key for this pn_param in [push] firebase_keysmap"
            );
        }
        let mut command = Command::new(&self.settings.path);
        command
            .args(self.arguments(push))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let child = command.spawn().map_err(|e| {
            TransportError::Unavailable(format!("cannot run {}: {e}", self.settings.path.display()))
        })?;
        // The arguments hold the token: they are never logged, only the program's own words.
        let output = tokio::time::timeout(self.settings.timeout, child.wait_with_output())
            .await
            .map_err(|_| {
                TransportError::Unavailable(format!(
                    "flexisip_pusher did not finish within {:?}",
                    self.settings.timeout
                ))
            })?
            .map_err(|e| TransportError::Unavailable(format!("flexisip_pusher: {e}")))?;
        if output.status.success() {
            return Ok(());
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last_line = stderr.lines().last().unwrap_or("").chars().take(200);
        Err(TransportError::Refused(format!(
            "flexisip_pusher exited with {}: {}",
            output.status,
            last_line.collect::<String>()
        )))
    }
}
