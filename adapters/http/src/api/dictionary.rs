//! An account's dictionary: free key/value strings handed to its clients (Admin).

use std::collections::BTreeMap;

use flexiapi_domain::model::AccountId;
use poem::Request;
use poem_openapi::param::Path;
use poem_openapi::payload::{Json, PlainText};
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::{ApiTags, request_space, state};
use crate::auth::AdminCaller;
use crate::error::ApiError;

pub struct DictionaryApi;

/// One entry's value.
#[derive(Debug, Object)]
pub struct DictionaryValue {
    #[oai(nullable)]
    pub value: Option<String>,
}

#[derive(ApiResponse)]
pub enum EntrySet {
    /// The entry was written.
    #[oai(status = 201)]
    Created(Json<DictionaryValue>),
}

async fn account(req: &Request, id: i64) -> Result<flexiapi_domain::model::Account, ApiError> {
    Ok(state(req)?
        .services
        .account_in_space(AccountId(id), request_space(req)?)
        .await?)
}

#[OpenApi]
impl DictionaryApi {
    /// An account's dictionary
    ///
    /// Access: Admin. `{}` when empty.
    #[oai(
        path = "/accounts/:id/dictionary",
        method = "get",
        tag = "ApiTags::Accounts",
        operation_id = "getDictionary"
    )]
    async fn list(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
    ) -> Result<Json<BTreeMap<String, String>>, ApiError> {
        let account = account(req, id.0).await?;
        Ok(Json(state(req)?.services.dictionary_of(account.id).await?))
    }

    /// Clear an account's dictionary
    ///
    /// Access: Admin. Answers how many entries were removed.
    #[oai(
        path = "/accounts/:id/dictionary",
        method = "delete",
        tag = "ApiTags::Accounts",
        operation_id = "clearDictionary"
    )]
    async fn clear(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
    ) -> Result<PlainText<String>, ApiError> {
        let account = account(req, id.0).await?;
        let removed = state(req)?.services.clear_dictionary(account.id).await?;
        Ok(PlainText(removed.to_string()))
    }

    /// One dictionary entry
    ///
    /// Access: Admin. `{"value": null}` when the key is absent.
    #[oai(
        path = "/accounts/:id/dictionary/:key",
        method = "get",
        tag = "ApiTags::Accounts",
        operation_id = "getDictionaryEntry"
    )]
    async fn get(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
        key: Path<String>,
    ) -> Result<Json<DictionaryValue>, ApiError> {
        let account = account(req, id.0).await?;
        let value = state(req)?
            .services
            .dictionary_entry(account.id, &key.0)
            .await?;
        Ok(Json(DictionaryValue { value }))
    }

    /// Set a dictionary entry
    ///
    /// Access: Admin. Creates or replaces the entry; `value` is required (at most 255 characters).
    #[oai(
        path = "/accounts/:id/dictionary/:key",
        method = "post",
        tag = "ApiTags::Accounts",
        operation_id = "setDictionaryEntry"
    )]
    async fn set(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
        key: Path<String>,
        body: Json<DictionaryValue>,
    ) -> Result<EntrySet, ApiError> {
        let account = account(req, id.0).await?;
        let value = state(req)?
            .services
            .set_dictionary_entry(account.id, &key.0, body.0.value)
            .await?;
        Ok(EntrySet::Created(Json(DictionaryValue {
            value: Some(value),
        })))
    }

    /// Delete a dictionary entry
    ///
    /// Access: Admin. Answers `1` when the key existed, `0` otherwise.
    #[oai(
        path = "/accounts/:id/dictionary/:key",
        method = "delete",
        tag = "ApiTags::Accounts",
        operation_id = "deleteDictionaryEntry"
    )]
    async fn delete(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
        key: Path<String>,
    ) -> Result<PlainText<&'static str>, ApiError> {
        let account = account(req, id.0).await?;
        let removed = state(req)?
            .services
            .delete_dictionary_entry(account.id, &key.0)
            .await?;
        Ok(PlainText(if removed { "1" } else { "0" }))
    }
}
