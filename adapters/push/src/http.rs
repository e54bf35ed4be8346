//! What the two direct adapters share: the setup error, the HTTP client, and how a provider's
//! answer or a failed exchange becomes a [`TransportError`] without leaking a device token.

use std::time::Duration;

use flexiapi_domain::error::TransportError;

/// A direct adapter that cannot be built: an unreadable or invalid key, a bad URL, a bad CA file.
/// Said at start, never at the first push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupError(pub String);

impl std::fmt::Display for SetupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SetupError {}

/// A base URL as configured, checked and without its trailing `/` (paths are appended to it).
///
/// # Errors
/// Anything but an `http://` or `https://` URL.
pub fn base_url(setting: &str, raw: &str) -> Result<String, SetupError> {
    let trimmed = raw.trim().trim_end_matches('/');
    let ok = ["https://", "http://"]
        .iter()
        .any(|scheme| trimmed.len() > scheme.len() && trimmed.starts_with(scheme));
    if ok {
        Ok(trimmed.to_owned())
    } else {
        Err(SetupError(format!(
            "{setting} must be an http:// or https:// URL, not {raw:?}"
        )))
    }
}

/// A client with a bounded connect and total time. `http2_only`: APNs speaks nothing else (ALPN
/// `h2` over TLS, prior knowledge over `http://`).
pub fn client(
    timeout: Duration,
    http2_only: bool,
    extra_roots_pem: Option<&[u8]>,
) -> Result<reqwest::Client, SetupError> {
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .connect_timeout(timeout)
        .timeout(timeout)
        // A provider never redirects; following one could send the bearer token elsewhere.
        .redirect(reqwest::redirect::Policy::none());
    if http2_only {
        builder = builder.http2_prior_knowledge();
    }
    if let Some(pem) = extra_roots_pem {
        let certificates = reqwest::Certificate::from_pem_bundle(pem)
            .map_err(|e| SetupError(format!("ca_file holds no PEM certificate: {e}")))?;
        if certificates.is_empty() {
            return Err(SetupError("ca_file holds no PEM certificate".into()));
        }
        for certificate in certificates {
            builder = builder.add_root_certificate(certificate);
        }
    }
    builder
        .build()
        .map_err(|e| SetupError(format!("cannot build the HTTP client: {e}")))
}

/// A request that got no answer: a refused connection, a TLS failure, the timeout. The URL is
/// dropped from the error (an APNs URL holds the device token).
pub fn exchange_error(provider: &str, error: reqwest::Error) -> TransportError {
    let error = error.without_url();
    let mut text = if error.is_timeout() {
        format!("{provider} did not answer in time")
    } else {
        format!("{provider}: {error}")
    };
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    TransportError::Unavailable(text)
}

/// An answer that is not a success: a 4xx is a refusal (the same push will not pass), except 429
/// (too many requests: a later one may); a 5xx is the provider being unavailable.
pub fn status_error(provider: &str, status: reqwest::StatusCode, reason: &str) -> TransportError {
    let text = format!("{provider} answered {}: {reason}", status.as_u16());
    if status.is_client_error() && status != reqwest::StatusCode::TOO_MANY_REQUESTS {
        TransportError::Refused(text)
    } else {
        TransportError::Unavailable(text)
    }
}

/// At most 200 characters of a provider's reason, with every `secret` (the device token) cut out.
pub fn redact(reason: &str, secrets: &[&str]) -> String {
    let mut text: String = reason.chars().take(200).collect();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        text = text.replace(secret, "[token]");
    }
    text
}

/// Seconds since the Unix epoch, for JWT `iat` and `apns-expiration`.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_keep_their_scheme_and_lose_the_trailing_slash() {
        assert_eq!(
            base_url("x", "https://api.push.apple.com/").unwrap(),
            "https://api.push.apple.com"
        );
        assert_eq!(
            base_url("x", "http://127.0.0.1:1/sandbox").unwrap(),
            "http://127.0.0.1:1/sandbox"
        );
        assert!(base_url("x", "ftp://host").is_err());
        assert!(base_url("x", "https://").is_err());
    }

    #[test]
    fn four_hundreds_are_refusals_but_429_and_500s_are_unavailability() {
        let refused = status_error("APNs", reqwest::StatusCode::BAD_REQUEST, "BadDeviceToken");
        assert_eq!(
            refused,
            TransportError::Refused("APNs answered 400: BadDeviceToken".into())
        );
        assert!(matches!(
            status_error("FCM", reqwest::StatusCode::TOO_MANY_REQUESTS, ""),
            TransportError::Unavailable(_)
        ));
        assert!(matches!(
            status_error("FCM", reqwest::StatusCode::SERVICE_UNAVAILABLE, ""),
            TransportError::Unavailable(_)
        ));
    }

    #[test]
    fn a_reason_never_repeats_the_token() {
        assert_eq!(
            redact("token abc123 is not registered", &["abc123", ""]),
            "token [token] is not registered"
        );
        assert_eq!(redact(&"x".repeat(500), &[]).len(), 200);
    }
}
