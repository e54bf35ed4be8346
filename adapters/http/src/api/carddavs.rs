//! CardDAV: a space's servers (Super Admin, `/spaces/{domain}/carddavs`) and an account's
//! credentials on them (Admin, `/accounts/{id}/carddavs`, only in a space with
//! `carddav_user_credentials`); and the `carddav_servers` of space and account objects.

use std::collections::BTreeMap;

use flexiapi_domain::model::{AccountId, CardDavCredentials, CardDavServer, CardDavServerId};
use flexiapi_domain::service::carddavs::{CardDavCredentialsInput, CardDavServerInput};
use flexiapi_domain::validation::{Rule, ValidationErrors};
use poem::Request;
use poem_openapi::param::Path;
use poem_openapi::payload::{Json, PlainText};
use poem_openapi::{ApiResponse, Object, OpenApi};
use serde_json::Value;

use super::space_json::{Reader, fields};
use super::spaces::LooseJson;
use super::{ApiTags, request_space, state, timestamp};
use crate::auth::{AdminCaller, SuperAdminCaller};
use crate::error::ApiError;

pub struct CardDavsApi;

type ApiResult<T> = Result<T, ApiError>;

/// A CardDAV server of a space, as the original's (`space_id` hidden).
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct CardDavServerObject {
    pub id: i64,
    pub enabled: bool,
    /// The address book's URL.
    pub uri: String,
    /// Characters typed before Linphone queries the server.
    pub min_characters: i64,
    /// Most results asked for; 0 is no limit.
    pub results_limit: i64,
    /// Seconds before a query is given up.
    pub timeout: i64,
    /// Milliseconds after a key press before querying.
    pub delay: i64,
    #[oai(nullable)]
    pub fields_for_user_input: Option<String>,
    #[oai(nullable)]
    pub fields_for_domain: Option<String>,
    pub use_exact_match_policy: bool,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&CardDavServer> for CardDavServerObject {
    fn from(c: &CardDavServer) -> Self {
        let s = &c.server;
        Self {
            id: c.id.0,
            enabled: s.enabled,
            uri: s.uri.clone(),
            min_characters: s.min_characters,
            results_limit: s.results_limit,
            timeout: s.timeout,
            delay: s.delay,
            fields_for_user_input: s.fields_for_user_input.clone(),
            fields_for_domain: s.fields_for_domain.clone(),
            use_exact_match_policy: s.use_exact_match_policy,
            created_at: timestamp(c.created_at),
            updated_at: timestamp(c.updated_at),
        }
    }
}

impl poem_openapi::types::Example for CardDavServerObject {
    fn example() -> Self {
        Self {
            id: 3,
            enabled: true,
            uri: "https://dav.example.org/addressbooks/company/".into(),
            min_characters: 3,
            results_limit: 0,
            timeout: 5,
            delay: 500,
            fields_for_user_input: Some("fn,impp".into()),
            fields_for_domain: None,
            use_exact_match_policy: false,
            created_at: "2026-01-01T10:00:00.000000Z".into(),
            updated_at: "2026-01-01T10:00:00.000000Z".into(),
        }
    }
}

/// An account's credentials on a server, as the original's `pivot` (the password is the HA1,
/// as the original shows it).
#[derive(Debug, Clone, Object)]
pub struct CardDavPivotObject {
    pub account_id: i64,
    pub space_carddav_server_id: i64,
    pub username: String,
    pub realm: String,
    /// `MD5` or `SHA-256`.
    pub algorithm: String,
    /// `H(username:realm:password)`.
    pub password: String,
}

/// A server an account has credentials on: the server and the credentials (`pivot`), as the
/// original's account objects carry them.
#[derive(Debug, Clone, Object)]
pub struct AccountCardDavServerObject {
    #[oai(flatten)]
    pub server: CardDavServerObject,
    pub pivot: CardDavPivotObject,
}

impl From<&(CardDavServer, CardDavCredentials)> for AccountCardDavServerObject {
    fn from((server, c): &(CardDavServer, CardDavCredentials)) -> Self {
        Self {
            server: server.into(),
            pivot: CardDavPivotObject {
                account_id: c.account_id.0,
                space_carddav_server_id: c.server_id.0,
                username: c.username.clone(),
                realm: c.realm.clone(),
                algorithm: c.algorithm.as_str().into(),
                password: c.password.clone(),
            },
        }
    }
}

/// One account's credentials on one server, as `GET /accounts/{id}/carddavs` shows them.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct CardDavCredentialsObject {
    pub carddav_id: i64,
    pub username: String,
    pub realm: String,
    /// `MD5` or `SHA-256`.
    pub algorithm: String,
    /// The HA1, `H(username:realm:password)`.
    pub password: String,
}

impl From<&CardDavCredentials> for CardDavCredentialsObject {
    fn from(c: &CardDavCredentials) -> Self {
        Self {
            carddav_id: c.server_id.0,
            username: c.username.clone(),
            realm: c.realm.clone(),
            algorithm: c.algorithm.as_str().into(),
            password: c.password.clone(),
        }
    }
}

impl poem_openapi::types::Example for CardDavCredentialsObject {
    fn example() -> Self {
        Self {
            carddav_id: 3,
            username: "alice".into(),
            realm: "dav.example.org".into(),
            algorithm: "SHA-256".into(),
            password: "<HA1: H(username:realm:password)>".into(),
        }
    }
}

/// `POST`/`PUT /spaces/{domain}/carddavs` body.
#[derive(Debug, Object)]
pub struct CardDavServerRequest {
    /// Required: an `http(s)` URL.
    pub uri: String,
    /// True only when sent true.
    pub enabled: Option<bool>,
    /// At least 1; default 3.
    pub min_characters: Option<i64>,
    /// At least 0 (no limit); default 0. Kept, unlike the original.
    pub results_limit: Option<i64>,
    /// At least 1 second; default 5.
    pub timeout: Option<i64>,
    /// At least 100 ms; default 500.
    pub delay: Option<i64>,
    /// Comma-separated vCard fields, no blank.
    #[oai(nullable)]
    pub fields_for_user_input: Option<String>,
    /// Comma-separated vCard fields, no blank.
    #[oai(nullable)]
    pub fields_for_domain: Option<String>,
    /// True only when sent true.
    pub use_exact_match_policy: Option<bool>,
}

/// `PUT /accounts/{id}/carddavs/{carddav_id}` body.
#[derive(Debug, Object)]
pub struct CardDavCredentialsRequest {
    /// Required; at most 64 characters.
    pub username: String,
    /// Required, write-only: kept as its HA1 only.
    #[oai(write_only)]
    pub password: String,
    /// Required: `MD5` or `SHA-256`.
    pub algorithm: String,
    /// Required; at most 255 characters.
    pub realm: String,
}

fn server_input(body: &Value) -> CardDavServerInput {
    let map = fields(body);
    let mut unreadable = ValidationErrors::new();
    let mut r = Reader::top(body, &mut unreadable);
    let uri = r.text("uri").flatten();
    // `present && truthy`, as the original: null or absent is false.
    let mut flag = |key: &str| match map.get(key) {
        None | Some(Value::Null) => None,
        Some(_) => r.boolean(key),
    };
    let enabled = flag("enabled");
    let use_exact_match_policy = flag("use_exact_match_policy");
    let min_characters = r.integer("min_characters").flatten();
    let results_limit = r.integer("results_limit").flatten();
    let timeout = r.integer("timeout").flatten();
    let delay = r.integer("delay").flatten();
    let fields_for_user_input = r.text("fields_for_user_input").flatten();
    let fields_for_domain = r.text("fields_for_domain").flatten();
    CardDavServerInput {
        uri,
        enabled,
        min_characters,
        results_limit,
        timeout,
        delay,
        fields_for_user_input,
        fields_for_domain,
        use_exact_match_policy,
        unreadable,
    }
}

fn credentials_input(body: &Value) -> CardDavCredentialsInput {
    let map = fields(body);
    let mut unreadable = ValidationErrors::new();
    let mut r = Reader::top(body, &mut unreadable);
    let username = r.text("username").flatten();
    let realm = r.text("realm").flatten();
    let algorithm = r.text("algorithm").flatten();
    // The password is taken as sent (a number is refused rather than turned into text).
    let password = match map.get("password") {
        Some(Value::String(p)) if !p.is_empty() => Some(p.clone()),
        None | Some(Value::Null) | Some(Value::String(_)) => None,
        Some(_) => {
            unreadable.add("password", Rule::Text);
            None
        }
    };
    CardDavCredentialsInput {
        username,
        realm,
        password,
        algorithm,
        unreadable,
    }
}

#[derive(ApiResponse)]
pub enum CardDavServerCreated {
    #[oai(status = 201)]
    Created(Json<CardDavServerObject>),
}

#[OpenApi]
impl CardDavsApi {
    /// A space's CardDAV servers
    ///
    /// Access: Super Admin. Ordered by id; each is a `remote_contact_directory_N` section of
    /// the space's provisioning.
    #[oai(
        path = "/spaces/:domain/carddavs",
        method = "get",
        tag = "ApiTags::Spaces",
        operation_id = "listSpaceCardDavServers"
    )]
    async fn list(
        &self,
        req: &Request,
        _caller: SuperAdminCaller,
        domain: Path<String>,
    ) -> ApiResult<Json<Vec<CardDavServerObject>>> {
        let services = &state(req)?.services;
        let space = services.find_space(&domain.0).await?;
        let servers = services.carddav_servers(&space).await?;
        Ok(Json(servers.iter().map(Into::into).collect()))
    }

    /// Add a CardDAV server to a space
    ///
    /// Access: Super Admin. `uri` (an `http(s)` URL) is required; `min_characters` ≥ 1,
    /// `results_limit` ≥ 0, `timeout` ≥ 1, `delay` ≥ 100; the field lists are comma-separated
    /// words; `enabled` and `use_exact_match_policy` are true only when sent true. Answers the
    /// server (201; the original answers `1`).
    #[oai(
        path = "/spaces/:domain/carddavs",
        method = "post",
        tag = "ApiTags::Spaces",
        operation_id = "createSpaceCardDavServer"
    )]
    async fn create(
        &self,
        req: &Request,
        _caller: SuperAdminCaller,
        domain: Path<String>,
        body: LooseJson<CardDavServerRequest>,
    ) -> ApiResult<CardDavServerCreated> {
        let services = &state(req)?.services;
        let space = services.find_space(&domain.0).await?;
        let created = services
            .create_carddav_server(&space, server_input(&body.0))
            .await?;
        Ok(CardDavServerCreated::Created(Json((&created).into())))
    }

    /// One CardDAV server of a space
    ///
    /// Access: Super Admin. 404 for a server of another space.
    #[oai(
        path = "/spaces/:domain/carddavs/:carddav_id",
        method = "get",
        tag = "ApiTags::Spaces",
        operation_id = "getSpaceCardDavServer"
    )]
    async fn get(
        &self,
        req: &Request,
        _caller: SuperAdminCaller,
        domain: Path<String>,
        carddav_id: Path<i64>,
    ) -> ApiResult<Json<CardDavServerObject>> {
        let services = &state(req)?.services;
        let space = services.find_space(&domain.0).await?;
        let server = services
            .carddav_server(&space, CardDavServerId(carddav_id.0))
            .await?;
        Ok(Json((&server).into()))
    }

    /// Replace a CardDAV server of a space
    ///
    /// Access: Super Admin. Every field again, with the rules of a new one (absent numbers
    /// take their defaults, absent flags are false). Answers the server (the original answers
    /// `1`).
    #[oai(
        path = "/spaces/:domain/carddavs/:carddav_id",
        method = "put",
        tag = "ApiTags::Spaces",
        operation_id = "updateSpaceCardDavServer"
    )]
    async fn update(
        &self,
        req: &Request,
        _caller: SuperAdminCaller,
        domain: Path<String>,
        carddav_id: Path<i64>,
        body: LooseJson<CardDavServerRequest>,
    ) -> ApiResult<Json<CardDavServerObject>> {
        let services = &state(req)?.services;
        let space = services.find_space(&domain.0).await?;
        let updated = services
            .update_carddav_server(&space, CardDavServerId(carddav_id.0), server_input(&body.0))
            .await?;
        Ok(Json((&updated).into()))
    }

    /// Replace a CardDAV server of a space (PATCH)
    ///
    /// Access: Super Admin. As `PUT`.
    #[oai(
        path = "/spaces/:domain/carddavs/:carddav_id",
        method = "patch",
        tag = "ApiTags::Spaces",
        operation_id = "patchSpaceCardDavServer"
    )]
    async fn patch(
        &self,
        req: &Request,
        caller: SuperAdminCaller,
        domain: Path<String>,
        carddav_id: Path<i64>,
        body: LooseJson<CardDavServerRequest>,
    ) -> ApiResult<Json<CardDavServerObject>> {
        self.update(req, caller, domain, carddav_id, body).await
    }

    /// Delete a CardDAV server of a space
    ///
    /// Access: Super Admin. Every account's credentials on it go too. Answers `1`.
    #[oai(
        path = "/spaces/:domain/carddavs/:carddav_id",
        method = "delete",
        tag = "ApiTags::Spaces",
        operation_id = "deleteSpaceCardDavServer"
    )]
    async fn delete(
        &self,
        req: &Request,
        _caller: SuperAdminCaller,
        domain: Path<String>,
        carddav_id: Path<i64>,
    ) -> ApiResult<PlainText<&'static str>> {
        let services = &state(req)?.services;
        let space = services.find_space(&domain.0).await?;
        services
            .delete_carddav_server(&space, CardDavServerId(carddav_id.0))
            .await?;
        Ok(PlainText("1"))
    }

    /// An account's CardDAV credentials
    ///
    /// Access: Admin. Only in a space with `carddav_user_credentials` (403 otherwise). An
    /// object keyed by server id (`{}` when none).
    #[oai(
        path = "/accounts/:id/carddavs",
        method = "get",
        tag = "ApiTags::Accounts",
        operation_id = "listCardDavCredentials"
    )]
    async fn credentials(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
    ) -> ApiResult<Json<BTreeMap<String, CardDavCredentialsObject>>> {
        let services = &state(req)?.services;
        let account = services
            .carddav_account(request_space(req)?, AccountId(id.0))
            .await?;
        let all = services.carddav_credentials_of(&account).await?;
        Ok(Json(
            all.iter()
                .map(|(s, c)| (s.id.0.to_string(), c.into()))
                .collect(),
        ))
    }

    /// An account's credentials on one CardDAV server
    ///
    /// Access: Admin. Only in a space with `carddav_user_credentials`; 404 when the account
    /// has none there.
    #[oai(
        path = "/accounts/:id/carddavs/:carddav_id",
        method = "get",
        tag = "ApiTags::Accounts",
        operation_id = "getCardDavCredentials"
    )]
    async fn credentials_one(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
        carddav_id: Path<i64>,
    ) -> ApiResult<Json<CardDavCredentialsObject>> {
        let services = &state(req)?.services;
        let account = services
            .carddav_account(request_space(req)?, AccountId(id.0))
            .await?;
        let all = services.carddav_credentials_of(&account).await?;
        all.iter()
            .find(|(s, _)| s.id.0 == carddav_id.0)
            .map(|(_, c)| Json(c.into()))
            .ok_or_else(|| {
                flexiapi_domain::service::ServiceError::NotFound(
                    flexiapi_domain::service::Entity::CardDavCredentials,
                )
                .into()
            })
    }

    /// Set an account's credentials on a CardDAV server
    ///
    /// Access: Admin. Only in a space with `carddav_user_credentials`; the server must be one
    /// of the space's (404). `username`, `password`, `algorithm` (`MD5` or `SHA-256`) and
    /// `realm` are required; the password is kept as `H(username:realm:password)`. Replaces
    /// the account's credentials there. Answers `1`.
    #[oai(
        path = "/accounts/:id/carddavs/:carddav_id",
        method = "put",
        tag = "ApiTags::Accounts",
        operation_id = "setCardDavCredentials"
    )]
    async fn put_credentials(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
        carddav_id: Path<i64>,
        body: LooseJson<CardDavCredentialsRequest>,
    ) -> ApiResult<PlainText<&'static str>> {
        let services = &state(req)?.services;
        let space = request_space(req)?;
        let account = services.carddav_account(space, AccountId(id.0)).await?;
        services
            .put_carddav_credentials(
                space,
                &account,
                CardDavServerId(carddav_id.0),
                credentials_input(&body.0),
            )
            .await?;
        Ok(PlainText("1"))
    }

    /// Set an account's credentials on a CardDAV server (PATCH)
    ///
    /// Access: Admin. As `PUT`.
    #[oai(
        path = "/accounts/:id/carddavs/:carddav_id",
        method = "patch",
        tag = "ApiTags::Accounts",
        operation_id = "patchCardDavCredentials"
    )]
    async fn patch_credentials(
        &self,
        req: &Request,
        caller: AdminCaller,
        id: Path<i64>,
        carddav_id: Path<i64>,
        body: LooseJson<CardDavCredentialsRequest>,
    ) -> ApiResult<PlainText<&'static str>> {
        self.put_credentials(req, caller, id, carddav_id, body)
            .await
    }

    /// Delete an account's credentials on a CardDAV server
    ///
    /// Access: Admin. Only in a space with `carddav_user_credentials`. Removes the credentials,
    /// not the server (the original deletes the server). Answers `1`; 404 when the account has
    /// none there.
    #[oai(
        path = "/accounts/:id/carddavs/:carddav_id",
        method = "delete",
        tag = "ApiTags::Accounts",
        operation_id = "deleteCardDavCredentials"
    )]
    async fn delete_credentials(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
        carddav_id: Path<i64>,
    ) -> ApiResult<PlainText<&'static str>> {
        let services = &state(req)?.services;
        let account = services
            .carddav_account(request_space(req)?, AccountId(id.0))
            .await?;
        services
            .delete_carddav_credentials(&account, CardDavServerId(carddav_id.0))
            .await?;
        Ok(PlainText("1"))
    }
}
