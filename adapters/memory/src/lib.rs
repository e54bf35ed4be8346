//! In-memory implementation of every flexiapi port: `--database memory`, and the fast backend of
//! the HTTP tests. One mutex guards all tables, so every operation is trivially atomic (no await
//! happens while it is held).

mod account_actions;
mod account_recovery_tokens;
mod account_types;
mod accounts;
mod api_keys;
mod audit;
mod auth_failures;
mod auth_tokens;
mod call_forwardings;
mod carddavs;
mod change_codes;
mod contacts;
mod contacts_lists;
mod creation_request_tokens;
mod creation_tokens;
mod dictionary;
mod external_accounts;
mod nonces;
mod phone_countries;
mod provisioning_tokens;
mod recovery_codes;
mod registration_codes;
mod reset_password_tokens;
mod secrets;
mod space_email_servers;
mod spaces;
mod statistics;
mod vcards;
mod voicemails;
mod wizards;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use flexiapi_domain::model::{
    Account, AccountAction, AccountCreationToken, AccountType, ApiKey, AuditEvent, AuthToken,
    ContactsList, DigestNonce, Domain, EmailChangeCode, PHONE_COUNTRIES, PhoneChangeCode,
    PhoneCountry, ProvisioningToken, Space, SpaceEmailServer,
};
use flexiapi_domain::ports::{Storage, StoreResult};

#[derive(Debug)]
struct Tables {
    next_id: i64,
    spaces: BTreeMap<i64, Space>,
    accounts: BTreeMap<i64, Account>,
    /// (username, domain) to id: the unique identity, as the SQL unique key, so that lookups by
    /// identity do not scan every account.
    identities: HashMap<(String, String), i64>,
    /// Each domain's account ids, in id order: listings and counts do not scan other domains.
    by_domain: HashMap<String, BTreeSet<i64>>,
    tombstones: BTreeMap<(String, String), DateTime<Utc>>,
    api_keys: BTreeMap<i64, ApiKey>,
    nonces: BTreeMap<String, DigestNonce>,
    auth_failures: Vec<(String, DateTime<Utc>)>,
    audit: Vec<AuditEvent>,
    auth_tokens: BTreeMap<String, AuthToken>,
    /// By account id.
    dictionary: BTreeMap<i64, BTreeMap<String, String>>,
    provisioning_tokens: BTreeMap<i64, ProvisioningToken>,
    creation_tokens: BTreeMap<i64, AccountCreationToken>,
    creation_request_tokens: BTreeMap<i64, flexiapi_domain::model::AccountCreationRequestToken>,
    /// By id, with the domain of the space each belongs to.
    account_types: BTreeMap<i64, (Domain, AccountType)>,
    /// (account id, type id).
    account_type_links: BTreeSet<(i64, i64)>,
    account_actions: BTreeMap<i64, AccountAction>,
    /// By code.
    phone_countries: BTreeMap<String, PhoneCountry>,
    /// (account id, contact id).
    contacts: BTreeSet<(i64, i64)>,
    /// By id; `contacts_count` is computed when read.
    contacts_lists: BTreeMap<i64, ContactsList>,
    /// (list id, member account id).
    contacts_list_members: BTreeSet<(i64, i64)>,
    /// (account id, list id).
    contacts_list_attachments: BTreeSet<(i64, i64)>,
    /// By space id.
    space_email_servers: BTreeMap<i64, SpaceEmailServer>,
    /// By id.
    email_change_codes: BTreeMap<i64, EmailChangeCode>,
    /// By id.
    phone_change_codes: BTreeMap<i64, PhoneChangeCode>,
    recovery_codes: BTreeMap<i64, flexiapi_domain::model::RecoveryCode>,
    registration_codes: BTreeMap<i64, flexiapi_domain::model::RegistrationCode>,
    reset_password_tokens: BTreeMap<i64, flexiapi_domain::model::ResetPasswordToken>,
    account_recovery_tokens: BTreeMap<i64, flexiapi_domain::model::AccountRecoveryToken>,
    /// By name.
    secrets: BTreeMap<String, String>,
    /// By (account id, id): an account's rows are one range.
    call_forwardings: BTreeMap<(i64, i64), flexiapi_domain::model::CallForwarding>,
    /// By account id.
    external_accounts: BTreeMap<i64, flexiapi_domain::model::ExternalAccount>,
    /// By id.
    voicemails: BTreeMap<String, flexiapi_domain::model::Voicemail>,
    /// By voicemail id.
    voicemail_mailing: BTreeMap<String, VoicemailMailing>,
    /// By token.
    wizards: BTreeMap<String, flexiapi_domain::model::Wizard>,
    /// By (space, id), with the id of the sending account when it was one of the space's.
    statistics_messages: BTreeMap<
        statistics::StatisticsKey,
        (Option<i64>, flexiapi_domain::model::StatisticsMessage),
    >,
    /// By (space, id), as `statistics_messages`.
    statistics_calls:
        BTreeMap<statistics::StatisticsKey, (Option<i64>, flexiapi_domain::model::StatisticsCall)>,
    /// By (account id, id): an account's rows are one range.
    vcards: BTreeMap<(i64, i64), flexiapi_domain::model::StoredVcard>,
    /// By id.
    carddav_servers: BTreeMap<i64, flexiapi_domain::model::CardDavServer>,
    /// By (account id, server id).
    carddav_credentials: BTreeMap<(i64, i64), flexiapi_domain::model::CardDavCredentials>,
}

/// (being mailed since, sent at, failed tries): the SQL `sending_by_mail_*` columns.
type VoicemailMailing = (Option<DateTime<Utc>>, Option<DateTime<Utc>>, u32);

impl Default for Tables {
    fn default() -> Self {
        Self {
            next_id: 0,
            spaces: BTreeMap::new(),
            accounts: BTreeMap::new(),
            identities: HashMap::new(),
            by_domain: HashMap::new(),
            tombstones: BTreeMap::new(),
            api_keys: BTreeMap::new(),
            nonces: BTreeMap::new(),
            auth_failures: Vec::new(),
            audit: Vec::new(),
            auth_tokens: BTreeMap::new(),
            dictionary: BTreeMap::new(),
            provisioning_tokens: BTreeMap::new(),
            creation_tokens: BTreeMap::new(),
            creation_request_tokens: BTreeMap::new(),
            account_types: BTreeMap::new(),
            account_type_links: BTreeSet::new(),
            account_actions: BTreeMap::new(),
            contacts: BTreeSet::new(),
            contacts_lists: BTreeMap::new(),
            contacts_list_members: BTreeSet::new(),
            contacts_list_attachments: BTreeSet::new(),
            space_email_servers: BTreeMap::new(),
            email_change_codes: BTreeMap::new(),
            phone_change_codes: BTreeMap::new(),
            recovery_codes: BTreeMap::new(),
            registration_codes: BTreeMap::new(),
            reset_password_tokens: BTreeMap::new(),
            account_recovery_tokens: BTreeMap::new(),
            secrets: BTreeMap::new(),
            call_forwardings: BTreeMap::new(),
            external_accounts: BTreeMap::new(),
            voicemails: BTreeMap::new(),
            voicemail_mailing: BTreeMap::new(),
            wizards: BTreeMap::new(),
            statistics_messages: BTreeMap::new(),
            statistics_calls: BTreeMap::new(),
            vcards: BTreeMap::new(),
            carddav_servers: BTreeMap::new(),
            carddav_credentials: BTreeMap::new(),
            // The seed the SQL migrations insert.
            phone_countries: PHONE_COUNTRIES
                .iter()
                .map(|(code, country_code)| {
                    (
                        (*code).to_owned(),
                        PhoneCountry {
                            code: (*code).to_owned(),
                            country_code: (*country_code).to_owned(),
                            activated: false,
                        },
                    )
                })
                .collect(),
        }
    }
}

impl Tables {
    fn next_id(&mut self) -> i64 {
        self.next_id += 1;
        self.next_id
    }

    /// Drops the request tokens whose creation token is gone (the SQL cascade).
    fn drop_orphan_request_tokens(&mut self) {
        let tokens = &self.creation_tokens;
        self.creation_request_tokens.retain(|_, r| {
            r.acc_creation_token_id
                .is_none_or(|id| tokens.contains_key(&id.0))
        });
    }
}

/// Every port, in memory. Cloning is not offered: share it in an `Arc`.
#[derive(Debug, Default)]
pub struct MemoryStorage {
    tables: Mutex<Tables>,
}

impl MemoryStorage {
    fn lock(&self) -> MutexGuard<'_, Tables> {
        // A panic elsewhere while holding the lock cannot leave a half-written row: every
        // operation writes at its end, so the data is still consistent.
        self.tables.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait]
impl Storage for MemoryStorage {
    async fn ping(&self) -> StoreResult<()> {
        Ok(())
    }
}
