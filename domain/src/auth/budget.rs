//! Budgets: how many failed proofs, or writes anyone may cause without credentials, a key
//! (an account, an account from one address, an address) may spend within a window.
//!
//! Spending is recorded in storage ([`crate::ports::AuthFailureStore`], one row per spending,
//! under a string key), so every process sharing the database enforces one budget; nothing is
//! kept in one process's memory. Checking then recording is not one atomic step: concurrent
//! requests may overshoot a budget by the number in flight, never more.

use std::net::IpAddr;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use crate::error::StoreError;
use crate::model::SipIdentity;
use crate::ports::{Clock, Storage};

/// Failed proofs of a secret (Digest answers, wrong old passwords, unknown API keys and tokens)
/// allowed within `window` before further attempts answer "too many" (each figure: 0, no limit).
#[derive(Debug, Clone, Copy)]
pub struct FailureBudget {
    /// One account from one client address (`auth_failures_per_account`): the lockout a guesser
    /// meets, which leaves the owner's other addresses alone.
    pub per_account: u64,
    /// One account from all addresses together (`auth_failures_per_account_total`): the ceiling
    /// of distributed guessing.
    pub per_account_total: u64,
    /// One client address, whatever the account (`auth_failures_per_ip`).
    pub per_ip: u64,
    pub window: Duration,
}

impl Default for FailureBudget {
    fn default() -> Self {
        Self {
            per_account: 10,
            per_account_total: 1000,
            per_ip: 100,
            window: Duration::minutes(5),
        }
    }
}

/// Rows anyone can make the server store without credentials, per client address within
/// `window` (each figure: 0, no limit).
#[derive(Debug, Clone, Copy)]
pub struct RequestBudget {
    /// Fresh Digest challenges (each stores a nonce): `digest_challenges_per_ip`.
    pub digest_challenges_per_ip: u64,
    /// `POST /accounts/auth_token`: `auth_tokens_per_ip`.
    pub auth_tokens_per_ip: u64,
    pub window: Duration,
    /// Codes the public pages send (sign-up and recovery), per client address:
    /// `codes_sent_per_ip`.
    pub codes_sent_per_ip: u64,
    /// The same per recipient (an e-mail address or a phone number, known or not, so that the
    /// answer is the same for both): `codes_sent_per_recipient`.
    pub codes_sent_per_recipient: u64,
}

impl Default for RequestBudget {
    fn default() -> Self {
        Self {
            digest_challenges_per_ip: 600,
            auth_tokens_per_ip: 30,
            window: Duration::minutes(5),
            codes_sent_per_ip: 10,
            codes_sent_per_recipient: 3,
        }
    }
}

/// A budget is spent; it frees up in `retry_after_seconds` (at least 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("budget spent; retry in {retry_after_seconds} s")]
pub struct Exhausted {
    pub retry_after_seconds: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum BudgetError {
    #[error(transparent)]
    Exhausted(#[from] Exhausted),
    #[error(transparent)]
    Storage(#[from] StoreError),
}

/// One limit: its storage key and how many spendings it allows (0: no limit).
struct Limit {
    key: String,
    max: u64,
}

/// The budgets over one storage. Cheap to clone; the Authenticator and the use cases share it.
#[derive(Clone)]
pub struct Budgets {
    storage: Arc<dyn Storage>,
    clock: Arc<dyn Clock>,
    failures: FailureBudget,
    requests: RequestBudget,
}

/// The address a budget counts: an IPv4 address as is, an IPv6 address by its /64 network (one
/// host usually holds a whole /64, so counting single IPv6 addresses would let it pick a fresh
/// one per attempt). Anything unparsable as is.
pub fn budget_address(ip: &str) -> String {
    match ip.parse::<IpAddr>().map(|a| a.to_canonical()) {
        Ok(IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(v4) => v4.to_string(),
        Err(_) => ip.to_owned(),
    }
}

impl Budgets {
    pub fn new(
        storage: Arc<dyn Storage>,
        clock: Arc<dyn Clock>,
        failures: FailureBudget,
        requests: RequestBudget,
    ) -> Self {
        Self {
            storage,
            clock,
            failures,
            requests,
        }
    }

    pub fn failures(&self) -> &FailureBudget {
        &self.failures
    }

    pub fn requests(&self) -> &RequestBudget {
        &self.requests
    }

    /// The failure limits of an attempt on `account` (if it names one) from `ip`. Keys:
    /// `account-ip:<address> <identity>`, `account:<identity>`, `ip:<address>` (neither an
    /// address nor an identity holds a space).
    fn failure_limits(&self, account: Option<&SipIdentity>, ip: &str) -> Vec<Limit> {
        let address = budget_address(ip);
        let mut limits = Vec::with_capacity(3);
        if let Some(account) = account {
            limits.push(Limit {
                key: format!("account-ip:{address} {account}"),
                max: self.failures.per_account,
            });
            limits.push(Limit {
                key: format!("account:{account}"),
                max: self.failures.per_account_total,
            });
        }
        limits.push(Limit {
            key: format!("ip:{address}"),
            max: self.failures.per_ip,
        });
        limits
    }

    /// `Exhausted` when `account` from this address, `account` from all addresses, or the
    /// address has spent its failure budget.
    ///
    /// # Errors
    /// `Exhausted`, or the storage failure.
    pub async fn check_failures(
        &self,
        account: Option<&SipIdentity>,
        ip: &str,
    ) -> Result<(), BudgetError> {
        self.check(&self.failure_limits(account, ip), self.failures.window)
            .await
    }

    /// Counts one failed attempt on `account` (if any) from `ip`.
    ///
    /// # Errors
    /// The storage failure.
    pub async fn record_failure(
        &self,
        account: Option<&SipIdentity>,
        ip: &str,
    ) -> Result<(), StoreError> {
        self.record(&self.failure_limits(account, ip)).await
    }

    /// Spends one fresh Digest challenge of the address's budget.
    ///
    /// # Errors
    /// `Exhausted` (nothing spent), or the storage failure.
    pub async fn spend_challenge(&self, ip: &str) -> Result<(), BudgetError> {
        let limits = [Limit {
            key: format!("challenge:{}", budget_address(ip)),
            max: self.requests.digest_challenges_per_ip,
        }];
        self.spend(&limits).await
    }

    /// Spends one auth token creation of the address's budget.
    ///
    /// # Errors
    /// `Exhausted` (nothing spent), or the storage failure.
    pub async fn spend_auth_token(&self, ip: &str) -> Result<(), BudgetError> {
        let limits = [Limit {
            key: format!("auth-token:{}", budget_address(ip)),
            max: self.requests.auth_tokens_per_ip,
        }];
        self.spend(&limits).await
    }

    /// Spends one code sent to `recipient` on behalf of `ip` (both budgets, or neither).
    ///
    /// # Errors
    /// `Exhausted` (nothing spent), or the storage failure.
    pub async fn spend_code(&self, recipient: &str, ip: &str) -> Result<(), BudgetError> {
        let limits = [
            Limit {
                key: format!("code-ip:{}", budget_address(ip)),
                max: self.requests.codes_sent_per_ip,
            },
            Limit {
                key: format!("code-to:{}", recipient.to_lowercase()),
                max: self.requests.codes_sent_per_recipient,
            },
        ];
        self.spend(&limits).await
    }

    /// Deletes spendings older than the longest window; returns how many.
    ///
    /// # Errors
    /// The storage failure.
    pub async fn purge(&self) -> Result<u64, StoreError> {
        let longest = self.failures.window.max(self.requests.window);
        self.storage
            .purge_auth_failures(self.clock.now() - longest)
            .await
    }

    async fn spend(&self, limits: &[Limit]) -> Result<(), BudgetError> {
        self.check(limits, self.requests.window).await?;
        self.record(limits).await?;
        Ok(())
    }

    async fn check(&self, limits: &[Limit], window: Duration) -> Result<(), BudgetError> {
        let limited: Vec<&Limit> = limits.iter().filter(|l| l.max > 0).collect();
        if limited.is_empty() {
            return Ok(());
        }
        let now = self.clock.now();
        let keys: Vec<&str> = limited.iter().map(|l| l.key.as_str()).collect();
        let counts = self
            .storage
            .auth_failures_since(&keys, now - window)
            .await?;
        let retry_after = limited
            .iter()
            .zip(counts)
            .filter(|(limit, (count, _))| *count >= limit.max)
            .map(|(_, (_, oldest))| seconds_until(oldest.unwrap_or(now) + window, now))
            .max();
        match retry_after {
            Some(retry_after_seconds) => Err(Exhausted {
                retry_after_seconds,
            }
            .into()),
            None => Ok(()),
        }
    }

    async fn record(&self, limits: &[Limit]) -> Result<(), StoreError> {
        let now = self.clock.now();
        for limit in limits.iter().filter(|l| l.max > 0) {
            self.storage.record_auth_failure(&limit.key, now).await?;
        }
        Ok(())
    }
}

/// Whole seconds from `now` to `at`, rounded up, at least 1.
fn seconds_until(at: DateTime<Utc>, now: DateTime<Utc>) -> u64 {
    ((at - now).num_milliseconds().max(0) as u64)
        .div_ceil(1000)
        .max(1)
}
