//! TURN relay credentials for the caller (`/accounts/me/services/turn`), by coturn's REST scheme.

use flexiapi_domain::model::TurnCredentials;
use poem::Request;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::{ApiTags, state};
use crate::auth::UserCaller;
use crate::error::ApiError;

pub struct TurnApi;

/// Credentials a TURN server configured with the same `static-auth-secret` accepts until they
/// expire.
#[derive(Debug, Object)]
#[oai(example)]
pub struct TurnCredentialsObject {
    /// `<unix time of expiry>:<16 random letters and digits>`.
    pub username: String,
    /// base64(HMAC-SHA1(static secret, username)).
    pub password: String,
    /// Seconds the credentials stay valid.
    pub ttl: i64,
    /// A `turn:` and a `turns:` URI for each configured host, in order.
    pub uris: Vec<String>,
}

impl From<TurnCredentials> for TurnCredentialsObject {
    fn from(c: TurnCredentials) -> Self {
        Self {
            username: c.username,
            password: c.password,
            ttl: c.ttl_seconds,
            uris: c.uris,
        }
    }
}

impl poem_openapi::types::Example for TurnCredentialsObject {
    fn example() -> Self {
        Self {
            username: "1772366400:a1B2c3D4e5F6g7H8".into(),
            password: "+jL8/8F7oetUvijnRquwwGXTEHw=".into(),
            ttl: 86_400,
            uris: vec![
                "turn:turn.example.org".into(),
                "turns:turn.example.org".into(),
            ],
        }
    }
}

#[OpenApi]
impl TurnApi {
    /// My TURN credentials
    ///
    /// Access: User. Fresh credentials for the TURN servers of `[turn]` (coturn's REST scheme,
    /// `use-auth-secret`), valid `ttl` seconds. 404 when no TURN service is configured; 403 for
    /// an account an admin deactivated.
    #[oai(
        path = "/accounts/me/services/turn",
        method = "get",
        tag = "ApiTags::Me",
        operation_id = "getMyTurnCredentials"
    )]
    async fn turn(
        &self,
        req: &Request,
        caller: UserCaller,
    ) -> Result<Json<TurnCredentialsObject>, ApiError> {
        let credentials = state(req)?
            .services
            .turn_credentials(&caller.0.auth.account)?;
        Ok(Json(credentials.into()))
    }
}
