//! Localization: Fluent catalogues from `locales/<lang>/*.ftl`, embedded at build time, and
//! `Accept-Language` negotiation.

use std::borrow::Cow;
use std::collections::HashMap;

use flexiapi_domain::language;
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};

fluent_templates::static_loader! {
    pub static LOCALES = {
        locales: "../../locales",
        fallback_language: "en",
        // Isolation marks (U+2068/U+2069) around placeables confuse clients that compare text.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// A message argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    Text(String),
    Number(i64),
    /// A field name, itself translated through the glossary (`field-<name>`).
    Field(String),
}

/// Declares [`MessageId`]: one variant per message, its Fluent id, and `ALL`, so the ids the
/// code can produce and the list the catalogue test checks are the same list.
macro_rules! message_ids {
    ($($variant:ident = $id:literal,)*) => {
        /// A message of the catalogues (`locales/<lang>/main.ftl`); the field glossary
        /// (`field-<name>`, see [`field_name`]) is the only other kind of entry there.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum MessageId {
            $($variant,)*
        }

        impl MessageId {
            /// Every message id, each once.
            pub const ALL: &[Self] = &[$(Self::$variant,)*];

            /// The Fluent id.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $id,)*
                }
            }
        }
    };
}

message_ids! {
    // The request itself.
    NotFound = "not-found",
    MethodNotAllowed = "method-not-allowed",
    HostNotConfigured = "host-not-configured",
    HostMissing = "host-missing",
    DuplicateHostHeader = "duplicate-host-header",
    InvalidJson = "invalid-json",
    UnsupportedMediaType = "unsupported-media-type",
    PayloadTooLarge = "payload-too-large",
    BadRequest = "bad-request",
    CsrfJsonRequired = "csrf-json-required",
    InternalError = "internal-error",
    ServiceUnavailable = "service-unavailable",
    RegistrarUnavailable = "registrar-unavailable",
    TooManyFailures = "too-many-failures",
    TooManyRequests = "too-many-requests",
    // Authentication.
    FromRequired = "from-required",
    FromInvalid = "from-invalid",
    Unauthenticated = "unauthenticated",
    DigestMalformed = "digest-malformed",
    InvalidOpaque = "invalid-opaque",
    NonceReplayed = "nonce-replayed",
    WrongAlgorithm = "wrong-algorithm",
    InvalidCredentials = "invalid-credentials",
    StaleNonce = "stale-nonce",
    InvalidApiKey = "invalid-api-key",
    ApiKeyRequired = "api-key-required",
    JwtMalformed = "jwt-malformed",
    JwtUnsupportedAlgorithm = "jwt-unsupported-algorithm",
    JwtInvalidSignature = "jwt-invalid-signature",
    JwtExpired = "jwt-expired",
    JwtNotYetValid = "jwt-not-yet-valid",
    JwtInvalidIssuer = "jwt-invalid-issuer",
    JwtInvalidAudience = "jwt-invalid-audience",
    JwtMissingExpiry = "jwt-missing-expiry",
    JwtUnusableKey = "jwt-unusable-key",
    JwtInvalidSipIdentity = "jwt-invalid-sip-identity",
    JwtNotConfigured = "jwt-not-configured",
    JwtRequired = "jwt-required",
    JwtUnknownAccount = "jwt-unknown-account",
    // Access.
    AccountBlocked = "account-blocked",
    AccountDeactivated = "account-deactivated",
    SpaceExpired = "space-expired",
    UnauthorizedArea = "unauthorized-area",
    NotSuperAdmin = "not-super-admin",
    ForeignSpace = "foreign-space",
    // Resources.
    SpaceFull = "space-full",
    SpaceNotFound = "space-not-found",
    RegistrationClosed = "registration-closed",
    AccountNotFound = "account-not-found",
    SipAddressNotFound = "sip-address-not-found",
    EmailNotFound = "email-not-found",
    TypeAlreadyAttached = "type-already-attached",
    TypeNotAttached = "type-not-attached",
    DtmfProtocolRequired = "dtmf-protocol-required",
    ContactsListNotFound = "contacts-list-not-found",
    ContactNotFound = "contact-not-found",
    NotInContactsList = "not-in-contacts-list",
    ContactsListAlreadyAttached = "contacts-list-already-attached",
    ContactsListNotAttached = "contacts-list-not-attached",
    DeviceNotFound = "device-not-found",
    ProvisioningTokenNotFound = "provisioning-token-not-found",
    ProvisioningTokenExpired = "provisioning-token-expired",
    ProvisioningHeaderRequired = "provisioning-header-required",
    // Validation: the summary, then one per broken rule (`error::rule_message`).
    ValidationFailed = "validation-failed",
    ValidationMoreErrors = "validation-more-errors",
    ValidationRequired = "validation-required",
    ValidationMissing = "validation-missing",
    ValidationEmail = "validation-email",
    ValidationUnique = "validation-unique",
    ValidationMinLength = "validation-min-length",
    ValidationMaxLength = "validation-max-length",
    ValidationOneOf = "validation-one-of",
    ValidationBoolean = "validation-boolean",
    ValidationInteger = "validation-integer",
    ValidationIntegerBetween = "validation-integer-between",
    ValidationIntegerMin = "validation-integer-min",
    ValidationText = "validation-text",
    ValidationObject = "validation-object",
    ValidationDate = "validation-date",
    ValidationDateNotPast = "validation-date-not-past",
    ValidationNoUppercase = "validation-no-uppercase",
    ValidationNotPhoneNumber = "validation-not-phone-number",
    ValidationSipUsername = "validation-sip-username",
    ValidationSipUri = "validation-sip-uri",
    ValidationDomain = "validation-domain",
    ValidationPhone = "validation-phone",
    ValidationPhoneCountry = "validation-phone-country",
    ValidationIni = "validation-ini",
    ValidationJwtConfig = "validation-jwt-config",
    ValidationPublicKey = "validation-public-key",
    ValidationAtLeastCurrentCount = "validation-at-least-current-count",
    ValidationIncorrectOldPassword = "validation-incorrect-old-password",
    ValidationAlphaDash = "validation-alpha-dash",
    ValidationValidToken = "validation-valid-token",
    ValidationTokenExpired = "validation-token-expired",
    ValidationForbiddenCharacters = "validation-forbidden-characters",
    ValidationLastSuperSpace = "validation-last-super-space",
    EmailServerNotFound = "email-server-not-found",
    // E-mail and phone changes, messages sent.
    AccountUnvalidated = "account-unvalidated",
    ChangeCodeNotFound = "change-code-not-found",
    CodeExpired = "code-expired",
    CodeWornOut = "code-worn-out",
    NoEmailAddress = "no-email-address",
    NoEmailTransport = "no-email-transport",
    NoSmsTransport = "no-sms-transport",
    MessageRefused = "message-refused",
    MessageServerUnavailable = "message-server-unavailable",
    ValidationDigits = "validation-digits",
    ValidationValidCode = "validation-valid-code",
    ValidationNotCurrent = "validation-not-current",
    // TURN.
    TurnNotConfigured = "turn-not-configured",
    // Linphone apps' tokens and pushes.
    ValidationFormat = "validation-format",
    TokenRequestedTooRecently = "token-requested-too-recently",
    TokenNotSent = "token-not-sent",
    PushNotificationNotSent = "push-notification-not-sent",
    ValidationAccountContact = "validation-account-contact",
    ValidationForwardingExclusive = "validation-forwarding-exclusive",
    // External accounts.
    ExternalAccountNotFound = "external-account-not-found",
    ValidationDifferent = "validation-different",
    // Voicemails.
    VoicemailNeedsEmail = "voicemail-needs-email",
    VoicemailNotFound = "voicemail-not-found",
    ValidationFileType = "validation-file-type",
    ValidationMaxKilobytes = "validation-max-kilobytes",
    UploadIncomplete = "upload-incomplete",
    ValidationExists = "validation-exists",
    ValidationSpaceAddress = "validation-space-address",
    SipMessagesNotConfigured = "sip-messages-not-configured",
    SipMessageRefused = "sip-message-refused",
    SipMessageNotSent = "sip-message-not-sent",
    // The original's compatibility: JSON bodies read against the document.
    ValidationArray = "validation-array",
    // Client certificates (provisioning).
    ClientCertificateNotAllowed = "client-certificate-not-allowed",
    ClientCertificateNoCommonName = "client-certificate-no-common-name",
    ClientCertificateNotSipAddress = "client-certificate-not-sip-address",
    ClientCertificateUnknownAccount = "client-certificate-unknown-account",
    // vCards and CardDAV.
    ValidationVcard = "validation-vcard",
    ValidationSameAsPath = "validation-same-as-path",
    ValidationUrl = "validation-url",
    ValidationCommaSeparatedWords = "validation-comma-separated-words",
    VcardAlreadyExists = "vcard-already-exists",
    VcardNotFound = "vcard-not-found",
    CardDavServerNotFound = "carddav-server-not-found",
    CardDavCredentialsDisabled = "carddav-credentials-disabled",
}

impl std::fmt::Display for MessageId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A message id with its arguments, rendered in the request's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: MessageId,
    pub args: Vec<(&'static str, Arg)>,
}

impl Message {
    pub fn new(id: MessageId) -> Self {
        Self {
            id,
            args: Vec::new(),
        }
    }

    pub fn with(mut self, name: &'static str, value: Arg) -> Self {
        self.args.push((name, value));
        self
    }

    pub fn render(&self, lang: &LanguageIdentifier) -> String {
        let args: HashMap<Cow<'static, str>, FluentValue> = self
            .args
            .iter()
            .map(|(name, value)| {
                let value = match value {
                    Arg::Text(t) => FluentValue::from(t.clone()),
                    Arg::Number(n) => FluentValue::from(*n),
                    Arg::Field(f) => FluentValue::from(field_name(lang, f)),
                };
                (Cow::Borrowed(*name), value)
            })
            .collect();
        LOCALES.lookup_with_args(lang, self.id.as_str(), &args)
    }
}

/// A field's name as a reader of `lang` knows it (`username` is "pseudo" in French). Fields
/// without a glossary entry keep the name the client sent.
pub fn field_name(lang: &LanguageIdentifier, field: &str) -> String {
    let id = format!("field-{}", field.replace(['_', '.'], "-"));
    LOCALES
        .try_lookup(lang, &id)
        .unwrap_or_else(|| field.to_owned())
}

/// The languages a server offers, most preferred first: the first is the fallback.
#[derive(Debug, Clone)]
pub struct Languages(Vec<LanguageIdentifier>);

impl Languages {
    /// # Errors
    /// A tag that does not parse, or one without a catalogue under `locales/`.
    pub fn new(tags: &[String]) -> Result<Self, String> {
        let available: Vec<LanguageIdentifier> = LOCALES.locales().cloned().collect();
        let mut langs = Vec::new();
        for tag in tags {
            let lang: LanguageIdentifier = tag
                .trim()
                .parse()
                .map_err(|_| format!("invalid language tag {tag:?}"))?;
            if !available.contains(&lang) {
                return Err(format!("no catalogue for language {tag:?} under locales/"));
            }
            langs.push(lang);
        }
        if langs.is_empty() {
            return Err("at least one language is required".into());
        }
        Ok(Self(langs))
    }

    pub fn fallback(&self) -> &LanguageIdentifier {
        &self.0[0]
    }

    /// Picks the best offered language for an `Accept-Language` header
    /// ([`flexiapi_domain::language::negotiate`]): highest quality first, a regional tag matches
    /// its language (`fr-CA` takes `fr`), `*` takes the fallback, and nothing acceptable falls
    /// back too.
    pub fn negotiate(&self, header: Option<&str>) -> &LanguageIdentifier {
        let Some(header) = header else {
            return self.fallback();
        };
        let primaries: Vec<&str> = self.0.iter().map(|l| l.language.as_str()).collect();
        language::negotiate(header, &primaries).map_or_else(|| self.fallback(), |i| &self.0[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn langs() -> Languages {
        Languages::new(&["en".into(), "fr".into()]).unwrap()
    }

    #[test]
    fn negotiation_honours_quality_regions_wildcards_and_falls_back_to_english() {
        let l = langs();
        assert_eq!(l.negotiate(Some("fr;q=0.9, en;q=0.8")).to_string(), "fr");
        assert_eq!(l.negotiate(Some("en;q=0.5, fr;q=0.9")).to_string(), "fr");
        assert_eq!(l.negotiate(Some("fr-CA")).to_string(), "fr");
        assert_eq!(l.negotiate(Some("de")).to_string(), "en");
        assert_eq!(l.negotiate(Some("de, fr;q=0.1")).to_string(), "fr");
        assert_eq!(l.negotiate(Some("*")).to_string(), "en");
        assert_eq!(l.negotiate(Some("fr;q=0")).to_string(), "en");
        assert_eq!(l.negotiate(Some(";;,,q=")).to_string(), "en");
        assert_eq!(l.negotiate(None).to_string(), "en");
    }

    #[test]
    fn an_unknown_language_in_configuration_is_refused() {
        assert!(Languages::new(&["xx".into()]).is_err());
        assert!(Languages::new(&[]).is_err());
    }

    #[test]
    fn field_names_are_translated_through_the_glossary() {
        let fr: LanguageIdentifier = "fr".parse().unwrap();
        let en: LanguageIdentifier = "en".parse().unwrap();
        assert_eq!(field_name(&fr, "username"), "pseudo");
        assert_eq!(field_name(&en, "username"), "username");
        assert_eq!(field_name(&fr, "no_such_field"), "no_such_field");
    }
}
