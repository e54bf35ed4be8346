//! Spaces, for super admins.

use std::marker::PhantomData;

use flexiapi_domain::model::{JwtConfig, Space};
use poem::{FromRequest, Request, RequestBody};
use poem_openapi::param::Path;
use poem_openapi::payload::{Json, PlainText};
use poem_openapi::registry::{MetaMediaType, MetaRequest, Registry};
use poem_openapi::types::Type;
use poem_openapi::{
    ApiExtractor, ApiExtractorType, ApiResponse, ExtractParamOptions, Object, OpenApi,
};
use serde_json::Value;

use super::space_email_servers::EmailServerObject;
use super::{ApiTags, space_json, state, timestamp};
use crate::auth::SuperAdminCaller;
use crate::error::ApiError;

pub struct SpacesApi;

/// `digest_authentication_configuration`.
#[derive(Debug, Object)]
pub struct DigestConfigObject {
    pub realm: String,
    /// `MD5` or `SHA-256`.
    pub default_password_algorithm: String,
}

/// `oidc_authentication_configuration`: how JWT bearer tokens are verified and mapped.
#[derive(Debug, Object)]
pub struct JwtConfigObject {
    pub public_key: String,
    pub sip_identifier: String,
    pub algorithms: Vec<String>,
    #[oai(nullable)]
    pub issuer: Option<String>,
    #[oai(nullable)]
    pub audience: Option<String>,
    pub leeway_seconds: u64,
    pub jwt_only: bool,
    #[oai(nullable)]
    pub server_url: Option<String>,
    #[oai(nullable)]
    pub realm: Option<String>,
    #[oai(nullable)]
    pub client_id: Option<String>,
}

impl From<&JwtConfig> for JwtConfigObject {
    fn from(j: &JwtConfig) -> Self {
        Self {
            public_key: j.public_key.clone(),
            sip_identifier: j.identity_claim().to_owned(),
            algorithms: j.algorithms.iter().map(|a| a.as_str().to_owned()).collect(),
            issuer: j.issuer.clone(),
            audience: j.audience.clone(),
            leeway_seconds: j.leeway_seconds,
            jwt_only: j.jwt_only,
            server_url: j.server_url.clone(),
            realm: j.realm.clone(),
            client_id: j.client_id.clone(),
        }
    }
}

/// The space object: the original's columns, its two authentication configurations, and
/// timestamps.
#[derive(Debug, Object)]
#[oai(example)]
pub struct SpaceObject {
    pub name: String,
    pub domain: String,
    pub host: String,
    #[oai(rename = "super")]
    pub super_space: bool,
    /// Accounts the space may hold; 0 means unlimited.
    pub max_accounts: i64,
    #[oai(nullable)]
    pub expire_at: Option<String>,
    pub disable_chat_feature: bool,
    pub disable_meetings_feature: bool,
    pub disable_broadcast_feature: bool,
    /// Linphone setting: accounts the app may hold.
    pub max_account: i64,
    pub hide_settings: bool,
    pub hide_account_settings: bool,
    pub disable_call_recordings_feature: bool,
    pub only_display_sip_uri_username: bool,
    pub assistant_hide_create_account: bool,
    pub assistant_disable_qr_code: bool,
    pub assistant_hide_third_party_account: bool,
    #[oai(nullable)]
    pub copyright_text: Option<String>,
    #[oai(nullable)]
    pub intro_registration_text: Option<String>,
    #[oai(nullable)]
    pub newsletter_registration_address: Option<String>,
    #[oai(nullable)]
    pub account_proxy_registrar_address: Option<String>,
    /// INI text added to the provisioning of the space's accounts.
    #[oai(nullable)]
    pub custom_provisioning_entries: Option<String>,
    pub custom_provisioning_overwrite_all: bool,
    pub provisioning_use_linphone_provisioning_header: bool,
    pub web_panel: bool,
    /// Strangers may sign up. When false, routes that hand an account or a creation token to
    /// anyone who asks answer 403; an admin-minted creation token still registers.
    pub public_registration: bool,
    pub phone_registration: bool,
    pub intercom_features: bool,
    pub carddav_user_credentials: bool,
    pub unique_email: bool,
    /// 0 to 360.
    #[oai(nullable)]
    pub theme_hue: Option<i64>,
    #[oai(nullable)]
    pub logo: Option<String>,
    pub client_certificate_authentication: bool,
    pub digest_authentication_configuration: DigestConfigObject,
    #[oai(nullable)]
    pub oidc_authentication_configuration: Option<JwtConfigObject>,
    /// The space's own SMTP server (`/spaces/{domain}/email`), without its password.
    #[oai(nullable)]
    pub email_server: Option<EmailServerObject>,
    /// The space's CardDAV servers (`/spaces/{domain}/carddavs`).
    pub carddav_servers: Vec<super::carddavs::CardDavServerObject>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&Space> for SpaceObject {
    fn from(s: &Space) -> Self {
        let t = &s.settings;
        Self {
            name: s.name.clone(),
            domain: s.domain.to_string(),
            host: s.host.clone(),
            super_space: s.super_space,
            max_accounts: s.max_accounts,
            expire_at: s.expire_at.map(timestamp),
            disable_chat_feature: t.disable_chat_feature,
            disable_meetings_feature: t.disable_meetings_feature,
            disable_broadcast_feature: t.disable_broadcast_feature,
            max_account: t.max_account,
            hide_settings: t.hide_settings,
            hide_account_settings: t.hide_account_settings,
            disable_call_recordings_feature: t.disable_call_recordings_feature,
            only_display_sip_uri_username: t.only_display_sip_uri_username,
            assistant_hide_create_account: t.assistant_hide_create_account,
            assistant_disable_qr_code: t.assistant_disable_qr_code,
            assistant_hide_third_party_account: t.assistant_hide_third_party_account,
            copyright_text: t.copyright_text.clone(),
            intro_registration_text: t.intro_registration_text.clone(),
            newsletter_registration_address: t.newsletter_registration_address.clone(),
            account_proxy_registrar_address: t.account_proxy_registrar_address.clone(),
            custom_provisioning_entries: t.custom_provisioning_entries.clone(),
            custom_provisioning_overwrite_all: t.custom_provisioning_overwrite_all,
            provisioning_use_linphone_provisioning_header: t
                .provisioning_use_linphone_provisioning_header,
            web_panel: t.web_panel,
            public_registration: t.public_registration,
            phone_registration: t.phone_registration,
            intercom_features: t.intercom_features,
            carddav_user_credentials: t.carddav_user_credentials,
            unique_email: t.unique_email,
            theme_hue: t.theme_hue,
            logo: t.logo.clone(),
            client_certificate_authentication: t.client_certificate_authentication,
            digest_authentication_configuration: DigestConfigObject {
                realm: s.realm().to_owned(),
                default_password_algorithm: s.digest.default_password_algorithm.to_string(),
            },
            oidc_authentication_configuration: s.jwt.as_ref().map(JwtConfigObject::from),
            // Another resource: the handlers that show it fill it in.
            email_server: None,
            carddav_servers: Vec::new(),
            created_at: timestamp(s.created_at),
            updated_at: timestamp(s.updated_at),
        }
    }
}

/// `digest_authentication_configuration` in a request.
#[derive(Debug, Object)]
pub struct DigestConfigInput {
    /// Default: the domain. Changing it invalidates the stored passwords.
    #[oai(nullable)]
    pub realm: Option<String>,
    /// `MD5` or `SHA-256` (default).
    #[oai(nullable)]
    pub default_password_algorithm: Option<String>,
}

/// `oidc_authentication_configuration` in a request; `null` removes it.
#[derive(Debug, Object)]
pub struct JwtConfigInput {
    /// PEM public key of the issuer, usable with every listed algorithm.
    pub public_key: String,
    /// Claim holding the SIP identity (default `sip_identity`).
    #[oai(nullable)]
    pub sip_identifier: Option<String>,
    /// Among `RS256`, `RS384`, `RS512`, `ES256`, `ES384`, `EdDSA`; default the RS family.
    #[oai(nullable)]
    pub algorithms: Option<Vec<String>>,
    /// Required `iss` claim, when set.
    #[oai(nullable)]
    pub issuer: Option<String>,
    /// Required `aud` claim, when set.
    #[oai(nullable)]
    pub audience: Option<String>,
    /// Clock skew allowed on `exp` and `nbf` (default 30).
    #[oai(nullable)]
    pub leeway_seconds: Option<u64>,
    /// When true, user endpoints of the space accept only JWT.
    #[oai(nullable)]
    pub jwt_only: Option<bool>,
    /// Kept as given (the original's OIDC settings).
    #[oai(nullable)]
    pub server_url: Option<String>,
    #[oai(nullable)]
    pub realm: Option<String>,
    #[oai(nullable)]
    pub client_id: Option<String>,
}

/// A space in a request. Every field is checked by the server and answered 422 field by field,
/// type mistakes included. On `PUT`, omitted texts, `theme_hue` and `expire_at` become null;
/// omitted flags, counts and authentication configurations keep their value.
#[derive(Debug, Object)]
pub struct SpaceInput {
    /// Required on creation, ignored on update (a space's domain never changes).
    #[oai(nullable)]
    pub domain: Option<String>,
    /// Required.
    #[oai(nullable)]
    pub host: Option<String>,
    /// Required, unique.
    #[oai(nullable)]
    pub name: Option<String>,
    #[oai(rename = "super")]
    #[oai(nullable)]
    pub super_space: Option<bool>,
    /// At least 0 (unlimited) and, on update, not below the current number of accounts.
    #[oai(nullable)]
    pub max_accounts: Option<i64>,
    /// RFC 3339, `YYYY-MM-DD HH:MM:SS` (UTC) or `YYYY-MM-DD`; not in the past.
    #[oai(nullable)]
    pub expire_at: Option<String>,
    #[oai(nullable)]
    pub disable_chat_feature: Option<bool>,
    #[oai(nullable)]
    pub disable_meetings_feature: Option<bool>,
    #[oai(nullable)]
    pub disable_broadcast_feature: Option<bool>,
    #[oai(nullable)]
    pub max_account: Option<i64>,
    #[oai(nullable)]
    pub hide_settings: Option<bool>,
    #[oai(nullable)]
    pub hide_account_settings: Option<bool>,
    #[oai(nullable)]
    pub disable_call_recordings_feature: Option<bool>,
    #[oai(nullable)]
    pub only_display_sip_uri_username: Option<bool>,
    #[oai(nullable)]
    pub assistant_hide_create_account: Option<bool>,
    #[oai(nullable)]
    pub assistant_disable_qr_code: Option<bool>,
    #[oai(nullable)]
    pub assistant_hide_third_party_account: Option<bool>,
    #[oai(nullable)]
    pub copyright_text: Option<String>,
    #[oai(nullable)]
    pub intro_registration_text: Option<String>,
    #[oai(nullable)]
    pub newsletter_registration_address: Option<String>,
    #[oai(nullable)]
    pub account_proxy_registrar_address: Option<String>,
    /// A valid INI document.
    #[oai(nullable)]
    pub custom_provisioning_entries: Option<String>,
    #[oai(nullable)]
    pub custom_provisioning_overwrite_all: Option<bool>,
    #[oai(nullable)]
    pub provisioning_use_linphone_provisioning_header: Option<bool>,
    #[oai(nullable)]
    pub web_panel: Option<bool>,
    #[oai(nullable)]
    pub public_registration: Option<bool>,
    #[oai(nullable)]
    pub phone_registration: Option<bool>,
    #[oai(nullable)]
    pub intercom_features: Option<bool>,
    #[oai(nullable)]
    pub carddav_user_credentials: Option<bool>,
    #[oai(nullable)]
    pub unique_email: Option<bool>,
    /// 0 to 360.
    #[oai(nullable)]
    pub theme_hue: Option<i64>,
    #[oai(nullable)]
    pub logo: Option<String>,
    #[oai(nullable)]
    pub client_certificate_authentication: Option<bool>,
    #[oai(nullable)]
    pub digest_authentication_configuration: Option<DigestConfigInput>,
    #[oai(nullable)]
    pub oidc_authentication_configuration: Option<JwtConfigInput>,
}

/// A JSON body read as a loose [`Value`], documented with `T`'s schema: type mistakes become 422
/// field errors (see `space_json`) instead of poem-openapi refusing the body with a 400.
pub struct LooseJson<T>(pub Value, PhantomData<T>);

impl<'a, T: Type> ApiExtractor<'a> for LooseJson<T> {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::RequestObject];
    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        T::register(registry);
    }

    fn request_meta() -> Option<MetaRequest> {
        Some(MetaRequest {
            description: Some(crate::document::LOOSE_BODY),
            content: vec![MetaMediaType {
                content_type: "application/json",
                schema: T::schema_ref(),
            }],
            required: true,
        })
    }

    async fn from_request(
        req: &'a Request,
        body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        if let Some(content_type) = req.content_type()
            && !<Json<Value> as poem_openapi::payload::Payload>::check_content_type(content_type)
        {
            return Err(poem_openapi::error::ContentTypeError::NotSupported {
                content_type: content_type.to_owned(),
            }
            .into());
        }
        let data = <Vec<u8> as FromRequest>::from_request(req, body).await?;
        // The root middleware already refused malformed JSON; an empty body is an empty object.
        let value = serde_json::from_slice(&data).unwrap_or(Value::Null);
        Ok(Self(value, PhantomData))
    }
}

#[derive(ApiResponse)]
pub enum SpaceCreated {
    /// The new space.
    #[oai(status = 201)]
    Created(Json<SpaceObject>),
}

#[OpenApi]
impl SpacesApi {
    /// List spaces
    ///
    /// Access: Super Admin. Every space, ordered by domain.
    #[oai(
        path = "/spaces",
        method = "get",
        tag = "ApiTags::Spaces",
        operation_id = "listSpaces"
    )]
    async fn list(
        &self,
        req: &Request,
        _caller: SuperAdminCaller,
    ) -> Result<Json<Vec<SpaceObject>>, ApiError> {
        let services = &state(req)?.services;
        let spaces = services.list_spaces().await?;
        let servers = services.space_email_servers().await?;
        let mut objects = Vec::with_capacity(spaces.len());
        for s in &spaces {
            let carddavs = services.carddav_servers(s).await?;
            objects.push(SpaceObject {
                email_server: servers.get(&s.domain).map(EmailServerObject::from),
                carddav_servers: carddavs.iter().map(Into::into).collect(),
                ..SpaceObject::from(s)
            });
        }
        Ok(Json(objects))
    }

    /// Create a space
    ///
    /// Access: Super Admin. `domain`, `host` and `name` are required and unique. The Digest
    /// configuration is created with the space (realm: the domain, algorithm: SHA-256, unless
    /// given).
    #[oai(
        path = "/spaces",
        method = "post",
        tag = "ApiTags::Spaces",
        operation_id = "createSpace"
    )]
    async fn create(
        &self,
        req: &Request,
        _caller: SuperAdminCaller,
        body: LooseJson<SpaceInput>,
    ) -> Result<SpaceCreated, ApiError> {
        let input = space_json::creation(&body.0);
        let space = state(req)?.services.create_space(input).await?;
        Ok(SpaceCreated::Created(Json(SpaceObject::from(&space))))
    }

    /// Show a space
    ///
    /// Access: Super Admin.
    #[oai(
        path = "/spaces/:domain",
        method = "get",
        tag = "ApiTags::Spaces",
        operation_id = "getSpace"
    )]
    async fn show(
        &self,
        req: &Request,
        _caller: SuperAdminCaller,
        domain: Path<String>,
    ) -> Result<Json<SpaceObject>, ApiError> {
        let services = &state(req)?.services;
        let space = services.find_space(&domain.0).await?;
        Ok(Json(with_email_server(services, &space).await?))
    }

    /// Replace a space
    ///
    /// Access: Super Admin. A full replacement, as the original's: send the whole object
    /// (`GET`, change, `PUT`). The domain never changes. Omitted texts, `theme_hue` and
    /// `expire_at` become null; omitted flags, counts and authentication configurations keep
    /// their value; `oidc_authentication_configuration: null` removes JWT authentication.
    /// `super: false` on the last super space answers 422 (on `super`).
    #[oai(
        path = "/spaces/:domain",
        method = "put",
        tag = "ApiTags::Spaces",
        operation_id = "updateSpace"
    )]
    async fn update(
        &self,
        req: &Request,
        _caller: SuperAdminCaller,
        domain: Path<String>,
        body: LooseJson<SpaceInput>,
    ) -> Result<Json<SpaceObject>, ApiError> {
        let services = &state(req)?.services;
        // The body replaces the current space: what an omitted field becomes depends on it.
        let current = services.find_space(&domain.0).await?;
        let input = space_json::replacement(&current, &body.0);
        let space = services.update_space(&domain.0, input).await?;
        Ok(Json(with_email_server(services, &space).await?))
    }

    /// Replace a space (PATCH)
    ///
    /// Access: Super Admin. The same as `PUT`: the original routes `PUT` and `PATCH` alike.
    #[oai(
        path = "/spaces/:domain",
        method = "patch",
        tag = "ApiTags::Spaces",
        operation_id = "patchSpace"
    )]
    async fn patch_update(
        &self,
        req: &Request,
        caller: SuperAdminCaller,
        domain: Path<String>,
        body: LooseJson<SpaceInput>,
    ) -> Result<Json<SpaceObject>, ApiError> {
        self.update(req, caller, domain, body).await
    }

    /// Delete a space
    ///
    /// Access: Super Admin. Deletes the space and all its accounts, with their passwords and
    /// keys, in one transaction. Answers `1`; 422 (on `super`) for the last super space, which
    /// would leave no super admin.
    #[oai(
        path = "/spaces/:domain",
        method = "delete",
        tag = "ApiTags::Spaces",
        operation_id = "deleteSpace"
    )]
    async fn delete(
        &self,
        req: &Request,
        _caller: SuperAdminCaller,
        domain: Path<String>,
    ) -> Result<PlainText<&'static str>, ApiError> {
        state(req)?.services.delete_space(&domain.0).await?;
        Ok(PlainText("1"))
    }
}

/// The space object with the space's e-mail server.
async fn with_email_server(
    services: &flexiapi_domain::service::Services,
    space: &Space,
) -> Result<SpaceObject, ApiError> {
    let server = services.email_server_of(space).await?;
    let carddavs = services.carddav_servers(space).await?;
    Ok(SpaceObject {
        email_server: server.as_ref().map(EmailServerObject::from),
        carddav_servers: carddavs.iter().map(Into::into).collect(),
        ..SpaceObject::from(space)
    })
}

impl poem_openapi::types::Example for SpaceObject {
    fn example() -> Self {
        let at = chrono::DateTime::parse_from_rfc3339("2026-01-01T10:00:00Z")
            .map(|d| d.with_timezone(&chrono::Utc))
            .unwrap_or_default();
        let space = Space {
            id: flexiapi_domain::model::SpaceId(1),
            domain: flexiapi_domain::model::Domain::parse("sip.example.org")
                .expect("a literal, valid domain"),
            host: "sip.example.org".into(),
            name: "Example".into(),
            super_space: false,
            max_accounts: 100,
            expire_at: None,
            digest: flexiapi_domain::model::DigestConfig::default(),
            jwt: None,
            settings: flexiapi_domain::model::SpaceSettings::default(),
            created_at: at,
            updated_at: at,
        };
        Self::from(&space)
    }
}
