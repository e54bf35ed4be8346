//! Account types: labels the admins of a space attach to its accounts (Admin). Each space has
//! its own types; another space's type answers as an unknown id.

use flexiapi_domain::model::{AccountId, AccountType, AccountTypeId};
use poem::Request;
use poem_openapi::param::Path;
use poem_openapi::payload::{Json, PlainText};
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::{ApiTags, request_space, state};
use crate::auth::AdminCaller;
use crate::error::ApiError;

pub struct AccountTypesApi;

/// An account type.
#[derive(Debug, Object)]
pub struct AccountTypeObject {
    pub id: i64,
    /// Lower-case letters, digits, `-` and `_`.
    pub key: String,
}

impl From<AccountType> for AccountTypeObject {
    fn from(t: AccountType) -> Self {
        Self {
            id: t.id.0,
            key: t.key.into_string(),
        }
    }
}

/// `POST`/`PUT /account_types` body.
#[derive(Debug, Object)]
pub struct AccountTypeInput {
    #[oai(nullable)]
    pub key: Option<String>,
}

#[derive(ApiResponse)]
pub enum TypeCreated {
    #[oai(status = 201)]
    Created(Json<AccountTypeObject>),
}

#[derive(ApiResponse)]
pub enum Attached {
    #[oai(status = 200)]
    Ok,
}

#[OpenApi]
impl AccountTypesApi {
    /// List account types
    ///
    /// Access: Admin. The types of the request's space.
    #[oai(
        path = "/account_types",
        method = "get",
        tag = "ApiTags::Accounts",
        operation_id = "listAccountTypes"
    )]
    async fn list(
        &self,
        req: &Request,
        _caller: AdminCaller,
    ) -> Result<Json<Vec<AccountTypeObject>>, ApiError> {
        let types = state(req)?
            .services
            .list_account_types(request_space(req)?)
            .await?;
        Ok(Json(types.into_iter().map(Into::into).collect()))
    }

    /// Create an account type
    ///
    /// Access: Admin. `key` is required, unique in the space, lower-case letters, digits, `-` and
    /// `_`.
    #[oai(
        path = "/account_types",
        method = "post",
        tag = "ApiTags::Accounts",
        operation_id = "createAccountType"
    )]
    async fn create(
        &self,
        req: &Request,
        _caller: AdminCaller,
        body: Json<AccountTypeInput>,
    ) -> Result<TypeCreated, ApiError> {
        let created = state(req)?
            .services
            .create_account_type(request_space(req)?, body.0.key)
            .await?;
        Ok(TypeCreated::Created(Json(created.into())))
    }

    /// Show an account type
    ///
    /// Access: Admin. 404 for a type of another space.
    #[oai(
        path = "/account_types/:id",
        method = "get",
        tag = "ApiTags::Accounts",
        operation_id = "getAccountType"
    )]
    async fn show(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
    ) -> Result<Json<AccountTypeObject>, ApiError> {
        let kind = state(req)?
            .services
            .account_type(request_space(req)?, AccountTypeId(id.0))
            .await?;
        Ok(Json(kind.into()))
    }

    /// Rename an account type
    ///
    /// Access: Admin. 404 for a type of another space.
    #[oai(
        path = "/account_types/:id",
        method = "put",
        tag = "ApiTags::Accounts",
        operation_id = "updateAccountType"
    )]
    async fn update(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
        body: Json<AccountTypeInput>,
    ) -> Result<Json<AccountTypeObject>, ApiError> {
        let updated = state(req)?
            .services
            .update_account_type(request_space(req)?, AccountTypeId(id.0), body.0.key)
            .await?;
        Ok(Json(updated.into()))
    }

    /// Rename an account type (PATCH)
    ///
    /// Access: Admin. The same as `PUT`: the original routes `PUT` and `PATCH` alike.
    #[oai(
        path = "/account_types/:id",
        method = "patch",
        tag = "ApiTags::Accounts",
        operation_id = "patchAccountType"
    )]
    async fn patch_update(
        &self,
        req: &Request,
        caller: AdminCaller,
        id: Path<i64>,
        body: Json<AccountTypeInput>,
    ) -> Result<Json<AccountTypeObject>, ApiError> {
        self.update(req, caller, id, body).await
    }

    /// Delete an account type
    ///
    /// Access: Admin. Answers `1`, or `0` when it did not exist in the space.
    #[oai(
        path = "/account_types/:id",
        method = "delete",
        tag = "ApiTags::Accounts",
        operation_id = "deleteAccountType"
    )]
    async fn delete(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
    ) -> Result<PlainText<&'static str>, ApiError> {
        let deleted = state(req)?
            .services
            .delete_account_type(request_space(req)?, AccountTypeId(id.0))
            .await?;
        Ok(PlainText(if deleted { "1" } else { "0" }))
    }

    /// Attach a type to an account
    ///
    /// Access: Admin. 403 when already attached (as the original), 404 for an unknown type, a type
    /// or an account of another space.
    #[oai(
        path = "/accounts/:id/types/:type_id",
        method = "post",
        tag = "ApiTags::Accounts",
        operation_id = "attachAccountType"
    )]
    async fn attach(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
        type_id: Path<i64>,
    ) -> Result<Attached, ApiError> {
        state(req)?
            .services
            .attach_account_type(
                request_space(req)?,
                AccountId(id.0),
                AccountTypeId(type_id.0),
            )
            .await?;
        Ok(Attached::Ok)
    }

    /// Detach a type from an account
    ///
    /// Access: Admin. 403 when it was not attached (as the original), 404 for an unknown type, a
    /// type or an account of another space. Answers `1`.
    #[oai(
        path = "/accounts/:id/types/:type_id",
        method = "delete",
        tag = "ApiTags::Accounts",
        operation_id = "detachAccountType"
    )]
    async fn detach(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
        type_id: Path<i64>,
    ) -> Result<PlainText<&'static str>, ApiError> {
        state(req)?
            .services
            .detach_account_type(
                request_space(req)?,
                AccountId(id.0),
                AccountTypeId(type_id.0),
            )
            .await?;
        Ok(PlainText("1"))
    }
}
