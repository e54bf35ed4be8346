//! Spaces, for super admins.

use flexiapi_domain::model::{JwtConfig, Space};
use poem::Request;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::{ApiTags, state, timestamp};
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
    pub issuer: Option<String>,
    pub audience: Option<String>,
    pub leeway_seconds: u64,
    pub jwt_only: bool,
    pub server_url: Option<String>,
    pub realm: Option<String>,
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

/// The space object.
#[derive(Debug, Object)]
pub struct SpaceObject {
    pub name: String,
    pub domain: String,
    pub host: String,
    #[oai(rename = "super")]
    pub super_space: bool,
    pub max_accounts: i64,
    pub expire_at: Option<String>,
    pub digest_authentication_configuration: DigestConfigObject,
    pub oidc_authentication_configuration: Option<JwtConfigObject>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&Space> for SpaceObject {
    fn from(s: &Space) -> Self {
        Self {
            name: s.name.clone(),
            domain: s.domain.to_string(),
            host: s.host.clone(),
            super_space: s.super_space,
            max_accounts: s.max_accounts,
            expire_at: s.expire_at.map(timestamp),
            digest_authentication_configuration: DigestConfigObject {
                realm: s.realm().to_owned(),
                default_password_algorithm: s.digest.default_password_algorithm.to_string(),
            },
            oidc_authentication_configuration: s.jwt.as_ref().map(JwtConfigObject::from),
            created_at: timestamp(s.created_at),
            updated_at: timestamp(s.updated_at),
        }
    }
}

#[OpenApi]
impl SpacesApi {
    /// List spaces
    ///
    /// Access: Super Admin.
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
        let spaces = state(req)?.services.storage.list_spaces().await?;
        Ok(Json(spaces.iter().map(SpaceObject::from).collect()))
    }
}
