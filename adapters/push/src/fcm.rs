//! Firebase Cloud Messaging, HTTP v1, with a Google service account.
//!
//! The service account's RSA key signs a JWT (RS256) that the token endpoint exchanges for an
//! OAuth2 access token (the JWT-bearer grant). The token is cached and shared by every push until
//! shortly before it expires; one refresh runs at a time (the others wait for its result). A
//! message goes to `POST {base}/v1/projects/{project_id}/messages:send`.
//!
//! `pn_param` (the Linphone app's Firebase sender id, a project *number*) is not checked against
//! the service account: the account's JSON carries the project *id*, not its number, so there is
//! nothing reliable to compare. A token of another project is refused by FCM itself (403
//! `SENDER_ID_MISMATCH`), which is a `Refused` here.

use std::time::{Duration, Instant};

use async_trait::async_trait;
use flexiapi_domain::error::TransportError;
use flexiapi_domain::model::{PushNotification, PushProvider};
use flexiapi_domain::ports::Pusher;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use tokio::sync::Mutex;

use crate::http::{SetupError, base_url, client, exchange_error, redact, status_error, unix_now};

/// Google's production endpoint.
pub const FCM_BASE_URL: &str = "https://fcm.googleapis.com";
/// The OAuth2 scope that allows sending messages.
pub const FCM_SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";
/// The grant type of a signed-JWT assertion (RFC 7523).
pub const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// The parts of a service-account key file (`…-firebase-adminsdk-….json`) that are used.
#[derive(Clone)]
pub struct ServiceAccount {
    pub client_email: String,
    pub project_id: String,
    pub token_uri: String,
    key: EncodingKey,
}

// The private key never appears in a `{:?}`.
impl std::fmt::Debug for ServiceAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceAccount")
            .field("client_email", &self.client_email)
            .field("project_id", &self.project_id)
            .field("token_uri", &self.token_uri)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct ServiceAccountFile {
    #[serde(rename = "type")]
    kind: Option<String>,
    client_email: String,
    private_key: String,
    project_id: String,
    token_uri: Option<String>,
}

impl ServiceAccount {
    /// Reads a service account's JSON key file.
    ///
    /// # Errors
    /// Not JSON, a missing field, another `type` than `service_account`, or a private key that
    /// is not an RSA PEM key.
    pub fn from_json(text: &str) -> Result<Self, SetupError> {
        let file: ServiceAccountFile = serde_json::from_str(text)
            .map_err(|e| SetupError(format!("not a service account key file: {e}")))?;
        if let Some(kind) = file.kind.as_deref().filter(|k| *k != "service_account") {
            return Err(SetupError(format!(
                "the key file's type is {kind:?}, not \"service_account\""
            )));
        }
        if file.client_email.is_empty() || file.project_id.is_empty() {
            return Err(SetupError(
                "the key file has an empty client_email or project_id".into(),
            ));
        }
        let key = EncodingKey::from_rsa_pem(file.private_key.as_bytes()).map_err(|e| {
            SetupError(format!("the key file's private_key is not an RSA key: {e}"))
        })?;
        let token_uri = base_url(
            "the key file's token_uri",
            file.token_uri
                .as_deref()
                .unwrap_or("https://oauth2.googleapis.com/token"),
        )?;
        Ok(Self {
            client_email: file.client_email,
            project_id: file.project_id,
            token_uri,
            key,
        })
    }
}

/// How FCM is reached.
#[derive(Debug, Clone)]
pub struct FcmSettings {
    pub account: ServiceAccount,
    /// [`FCM_BASE_URL`] unless a test points it elsewhere.
    pub base_url: String,
    /// The token endpoint, when not the key file's `token_uri`.
    pub token_url: Option<String>,
    /// The bound on one push: the token exchange (when one is due) and the send together.
    pub timeout: Duration,
}

impl FcmSettings {
    pub fn new(account: ServiceAccount, timeout: Duration) -> Self {
        Self {
            account,
            base_url: FCM_BASE_URL.into(),
            token_url: None,
            timeout,
        }
    }
}

/// An access token and when to stop using it.
struct AccessToken {
    value: String,
    renew_at: Instant,
}

#[derive(Serialize)]
struct Assertion<'a> {
    iss: &'a str,
    scope: &'a str,
    aud: &'a str,
    iat: u64,
    exp: u64,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    expires_in: u64,
}

/// Pushes to Android apps through FCM HTTP v1.
pub struct FcmPusher {
    settings: FcmSettings,
    base_url: String,
    token_url: String,
    client: reqwest::Client,
    /// Held across a refresh, so concurrent pushes wait for one exchange instead of each doing
    /// their own.
    token: Mutex<Option<AccessToken>>,
}

impl FcmPusher {
    /// # Errors
    /// A base or token URL that is not http(s), or an HTTP client that cannot be built.
    pub fn new(settings: FcmSettings) -> Result<Self, SetupError> {
        let base_url = base_url("[push.fcm] base_url", &settings.base_url)?;
        let token_url = base_url_or_account(&settings)?;
        let client = client(settings.timeout, false, None)?;
        Ok(Self {
            settings,
            base_url,
            token_url,
            client,
            token: Mutex::new(None),
        })
    }

    pub fn project_id(&self) -> &str {
        &self.settings.account.project_id
    }

    /// The cached access token, or a fresh one.
    async fn access_token(&self) -> Result<String, TransportError> {
        let mut cached = self.token.lock().await;
        if let Some(token) = cached.as_ref().filter(|t| Instant::now() < t.renew_at) {
            return Ok(token.value.clone());
        }
        let fresh = self.fetch_token().await?;
        let value = fresh.value.clone();
        *cached = Some(fresh);
        Ok(value)
    }

    async fn fetch_token(&self) -> Result<AccessToken, TransportError> {
        let account = &self.settings.account;
        let iat = unix_now();
        let claims = Assertion {
            iss: &account.client_email,
            scope: FCM_SCOPE,
            aud: &self.token_url,
            iat,
            exp: iat + 3600,
        };
        let assertion = jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &account.key)
            .map_err(|e| TransportError::Refused(format!("cannot sign the FCM assertion: {e}")))?;
        let asked = Instant::now();
        let answer = self
            .client
            .post(&self.token_url)
            .form(&[("grant_type", JWT_BEARER_GRANT), ("assertion", &assertion)])
            .send()
            .await
            .map_err(|e| exchange_error("the FCM token endpoint", e))?;
        let status = answer.status();
        let body = answer
            .bytes()
            .await
            .map_err(|e| exchange_error("the FCM token endpoint", e))?;
        if !status.is_success() {
            return Err(status_error(
                "the FCM token endpoint",
                status,
                &oauth_reason(&body),
            ));
        }
        let token: TokenAnswer = serde_json::from_slice(&body).map_err(|e| {
            TransportError::Unavailable(format!("the FCM token endpoint answered no token: {e}"))
        })?;
        // Capped: an absurd `expires_in` must not overflow the clock (Google says 3599).
        let lifetime = Duration::from_secs(token.expires_in.min(86_400));
        // Renewed a minute early (or halfway through a short lifetime), so a token never
        // expires between the check and Google's.
        let margin = Duration::from_secs(60).min(lifetime / 2);
        Ok(AccessToken {
            value: token.access_token,
            renew_at: asked + lifetime - margin,
        })
    }

    async fn send(&self, push: &PushNotification) -> Result<(), TransportError> {
        let access_token = self.access_token().await?;
        let url = format!(
            "{}/v1/projects/{}/messages:send",
            self.base_url, self.settings.account.project_id
        );
        let answer = self
            .client
            .post(url)
            .bearer_auth(&access_token)
            .json(&message(push))
            .send()
            .await
            .map_err(|e| exchange_error("FCM", e))?;
        let status = answer.status();
        if status.is_success() {
            return Ok(());
        }
        if status == reqwest::StatusCode::UNAUTHORIZED {
            // The token was revoked or expired early: the next push fetches another.
            self.token.lock().await.take();
        }
        let body = answer.bytes().await.unwrap_or_default();
        let reason = redact(&fcm_reason(&body), &[push.target.prid.as_str()]);
        Err(status_error("FCM", status, &reason))
    }
}

fn base_url_or_account(settings: &FcmSettings) -> Result<String, SetupError> {
    match &settings.token_url {
        Some(url) => base_url("[push.fcm] token_url", url),
        None => Ok(settings.account.token_uri.clone()),
    }
}

/// The message for one push: the payload as `data` (FCM data values are strings), with
/// `call_id` and `type` (the push kind) after it, at high priority so the app wakes up.
pub fn message(push: &PushNotification) -> Value {
    let mut data: Map<String, Value> = push
        .payload
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    if let Some(call_id) = &push.call_id {
        data.insert("call_id".into(), Value::String(call_id.as_str().into()));
    }
    data.insert("type".into(), Value::String(push.kind.as_str().into()));
    json!({
        "message": {
            "token": push.target.prid.as_str(),
            "data": data,
            "android": { "priority": "high" },
        }
    })
}

/// Google's OAuth2 error (`{"error": "invalid_grant", "error_description": "…"}`).
fn oauth_reason(body: &[u8]) -> String {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return String::from_utf8_lossy(body).chars().take(200).collect();
    };
    let field = |name: &str| value.get(name).and_then(Value::as_str).unwrap_or_default();
    redact(
        format!("{} {}", field("error"), field("error_description")).trim(),
        &[],
    )
}

/// FCM's error: its `errorCode` detail (`UNREGISTERED`, `SENDER_ID_MISMATCH`…) when there is one,
/// else the status, then the message.
fn fcm_reason(body: &[u8]) -> String {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return String::from_utf8_lossy(body).into_owned();
    };
    let error = &value["error"];
    let code = error["details"]
        .as_array()
        .into_iter()
        .flatten()
        .find_map(|d| d["errorCode"].as_str())
        .or_else(|| error["status"].as_str())
        .unwrap_or_default();
    let text = error["message"].as_str().unwrap_or_default();
    format!("{code} {text}").trim().to_owned()
}

#[async_trait]
impl Pusher for FcmPusher {
    fn can_push(&self, provider: PushProvider) -> bool {
        provider == PushProvider::Fcm
    }

    async fn push(&self, push: &PushNotification) -> Result<(), TransportError> {
        if push.target.provider != PushProvider::Fcm {
            return Err(TransportError::NotConfigured);
        }
        tokio::time::timeout(self.settings.timeout, self.send(push))
            .await
            .map_err(|_| {
                TransportError::Unavailable(format!(
                    "FCM did not answer within {:?}",
                    self.settings.timeout
                ))
            })?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fcm_reasons_prefer_the_error_code_detail() {
        let body = br#"{"error":{"code":404,"message":"Requested entity was not found.","status":"NOT_FOUND","details":[{"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":"UNREGISTERED"}]}}"#;
        assert_eq!(
            fcm_reason(body),
            "UNREGISTERED Requested entity was not found."
        );
        assert_eq!(
            fcm_reason(br#"{"error":{"status":"INVALID_ARGUMENT","message":"bad"}}"#),
            "INVALID_ARGUMENT bad"
        );
        assert_eq!(fcm_reason(b"Bad Gateway"), "Bad Gateway");
        assert_eq!(
            oauth_reason(br#"{"error":"invalid_grant","error_description":"Invalid JWT"}"#),
            "invalid_grant Invalid JWT"
        );
    }

    #[test]
    fn a_key_file_that_is_not_a_service_account_is_refused() {
        assert!(ServiceAccount::from_json("{}").is_err());
        let wrong_type =
            r#"{"type":"authorized_user","client_email":"a@b","private_key":"x","project_id":"p"}"#;
        assert!(
            ServiceAccount::from_json(wrong_type)
                .unwrap_err()
                .0
                .contains("authorized_user")
        );
        let bad_key = r#"{"client_email":"a@b","private_key":"not a key","project_id":"p"}"#;
        assert!(
            ServiceAccount::from_json(bad_key)
                .unwrap_err()
                .0
                .contains("private_key")
        );
    }
}
