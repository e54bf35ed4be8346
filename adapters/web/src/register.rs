//! `/register/email`, `/register/phone`, `/register/confirm`: a sign-up, its code, the account.

use base64::Engine;
use flexiapi_adapters_http::api::provisioning::qr_png;
use flexiapi_domain::model::RegistrationCodeId;
use flexiapi_domain::service::ServiceError;
use flexiapi_domain::service::recovery::{Channel, CodeVerdict};
use flexiapi_domain::service::sign_up::SignUp;
use minijinja::context;
use poem::http::StatusCode;
use poem::web::{Data, Form};
use poem::{Request, Response};

use crate::pages::{Fields, Page, Shared, field, open_flow, seal_flow};

const FLOW: &str = "sign-up";

fn channel_name(channel: Channel) -> &'static str {
    match channel {
        Channel::Email => "email",
        Channel::Phone => "phone",
    }
}

/// `/register`: the e-mail page, as the original.
#[poem::handler]
pub(crate) async fn register(req: &Request, web: Data<&Shared>) -> Response {
    let page = match Page::open(req, web.0) {
        Ok(page) => page,
        Err(answer) => return answer,
    };
    if let Err(e) = page
        .services()
        .ensure_sign_up_open(page.space, Channel::Email)
    {
        return page.error(e);
    }
    Response::builder()
        .status(StatusCode::FOUND)
        .header("location", "/register/email")
        .finish()
}

#[poem::handler]
pub(crate) async fn email_form(req: &Request, web: Data<&Shared>) -> Response {
    form(req, web.0, Channel::Email).await
}

#[poem::handler]
pub(crate) async fn phone_form(req: &Request, web: Data<&Shared>) -> Response {
    form(req, web.0, Channel::Phone).await
}

#[poem::handler]
pub(crate) async fn email_submit(
    req: &Request,
    web: Data<&Shared>,
    Form(fields): Form<Fields>,
) -> Response {
    submit(req, web.0, Channel::Email, fields).await
}

#[poem::handler]
pub(crate) async fn phone_submit(
    req: &Request,
    web: Data<&Shared>,
    Form(fields): Form<Fields>,
) -> Response {
    submit(req, web.0, Channel::Phone, fields).await
}

async fn form(req: &Request, web: &Shared, channel: Channel) -> Response {
    let page = match Page::open(req, web) {
        Ok(page) => page,
        Err(answer) => return answer,
    };
    if let Err(e) = page.services().ensure_sign_up_open(page.space, channel) {
        return page.error(e);
    }
    show_form(&page, channel, StatusCode::OK, &Fields::new(), context! {})
}

fn show_form(
    page: &Page<'_>,
    channel: Channel,
    status: StatusCode,
    values: &Fields,
    errors: minijinja::Value,
) -> Response {
    page.render(
        status,
        "register.html",
        "web-register-title",
        context! {
            channel => channel_name(channel),
            phone_registration => page.space.settings.phone_registration,
            captcha_sitekey => page.captcha_sitekey(),
            values => context! {
                username => values.get("username").map_or("", String::as_str),
                email => values.get("email").map_or("", String::as_str),
                phone => values.get("phone").map_or("", String::as_str),
            },
            errors,
        },
    )
}

async fn submit(req: &Request, web: &Shared, channel: Channel, form: Fields) -> Response {
    let page = match Page::open(req, web) {
        Ok(page) => page,
        Err(answer) => return answer,
    };
    if let Err(e) = page.services().ensure_sign_up_open(page.space, channel) {
        return page.error(e);
    }
    if !page.csrf_ok(&form) {
        return page.csrf_refused();
    }
    let password = form.get("password").cloned().unwrap_or_default();
    if form.get("password_confirmation") != Some(&password) {
        let errors = context! { password_confirmation => page.text("web-password-mismatch") };
        return show_form(
            &page,
            channel,
            StatusCode::UNPROCESSABLE_ENTITY,
            &form,
            errors,
        );
    }
    if let Err(id) = page.captcha_ok(&form).await {
        let errors = context! { captcha => page.text(id) };
        return show_form(
            &page,
            channel,
            StatusCode::UNPROCESSABLE_ENTITY,
            &form,
            errors,
        );
    }
    let address = field(&form, channel.field());
    let language = page.language();
    let sign_up = SignUp {
        channel,
        username: field(&form, "username"),
        password: Some(password),
        address: address.clone(),
        language: &language,
        origin: page.origin(),
    };
    match page.services().request_sign_up(page.space, sign_up).await {
        Ok(id) => {
            let address = address.unwrap_or_default();
            let flow = seal_flow(
                &page,
                FLOW,
                &[&id.0.to_string(), channel_name(channel), &address],
            );
            code_page(&page, StatusCode::OK, &flow, &address, channel, None)
        }
        Err(ServiceError::Validation(errors)) => {
            let errors = minijinja::Value::from_serialize(page.field_errors(&errors));
            show_form(
                &page,
                channel,
                StatusCode::UNPROCESSABLE_ENTITY,
                &form,
                errors,
            )
        }
        Err(e) => page.error(e),
    }
}

/// The page that asks for the code sent to `address`.
fn code_page(
    page: &Page<'_>,
    status: StatusCode,
    flow: &str,
    address: &str,
    channel: Channel,
    error_id: Option<&str>,
) -> Response {
    page.render(
        status,
        "code.html",
        "web-code-title",
        context! {
            intro_id => "web-code-sent-to",
            address,
            minutes => page.services().settings.recovery_code_ttl.map(|d| d.num_minutes()),
            action => "/register/confirm",
            flow,
            restart => format!("/register/{}", channel_name(channel)),
            form_error => error_id.map(|id| page.text(id)),
        },
    )
}

/// `POST /register/confirm`: the code of a pending sign-up.
#[poem::handler]
pub(crate) async fn confirm(
    req: &Request,
    web: Data<&Shared>,
    Form(form): Form<Fields>,
) -> Response {
    let page = match Page::open_form(req, web.0, &form) {
        Ok(page) => page,
        Err(answer) => return answer,
    };
    let restart = |channel: &str| format!("/register/{channel}");
    let Some(parts) = open_flow(&page, FLOW, &form) else {
        return page.message(
            StatusCode::GONE,
            "web-code-title",
            "web-code-expired",
            Some((&restart("email"), "web-start-again")),
        );
    };
    let (Some(id), Some(channel)) = (
        parts.first().and_then(|id| id.parse::<i64>().ok()),
        parts.get(1).map(|c| {
            if c == "phone" {
                Channel::Phone
            } else {
                Channel::Email
            }
        }),
    ) else {
        return page.not_found();
    };
    let address = parts.get(2..).map(|p| p.join("|")).unwrap_or_default();
    let code = form.get("code").cloned().unwrap_or_default();
    let verdict = page
        .services()
        .confirm_sign_up(page.space, RegistrationCodeId(id), &code, page.ip())
        .await;
    let restart = restart(channel_name(channel));
    match verdict {
        Ok(CodeVerdict::Accepted((account, token))) => {
            let link = format!("{}/provisioning/{}", page.base_url(req), token.token);
            let qr = match qr_png(&link) {
                Ok(png) => base64::engine::general_purpose::STANDARD.encode(png),
                Err(_) => String::new(),
            };
            page.render(
                StatusCode::OK,
                "registered.html",
                "web-registered-title",
                context! {
                    identity => account.identity().to_string(),
                    qr_png => qr,
                    provisioning_link => link,
                },
            )
        }
        Ok(CodeVerdict::Wrong) => code_page(
            &page,
            StatusCode::UNPROCESSABLE_ENTITY,
            form.get("flow").map_or("", String::as_str),
            &address,
            channel,
            Some("web-code-wrong"),
        ),
        Ok(CodeVerdict::Exhausted) => page.message(
            StatusCode::GONE,
            "web-code-title",
            "web-code-exhausted",
            Some((&restart, "web-start-again")),
        ),
        Ok(CodeVerdict::Expired) => page.message(
            StatusCode::GONE,
            "web-code-title",
            "web-code-expired",
            Some((&restart, "web-start-again")),
        ),
        Err(e) => page.error(e),
    }
}
