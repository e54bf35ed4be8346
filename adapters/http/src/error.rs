//! The one place where domain errors become HTTP statuses and localized JSON bodies.
//!
//! Handlers and extractors return [`ApiError`]; the root middleware renders it in the language
//! the client negotiated (`render`). An error is never rendered in handlers, so it never loses
//! its language.

use flexiapi_domain::access::AccessError;
use flexiapi_domain::auth::{AuthError, JwtFailure};
use flexiapi_domain::error::{Conflict, RegistrarError, StoreError};
use flexiapi_domain::service::ServiceError;
use flexiapi_domain::validation::{Rule, ValidationErrors};
use fluent_templates::LanguageIdentifier;
use poem::http::StatusCode;
use poem::http::header::WWW_AUTHENTICATE;
use poem::{IntoResponse, Response};
use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses, Registry};
use poem_openapi::{ApiResponse, Object};
use serde_json::{Map, Value};

use crate::i18n::{Arg, Message};

/// An error answer, not yet rendered.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: Message,
    /// Validation failures: field name as sent, one message per broken rule.
    pub field_errors: Vec<(String, Message)>,
    /// Raw `WWW-Authenticate` values (Digest challenges, `Bearer`).
    pub challenges: Vec<String>,
    /// `WWW-Authenticate: Bearer error="invalid_token", error_description="<this>"`.
    pub bearer_error: Option<Message>,
    /// `Retry-After`, in seconds (429).
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, id: &'static str) -> Self {
        Self {
            status,
            message: Message::new(id),
            field_errors: Vec::new(),
            challenges: Vec::new(),
            bearer_error: None,
            retry_after: None,
        }
    }

    pub fn with_arg(mut self, name: &'static str, value: Arg) -> Self {
        self.message = self.message.with(name, value);
        self
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found")
    }

    pub fn internal() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal-error")
    }

    pub fn validation(errors: &ValidationErrors) -> Self {
        let mut e = Self::new(StatusCode::UNPROCESSABLE_ENTITY, "validation-failed");
        e.field_errors = errors
            .0
            .iter()
            .map(|fe| (fe.field.clone(), rule_message(&fe.field, &fe.rule)))
            .collect();
        e
    }

    pub fn field(field: &str, rule: Rule) -> Self {
        Self::validation(&ValidationErrors::single(field, rule))
    }

    /// The JSON body and headers in `lang`.
    pub fn render(&self, lang: &LanguageIdentifier) -> Response {
        let mut body = Map::new();
        if self.field_errors.is_empty() {
            body.insert("message".into(), Value::String(self.message.render(lang)));
        } else {
            let mut errors: Map<String, Value> = Map::new();
            for (field, message) in &self.field_errors {
                let entry = errors
                    .entry(field.clone())
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(list) = entry {
                    list.push(Value::String(message.render(lang)));
                }
            }
            let first = self.field_errors[0].1.render(lang);
            let more = self.field_errors.len() as i64 - 1;
            let summary = if more > 0 {
                Message::new("validation-more-errors")
                    .with("message", Arg::Text(first))
                    .with("count", Arg::Number(more))
                    .render(lang)
            } else {
                first
            };
            body.insert("message".into(), Value::String(summary));
            body.insert("errors".into(), Value::Object(errors));
        }
        let mut response = Response::builder()
            .status(self.status)
            .content_type("application/json")
            .body(Value::Object(body).to_string());
        let headers = response.headers_mut();
        for challenge in &self.challenges {
            if let Ok(v) = challenge.parse() {
                headers.append(WWW_AUTHENTICATE, v);
            }
        }
        if let Some(seconds) = self.retry_after {
            headers.insert(poem::http::header::RETRY_AFTER, seconds.into());
        }
        if let Some(description) = &self.bearer_error {
            let text = description.render(lang).replace(['"', '\\'], "'");
            let value = format!("Bearer error=\"invalid_token\", error_description=\"{text}\"");
            if let Ok(v) = value.parse() {
                headers.append(WWW_AUTHENTICATE, v);
            }
        }
        response
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.message.id)
    }
}

impl std::error::Error for ApiError {}

impl poem::error::ResponseError for ApiError {
    fn status(&self) -> StatusCode {
        self.status
    }

    /// Only used when the root middleware is bypassed: English.
    fn as_response(&self) -> Response {
        self.render(&"en".parse().unwrap_or_default())
    }
}

/// The error body, for the OpenAPI document.
#[derive(Debug, Object)]
#[oai(example)]
#[oai(rename = "Error")]
pub struct ErrorBody {
    /// Localized message (the first validation error for 422).
    pub message: String,
    /// 422 only: field name -> localized messages, one per broken rule.
    pub errors: Option<std::collections::BTreeMap<String, Vec<String>>>,
}

impl ApiResponse for ApiError {
    fn meta() -> MetaResponses {
        let described = |status: u16, description: &'static str| MetaResponse {
            description,
            status: Some(status),
            status_range: None,
            content: vec![MetaMediaType {
                content_type: "application/json",
                schema: <ErrorBody as poem_openapi::types::Type>::schema_ref(),
            }],
            headers: vec![],
        };
        MetaResponses {
            responses: vec![
                described(400, "The body is not valid JSON."),
                described(
                    401,
                    "Authentication required or refused; Digest challenges or a Bearer error in `WWW-Authenticate`.",
                ),
                described(
                    403,
                    "Refused: blocked account, expired space, insufficient level or another space.",
                ),
                described(404, "Unknown host, route or resource."),
                described(413, "The body is larger than the configured limit."),
                described(415, "The body is not sent as `application/json`."),
                described(
                    422,
                    "Validation failed: `errors` maps each field to its messages.",
                ),
                described(
                    429,
                    "Too many failed authentications (or wrong old passwords) for this account or address, or too many unauthenticated requests (Digest challenges, auth tokens) from this address; `Retry-After` says when to try again.",
                ),
                described(503, "The database or the device registry is unavailable."),
            ],
        }
    }

    fn register(registry: &mut Registry) {
        <ErrorBody as poem_openapi::types::Type>::register(registry);
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        poem::error::ResponseError::as_response(&self)
    }
}

/// Localized message of one broken rule on `field`.
pub fn rule_message(field: &str, rule: &Rule) -> Message {
    let attr = Arg::Field(field.to_owned());
    let m = |id: &'static str| Message::new(id).with("attribute", attr.clone());
    match rule {
        Rule::Required => m("validation-required"),
        Rule::Missing => m("validation-missing"),
        Rule::Email => m("validation-email"),
        Rule::Unique => m("validation-unique"),
        Rule::MinLength(n) => m("validation-min-length").with("min", Arg::Number(i64::from(*n))),
        Rule::MaxLength(n) => m("validation-max-length").with("max", Arg::Number(i64::from(*n))),
        Rule::OneOf(values) => m("validation-one-of").with("values", Arg::Text(values.join(", "))),
        Rule::Boolean => m("validation-boolean"),
        Rule::Integer => m("validation-integer"),
        Rule::IntegerBetween(min, max) => m("validation-integer-between")
            .with("min", Arg::Number(*min))
            .with("max", Arg::Number(*max)),
        Rule::IntegerMin(min) => m("validation-integer-min").with("min", Arg::Number(*min)),
        Rule::Text => m("validation-text"),
        Rule::Object => m("validation-object"),
        Rule::Date => m("validation-date"),
        Rule::DateNotPast => m("validation-date-not-past"),
        Rule::NoUppercase => m("validation-no-uppercase"),
        Rule::NotPhoneNumber => m("validation-not-phone-number"),
        Rule::SipUsername => m("validation-sip-username"),
        Rule::SipUri => m("validation-sip-uri"),
        Rule::Domain => m("validation-domain"),
        Rule::Phone => m("validation-phone"),
        Rule::PhoneCountry => m("validation-phone-country"),
        Rule::Ini => m("validation-ini"),
        Rule::JwtConfig => m("validation-jwt-config"),
        Rule::PublicKey => m("validation-public-key"),
        Rule::AtLeastCurrentCount => m("validation-at-least-current-count"),
        Rule::IncorrectOldPassword => m("validation-incorrect-old-password"),
        Rule::AlphaDash => m("validation-alpha-dash"),
        Rule::ValidToken => m("validation-valid-token"),
        Rule::TokenExpired => m("validation-token-expired"),
        Rule::ForbiddenCharacters => m("validation-forbidden-characters"),
        Rule::LastSuperSpace => m("validation-last-super-space"),
    }
}

fn unauthorized(
    id: &'static str,
    challenges: &[flexiapi_domain::auth::digest::DigestChallenge],
) -> ApiError {
    let mut e = ApiError::new(StatusCode::UNAUTHORIZED, id);
    e.challenges = challenges.iter().map(|c| c.header_value()).collect();
    e
}

fn jwt_message(failure: JwtFailure) -> &'static str {
    match failure {
        JwtFailure::Malformed => "jwt-malformed",
        JwtFailure::UnsupportedAlgorithm => "jwt-unsupported-algorithm",
        JwtFailure::InvalidSignature => "jwt-invalid-signature",
        JwtFailure::Expired => "jwt-expired",
        JwtFailure::NotYetValid => "jwt-not-yet-valid",
        JwtFailure::InvalidIssuer => "jwt-invalid-issuer",
        JwtFailure::InvalidAudience => "jwt-invalid-audience",
        JwtFailure::MissingExpiry => "jwt-missing-expiry",
        JwtFailure::UnusableKey => "jwt-unusable-key",
        JwtFailure::InvalidSipIdentity => "jwt-invalid-sip-identity",
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(reason) => {
                tracing::warn!(%reason, "storage unavailable");
                Self::new(StatusCode::SERVICE_UNAVAILABLE, "service-unavailable")
            }
            StoreError::NotFound => Self::not_found(),
            StoreError::SpaceFull => Self::new(StatusCode::FORBIDDEN, "space-full"),
            StoreError::TokenSpent => Self::not_found(),
            StoreError::LastSuperSpace => Self::field("super", Rule::LastSuperSpace),
            StoreError::Conflict(c) => conflict(c),
            StoreError::Backend(reason) => {
                tracing::error!(%reason, "storage failure");
                Self::internal()
            }
        }
    }
}

fn conflict(c: Conflict) -> ApiError {
    let field = match c {
        Conflict::AccountIdentity => "username",
        Conflict::SpaceDomain => "domain",
        Conflict::SpaceHost => "host",
        Conflict::SpaceName => "name",
        Conflict::AccountTypeKey => "key",
        Conflict::ContactsListTitle => "title",
        Conflict::ApiKey
        | Conflict::AuthToken
        | Conflict::Nonce
        | Conflict::ProvisioningToken
        | Conflict::AccountCreationToken => {
            // Random tokens colliding: astronomically rare, and retrying is the fix.
            return ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "service-unavailable");
        }
    };
    ApiError::field(field, Rule::Unique)
}

/// 429 with `Retry-After` and the seconds in the message.
fn too_many(id: &'static str, retry_after_seconds: u64) -> ApiError {
    let mut e = ApiError::new(StatusCode::TOO_MANY_REQUESTS, id).with_arg(
        "seconds",
        Arg::Number(i64::try_from(retry_after_seconds).unwrap_or(i64::MAX)),
    );
    e.retry_after = Some(retry_after_seconds);
    e
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        let c = e.challenges().to_vec();
        match e {
            AuthError::MissingFrom => Self::new(StatusCode::UNAUTHORIZED, "from-required"),
            AuthError::InvalidFrom => Self::new(StatusCode::UNAUTHORIZED, "from-invalid"),
            AuthError::Unauthenticated { .. } => unauthorized("unauthenticated", &c),
            AuthError::MalformedAuthorization { .. } => unauthorized("digest-malformed", &c),
            AuthError::InvalidOpaque { .. } => unauthorized("invalid-opaque", &c),
            AuthError::NonceReplayed { .. } => unauthorized("nonce-replayed", &c),
            AuthError::WrongAlgorithm { .. } => unauthorized("wrong-algorithm", &c),
            AuthError::InvalidCredentials { .. } => unauthorized("invalid-credentials", &c),
            AuthError::StaleNonce { .. } => unauthorized("stale-nonce", &c),
            AuthError::InvalidApiKey => Self::new(StatusCode::UNAUTHORIZED, "invalid-api-key"),
            AuthError::ApiKeyRequired => Self::new(StatusCode::UNAUTHORIZED, "api-key-required"),
            AuthError::InvalidToken(failure) => {
                let mut e = Self::new(StatusCode::UNAUTHORIZED, jwt_message(failure));
                e.bearer_error = Some(Message::new(jwt_message(failure)));
                e
            }
            AuthError::JwtNotConfigured => {
                let mut e = Self::new(StatusCode::UNAUTHORIZED, "jwt-not-configured");
                e.bearer_error = Some(Message::new("jwt-not-configured"));
                e
            }
            AuthError::JwtRequired => {
                let mut e = Self::new(StatusCode::UNAUTHORIZED, "jwt-required");
                e.challenges = vec!["Bearer".into()];
                e
            }
            AuthError::JwtUnknownAccount => Self::new(StatusCode::FORBIDDEN, "jwt-unknown-account"),
            AuthError::TooManyFailures {
                retry_after_seconds,
            } => too_many("too-many-failures", retry_after_seconds),
            AuthError::TooManyRequests {
                retry_after_seconds,
            } => too_many("too-many-requests", retry_after_seconds),
            AuthError::Storage(s) => s.into(),
        }
    }
}

impl From<AccessError> for ApiError {
    fn from(e: AccessError) -> Self {
        let id = match e {
            AccessError::Blocked => "account-blocked",
            AccessError::SpaceExpired => "space-expired",
            AccessError::NotAdmin => "unauthorized-area",
            AccessError::NotSuperAdmin => "not-super-admin",
            AccessError::ForeignSpace => "foreign-space",
        };
        Self::new(StatusCode::FORBIDDEN, id)
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Validation(errors) => Self::validation(&errors),
            ServiceError::UnknownSpace(_) => Self::new(StatusCode::NOT_FOUND, "space-not-found"),
            ServiceError::AccountNotFound => Self::new(StatusCode::NOT_FOUND, "account-not-found"),
            ServiceError::ContactsListNotFound => {
                Self::new(StatusCode::NOT_FOUND, "contacts-list-not-found")
            }
            ServiceError::ContactNotFound => Self::new(StatusCode::NOT_FOUND, "contact-not-found"),
            ServiceError::NotInContactsList => {
                Self::new(StatusCode::NOT_FOUND, "not-in-contacts-list")
            }
            ServiceError::ContactsListAlreadyAttached => {
                Self::new(StatusCode::FORBIDDEN, "contacts-list-already-attached")
            }
            ServiceError::ContactsListNotAttached => {
                Self::new(StatusCode::FORBIDDEN, "contacts-list-not-attached")
            }
            ServiceError::AccountTypeAlreadyAttached => {
                Self::new(StatusCode::FORBIDDEN, "type-already-attached")
            }
            ServiceError::AccountTypeNotAttached => {
                Self::new(StatusCode::FORBIDDEN, "type-not-attached")
            }
            ServiceError::DtmfProtocolRequired => {
                Self::new(StatusCode::FORBIDDEN, "dtmf-protocol-required")
            }
            ServiceError::NotFound => Self::not_found(),
            ServiceError::Conflict(c) => conflict(c),
            ServiceError::SpaceFull => Self::new(StatusCode::FORBIDDEN, "space-full"),
            ServiceError::RegistrationClosed => {
                Self::new(StatusCode::FORBIDDEN, "registration-closed")
            }
            ServiceError::DeviceNotFound => Self::new(StatusCode::NOT_FOUND, "device-not-found"),
            ServiceError::ProvisioningTokenNotFound => {
                Self::new(StatusCode::NOT_FOUND, "provisioning-token-not-found")
            }
            ServiceError::ProvisioningTokenExpired => {
                Self::new(StatusCode::GONE, "provisioning-token-expired")
            }
            ServiceError::TooManyFailures {
                retry_after_seconds,
            } => too_many("too-many-failures", retry_after_seconds),
            ServiceError::TooManyRequests {
                retry_after_seconds,
            } => too_many("too-many-requests", retry_after_seconds),
            ServiceError::AccountBlocked => Self::new(StatusCode::FORBIDDEN, "account-blocked"),
            ServiceError::AccountDeactivated => {
                Self::new(StatusCode::FORBIDDEN, "account-deactivated")
            }
            ServiceError::Storage(s) => s.into(),
            ServiceError::Registrar(RegistrarError::Unavailable(reason)) => {
                tracing::warn!(%reason, "registrar unavailable");
                Self::new(StatusCode::SERVICE_UNAVAILABLE, "registrar-unavailable")
            }
        }
    }
}

/// Every message id the code can produce outside `rule_message` (the catalogue test checks that
/// each exists in every language).
pub const MESSAGE_IDS: &[&str] = &[
    "not-found",
    "method-not-allowed",
    "host-not-configured",
    "invalid-json",
    "unsupported-media-type",
    "payload-too-large",
    "bad-request",
    "internal-error",
    "service-unavailable",
    "from-required",
    "from-invalid",
    "unauthenticated",
    "digest-malformed",
    "invalid-opaque",
    "nonce-replayed",
    "wrong-algorithm",
    "invalid-credentials",
    "stale-nonce",
    "invalid-api-key",
    "api-key-required",
    "jwt-malformed",
    "jwt-unsupported-algorithm",
    "jwt-invalid-signature",
    "jwt-expired",
    "jwt-not-yet-valid",
    "jwt-invalid-issuer",
    "jwt-invalid-audience",
    "jwt-missing-expiry",
    "jwt-unusable-key",
    "jwt-invalid-sip-identity",
    "jwt-not-configured",
    "jwt-required",
    "jwt-unknown-account",
    "account-blocked",
    "account-deactivated",
    "space-expired",
    "unauthorized-area",
    "not-super-admin",
    "foreign-space",
    "csrf-json-required",
    "space-full",
    "space-not-found",
    "account-not-found",
    "sip-address-not-found",
    "email-not-found",
    "type-already-attached",
    "dtmf-protocol-required",
    "type-not-attached",
    "too-many-failures",
    "too-many-requests",
    "contacts-list-not-found",
    "contact-not-found",
    "not-in-contacts-list",
    "contacts-list-already-attached",
    "contacts-list-not-attached",
    "device-not-found",
    "registrar-unavailable",
    "provisioning-token-not-found",
    "provisioning-token-expired",
    "provisioning-header-required",
    "validation-failed",
    "validation-more-errors",
    "registration-closed",
];

impl poem_openapi::types::Example for ErrorBody {
    fn example() -> Self {
        Self {
            message: "The username field is required.".into(),
            errors: Some(std::collections::BTreeMap::from([(
                "username".to_owned(),
                vec!["The username field is required.".to_owned()],
            )])),
        }
    }
}
