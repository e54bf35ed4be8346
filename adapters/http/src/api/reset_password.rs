//! `POST /api/accounts/{id}/send_reset_password_email`: an admin mails an account a link to the
//! reset-password page of its space.

use flexiapi_domain::model::AccountId;
use flexiapi_domain::service::registration::Origin;
use poem::Request;
use poem_openapi::OpenApi;
use poem_openapi::param::Path;

use super::accounts::{Empty, user_agent};
use super::{ApiTags, base_url, client_ip, request_space, state};
use crate::auth::AdminCaller;
use crate::error::ApiError;

type ApiResult<T> = Result<T, ApiError>;

pub struct ResetPasswordApi;

#[OpenApi]
impl ResetPasswordApi {
    /// Send a reset-password e-mail
    ///
    /// Access: Admin. Mails the account a single-use link to `/reset_password/{token}` on the
    /// space's host (16 characters, valid `reset_password_email_token_expiration_minutes`,
    /// default 1440), worded in the request's language; 200 with an empty body. 404 for an
    /// account of another space, 403 when the account has no e-mail address, 503 when no mail
    /// server is configured or the server refused the message (the link is then unusable).
    #[oai(
        path = "/accounts/:id/send_reset_password_email",
        method = "post",
        tag = "ApiTags::Accounts",
        operation_id = "sendResetPasswordEmail"
    )]
    async fn send_reset_password_email(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
    ) -> ApiResult<Empty> {
        let state = state(req)?;
        let language = state
            .settings
            .languages
            .negotiate(
                req.headers()
                    .get("accept-language")
                    .and_then(|v| v.to_str().ok()),
            )
            .language
            .as_str()
            .to_owned();
        let link_base = format!("{}/reset_password/", base_url(req)?);
        state
            .services
            .send_reset_password_email(
                request_space(req)?,
                AccountId(id.0),
                &link_base,
                &language,
                Origin {
                    ip: Some(client_ip(req)),
                    user_agent: user_agent(req),
                },
            )
            .await?;
        Ok(Empty::Ok)
    }
}
