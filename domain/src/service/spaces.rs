//! Space use cases for super admins and the CLI: creation, full replacement and deletion, with
//! the API's validation rules applied once, whoever calls.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

use super::{ServiceError, ServiceResult, Services};
use crate::auth::jwt::public_key_is_usable;
use crate::model::{
    DigestConfig, Domain, JwtConfig, NewSpace, PasswordAlgorithm, Space, SpaceSettings,
    normalize_host,
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
    /// `None` on creation means the domain (typed callers: CLI, bootstrap); blank, or `None` on
    /// replacement, is refused. The JSON API requires it.
    pub name: Option<String>,
    pub super_space: bool,
    /// 0 means unlimited.
    pub max_accounts: i64,
    pub expire_at: Option<DateTime<Utc>>,
    pub realm: Option<String>,
    pub default_password_algorithm: Option<PasswordAlgorithm>,
    pub jwt: Option<JwtConfig>,
    pub settings: SpaceSettings,
    /// Fields a loosely typed request (the JSON API) held with the wrong type, each with the rule
    /// it broke; reported first, with every other broken rule, so that the client learns every
    /// problem at once. Empty for typed callers.
    pub unreadable: ValidationErrors,
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
            unreadable: ValidationErrors::new(),
        }
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
    /// `Validation` for any broken rule (uniqueness included, and `input.unreadable`);
    /// `Conflict` when a concurrent creation took the domain, host or name first.
    pub async fn create_space(&self, input: CreateSpace) -> ServiceResult<Space> {
        let new = self.validate_space(input, None).await?;
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
        let new = self.validate_space(input, Some(&current)).await?;
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
        mut input: CreateSpace,
        current: Option<&Space>,
    ) -> ServiceResult<NewSpace> {
        let mut errors = std::mem::take(&mut input.unreadable);
        let now = self.now();
        let domain = match current {
            Some(space) => Some(space.domain.clone()),
            None if input.domain.trim().is_empty() => {
                errors.add("domain", Rule::Required);
                None
            }
            // The original's domain regex is lower case only: refused, not folded.
            None if input.domain.chars().any(char::is_uppercase) => {
                errors.add("domain", Rule::NoUppercase);
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
        } else if input.host.chars().any(char::is_uppercase) {
            errors.add("host", Rule::NoUppercase);
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
}
