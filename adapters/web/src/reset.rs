//! `/reset_password/{token}` (the link of the reset e-mail) and `POST /reset_password`.

use flexiapi_domain::service::ServiceError;
use flexiapi_domain::service::reset_password::ResetLink;
use minijinja::context;
use poem::http::StatusCode;
use poem::web::{Data, Form, Path};
use poem::{Request, Response};

use crate::pages::{Fields, Page, Shared};

fn password_page(
    page: &Page<'_>,
    status: StatusCode,
    token: &str,
    errors: minijinja::Value,
) -> Response {
    page.render(
        status,
        "password.html",
        "web-reset-title",
        context! { action => "/reset_password", hidden => context! { token }, errors },
    )
}

/// A link that cannot be used, as a page.
fn unusable<T>(page: &Page<'_>, link: &ResetLink<T>) -> Response {
    match link {
        ResetLink::Used => {
            page.message(StatusCode::GONE, "web-reset-title", "web-reset-used", None)
        }
        ResetLink::Expired => page.message(
            StatusCode::GONE,
            "web-reset-title",
            "web-reset-expired",
            None,
        ),
        ResetLink::Unknown | ResetLink::Usable(_) => page.not_found(),
    }
}

/// `GET /reset_password/{token}`.
#[poem::handler]
pub(crate) async fn show(req: &Request, web: Data<&Shared>, Path(token): Path<String>) -> Response {
    let page = match Page::open(req, web.0) {
        Ok(page) => page,
        Err(answer) => return answer,
    };
    match page
        .services()
        .reset_password_link(page.space, &token)
        .await
    {
        Ok(ResetLink::Usable(_)) => password_page(&page, StatusCode::OK, &token, context! {}),
        Ok(other) => unusable(&page, &other),
        Err(e) => page.error(e),
    }
}

/// `POST /reset_password`: spends the link and sets the new password.
#[poem::handler]
pub(crate) async fn submit(
    req: &Request,
    web: Data<&Shared>,
    Form(form): Form<Fields>,
) -> Response {
    let page = match Page::open_form(req, web.0, &form) {
        Ok(page) => page,
        Err(answer) => return answer,
    };
    let token = form.get("token").cloned().unwrap_or_default();
    let password = form.get("password").cloned().unwrap_or_default();
    if form.get("password_confirmation") != Some(&password) {
        let errors = context! { password_confirmation => page.text("web-password-mismatch") };
        return password_page(&page, StatusCode::UNPROCESSABLE_ENTITY, &token, errors);
    }
    match page
        .services()
        .reset_password(page.space, &token, &password)
        .await
    {
        Ok(ResetLink::Usable(_)) => page.message(
            StatusCode::OK,
            "web-password-changed-title",
            "web-password-changed",
            None,
        ),
        Ok(other) => unusable(&page, &other),
        Err(ServiceError::Validation(errors)) => {
            let errors = minijinja::Value::from_serialize(page.field_errors(&errors));
            password_page(&page, StatusCode::UNPROCESSABLE_ENTITY, &token, errors)
        }
        Err(e) => page.error(e),
    }
}
