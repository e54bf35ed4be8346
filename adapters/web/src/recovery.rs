//! `/recovery/email`, `/recovery/phone/{account_recovery_token}`, then `POST /recovery` (the
//! code is sent), `POST /recovery/confirm` (the code), `POST /recovery/password` (the new
//! password). The code page reads the same whether or not an account has the address.

use flexiapi_domain::service::ServiceError;
use flexiapi_domain::service::recovery::{Channel, CodeVerdict, RecoveryAttempt, RecoveryRequest};
use minijinja::context;
use poem::http::StatusCode;
use poem::web::{Data, Form, Path};
use poem::{Request, Response};

use crate::pages::{Fields, Page, Shared, field, open_flow, seal_flow};

const FLOW: &str = "recovery";

fn channel_of(name: &str) -> Channel {
    if name == "phone" {
        Channel::Phone
    } else {
        Channel::Email
    }
}

fn name_of(channel: Channel) -> &'static str {
    match channel {
        Channel::Email => "email",
        Channel::Phone => "phone",
    }
}

fn show_form(
    page: &Page<'_>,
    channel: Channel,
    token: Option<&str>,
    status: StatusCode,
    values: &Fields,
    errors: minijinja::Value,
) -> Response {
    page.render(
        status,
        "recovery.html",
        "web-recovery-title",
        context! {
            channel => name_of(channel),
            account_recovery_token => token,
            // An app that got a token by push proves enough: no captcha for it.
            captcha_sitekey => if token.is_some() { None } else { page.captcha_sitekey() },
            values => context! { email => values.get("email").map_or("", String::as_str), phone => values.get("phone").map_or("", String::as_str) },
            errors,
        },
    )
}

/// `GET /recovery/email`.
#[poem::handler]
pub(crate) async fn email_form(req: &Request, web: Data<&Shared>) -> Response {
    match Page::open(req, web.0) {
        Ok(page) => show_form(
            &page,
            Channel::Email,
            None,
            StatusCode::OK,
            &Fields::new(),
            context! {},
        ),
        Err(answer) => answer,
    }
}

/// `GET /recovery/phone/{account_recovery_token}`: 404 unless the token is usable.
#[poem::handler]
pub(crate) async fn phone_form(
    req: &Request,
    web: Data<&Shared>,
    Path(token): Path<String>,
) -> Response {
    let page = match Page::open(req, web.0) {
        Ok(page) => page,
        Err(answer) => return answer,
    };
    match page
        .services()
        .account_recovery_token_usable(page.space, &token)
        .await
    {
        Ok(true) => show_form(
            &page,
            Channel::Phone,
            Some(&token),
            StatusCode::OK,
            &Fields::new(),
            context! {},
        ),
        Ok(false) => page.not_found(),
        Err(e) => page.error(e),
    }
}

/// The code page of a recovery of `address`.
fn code_page(
    page: &Page<'_>,
    status: StatusCode,
    flow: &str,
    address: &str,
    error_id: Option<&str>,
) -> Response {
    page.render(
        status,
        "code.html",
        "web-code-title",
        context! {
            intro_id => "web-recovery-sent",
            address,
            minutes => page.services().settings.recovery_code_ttl.map(|d| d.num_minutes()),
            action => "/recovery/confirm",
            flow,
            restart => "/recovery/email",
            form_error => error_id.map(|id| page.text(id)),
        },
    )
}

/// `POST /recovery`: sends the code (to an account that has the address, if any).
#[poem::handler]
pub(crate) async fn send(req: &Request, web: Data<&Shared>, Form(form): Form<Fields>) -> Response {
    let page = match Page::open_form(req, web.0, &form) {
        Ok(page) => page,
        Err(answer) => return answer,
    };
    let channel = channel_of(form.get("method").map_or("email", String::as_str));
    let token = field(&form, "account_recovery_token");
    if token.is_none()
        && let Err(id) = page.captcha_ok(&form).await
    {
        let errors = context! { captcha => page.text(id) };
        return show_form(
            &page,
            channel,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
            &form,
            errors,
        );
    }
    let address = field(&form, channel.field()).unwrap_or_default();
    let language = page.language();
    let request = RecoveryRequest {
        channel,
        address: &address,
        account_recovery_token: token.as_deref(),
        language: &language,
        origin: page.origin(),
    };
    match page
        .services()
        .request_recovery_code(page.space, request)
        .await
    {
        Ok(()) => {
            let flow = seal_flow(&page, FLOW, &[name_of(channel), &address]);
            code_page(&page, StatusCode::OK, &flow, &address, None)
        }
        Err(ServiceError::Validation(errors))
            if errors.0.iter().any(|e| e.field == "account_recovery_token") =>
        {
            page.not_found()
        }
        Err(ServiceError::Validation(errors)) => {
            let errors = minijinja::Value::from_serialize(page.field_errors(&errors));
            show_form(
                &page,
                channel,
                token.as_deref(),
                StatusCode::UNPROCESSABLE_ENTITY,
                &form,
                errors,
            )
        }
        Err(e) => page.error(e),
    }
}

/// The channel and address a sealed recovery flow carries.
fn flow_of(page: &Page<'_>, form: &Fields) -> Option<(Channel, String)> {
    let parts = open_flow(page, FLOW, form)?;
    let (channel, address) = parts.split_first()?;
    Some((channel_of(channel), address.join("|")))
}

/// A verdict that is not an acceptance, as a page.
fn refused(
    page: &Page<'_>,
    verdict_wrong: bool,
    exhausted: bool,
    flow: &str,
    address: &str,
) -> Response {
    if verdict_wrong {
        return code_page(
            page,
            StatusCode::UNPROCESSABLE_ENTITY,
            flow,
            address,
            Some("web-code-wrong"),
        );
    }
    page.message(
        StatusCode::GONE,
        "web-code-title",
        if exhausted {
            "web-code-exhausted"
        } else {
            "web-code-expired"
        },
        Some(("/recovery/email", "web-start-again")),
    )
}

/// `POST /recovery/confirm`: checks the code, then asks for the new password.
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
    let Some((channel, address)) = flow_of(&page, &form) else {
        return refused(&page, false, false, "", "");
    };
    let flow = form.get("flow").cloned().unwrap_or_default();
    let code = form.get("code").cloned().unwrap_or_default();
    let attempt = RecoveryAttempt {
        channel,
        address: &address,
        code: &code,
        ip: page.ip(),
    };
    match page
        .services()
        .check_recovery_code(page.space, attempt)
        .await
    {
        Ok(CodeVerdict::Accepted(())) => {
            password_page(&page, StatusCode::OK, &flow, &code, context! {})
        }
        Ok(CodeVerdict::Wrong) => refused(&page, true, false, &flow, &address),
        Ok(CodeVerdict::Exhausted) => refused(&page, false, true, &flow, &address),
        Ok(CodeVerdict::Expired) => refused(&page, false, false, &flow, &address),
        Err(e) => page.error(e),
    }
}

fn password_page(
    page: &Page<'_>,
    status: StatusCode,
    flow: &str,
    code: &str,
    errors: minijinja::Value,
) -> Response {
    page.render(
        status,
        "password.html",
        "web-password-title",
        context! {
            action => "/recovery/password",
            hidden => context! { flow, code },
            errors,
        },
    )
}

/// `POST /recovery/password`: spends the code and sets the new password.
#[poem::handler]
pub(crate) async fn set_password(
    req: &Request,
    web: Data<&Shared>,
    Form(form): Form<Fields>,
) -> Response {
    let page = match Page::open_form(req, web.0, &form) {
        Ok(page) => page,
        Err(answer) => return answer,
    };
    let Some((channel, address)) = flow_of(&page, &form) else {
        return refused(&page, false, false, "", "");
    };
    let flow = form.get("flow").cloned().unwrap_or_default();
    let code = form.get("code").cloned().unwrap_or_default();
    let password = form.get("password").cloned().unwrap_or_default();
    if form.get("password_confirmation") != Some(&password) {
        let errors = context! { password_confirmation => page.text("web-password-mismatch") };
        return password_page(
            &page,
            StatusCode::UNPROCESSABLE_ENTITY,
            &flow,
            &code,
            errors,
        );
    }
    let attempt = RecoveryAttempt {
        channel,
        address: &address,
        code: &code,
        ip: page.ip(),
    };
    match page
        .services()
        .recover_password(page.space, attempt, &password)
        .await
    {
        Ok(CodeVerdict::Accepted(_)) => page.message(
            StatusCode::OK,
            "web-password-changed-title",
            "web-password-changed",
            None,
        ),
        Ok(CodeVerdict::Wrong) => refused(&page, true, false, &flow, &address),
        Ok(CodeVerdict::Exhausted) => refused(&page, false, true, &flow, &address),
        Ok(CodeVerdict::Expired) => refused(&page, false, false, &flow, &address),
        Err(ServiceError::Validation(errors)) => {
            let errors = minijinja::Value::from_serialize(page.field_errors(&errors));
            password_page(
                &page,
                StatusCode::UNPROCESSABLE_ENTITY,
                &flow,
                &code,
                errors,
            )
        }
        Err(e) => page.error(e),
    }
}
