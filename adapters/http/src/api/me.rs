//! The caller's own account (`/accounts/me...`): password, provisioning, deletion, user API
//! keys, and the auth tokens that get another device an API key.

use flexiapi_domain::model::PasswordAlgorithm;
use flexiapi_domain::validation::Rule;
use poem::Request;
use poem_openapi::param::Path;
use poem_openapi::payload::{Json, PlainText};
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::accounts::{Empty, user_agent};
use super::{
    AccountObject, ApiTags, account_object, client_ip, is_https, request_space, state, timestamp,
};
use crate::auth::{API_KEY_COOKIE, UserCaller};
use crate::error::ApiError;

pub struct MeApi;

type ApiResult<T> = Result<T, ApiError>;

/// `POST /accounts/me/password` body.
#[derive(Debug, Object)]
#[oai(example)]
pub struct PasswordChange {
    /// The new password (at least 6 characters).
    #[oai(nullable)]
    pub password: Option<String>,
    /// Required when the account already has a password.
    #[oai(nullable)]
    pub old_password: Option<String>,
    /// `MD5` or `SHA-256`; default the space's algorithm. The other algorithm's hash is removed.
    #[oai(nullable)]
    pub algorithm: Option<String>,
}

/// A new auth token.
#[derive(Debug, Object)]
#[oai(example)]
pub struct AuthTokenObject {
    pub token: String,
    pub expire_at: String,
}

/// An API key obtained with an auth token.
#[derive(Debug, Object)]
#[oai(example)]
pub struct ApiKeyObject {
    pub api_key: String,
}

#[derive(ApiResponse)]
pub enum ApiKeyResponse {
    /// The new key, as the body, and in the `x-api-key` cookie.
    #[oai(status = 200)]
    Ok(PlainText<String>, #[oai(header = "Set-Cookie")] String),
}

#[derive(ApiResponse)]
pub enum RedeemedKeyResponse {
    /// The new user API key, also set as the `x-api-key` cookie.
    #[oai(status = 200)]
    Ok(Json<ApiKeyObject>, #[oai(header = "Set-Cookie")] String),
}

#[derive(ApiResponse)]
pub enum AuthTokenCreated {
    /// The token, valid five minutes.
    #[oai(status = 201)]
    Created(Json<AuthTokenObject>),
}

fn api_key_cookie(req: &Request, key: &str) -> ApiResult<String> {
    let ttl = state(req)?
        .authenticator
        .settings()
        .user_api_key_ttl
        .num_seconds();
    let secure = if is_https(req) { "; Secure" } else { "" };
    Ok(format!(
        "{API_KEY_COOKIE}={key}; Max-Age={ttl}; Path=/; HttpOnly; SameSite=Strict{secure}"
    ))
}

#[OpenApi]
impl MeApi {
    /// My account
    ///
    /// Access: User.
    #[oai(
        path = "/accounts/me",
        method = "get",
        tag = "ApiTags::Me",
        operation_id = "getMe"
    )]
    async fn me(&self, req: &Request, caller: UserCaller) -> ApiResult<Json<AccountObject>> {
        Ok(Json(account_object(req, &caller.0.auth.account).await?))
    }

    /// Renew my provisioning token
    ///
    /// Access: User. A new single-use provisioning token replaces the unused one. 403 for an
    /// account an admin deactivated (only an admin activates it again).
    #[oai(
        path = "/accounts/me/provision",
        method = "get",
        tag = "ApiTags::Me",
        operation_id = "provisionMe"
    )]
    async fn provision_me(
        &self,
        req: &Request,
        caller: UserCaller,
    ) -> ApiResult<Json<AccountObject>> {
        let account = &caller.0.auth.account;
        state(req)?
            .services
            .renew_own_provisioning_token(account, Some(client_ip(req)), user_agent(req))
            .await?;
        Ok(Json(account_object(req, account).await?))
    }

    /// Delete my account
    ///
    /// Access: User. Leaves a tombstone: the username cannot be registered again until it is
    /// purged. Answers `1`.
    #[oai(
        path = "/accounts/me",
        method = "delete",
        tag = "ApiTags::Me",
        operation_id = "deleteMe"
    )]
    async fn delete_me(
        &self,
        req: &Request,
        caller: UserCaller,
    ) -> ApiResult<PlainText<&'static str>> {
        state(req)?
            .services
            .delete_account(caller.0.auth.account.id)
            .await?;
        Ok(PlainText("1"))
    }

    /// Change my password
    ///
    /// Access: User. `old_password` is required when a password is set. The new password is
    /// stored for `algorithm` (default: the space's), and the other algorithm's hash is removed.
    /// Wrong old passwords count into the Digest failure budget; once it is spent, 429.
    /// Activates an account never activated; 403 for an account an admin deactivated.
    #[oai(
        path = "/accounts/me/password",
        method = "post",
        tag = "ApiTags::Me",
        operation_id = "changeMyPassword"
    )]
    async fn change_password(
        &self,
        req: &Request,
        caller: UserCaller,
        body: Json<PasswordChange>,
    ) -> ApiResult<Json<AccountObject>> {
        let algorithm = match body.algorithm.as_deref() {
            None | Some("") => None,
            Some(a) => Some(a.parse::<PasswordAlgorithm>().map_err(|_| {
                ApiError::field(
                    "algorithm",
                    Rule::OneOf(
                        PasswordAlgorithm::ALL
                            .iter()
                            .map(ToString::to_string)
                            .collect(),
                    ),
                )
            })?),
        };
        let auth = &caller.0.auth;
        let account = state(req)?
            .services
            .change_password(
                &auth.account,
                &auth.account_space,
                body.old_password.as_deref(),
                body.password.as_deref(),
                algorithm,
                &client_ip(req),
            )
            .await?;
        Ok(Json(account_object(req, &account).await?))
    }

    /// Get a user API key
    ///
    /// Access: User. Creates a fresh key bound to the caller's IP, replacing the previous user
    /// key; it dies when unused for `api_key_expiration_minutes`. The key is the body and the
    /// `x-api-key` cookie (HttpOnly, SameSite=Strict).
    #[oai(
        path = "/accounts/me/api_key",
        method = "get",
        tag = "ApiTags::Me",
        operation_id = "createMyApiKey"
    )]
    async fn api_key(&self, req: &Request, caller: UserCaller) -> ApiResult<ApiKeyResponse> {
        let key = state(req)?
            .services
            .create_user_api_key(&caller.0.auth.account, &client_ip(req))
            .await?;
        let cookie = api_key_cookie(req, &key)?;
        Ok(ApiKeyResponse::Ok(PlainText(key), cookie))
    }

    /// Create an auth token
    ///
    /// Access: Public. A token another, logged-in device of this space attaches; it is valid five
    /// minutes, and only on this host. Each address may create `auth_tokens_per_ip` of them per
    /// window; past it, 429.
    #[oai(
        path = "/accounts/auth_token",
        method = "post",
        tag = "ApiTags::Me",
        operation_id = "createAuthToken"
    )]
    async fn create_auth_token(&self, req: &Request) -> ApiResult<AuthTokenCreated> {
        let user_agent = req
            .headers()
            .get("user-agent")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let (token, expire_at) = state(req)?
            .services
            .create_auth_token(request_space(req)?, &client_ip(req), user_agent)
            .await?;
        Ok(AuthTokenCreated::Created(Json(AuthTokenObject {
            token: token.token,
            expire_at: timestamp(expire_at),
        })))
    }

    /// Attach an auth token to me
    ///
    /// Access: User. 404 for an unknown, expired or already attached token, and for a token
    /// created on another space's host or a caller of another space.
    #[oai(
        path = "/accounts/auth_token/:token/attach",
        method = "get",
        tag = "ApiTags::Me",
        operation_id = "attachAuthToken"
    )]
    async fn attach_auth_token(
        &self,
        req: &Request,
        caller: UserCaller,
        token: Path<String>,
    ) -> ApiResult<Empty> {
        state(req)?
            .services
            .attach_auth_token(&token.0, request_space(req)?, &caller.0.auth.account)
            .await?;
        Ok(Empty::Ok)
    }

    /// Get an API key with an attached auth token
    ///
    /// Access: Public. Consumes the token (a second call answers 404) and answers a fresh user
    /// API key for the account that attached it, bound to the caller's IP. Only on the host the
    /// token was created on (404 elsewhere, and the token stays usable).
    #[oai(
        path = "/accounts/me/api_key/:token",
        method = "get",
        tag = "ApiTags::Me",
        operation_id = "redeemAuthToken"
    )]
    async fn redeem_auth_token(
        &self,
        req: &Request,
        token: Path<String>,
    ) -> ApiResult<RedeemedKeyResponse> {
        let key = state(req)?
            .services
            .redeem_auth_token(&token.0, request_space(req)?, &client_ip(req))
            .await?;
        let cookie = api_key_cookie(req, &key)?;
        Ok(RedeemedKeyResponse::Ok(
            Json(ApiKeyObject { api_key: key }),
            cookie,
        ))
    }
}

impl poem_openapi::types::Example for PasswordChange {
    fn example() -> Self {
        Self {
            password: Some("a-new-passphrase".into()),
            old_password: Some("the-old-passphrase".into()),
            algorithm: Some("SHA-256".into()),
        }
    }
}

impl poem_openapi::types::Example for AuthTokenObject {
    fn example() -> Self {
        Self {
            token: "<32 letters and digits>".into(),
            expire_at: "2026-01-01T10:05:00.000000Z".into(),
        }
    }
}

impl poem_openapi::types::Example for ApiKeyObject {
    fn example() -> Self {
        Self {
            api_key: "<40 letters and digits, shown once>".into(),
        }
    }
}
