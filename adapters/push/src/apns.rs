//! Apple Push Notification service over HTTP/2, with token (`.p8` key) authentication.
//!
//! One provider JWT (ES256: `kid` the key id, `iss` the team id, `iat`) is signed, reused by every
//! push and renewed after 50 minutes (Apple refuses one older than an hour, and one renewed more
//! often than every 20 minutes). `apns.dev` goes to the sandbox, `apns` to production.
//!
//! A push is `POST {base}/3/device/{device token}` over HTTP/2 only (ALPN `h2` over TLS, prior
//! knowledge over a test's `http://`). The device token is `pn_prid` without Linphone's
//! `:remote`/`:voip` suffix. The topic is `[push.apns] topic`, else the bundle id in `pn_param`
//! (`TEAMID.bundle.id`); a call (PushKit) goes to `topic.voip`.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use flexiapi_domain::error::TransportError;
use flexiapi_domain::model::{PushKind, PushNotification, PushProvider};
use flexiapi_domain::ports::Pusher;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::http::{SetupError, base_url, client, exchange_error, redact, status_error, unix_now};

pub const APNS_PRODUCTION_URL: &str = "https://api.push.apple.com";
pub const APNS_SANDBOX_URL: &str = "https://api.sandbox.push.apple.com";

/// How long one provider token is used before a new one is signed.
const PROVIDER_TOKEN_LIFETIME: Duration = Duration::from_secs(50 * 60);
/// How long a message push may wait at Apple for an offline device.
const MESSAGE_EXPIRATION: u64 = 3600;

/// An APNs authentication key (`AuthKey_<key id>.p8`) and whose it is.
#[derive(Clone)]
pub struct ApnsKey {
    pub key_id: String,
    pub team_id: String,
    key: EncodingKey,
}

// The private key never appears in a `{:?}`.
impl std::fmt::Debug for ApnsKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApnsKey")
            .field("key_id", &self.key_id)
            .field("team_id", &self.team_id)
            .finish_non_exhaustive()
    }
}

impl ApnsKey {
    /// # Errors
    /// An empty key or team id, or a `.p8` text that is not a PKCS#8 P-256 key.
    pub fn from_p8(pem: &str, key_id: &str, team_id: &str) -> Result<Self, SetupError> {
        if key_id.trim().is_empty() || team_id.trim().is_empty() {
            return Err(SetupError(
                "[push.apns] needs key_id and team_id (from Apple's developer account)".into(),
            ));
        }
        let key = EncodingKey::from_ec_pem(pem.as_bytes())
            .map_err(|e| SetupError(format!("not an APNs .p8 (P-256) key: {e}")))?;
        // A wrong curve is found at the first signature otherwise: sign once now.
        jsonwebtoken::encode(&Header::new(Algorithm::ES256), &json!({}), &key)
            .map_err(|e| SetupError(format!("not an APNs .p8 (P-256) key: {e}")))?;
        Ok(Self {
            key_id: key_id.trim().into(),
            team_id: team_id.trim().into(),
            key,
        })
    }
}

/// How APNs is reached.
#[derive(Debug, Clone)]
pub struct ApnsSettings {
    pub key: ApnsKey,
    /// The app's bundle id; `None`: taken from each push's `pn_param`.
    pub topic: Option<String>,
    pub production_url: String,
    pub sandbox_url: String,
    /// Extra trusted roots (PEM), for a test or a proxy with its own CA.
    pub ca_pem: Option<Vec<u8>>,
    /// The bound on one push.
    pub timeout: Duration,
}

impl ApnsSettings {
    pub fn new(key: ApnsKey, timeout: Duration) -> Self {
        Self {
            key,
            topic: None,
            production_url: APNS_PRODUCTION_URL.into(),
            sandbox_url: APNS_SANDBOX_URL.into(),
            ca_pem: None,
            timeout,
        }
    }
}

struct ProviderToken {
    value: String,
    renew_at: Instant,
}

#[derive(Serialize)]
struct ProviderClaims<'a> {
    iss: &'a str,
    iat: u64,
}

/// Pushes to iOS apps through APNs.
pub struct ApnsPusher {
    settings: ApnsSettings,
    production_url: String,
    sandbox_url: String,
    client: reqwest::Client,
    token: Mutex<Option<ProviderToken>>,
}

/// What one push sends, before the provider token: for tests and logs of shape.
#[derive(Debug, Clone, PartialEq)]
pub struct ApnsRequest {
    pub device_token: String,
    pub topic: String,
    pub push_type: &'static str,
    pub priority: u8,
    pub expiration: u64,
    pub body: Value,
}

impl ApnsPusher {
    /// # Errors
    /// A base URL that is not http(s), or a CA PEM without a certificate.
    pub fn new(settings: ApnsSettings) -> Result<Self, SetupError> {
        let production_url = base_url("[push.apns] base_url", &settings.production_url)?;
        let sandbox_url = base_url("[push.apns] sandbox_base_url", &settings.sandbox_url)?;
        let client = client(settings.timeout, true, settings.ca_pem.as_deref())?;
        Ok(Self {
            settings,
            production_url,
            sandbox_url,
            client,
            token: Mutex::new(None),
        })
    }

    pub fn team_id(&self) -> &str {
        &self.settings.key.team_id
    }

    /// The provider token in use, or a fresh one.
    fn provider_token(&self) -> Result<String, TransportError> {
        let mut cached = self.token.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(token) = cached.as_ref().filter(|t| Instant::now() < t.renew_at) {
            return Ok(token.value.clone());
        }
        let key = &self.settings.key;
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(key.key_id.clone());
        let claims = ProviderClaims {
            iss: &key.team_id,
            iat: unix_now(),
        };
        let value = jsonwebtoken::encode(&header, &claims, &key.key).map_err(|e| {
            TransportError::Refused(format!("cannot sign the APNs provider token: {e}"))
        })?;
        *cached = Some(ProviderToken {
            value: value.clone(),
            renew_at: Instant::now() + PROVIDER_TOKEN_LIFETIME,
        });
        Ok(value)
    }

    /// The request for one push, or a refusal when it cannot be addressed.
    ///
    /// # Errors
    /// `Refused` when `pn_prid` has no device token or no topic can be found.
    pub fn request(&self, push: &PushNotification) -> Result<ApnsRequest, TransportError> {
        let device_token = push
            .target
            .prid
            .as_str()
            .split(':')
            .next()
            .unwrap_or_default();
        if device_token.is_empty() {
            return Err(TransportError::Refused(
                "pn_prid holds no APNs device token".into(),
            ));
        }
        let bundle = match &self.settings.topic {
            Some(topic) => topic.clone(),
            None => bundle_id(push.target.param.as_str()).ok_or_else(|| {
                TransportError::Refused(
                    "pn_param is not TEAMID.bundle.id and [push.apns] has no topic".into(),
                )
            })?,
        };
        let now = unix_now();
        let (topic, push_type, priority, expiration) = match push.kind {
            // Apple requires priority 5 for a background push.
            PushKind::Background => (bundle, "background", 5, now + MESSAGE_EXPIRATION),
            PushKind::Message => (bundle, "alert", 10, now + MESSAGE_EXPIRATION),
            // A ringing that arrives late is worse than none: now or never.
            PushKind::Call => (format!("{bundle}.voip"), "voip", 10, 0),
        };
        Ok(ApnsRequest {
            device_token: device_token.to_owned(),
            topic,
            push_type,
            priority,
            expiration,
            body: body(push),
        })
    }

    async fn send(&self, push: &PushNotification) -> Result<(), TransportError> {
        let request = self.request(push)?;
        let base = if push.target.provider == PushProvider::ApnsDev {
            &self.sandbox_url
        } else {
            &self.production_url
        };
        let bearer = self.provider_token()?;
        let answer = self
            .client
            .post(format!("{base}/3/device/{}", request.device_token))
            .bearer_auth(bearer)
            .header("apns-topic", &request.topic)
            .header("apns-push-type", request.push_type)
            .header("apns-priority", request.priority.to_string())
            .header("apns-expiration", request.expiration.to_string())
            .json(&request.body)
            .send()
            .await
            .map_err(|e| exchange_error("APNs", e))?;
        let status = answer.status();
        if status.is_success() {
            return Ok(());
        }
        let body = answer.bytes().await.unwrap_or_default();
        let reason = serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|v| v["reason"].as_str().map(str::to_owned))
            .unwrap_or_else(|| String::from_utf8_lossy(&body).into_owned());
        if matches!(
            reason.as_str(),
            "ExpiredProviderToken" | "InvalidProviderToken"
        ) {
            // Signed again at the next push.
            self.token.lock().unwrap_or_else(|p| p.into_inner()).take();
        }
        let reason = redact(&reason, &[push.target.prid.as_str(), &request.device_token]);
        Err(status_error("APNs", status, &reason))
    }
}

/// `TEAMID.org.linphone.phone[.voip|.remote]` → `org.linphone.phone`.
pub fn bundle_id(pn_param: &str) -> Option<String> {
    let (_team, bundle) = pn_param.split_once('.')?;
    let bundle = bundle
        .strip_suffix(".voip")
        .or_else(|| bundle.strip_suffix(".remote"))
        .unwrap_or(bundle);
    (!bundle.is_empty()).then(|| bundle.to_owned())
}

/// The JSON body: `aps` as the kind needs, the payload's keys beside it, and the call id as
/// `call-id` (also inside `aps` for a VoIP push, where Linphone for iOS reads it).
fn body(push: &PushNotification) -> Value {
    let mut aps = Map::new();
    match push.kind {
        PushKind::Background => {
            aps.insert("content-available".into(), json!(1));
        }
        PushKind::Message => {
            // The app's notification service extension (mutable-content) fetches the message
            // and replaces this text; IC_MSG is the key Flexisip sends too.
            aps.insert("alert".into(), json!({ "loc-key": "IC_MSG" }));
            aps.insert("sound".into(), json!("default"));
            aps.insert("mutable-content".into(), json!(1));
        }
        PushKind::Call => {
            if let Some(call_id) = &push.call_id {
                aps.insert("call-id".into(), json!(call_id.as_str()));
            }
        }
    }
    let mut body = Map::new();
    for (key, value) in &push.payload {
        body.insert(key.clone(), Value::String(value.clone()));
    }
    if let Some(call_id) = &push.call_id {
        body.insert("call-id".into(), json!(call_id.as_str()));
    }
    body.insert("aps".into(), Value::Object(aps));
    Value::Object(body)
}

#[async_trait]
impl Pusher for ApnsPusher {
    fn can_push(&self, provider: PushProvider) -> bool {
        provider.is_apple()
    }

    async fn push(&self, push: &PushNotification) -> Result<(), TransportError> {
        if !push.target.provider.is_apple() {
            return Err(TransportError::NotConfigured);
        }
        tokio::time::timeout(self.settings.timeout, self.send(push))
            .await
            .map_err(|_| {
                TransportError::Unavailable(format!(
                    "APNs did not answer within {:?}",
                    self.settings.timeout
                ))
            })?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundle_id_is_pn_param_without_the_team_and_the_kind() {
        assert_eq!(
            bundle_id("ABCD1234.org.linphone.phone").as_deref(),
            Some("org.linphone.phone")
        );
        assert_eq!(
            bundle_id("ABCD1234.org.linphone.phone.voip").as_deref(),
            Some("org.linphone.phone")
        );
        assert_eq!(
            bundle_id("ABCD1234.org.linphone.phone.remote").as_deref(),
            Some("org.linphone.phone")
        );
        assert_eq!(bundle_id("123456789"), None);
        assert_eq!(bundle_id("ABCD."), None);
    }

    #[test]
    fn a_key_needs_its_ids_and_a_p256_key() {
        assert!(ApnsKey::from_p8("not a key", "KEY", "TEAM").is_err());
        assert!(
            ApnsKey::from_p8("", "", "TEAM")
                .unwrap_err()
                .0
                .contains("key_id")
        );
    }
}
