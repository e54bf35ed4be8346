//! Admin management of an account's API keys: stable admin keys, and the usage figures of every
//! key (never the keys themselves, which are only shown at creation).

use flexiapi_domain::model::{AccountId, ApiKey, ApiKeyId, ApiKeyKind};
use poem::Request;
use poem_openapi::param::Path;
use poem_openapi::payload::{Json, PlainText};
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::{ApiTags, request_space, state, timestamp};
use crate::auth::AdminCaller;
use crate::error::ApiError;

pub struct ApiKeysApi;

/// A stored API key and its usage.
#[derive(Debug, Object)]
#[oai(example)]
pub struct ApiKeyInfo {
    pub id: i64,
    #[oai(nullable)]
    pub name: Option<String>,
    /// `user` (bound to `ip`, dies when unused) or `admin` (stable).
    pub kind: String,
    #[oai(nullable)]
    pub ip: Option<String>,
    pub last_used_at: String,
    /// Requests authenticated with this key.
    pub requests: i64,
    pub created_at: String,
}

/// A new admin key: `api_key` is shown only in this answer.
#[derive(Debug, Object)]
#[oai(example)]
pub struct NewApiKeyObject {
    pub id: i64,
    #[oai(nullable)]
    pub name: Option<String>,
    pub api_key: String,
    pub created_at: String,
}

/// `POST /accounts/{id}/api_keys` body.
#[derive(Debug, Object)]
#[oai(example)]
pub struct NewApiKeyRequest {
    #[oai(nullable)]
    pub name: Option<String>,
}

#[derive(ApiResponse)]
pub enum ApiKeyCreated {
    #[oai(status = 201)]
    Created(Json<NewApiKeyObject>),
}

fn info(req: &Request, key: &ApiKey) -> Result<ApiKeyInfo, ApiError> {
    // Usage is written in batches: add what this process has not flushed yet.
    let pending = state(req)?.authenticator.usage().pending(key.id);
    let (ip, kind) = match &key.kind {
        ApiKeyKind::User { ip } => (Some(ip.clone()), "user"),
        ApiKeyKind::Admin => (None, "admin"),
    };
    Ok(ApiKeyInfo {
        id: key.id.0,
        name: key.name.clone(),
        kind: kind.into(),
        ip,
        last_used_at: timestamp(
            pending.map_or(key.last_used_at, |p| p.last_used_at.max(key.last_used_at)),
        ),
        requests: key.requests + pending.map_or(0, |p| p.requests),
        created_at: timestamp(key.created_at),
    })
}

#[OpenApi]
impl ApiKeysApi {
    /// List an account's API keys
    ///
    /// Access: Admin. Usage figures of each key (`last_used_at`, `requests`); the keys themselves
    /// are never shown again.
    #[oai(
        path = "/accounts/:id/api_keys",
        method = "get",
        tag = "ApiTags::Accounts",
        operation_id = "listAccountApiKeys"
    )]
    async fn list(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
    ) -> Result<Json<Vec<ApiKeyInfo>>, ApiError> {
        let services = &state(req)?.services;
        let account = services
            .account_in_space(AccountId(id.0), request_space(req)?)
            .await?;
        let keys = services.api_keys_of(&account).await?;
        Ok(Json(
            keys.iter()
                .map(|k| info(req, k))
                .collect::<Result<_, _>>()?,
        ))
    }

    /// Create an admin API key
    ///
    /// Access: Admin. A stable key (no IP binding, no idle expiry) for an account of the space,
    /// shown once.
    #[oai(
        path = "/accounts/:id/api_keys",
        method = "post",
        tag = "ApiTags::Accounts",
        operation_id = "createAccountApiKey"
    )]
    async fn create(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
        body: Json<NewApiKeyRequest>,
    ) -> Result<ApiKeyCreated, ApiError> {
        let services = &state(req)?.services;
        let account = services
            .account_in_space(AccountId(id.0), request_space(req)?)
            .await?;
        let (stored, key) = services
            .create_named_admin_api_key(&account, body.0.name)
            .await?;
        Ok(ApiKeyCreated::Created(Json(NewApiKeyObject {
            id: stored.id.0,
            name: stored.name,
            api_key: key,
            created_at: timestamp(stored.created_at),
        })))
    }

    /// Delete an API key
    ///
    /// Access: Admin. Answers `1`.
    #[oai(
        path = "/accounts/:id/api_keys/:key_id",
        method = "delete",
        tag = "ApiTags::Accounts",
        operation_id = "deleteAccountApiKey"
    )]
    async fn delete(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
        key_id: Path<i64>,
    ) -> Result<PlainText<&'static str>, ApiError> {
        let services = &state(req)?.services;
        let account = services
            .account_in_space(AccountId(id.0), request_space(req)?)
            .await?;
        services
            .delete_api_key(&account, ApiKeyId(key_id.0))
            .await?;
        Ok(PlainText("1"))
    }
}

impl poem_openapi::types::Example for ApiKeyInfo {
    fn example() -> Self {
        Self {
            id: 7,
            name: Some("monitoring".into()),
            kind: "admin".into(),
            ip: None,
            last_used_at: "2026-01-01T10:00:00.000000Z".into(),
            requests: 1234,
            created_at: "2025-12-01T09:00:00.000000Z".into(),
        }
    }
}

impl poem_openapi::types::Example for NewApiKeyObject {
    fn example() -> Self {
        Self {
            id: 7,
            name: Some("monitoring".into()),
            api_key: "<40 letters and digits, shown once>".into(),
            created_at: "2026-01-01T10:00:00.000000Z".into(),
        }
    }
}

impl poem_openapi::types::Example for NewApiKeyRequest {
    fn example() -> Self {
        Self {
            name: Some("monitoring".into()),
        }
    }
}
