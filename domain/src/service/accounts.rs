//! Accounts managed by admins: creation and update with the original's validation rules, checked once, in the domain.

use std::collections::BTreeMap;

use super::{Entity, MIN_PASSWORD_LENGTH, ServiceError, ServiceResult, Services};
use crate::model::SipIdentity;
use crate::model::{
    Account, AccountChanges, AccountDetails, AccountId, AccountQuery, Domain, DtmfProtocol, Email,
    NewAccount, NewProvisioningToken, Page, PasswordAlgorithm, PhoneNumber, ProvisioningToken,
    Space, Username,
};
use crate::validation::{Rule, ValidationErrors, is_config_line};

/// Length of provisioning tokens (the original's 13 alphanumerics).
pub const PROVISIONING_TOKEN_LENGTH: usize = 13;

/// `POST /api/accounts` input, unvalidated. Empty strings count as absent (as the original's
/// ConvertEmptyStringsToNull).
#[derive(Debug, Clone, Default)]
pub struct CreateAccount {
    pub username: Option<String>,
    pub password: Option<String>,
    pub algorithm: Option<String>,
    pub domain: Option<String>,
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub phone: Option<String>,
    pub dtmf_protocol: Option<String>,
    pub activated: Option<bool>,
    pub admin: Option<bool>,
    pub dictionary: Option<BTreeMap<String, String>>,
}

/// Who creates the account and from where.
#[derive(Debug, Clone)]
pub struct Creator<'a> {
    /// The space of the request's host.
    pub space: &'a Space,
    /// Super admins may create accounts in another existing space through `domain`.
    pub super_admin: bool,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

pub(crate) fn present(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// A new password: required, at least `MIN_PASSWORD_LENGTH` characters.
pub(crate) fn required_password(
    raw: Option<String>,
    errors: &mut ValidationErrors,
) -> Option<String> {
    let password = present(raw);
    match &password {
        None => errors.add("password", Rule::Required),
        Some(p) if p.chars().count() < MIN_PASSWORD_LENGTH => {
            errors.add("password", Rule::MinLength(MIN_PASSWORD_LENGTH as u32));
        }
        Some(_) => {}
    }
    password
}

/// Longest text column the database keeps for an account's texts and dictionary entries.
pub const MAX_TEXT_LENGTH: usize = 255;

/// Refuses texts the database would not keep (a clear 422 rather than a storage failure), and
/// display names provisioning could not carry.
fn check_lengths(
    display_name: Option<&str>,
    dictionary: Option<&BTreeMap<String, String>>,
    errors: &mut ValidationErrors,
) {
    let max = MAX_TEXT_LENGTH as u32;
    if display_name.is_some_and(|d| d.chars().count() > MAX_TEXT_LENGTH) {
        errors.add("display_name", Rule::MaxLength(max));
    } else if display_name.is_some_and(|d| !is_config_line(d)) {
        // It goes into the provisioning's `reg_identity`.
        errors.add("display_name", Rule::ForbiddenCharacters);
    }
    if let Some(entries) = dictionary {
        for (key, value) in entries {
            if key.is_empty()
                || key.chars().count() > MAX_TEXT_LENGTH
                || value.chars().count() > MAX_TEXT_LENGTH
            {
                errors.add(format!("dictionary.{key}"), Rule::MaxLength(max));
            }
        }
    }
}

/// A phone number rather than a username: what `+33612345678` or `0612345678` look like.
pub fn looks_like_phone_number(value: &str) -> bool {
    let digits = value.strip_prefix('+').unwrap_or(value);
    digits.len() >= 6 && digits.len() <= 15 && digits.chars().all(|c| c.is_ascii_digit())
}

/// The original's default `account_username_regex`: `^[a-z0-9+_.-]*$`.
pub fn is_sip_username(value: &str) -> bool {
    value
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+_.-".contains(c))
}

/// `PUT /api/accounts/{id}` input: the original's "send everything" semantics. Text fields
/// omitted become null; flags omitted stay as they are; a password, when given, replaces all.
#[derive(Debug, Clone, Default)]
pub struct UpdateAccount {
    pub username: Option<String>,
    pub password: Option<String>,
    pub algorithm: Option<String>,
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub phone: Option<String>,
    pub dtmf_protocol: Option<String>,
    pub activated: Option<bool>,
    pub blocked: Option<bool>,
    pub admin: Option<bool>,
    /// `Some` replaces every entry (`{}` clears them).
    pub dictionary: Option<BTreeMap<String, String>>,
    /// Another space's domain moves the account there (the caller must be a super admin: the
    /// HTTP adapter checks it), with the checks of a creation there and a new `password` (the
    /// stored hashes are bound to the old realm). Absent, blank or the account's own: no move.
    pub domain: Option<String>,
}

/// The optional fields shared by creation and update, as sent.
pub(crate) struct OptionalFields {
    pub(crate) algorithm: Option<String>,
    pub(crate) email: Option<String>,
    pub(crate) phone: Option<String>,
    pub(crate) dtmf_protocol: Option<String>,
}

/// The same, parsed.
pub(crate) struct Checked {
    pub(crate) algorithm: PasswordAlgorithm,
    pub(crate) email: Option<Email>,
    pub(crate) phone: Option<PhoneNumber>,
    pub(crate) dtmf_protocol: Option<DtmfProtocol>,
}

/// `raw` parsed when present (blank is absent); a broken rule is recorded on `field`.
fn parse_optional<T>(
    raw: Option<String>,
    parse: impl FnOnce(&str) -> Result<T, Rule>,
    field: &str,
    errors: &mut ValidationErrors,
) -> Option<T> {
    present(raw).and_then(|v| parse(&v).map_err(|rule| errors.add(field, rule)).ok())
}

impl Services {
    /// Validates username (shape and uniqueness in `space`, ignoring `except`).
    pub(crate) async fn check_username(
        &self,
        raw: Option<String>,
        space: &Space,
        except: Option<&Account>,
        errors: &mut ValidationErrors,
    ) -> ServiceResult<Option<Username>> {
        let username = match present(raw) {
            None => {
                errors.add("username", Rule::Required);
                return Ok(None);
            }
            Some(u) if u.chars().any(char::is_uppercase) => {
                errors.add("username", Rule::NoUppercase);
                return Ok(None);
            }
            Some(u) if looks_like_phone_number(&u) => {
                errors.add("username", Rule::NotPhoneNumber);
                return Ok(None);
            }
            Some(u) => match Username::parse(&u) {
                Ok(parsed) if is_sip_username(&u) => parsed,
                _ => {
                    errors.add("username", Rule::SipUsername);
                    return Ok(None);
                }
            },
        };
        if except.is_some_and(|a| a.username == username) {
            return Ok(Some(username));
        }
        if self
            .storage
            .account_by_identity(&username, &space.domain)
            .await?
            .is_some()
            || self.storage.is_tombstoned(&username, &space.domain).await?
        {
            errors.add("username", Rule::Unique);
        }
        Ok(Some(username))
    }

    /// Validates the optional fields shared by creation and update.
    pub(crate) async fn check_optional(
        &self,
        fields: OptionalFields,
        space: &Space,
        except: Option<&Account>,
        errors: &mut ValidationErrors,
    ) -> ServiceResult<Checked> {
        let OptionalFields {
            algorithm,
            email,
            phone,
            dtmf_protocol,
        } = fields;
        let algorithm = match present(algorithm) {
            None => space.digest.default_password_algorithm,
            Some(a) => a.parse::<PasswordAlgorithm>().unwrap_or_else(|_| {
                errors.add(
                    "algorithm",
                    Rule::OneOf(
                        PasswordAlgorithm::ALL
                            .iter()
                            .map(ToString::to_string)
                            .collect(),
                    ),
                );
                space.digest.default_password_algorithm
            }),
        };
        let email = parse_optional(email, Email::parse, "email", errors);
        if let Some(e) = &email
            && space.settings.unique_email
            && self
                .storage
                .account_by_email(&space.domain, e)
                .await?
                .is_some_and(|other| Some(other.id) != except.map(|a| a.id))
        {
            errors.add("email", Rule::Unique);
        }
        let phone = parse_optional(phone, PhoneNumber::parse, "phone", errors);
        if let Some(p) = &phone {
            self.check_phone(p, space, except, errors).await?;
        }
        let dtmf_protocol =
            parse_optional(dtmf_protocol, DtmfProtocol::parse, "dtmf_protocol", errors);
        Ok(Checked {
            algorithm,
            email,
            phone,
            dtmf_protocol,
        })
    }

    /// A number of an activated country, and neither the phone nor the username of another
    /// account of the space (Flexisip looks accounts up by both).
    pub(crate) async fn check_phone(
        &self,
        phone: &PhoneNumber,
        space: &Space,
        except: Option<&Account>,
        errors: &mut ValidationErrors,
    ) -> ServiceResult<()> {
        let dialling_code = phone.dialling_code();
        let activated = self
            .storage
            .list_phone_countries()
            .await?
            .into_iter()
            .any(|c| c.activated && Some(&c.country_code) == dialling_code.as_ref());
        if !activated {
            errors.add("phone", Rule::PhoneCountry);
        } else if self
            .storage
            .account_by_phone(&space.domain, phone)
            .await?
            .is_some_and(|other| Some(other.id) != except.map(|a| a.id))
        {
            errors.add("phone", Rule::Unique);
        }
        Ok(())
    }

    /// Replaces an account of `space` as the original's `PUT` does, moving it to another space
    /// when `domain` names one.
    ///
    /// # Errors
    /// `NotFound(Account)`; `Validation` with every broken rule (`domain` for an unknown or
    /// expired space); `SpaceFull` when the target space holds its `max_accounts`.
    pub async fn update_account(
        &self,
        id: AccountId,
        space: &Space,
        input: UpdateAccount,
        user_agent: Option<String>,
    ) -> ServiceResult<Account> {
        let account = self.account_in_space(id, space).await?;
        let mut errors = ValidationErrors::new();
        let target = match present(input.domain).filter(|d| d != space.domain.as_str()) {
            None => None,
            Some(domain) => {
                let found = match Domain::parse(&domain) {
                    Ok(d) => self.storage.space_by_domain(&d).await?,
                    Err(_) => None,
                }
                .filter(|s| !s.is_expired(self.now()));
                if found.is_none() {
                    errors.add("domain", Rule::Domain);
                }
                found
            }
        };
        // The checks run in the space the account ends up in, as a creation there.
        let space = target.as_ref().unwrap_or(space);
        let keep = target.is_none().then_some(&account);
        let username = self
            .check_username(input.username, space, keep, &mut errors)
            .await?;
        let checked = self
            .check_optional(
                OptionalFields {
                    algorithm: input.algorithm,
                    email: input.email,
                    phone: input.phone,
                    dtmf_protocol: input.dtmf_protocol,
                },
                space,
                Some(&account),
                &mut errors,
            )
            .await?;
        let password = if target.is_some() {
            required_password(input.password, &mut errors)
        } else {
            let password = present(input.password);
            if password
                .as_deref()
                .is_some_and(|p| p.chars().count() < MIN_PASSWORD_LENGTH)
            {
                errors.add("password", Rule::MinLength(MIN_PASSWORD_LENGTH as u32));
            }
            password
        };
        check_lengths(
            input.display_name.as_deref(),
            input.dictionary.as_ref(),
            &mut errors,
        );
        errors.clone().into_result()?;
        let Some(username) = username else {
            return Err(errors.into());
        };
        let passwords =
            password.map(|p| vec![Self::hash_password(space, &username, &p, checked.algorithm)]);
        let activated = input.activated.unwrap_or(account.activated);
        // Turning an activated account off is an admin's deactivation (only an admin undoes
        // it); `activated: false` sent again for a registration never activated is not.
        let deactivated_at = if activated {
            None
        } else if account.activated {
            Some(self.now())
        } else {
            account.deactivated_at
        };
        let changes = AccountChanges {
            username,
            email: checked.email,
            display_name: present(input.display_name),
            activated,
            deactivated_at,
            blocked: input.blocked.unwrap_or(account.blocked),
            admin: input.admin.unwrap_or(account.admin),
            dtmf_protocol: checked.dtmf_protocol,
            phone: checked.phone,
            user_agent: user_agent.or_else(|| Some(space.name.clone())),
            passwords,
            dictionary: input.dictionary,
        };
        let taken = |e| match ServiceError::from(e) {
            ServiceError::Conflict(_) => {
                ServiceError::Validation(ValidationErrors::single("username", Rule::Unique))
            }
            other => other,
        };
        if let Some(target) = &target {
            let max_accounts = self.current_max_accounts(target).await?;
            self.storage
                .move_account(
                    account.id,
                    &changes.username,
                    &target.domain,
                    max_accounts,
                    self.now(),
                )
                .await
                .map_err(taken)?;
        }
        self.storage
            .update_account(account.id, changes, self.now())
            .await
            .map_err(taken)
    }

    /// Creates an account as an admin does (`POST /api/accounts`).
    ///
    /// # Errors
    /// `Validation` with every broken rule; `SpaceFull` when the space is at `max_accounts`.
    pub async fn create_account(
        &self,
        input: CreateAccount,
        by: Creator<'_>,
    ) -> ServiceResult<Account> {
        let mut errors = ValidationErrors::new();

        // The target space: the request's, or for a super admin one named by `domain`.
        let space = match present(input.domain)
            .filter(|d| by.super_admin && d != by.space.domain.as_str())
        {
            Some(domain) => {
                let found = match Domain::parse(&domain) {
                    Ok(d) => self.storage.space_by_domain(&d).await?,
                    Err(_) => None,
                };
                match found {
                    Some(space) => space,
                    None => {
                        errors.add("domain", Rule::Domain);
                        by.space.clone()
                    }
                }
            }
            None => by.space.clone(),
        };

        let username = self
            .check_username(input.username, &space, None, &mut errors)
            .await?;
        let password = required_password(input.password, &mut errors);
        let Checked {
            algorithm,
            email,
            phone,
            dtmf_protocol,
        } = self
            .check_optional(
                OptionalFields {
                    algorithm: input.algorithm,
                    email: input.email,
                    phone: input.phone,
                    dtmf_protocol: input.dtmf_protocol,
                },
                &space,
                None,
                &mut errors,
            )
            .await?;

        check_lengths(
            input.display_name.as_deref(),
            input.dictionary.as_ref(),
            &mut errors,
        );
        errors.clone().into_result()?;
        let (Some(username), Some(password)) = (username, password) else {
            return Err(errors.into());
        };
        let hashed = Self::hash_password(&space, &username, &password, algorithm);
        let new = NewAccount {
            email,
            display_name: present(input.display_name),
            activated: input.activated.unwrap_or(false),
            admin: input.admin.unwrap_or(false),
            dtmf_protocol,
            phone,
            ip_address: by.ip.clone(),
            user_agent: by.user_agent.or_else(|| Some(space.name.clone())),
            passwords: vec![hashed],
            dictionary: input.dictionary.unwrap_or_default(),
            ..NewAccount::new(username, space.domain.clone())
        };
        let max_accounts = self.current_max_accounts(&space).await?;
        let account = self
            .storage
            .create_account(new, max_accounts, self.now())
            .await
            .map_err(|e| match ServiceError::from(e) {
                // Lost a race with another creation of the same username.
                ServiceError::Conflict(_) => {
                    ServiceError::Validation(ValidationErrors::single("username", Rule::Unique))
                }
                other => other,
            })?;
        // Every account starts with a provisioning token, as in the original.
        self.new_provisioning_token(&account, by.ip, None).await?;
        Ok(account)
    }

    /// A fresh provisioning token for the account (13 letters and digits), replacing the unused
    /// one.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn new_provisioning_token(
        &self,
        account: &Account,
        ip: Option<String>,
        user_agent: Option<String>,
    ) -> ServiceResult<ProvisioningToken> {
        Ok(self
            .storage
            .create_provisioning_token(
                NewProvisioningToken {
                    account_id: account.id,
                    token: self.tokens.alphanumeric(PROVISIONING_TOKEN_LENGTH),
                    ip,
                    user_agent,
                },
                self.now(),
            )
            .await?)
    }

    /// Creates an activated admin account in `domain`'s space, or promotes the existing one,
    /// storing the password for `algorithm` only.
    ///
    /// # Errors
    /// `UnknownSpace`; `Validation` for a bad username or a short password.
    pub async fn create_admin(
        &self,
        username: &str,
        domain: &str,
        password: &str,
        algorithm: PasswordAlgorithm,
    ) -> ServiceResult<Account> {
        self.create_or_promote_admin(username, domain, Some(password), algorithm, true)
            .await
    }

    /// Creates an activated admin account in `domain`'s space with `password`, or promotes the
    /// existing one: its passwords are replaced only when `reset_password` (the CLI's
    /// `accounts create-admin`: promoting someone must not lock them out).
    ///
    /// # Errors
    /// `UnknownSpace`; `Validation` for a bad username, a short password, or no password where
    /// one is needed (a new account, or `reset_password`).
    pub async fn create_or_promote_admin(
        &self,
        username: &str,
        domain: &str,
        password: Option<&str>,
        algorithm: PasswordAlgorithm,
        reset_password: bool,
    ) -> ServiceResult<Account> {
        let space = self.space(domain).await?;
        let mut errors = ValidationErrors::new();
        let username = Username::parse(username)
            .map_err(|_| errors.add("username", Rule::SipUsername))
            .ok();
        if let Some(password) = password
            && password.chars().count() < MIN_PASSWORD_LENGTH
        {
            errors.add("password", Rule::MinLength(MIN_PASSWORD_LENGTH as u32));
        }
        errors.clone().into_result()?;
        let Some(username) = username else {
            return Err(errors.into());
        };
        let existing = self
            .storage
            .account_by_identity(&username, &space.domain)
            .await?;
        let password = match (password, &existing, reset_password) {
            (Some(p), None, _) | (Some(p), Some(_), true) => {
                Some(Self::hash_password(&space, &username, p, algorithm))
            }
            (None, None, _) | (None, Some(_), true) => {
                return Err(ValidationErrors::single("password", Rule::Required).into());
            }
            (_, Some(_), false) => None,
        };
        let now = self.now();
        match existing {
            Some(existing) => {
                let changes = AccountChanges {
                    activated: true,
                    deactivated_at: None,
                    admin: true,
                    passwords: password.map(|p| vec![p]),
                    ..AccountChanges::unchanged(&existing)
                };
                Ok(self
                    .storage
                    .update_account(existing.id, changes, now)
                    .await?)
            }
            None => {
                let new = NewAccount {
                    activated: true,
                    admin: true,
                    passwords: password.into_iter().collect(),
                    user_agent: Some("flexiapi".into()),
                    ..NewAccount::new(username, space.domain.clone())
                };
                Ok(self
                    .storage
                    .create_account(new, space.max_accounts, now)
                    .await?)
            }
        }
    }

    /// The account `username@domain` (the CLI names accounts so).
    ///
    /// # Errors
    /// `UnknownSpace`; `NotFound(Account)`.
    pub async fn account_named(&self, username: &str, domain: &str) -> ServiceResult<Account> {
        let space = self.space(domain).await?;
        let username =
            Username::parse(username).map_err(|_| ServiceError::NotFound(Entity::Account))?;
        self.storage
            .account_by_identity(&username, &space.domain)
            .await?
            .ok_or(ServiceError::NotFound(Entity::Account))
    }

    /// Replaces the account's passwords with `password` for `algorithm` (the space's default
    /// when `None`), as an admin's `PUT /accounts/{id}` does: no old password asked.
    ///
    /// # Errors
    /// `UnknownSpace`, `NotFound(Account)`; `Validation` for a short password.
    pub async fn set_account_password(
        &self,
        username: &str,
        domain: &str,
        password: &str,
        algorithm: Option<PasswordAlgorithm>,
    ) -> ServiceResult<Account> {
        let account = self.account_named(username, domain).await?;
        let space = self.space(domain).await?;
        if password.chars().count() < MIN_PASSWORD_LENGTH {
            return Err(ValidationErrors::single(
                "password",
                Rule::MinLength(MIN_PASSWORD_LENGTH as u32),
            )
            .into());
        }
        let algorithm = algorithm.unwrap_or(space.digest.default_password_algorithm);
        let hashed = Self::hash_password(&space, &account.username, password, algorithm);
        let changes = AccountChanges {
            passwords: Some(vec![hashed]),
            ..AccountChanges::unchanged(&account)
        };
        Ok(self
            .storage
            .update_account(account.id, changes, self.now())
            .await?)
    }

    /// The account with that id if it belongs to `space`.
    ///
    /// # Errors
    /// `NotFound(Account)` otherwise.
    pub async fn account_in_space(&self, id: AccountId, space: &Space) -> ServiceResult<Account> {
        self.storage
            .account_by_id(id)
            .await?
            .filter(|a| a.domain == space.domain)
            .ok_or(ServiceError::NotFound(Entity::Account))
    }

    /// The account of `space` named by `identity`; `None` for an identity of another domain, as
    /// for an unknown one.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn account_in_space_by_identity(
        &self,
        space: &Space,
        identity: &SipIdentity,
    ) -> ServiceResult<Option<Account>> {
        if identity.domain != space.domain {
            return Ok(None);
        }
        Ok(self
            .storage
            .account_by_identity(&identity.username, &space.domain)
            .await?)
    }

    /// The account of `space` with that email, if any.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn account_by_email(
        &self,
        space: &Space,
        email: &str,
    ) -> ServiceResult<Option<Account>> {
        // Any text: a stored address may predate today's rule.
        let email = Email::unchecked(email);
        Ok(self.storage.account_by_email(&space.domain, &email).await?)
    }

    /// What lives beside each account row (dictionary, types, actions, provisioning token).
    /// Actions only mean something with a DTMF protocol: none for an account without one.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn account_details(
        &self,
        accounts: &[Account],
    ) -> ServiceResult<BTreeMap<AccountId, AccountDetails>> {
        let ids: Vec<AccountId> = accounts.iter().map(|a| a.id).collect();
        let mut details = self.storage.account_details(&ids).await?;
        for account in accounts.iter().filter(|a| a.dtmf_protocol.is_none()) {
            if let Some(d) = details.get_mut(&account.id) {
                d.actions.clear();
            }
        }
        Ok(details)
    }

    /// Blocks (`true`) or unblocks an account.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn set_blocked(&self, account: &Account, blocked: bool) -> ServiceResult<Account> {
        let changes = AccountChanges {
            blocked,
            ..AccountChanges::unchanged(account)
        };
        Ok(self
            .storage
            .update_account(account.id, changes, self.now())
            .await?)
    }

    /// Activates (`true`) or deactivates an account as an admin does: a deactivation is
    /// remembered (`deactivated_at`) so that only an admin activates the account again.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn set_activated_by_admin(
        &self,
        account: &Account,
        activated: bool,
    ) -> ServiceResult<Account> {
        let changes = AccountChanges {
            activated,
            deactivated_at: if activated {
                None
            } else {
                account.deactivated_at.or(Some(self.now()))
            },
            ..AccountChanges::unchanged(account)
        };
        Ok(self
            .storage
            .update_account(account.id, changes, self.now())
            .await?)
    }

    /// # Errors
    /// `NotFound(Account)`.
    pub async fn delete_account(&self, id: AccountId) -> ServiceResult<()> {
        // Its external account goes by cascade: the B2BUA is told after, so it drops it.
        let external = self.storage.external_account_of(id).await?;
        // Its voicemails go by cascade: their files are removed after.
        let voicemails = self.storage.voicemails_of(id).await?;
        if self.storage.delete_account(id, self.now()).await? {
            if let Some(external) = external {
                self.publish_external_account(&external).await;
            }
            self.remove_voicemail_files(&voicemails).await;
            Ok(())
        } else {
            Err(ServiceError::NotFound(Entity::Account))
        }
    }

    /// # Errors
    /// Storage failures.
    pub async fn list_accounts(
        &self,
        domain: &Domain,
        page: u64,
        per_page: u64,
        search: Option<String>,
    ) -> ServiceResult<Page<Account>> {
        let query = AccountQuery {
            domain: domain.clone(),
            search: search.filter(|s| !s.is_empty()),
            page: page.max(1),
            per_page: per_page.clamp(1, 100),
        };
        Ok(self.storage.list_accounts(&query).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_and_phone_numbers_are_told_apart() {
        assert!(is_sip_username("alice.b-c_d+1"));
        assert!(!is_sip_username("alice@x"));
        assert!(looks_like_phone_number("+33612345678"));
        assert!(looks_like_phone_number("0612345678"));
        assert!(!looks_like_phone_number("12345"));
        assert!(!looks_like_phone_number("alice1"));
    }
}
