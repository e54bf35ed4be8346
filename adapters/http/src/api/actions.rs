//! DTMF actions of an account (Admin): only for accounts with a `dtmf_protocol`.

use flexiapi_domain::model::{AccountAction, AccountActionId, AccountId};
use poem::Request;
use poem_openapi::param::Path;
use poem_openapi::payload::{Json, PlainText};
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::{ApiTags, request_space, state};
use crate::auth::AdminCaller;
use crate::error::ApiError;

pub struct ActionsApi;

/// A DTMF action.
#[derive(Debug, Object)]
pub struct ActionObject {
    pub id: i64,
    pub key: String,
    pub code: String,
}

impl From<AccountAction> for ActionObject {
    fn from(a: AccountAction) -> Self {
        Self {
            id: a.id.0,
            key: a.key.into_string(),
            code: a.code.into_string(),
        }
    }
}

/// `POST`/`PUT .../actions` body.
#[derive(Debug, Object)]
pub struct ActionInput {
    /// Lower-case letters, digits, `-` and `_`.
    #[oai(nullable)]
    pub key: Option<String>,
    /// Lower-case letters and digits.
    #[oai(nullable)]
    pub code: Option<String>,
}

#[derive(ApiResponse)]
pub enum ActionCreated {
    #[oai(status = 201)]
    Created(Json<ActionObject>),
}

#[OpenApi]
impl ActionsApi {
    /// List an account's DTMF actions
    ///
    /// Access: Admin. 403 when the account has no `dtmf_protocol`.
    #[oai(
        path = "/accounts/:id/actions",
        method = "get",
        tag = "ApiTags::Accounts",
        operation_id = "listActions"
    )]
    async fn list(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
    ) -> Result<Json<Vec<ActionObject>>, ApiError> {
        let actions = state(req)?
            .services
            .account_actions(request_space(req)?, AccountId(id.0))
            .await?;
        Ok(Json(actions.into_iter().map(Into::into).collect()))
    }

    /// Create a DTMF action
    ///
    /// Access: Admin. `key` and `code` are required.
    #[oai(
        path = "/accounts/:id/actions",
        method = "post",
        tag = "ApiTags::Accounts",
        operation_id = "createAction"
    )]
    async fn create(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
        body: Json<ActionInput>,
    ) -> Result<ActionCreated, ApiError> {
        let action = state(req)?
            .services
            .save_account_action(
                request_space(req)?,
                AccountId(id.0),
                None,
                body.0.key,
                body.0.code,
            )
            .await?;
        Ok(ActionCreated::Created(Json(action.into())))
    }

    /// Show a DTMF action
    ///
    /// Access: Admin.
    #[oai(
        path = "/accounts/:id/actions/:action_id",
        method = "get",
        tag = "ApiTags::Accounts",
        operation_id = "getAction"
    )]
    async fn show(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
        action_id: Path<i64>,
    ) -> Result<Json<ActionObject>, ApiError> {
        let action = state(req)?
            .services
            .account_action(
                request_space(req)?,
                AccountId(id.0),
                AccountActionId(action_id.0),
            )
            .await?;
        Ok(Json(action.into()))
    }

    /// Update a DTMF action
    ///
    /// Access: Admin.
    #[oai(
        path = "/accounts/:id/actions/:action_id",
        method = "put",
        tag = "ApiTags::Accounts",
        operation_id = "updateAction"
    )]
    async fn update(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
        action_id: Path<i64>,
        body: Json<ActionInput>,
    ) -> Result<Json<ActionObject>, ApiError> {
        let action = state(req)?
            .services
            .save_account_action(
                request_space(req)?,
                AccountId(id.0),
                Some(AccountActionId(action_id.0)),
                body.0.key,
                body.0.code,
            )
            .await?;
        Ok(Json(action.into()))
    }

    /// Update a DTMF action (PATCH)
    ///
    /// Access: Admin. The same as `PUT`: the original routes `PUT` and `PATCH` alike.
    #[oai(
        path = "/accounts/:id/actions/:action_id",
        method = "patch",
        tag = "ApiTags::Accounts",
        operation_id = "patchAction"
    )]
    async fn patch_update(
        &self,
        req: &Request,
        caller: AdminCaller,
        id: Path<i64>,
        action_id: Path<i64>,
        body: Json<ActionInput>,
    ) -> Result<Json<ActionObject>, ApiError> {
        self.update(req, caller, id, action_id, body).await
    }

    /// Delete a DTMF action
    ///
    /// Access: Admin. Answers `1`, or `0` when it did not exist.
    #[oai(
        path = "/accounts/:id/actions/:action_id",
        method = "delete",
        tag = "ApiTags::Accounts",
        operation_id = "deleteAction"
    )]
    async fn delete(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
        action_id: Path<i64>,
    ) -> Result<PlainText<&'static str>, ApiError> {
        let deleted = state(req)?
            .services
            .delete_account_action(
                request_space(req)?,
                AccountId(id.0),
                AccountActionId(action_id.0),
            )
            .await?;
        Ok(PlainText(if deleted { "1" } else { "0" }))
    }
}
