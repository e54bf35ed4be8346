//! Changing my e-mail address or phone number by a code sent there (`/accounts/me/email...`,
//! `/accounts/me/phone...`), and the pending changes as account objects show them.

use flexiapi_domain::model::{EmailChangeCode, PhoneChangeCode};
use flexiapi_domain::registration::Origin;
use flexiapi_domain::service::change_codes::CodeRequest;
use flexiapi_domain::validation::Rule;
use poem::Request;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use serde_json::Value;

use super::accounts::{Empty, user_agent};
use super::{
    AccountObject, ApiTags, account_object, client_ip, request_language, state, timestamp,
};
use crate::auth::UserCaller;
use crate::error::ApiError;

pub struct ChangeCodesApi;

type ApiResult<T> = Result<T, ApiError>;

/// `POST /accounts/me/email/request` body.
#[derive(Debug, Object)]
#[oai(example)]
pub struct EmailChangeRequest {
    /// The new address: not the current one, and unique in the space when it has
    /// `unique_email`.
    #[oai(nullable)]
    pub email: Option<String>,
}

/// `POST /accounts/me/phone/request` body.
#[derive(Debug, Object)]
#[oai(example)]
pub struct PhoneChangeRequest {
    /// The new number, E.164, of a country the space activated, neither the phone nor the
    /// username of another account of the space.
    #[oai(nullable)]
    pub phone: Option<String>,
}

/// `POST /accounts/me/email` and `POST /accounts/me/phone` body.
#[derive(Debug, Object)]
#[oai(example)]
pub struct CodeConfirmation {
    /// The 4 digits received, as a string (a JSON number is taken too).
    pub code: Option<Value>,
}

/// A pending e-mail change, as account objects show it.
#[derive(Debug, Object)]
pub struct EmailChangeCodeObject {
    /// The address the account will take.
    pub email: String,
    /// The digits: on `GET /accounts/{id}` (admin) only.
    #[oai(skip_serializing_if_is_none)]
    pub code: Option<String>,
    #[oai(nullable)]
    pub ip: Option<String>,
    #[oai(nullable)]
    pub user_agent: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl EmailChangeCodeObject {
    /// `digits`: show the code (admins, on one account).
    pub(crate) fn new(c: EmailChangeCode, digits: bool) -> Self {
        Self {
            email: c.target.into_string(),
            code: c.code.filter(|_| digits),
            ip: c.ip,
            user_agent: c.user_agent,
            created_at: timestamp(c.created_at),
            updated_at: timestamp(c.updated_at),
        }
    }
}

/// A pending phone change, as admin account objects show it.
#[derive(Debug, Object)]
pub struct PhoneChangeCodeObject {
    /// The number the account will take.
    pub phone: String,
    /// The digits: on `GET /accounts/{id}` (admin) only.
    #[oai(skip_serializing_if_is_none)]
    pub code: Option<String>,
    #[oai(nullable)]
    pub ip: Option<String>,
    #[oai(nullable)]
    pub user_agent: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl PhoneChangeCodeObject {
    /// `digits`: show the code (admins, on one account).
    pub(crate) fn new(c: PhoneChangeCode, digits: bool) -> Self {
        Self {
            phone: c.target.into_string(),
            code: c.code.filter(|_| digits),
            ip: c.ip,
            user_agent: c.user_agent,
            created_at: timestamp(c.created_at),
            updated_at: timestamp(c.updated_at),
        }
    }
}

/// The code as text: a JSON string as it is, a whole number as its digits, nothing for `null`.
fn code_text(code: Option<Value>) -> ApiResult<Option<String>> {
    match code {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(Value::Number(n)) if n.is_u64() => Ok(Some(n.to_string())),
        Some(_) => Err(ApiError::field("code", Rule::Digits(4))),
    }
}

fn origin(req: &Request) -> Origin {
    Origin {
        ip: Some(client_ip(req)),
        user_agent: user_agent(req),
    }
}

#[OpenApi]
impl ChangeCodesApi {
    /// Ask for a code to change my e-mail address
    ///
    /// Access: User. E-mails a 4-digit code to the new address, in the request's language
    /// (`Accept-Language`); it confirms the change for `email_change_code_expiration_minutes`,
    /// and replaces any code asked for before. 403 `Account blocked` when the account already
    /// asked for `blocking_amount_events_authorized_during_period` codes (e-mail and phone
    /// together) within `blocking_time_period_check` minutes: the account is then blocked until
    /// an admin unblocks it. 403 `Account unvalidated` for an account that never spent an
    /// account creation token. 503 when no mail server is configured, or when it refused the
    /// message or cannot be reached: then nothing changed (the code is kept only once sent).
    #[oai(
        path = "/accounts/me/email/request",
        method = "post",
        tag = "ApiTags::Me",
        operation_id = "requestEmailChange"
    )]
    async fn request_email(
        &self,
        req: &Request,
        caller: UserCaller,
        body: Json<EmailChangeRequest>,
    ) -> ApiResult<Empty> {
        let auth = &caller.0.auth;
        let (language, origin) = (request_language(req)?, origin(req));
        let request = CodeRequest {
            account: &auth.account,
            space: &auth.account_space,
            language: &language,
            origin: &origin,
        };
        state(req)?
            .services
            .request_email_change(request, body.0.email)
            .await?;
        Ok(Empty::Ok)
    }

    /// Confirm my new e-mail address
    ///
    /// Access: User. With the code received, the account takes the new address and is
    /// activated (unless an admin deactivated it); answers the account. 422 on `code` for a
    /// missing, malformed or wrong code; the fifth wrong code spends it, and then 410 until a
    /// new code is asked for. 410 `Expired code` past `email_change_code_expiration_minutes`.
    /// 404 when no code is pending (none asked for, or already used). 422 on `email` when
    /// another account took the address meanwhile (the code stays usable).
    #[oai(
        path = "/accounts/me/email",
        method = "post",
        tag = "ApiTags::Me",
        operation_id = "confirmEmailChange"
    )]
    async fn confirm_email(
        &self,
        req: &Request,
        caller: UserCaller,
        body: Json<CodeConfirmation>,
    ) -> ApiResult<Json<AccountObject>> {
        let auth = &caller.0.auth;
        let account = state(req)?
            .services
            .confirm_email_change(&auth.account, &auth.account_space, code_text(body.0.code)?)
            .await?;
        Ok(Json(account_object(req, &account).await?))
    }

    /// Ask for a code to change my phone number
    ///
    /// Access: User. Sends a 4-digit code to the new number by SMS, in the request's language;
    /// it confirms the change for `phone_change_code_expiration_minutes`. Blocking, validation
    /// and 503 as for the e-mail (503 when no SMS gateway is configured).
    #[oai(
        path = "/accounts/me/phone/request",
        method = "post",
        tag = "ApiTags::Me",
        operation_id = "requestPhoneChange"
    )]
    async fn request_phone(
        &self,
        req: &Request,
        caller: UserCaller,
        body: Json<PhoneChangeRequest>,
    ) -> ApiResult<Empty> {
        let auth = &caller.0.auth;
        let (language, origin) = (request_language(req)?, origin(req));
        let request = CodeRequest {
            account: &auth.account,
            space: &auth.account_space,
            language: &language,
            origin: &origin,
        };
        state(req)?
            .services
            .request_phone_change(request, body.0.phone)
            .await?;
        Ok(Empty::Ok)
    }

    /// Confirm my new phone number
    ///
    /// Access: User. As for the e-mail: the account takes the new number and is activated.
    #[oai(
        path = "/accounts/me/phone",
        method = "post",
        tag = "ApiTags::Me",
        operation_id = "confirmPhoneChange"
    )]
    async fn confirm_phone(
        &self,
        req: &Request,
        caller: UserCaller,
        body: Json<CodeConfirmation>,
    ) -> ApiResult<Json<AccountObject>> {
        let auth = &caller.0.auth;
        let account = state(req)?
            .services
            .confirm_phone_change(&auth.account, &auth.account_space, code_text(body.0.code)?)
            .await?;
        Ok(Json(account_object(req, &account).await?))
    }
}

impl poem_openapi::types::Example for EmailChangeRequest {
    fn example() -> Self {
        Self {
            email: Some("alice@new.example.org".into()),
        }
    }
}

impl poem_openapi::types::Example for PhoneChangeRequest {
    fn example() -> Self {
        Self {
            phone: Some("+33612345678".into()),
        }
    }
}

impl poem_openapi::types::Example for CodeConfirmation {
    fn example() -> Self {
        Self {
            code: Some(Value::String("1234".into())),
        }
    }
}
