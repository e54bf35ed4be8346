//! SMS through OVH's API (`POST /sms/{serviceName}/jobs`), with OVH's signed requests.
//!
//! The signature's timestamp is this machine's clock: OVH accepts requests whose time is close
//! to its own, which a server kept on time by NTP is; asking `/auth/time` first would cost a
//! round trip per process for no gain there.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::transport::{OutgoingSms, SmsSender};
use async_trait::async_trait;
use flexiapi_domain::error::TransportError;
use reqwest::Method;
use serde_json::{Value, json};
use sha1::{Digest, Sha1};
use tokio::sync::OnceCell;

use crate::{ConfigError, error_chain};

/// OVH's European API, the default endpoint.
pub const OVH_EU_ENDPOINT: &str = "https://eu.api.ovh.com/1.0";

/// The `[sms.ovh]` settings.
#[derive(Clone, PartialEq, Eq)]
pub struct OvhSettings {
    /// The API's base URL, without a trailing slash (default [`OVH_EU_ENDPOINT`]).
    pub endpoint: String,
    pub application_key: String,
    pub application_secret: String,
    pub consumer_key: String,
    /// The SMS service (`sms-ab12345-1`); `None`: the account's first one, as the original does.
    pub service_name: Option<String>,
    /// The sender shown on the phone (declared at OVH); `None`: OVH's short number, which lets
    /// the person answer.
    pub sender: Option<String>,
}

impl fmt::Debug for OvhSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OvhSettings")
            .field("endpoint", &self.endpoint)
            .field("application_key", &self.application_key)
            .field("application_secret", &"<redacted>")
            .field("consumer_key", &"<redacted>")
            .field("service_name", &self.service_name)
            .field("sender", &self.sender)
            .finish()
    }
}

/// `X-Ovh-Signature`: `$1$` and the hex SHA-1 of the secret, the consumer key, the method, the
/// full URL, the body and the timestamp, joined by `+`.
pub fn ovh_signature(
    application_secret: &str,
    consumer_key: &str,
    method: &str,
    url: &str,
    body: &str,
    timestamp: u64,
) -> String {
    let signed = format!("{application_secret}+{consumer_key}+{method}+{url}+{body}+{timestamp}");
    format!("$1${}", hex::encode(Sha1::digest(signed.as_bytes())))
}

/// Sends each SMS as one OVH job.
pub struct OvhSmsSender {
    client: reqwest::Client,
    settings: OvhSettings,
    /// `service_name`, or the one the account lists first, found on the first send.
    service: OnceCell<String>,
}

impl fmt::Debug for OvhSmsSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OvhSmsSender")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl OvhSmsSender {
    /// # Errors
    /// A missing key or secret, or an endpoint that is not an http(s) URL.
    pub fn new(mut settings: OvhSettings) -> Result<Self, ConfigError> {
        settings.endpoint = settings.endpoint.trim().trim_end_matches('/').to_owned();
        let endpoint = url::Url::parse(&settings.endpoint)
            .map_err(|e| ConfigError::Ovh(format!("endpoint: {e}")))?;
        if !matches!(endpoint.scheme(), "http" | "https") {
            return Err(ConfigError::Ovh("endpoint: not an http(s) URL".into()));
        }
        for (name, value) in [
            ("application_key", &settings.application_key),
            ("application_secret", &settings.application_secret),
            ("consumer_key", &settings.consumer_key),
        ] {
            if value.trim().is_empty() {
                return Err(ConfigError::Ovh(format!("{name} is missing")));
            }
        }
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| ConfigError::Ovh(error_chain(&e)))?;
        let service = OnceCell::new_with(
            settings
                .service_name
                .clone()
                .filter(|s| !s.trim().is_empty()),
        );
        Ok(Self {
            client,
            settings,
            service,
        })
    }

    pub fn endpoint(&self) -> &str {
        &self.settings.endpoint
    }

    /// One signed call; the answer's JSON on success.
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, TransportError> {
        let url = format!("{}{path}", self.settings.endpoint);
        let body = body.map(Value::to_string).unwrap_or_default();
        let timestamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let signature = ovh_signature(
            &self.settings.application_secret,
            &self.settings.consumer_key,
            method.as_str(),
            &url,
            &body,
            timestamp,
        );
        let mut request = self
            .client
            .request(method, &url)
            .header("X-Ovh-Application", &self.settings.application_key)
            .header("X-Ovh-Consumer", &self.settings.consumer_key)
            .header("X-Ovh-Timestamp", timestamp.to_string())
            .header("X-Ovh-Signature", signature);
        if !body.is_empty() {
            request = request
                .header("Content-Type", "application/json; charset=utf-8")
                .body(body);
        }
        let response = request
            .send()
            .await
            .map_err(|e| TransportError::Unavailable(error_chain(&e)))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|e| TransportError::Unavailable(error_chain(&e)))?;
        let json = serde_json::from_str::<Value>(&text).unwrap_or(Value::Null);
        if status.is_success() {
            return Ok(json);
        }
        // OVH answers errors as {"message": "...", "errorCode": "...", "httpCode": "..."}.
        let message = json
            .get("message")
            .and_then(Value::as_str)
            .map_or_else(|| text.trim().chars().take(200).collect(), str::to_owned);
        let answer = format!("OVH answered {status}: {message}");
        if status.is_client_error() && status != reqwest::StatusCode::TOO_MANY_REQUESTS {
            Err(TransportError::Refused(answer))
        } else {
            Err(TransportError::Unavailable(answer))
        }
    }

    async fn service(&self) -> Result<&str, TransportError> {
        self.service
            .get_or_try_init(|| async {
                let services = self.call(Method::GET, "/sms", None).await?;
                services
                    .as_array()
                    .and_then(|list| list.first())
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .ok_or_else(|| {
                        TransportError::Refused("the OVH account has no SMS service".into())
                    })
            })
            .await
            .map(String::as_str)
    }

    async fn send_job(&self, sms: &OutgoingSms) -> Result<(), TransportError> {
        let service = self.service().await?;
        // The original's job, field for field; without a sender OVH uses its short number.
        let mut job = json!({
            "charset": "UTF-8",
            "class": "phoneDisplay",
            "coding": "7bit",
            "message": sms.text,
            "noStopClause": true,
            "priority": "high",
            "receivers": [sms.to],
            "senderForResponse": self.settings.sender.is_none(),
            "validityPeriod": 2880,
        });
        if let Some(sender) = &self.settings.sender {
            job["sender"] = json!(sender);
        }
        let path = format!("/sms/{}/jobs", percent_encode_segment(service));
        let answer = self.call(Method::POST, &path, Some(&job)).await?;
        let invalid = answer
            .get("invalidReceivers")
            .and_then(Value::as_array)
            .is_some_and(|list| !list.is_empty());
        if invalid {
            return Err(TransportError::Refused(format!(
                "OVH refused the receiver {}",
                sms.to
            )));
        }
        Ok(())
    }
}

/// A path segment: everything but unreserved characters escaped.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

fn percent_encode_segment(segment: &str) -> String {
    percent_encoding::utf8_percent_encode(segment, SEGMENT).to_string()
}

#[async_trait]
impl SmsSender for OvhSmsSender {
    async fn send(&self, sms: &OutgoingSms) -> Result<(), TransportError> {
        let result = self.send_job(sms).await;
        match &result {
            // Never the text: it holds the code.
            Ok(()) => tracing::debug!(endpoint = %self.settings.endpoint, to = %sms.to, "SMS sent"),
            Err(e) => {
                tracing::warn!(endpoint = %self.settings.endpoint, to = %sms.to, error = %e, "SMS not sent");
            }
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_ovhs() {
        // sha1("AS+CK+GET+https://eu.api.ovh.com/1.0/sms++1366560945")
        let expected = format!(
            "$1${}",
            hex::encode(Sha1::digest(
                b"AS+CK+GET+https://eu.api.ovh.com/1.0/sms++1366560945"
            ))
        );
        assert_eq!(
            ovh_signature(
                "AS",
                "CK",
                "GET",
                "https://eu.api.ovh.com/1.0/sms",
                "",
                1_366_560_945
            ),
            expected
        );
        assert!(expected.starts_with("$1$") && expected.len() == 3 + 40);
    }

    #[test]
    fn settings_are_checked_and_secrets_hidden() {
        let settings = OvhSettings {
            endpoint: format!("{OVH_EU_ENDPOINT}/"),
            application_key: "ak".into(),
            application_secret: "s3cr3t".into(),
            consumer_key: "ck-secret".into(),
            service_name: None,
            sender: None,
        };
        let sender = OvhSmsSender::new(settings.clone()).unwrap();
        assert_eq!(sender.endpoint(), OVH_EU_ENDPOINT);
        let debug = format!("{sender:?}");
        assert!(
            !debug.contains("s3cr3t") && !debug.contains("ck-secret"),
            "{debug}"
        );
        let missing = OvhSettings {
            consumer_key: " ".into(),
            ..settings.clone()
        };
        assert!(OvhSmsSender::new(missing).is_err());
        let ftp = OvhSettings {
            endpoint: "ftp://example.org".into(),
            ..settings
        };
        assert!(OvhSmsSender::new(ftp).is_err());
    }

    #[test]
    fn service_names_are_one_path_segment() {
        assert_eq!(percent_encode_segment("sms-ab12345-1"), "sms-ab12345-1");
        assert_eq!(percent_encode_segment("a/b"), "a%2Fb");
    }
}
