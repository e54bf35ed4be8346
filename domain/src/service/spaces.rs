//! Space use cases for super admins and the CLI: creation, full replacement and deletion, with
//! the API's validation rules applied once, whoever calls.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde_json::{Map, Value};

use super::{ServiceError, ServiceResult, Services};
use crate::auth::jwt::public_key_is_usable;
use crate::model::{
    DigestConfig, Domain, JwtAlgorithm, JwtConfig, NewSpace, PasswordAlgorithm, Space,
    SpaceSettings, default_jwt_algorithms, default_leeway, normalize_host,
};
use crate::validation::{Rule, ValidationErrors, is_config_document, is_config_line};

/// Longest space name (the column's size).
pub const MAX_SPACE_NAME_LENGTH: u32 = 255;

const JWT: &str = "oidc_authentication_configuration";
const DIGEST: &str = "digest_authentication_configuration";

/// Input of space creation, and of its full replacement (where `domain` is ignored), unvalidated.
#[derive(Debug, Clone, Default)]
pub struct CreateSpace {
    pub domain: String,
    pub host: String,
    /// `None` or blank means the domain (typed callers: CLI, bootstrap). The JSON API requires it.
    pub name: Option<String>,
    pub super_space: bool,
    /// 0 means unlimited.
    pub max_accounts: i64,
    pub expire_at: Option<DateTime<Utc>>,
    pub realm: Option<String>,
    pub default_password_algorithm: Option<PasswordAlgorithm>,
    pub jwt: Option<JwtConfig>,
    pub settings: SpaceSettings,
}

impl From<&Space> for CreateSpace {
    fn from(s: &Space) -> Self {
        Self {
            domain: s.domain.to_string(),
            host: s.host.clone(),
            name: Some(s.name.clone()),
            super_space: s.super_space,
            max_accounts: s.max_accounts,
            expire_at: s.expire_at,
            realm: s.digest.realm.clone(),
            default_password_algorithm: Some(s.digest.default_password_algorithm),
            jwt: s.jwt.clone(),
            settings: s.settings.clone(),
        }
    }
}

impl CreateSpace {
    /// Reads a JSON body of `POST /spaces`. Type mistakes become field errors rather than a
    /// refused body, so that the client learns every problem at once.
    pub fn from_json(body: &Value) -> (Self, ValidationErrors) {
        let mut errors = ValidationErrors::new();
        let input = read_json(body, Self::default(), &mut errors);
        (input, errors)
    }

    /// Reads a JSON body of `PUT /spaces/{domain}`: a full replacement of `current`. As in the
    /// original, omitted nullable fields (texts, `theme_hue`, `expire_at`) become null; omitted
    /// flags and counts keep their value, and so do omitted authentication configurations (they
    /// are separate resources in the original, untouched by this route).
    pub fn replacing_from_json(current: &Space, body: &Value) -> (Self, ValidationErrors) {
        let mut base = Self::from(current);
        base.host = String::new();
        base.name = None;
        base.expire_at = None;
        let s = &mut base.settings;
        for text in [
            &mut s.copyright_text,
            &mut s.intro_registration_text,
            &mut s.newsletter_registration_address,
            &mut s.account_proxy_registrar_address,
            &mut s.custom_provisioning_entries,
            &mut s.logo,
        ] {
            *text = None;
        }
        s.theme_hue = None;
        let mut errors = ValidationErrors::new();
        let input = read_json(body, base, &mut errors);
        (input, errors)
    }
}

/// `RFC 3339`, `YYYY-MM-DD HH:MM:SS` (UTC) or `YYYY-MM-DD` (midnight UTC).
pub fn parse_expiry(raw: &str) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(raw) {
        return Some(at.with_timezone(&Utc));
    }
    if let Ok(at) = NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M:%S") {
        return Some(at.and_utc());
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
}

/// Whether `text` is an INI document as Linphone reads provisioning (see
/// [`super::provisioning::parse_ini`]).
pub fn is_valid_ini(text: &str) -> bool {
    super::provisioning::parse_ini(text).is_some()
}

/// A space domain or host: `localhost`, or at least two labels (the original refuses single
/// labels such as `baddomain`).
fn space_domain(raw: &str) -> Option<Domain> {
    let d = Domain::parse(raw.trim()).ok()?;
    (d.as_str() == "localhost" || d.as_str().contains('.')).then_some(d)
}

fn read_json(body: &Value, mut input: CreateSpace, errors: &mut ValidationErrors) -> CreateSpace {
    let empty = Map::new();
    let map = body.as_object().unwrap_or(&empty);
    let mut r = Reader {
        map,
        prefix: "",
        errors,
    };
    input.domain = r.text("domain").flatten().unwrap_or_default();
    input.host = r.text("host").flatten().unwrap_or_default();
    // Blank rather than `None`: the API requires a name where typed callers default it.
    input.name = Some(r.text("name").flatten().unwrap_or_default());
    if let Some(v) = r.boolean("super") {
        input.super_space = v;
    }
    if let Some(v) = r.integer("max_accounts") {
        input.max_accounts = v.unwrap_or(0);
    }
    if let Some(raw) = r.text("expire_at") {
        input.expire_at = raw.and_then(|raw| {
            let at = parse_expiry(&raw);
            if at.is_none() {
                r.errors.add("expire_at", Rule::Date);
            }
            at
        });
    }
    let s = &mut input.settings;
    for (key, flag) in [
        ("disable_chat_feature", &mut s.disable_chat_feature),
        ("disable_meetings_feature", &mut s.disable_meetings_feature),
        (
            "disable_broadcast_feature",
            &mut s.disable_broadcast_feature,
        ),
        ("hide_settings", &mut s.hide_settings),
        ("hide_account_settings", &mut s.hide_account_settings),
        (
            "disable_call_recordings_feature",
            &mut s.disable_call_recordings_feature,
        ),
        (
            "only_display_sip_uri_username",
            &mut s.only_display_sip_uri_username,
        ),
        (
            "assistant_hide_create_account",
            &mut s.assistant_hide_create_account,
        ),
        (
            "assistant_disable_qr_code",
            &mut s.assistant_disable_qr_code,
        ),
        (
            "assistant_hide_third_party_account",
            &mut s.assistant_hide_third_party_account,
        ),
        (
            "custom_provisioning_overwrite_all",
            &mut s.custom_provisioning_overwrite_all,
        ),
        (
            "provisioning_use_linphone_provisioning_header",
            &mut s.provisioning_use_linphone_provisioning_header,
        ),
        ("web_panel", &mut s.web_panel),
        ("public_registration", &mut s.public_registration),
        ("phone_registration", &mut s.phone_registration),
        ("intercom_features", &mut s.intercom_features),
        ("carddav_user_credentials", &mut s.carddav_user_credentials),
        ("unique_email", &mut s.unique_email),
        (
            "client_certificate_authentication",
            &mut s.client_certificate_authentication,
        ),
    ] {
        if let Some(v) = r.boolean(key) {
            *flag = v;
        }
    }
    for (key, text) in [
        ("copyright_text", &mut s.copyright_text),
        ("intro_registration_text", &mut s.intro_registration_text),
        (
            "newsletter_registration_address",
            &mut s.newsletter_registration_address,
        ),
        (
            "account_proxy_registrar_address",
            &mut s.account_proxy_registrar_address,
        ),
        (
            "custom_provisioning_entries",
            &mut s.custom_provisioning_entries,
        ),
        ("logo", &mut s.logo),
    ] {
        if let Some(v) = r.text(key) {
            *text = v;
        }
    }
    if let Some(v) = r.integer("max_account") {
        s.max_account = v.unwrap_or(0);
    }
    if let Some(v) = r.integer("theme_hue") {
        s.theme_hue = v;
    }
    match map.get(DIGEST) {
        None => {}
        Some(Value::Null) => {
            input.realm = None;
            input.default_password_algorithm = None;
        }
        Some(Value::Object(digest)) => {
            let mut d = Reader {
                map: digest,
                prefix: DIGEST,
                errors: r.errors,
            };
            if let Some(realm) = d.text("realm") {
                input.realm = realm;
            }
            if let Some(alg) = d.text("default_password_algorithm") {
                input.default_password_algorithm = alg.and_then(|a| {
                    let parsed = a.parse::<PasswordAlgorithm>().ok();
                    if parsed.is_none() {
                        d.fail("default_password_algorithm", password_algorithms());
                    }
                    parsed
                });
            }
        }
        Some(_) => r.errors.add(DIGEST, Rule::Object),
    }
    match map.get(JWT) {
        None => {}
        Some(Value::Null) => input.jwt = None,
        Some(Value::Object(jwt)) => {
            input.jwt = read_jwt(
                jwt,
                &mut Reader {
                    map: jwt,
                    prefix: JWT,
                    errors: r.errors,
                },
            );
        }
        Some(_) => r.errors.add(JWT, Rule::Object),
    }
    input
}

fn password_algorithms() -> Rule {
    Rule::OneOf(
        PasswordAlgorithm::ALL
            .iter()
            .map(ToString::to_string)
            .collect(),
    )
}

fn jwt_algorithms() -> Rule {
    Rule::OneOf(
        JwtAlgorithm::ALL
            .iter()
            .map(|a| a.as_str().to_owned())
            .collect(),
    )
}

/// The JWT configuration of a JSON body; `None` only when it is unusable (errors are recorded).
fn read_jwt(map: &Map<String, Value>, r: &mut Reader<'_>) -> Option<JwtConfig> {
    let public_key = r.text("public_key").flatten();
    if public_key.is_none() {
        r.fail("public_key", Rule::Required);
    }
    let algorithms = match map.get("algorithms") {
        None | Some(Value::Null) => default_jwt_algorithms(),
        Some(Value::Array(list)) if !list.is_empty() => {
            let parsed: Option<Vec<JwtAlgorithm>> = list
                .iter()
                .map(|v| v.as_str().and_then(JwtAlgorithm::parse))
                .collect();
            parsed.unwrap_or_else(|| {
                r.fail("algorithms", jwt_algorithms());
                Vec::new()
            })
        }
        Some(_) => {
            r.fail("algorithms", jwt_algorithms());
            Vec::new()
        }
    };
    let leeway_seconds = match r.integer("leeway_seconds") {
        None | Some(None) => default_leeway(),
        Some(Some(n)) => u64::try_from(n).unwrap_or_else(|_| {
            r.fail("leeway_seconds", Rule::IntegerMin(0));
            0
        }),
    };
    let mut config = JwtConfig {
        public_key: String::new(),
        sip_identifier: r.text("sip_identifier").flatten(),
        algorithms,
        issuer: r.text("issuer").flatten(),
        audience: r.text("audience").flatten(),
        leeway_seconds,
        jwt_only: r.boolean("jwt_only").unwrap_or(false),
        server_url: r.text("server_url").flatten(),
        realm: r.text("realm").flatten(),
        client_id: r.text("client_id").flatten(),
    };
    config.public_key = public_key?;
    Some(config)
}

/// Reads loosely typed JSON fields, recording type mistakes under `prefix.key`.
struct Reader<'a> {
    map: &'a Map<String, Value>,
    prefix: &'static str,
    errors: &'a mut ValidationErrors,
}

impl Reader<'_> {
    fn fail(&mut self, key: &str, rule: Rule) {
        let field = if self.prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.prefix)
        };
        self.errors.add(field, rule);
    }

    /// `None` when absent; `Some(None)` for null or blank (as the original's empty-string-to-null
    /// convention). Numbers are taken as their text.
    fn text(&mut self, key: &str) -> Option<Option<String>> {
        match self.map.get(key)? {
            Value::Null => Some(None),
            Value::String(s) if s.trim().is_empty() => Some(None),
            Value::String(s) => Some(Some(s.clone())),
            Value::Number(n) => Some(Some(n.to_string())),
            _ => {
                self.fail(key, Rule::Text);
                Some(None)
            }
        }
    }

    /// `true`/`false`, `1`/`0` and their strings, as the original's boolean rule.
    fn boolean(&mut self, key: &str) -> Option<bool> {
        let v = match self.map.get(key)? {
            Value::Bool(b) => Some(*b),
            Value::Number(n) => match n.as_i64() {
                Some(1) => Some(true),
                Some(0) => Some(false),
                _ => None,
            },
            Value::String(s) => match s.as_str() {
                "true" | "1" => Some(true),
                "false" | "0" => Some(false),
                _ => None,
            },
            _ => None,
        };
        if v.is_none() {
            self.fail(key, Rule::Boolean);
        }
        v
    }

    /// `None` when absent; `Some(None)` for null or blank. Integral strings are accepted.
    fn integer(&mut self, key: &str) -> Option<Option<i64>> {
        let v = match self.map.get(key)? {
            Value::Null => return Some(None),
            Value::String(s) if s.trim().is_empty() => return Some(None),
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        };
        if v.is_none() {
            self.fail(key, Rule::Integer);
        }
        Some(v)
    }
}

impl Services {
    /// The space of that domain.
    ///
    /// # Errors
    /// `UnknownSpace`.
    pub async fn find_space(&self, domain: &str) -> ServiceResult<Space> {
        self.space(domain).await
    }

    /// Every space.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn list_spaces(&self) -> ServiceResult<Vec<Space>> {
        Ok(self.storage.list_spaces().await?)
    }

    /// # Errors
    /// `Validation` for any broken rule (uniqueness included); `Conflict` when a concurrent
    /// creation took the domain, host or name first.
    pub async fn create_space(&self, input: CreateSpace) -> ServiceResult<Space> {
        self.create_space_checked(input, ValidationErrors::new())
            .await
    }

    /// Creates a space from a JSON body.
    ///
    /// # Errors
    /// As [`Services::create_space`].
    pub async fn create_space_from_json(&self, body: &Value) -> ServiceResult<Space> {
        let (input, errors) = CreateSpace::from_json(body);
        self.create_space_checked(input, errors).await
    }

    async fn create_space_checked(
        &self,
        input: CreateSpace,
        errors: ValidationErrors,
    ) -> ServiceResult<Space> {
        let new = self.validate_space(input, errors, None).await?;
        let space = self.storage.create_space(new, self.now()).await?;
        self.forget_cached_spaces();
        Ok(space)
    }

    /// Replaces every field of the space of `domain` but its domain.
    ///
    /// # Errors
    /// `UnknownSpace`; `Validation` (also `max_accounts` below the current number of accounts);
    /// `Conflict` on a concurrent change.
    pub async fn update_space(&self, domain: &str, input: CreateSpace) -> ServiceResult<Space> {
        let current = self.space(domain).await?;
        self.update_space_checked(current, input, ValidationErrors::new())
            .await
    }

    /// Replaces the space of `domain` with a JSON body (see [`CreateSpace::replacing_from_json`]).
    ///
    /// # Errors
    /// As [`Services::update_space`].
    pub async fn update_space_from_json(&self, domain: &str, body: &Value) -> ServiceResult<Space> {
        let current = self.space(domain).await?;
        let (input, errors) = CreateSpace::replacing_from_json(&current, body);
        self.update_space_checked(current, input, errors).await
    }

    async fn update_space_checked(
        &self,
        current: Space,
        input: CreateSpace,
        errors: ValidationErrors,
    ) -> ServiceResult<Space> {
        let new = self.validate_space(input, errors, Some(&current)).await?;
        let space = Space {
            id: current.id,
            domain: current.domain,
            host: new.host,
            name: new.name,
            super_space: new.super_space,
            max_accounts: new.max_accounts,
            expire_at: new.expire_at,
            digest: new.digest,
            jwt: new.jwt,
            settings: new.settings,
            created_at: current.created_at,
            updated_at: current.updated_at,
        };
        let result = self.storage.update_space(space, self.now()).await;
        // Also on failure: the change may have happened before the error.
        self.forget_cached_spaces();
        Ok(result?)
    }

    /// Deletes the space of `domain` and, with it, all its accounts.
    ///
    /// # Errors
    /// `UnknownSpace`.
    pub async fn delete_space(&self, domain: &str) -> ServiceResult<()> {
        let space = self.space(domain).await?;
        let deleted = self.storage.delete_space(&space.domain).await;
        self.forget_cached_spaces();
        if deleted? {
            Ok(())
        } else {
            Err(ServiceError::UnknownSpace(domain.into()))
        }
    }

    /// Every rule of a space; `current` is the space being replaced, if any.
    async fn validate_space(
        &self,
        input: CreateSpace,
        mut errors: ValidationErrors,
        current: Option<&Space>,
    ) -> ServiceResult<NewSpace> {
        let now = self.now();
        let domain = match current {
            Some(space) => Some(space.domain.clone()),
            None if input.domain.trim().is_empty() => {
                errors.add("domain", Rule::Required);
                None
            }
            None => {
                let d = space_domain(&input.domain);
                if d.is_none() {
                    errors.add("domain", Rule::Domain);
                }
                d
            }
        };
        let host = if input.host.trim().is_empty() {
            errors.add("host", Rule::Required);
            None
        } else {
            let h = space_domain(&input.host).and_then(|h| normalize_host(h.as_str()));
            if h.is_none() {
                errors.add("host", Rule::Domain);
            }
            h
        };
        let name = match (input.name.as_deref().map(str::trim), current, &domain) {
            (Some(n), _, _) if !n.is_empty() => Some(n.to_owned()),
            (None, None, Some(d)) => Some(d.to_string()),
            (None, None, None) => None,
            _ => {
                errors.add("name", Rule::Required);
                None
            }
        };
        if let Some(n) = &name
            && n.chars().count() > MAX_SPACE_NAME_LENGTH as usize
        {
            errors.add("name", Rule::MaxLength(MAX_SPACE_NAME_LENGTH));
        }
        self.check_unique(
            &mut errors,
            current,
            domain.as_ref(),
            host.as_ref(),
            name.as_ref(),
        )
        .await?;

        if input.max_accounts < 0 && !errors.has("max_accounts") {
            errors.add("max_accounts", Rule::IntegerMin(0));
        }
        if let Some(space) = current
            && input.max_accounts > 0
        {
            let count = self.storage.count_accounts(&space.domain).await?;
            if u64::try_from(input.max_accounts).unwrap_or(0) < count {
                errors.add("max_accounts", Rule::AtLeastCurrentCount);
            }
        }
        // An unchanged expiry stays acceptable, so an expired space can be edited otherwise;
        // compared to the microsecond, the precision the API shows and takes back.
        let micros = |at: Option<DateTime<Utc>>| at.map(|a| a.timestamp_micros());
        let unchanged_expiry =
            current.is_some_and(|s| micros(s.expire_at) == micros(input.expire_at));
        if input.expire_at.is_some_and(|at| at < now) && !unchanged_expiry {
            errors.add("expire_at", Rule::DateNotPast);
        }
        let s = &input.settings;
        if s.max_account < 0 && !errors.has("max_account") {
            errors.add("max_account", Rule::IntegerMin(0));
        }
        if s.theme_hue.is_some_and(|h| !(0..=360).contains(&h)) {
            errors.add("theme_hue", Rule::IntegerBetween(0, 360));
        }
        if let Some(t) = s.custom_provisioning_entries.as_deref() {
            if !is_config_document(t) {
                errors.add("custom_provisioning_entries", Rule::ForbiddenCharacters);
            } else if !is_valid_ini(t) {
                errors.add("custom_provisioning_entries", Rule::Ini);
            }
        }
        // Both go into every account's provisioning, on one line.
        if s.account_proxy_registrar_address
            .as_deref()
            .is_some_and(|t| !is_config_line(t))
        {
            errors.add("account_proxy_registrar_address", Rule::ForbiddenCharacters);
        }
        if input.realm.as_deref().is_some_and(|t| !is_config_line(t)) {
            errors.add(format!("{DIGEST}.realm"), Rule::ForbiddenCharacters);
        }
        if let Some(jwt) = &input.jwt {
            let field = format!("{JWT}.public_key");
            // Each listed algorithm must be able to verify with the key: listing ES256 next to an
            // RSA key would only produce confusing 401s later.
            if !jwt.algorithms.is_empty()
                && !errors.has(&field)
                && !jwt
                    .algorithms
                    .iter()
                    .all(|a| public_key_is_usable(&jwt.public_key, &[*a]))
            {
                errors.add(field, Rule::PublicKey);
            }
        }
        errors.clone().into_result()?;
        let (Some(domain), Some(host), Some(name)) = (domain, host, name) else {
            return Err(errors.into());
        };
        Ok(NewSpace {
            domain,
            host,
            name,
            super_space: input.super_space,
            max_accounts: input.max_accounts,
            expire_at: input.expire_at,
            digest: DigestConfig {
                realm: input.realm.filter(|r| !r.trim().is_empty()),
                default_password_algorithm: input
                    .default_password_algorithm
                    .unwrap_or(PasswordAlgorithm::Sha256),
            },
            jwt: input.jwt,
            settings: input.settings,
        })
    }

    /// Domain, host and name are unique among the other spaces (names case-insensitively, as
    /// MySQL's collation would compare them anyway).
    async fn check_unique(
        &self,
        errors: &mut ValidationErrors,
        current: Option<&Space>,
        domain: Option<&Domain>,
        host: Option<&String>,
        name: Option<&String>,
    ) -> ServiceResult<()> {
        let others: Vec<Space> = self
            .storage
            .list_spaces()
            .await?
            .into_iter()
            .filter(|s| current.is_none_or(|c| c.id != s.id))
            .collect();
        if current.is_none()
            && let Some(d) = domain
            && others.iter().any(|s| &s.domain == d)
        {
            errors.add("domain", Rule::Unique);
        }
        if let Some(h) = host
            && others.iter().any(|s| &s.host == h)
        {
            errors.add("host", Rule::Unique);
        }
        if let Some(n) = name
            && others
                .iter()
                .any(|s| s.name.to_lowercase() == n.to_lowercase())
        {
            errors.add("name", Rule::Unique);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ini_documents_are_checked_line_by_line() {
        assert!(is_valid_ini(
            "; comment\n[sip]\nregister_expires = 600\nempty=\n\n# other\n[ui]\n"
        ));
        assert!(!is_valid_ini("[sip\nkey=1"));
        assert!(!is_valid_ini("[sip]\njust words"));
        assert!(!is_valid_ini("[]\n"));
        assert!(!is_valid_ini("= value"));
    }

    #[test]
    fn expiries_accept_the_documented_formats() {
        let midnight = "2030-01-02T00:00:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(parse_expiry("2030-01-02"), Some(midnight));
        assert_eq!(parse_expiry("2030-01-02 00:00:00"), Some(midnight));
        assert_eq!(parse_expiry("2030-01-02T01:00:00+01:00"), Some(midnight));
        assert_eq!(parse_expiry("tomorrow"), None);
    }

    #[test]
    fn type_mistakes_become_field_errors() {
        let (input, errors) = CreateSpace::from_json(&serde_json::json!({
            "domain": "a.example.org",
            "host": "a.example.org",
            "super": "yes",
            "max_accounts": "many",
            "theme_hue": 12,
            "hide_settings": 1,
            "oidc_authentication_configuration": {"algorithms": ["none"]},
        }));
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "super",
                "max_accounts",
                "oidc_authentication_configuration.public_key",
                "oidc_authentication_configuration.algorithms",
            ]
        );
        assert_eq!(input.settings.theme_hue, Some(12));
        assert!(input.settings.hide_settings);
    }
}
