//! A space read from a loosely typed JSON body (`POST /spaces`, `PUT /spaces/{domain}`).
//!
//! poem-openapi refuses a body with one wrongly typed field as a whole (400); the original
//! answers 422, field by field. So the body is read here by hand into the domain's command: each
//! type mistake becomes a field error in `CreateSpace::unreadable`, which the use case reports
//! with every other broken rule, so that the client learns every problem at once.

use flexiapi_domain::model::{
    JwtAlgorithm, JwtConfig, PasswordAlgorithm, Space, default_jwt_algorithms, default_leeway,
};
use flexiapi_domain::service::{CreateSpace, parse_expiry};
use flexiapi_domain::validation::{Rule, ValidationErrors};
use serde_json::{Map, Value};

const JWT: &str = "oidc_authentication_configuration";
const DIGEST: &str = "digest_authentication_configuration";

/// The command of `POST /spaces`.
pub(crate) fn creation(body: &Value) -> CreateSpace {
    read(body, CreateSpace::default())
}

/// The command of `PUT /spaces/{domain}`: a full replacement of `current`. As in the original,
/// omitted nullable fields (texts, `theme_hue`, `expire_at`) become null; omitted flags and
/// counts keep their value, and so do omitted authentication configurations (they are separate
/// resources in the original, untouched by this route).
pub(crate) fn replacement(current: &Space, body: &Value) -> CreateSpace {
    let mut base = CreateSpace::from(current);
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
    read(body, base)
}

/// Overlays the fields `body` holds on `input`, the type mistakes into `input.unreadable`.
fn read(body: &Value, mut input: CreateSpace) -> CreateSpace {
    let mut errors = ValidationErrors::new();
    let empty = Map::new();
    let map = body.as_object().unwrap_or(&empty);
    let mut r = Reader {
        map,
        prefix: "",
        errors: &mut errors,
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
    input.unreadable = errors;
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
/// Reads a loosely typed JSON object field by field, each type mistake a field error (also used
/// by the other loosely read bodies, e.g. `space_email_servers`).
pub(crate) struct Reader<'a> {
    pub(crate) map: &'a Map<String, Value>,
    pub(crate) prefix: &'static str,
    pub(crate) errors: &'a mut ValidationErrors,
}

/// The fields of a JSON body (none when it is not an object).
pub(crate) fn fields(body: &Value) -> &Map<String, Value> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    body.as_object()
        .unwrap_or_else(|| EMPTY.get_or_init(Map::new))
}

impl<'a> Reader<'a> {
    /// Reads the top-level fields of `body`, reporting type mistakes into `errors`.
    pub(crate) fn top(body: &'a Value, errors: &'a mut ValidationErrors) -> Self {
        Self {
            map: fields(body),
            prefix: "",
            errors,
        }
    }
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
    pub(crate) fn text(&mut self, key: &str) -> Option<Option<String>> {
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
    pub(crate) fn boolean(&mut self, key: &str) -> Option<bool> {
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
    pub(crate) fn integer(&mut self, key: &str) -> Option<Option<i64>> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_mistakes_become_field_errors() {
        let input = creation(&serde_json::json!({
            "domain": "a.example.org",
            "host": "a.example.org",
            "super": "yes",
            "max_accounts": "many",
            "theme_hue": 12,
            "hide_settings": 1,
            "oidc_authentication_configuration": {"algorithms": ["none"]},
        }));
        let fields: Vec<&str> = input
            .unreadable
            .0
            .iter()
            .map(|e| e.field.as_str())
            .collect();
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
