//! Entities and value types.

mod account;
mod account_extras;
mod api_key;
mod audit;
mod auth_token;
mod contacts_list;
mod device;
mod nonce;
mod password;
mod phone_country;
mod sip_identity;
mod space;
mod tokens;

pub use account::{Account, AccountChanges, AccountId, AccountQuery, NewAccount, Page};
pub use account_extras::{
    AccountAction, AccountActionId, AccountDetails, AccountType, AccountTypeId,
};
pub use api_key::{ApiKey, ApiKeyId, ApiKeyKind, ApiKeyUsage, NewApiKey, hash_api_key};
pub use audit::{AuditEvent, NewAuditEvent};
pub use auth_token::AuthToken;
pub use contacts_list::{ContactsList, ContactsListId};
pub use device::{Device, UserAgentInfo};
pub use nonce::DigestNonce;
pub use password::{Password, PasswordAlgorithm, UnknownAlgorithm};
pub use phone_country::{PHONE_COUNTRIES, PhoneCountry};
pub use sip_identity::{Domain, SipIdentity, SipIdentityError, Username};
pub use space::{
    DigestConfig, JwtAlgorithm, JwtConfig, NewSpace, Space, SpaceId, SpaceSettings,
    default_jwt_algorithms, default_leeway, normalize_host,
};
pub use tokens::{
    AccountCreationToken, AccountCreationTokenId, NewAccountCreationToken, NewProvisioningToken,
    ProvisioningToken, ProvisioningTokenId,
};
