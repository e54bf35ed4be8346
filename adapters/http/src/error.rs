//! The one place where domain errors become HTTP statuses and localized JSON bodies.
//!
//! Handlers and extractors return [`ApiError`]; the root middleware renders it in the language
//! the client negotiated (`render`). An error is never rendered in handlers, so it never loses
//! its language.

use flexiapi_domain::access::AccessError;
use flexiapi_domain::auth::{AuthError, JwtFailure};
use flexiapi_domain::error::{Conflict, RegistrarError, StoreError, TransportError};
use flexiapi_domain::service::{Channel, ClientCertificateRefusal, Entity, ServiceError};
use flexiapi_domain::validation::{Rule, ValidationErrors};
use fluent_templates::LanguageIdentifier;
use poem::http::StatusCode;
use poem::http::header::WWW_AUTHENTICATE;
use poem::{IntoResponse, Response};
use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses, Registry};
use poem_openapi::{ApiResponse, Object};
use serde_json::{Map, Value};

use crate::i18n::{Arg, Message, MessageId};

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
    pub fn new(status: StatusCode, id: MessageId) -> Self {
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
        Self::new(StatusCode::NOT_FOUND, MessageId::NotFound)
    }

    pub fn internal() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, MessageId::InternalError)
    }

    pub fn validation(errors: &ValidationErrors) -> Self {
        let mut e = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            MessageId::ValidationFailed,
        );
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
                Message::new(MessageId::ValidationMoreErrors)
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
                    "Too many failed authentications (or wrong old passwords) for this account or address, or too many unauthenticated requests (Digest challenges, auth tokens) from this address, or a token pushed to this device too recently; `Retry-After` says when to try again.",
                ),
                described(
                    503,
                    "The database or the device registry is unavailable, or a message or push could not be sent.",
                ),
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
    let m = |id: MessageId| Message::new(id).with("attribute", attr.clone());
    match rule {
        Rule::Required => m(MessageId::ValidationRequired),
        Rule::Missing => m(MessageId::ValidationMissing),
        Rule::Email => m(MessageId::ValidationEmail),
        Rule::Unique => m(MessageId::ValidationUnique),
        Rule::MinLength(n) => {
            m(MessageId::ValidationMinLength).with("min", Arg::Number(i64::from(*n)))
        }
        Rule::MaxLength(n) => {
            m(MessageId::ValidationMaxLength).with("max", Arg::Number(i64::from(*n)))
        }
        Rule::OneOf(values) => {
            m(MessageId::ValidationOneOf).with("values", Arg::Text(values.join(", ")))
        }
        Rule::Boolean => m(MessageId::ValidationBoolean),
        Rule::Integer => m(MessageId::ValidationInteger),
        Rule::IntegerBetween(min, max) => m(MessageId::ValidationIntegerBetween)
            .with("min", Arg::Number(*min))
            .with("max", Arg::Number(*max)),
        Rule::IntegerMin(min) => m(MessageId::ValidationIntegerMin).with("min", Arg::Number(*min)),
        Rule::Text => m(MessageId::ValidationText),
        Rule::Object => m(MessageId::ValidationObject),
        Rule::Date => m(MessageId::ValidationDate),
        Rule::DateNotPast => m(MessageId::ValidationDateNotPast),
        Rule::NoUppercase => m(MessageId::ValidationNoUppercase),
        Rule::NotPhoneNumber => m(MessageId::ValidationNotPhoneNumber),
        Rule::SipUsername => m(MessageId::ValidationSipUsername),
        Rule::SipUri => m(MessageId::ValidationSipUri),
        Rule::Domain => m(MessageId::ValidationDomain),
        Rule::Phone => m(MessageId::ValidationPhone),
        Rule::PhoneCountry => m(MessageId::ValidationPhoneCountry),
        Rule::Ini => m(MessageId::ValidationIni),
        Rule::JwtConfig => m(MessageId::ValidationJwtConfig),
        Rule::PublicKey => m(MessageId::ValidationPublicKey),
        Rule::AtLeastCurrentCount => m(MessageId::ValidationAtLeastCurrentCount),
        Rule::IncorrectOldPassword => m(MessageId::ValidationIncorrectOldPassword),
        Rule::AlphaDash => m(MessageId::ValidationAlphaDash),
        Rule::ValidToken => m(MessageId::ValidationValidToken),
        Rule::TokenExpired => m(MessageId::ValidationTokenExpired),
        Rule::ForbiddenCharacters => m(MessageId::ValidationForbiddenCharacters),
        Rule::LastSuperSpace => m(MessageId::ValidationLastSuperSpace),
        Rule::Digits(n) => {
            m(MessageId::ValidationDigits).with("digits", Arg::Number(i64::from(*n)))
        }
        Rule::ValidCode => m(MessageId::ValidationValidCode),
        Rule::NotCurrent => m(MessageId::ValidationNotCurrent),
        Rule::Format => m(MessageId::ValidationFormat),
        Rule::AccountContact => m(MessageId::ValidationAccountContact),
        Rule::ForwardingExclusive => m(MessageId::ValidationForwardingExclusive),
        Rule::Different(other) => {
            m(MessageId::ValidationDifferent).with("other", Arg::Field(other.clone()))
        }
        Rule::FileType(values) => {
            m(MessageId::ValidationFileType).with("values", Arg::Text(values.clone()))
        }
        Rule::MaxKilobytes(max) => m(MessageId::ValidationMaxKilobytes)
            .with("max", Arg::Number(i64::try_from(*max).unwrap_or(i64::MAX))),
        Rule::Exists => m(MessageId::ValidationExists),
        Rule::SpaceAddress => m(MessageId::ValidationSpaceAddress),
        Rule::Array => m(MessageId::ValidationArray),
        Rule::VCard => m(MessageId::ValidationVcard),
        Rule::SameAsPath => m(MessageId::ValidationSameAsPath),
        Rule::Url => m(MessageId::ValidationUrl),
        Rule::CommaSeparatedWords => m(MessageId::ValidationCommaSeparatedWords),
    }
}

fn unauthorized(
    id: MessageId,
    challenges: &[flexiapi_domain::auth::digest::DigestChallenge],
) -> ApiError {
    let mut e = ApiError::new(StatusCode::UNAUTHORIZED, id);
    e.challenges = challenges.iter().map(|c| c.header_value()).collect();
    e
}

fn jwt_message(failure: JwtFailure) -> MessageId {
    match failure {
        JwtFailure::Malformed => MessageId::JwtMalformed,
        JwtFailure::UnsupportedAlgorithm => MessageId::JwtUnsupportedAlgorithm,
        JwtFailure::InvalidSignature => MessageId::JwtInvalidSignature,
        JwtFailure::Expired => MessageId::JwtExpired,
        JwtFailure::NotYetValid => MessageId::JwtNotYetValid,
        JwtFailure::InvalidIssuer => MessageId::JwtInvalidIssuer,
        JwtFailure::InvalidAudience => MessageId::JwtInvalidAudience,
        JwtFailure::MissingExpiry => MessageId::JwtMissingExpiry,
        JwtFailure::UnusableKey => MessageId::JwtUnusableKey,
        JwtFailure::InvalidSipIdentity => MessageId::JwtInvalidSipIdentity,
    }
}

/// What the domain passes on as [`ServiceError::Storage`]: the database failed. Every other store
/// error is a fact the domain turns into its own `ServiceError` variant, so store errors reach
/// this adapter only through `ServiceError` (and a handler cannot `?` one into an answer).
fn storage_failure(e: StoreError) -> ApiError {
    match e {
        StoreError::Unavailable(reason) => {
            tracing::warn!(%reason, "storage unavailable");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                MessageId::ServiceUnavailable,
            )
        }
        StoreError::Backend(reason) => {
            tracing::error!(%reason, "storage failure");
            ApiError::internal()
        }
        // `From<StoreError> for ServiceError` never wraps these.
        other => {
            tracing::error!(error = %other, "store error passed on unmapped");
            ApiError::internal()
        }
    }
}

/// The message of a 404: what the use case did not find.
fn not_found_message(entity: Entity) -> MessageId {
    match entity {
        Entity::Account => MessageId::AccountNotFound,
        Entity::ContactsList => MessageId::ContactsListNotFound,
        Entity::Contact => MessageId::ContactNotFound,
        Entity::ContactsListMember => MessageId::NotInContactsList,
        Entity::Device => MessageId::DeviceNotFound,
        Entity::ProvisioningToken => MessageId::ProvisioningTokenNotFound,
        Entity::SpaceEmailServer => MessageId::EmailServerNotFound,
        Entity::ChangeCode => MessageId::ChangeCodeNotFound,
        Entity::TurnService => MessageId::TurnNotConfigured,
        Entity::ExternalAccount => MessageId::ExternalAccountNotFound,
        Entity::Voicemail => MessageId::VoicemailNotFound,
        Entity::Vcard => MessageId::VcardNotFound,
        Entity::CardDavServer | Entity::CardDavCredentials => MessageId::CardDavServerNotFound,
        // As the original: no message of their own.
        Entity::AccountType
        | Entity::AccountAction
        | Entity::AccountCreationToken
        | Entity::AccountCreationRequestToken
        | Entity::ApiKey
        | Entity::AuthToken
        | Entity::PhoneCountry
        | Entity::CallForwarding
        | Entity::StatisticsCall
        | Entity::StatisticsMessage
        | Entity::Unnamed => MessageId::NotFound,
        Entity::SipMessages => MessageId::SipMessagesNotConfigured,
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
        Conflict::CallForwardingType => "type",
        Conflict::CallForwardingEnabled => {
            return ApiError::field("enabled", Rule::ForwardingExclusive);
        }
        Conflict::ExternalAccountIdentity => "username",
        Conflict::VcardUid => {
            return ApiError::new(StatusCode::CONFLICT, MessageId::VcardAlreadyExists);
        }
        Conflict::ApiKey
        | Conflict::AuthToken
        | Conflict::Nonce
        | Conflict::ProvisioningToken
        | Conflict::AccountCreationToken
        | Conflict::AccountCreationRequestToken
        | Conflict::Wizard => {
            // Random tokens colliding: astronomically rare, and retrying is the fix.
            return ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                MessageId::ServiceUnavailable,
            );
        }
    };
    ApiError::field(field, Rule::Unique)
}

/// 429 with `Retry-After` and the seconds in the message.
fn too_many(id: MessageId, retry_after_seconds: u64) -> ApiError {
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
            AuthError::MissingFrom => Self::new(StatusCode::UNAUTHORIZED, MessageId::FromRequired),
            AuthError::InvalidFrom => Self::new(StatusCode::UNAUTHORIZED, MessageId::FromInvalid),
            AuthError::Unauthenticated { .. } => unauthorized(MessageId::Unauthenticated, &c),
            AuthError::MalformedAuthorization { .. } => {
                unauthorized(MessageId::DigestMalformed, &c)
            }
            AuthError::InvalidOpaque { .. } => unauthorized(MessageId::InvalidOpaque, &c),
            AuthError::NonceReplayed { .. } => unauthorized(MessageId::NonceReplayed, &c),
            AuthError::WrongAlgorithm { .. } => unauthorized(MessageId::WrongAlgorithm, &c),
            AuthError::InvalidCredentials { .. } => unauthorized(MessageId::InvalidCredentials, &c),
            AuthError::StaleNonce { .. } => unauthorized(MessageId::StaleNonce, &c),
            AuthError::InvalidApiKey => {
                Self::new(StatusCode::UNAUTHORIZED, MessageId::InvalidApiKey)
            }
            AuthError::ApiKeyRequired => {
                Self::new(StatusCode::UNAUTHORIZED, MessageId::ApiKeyRequired)
            }
            AuthError::InvalidToken(failure) => {
                let mut e = Self::new(StatusCode::UNAUTHORIZED, jwt_message(failure));
                e.bearer_error = Some(Message::new(jwt_message(failure)));
                e
            }
            AuthError::JwtNotConfigured => {
                let mut e = Self::new(StatusCode::UNAUTHORIZED, MessageId::JwtNotConfigured);
                e.bearer_error = Some(Message::new(MessageId::JwtNotConfigured));
                e
            }
            AuthError::JwtRequired => {
                let mut e = Self::new(StatusCode::UNAUTHORIZED, MessageId::JwtRequired);
                e.challenges = vec!["Bearer".into()];
                e
            }
            AuthError::JwtUnknownAccount => {
                Self::new(StatusCode::FORBIDDEN, MessageId::JwtUnknownAccount)
            }
            AuthError::TooManyFailures {
                retry_after_seconds,
            } => too_many(MessageId::TooManyFailures, retry_after_seconds),
            AuthError::TooManyRequests {
                retry_after_seconds,
            } => too_many(MessageId::TooManyRequests, retry_after_seconds),
            AuthError::Storage(s) => ServiceError::from(s).into(),
        }
    }
}

impl From<AccessError> for ApiError {
    fn from(e: AccessError) -> Self {
        let id = match e {
            AccessError::Blocked => MessageId::AccountBlocked,
            AccessError::SpaceExpired => MessageId::SpaceExpired,
            AccessError::NotAdmin => MessageId::UnauthorizedArea,
            AccessError::NotSuperAdmin => MessageId::NotSuperAdmin,
            AccessError::ForeignSpace => MessageId::ForeignSpace,
        };
        Self::new(StatusCode::FORBIDDEN, id)
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Validation(errors) => Self::validation(&errors),
            ServiceError::UnknownSpace(_) => {
                Self::new(StatusCode::NOT_FOUND, MessageId::SpaceNotFound)
            }
            ServiceError::NotFound(entity) => {
                Self::new(StatusCode::NOT_FOUND, not_found_message(entity))
            }
            ServiceError::ContactsListAlreadyAttached => Self::new(
                StatusCode::FORBIDDEN,
                MessageId::ContactsListAlreadyAttached,
            ),
            ServiceError::ContactsListNotAttached => {
                Self::new(StatusCode::FORBIDDEN, MessageId::ContactsListNotAttached)
            }
            ServiceError::AccountTypeAlreadyAttached => {
                Self::new(StatusCode::FORBIDDEN, MessageId::TypeAlreadyAttached)
            }
            ServiceError::AccountTypeNotAttached => {
                Self::new(StatusCode::FORBIDDEN, MessageId::TypeNotAttached)
            }
            ServiceError::DtmfProtocolRequired => {
                Self::new(StatusCode::FORBIDDEN, MessageId::DtmfProtocolRequired)
            }
            ServiceError::Conflict(c) => conflict(c),
            ServiceError::SpaceFull => Self::new(StatusCode::FORBIDDEN, MessageId::SpaceFull),
            ServiceError::RegistrationClosed => {
                Self::new(StatusCode::FORBIDDEN, MessageId::RegistrationClosed)
            }
            ServiceError::ProvisioningTokenExpired => {
                Self::new(StatusCode::GONE, MessageId::ProvisioningTokenExpired)
            }
            ServiceError::TooManyFailures {
                retry_after_seconds,
            } => too_many(MessageId::TooManyFailures, retry_after_seconds),
            ServiceError::TooManyRequests {
                retry_after_seconds,
            } => too_many(MessageId::TooManyRequests, retry_after_seconds),
            ServiceError::AccountBlocked => {
                Self::new(StatusCode::FORBIDDEN, MessageId::AccountBlocked)
            }
            ServiceError::AccountDeactivated => {
                Self::new(StatusCode::FORBIDDEN, MessageId::AccountDeactivated)
            }
            ServiceError::Storage(s) => storage_failure(s),
            ServiceError::Registrar(RegistrarError::Unavailable(reason)) => {
                tracing::warn!(%reason, "registrar unavailable");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    MessageId::RegistrarUnavailable,
                )
            }
            ServiceError::AccountUnvalidated => {
                Self::new(StatusCode::FORBIDDEN, MessageId::AccountUnvalidated)
            }
            ServiceError::CodeExpired => Self::new(StatusCode::GONE, MessageId::CodeExpired),
            ServiceError::CodeWornOut => Self::new(StatusCode::GONE, MessageId::CodeWornOut),
            ServiceError::NoEmailAddress => {
                Self::new(StatusCode::FORBIDDEN, MessageId::NoEmailAddress)
            }
            ServiceError::ClientCertificateRefused(why) => Self::new(
                StatusCode::FORBIDDEN,
                match why {
                    ClientCertificateRefusal::NotEnabled => MessageId::ClientCertificateNotAllowed,
                    ClientCertificateRefusal::NoCommonName => {
                        MessageId::ClientCertificateNoCommonName
                    }
                    ClientCertificateRefusal::NotSipAddress => {
                        MessageId::ClientCertificateNotSipAddress
                    }
                    ClientCertificateRefusal::UnknownAccount => {
                        MessageId::ClientCertificateUnknownAccount
                    }
                },
            ),
            ServiceError::VoicemailNeedsEmail => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                MessageId::VoicemailNeedsEmail,
            ),
            ServiceError::CardDavCredentialsDisabled => {
                Self::new(StatusCode::FORBIDDEN, MessageId::CardDavCredentialsDisabled)
            }
            ServiceError::NoTransport(channel) => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                match channel {
                    Channel::Email => MessageId::NoEmailTransport,
                    Channel::Sms => MessageId::NoSmsTransport,
                },
            ),
            ServiceError::NotSent(e) => {
                // The transport's answer is for operators; the client learns it was not sent.
                tracing::warn!(error = %e, "message not sent");
                let id = match e {
                    TransportError::Refused(_) => MessageId::MessageRefused,
                    TransportError::Unavailable(_) => MessageId::MessageServerUnavailable,
                    TransportError::NotConfigured => MessageId::ServiceUnavailable,
                };
                Self::new(StatusCode::SERVICE_UNAVAILABLE, id)
            }
            ServiceError::TokenRequestedTooRecently {
                retry_after_seconds,
            } => {
                // The original's message, without the seconds: `Retry-After` carries them.
                let mut e = Self::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    MessageId::TokenRequestedTooRecently,
                );
                e.retry_after = Some(retry_after_seconds);
                e
            }
            ServiceError::TokenNotSent(e) => {
                log_push_failure(&e);
                Self::new(StatusCode::SERVICE_UNAVAILABLE, MessageId::TokenNotSent)
            }
            ServiceError::SipMessageRefused(reason) => {
                // The daemon's reason says what is wrong with the address, as the original's.
                Self::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    MessageId::SipMessageRefused,
                )
                .with_arg("reason", Arg::Text(reason))
            }
            ServiceError::SipMessageNotSent(e) => {
                tracing::warn!(error = %e, "SIP message not sent");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    MessageId::SipMessageNotSent,
                )
            }
            ServiceError::PushNotSent(e) => {
                log_push_failure(&e);
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    MessageId::PushNotificationNotSent,
                )
            }
        }
    }
}

/// A push's failure is for operators (the client only learns it was not sent); an unconfigured
/// pusher is no failure.
fn log_push_failure(e: &TransportError) {
    if !matches!(e, TransportError::NotConfigured) {
        tracing::warn!(error = %e, "push not sent");
    }
}

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
