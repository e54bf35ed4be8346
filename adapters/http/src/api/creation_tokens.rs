//! Account creation tokens and the public registration that spends them.

use flexiapi_domain::model::AccountCreationToken;
use flexiapi_domain::registration::{Origin, Registration};
use flexiapi_domain::validation::Rule;
use poem::Request;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::accounts::user_agent;
use super::{AccountObject, ApiTags, account_object, client_ip, request_space, state, timestamp};
use crate::auth::{AdminCaller, UserCaller};
use crate::error::ApiError;

pub struct CreationTokensApi;

type ApiResult<T> = Result<T, ApiError>;

/// An account creation token.
#[derive(Debug, Object)]
#[oai(example)]
pub struct CreationTokenObject {
    /// 13 letters and digits.
    pub token: String,
    pub used: bool,
    /// The account that spent or consumed it.
    #[oai(nullable)]
    pub account_id: Option<i64>,
    #[oai(nullable)]
    pub ip: Option<String>,
    #[oai(nullable)]
    pub user_agent: Option<String>,
    /// Null: the token never expires (`account_creation_token_expiration_minutes` = 0).
    #[oai(nullable)]
    pub expire_at: Option<String>,
    /// The device it was pushed to (`send-by-push`); null for minted and exchanged tokens.
    #[oai(nullable)]
    pub pn_provider: Option<String>,
    #[oai(nullable)]
    pub pn_param: Option<String>,
    #[oai(nullable)]
    pub pn_prid: Option<String>,
}

impl From<AccountCreationToken> for CreationTokenObject {
    fn from(t: AccountCreationToken) -> Self {
        Self {
            token: t.token,
            used: t.used,
            account_id: t.account_id.map(|a| a.0),
            ip: t.ip,
            user_agent: t.user_agent,
            expire_at: t.expire_at.map(timestamp),
            pn_provider: t.pn_provider,
            pn_param: t.pn_param,
            pn_prid: t.pn_prid,
        }
    }
}

impl poem_openapi::types::Example for CreationTokenObject {
    fn example() -> Self {
        Self {
            token: "EXAMPLE-TOKEN".into(),
            used: false,
            account_id: None,
            ip: Some("192.0.2.10".into()),
            user_agent: Some("curl/8.5".into()),
            expire_at: None,
            pn_provider: None,
            pn_param: None,
            pn_prid: None,
        }
    }
}

/// `POST /account_creation_tokens/consume` body.
#[derive(Debug, Object)]
pub struct ConsumeRequest {
    #[oai(nullable)]
    pub account_creation_token: Option<String>,
}

/// `POST /accounts/with-account-creation-token` body.
#[derive(Debug, Object)]
#[oai(example)]
pub struct RegistrationRequest {
    /// Required: lower case, a valid SIP user part, not a phone number, unique in the space.
    #[oai(nullable)]
    pub username: Option<String>,
    /// Required, at least 6 characters.
    #[oai(nullable)]
    pub password: Option<String>,
    /// `MD5` or `SHA-256`; default the space's algorithm.
    #[oai(nullable)]
    pub algorithm: Option<String>,
    /// Must be a known domain when given; the account is always created in the request's space.
    #[oai(nullable)]
    pub domain: Option<String>,
    /// Checked, not stored.
    #[oai(nullable)]
    pub email: Option<String>,
    /// Checked (E.164, activated country, unused in the space), not stored.
    #[oai(nullable)]
    pub phone: Option<String>,
    /// `sipinfo`, `rfc2833` or `sipmessage`.
    #[oai(nullable)]
    pub dtmf_protocol: Option<String>,
    /// Required on `/accounts/with-account-creation-token`: an unused, unexpired token.
    #[oai(nullable)]
    pub account_creation_token: Option<String>,
    /// The same, as the Linphone SDK names it on `/accounts/with-token`.
    #[oai(nullable)]
    pub token: Option<String>,
    /// Refused (422) when sent.
    #[oai(nullable)]
    pub admin: Option<serde_json::Value>,
    /// Refused (422) when sent.
    #[oai(nullable)]
    pub activated: Option<serde_json::Value>,
}

impl poem_openapi::types::Example for RegistrationRequest {
    fn example() -> Self {
        Self {
            username: Some("alice".into()),
            password: Some("correct horse".into()),
            algorithm: None,
            domain: None,
            email: None,
            phone: None,
            dtmf_protocol: None,
            account_creation_token: Some("EXAMPLE-TOKEN".into()),
            token: None,
            admin: None,
            activated: None,
        }
    }
}

#[derive(ApiResponse)]
pub enum TokenCreated {
    #[oai(status = 201)]
    Created(Json<CreationTokenObject>),
}

pub(crate) fn origin(req: &Request) -> Origin {
    Origin {
        ip: Some(client_ip(req)),
        user_agent: user_agent(req),
    }
}

async fn register(
    req: &Request,
    body: RegistrationRequest,
    token_field: &'static str,
) -> ApiResult<Json<AccountObject>> {
    let token = match token_field {
        "token" => body.token.or(body.account_creation_token),
        _ => body.account_creation_token,
    };
    let input = Registration {
        username: body.username,
        password: body.password,
        algorithm: body.algorithm,
        domain: body.domain,
        email: body.email,
        phone: body.phone,
        dtmf_protocol: body.dtmf_protocol,
        admin_sent: body.admin.is_some_and(|v| !v.is_null()),
        activated_sent: body.activated.is_some_and(|v| !v.is_null()),
        token,
    };
    let account = state(req)?
        .services
        .register_with_creation_token(input, request_space(req)?, origin(req), token_field)
        .await?;
    Ok(Json(account_object(req, &account).await?))
}

#[OpenApi]
impl CreationTokensApi {
    /// Mint an account creation token
    ///
    /// Access: Admin. A single-use token for `POST /accounts/with-account-creation-token` on this
    /// space (refused on every other); it expires after
    /// `account_creation_token_expiration_minutes` (never when 0).
    #[oai(
        path = "/account_creation_tokens",
        method = "post",
        tag = "ApiTags::Accounts",
        operation_id = "createAccountCreationToken"
    )]
    async fn create(&self, req: &Request, _caller: AdminCaller) -> ApiResult<TokenCreated> {
        let token = state(req)?
            .services
            .create_creation_token(request_space(req)?, origin(req))
            .await?;
        Ok(TokenCreated::Created(Json(token.into())))
    }

    /// Consume an account creation token
    ///
    /// Access: User. Links an unused, unlinked token of this space to my account (of this space)
    /// and marks it used (what makes an account "validated" in the original); 404 otherwise.
    #[oai(
        path = "/account_creation_tokens/consume",
        method = "post",
        tag = "ApiTags::Me",
        operation_id = "consumeAccountCreationToken"
    )]
    async fn consume(
        &self,
        req: &Request,
        caller: UserCaller,
        body: Json<ConsumeRequest>,
    ) -> ApiResult<Json<CreationTokenObject>> {
        let Some(token) = body
            .0
            .account_creation_token
            .filter(|t| !t.trim().is_empty())
        else {
            return Err(ApiError::field("account_creation_token", Rule::Required));
        };
        let token = state(req)?
            .services
            .consume_creation_token(token.trim(), request_space(req)?, &caller.0.auth.account)
            .await?;
        Ok(Json(token.into()))
    }

    /// Create an account with a creation token
    ///
    /// Access: Public. Creates a deactivated account in the request's space and spends the token
    /// in the same transaction: of two concurrent uses of one token, one creates an account. The
    /// token must have been minted on this space. 403 when the space is full (checked before
    /// validation, as the original); 422 on the token alone when it is missing, unknown, used or
    /// expired (nothing else is checked then); 422 with every broken rule otherwise. Works
    /// whatever `public_registration` says: the token is an admin's invitation. Answers 200 with the account. Unlike the original, the password needs 6
    /// characters, as everywhere else.
    #[oai(
        path = "/accounts/with-account-creation-token",
        method = "post",
        tag = "ApiTags::Me",
        operation_id = "createAccountWithCreationToken"
    )]
    async fn with_creation_token(
        &self,
        req: &Request,
        body: Json<RegistrationRequest>,
    ) -> ApiResult<Json<AccountObject>> {
        register(req, body.0, "account_creation_token").await
    }

    /// Create an account with a creation token (Linphone SDK route)
    ///
    /// Access: Public. The route older Linphone SDKs post `{"username", "domain", "password",
    /// "algorithm", "token"}` to: the same as `/accounts/with-account-creation-token`, the token
    /// named `token`.
    #[oai(
        path = "/accounts/with-token",
        method = "post",
        tag = "ApiTags::Me",
        operation_id = "createAccountWithToken"
    )]
    async fn with_token(
        &self,
        req: &Request,
        body: Json<RegistrationRequest>,
    ) -> ApiResult<Json<AccountObject>> {
        register(req, body.0, "token").await
    }
}
