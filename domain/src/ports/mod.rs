//! Ports: what the domain needs from the outside world.
//!
//! Every trait is `Send + Sync + 'static` and uses `async_trait`, so `app/` can pick a backend
//! from `--database` at run time and share it as `Arc<dyn Storage>`. Each method states the
//! contract every adapter MUST honour; `flexiapi-contract` turns those sentences into tests.
//!
//! Time is always passed in (`now`) rather than read by adapters, so tests control it.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::error::StoreError;

mod account_creation_request_tokens;
mod account_creation_tokens;
mod account_recovery_tokens;
mod account_types;
mod accounts;
mod actions;
mod api_keys;
mod audit;
mod auth_failures;
mod auth_tokens;
mod b2bua;
mod call_forwardings;
mod carddavs;
mod change_codes;
mod contacts;
mod contacts_lists;
mod devices;
mod dictionary;
mod external_accounts;
mod nonces;
mod notifier;
mod phone_countries;
mod provisioning_tokens;
mod pusher;
mod recovery_codes;
mod registration_codes;
mod reset_password_tokens;
mod secrets;
mod sip_messenger;
mod space_email_servers;
mod spaces;
mod statistics;
mod vcards;
mod voicemails;
mod wizards;

pub use account_creation_request_tokens::AccountCreationRequestTokenRepository;
pub use account_creation_tokens::AccountCreationTokenRepository;
pub use account_recovery_tokens::AccountRecoveryTokenRepository;
pub use account_types::AccountTypeRepository;
pub use accounts::AccountRepository;
pub use actions::AccountActionRepository;
pub use api_keys::ApiKeyRepository;
pub use audit::AuditRepository;
pub use auth_failures::AuthFailureStore;
pub use auth_tokens::AuthTokenRepository;
pub use b2bua::{B2buaAccountChange, B2buaNotifier, NoB2buaNotifier};
pub use call_forwardings::CallForwardingRepository;
pub use carddavs::CardDavRepository;
pub use change_codes::ChangeCodeRepository;
pub use contacts::ContactRepository;
pub use contacts_lists::ContactsListRepository;
pub use devices::DeviceRegistry;
pub use dictionary::DictionaryRepository;
pub use external_accounts::ExternalAccountRepository;
pub use nonces::NonceStore;
pub use notifier::{
    Letterhead, NoNotifier, Notice, NoticeAttachment, NotificationCounts, Notifier,
    SpaceEmailServer,
};
pub use phone_countries::PhoneCountryRepository;
pub use provisioning_tokens::ProvisioningTokenRepository;
pub use pusher::{NoPusher, Pusher};
pub use recovery_codes::RecoveryCodeRepository;
pub use registration_codes::RegistrationCodeRepository;
pub use reset_password_tokens::ResetPasswordTokenRepository;
pub use secrets::SecretStore;
pub use sip_messenger::{NoSipMessenger, SipMessenger};
pub use space_email_servers::SpaceEmailServerRepository;
pub use spaces::SpaceRepository;
pub use statistics::StatisticsRepository;
pub use vcards::VcardRepository;
pub use voicemails::{FileStore, NoFileStore, VoicemailRepository};
pub use wizards::WizardRepository;

pub type StoreResult<T> = Result<T, StoreError>;

/// Everything a storage backend provides; each adapter implements it on one struct.
#[async_trait]
pub trait Storage:
    SpaceRepository
    + AccountRepository
    + ApiKeyRepository
    + NonceStore
    + AuthFailureStore
    + AuditRepository
    + AuthTokenRepository
    + DictionaryRepository
    + ProvisioningTokenRepository
    + AccountCreationTokenRepository
    + AccountCreationRequestTokenRepository
    + AccountTypeRepository
    + AccountActionRepository
    + PhoneCountryRepository
    + ContactRepository
    + ContactsListRepository
    + SpaceEmailServerRepository
    + ChangeCodeRepository<crate::model::Email>
    + ChangeCodeRepository<crate::model::PhoneNumber>
    + RecoveryCodeRepository
    + RegistrationCodeRepository
    + ResetPasswordTokenRepository
    + AccountRecoveryTokenRepository
    + SecretStore
    + CallForwardingRepository
    + ExternalAccountRepository
    + VoicemailRepository
    + StatisticsRepository
    + WizardRepository
    + VcardRepository
    + CardDavRepository
{
    /// Cheap round trip to the backend (readiness checks).
    async fn ping(&self) -> StoreResult<()>;

    /// Connections of the backend's pool, open and idle (`None` when there is no pool).
    fn pool_usage(&self) -> Option<PoolUsage> {
        None
    }
}

/// A connection pool's state, for metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolUsage {
    pub open: u32,
    pub idle: u32,
    pub max: u32,
}

/// The time, as a port so that expiry is testable.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

/// Secrets and identifiers, as a port so that tests can be deterministic.
pub trait TokenSource: Send + Sync + 'static {
    /// `len` characters from `[A-Za-z0-9]`.
    fn alphanumeric(&self, len: usize) -> String;
    /// `bytes` random bytes, lower-case hex (twice as many characters).
    fn hex(&self, bytes: usize) -> String;
    /// A 4-digit PIN, 1000 to 9999 (e-mailed and SMS codes), from [`TokenSource::hex`] unless
    /// the source draws it itself.
    fn pin(&self) -> String {
        // 32 random bits: the modulo favours some PINs by about 2 in a million, relatively.
        let n = u32::from_str_radix(&self.hex(4), 16).unwrap_or_default();
        (1000 + n % 9000).to_string()
    }
}
