//! Call forwardings: the caller's own (User, `/accounts/me/call_forwardings`) and those of an
//! account of the request's space (Admin, `/accounts/{id}/call_forwardings`); and the shape
//! search and resolve show Flexisip them in.

use flexiapi_domain::model::{Account, AccountId, CallForwarding, CallForwardingId};
use flexiapi_domain::service::call_forwardings::CallForwardingInput;
use flexiapi_domain::validation::{Rule, ValidationErrors};
use poem::Request;
use poem_openapi::param::Path;
use poem_openapi::payload::{Json, PlainText};
use poem_openapi::{ApiResponse, Object, OpenApi};
use serde_json::Value;

use super::space_json::{Reader, fields};
use super::spaces::LooseJson;
use super::{AccountObject, ApiTags, request_space, state, timestamp};
use crate::auth::{AdminCaller, UserCaller};
use crate::error::ApiError;

pub struct CallForwardingsApi;

type ApiResult<T> = Result<T, ApiError>;

/// A call forwarding, as the original's.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct CallForwardingObject {
    pub id: i64,
    /// `always`, `no_answer` or `busy`.
    #[oai(rename = "type")]
    pub kind: String,
    /// `sip_uri`, `contact` or `voicemail`.
    pub forward_to: String,
    /// The address calls go to, when `forward_to` is `sip_uri`.
    #[oai(nullable)]
    pub sip_uri: Option<String>,
    pub enabled: bool,
    /// The contact account calls go to, when `forward_to` is `contact`.
    #[oai(nullable)]
    pub contact_id: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
    /// `sip:username@domain` of `contact_id`.
    #[oai(nullable)]
    pub contact_sip_uri: Option<String>,
}

impl From<&CallForwarding> for CallForwardingObject {
    fn from(f: &CallForwarding) -> Self {
        Self {
            id: f.id.0,
            kind: f.kind.to_string(),
            forward_to: f.forward_to.to_string(),
            sip_uri: f.sip_uri.as_ref().map(ToString::to_string),
            enabled: f.enabled,
            contact_id: f.contact_id.map(|c| c.0),
            created_at: timestamp(f.created_at),
            updated_at: timestamp(f.updated_at),
            contact_sip_uri: f.contact.as_ref().map(ToString::to_string),
        }
    }
}

impl poem_openapi::types::Example for CallForwardingObject {
    fn example() -> Self {
        Self {
            id: 7,
            kind: "busy".into(),
            forward_to: "contact".into(),
            sip_uri: None,
            enabled: true,
            contact_id: Some(43),
            created_at: "2026-01-01T10:00:00.000000Z".into(),
            updated_at: "2026-01-01T10:00:00.000000Z".into(),
            contact_sip_uri: Some("sip:bob@sip.example.org".into()),
        }
    }
}

/// An account object with its call forwardings: what search and resolve answer, so that
/// Flexisip can route the account's calls.
#[derive(Debug, Object)]
#[oai(example)]
pub struct AccountWithForwardings {
    #[oai(flatten)]
    pub account: AccountObject,
    pub call_forwardings: Vec<CallForwardingObject>,
}

impl poem_openapi::types::Example for AccountWithForwardings {
    fn example() -> Self {
        Self {
            account: poem_openapi::types::Example::example(),
            call_forwardings: vec![poem_openapi::types::Example::example()],
        }
    }
}

/// `account_object` (or any account object of `account`) with the account's forwardings.
pub(crate) async fn with_forwardings(
    req: &Request,
    account: &Account,
    object: AccountObject,
) -> ApiResult<AccountWithForwardings> {
    let forwardings = state(req)?.services.call_forwardings_of(account).await?;
    Ok(AccountWithForwardings {
        account: object,
        call_forwardings: forwardings.iter().map(Into::into).collect(),
    })
}

/// `POST`/`PUT …/call_forwardings` body.
#[derive(Debug, Object)]
pub struct CallForwardingRequest {
    /// Required: `always`, `no_answer` or `busy`; one of each per account.
    #[oai(rename = "type")]
    pub kind: String,
    /// Required: `sip_uri`, `contact` or `voicemail`.
    pub forward_to: String,
    /// A SIP URI (RFC 3261); required when `forward_to` is `sip_uri`, and only kept then.
    #[oai(nullable)]
    pub sip_uri: Option<String>,
    /// One of the account's contacts (direct, or through an attached contacts list); required
    /// when `forward_to` is `contact`, and only kept then.
    #[oai(nullable)]
    pub contact_id: Option<i64>,
    /// Required. An enabled `always` cannot stand beside an enabled `no_answer` or `busy`.
    pub enabled: bool,
}

/// The command of a loosely typed body: type mistakes become field errors.
fn input(body: &Value) -> CallForwardingInput {
    let map = fields(body);
    let mut unreadable = ValidationErrors::new();
    let mut r = Reader::top(body, &mut unreadable);
    let kind = r.text("type").flatten();
    let forward_to = r.text("forward_to").flatten();
    let sip_uri = r.text("sip_uri").flatten();
    let contact_id = r.integer("contact_id").flatten();
    // Null is absent (required), as the original's empty-string-to-null convention.
    let enabled = match map.get("enabled") {
        None | Some(Value::Null) => None,
        Some(_) => r.boolean("enabled"),
    };
    // A `type` sent as a number reads as text; only its name can be right.
    if matches!(map.get("type"), Some(Value::Number(_))) {
        unreadable.add("type", Rule::Text);
    }
    CallForwardingInput {
        kind: kind.filter(|_| !unreadable.has("type")),
        forward_to,
        sip_uri,
        contact_id,
        enabled,
        unreadable,
    }
}

#[derive(ApiResponse)]
pub enum CallForwardingCreated {
    #[oai(status = 201)]
    Created(Json<CallForwardingObject>),
}

#[OpenApi]
impl CallForwardingsApi {
    /// My call forwardings
    ///
    /// Access: User. Ordered by id.
    #[oai(
        path = "/accounts/me/call_forwardings",
        method = "get",
        tag = "ApiTags::Me",
        operation_id = "listMyCallForwardings"
    )]
    async fn mine(
        &self,
        req: &Request,
        caller: UserCaller,
    ) -> ApiResult<Json<Vec<CallForwardingObject>>> {
        let forwardings = state(req)?
            .services
            .call_forwardings_of(&caller.0.auth.account)
            .await?;
        Ok(Json(forwardings.iter().map(Into::into).collect()))
    }

    /// Add one of my call forwardings
    ///
    /// Access: User. `type` is `always`, `no_answer` or `busy` (one of each); `forward_to` is
    /// `sip_uri` (then `sip_uri` is required), `contact` (then `contact_id`, one of my contacts,
    /// is required) or `voicemail`; `enabled` is required, and an enabled `always` cannot stand
    /// beside an enabled `no_answer` or `busy`. 422 with every broken rule.
    #[oai(
        path = "/accounts/me/call_forwardings",
        method = "post",
        tag = "ApiTags::Me",
        operation_id = "createMyCallForwarding"
    )]
    async fn create_mine(
        &self,
        req: &Request,
        caller: UserCaller,
        body: LooseJson<CallForwardingRequest>,
    ) -> ApiResult<CallForwardingCreated> {
        let created = state(req)?
            .services
            .create_call_forwarding(&caller.0.auth.account, input(&body.0))
            .await?;
        Ok(CallForwardingCreated::Created(Json((&created).into())))
    }

    /// One of my call forwardings
    ///
    /// Access: User. 404 for one that is not mine.
    #[oai(
        path = "/accounts/me/call_forwardings/:call_forwarding_id",
        method = "get",
        tag = "ApiTags::Me",
        operation_id = "getMyCallForwarding"
    )]
    async fn one_of_mine(
        &self,
        req: &Request,
        caller: UserCaller,
        call_forwarding_id: Path<i64>,
    ) -> ApiResult<Json<CallForwardingObject>> {
        let forwarding = state(req)?
            .services
            .call_forwarding(
                &caller.0.auth.account,
                CallForwardingId(call_forwarding_id.0),
            )
            .await?;
        Ok(Json((&forwarding).into()))
    }

    /// Replace one of my call forwardings
    ///
    /// Access: User. Every field again, with the rules of a new one (its own `type` is no
    /// conflict). 404 for one that is not mine.
    #[oai(
        path = "/accounts/me/call_forwardings/:call_forwarding_id",
        method = "put",
        tag = "ApiTags::Me",
        operation_id = "updateMyCallForwarding"
    )]
    async fn update_mine(
        &self,
        req: &Request,
        caller: UserCaller,
        call_forwarding_id: Path<i64>,
        body: LooseJson<CallForwardingRequest>,
    ) -> ApiResult<Json<CallForwardingObject>> {
        let updated = state(req)?
            .services
            .update_call_forwarding(
                &caller.0.auth.account,
                CallForwardingId(call_forwarding_id.0),
                input(&body.0),
            )
            .await?;
        Ok(Json((&updated).into()))
    }

    /// Replace one of my call forwardings (PATCH)
    ///
    /// Access: User. The same as `PUT`: the original routes `PUT` and `PATCH` alike.
    #[oai(
        path = "/accounts/me/call_forwardings/:call_forwarding_id",
        method = "patch",
        tag = "ApiTags::Me",
        operation_id = "patchMyCallForwarding"
    )]
    async fn patch_update_mine(
        &self,
        req: &Request,
        caller: UserCaller,
        call_forwarding_id: Path<i64>,
        body: LooseJson<CallForwardingRequest>,
    ) -> ApiResult<Json<CallForwardingObject>> {
        self.update_mine(req, caller, call_forwarding_id, body)
            .await
    }

    /// Delete one of my call forwardings
    ///
    /// Access: User. Answers `1`; 404 for one that is not mine.
    #[oai(
        path = "/accounts/me/call_forwardings/:call_forwarding_id",
        method = "delete",
        tag = "ApiTags::Me",
        operation_id = "deleteMyCallForwarding"
    )]
    async fn delete_mine(
        &self,
        req: &Request,
        caller: UserCaller,
        call_forwarding_id: Path<i64>,
    ) -> ApiResult<PlainText<&'static str>> {
        state(req)?
            .services
            .delete_call_forwarding(
                &caller.0.auth.account,
                CallForwardingId(call_forwarding_id.0),
            )
            .await?;
        Ok(PlainText("1"))
    }

    /// An account's call forwardings
    ///
    /// Access: Admin. Ordered by id; 404 for an account of another space.
    #[oai(
        path = "/accounts/:id/call_forwardings",
        method = "get",
        tag = "ApiTags::Accounts",
        operation_id = "listCallForwardings"
    )]
    async fn list(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
    ) -> ApiResult<Json<Vec<CallForwardingObject>>> {
        let forwardings = state(req)?
            .services
            .account_call_forwardings(request_space(req)?, AccountId(id.0))
            .await?;
        Ok(Json(forwardings.iter().map(Into::into).collect()))
    }

    /// Add a call forwarding to an account
    ///
    /// Access: Admin. The rules of `POST /accounts/me/call_forwardings`, `contact_id` among the
    /// account's contacts; 404 for an account of another space.
    #[oai(
        path = "/accounts/:id/call_forwardings",
        method = "post",
        tag = "ApiTags::Accounts",
        operation_id = "createCallForwarding"
    )]
    async fn create(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
        body: LooseJson<CallForwardingRequest>,
    ) -> ApiResult<CallForwardingCreated> {
        let created = state(req)?
            .services
            .create_account_call_forwarding(request_space(req)?, AccountId(id.0), input(&body.0))
            .await?;
        Ok(CallForwardingCreated::Created(Json((&created).into())))
    }

    /// One of an account's call forwardings
    ///
    /// Access: Admin. 404 for an account of another space or a forwarding of another account.
    #[oai(
        path = "/accounts/:id/call_forwardings/:call_forwarding_id",
        method = "get",
        tag = "ApiTags::Accounts",
        operation_id = "getCallForwarding"
    )]
    async fn get(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
        call_forwarding_id: Path<i64>,
    ) -> ApiResult<Json<CallForwardingObject>> {
        let forwarding = state(req)?
            .services
            .account_call_forwarding(
                request_space(req)?,
                AccountId(id.0),
                CallForwardingId(call_forwarding_id.0),
            )
            .await?;
        Ok(Json((&forwarding).into()))
    }

    /// Replace one of an account's call forwardings
    ///
    /// Access: Admin. As `PUT /accounts/me/call_forwardings/{call_forwarding_id}`.
    #[oai(
        path = "/accounts/:id/call_forwardings/:call_forwarding_id",
        method = "put",
        tag = "ApiTags::Accounts",
        operation_id = "updateCallForwarding"
    )]
    async fn update(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
        call_forwarding_id: Path<i64>,
        body: LooseJson<CallForwardingRequest>,
    ) -> ApiResult<Json<CallForwardingObject>> {
        let updated = state(req)?
            .services
            .update_account_call_forwarding(
                request_space(req)?,
                AccountId(id.0),
                CallForwardingId(call_forwarding_id.0),
                input(&body.0),
            )
            .await?;
        Ok(Json((&updated).into()))
    }

    /// Replace one of an account's call forwardings (PATCH)
    ///
    /// Access: Admin. The same as `PUT`: the original routes `PUT` and `PATCH` alike.
    #[oai(
        path = "/accounts/:id/call_forwardings/:call_forwarding_id",
        method = "patch",
        tag = "ApiTags::Accounts",
        operation_id = "patchCallForwarding"
    )]
    async fn patch_update(
        &self,
        req: &Request,
        caller: AdminCaller,
        id: Path<i64>,
        call_forwarding_id: Path<i64>,
        body: LooseJson<CallForwardingRequest>,
    ) -> ApiResult<Json<CallForwardingObject>> {
        self.update(req, caller, id, call_forwarding_id, body).await
    }

    /// Delete one of an account's call forwardings
    ///
    /// Access: Admin. Answers `1`; 404 for an account of another space or a forwarding of
    /// another account.
    #[oai(
        path = "/accounts/:id/call_forwardings/:call_forwarding_id",
        method = "delete",
        tag = "ApiTags::Accounts",
        operation_id = "deleteCallForwarding"
    )]
    async fn delete(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
        call_forwarding_id: Path<i64>,
    ) -> ApiResult<PlainText<&'static str>> {
        state(req)?
            .services
            .delete_account_call_forwarding(
                request_space(req)?,
                AccountId(id.0),
                CallForwardingId(call_forwarding_id.0),
            )
            .await?;
        Ok(PlainText("1"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_mistakes_become_field_errors() {
        let read = input(&serde_json::json!({
            "type": 3,
            "forward_to": "contact",
            "contact_id": "twelve",
            "enabled": "yes",
        }));
        let fields: Vec<&str> = read.unreadable.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["contact_id", "enabled", "type"]);
        assert_eq!(read.kind, None);
        let read = input(&serde_json::json!({
            "type": "busy",
            "forward_to": "contact",
            "contact_id": "12",
            "enabled": 1,
            "sip_uri": null,
        }));
        assert!(read.unreadable.is_empty());
        assert_eq!(
            (read.kind.as_deref(), read.contact_id, read.enabled),
            (Some("busy"), Some(12), Some(true))
        );
        let read = input(&serde_json::json!({"enabled": null}));
        assert_eq!((read.enabled, read.unreadable.is_empty()), (None, true));
    }
}
