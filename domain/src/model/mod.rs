//! Entities and value types.

/// A text value type: a private `String`, read with `as_str`, made by the type's own `parse`
/// (today's rule, which every request goes through) or by `unchecked`.
///
/// `unchecked` is for values read back from storage, and for lookup keys compared with them.
/// Stored rows may predate a rule or its tightening (an import of the original's database, an
/// older version of this server): they must still load and read back unchanged, so that the
/// record stays listable, editable and deletable, and a lookup still finds it. The rule applies
/// again the next time a request sets the field.
macro_rules! text_value {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// A stored value or a lookup key, as it is (see `text_value!` in `model/mod.rs`).
            pub fn unchecked(raw: impl Into<String>) -> Self {
                Self(raw.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

mod account;
mod account_extras;
mod account_fields;
mod account_recovery_token;
mod api_key;
mod audit;
mod auth_token;
mod call_forwarding;
mod carddav;
mod change_code;
mod contacts_list;
mod device;
mod external_account;
mod nonce;
mod password;
mod phone_country;
mod push;
mod recovery_code;
mod registration_code;
mod reset_password_token;
mod sip_identity;
mod space;
mod space_email_server;
mod statistics;
mod tokens;
mod turn;
mod vcard;
mod voicemail;
mod wizard;

pub use account::{Account, AccountChanges, AccountId, AccountQuery, NewAccount, Page};
pub use account_extras::{
    AccountAction, AccountActionId, AccountDetails, AccountType, AccountTypeId, AccountTypeKey,
    ActionCode, ActionKey, MAX_ACCOUNT_TYPE_KEY_LENGTH, MAX_ACTION_LENGTH,
};
pub use account_fields::{DtmfProtocol, Email, MAX_EMAIL_LENGTH, PhoneNumber};
pub use account_recovery_token::{
    ACCOUNT_RECOVERY_TOKEN_LENGTH, AccountRecoveryToken, AccountRecoveryTokenId,
    NewAccountRecoveryToken,
};
pub use api_key::{ApiKey, ApiKeyId, ApiKeyKind, ApiKeyUsage, NewApiKey, hash_api_key};
pub use audit::{AuditEvent, NewAuditEvent};
pub use auth_token::AuthToken;
pub use call_forwarding::{
    CallForwarding, CallForwardingId, ForwardTo, ForwardingType, MAX_FORWARDING_SIP_URI_LENGTH,
    NewCallForwarding, SipUri, is_sip_uri,
};
pub use carddav::{
    CardDavCredentials, CardDavServer, CardDavServerId, MAX_CARDDAV_REALM_LENGTH,
    MAX_CARDDAV_URI_LENGTH, MAX_CARDDAV_USERNAME_LENGTH, NewCardDavServer,
};
pub use change_code::{
    CHANGE_CODE_DIGITS, CHANGE_CODE_MAX_ATTEMPTS, ChangeCode, ChangeCodeId, ChangeTarget,
    EmailChangeCode, NewChangeCode, PhoneChangeCode, is_change_code_shape,
};
pub use contacts_list::{
    ContactsList, ContactsListId, ContactsListTitle, MAX_CONTACTS_LIST_TITLE_LENGTH,
};
pub use device::{Device, UserAgentInfo};
pub use external_account::{
    ExternalAccount, ExternalAccountId, MAX_EXTERNAL_ACCOUNT_FIELD_LENGTH, NewExternalAccount,
    SipProtocol,
};
pub use nonce::DigestNonce;
pub use password::{Password, PasswordAlgorithm, UnknownAlgorithm};
pub use phone_country::{PHONE_COUNTRIES, PhoneCountry};
pub use push::{
    PushCallId, PushKind, PushNotification, PushParam, PushPrid, PushProvider, PushTarget,
};
pub use recovery_code::{
    MAX_CODE_ATTEMPTS, NewRecoveryCode, Recipient, RecoveryCode, RecoveryCodeId, code_expired,
};
pub use registration_code::{NewRegistrationCode, RegistrationCode, RegistrationCodeId};
pub use reset_password_token::{
    NewResetPasswordToken, RESET_PASSWORD_TOKEN_LENGTH, ResetPasswordToken, ResetPasswordTokenId,
};
pub use sip_identity::{Domain, SipIdentity, SipIdentityError, Username};
pub use space::{
    DigestConfig, JwtAlgorithm, JwtConfig, NewSpace, Space, SpaceId, SpaceSettings,
    default_jwt_algorithms, default_leeway, normalize_host,
};
pub use space_email_server::{
    MAX_EMAIL_SERVER_HOST_LENGTH, MAX_EMAIL_SERVER_SIGNATURE_LENGTH, MAX_EMAIL_SERVER_TEXT_LENGTH,
    SpaceEmailServer, is_mail_host,
};
pub use statistics::{
    InviteTerminatedState, MAX_STATISTICS_ADDRESS_LENGTH, MAX_STATISTICS_ID_LENGTH,
    StatisticsAddress, StatisticsCall, StatisticsCallDevice, StatisticsMessage,
    StatisticsMessageDevice, is_statistics_id,
};
pub use tokens::{
    AccountCreationRequestToken, AccountCreationRequestTokenId, AccountCreationToken,
    AccountCreationTokenId, CREATION_REQUEST_TOKEN_LENGTH, NewAccountCreationRequestToken,
    NewAccountCreationToken, NewProvisioningToken, ProvisioningToken, ProvisioningTokenId,
};
pub use turn::{
    DEFAULT_TURN_TTL_MINUTES, MAX_TURN_TTL_MINUTES, TURN_RANDOM_LENGTH, TurnCredentials, TurnHost,
    TurnSettings, TurnSettingsError,
};
pub use vcard::{ContactCard, MAX_VCARD_BYTES, MAX_VCARD_UID_LENGTH, ParsedVcard, StoredVcard};
pub use voicemail::{NewVoicemail, VOICEMAIL_SNIFF_LENGTH, Voicemail, VoicemailId, VoicemailType};
pub use wizard::{
    LinphoneAction, MAX_SIP_MESSAGE_BODY, NewWizard, OutgoingSipMessage, WIZARD_TOKEN_LENGTH,
    Wizard, WizardLink,
};
