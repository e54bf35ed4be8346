//! An account's external account (Admin): `GET`/`POST`/`DELETE /accounts/{id}/external`, the
//! account Flexisip's B2BUA registers on another SIP provider for it.
//!
//! The password is write-only: stored as an MD5 HA1 over `username:(realm or domain):password`
//! and never shown. Every change is published on Redis (`flexisip/B2BUA/account`) once stored.

use flexiapi_domain::model::{AccountId, ExternalAccount};
use flexiapi_domain::service::external_accounts::ExternalAccountInput;
use flexiapi_domain::validation::ValidationErrors;
use poem::Request;
use poem_openapi::param::Path;
use poem_openapi::payload::{Json, PlainText};
use poem_openapi::{ApiResponse, Object, OpenApi};
use serde_json::Value;

use super::space_json::Reader;
use super::spaces::LooseJson;
use super::{ApiTags, request_space, state, timestamp};
use crate::auth::AdminCaller;
use crate::error::ApiError;

pub struct ExternalAccountsApi;

/// An external account, as shown: everything but the password's hash.
#[derive(Debug, Clone, Object)]
pub struct ExternalAccountObject {
    pub id: i64,
    pub account_id: i64,
    pub username: String,
    /// The provider's SIP domain: a host name or an IP address.
    pub domain: String,
    /// Of the stored hash: always `MD5`.
    pub algorithm: String,
    #[oai(nullable)]
    pub realm: Option<String>,
    #[oai(nullable)]
    pub registrar: Option<String>,
    #[oai(nullable)]
    pub outbound_proxy: Option<String>,
    /// `UDP`, `TCP` or `TLS`.
    pub protocol: String,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&ExternalAccount> for ExternalAccountObject {
    fn from(e: &ExternalAccount) -> Self {
        Self {
            id: e.id.0,
            account_id: e.account_id.0,
            username: e.username.clone(),
            domain: e.domain.clone(),
            algorithm: e.algorithm.as_str().to_owned(),
            realm: e.realm.clone(),
            registrar: e.registrar.clone(),
            outbound_proxy: e.outbound_proxy.clone(),
            protocol: e.protocol.as_str().to_owned(),
            created_at: timestamp(e.created_at),
            updated_at: timestamp(e.updated_at),
        }
    }
}

/// `POST /accounts/{id}/external` body.
#[derive(Debug, Object)]
pub struct ExternalAccountInputObject {
    /// Required: a SIP user part; unique with `domain` among all external accounts.
    pub username: String,
    /// Required: a host name or an IP address (v4 or v6).
    pub domain: String,
    /// Write-only. Required on creation and when `realm` or `domain` changes; otherwise the
    /// stored hash is kept.
    #[oai(nullable, write_only)]
    pub password: Option<String>,
    /// Must differ from `domain`; the hash is computed over it, else over the domain.
    #[oai(nullable)]
    pub realm: Option<String>,
    /// Must differ from `domain`.
    #[oai(nullable)]
    pub registrar: Option<String>,
    /// Must differ from `domain`.
    #[oai(nullable)]
    pub outbound_proxy: Option<String>,
    /// Required: `UDP`, `TCP` or `TLS`.
    pub protocol: String,
}

/// The command of a loosely typed body: type mistakes become field errors.
fn input(body: &Value) -> ExternalAccountInput {
    let mut unreadable = ValidationErrors::new();
    let mut r = Reader::top(body, &mut unreadable);
    let mut text = |key: &str| r.text(key).flatten();
    let (username, domain, password, realm, registrar, outbound_proxy, protocol) = (
        text("username"),
        text("domain"),
        text("password"),
        text("realm"),
        text("registrar"),
        text("outbound_proxy"),
        text("protocol"),
    );
    ExternalAccountInput {
        username,
        domain,
        password,
        realm,
        registrar,
        outbound_proxy,
        protocol,
        unreadable,
    }
}

#[derive(ApiResponse)]
pub enum ExternalAccountStored {
    /// The account had no external account: created.
    #[oai(status = 201)]
    Created(Json<ExternalAccountObject>),
    /// The account's external account was replaced.
    #[oai(status = 200)]
    Replaced(Json<ExternalAccountObject>),
}

async fn account(req: &Request, id: i64) -> Result<flexiapi_domain::model::Account, ApiError> {
    Ok(state(req)?
        .services
        .account_in_space(AccountId(id), request_space(req)?)
        .await?)
}

#[OpenApi]
impl ExternalAccountsApi {
    /// Show an account's external account
    ///
    /// Access: Admin. 404 when the account (of this space) is unknown or has no external account.
    #[oai(
        path = "/accounts/:id/external",
        method = "get",
        tag = "ApiTags::Accounts",
        operation_id = "getExternalAccount"
    )]
    async fn show(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
    ) -> Result<Json<ExternalAccountObject>, ApiError> {
        let account = account(req, id.0).await?;
        let external = state(req)?.services.external_account_of(&account).await?;
        Ok(Json((&external).into()))
    }

    /// Set an account's external account
    ///
    /// Access: Admin. Creates the account's external account (201) or replaces every field of
    /// it (200; omitted optional fields become null). `username` (a SIP user part, unique with
    /// `domain`), `domain` (a host name or an IP address) and `protocol` (`UDP`, `TCP`, `TLS`)
    /// are required; `realm`, `registrar` and `outbound_proxy` must differ from `domain`;
    /// `password` is required on creation and when `realm` or `domain` changes, and stored as
    /// an MD5 HA1. Flexisip's B2BUA is told on Redis channel `flexisip/B2BUA/account`.
    #[oai(
        path = "/accounts/:id/external",
        method = "post",
        tag = "ApiTags::Accounts",
        operation_id = "setExternalAccount"
    )]
    async fn store(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
        body: LooseJson<ExternalAccountInputObject>,
    ) -> Result<ExternalAccountStored, ApiError> {
        let account = account(req, id.0).await?;
        let (external, created) = state(req)?
            .services
            .put_external_account(&account, input(&body.0))
            .await?;
        let object = Json((&external).into());
        Ok(if created {
            ExternalAccountStored::Created(object)
        } else {
            ExternalAccountStored::Replaced(object)
        })
    }

    /// Delete an account's external account
    ///
    /// Access: Admin. Answers `1`; 404 when the account has none. Flexisip's B2BUA is told, and
    /// unregisters it.
    #[oai(
        path = "/accounts/:id/external",
        method = "delete",
        tag = "ApiTags::Accounts",
        operation_id = "deleteExternalAccount"
    )]
    async fn delete(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
    ) -> Result<PlainText<&'static str>, ApiError> {
        let account = account(req, id.0).await?;
        state(req)?
            .services
            .delete_external_account(&account)
            .await?;
        Ok(PlainText("1"))
    }
}
