//! `/creation_token/check/{token}` (the `validation_url` of a creation request token) and
//! `POST /creation_token/validate`: a person confirms, past the captcha when configured, so that
//! the app may exchange its request token for a creation token.

use flexiapi_domain::service::{Entity, ServiceError};
use minijinja::context;
use poem::http::StatusCode;
use poem::web::{Data, Form, Path};
use poem::{Request, Response};

use crate::pages::{Fields, Page, Shared, field};

/// The form that validates `token`.
fn check_page(
    page: &Page<'_>,
    status: StatusCode,
    token: &str,
    errors: minijinja::Value,
) -> Response {
    page.render(
        status,
        "creation_token.html",
        "web-creation-token-title",
        context! {
            account_creation_request_token => token,
            captcha_sitekey => page.captcha_sitekey(),
            errors,
        },
    )
}

/// `GET /creation_token/check/{token}`: 404 unless the token is an unused one of this space.
#[poem::handler]
pub(crate) async fn check(
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
        .pending_creation_request_token(page.space, &token)
        .await
    {
        Ok(Some(_)) => check_page(&page, StatusCode::OK, &token, context! {}),
        Ok(None) => page.not_found(),
        Err(e) => page.error(e),
    }
}

/// `POST /creation_token/validate`: marks the request token validated.
#[poem::handler]
pub(crate) async fn validate(
    req: &Request,
    web: Data<&Shared>,
    Form(form): Form<Fields>,
) -> Response {
    let page = match Page::open_form(req, web.0, &form) {
        Ok(page) => page,
        Err(answer) => return answer,
    };
    let Some(token) = field(&form, "account_creation_request_token") else {
        return page.not_found();
    };
    if let Err(id) = page.captcha_ok(&form).await {
        let errors = context! { captcha => page.text(id) };
        return check_page(&page, StatusCode::UNPROCESSABLE_ENTITY, &token, errors);
    }
    match page
        .services()
        .validate_creation_request_token(page.space, &token)
        .await
    {
        Ok(_) => page.message(
            StatusCode::OK,
            "web-creation-token-validated-title",
            "web-creation-token-validated",
            None,
        ),
        Err(ServiceError::NotFound(Entity::AccountCreationRequestToken)) => page.not_found(),
        Err(e) => page.error(e),
    }
}
