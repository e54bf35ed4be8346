//! Authentication extractors. One hand-written `ApiExtractor` reads the credentials in the
//! documented order and asks the domain; the level wrappers (`UserCaller`, `AdminCaller`,
//! `SuperAdminCaller`) put the access level in each handler's signature and in the OpenAPI
//! document.

use flexiapi_domain::access::{AccessLevel, Caller, authorize};
use flexiapi_domain::auth::{AuthError, AuthMethod, AuthMode, Credentials, RequestContext};
use poem::http::header::{AUTHORIZATION, CONTENT_TYPE};
use poem::http::{Method, StatusCode};
use poem::{Request, RequestBody};
use poem_openapi::registry::{MetaSecurityScheme, Registry};
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions};

use crate::error::ApiError;
use crate::i18n::MessageId;
use crate::state::{
    AppState, AuditActor, ClientCertificateSubject, ClientIp, RequestLog, RequestSpace,
    ResponseHeaders,
};

pub const API_KEY_HEADER: &str = "x-api-key";
pub const API_KEY_COOKIE: &str = "x-api-key";

const BEARER: &str = "BearerJwt";
const KEY_HEADER: &str = "ApiKeyHeader";
const KEY_COOKIE: &str = "ApiKeyCookie";
const DIGEST: &str = "Digest";

fn register_schemes(registry: &mut Registry) {
    registry.create_security_scheme(
        BEARER,
        MetaSecurityScheme {
            ty: "http",
            description: Some("A JWT signed by the space's configured issuer (user endpoints)."),
            name: None,
            key_in: None,
            scheme: Some("bearer"),
            bearer_format: Some("JWT"),
            flows: None,
            openid_connect_url: None,
        },
    );
    registry.create_security_scheme(
        KEY_HEADER,
        MetaSecurityScheme {
            ty: "apiKey",
            description: Some("An API key: a user key from /accounts/me/api_key or an admin key."),
            name: Some(API_KEY_HEADER),
            key_in: Some("header"),
            scheme: None,
            bearer_format: None,
            flows: None,
            openid_connect_url: None,
        },
    );
    registry.create_security_scheme(
        KEY_COOKIE,
        MetaSecurityScheme {
            ty: "apiKey",
            description: Some(
                "The API key in the x-api-key cookie set by /accounts/me/api_key. State-changing requests authenticated by the cookie alone must send Content-Type: application/json.",
            ),
            name: Some(API_KEY_COOKIE),
            key_in: Some("cookie"),
            scheme: None,
            bearer_format: None,
            flows: None,
            openid_connect_url: None,
        },
    );
    registry.create_security_scheme(
        DIGEST,
        MetaSecurityScheme {
            ty: "http",
            description: Some(
                "HTTP Digest (RFC 7616, MD5 and SHA-256). Send `From: sip:user@domain`; the 401 carries one challenge per algorithm the account has. Swagger UI cannot perform Digest.",
            ),
            name: None,
            key_in: None,
            scheme: Some("digest"),
            bearer_format: None,
            flows: None,
            openid_connect_url: None,
        },
    );
}

fn header(req: &Request, name: impl poem::http::header::AsHeaderName) -> Option<&str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// Picks the credentials by precedence: Bearer, `x-api-key` header, `x-api-key` cookie, Digest.
pub fn credentials(req: &Request) -> Credentials {
    let authorization = header(req, AUTHORIZATION);
    if let Some(token) = authorization.and_then(|a| {
        let (scheme, rest) = a.trim().split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
    }) {
        return Credentials::Bearer(token.to_owned());
    }
    if let Some(key) = header(req, API_KEY_HEADER) {
        return Credentials::ApiKey {
            key: key.trim().to_owned(),
            from_cookie: false,
        };
    }
    if let Some(cookie) = req.cookie().get(API_KEY_COOKIE) {
        return Credentials::ApiKey {
            key: cookie.value_str().to_owned(),
            from_cookie: true,
        };
    }
    Credentials::Digest {
        from: header(req, "from").map(str::to_owned),
        authorization: authorization.map(str::to_owned),
    }
}

/// The security event (see the README's "Logs") a refused authentication is, if any: missing
/// credentials and stale nonces are part of normal traffic, not events.
fn security_event(e: &AuthError) -> Option<&'static str> {
    Some(match e {
        AuthError::InvalidCredentials { .. }
        | AuthError::WrongAlgorithm { .. }
        | AuthError::InvalidOpaque { .. }
        | AuthError::NonceReplayed { .. } => "digest_failed",
        AuthError::InvalidApiKey => "api_key_refused",
        AuthError::InvalidToken(_) | AuthError::JwtUnknownAccount | AuthError::JwtNotConfigured => {
            "jwt_refused"
        }
        AuthError::TooManyFailures { .. } => "lockout",
        AuthError::TooManyRequests { .. } => "rate_limited",
        _ => return None,
    })
}

/// The account a refused request claimed, for the logs: the Digest `From` or `username` (in the
/// request's space), else `-`. Only characters of a SIP address are kept (no log injection).
fn claimed_account(req: &Request, domain: &str) -> String {
    let from = header(req, "from").map(|f| {
        let f = f.trim().trim_start_matches('<').trim_end_matches('>');
        f.strip_prefix("sip:").unwrap_or(f).to_owned()
    });
    let username = || {
        let auth = header(req, AUTHORIZATION)?;
        let rest = auth.trim().strip_prefix("Digest ")?;
        let start = rest.find("username=\"")? + "username=\"".len();
        let end = rest[start..].find('"')?;
        Some(format!("{}@{domain}", &rest[start..start + end]))
    };
    let account = from.or_else(username).unwrap_or_default();
    let clean: String = account
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "@.-_+~!$&'()*,;=%".contains(*c))
        .take(128)
        .collect();
    if clean.is_empty() {
        "-".into()
    } else {
        format!("sip:{clean}")
    }
}

fn is_json_request(req: &Request) -> bool {
    header(req, CONTENT_TYPE).is_some_and(|v| {
        v.split(';')
            .next()
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
    })
}

/// Authenticates the request and applies the access level.
///
/// # Errors
/// The `ApiError` for the refusal (401 with challenges, 403...).
pub async fn authenticate(
    req: &Request,
    mode: AuthMode,
    level: AccessLevel,
) -> Result<Caller, ApiError> {
    let state = req.data::<AppState>().ok_or_else(ApiError::internal)?;
    let space = req
        .extensions()
        .get::<RequestSpace>()
        .ok_or_else(ApiError::internal)?;
    let ip = req
        .extensions()
        .get::<ClientIp>()
        .ok_or_else(ApiError::internal)?;
    // Nesting under `/api` strips the prefix from `uri()`; the client signed the original.
    let original = req.original_uri();
    let uri = original
        .path_and_query()
        .map_or_else(|| original.path().to_owned(), |pq| pq.as_str().to_owned());
    let ctx = RequestContext {
        method: req.method().as_str(),
        uri: &uri,
        ip: &ip.0,
        space: &space.0,
    };
    let credentials = credentials(req);
    let mechanism = match &credentials {
        Credentials::Bearer(_) => "jwt",
        Credentials::ApiKey { .. } => "api_key",
        Credentials::Digest { .. } => "digest",
    };
    let authenticated = match state
        .authenticator
        .authenticate(credentials, mode, &ctx)
        .await
    {
        Ok(a) => a,
        Err(e) => {
            if matches!(
                e,
                AuthError::InvalidCredentials { .. }
                    | AuthError::WrongAlgorithm { .. }
                    | AuthError::InvalidOpaque { .. }
                    | AuthError::NonceReplayed { .. }
                    | AuthError::InvalidApiKey
                    | AuthError::InvalidToken(_)
                    | AuthError::JwtUnknownAccount
                    | AuthError::TooManyFailures { .. }
            ) {
                state.metrics.auth_failure(mechanism);
            }
            if let Some(event) = security_event(&e)
                && let Some(log) = req.extensions().get::<RequestLog>()
            {
                log.security(event, claimed_account(req, space.0.domain.as_str()));
            }
            return Err(e.into());
        }
    };

    // A cookie is sent by the browser on its own: a state-changing request authenticated by the
    // cookie alone must prove it is not a form post from another site.
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if let AuthMethod::ApiKey {
        from_cookie: true, ..
    } = authenticated.method
        && !safe
        && !is_json_request(req)
    {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            MessageId::CsrfJsonRequired,
        ));
    }

    if let Some(response_headers) = req.extensions().get::<ResponseHeaders>() {
        for challenge in &authenticated.challenges {
            response_headers.push("www-authenticate", challenge.header_value());
        }
    }
    if let Some(log) = req.extensions().get::<RequestLog>() {
        log.account(authenticated.account.id.0);
    }
    let caller = authorize(authenticated, &space.0, level, state.services.now())?;
    if matches!(level, AccessLevel::Admin | AccessLevel::SuperAdmin)
        && let Some(actor) = req.extensions().get::<AuditActor>()
    {
        let account = &caller.auth.account;
        actor.set(account.id, account.identity().to_string());
    }
    Ok(caller)
}

macro_rules! caller_extractor {
    ($(#[$doc:meta])* $name:ident, $mode:expr, $level:expr, [$($scheme:expr),*]) => {
        $(#[$doc])*
        pub struct $name(pub Caller);

        impl<'a> ApiExtractor<'a> for $name {
            const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::SecurityScheme];
            type ParamType = ();
            type ParamRawType = ();

            fn register(registry: &mut Registry) {
                register_schemes(registry);
            }

            fn security_schemes() -> Vec<&'static str> {
                vec![$($scheme),*]
            }

            async fn from_request(
                req: &'a Request,
                _body: &mut RequestBody,
                _param_opts: ExtractParamOptions<Self::ParamType>,
            ) -> poem::Result<Self> {
                Ok(Self(authenticate(req, $mode, $level).await?))
            }
        }
    };
}

caller_extractor!(
    /// Any authenticated, unblocked account of the request's space (JWT, API key or Digest).
    UserCaller, AuthMode::User, AccessLevel::User, [BEARER, KEY_HEADER, KEY_COOKIE, DIGEST]
);
caller_extractor!(
    /// An admin of the request's space, or a super admin; API keys only.
    AdminCaller, AuthMode::ApiKeyOnly, AccessLevel::Admin, [KEY_HEADER, KEY_COOKIE]
);
caller_extractor!(
    /// An admin of a super space; API keys only.
    SuperAdminCaller, AuthMode::ApiKeyOnly, AccessLevel::SuperAdmin, [KEY_HEADER, KEY_COOKIE]
);

/// The caller of `/provisioning/me`: the account a verified client certificate names (when the
/// TLS terminator passed one, see `client_certificate_header`), else a user authenticated as
/// [`UserCaller`]. A certificate that does not log in is refused (403): no other credential is
/// tried, as the original's middleware.
pub struct ProvisioningCaller {
    pub account: flexiapi_domain::model::Account,
    /// The account's space.
    pub space: std::sync::Arc<flexiapi_domain::model::Space>,
}

impl<'a> ApiExtractor<'a> for ProvisioningCaller {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::SecurityScheme];
    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        register_schemes(registry);
    }

    fn security_schemes() -> Vec<&'static str> {
        vec![BEARER, KEY_HEADER, KEY_COOKIE, DIGEST]
    }

    async fn from_request(
        req: &'a Request,
        _body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        if let Some(subject) = req.extensions().get::<ClientCertificateSubject>() {
            let state = req.data::<AppState>().ok_or_else(ApiError::internal)?;
            let space = req
                .extensions()
                .get::<RequestSpace>()
                .ok_or_else(ApiError::internal)?;
            let account = state
                .services
                .account_by_client_certificate(&subject.0, &space.0)
                .await
                .map_err(ApiError::from)?;
            return Ok(Self {
                account,
                space: space.0.clone(),
            });
        }
        let caller = authenticate(req, AuthMode::User, AccessLevel::User).await?;
        Ok(Self {
            account: caller.auth.account,
            space: caller.auth.account_space,
        })
    }
}
