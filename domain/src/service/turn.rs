//! TURN credentials for the caller (`/accounts/me/services/turn`).

use crate::model::{Account, TURN_RANDOM_LENGTH, TurnCredentials};

use super::{Entity, ServiceError, ServiceResult, Services, check_may_get_credentials};

impl Services {
    /// Fresh TURN credentials for `account`, valid from now for the configured lifetime.
    ///
    /// # Errors
    /// `AccountBlocked`, `AccountDeactivated` (see [`check_may_get_credentials`]: a relay is a
    /// credential too); `NotFound(TurnService)` when no `[turn]` is configured.
    pub fn turn_credentials(&self, account: &Account) -> ServiceResult<TurnCredentials> {
        check_may_get_credentials(account)?;
        let settings = self
            .settings
            .turn
            .as_ref()
            .ok_or(ServiceError::NotFound(Entity::TurnService))?;
        Ok(settings.credentials(self.now(), &self.tokens.alphanumeric(TURN_RANDOM_LENGTH)))
    }
}
