//! Account types: global labels admins attach to accounts (Admin).

use flexiapi_domain::model::{AccountId, AccountType, AccountTypeId};
use flexiapi_domain::validation::{Rule, is_alpha_dash};
use poem::Request;
use poem::http::StatusCode;
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
            key: t.key,
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

fn valid_key(input: AccountTypeInput) -> Result<String, ApiError> {
    match input
        .key
        .map(|k| k.trim().to_owned())
        .filter(|k| !k.is_empty())
    {
        None => Err(ApiError::field("key", Rule::Required)),
        Some(k) if !is_alpha_dash(&k) || k.len() > 64 => {
            Err(ApiError::field("key", Rule::AlphaDash))
        }
        Some(k) => Ok(k),
    }
}

async fn find(req: &Request, id: i64) -> Result<AccountType, ApiError> {
    state(req)?
        .services
        .storage
        .account_type(AccountTypeId(id))
        .await?
        .ok_or_else(ApiError::not_found)
}

#[OpenApi]
impl AccountTypesApi {
    /// List account types
    ///
    /// Access: Admin. Types are shared by every space.
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
        let types = state(req)?.services.storage.list_account_types().await?;
        Ok(Json(types.into_iter().map(Into::into).collect()))
    }

    /// Create an account type
    ///
    /// Access: Admin. `key` is required, unique, lower-case letters, digits, `-` and `_`.
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
        let key = valid_key(body.0)?;
        let services = &state(req)?.services;
        let created = services
            .storage
            .create_account_type(&key, services.now())
            .await?;
        Ok(TypeCreated::Created(Json(created.into())))
    }

    /// Show an account type
    ///
    /// Access: Admin.
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
        Ok(Json(find(req, id.0).await?.into()))
    }

    /// Rename an account type
    ///
    /// Access: Admin.
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
        let key = valid_key(body.0)?;
        let existing = find(req, id.0).await?;
        let services = &state(req)?.services;
        let updated = services
            .storage
            .update_account_type(existing.id, &key, services.now())
            .await?;
        Ok(Json(updated.into()))
    }

    /// Delete an account type
    ///
    /// Access: Admin. Answers `1`, or `0` when it did not exist.
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
            .storage
            .delete_account_type(AccountTypeId(id.0))
            .await?;
        Ok(PlainText(if deleted { "1" } else { "0" }))
    }

    /// Attach a type to an account
    ///
    /// Access: Admin. 403 when already attached (as the original), 404 for an unknown type or an
    /// account of another space.
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
        let services = &state(req)?.services;
        let account = services
            .account_in_space(AccountId(id.0), request_space(req)?)
            .await?;
        let kind = find(req, type_id.0).await?;
        if services
            .storage
            .attach_account_type(account.id, kind.id, services.now())
            .await?
        {
            Ok(Attached::Ok)
        } else {
            Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "type-already-attached",
            ))
        }
    }

    /// Detach a type from an account
    ///
    /// Access: Admin. 403 when it was not attached (as the original). Answers `1`.
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
        let services = &state(req)?.services;
        let account = services
            .account_in_space(AccountId(id.0), request_space(req)?)
            .await?;
        if services
            .storage
            .detach_account_type(account.id, AccountTypeId(type_id.0))
            .await?
        {
            Ok(PlainText("1"))
        } else {
            Err(ApiError::new(StatusCode::FORBIDDEN, "type-not-attached"))
        }
    }
}
