//! The public web pages, server-rendered on each space's host (when the space has
//! `web_panel`), usable without JavaScript, localized from `Accept-Language`:
//!
//! - `/register/email`, `/register/phone` (`public_registration`, and `phone_registration` for
//!   the phone page): a sign-up, a code sent to the address, then the activated account and its
//!   provisioning QR code;
//! - `/recovery/email`, `/recovery/phone/{account_recovery_token}`: a code sent to the
//!   account's address (the same answer for an unknown one), then a new password;
//! - `/reset_password/{token}`: the page the reset e-mail links to;
//! - `/creation_token/check/{token}`: where a person validates an app's creation request token;
//! - `/wizard/{token}`, `/wizard`: open a Linphone app on a `sip-linphone:` link.
//!
//! Every form is CSRF-protected (see `signing`); the sign-up, e-mail recovery and creation
//! request token forms carry an hCaptcha when `[captcha]` is configured.
//!
//! # Layout
//! - `pages`: what every handler starts with and how it answers;
//! - `register`, `recovery`, `reset`, `creation_token`, `wizard`: the handlers of each flow;
//! - `render`: the templates (`templates/*.html`) and their texts (`locales/<lang>/web.ftl`);
//! - `signing`: CSRF tokens and the sealed hidden fields that carry a flow between pages;
//! - `captcha`: hCaptcha's verification.

// A page that cannot be shown answers another page at once: `Result<_, Response>` is built once
// per request, so boxing the answer would only add an allocation.
#![allow(clippy::result_large_err)]

mod captcha;
mod creation_token;
mod pages;
mod recovery;
mod register;
mod render;
mod reset;
mod signing;
mod wizard;

use std::sync::Arc;
use std::time::Duration;

use poem::{EndpointExt, Route};

pub use captcha::{CaptchaSettings, HCAPTCHA_VERIFY_URL};

/// What the pages need beyond the API's state.
pub(crate) struct Web {
    signer: signing::Signer,
    captcha: Option<CaptchaSettings>,
    /// hCaptcha's client.
    http: reqwest::Client,
}

/// Adds the pages' routes to `routes`. `secret` signs the forms (the same in every process
/// sharing the database: `Services::web_secret`).
///
/// # Errors
/// The HTTP client for hCaptcha cannot be built (no TLS backend).
pub fn pages(
    secret: &str,
    captcha: Option<CaptchaSettings>,
) -> Result<impl FnOnce(Route) -> Route + Send + use<>, String> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| format!("cannot build the captcha client: {e}"))?;
    let web: pages::Shared = Arc::new(Web {
        signer: signing::Signer::new(secret),
        captcha,
        http,
    });
    Ok(move |routes: Route| {
        routes
            .at("/register", poem::get(register::register).data(web.clone()))
            .at(
                "/register/email",
                poem::get(register::email_form)
                    .post(register::email_submit)
                    .data(web.clone()),
            )
            .at(
                "/register/phone",
                poem::get(register::phone_form)
                    .post(register::phone_submit)
                    .data(web.clone()),
            )
            .at(
                "/register/confirm",
                poem::post(register::confirm).data(web.clone()),
            )
            .at(
                "/recovery/email",
                poem::get(recovery::email_form).data(web.clone()),
            )
            .at(
                "/recovery/phone/:account_recovery_token",
                poem::get(recovery::phone_form).data(web.clone()),
            )
            .at("/recovery", poem::post(recovery::send).data(web.clone()))
            .at(
                "/recovery/confirm",
                poem::post(recovery::confirm).data(web.clone()),
            )
            .at(
                "/recovery/password",
                poem::post(recovery::set_password).data(web.clone()),
            )
            .at(
                "/reset_password/:token",
                poem::get(reset::show).data(web.clone()),
            )
            .at(
                "/reset_password",
                poem::post(reset::submit).data(web.clone()),
            )
            .at(
                "/creation_token/check/:token",
                poem::get(creation_token::check).data(web.clone()),
            )
            .at(
                "/creation_token/validate",
                poem::post(creation_token::validate).data(web.clone()),
            )
            .at("/wizard", poem::get(wizard::by_query).data(web.clone()))
            .at("/wizard/:token", poem::get(wizard::by_token).data(web))
    })
}
