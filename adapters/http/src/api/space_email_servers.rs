//! A space's own SMTP server (Super Admin): `GET`/`POST`/`DELETE /spaces/{domain}/email`.
//!
//! The password is write-only: stored as given (it must be sent to the SMTP server), never in an
//! answer, never logged.

use flexiapi_domain::model::SpaceEmailServer;
use flexiapi_domain::service::space_email_servers::SpaceEmailServerInput;
use flexiapi_domain::validation::ValidationErrors;
use poem::Request;
use poem_openapi::param::Path;
use poem_openapi::payload::{Json, PlainText};
use poem_openapi::{ApiResponse, Object, OpenApi};
use serde_json::Value;

use super::space_json::Reader;
use super::spaces::LooseJson;
use super::{ApiTags, state};
use crate::auth::SuperAdminCaller;
use crate::error::ApiError;

pub struct SpaceEmailServersApi;

/// A space's SMTP server, as shown: everything but the password.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct EmailServerObject {
    /// A domain name or an IP address.
    pub host: String,
    pub port: u16,
    #[oai(nullable)]
    pub username: Option<String>,
    /// The sender of the space's messages; default: the global `[mail] from_address`.
    #[oai(nullable)]
    pub from_address: Option<String>,
    #[oai(nullable)]
    pub from_name: Option<String>,
    /// Shown at the end of every message.
    #[oai(nullable)]
    pub signature: Option<String>,
}

impl From<&SpaceEmailServer> for EmailServerObject {
    fn from(s: &SpaceEmailServer) -> Self {
        Self {
            host: s.host.clone(),
            port: s.port,
            username: s.username.clone(),
            from_address: s.from_address.clone(),
            from_name: s.from_name.clone(),
            signature: s.signature.clone(),
        }
    }
}

impl poem_openapi::types::Example for EmailServerObject {
    fn example() -> Self {
        Self {
            host: "smtp.example.org".into(),
            port: 587,
            username: Some("relay".into()),
            from_address: Some("noreply@example.org".into()),
            from_name: Some("Example".into()),
            signature: Some("Example Inc. — https://example.org".into()),
        }
    }
}

/// `POST /spaces/{domain}/email` body.
#[derive(Debug, Object)]
pub struct EmailServerInput {
    /// Required: a domain name or an IP address.
    pub host: String,
    /// Required: 1 to 65535 (465: implicit TLS; otherwise STARTTLS when the server offers it).
    pub port: i64,
    #[oai(nullable)]
    pub username: Option<String>,
    /// Write-only: stored (it must be sent to the server), never shown.
    #[oai(nullable, write_only)]
    pub password: Option<String>,
    #[oai(nullable)]
    pub from_address: Option<String>,
    #[oai(nullable)]
    pub from_name: Option<String>,
    /// At most 1000 characters.
    #[oai(nullable)]
    pub signature: Option<String>,
}

/// The command of a loosely typed body: type mistakes become field errors.
fn input(body: &Value) -> SpaceEmailServerInput {
    let mut unreadable = ValidationErrors::new();
    let mut r = Reader::top(body, &mut unreadable);
    let mut text = |key: &str| r.text(key).flatten();
    let (host, username, password, from_address, from_name, signature) = (
        text("host"),
        text("username"),
        text("password"),
        text("from_address"),
        text("from_name"),
        text("signature"),
    );
    let port = r.integer("port").flatten();
    SpaceEmailServerInput {
        host,
        port,
        username,
        password,
        from_address,
        from_name,
        signature,
        unreadable,
    }
}

#[derive(ApiResponse)]
pub enum EmailServerStored {
    /// The space had no server: created.
    #[oai(status = 201)]
    Created(Json<EmailServerObject>),
    /// The space's server was replaced.
    #[oai(status = 200)]
    Replaced(Json<EmailServerObject>),
}

#[OpenApi]
impl SpaceEmailServersApi {
    /// Show a space's e-mail server
    ///
    /// Access: Super Admin. The SMTP server the space's messages are sent through instead of
    /// the global one; without its password. 404 when the space has none.
    #[oai(
        path = "/spaces/:domain/email",
        method = "get",
        tag = "ApiTags::Spaces",
        operation_id = "getSpaceEmailServer"
    )]
    async fn show(
        &self,
        req: &Request,
        _caller: SuperAdminCaller,
        domain: Path<String>,
    ) -> Result<Json<EmailServerObject>, ApiError> {
        let server = state(req)?.services.space_email_server(&domain.0).await?;
        Ok(Json((&server).into()))
    }

    /// Set a space's e-mail server
    ///
    /// Access: Super Admin. Creates the space's SMTP server (201) or replaces every field of
    /// it (200; omitted fields become null). `host` (a domain name or an IP address) and `port`
    /// (1 to 65535) are required, `from_address` is an e-mail address. The password is stored as
    /// given, since it must be sent to the server, and never shown.
    #[oai(
        path = "/spaces/:domain/email",
        method = "post",
        tag = "ApiTags::Spaces",
        operation_id = "setSpaceEmailServer"
    )]
    async fn store(
        &self,
        req: &Request,
        _caller: SuperAdminCaller,
        domain: Path<String>,
        body: LooseJson<EmailServerInput>,
    ) -> Result<EmailServerStored, ApiError> {
        let (server, created) = state(req)?
            .services
            .put_space_email_server(&domain.0, input(&body.0))
            .await?;
        let object = Json((&server).into());
        Ok(if created {
            EmailServerStored::Created(object)
        } else {
            EmailServerStored::Replaced(object)
        })
    }

    /// Delete a space's e-mail server
    ///
    /// Access: Super Admin. The space's messages go through the global server again. Answers
    /// `1`; 404 when the space has none (the original answers 500).
    #[oai(
        path = "/spaces/:domain/email",
        method = "delete",
        tag = "ApiTags::Spaces",
        operation_id = "deleteSpaceEmailServer"
    )]
    async fn delete(
        &self,
        req: &Request,
        _caller: SuperAdminCaller,
        domain: Path<String>,
    ) -> Result<PlainText<&'static str>, ApiError> {
        state(req)?
            .services
            .delete_space_email_server(&domain.0)
            .await?;
        Ok(PlainText("1"))
    }
}
