//! Accounts: one SIP identity in one space, with its passwords.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::{
    Domain, DtmfProtocol, Email, Password, PasswordAlgorithm, PhoneNumber, SipIdentity, Username,
};

/// Database identifier of an account (`accounts.id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId(pub i64);

/// An account as stored, with its passwords (at most one per algorithm).
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    pub id: AccountId,
    pub username: Username,
    pub domain: Domain,
    pub email: Option<Email>,
    pub display_name: Option<String>,
    pub activated: bool,
    pub blocked: bool,
    pub admin: bool,
    pub dtmf_protocol: Option<DtmfProtocol>,
    pub phone: Option<PhoneNumber>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub passwords: Vec<Password>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When an admin deactivated the account (`None`: never, or activated again since). Only an
    /// admin activates such an account again: provisioning and password changes activate an
    /// account that was never activated (a registration), not this one.
    pub deactivated_at: Option<DateTime<Utc>>,
}

impl Account {
    pub fn identity(&self) -> SipIdentity {
        SipIdentity::new(self.username.clone(), self.domain.clone())
    }

    pub fn password(&self, algorithm: PasswordAlgorithm) -> Option<&Password> {
        self.passwords.iter().find(|p| p.algorithm == algorithm)
    }

    /// Algorithms this account has a password for, strongest first (the challenge order).
    pub fn algorithms(&self) -> Vec<PasswordAlgorithm> {
        let mut algs: Vec<_> = self.passwords.iter().map(|p| p.algorithm).collect();
        algs.sort_by_key(|a| std::cmp::Reverse(a.strength()));
        algs.dedup();
        algs
    }
}

/// What a new account is made of; the repository assigns the id and timestamps.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAccount {
    pub username: Username,
    pub domain: Domain,
    pub email: Option<Email>,
    pub display_name: Option<String>,
    pub activated: bool,
    pub blocked: bool,
    pub admin: bool,
    pub dtmf_protocol: Option<DtmfProtocol>,
    pub phone: Option<PhoneNumber>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub passwords: Vec<Password>,
    /// Dictionary entries, written in the account's transaction.
    pub dictionary: BTreeMap<String, String>,
    /// An account creation token of the account's domain, spent in the account's transaction
    /// (marked used and linked to the new account); the creation fails with `TokenSpent` when it is no longer spendable.
    pub creation_token: Option<String>,
}

impl NewAccount {
    /// A minimal activated or not account with no password, for callers that fill the rest.
    pub fn new(username: Username, domain: Domain) -> Self {
        Self {
            username,
            domain,
            email: None,
            display_name: None,
            activated: false,
            blocked: false,
            admin: false,
            dtmf_protocol: None,
            phone: None,
            ip_address: None,
            user_agent: None,
            passwords: Vec::new(),
            dictionary: BTreeMap::new(),
            creation_token: None,
        }
    }

    /// The account this becomes once stored under `id` at `now`; the dictionary and the creation
    /// token are stored apart.
    pub fn into_account(self, id: AccountId, now: DateTime<Utc>) -> Account {
        Account {
            id,
            username: self.username,
            domain: self.domain,
            email: self.email,
            display_name: self.display_name,
            activated: self.activated,
            blocked: self.blocked,
            admin: self.admin,
            dtmf_protocol: self.dtmf_protocol,
            phone: self.phone,
            ip_address: self.ip_address,
            user_agent: self.user_agent,
            passwords: self.passwords,
            created_at: now,
            updated_at: now,
            deactivated_at: None,
        }
    }
}

/// The fields an account update replaces (the original's `PUT` semantics: everything is sent).
#[derive(Debug, Clone, PartialEq)]
pub struct AccountChanges {
    pub username: Username,
    pub email: Option<Email>,
    pub display_name: Option<String>,
    pub activated: bool,
    pub blocked: bool,
    pub admin: bool,
    pub dtmf_protocol: Option<DtmfProtocol>,
    pub phone: Option<PhoneNumber>,
    pub user_agent: Option<String>,
    /// `Some` replaces every stored password with these.
    pub passwords: Option<Vec<Password>>,
    /// `Some` replaces every dictionary entry with these (`Some(empty)` clears them).
    pub dictionary: Option<BTreeMap<String, String>>,
    /// See [`Account::deactivated_at`].
    pub deactivated_at: Option<DateTime<Utc>>,
}

impl AccountChanges {
    /// The changes that leave `account` as it is.
    pub fn unchanged(account: &Account) -> Self {
        Self {
            username: account.username.clone(),
            email: account.email.clone(),
            display_name: account.display_name.clone(),
            activated: account.activated,
            blocked: account.blocked,
            admin: account.admin,
            dtmf_protocol: account.dtmf_protocol.clone(),
            phone: account.phone.clone(),
            user_agent: account.user_agent.clone(),
            passwords: None,
            dictionary: None,
            deactivated_at: account.deactivated_at,
        }
    }
}

/// Which accounts of a domain a listing returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountQuery {
    pub domain: Domain,
    /// Matches username, email or phone, case-insensitively, as a substring.
    pub search: Option<String>,
    /// 1-based.
    pub page: u64,
    pub per_page: u64,
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

impl<T> Page<T> {
    pub fn last_page(&self) -> u64 {
        self.total.div_ceil(self.per_page.max(1)).max(1)
    }
}
