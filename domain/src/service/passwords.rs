//! Passwords: hashing for a space's realm, and the account's own password change.

use super::{Entity, ServiceError, ServiceResult, Services, check_may_get_credentials};
use crate::model::{
    Account, AccountChanges, Password, PasswordAlgorithm, SipIdentity, Space, Username,
};
use crate::validation::{Rule, ValidationErrors};

/// Minimum password length.
pub const MIN_PASSWORD_LENGTH: usize = 6;

impl Services {
    /// The A1 hash of `clear` for an account of `space`.
    pub fn hash_password(
        space: &Space,
        username: &Username,
        clear: &str,
        algorithm: PasswordAlgorithm,
    ) -> Password {
        Password::from_clear(algorithm, username.as_str(), space.realm(), clear)
    }

    /// Sets a new password for `algorithm` (default: the space's), removing the other
    /// algorithm's hash. When the account has passwords, `old_password` must match one of them;
    /// wrong ones, made from `ip`, spend the failure budget Digest spends (this account from this
    /// address, this account in all, this address), and once it is spent even the right one is
    /// refused until the window frees it: the endpoint is no unlimited password oracle.
    ///
    /// # Errors
    /// `TooManyFailures`; `Validation` (`password` too short, `old_password` missing or
    /// incorrect).
    pub async fn change_password(
        &self,
        account: &Account,
        space: &Space,
        old_password: Option<&str>,
        new_password: Option<&str>,
        algorithm: Option<PasswordAlgorithm>,
        ip: &str,
    ) -> ServiceResult<Account> {
        // As stored now, not as the caller's authentication saw it: the flags written back
        // below must not undo a block or a deactivation made in the meantime.
        let account = &self
            .storage
            .account_by_id(account.id)
            .await?
            .ok_or(ServiceError::NotFound(Entity::Account))?;
        check_may_get_credentials(account)?;
        let mut errors = ValidationErrors::new();
        match new_password {
            None | Some("") => errors.add("password", Rule::Required),
            Some(p) if p.chars().count() < MIN_PASSWORD_LENGTH => {
                errors.add("password", Rule::MinLength(MIN_PASSWORD_LENGTH as u32));
            }
            Some(_) => {}
        }
        if !account.passwords.is_empty() {
            match old_password {
                None | Some("") => errors.add("old_password", Rule::Required),
                Some(old) => {
                    let identity =
                        SipIdentity::new(account.username.clone(), account.domain.clone());
                    self.budgets
                        .check_failures(Some(&identity), ip)
                        .await
                        .map_err(|e| ServiceError::from_budget(e, true))?;
                    let matches = account
                        .passwords
                        .iter()
                        .any(|p| p.matches_clear(account.username.as_str(), space.realm(), old));
                    if !matches {
                        self.budgets.record_failure(Some(&identity), ip).await?;
                        errors.add("old_password", Rule::IncorrectOldPassword);
                    }
                }
            }
        }
        errors.into_result()?;
        let algorithm = algorithm.unwrap_or(space.digest.default_password_algorithm);
        let hashed = Self::hash_password(
            space,
            &account.username,
            new_password.unwrap_or_default(),
            algorithm,
        );
        let changes = AccountChanges {
            activated: true,
            passwords: Some(vec![hashed]),
            ..AccountChanges::unchanged(account)
        };
        Ok(self
            .storage
            .update_account(account.id, changes, self.now())
            .await?)
    }
}
