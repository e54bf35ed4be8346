//! The Linphone apps' sign-up and recovery without an admin: creation and recovery tokens sent
//! by push, creation request tokens validated on the space's page then exchanged, and a user's
//! push notification to a device.

use flexiapi_domain::service::push_tokens::{NotificationRequest, PushRequest};
use flexiapi_domain::validation::{Rule, ValidationErrors};
use poem::Request;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use serde_json::Value;

use super::accounts::Empty;
use super::creation_tokens::{CreationTokenObject, TokenCreated, origin};
use super::{ApiTags, base_url, request_space, state};
use crate::auth::UserCaller;
use crate::error::ApiError;

pub struct PushTokensApi;

type ApiResult<T> = Result<T, ApiError>;

/// `send-by-push` body: the device, as the app puts it in its SIP contact.
#[derive(Debug, Object)]
#[oai(example)]
pub struct SendByPushRequest {
    /// Required string: `apns.dev`, `apns` or `fcm`.
    pub pn_provider: Option<Value>,
    /// Required string, `^[\w.]+$` (APNs: `TEAMID.bundle.id[.voip]`; FCM: the project number).
    pub pn_param: Option<Value>,
    /// Required string, `^[\w_\-:]+$`: the device's push token.
    pub pn_prid: Option<Value>,
}

impl poem_openapi::types::Example for SendByPushRequest {
    fn example() -> Self {
        Self {
            pn_provider: Some("fcm".into()),
            pn_param: Some("123456789".into()),
            pn_prid: Some("dGhlLWRldmljZS10b2tlbg:APA91b".into()),
        }
    }
}

/// `POST /push_notification` body.
#[derive(Debug, Object)]
#[oai(example)]
pub struct PushNotificationRequest {
    /// Required string: `apns.dev`, `apns` or `fcm`.
    pub pn_provider: Option<Value>,
    /// Required string, `^[\w.]+$`.
    pub pn_param: Option<Value>,
    /// Required string, `^[\w_\-:]+$`.
    pub pn_prid: Option<Value>,
    /// Required string: `background`, `message` or `call` (Apple: `Background`,
    /// `RemoteWithMutableContent`, `PushKit`).
    #[oai(rename = "type")]
    pub kind: Option<Value>,
    /// Optional string, `^[\w\-~@.]+$`: the SIP Call-ID of the call the push announces.
    pub call_id: Option<Value>,
}

impl poem_openapi::types::Example for PushNotificationRequest {
    fn example() -> Self {
        Self {
            pn_provider: Some("apns".into()),
            pn_param: Some("ABCD1234.org.linphone.phone.voip".into()),
            pn_prid: Some("apns-device-token:0123".into()),
            kind: Some("call".into()),
            call_id: Some("a1b2c3@sip.example.org".into()),
        }
    }
}

/// `using-account-creation-request-token` body.
#[derive(Debug, Object)]
pub struct ExchangeRequest {
    /// Required string: a validated, unused request token of this space.
    pub account_creation_request_token: Option<Value>,
}

/// A creation request token.
#[derive(Debug, Object)]
#[oai(example)]
pub struct CreationRequestTokenObject {
    /// 13 letters and digits.
    pub token: String,
    /// The page where a person validates it (`<scheme>://<space host>/creation_token/check/<token>`);
    /// null once validated.
    #[oai(nullable)]
    pub validation_url: Option<String>,
}

impl poem_openapi::types::Example for CreationRequestTokenObject {
    fn example() -> Self {
        Self {
            token: "EXAMPLE-TOKEN".into(),
            validation_url: Some(
                "https://sip.example.org/creation_token/check/EXAMPLE-TOKEN".into(),
            ),
        }
    }
}

#[derive(ApiResponse)]
pub enum RequestTokenCreated {
    #[oai(status = 201)]
    Created(Json<CreationRequestTokenObject>),
}

/// Reads string fields of a body: a string (blank is absent), absent or null; any other JSON
/// type is a 422 on the field.
#[derive(Default)]
struct Fields {
    errors: ValidationErrors,
}

impl Fields {
    fn text(&mut self, field: &str, value: Option<Value>) -> Option<String> {
        match value {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s).filter(|s| !s.trim().is_empty()),
            Some(_) => {
                self.errors.add(field, Rule::Text);
                None
            }
        }
    }

    fn finish(self) -> ApiResult<()> {
        self.errors
            .into_result()
            .map_err(|errors| ApiError::validation(&errors))
    }
}

async fn send_creation_token_by_push(req: &Request, body: SendByPushRequest) -> ApiResult<Empty> {
    let space = request_space(req)?;
    // Closed spaces say so before they look at the body.
    state(req)?.services.ensure_public_registration(space)?;
    let request = push_request(body)?;
    state(req)?
        .services
        .send_creation_token_by_push(space, request, origin(req))
        .await?;
    Ok(Empty::Ok)
}

fn push_request(body: SendByPushRequest) -> ApiResult<PushRequest> {
    let mut fields = Fields::default();
    let request = PushRequest {
        pn_provider: fields.text("pn_provider", body.pn_provider),
        pn_param: fields.text("pn_param", body.pn_param),
        pn_prid: fields.text("pn_prid", body.pn_prid),
    };
    fields.finish()?;
    Ok(request)
}

#[OpenApi]
impl PushTokensApi {
    /// Send an account creation token by push
    ///
    /// Access: Public. Creates a creation token of this space and pushes it, silently, to the
    /// device (`{"token": "…"}`); the app then registers with it
    /// (`/accounts/with-account-creation-token`). 403 when the space's `public_registration` is
    /// off; 422 on a missing, null or malformed field; 429 (with `Retry-After`) when a token
    /// was pushed to this device within `account_creation_token_retry_minutes`, used or not;
    /// 503 `Token not sent` when nothing pushes to the provider or the push failed (no token is
    /// kept).
    #[oai(
        path = "/account_creation_tokens/send-by-push",
        method = "post",
        tag = "ApiTags::Me",
        operation_id = "sendAccountCreationTokenByPush"
    )]
    async fn creation_by_push(
        &self,
        req: &Request,
        body: Json<SendByPushRequest>,
    ) -> ApiResult<Empty> {
        send_creation_token_by_push(req, body.0).await
    }

    /// Send an account creation token by push (the old path)
    ///
    /// Access: Public. The same as `POST /account_creation_tokens/send-by-push`, under the path
    /// the original first gave it: the Linphone SDK 5.1 (Debian 12's liblinphone) still posts
    /// its push sign-up here. Answers `{}` rather than an empty body, which 5.1 cannot read.
    #[oai(
        path = "/tokens",
        method = "post",
        tag = "ApiTags::Me",
        operation_id = "sendAccountCreationTokenByPushLegacy",
        deprecated
    )]
    async fn creation_by_push_legacy_path(
        &self,
        req: &Request,
        body: Json<SendByPushRequest>,
    ) -> ApiResult<Json<serde_json::Value>> {
        send_creation_token_by_push(req, body.0).await?;
        // An empty object, not an empty body: 5.1 crashes on an empty 2xx body.
        Ok(Json(serde_json::json!({})))
    }

    /// Send an account recovery token by push
    ///
    /// Access: Public. Creates a recovery token of this space and pushes it to the device; the
    /// app opens `/recovery/phone/{token}` with it, within
    /// `account_recovery_token_expiration_minutes`. 422 on a missing, null or malformed field;
    /// 429 (with `Retry-After`) within `account_recovery_token_retry_minutes` of the last token
    /// pushed to this device; 503 `Token not sent` (no token is kept).
    #[oai(
        path = "/account_recovery_tokens/send-by-push",
        method = "post",
        tag = "ApiTags::Me",
        operation_id = "sendAccountRecoveryTokenByPush"
    )]
    async fn recovery_by_push(
        &self,
        req: &Request,
        body: Json<SendByPushRequest>,
    ) -> ApiResult<Empty> {
        let request = push_request(body.0)?;
        state(req)?
            .services
            .send_recovery_token_by_push(request_space(req)?, request, origin(req))
            .await?;
        Ok(Empty::Ok)
    }

    /// Ask for an account creation request token
    ///
    /// Access: Public. A 13-character token and the page where a person validates it (with the
    /// captcha, when configured); once validated, the app exchanges it for a creation token
    /// (`/account_creation_tokens/using-account-creation-request-token`). 403 when the space's
    /// `public_registration` is off.
    #[oai(
        path = "/account_creation_request_tokens",
        method = "post",
        tag = "ApiTags::Me",
        operation_id = "createAccountCreationRequestToken"
    )]
    async fn create_request_token(&self, req: &Request) -> ApiResult<RequestTokenCreated> {
        let token = state(req)?
            .services
            .create_creation_request_token(request_space(req)?, origin(req))
            .await?;
        let validation_url = token
            .validated_at
            .is_none()
            .then(|| {
                base_url(req).map(|base| format!("{base}/creation_token/check/{}", token.token))
            })
            .transpose()?;
        Ok(RequestTokenCreated::Created(Json(
            CreationRequestTokenObject {
                token: token.token,
                validation_url,
            },
        )))
    }

    /// Exchange a validated request token for a creation token
    ///
    /// Access: Public. Spends a request token of this space that a person validated, once, for
    /// a new creation token (201). 422 `Please provide a valid account_creation_request_token`
    /// when it is missing, unknown, of another space or already exchanged; 404 while nobody
    /// validated it; 403 when the space's `public_registration` is off.
    #[oai(
        path = "/account_creation_tokens/using-account-creation-request-token",
        method = "post",
        tag = "ApiTags::Me",
        operation_id = "exchangeAccountCreationRequestToken"
    )]
    async fn exchange(
        &self,
        req: &Request,
        body: Json<ExchangeRequest>,
    ) -> ApiResult<TokenCreated> {
        let mut fields = Fields::default();
        let token = fields.text(
            "account_creation_request_token",
            body.0.account_creation_request_token,
        );
        fields.finish()?;
        let created = state(req)?
            .services
            .exchange_creation_request_token(request_space(req)?, token.as_deref(), origin(req))
            .await?;
        Ok(TokenCreated::Created(Json(CreationTokenObject::from(
            created,
        ))))
    }

    /// Send a push notification
    ///
    /// Access: User. Pushes a `background`, `message` or `call` notification (with its
    /// `call_id`) to a device. 422 on a missing, null or malformed field; 503
    /// `Push notification not sent` when nothing pushes to the provider or the push failed.
    #[oai(
        path = "/push_notification",
        method = "post",
        tag = "ApiTags::Me",
        operation_id = "sendPushNotification"
    )]
    async fn push_notification(
        &self,
        req: &Request,
        _caller: UserCaller,
        body: Json<PushNotificationRequest>,
    ) -> ApiResult<Empty> {
        let body = body.0;
        let mut fields = Fields::default();
        let request = NotificationRequest {
            target: PushRequest {
                pn_provider: fields.text("pn_provider", body.pn_provider),
                pn_param: fields.text("pn_param", body.pn_param),
                pn_prid: fields.text("pn_prid", body.pn_prid),
            },
            kind: fields.text("type", body.kind),
            call_id: fields.text("call_id", body.call_id),
        };
        fields.finish()?;
        state(req)?.services.push_notification(request).await?;
        Ok(Empty::Ok)
    }
}
