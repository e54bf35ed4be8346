//! CardDAV: a space's servers (Super admin) and an account's credentials on them (Admin, only
//! in a space with `carddav_user_credentials`).
//!
//! Rules, as the original's: `uri` required, an `http(s)` URL; `min_characters` ≥ 1,
//! `results_limit` ≥ 0 (kept, unlike the original), `timeout` ≥ 1, `delay` ≥ 100; the two field
//! lists null or comma-separated words without spaces; `enabled` and `use_exact_match_policy`
//! true only when sent true. Credentials: `username`, `realm`, `password` and `algorithm`
//! (`MD5` or `SHA-256`) all required; the password is kept as `H(username:realm:password)`.

use super::{Entity, ServiceError, ServiceResult, Services};
use crate::error::StoreError;
use crate::model::{
    Account, AccountId, CardDavCredentials, CardDavServer, CardDavServerId,
    MAX_CARDDAV_REALM_LENGTH, MAX_CARDDAV_URI_LENGTH, MAX_CARDDAV_USERNAME_LENGTH,
    NewCardDavServer, Password, PasswordAlgorithm, Space,
};
use crate::validation::{Rule, ValidationErrors};

/// `POST`/`PUT /spaces/{domain}/carddavs` input, unvalidated.
#[derive(Debug, Clone, Default)]
pub struct CardDavServerInput {
    pub uri: Option<String>,
    pub enabled: Option<bool>,
    pub min_characters: Option<i64>,
    pub results_limit: Option<i64>,
    pub timeout: Option<i64>,
    pub delay: Option<i64>,
    pub fields_for_user_input: Option<String>,
    pub fields_for_domain: Option<String>,
    pub use_exact_match_policy: Option<bool>,
    /// Fields sent with the wrong JSON type, with the rule each broke.
    pub unreadable: ValidationErrors,
}

/// `PUT /accounts/{id}/carddavs/{carddav_id}` input, unvalidated.
#[derive(Debug, Clone, Default)]
pub struct CardDavCredentialsInput {
    pub username: Option<String>,
    pub realm: Option<String>,
    pub password: Option<String>,
    pub algorithm: Option<String>,
    pub unreadable: ValidationErrors,
}

/// `scheme://host…` with an `http` or `https` scheme, a host, and no blank.
fn is_http_url(raw: &str) -> bool {
    let lower = raw.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    match rest {
        Some(rest) => {
            let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
            let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
            !host.is_empty()
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-.:[]_".contains(c))
                && !raw.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    }
}

/// `a,b,c`: words of letters, digits, `-`, `_` or `.`, no blank.
fn is_comma_separated_words(raw: &str) -> bool {
    raw.split(',').all(|w| {
        !w.is_empty()
            && w.chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '_' || c == '.')
    })
}

impl CardDavServerInput {
    fn validate(self, space: &Space) -> Result<NewCardDavServer, ValidationErrors> {
        let skip = |f: &str| self.unreadable.has(f);
        let mut errors = ValidationErrors::new();
        let uri = self.uri.as_deref().map(str::trim).unwrap_or_default();
        if !skip("uri") {
            if uri.is_empty() {
                errors.add("uri", Rule::Required);
            } else if uri.chars().count() > MAX_CARDDAV_URI_LENGTH {
                errors.add("uri", Rule::MaxLength(MAX_CARDDAV_URI_LENGTH as u32));
            } else if !is_http_url(uri) {
                errors.add("uri", Rule::Url);
            }
        }
        let mut number = |field: &str, value: Option<i64>, min: i64, default: i64| match value {
            Some(v) if v < min => {
                errors.add(field, Rule::IntegerMin(min));
                default
            }
            Some(v) => v,
            None => default,
        };
        let min_characters = number(
            "min_characters",
            self.min_characters,
            1,
            NewCardDavServer::DEFAULT_MIN_CHARACTERS,
        );
        let results_limit = number(
            "results_limit",
            self.results_limit,
            0,
            NewCardDavServer::DEFAULT_RESULTS_LIMIT,
        );
        let timeout = number(
            "timeout",
            self.timeout,
            1,
            NewCardDavServer::DEFAULT_TIMEOUT,
        );
        let delay = number("delay", self.delay, 100, NewCardDavServer::DEFAULT_DELAY);
        let mut words = |field: &str, value: Option<String>| {
            let value = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
            if let Some(v) = &value
                && !is_comma_separated_words(v)
            {
                errors.add(field, Rule::CommaSeparatedWords);
            }
            value
        };
        let fields_for_user_input = words("fields_for_user_input", self.fields_for_user_input);
        let fields_for_domain = words("fields_for_domain", self.fields_for_domain);
        let mut all = self.unreadable;
        all.0.extend(errors.0);
        if !all.is_empty() {
            return Err(all);
        }
        Ok(NewCardDavServer {
            space_id: space.id,
            enabled: self.enabled.unwrap_or(false),
            uri: uri.to_owned(),
            min_characters,
            results_limit,
            timeout,
            delay,
            fields_for_user_input,
            fields_for_domain,
            use_exact_match_policy: self.use_exact_match_policy.unwrap_or(false),
        })
    }
}

impl Services {
    /// The CardDAV servers of `space`, ordered by id.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn carddav_servers(&self, space: &Space) -> ServiceResult<Vec<CardDavServer>> {
        Ok(self.storage.carddav_servers(space.id).await?)
    }

    /// # Errors
    /// `NotFound(CardDavServer)`.
    pub async fn carddav_server(
        &self,
        space: &Space,
        id: CardDavServerId,
    ) -> ServiceResult<CardDavServer> {
        self.storage
            .carddav_server(space.id, id)
            .await?
            .ok_or(ServiceError::NotFound(Entity::CardDavServer))
    }

    /// # Errors
    /// `Validation`.
    pub async fn create_carddav_server(
        &self,
        space: &Space,
        input: CardDavServerInput,
    ) -> ServiceResult<CardDavServer> {
        let new = input.validate(space).map_err(ServiceError::Validation)?;
        self.storage
            .create_carddav_server(&new, self.now())
            .await
            .map_err(|e| match e {
                StoreError::NotFound => ServiceError::NotFound(Entity::Unnamed),
                other => other.into(),
            })
    }

    /// Replaces every field of a server of `space`.
    ///
    /// # Errors
    /// `Validation`, `NotFound(CardDavServer)`.
    pub async fn update_carddav_server(
        &self,
        space: &Space,
        id: CardDavServerId,
        input: CardDavServerInput,
    ) -> ServiceResult<CardDavServer> {
        let new = input.validate(space).map_err(ServiceError::Validation)?;
        self.storage
            .update_carddav_server(id, &new, self.now())
            .await?
            .ok_or(ServiceError::NotFound(Entity::CardDavServer))
    }

    /// # Errors
    /// `NotFound(CardDavServer)`.
    pub async fn delete_carddav_server(
        &self,
        space: &Space,
        id: CardDavServerId,
    ) -> ServiceResult<()> {
        if self.storage.delete_carddav_server(space.id, id).await? {
            Ok(())
        } else {
            Err(ServiceError::NotFound(Entity::CardDavServer))
        }
    }

    /// The account of `space` whose CardDAV credentials an admin handles: only in a space with
    /// `carddav_user_credentials`.
    ///
    /// # Errors
    /// `CardDavCredentialsDisabled`, `NotFound(Account)`.
    pub async fn carddav_account(&self, space: &Space, id: AccountId) -> ServiceResult<Account> {
        if !space.settings.carddav_user_credentials {
            return Err(ServiceError::CardDavCredentialsDisabled);
        }
        self.account_in_space(id, space).await
    }

    /// `account`'s credentials, each with its server, ordered by server id.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn carddav_credentials_of(
        &self,
        account: &Account,
    ) -> ServiceResult<Vec<(CardDavServer, CardDavCredentials)>> {
        Ok(self
            .storage
            .carddav_credentials_of(std::slice::from_ref(&account.id))
            .await?)
    }

    /// Sets `account`'s credentials on a server of `space`.
    ///
    /// # Errors
    /// `NotFound(CardDavServer)`, `Validation`.
    pub async fn put_carddav_credentials(
        &self,
        space: &Space,
        account: &Account,
        server_id: CardDavServerId,
        input: CardDavCredentialsInput,
    ) -> ServiceResult<CardDavCredentials> {
        let server = self.carddav_server(space, server_id).await?;
        let skip = |f: &str| input.unreadable.has(f);
        let mut errors = ValidationErrors::new();
        let text = |v: &Option<String>| v.as_deref().map(str::trim).unwrap_or_default().to_owned();
        let mut required = |field: &str, value: String, max: Option<usize>| {
            if skip(field) {
            } else if value.is_empty() {
                errors.add(field, Rule::Required);
            } else if let Some(max) = max
                && value.chars().count() > max
            {
                errors.add(field, Rule::MaxLength(max as u32));
            }
            value
        };
        let username = required(
            "username",
            text(&input.username),
            Some(MAX_CARDDAV_USERNAME_LENGTH),
        );
        // The clear password is taken as sent: spaces may be part of it.
        let password = required("password", input.password.clone().unwrap_or_default(), None);
        let algorithm_raw = required("algorithm", text(&input.algorithm), None);
        let realm = required("realm", text(&input.realm), Some(MAX_CARDDAV_REALM_LENGTH));
        let algorithm = algorithm_raw.parse::<PasswordAlgorithm>().ok();
        if algorithm.is_none() && !algorithm_raw.is_empty() {
            errors.add(
                "algorithm",
                Rule::OneOf(
                    PasswordAlgorithm::ALL
                        .iter()
                        .rev()
                        .map(|a| a.as_str().to_owned())
                        .collect(),
                ),
            );
        }
        let mut all = input.unreadable;
        all.0.extend(errors.0);
        let Some(algorithm) = algorithm.filter(|_| all.is_empty()) else {
            return Err(ServiceError::Validation(all));
        };
        let now = self.now();
        let hash = Password::from_clear(algorithm, &username, &realm, &password).hash;
        Ok(self
            .storage
            .put_carddav_credentials(&CardDavCredentials {
                account_id: account.id,
                server_id: server.id,
                username,
                realm,
                algorithm,
                password: hash,
                created_at: now,
                updated_at: now,
            })
            .await?)
    }

    /// The credentials of each of `accounts` (what account objects show), by account.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn carddav_credentials_by_account(
        &self,
        accounts: &[Account],
    ) -> ServiceResult<
        std::collections::BTreeMap<AccountId, Vec<(CardDavServer, CardDavCredentials)>>,
    > {
        let ids: Vec<AccountId> = accounts.iter().map(|a| a.id).collect();
        let mut by_account = std::collections::BTreeMap::<AccountId, Vec<_>>::new();
        for (server, c) in self.storage.carddav_credentials_of(&ids).await? {
            by_account
                .entry(c.account_id)
                .or_default()
                .push((server, c));
        }
        Ok(by_account)
    }

    /// Removes `account`'s credentials on a server (the server stays).
    ///
    /// # Errors
    /// `NotFound(CardDavCredentials)`.
    pub async fn delete_carddav_credentials(
        &self,
        account: &Account,
        server_id: CardDavServerId,
    ) -> ServiceResult<()> {
        if self
            .storage
            .delete_carddav_credentials(account.id, server_id)
            .await?
        {
            Ok(())
        } else {
            Err(ServiceError::NotFound(Entity::CardDavCredentials))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_field_lists_are_checked() {
        assert!(is_http_url("https://carddav.example.org/addressbooks/"));
        assert!(is_http_url("http://127.0.0.1:8080"));
        assert!(!is_http_url("ftp://example.org"));
        assert!(!is_http_url("https://"));
        assert!(!is_http_url("https://exa mple.org"));
        assert!(is_comma_separated_words("fn,impp,email"));
        assert!(!is_comma_separated_words("fn, impp"));
        assert!(!is_comma_separated_words("fn,,impp"));
    }
}
