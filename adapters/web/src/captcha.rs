//! hCaptcha, when configured: the widget on the forms strangers post without any other proof
//! (sign-up, recovery by e-mail), checked server-side with the secret, the widget's answer and
//! the client's address.

use serde::Deserialize;

/// `[captcha]` of the configuration.
#[derive(Debug, Clone)]
pub struct CaptchaSettings {
    pub secret: String,
    pub sitekey: String,
    /// hCaptcha's `siteverify` (tests point it at a local server).
    pub verify_url: String,
}

/// hCaptcha's verification endpoint.
pub const HCAPTCHA_VERIFY_URL: &str = "https://api.hcaptcha.com/siteverify";

/// The form field the widget fills.
pub(crate) const RESPONSE_FIELD: &str = "h-captcha-response";

/// Why a captcha was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CaptchaFailure {
    /// Missing or refused by hCaptcha.
    Refused,
    /// hCaptcha could not be asked.
    Unavailable,
}

#[derive(Deserialize)]
struct Verdict {
    success: bool,
}

/// Asks hCaptcha whether `response` (the widget's answer) is a human's, from `ip`.
pub(crate) async fn verify(
    http: &reqwest::Client,
    settings: &CaptchaSettings,
    response: Option<&str>,
    ip: &str,
) -> Result<(), CaptchaFailure> {
    let Some(response) = response.filter(|r| !r.is_empty()) else {
        return Err(CaptchaFailure::Refused);
    };
    let answer = http
        .post(&settings.verify_url)
        .form(&[
            ("secret", settings.secret.as_str()),
            ("response", response),
            ("remoteip", ip),
            ("sitekey", settings.sitekey.as_str()),
        ])
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| {
            tracing::warn!(error = %e, "hCaptcha unreachable");
            CaptchaFailure::Unavailable
        })?;
    let verdict: Verdict = answer.json().await.map_err(|e| {
        tracing::warn!(error = %e, "hCaptcha answered something else than its JSON");
        CaptchaFailure::Unavailable
    })?;
    if verdict.success {
        Ok(())
    } else {
        Err(CaptchaFailure::Refused)
    }
}
