//! Authentication: who is calling. The three strategies (JWT bearer, API key, Digest) live in
//! their modules; [`Authenticator`] applies them to the credentials a request presented.
//!
//! The HTTP adapter only turns headers into [`Credentials`] and [`AuthError`]s into statuses.

pub mod budget;
pub mod digest;
pub mod jwt;
mod usage;

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use subtle::ConstantTimeEq;

use crate::error::StoreError;
use crate::model::{
    Account, ApiKeyId, ApiKeyKind, DigestNonce, Email, PasswordAlgorithm, SipIdentity, Space,
    hash_api_key,
};
use crate::ports::{Clock, Storage, TokenSource};
pub use budget::{BudgetError, Budgets, Exhausted, FailureBudget, RequestBudget};
use digest::{DigestChallenge, DigestParseError};
pub use jwt::JwtFailure;
pub use usage::ApiKeyUsageBuffer;

/// Compares two secrets without leaking where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// What a request presented, already picked by precedence: a bearer token first, then an API key
/// (header before cookie), else whatever Digest needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    Bearer(String),
    ApiKey {
        key: String,
        from_cookie: bool,
    },
    Digest {
        from: Option<String>,
        authorization: Option<String>,
    },
}

/// Which credentials an endpoint accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    /// User endpoints: JWT, API key or Digest (or JWT only, when the space says so).
    User,
    /// Admin and super-admin endpoints: API keys only, as the original.
    ApiKeyOnly,
}

/// The request facts authentication depends on.
#[derive(Debug, Clone, Copy)]
pub struct RequestContext<'a> {
    pub method: &'a str,
    /// Path with its query, as the client sent it (Digest signs it).
    pub uri: &'a str,
    pub ip: &'a str,
    /// The space resolved from the `Host` header (shared, not copied, per request).
    pub space: &'a Arc<Space>,
}

/// How the caller proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    Jwt,
    ApiKey { id: ApiKeyId, from_cookie: bool },
    Digest,
}

/// A caller whose credentials checked out (access rules not applied yet).
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub account: Account,
    /// The space the account belongs to (its domain's space).
    pub account_space: Arc<Space>,
    pub method: AuthMethod,
    /// Digest only: the challenges to repeat on the response, same nonce and opaque, so the
    /// client goes on with `nc + 1` without another round trip.
    pub challenges: Vec<DigestChallenge>,
}

/// Why authentication failed. Digest failures carry the fresh challenges to send.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("From header missing")]
    MissingFrom,
    #[error("From header is not a SIP address")]
    InvalidFrom,
    #[error("no Authorization header")]
    Unauthenticated { challenges: Vec<DigestChallenge> },
    #[error("malformed Digest Authorization header")]
    MalformedAuthorization { challenges: Vec<DigestChallenge> },
    #[error("unknown or foreign opaque")]
    InvalidOpaque { challenges: Vec<DigestChallenge> },
    #[error("nonce replayed")]
    NonceReplayed { challenges: Vec<DigestChallenge> },
    #[error("no password for that algorithm")]
    WrongAlgorithm { challenges: Vec<DigestChallenge> },
    #[error("wrong Digest credentials")]
    InvalidCredentials { challenges: Vec<DigestChallenge> },
    #[error("stale nonce")]
    StaleNonce { challenges: Vec<DigestChallenge> },
    #[error("invalid API key")]
    InvalidApiKey,
    #[error("API key required")]
    ApiKeyRequired,
    #[error("invalid bearer token: {0:?}")]
    InvalidToken(JwtFailure),
    #[error("bearer token given but no JWT issuer is configured")]
    JwtNotConfigured,
    #[error("this space accepts JWT bearer tokens only")]
    JwtRequired,
    #[error("the token matches no account")]
    JwtUnknownAccount,
    /// Too many failed attempts for this account or from this address within the window.
    #[error("too many failed authentications; retry in {retry_after_seconds} s")]
    TooManyFailures { retry_after_seconds: u64 },
    /// This address asked for too many fresh Digest challenges within the window.
    #[error("too many challenges requested; retry in {retry_after_seconds} s")]
    TooManyRequests { retry_after_seconds: u64 },
    #[error(transparent)]
    Storage(#[from] StoreError),
}

impl From<BudgetError> for AuthError {
    /// A spent failure budget.
    fn from(e: BudgetError) -> Self {
        match e {
            BudgetError::Exhausted(Exhausted {
                retry_after_seconds,
            }) => Self::TooManyFailures {
                retry_after_seconds,
            },
            BudgetError::Storage(s) => Self::Storage(s),
        }
    }
}

impl AuthError {
    /// The Digest challenges to send with this failure, if any.
    pub fn challenges(&self) -> &[DigestChallenge] {
        match self {
            Self::Unauthenticated { challenges }
            | Self::MalformedAuthorization { challenges }
            | Self::InvalidOpaque { challenges }
            | Self::NonceReplayed { challenges }
            | Self::WrongAlgorithm { challenges }
            | Self::InvalidCredentials { challenges }
            | Self::StaleNonce { challenges } => challenges,
            _ => &[],
        }
    }
}

/// Tunables of authentication.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// A user API key unused for this long is dead (`api_key_expiration_minutes`).
    pub user_api_key_ttl: Duration,
    /// A Digest nonce older than this is stale.
    pub nonce_ttl: Duration,
    /// A Digest nonce used this many times is stale.
    pub nonce_max_uses: i64,
    /// The brute-force budget.
    pub failures: FailureBudget,
    /// The budget of fresh Digest challenges (and auth tokens, spent by the use cases).
    pub requests: RequestBudget,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            user_api_key_ttl: Duration::minutes(60),
            nonce_ttl: Duration::hours(1),
            nonce_max_uses: 10_000,
            failures: FailureBudget::default(),
            requests: RequestBudget::default(),
        }
    }
}

/// Applies the strategies. Cheap to clone.
#[derive(Clone)]
pub struct Authenticator {
    storage: Arc<dyn Storage>,
    clock: Arc<dyn Clock>,
    tokens: Arc<dyn TokenSource>,
    settings: AuthSettings,
    budgets: Budgets,
    usage: Arc<ApiKeyUsageBuffer>,
    jwt_cache: Arc<jwt::JwtCache>,
}

/// Where the Digest realm and algorithms of an identity come from.
struct DigestTarget {
    identity: SipIdentity,
    account: Option<(Account, Arc<Space>)>,
    realm: String,
    algorithms: Vec<PasswordAlgorithm>,
}

impl Authenticator {
    pub fn new(
        storage: Arc<dyn Storage>,
        clock: Arc<dyn Clock>,
        tokens: Arc<dyn TokenSource>,
        settings: AuthSettings,
    ) -> Self {
        let budgets = Budgets::new(
            storage.clone(),
            clock.clone(),
            settings.failures,
            settings.requests,
        );
        Self {
            storage,
            clock,
            tokens,
            settings,
            budgets,
            usage: Arc::new(ApiKeyUsageBuffer::default()),
            jwt_cache: Arc::new(jwt::JwtCache::default()),
        }
    }

    pub fn settings(&self) -> &AuthSettings {
        &self.settings
    }

    /// The budgets this authenticator spends, to share with the use cases.
    pub fn budgets(&self) -> &Budgets {
        &self.budgets
    }

    /// The pending API key usage, to be flushed to storage now and then.
    pub fn usage(&self) -> &Arc<ApiKeyUsageBuffer> {
        &self.usage
    }

    /// Entries in the cache of verified JWTs (tests check that clients cannot grow it).
    #[doc(hidden)]
    pub fn jwt_cache_len(&self) -> usize {
        self.jwt_cache.len()
    }

    /// Checks `credentials` for an endpoint of the given mode.
    ///
    /// # Errors
    /// The [`AuthError`] explaining the refusal.
    pub async fn authenticate(
        &self,
        credentials: Credentials,
        mode: AuthMode,
        ctx: &RequestContext<'_>,
    ) -> Result<Authenticated, AuthError> {
        match (mode, credentials) {
            (AuthMode::ApiKeyOnly, Credentials::ApiKey { key, from_cookie }) => {
                self.counting_failures(self.api_key(&key, from_cookie, ctx).await, ctx)
                    .await
            }
            (AuthMode::ApiKeyOnly, _) => Err(AuthError::ApiKeyRequired),
            (AuthMode::User, Credentials::Bearer(token)) => {
                self.counting_failures(self.bearer(&token, ctx).await, ctx)
                    .await
            }
            (AuthMode::User, _) if ctx.space.jwt.as_ref().is_some_and(|j| j.jwt_only) => {
                Err(AuthError::JwtRequired)
            }
            (AuthMode::User, Credentials::ApiKey { key, from_cookie }) => {
                self.counting_failures(self.api_key(&key, from_cookie, ctx).await, ctx)
                    .await
            }
            (
                AuthMode::User,
                Credentials::Digest {
                    from,
                    authorization,
                },
            ) => {
                self.digest(from.as_deref(), authorization.as_deref(), ctx)
                    .await
            }
        }
    }

    /// API keys and bearer tokens cannot be guessed, so only failures pay for the budget check:
    /// the first `per_ip` wrong ones in a window are refused as such, later ones as too many.
    async fn counting_failures(
        &self,
        outcome: Result<Authenticated, AuthError>,
        ctx: &RequestContext<'_>,
    ) -> Result<Authenticated, AuthError> {
        match outcome {
            Err(e @ (AuthError::InvalidApiKey | AuthError::InvalidToken(_))) => {
                self.budgets.check_failures(None, ctx.ip).await?;
                self.budgets.record_failure(None, ctx.ip).await?;
                Err(e)
            }
            other => other,
        }
    }

    /// Purges budget spendings older than the longest window; returns how many.
    ///
    /// # Errors
    /// The storage failure.
    pub async fn purge_failures(&self) -> Result<u64, StoreError> {
        self.budgets.purge().await
    }

    /// The account with its space. Most callers belong to the request's space, which the HTTP
    /// layer has already loaded: reuse it rather than query it again on every request.
    async fn with_space(
        &self,
        account: Account,
        request_space: &Arc<Space>,
    ) -> Result<(Account, Arc<Space>), AuthError> {
        if account.domain == request_space.domain {
            return Ok((account, request_space.clone()));
        }
        let space = self
            .storage
            .space_by_domain(&account.domain)
            .await?
            .ok_or_else(|| StoreError::Backend("account without a space".into()))?;
        Ok((account, Arc::new(space)))
    }

    async fn bearer(
        &self,
        token: &str,
        ctx: &RequestContext<'_>,
    ) -> Result<Authenticated, AuthError> {
        let config = ctx.space.jwt.as_ref().ok_or(AuthError::JwtNotConfigured)?;
        let subject = self
            .jwt_cache
            .verify(ctx.space.id, token, config, self.clock.now().timestamp())
            .map_err(AuthError::InvalidToken)?;
        // The issuer is trusted by this space only: it may name accounts of this space, never
        // of another (least of all a super space's admin).
        let account = match subject {
            jwt::JwtSubject::Sip(id) if id.domain == ctx.space.domain => {
                self.storage
                    .account_by_identity(&id.username, &id.domain)
                    .await?
            }
            jwt::JwtSubject::Sip(_) => None,
            // Any text: compared with stored addresses, some older than today's rule.
            jwt::JwtSubject::Email(email) => {
                self.storage
                    .account_by_email(&ctx.space.domain, &Email::unchecked(email))
                    .await?
            }
            jwt::JwtSubject::None => None,
        };
        let (account, account_space) = self
            .with_space(account.ok_or(AuthError::JwtUnknownAccount)?, ctx.space)
            .await?;
        Ok(Authenticated {
            account,
            account_space,
            method: AuthMethod::Jwt,
            challenges: Vec::new(),
        })
    }

    async fn api_key(
        &self,
        key: &str,
        from_cookie: bool,
        ctx: &RequestContext<'_>,
    ) -> Result<Authenticated, AuthError> {
        let now = self.clock.now();
        let (stored, account) = self
            .storage
            .api_key_with_account(&hash_api_key(key))
            .await?
            .ok_or(AuthError::InvalidApiKey)?;
        if let ApiKeyKind::User { ip } = &stored.kind {
            if ip != ctx.ip {
                return Err(AuthError::InvalidApiKey);
            }
            let last_used = self
                .usage
                .last_used(stored.id)
                .map_or(stored.last_used_at, |pending| {
                    pending.max(stored.last_used_at)
                });
            if last_used + self.settings.user_api_key_ttl < now {
                self.storage.delete_api_key(stored.id).await?;
                self.usage.forget(stored.id);
                return Err(AuthError::InvalidApiKey);
            }
        }
        self.usage.record(stored.id, now);
        let (account, account_space) = self.with_space(account, ctx.space).await?;
        Ok(Authenticated {
            account,
            account_space,
            method: AuthMethod::ApiKey {
                id: stored.id,
                from_cookie,
            },
            challenges: Vec::new(),
        })
    }

    /// Digest authenticates accounts of the request's space only: an identity of another domain
    /// is challenged exactly as an unknown user of this space. Unknown users look like accounts
    /// with the space's algorithm, and cost the same storage reads (no extra space lookup).
    async fn digest_target(
        &self,
        identity: SipIdentity,
        request_space: &Arc<Space>,
    ) -> Result<DigestTarget, AuthError> {
        let account = if identity.domain == request_space.domain {
            self.storage
                .account_by_identity(&identity.username, &identity.domain)
                .await?
        } else {
            None
        };
        let algorithms = match &account {
            Some(a) if !a.algorithms().is_empty() => a.algorithms(),
            _ => vec![request_space.digest.default_password_algorithm],
        };
        Ok(DigestTarget {
            identity,
            account: account.map(|a| (a, request_space.clone())),
            realm: request_space.realm().to_owned(),
            algorithms,
        })
    }

    /// Stores a new nonce/opaque pair for this identity and IP and returns its challenges.
    async fn issue_challenges(
        &self,
        target: &DigestTarget,
        ip: &str,
        stale: bool,
    ) -> Result<Vec<DigestChallenge>, AuthError> {
        self.budgets
            .spend_challenge(ip)
            .await
            .map_err(|e| match e {
                BudgetError::Exhausted(Exhausted {
                    retry_after_seconds,
                }) => AuthError::TooManyRequests {
                    retry_after_seconds,
                },
                BudgetError::Storage(s) => AuthError::Storage(s),
            })?;
        let nonce = DigestNonce {
            opaque: self.tokens.hex(32),
            nonce: self.tokens.hex(32),
            username: target.identity.username.as_str().to_owned(),
            domain: target.identity.domain.as_str().to_owned(),
            ip: ip.to_owned(),
            nc: 0,
            uses: 0,
            created_at: self.clock.now(),
        };
        self.storage.insert_nonce(nonce.clone()).await?;
        Ok(digest::challenges(
            &target.realm,
            &target.algorithms,
            &nonce.nonce,
            &nonce.opaque,
            stale,
        ))
    }

    async fn digest(
        &self,
        from: Option<&str>,
        authorization: Option<&str>,
        ctx: &RequestContext<'_>,
    ) -> Result<Authenticated, AuthError> {
        let from = from
            .filter(|f| !f.trim().is_empty())
            .ok_or(AuthError::MissingFrom)?;
        let identity = SipIdentity::parse_from_header(from).map_err(|_| AuthError::InvalidFrom)?;
        let target = self.digest_target(identity, ctx.space).await?;

        let Some(authorization) = authorization else {
            let challenges = self.issue_challenges(&target, ctx.ip, false).await?;
            return Err(AuthError::Unauthenticated { challenges });
        };
        let response = match digest::parse_authorization(authorization) {
            Ok(r) => r,
            Err(DigestParseError::NotDigest | DigestParseError::Missing(_)) => {
                let challenges = self.issue_challenges(&target, ctx.ip, false).await?;
                return Err(AuthError::MalformedAuthorization { challenges });
            }
        };
        // Passwords can be guessed: every answer is checked against the budget (this account
        // from this address, this account in all, this address), known account or not, so a
        // guess never learns more than "too many".
        self.budgets
            .check_failures(Some(&target.identity), ctx.ip)
            .await?;

        let stored = self.storage.nonce_by_opaque(&response.opaque).await?;
        let stored = match stored {
            Some(n)
                if n.ip == ctx.ip
                    && n.username == target.identity.username.as_str()
                    && n.domain == target.identity.domain.as_str()
                    && constant_time_eq(n.nonce.as_bytes(), response.nonce.as_bytes()) =>
            {
                n
            }
            _ => {
                let challenges = self.issue_challenges(&target, ctx.ip, false).await?;
                return Err(AuthError::InvalidOpaque { challenges });
            }
        };

        let algorithm = match response.algorithm.as_deref() {
            None => Some(PasswordAlgorithm::Md5),
            Some(a) if a.eq_ignore_ascii_case("MD5") => Some(PasswordAlgorithm::Md5),
            Some(a) if a.eq_ignore_ascii_case("SHA-256") => Some(PasswordAlgorithm::Sha256),
            Some(_) => None,
        };
        // An algorithm outside the challenge is refused as such, for known and unknown accounts
        // alike; within it, a missing password looks like a wrong one.
        let algorithm = algorithm.filter(|alg| target.algorithms.contains(alg));
        let password = algorithm.and_then(|alg| {
            target
                .account
                .as_ref()
                .and_then(|(account, _)| account.password(alg).cloned())
        });
        let nc = digest::parse_nc(&response.nc);
        let fields_ok = response.username == target.identity.username.as_str()
            && response.realm == target.realm
            && response.uri == ctx.uri
            && response.qop.eq_ignore_ascii_case("auth")
            && !response.cnonce.is_empty()
            && nc.is_some();

        let Some(password) = password else {
            self.budgets
                .record_failure(Some(&target.identity), ctx.ip)
                .await?;
            let challenges = self.issue_challenges(&target, ctx.ip, false).await?;
            // An unknown account must look like a known one with a wrong password.
            return Err(match algorithm {
                None => AuthError::WrongAlgorithm { challenges },
                Some(_) => AuthError::InvalidCredentials { challenges },
            });
        };
        let expected =
            digest::expected_response(password.algorithm, &password.hash, ctx.method, &response);
        if !fields_ok || !constant_time_eq(expected.as_bytes(), response.response.as_bytes()) {
            self.budgets
                .record_failure(Some(&target.identity), ctx.ip)
                .await?;
            let challenges = self.issue_challenges(&target, ctx.ip, false).await?;
            return Err(AuthError::InvalidCredentials { challenges });
        }

        let now = self.clock.now();
        if self.is_stale(&stored, now) {
            self.storage.delete_nonce(&stored.opaque).await?;
            let challenges = self.issue_challenges(&target, ctx.ip, true).await?;
            return Err(AuthError::StaleNonce { challenges });
        }
        let nc = nc.unwrap_or_default();
        if !self.storage.advance_nonce(&stored.opaque, nc).await? {
            self.storage.delete_nonce(&stored.opaque).await?;
            let challenges = self.issue_challenges(&target, ctx.ip, false).await?;
            return Err(AuthError::NonceReplayed { challenges });
        }

        let challenges = digest::challenges(
            &target.realm,
            &target.algorithms,
            &stored.nonce,
            &stored.opaque,
            false,
        );
        let (account, account_space) = target
            .account
            .ok_or_else(|| StoreError::Backend("password without account".into()))?;
        Ok(Authenticated {
            account,
            account_space,
            method: AuthMethod::Digest,
            challenges,
        })
    }

    fn is_stale(&self, nonce: &DigestNonce, now: DateTime<Utc>) -> bool {
        nonce.created_at + self.settings.nonce_ttl <= now
            || nonce.uses >= self.settings.nonce_max_uses
    }

    /// Removes expired nonces and idle user API keys; returns how many of each.
    ///
    /// # Errors
    /// The storage failure.
    pub async fn purge_expired(&self) -> Result<(u64, u64), StoreError> {
        let now = self.clock.now();
        let nonces = self
            .storage
            .purge_nonces(now - self.settings.nonce_ttl)
            .await?;
        let keys = self
            .storage
            .purge_idle_user_api_keys(now - self.settings.user_api_key_ttl)
            .await?;
        Ok((nonces, keys))
    }

    /// Writes the coalesced API key usage to storage.
    ///
    /// # Errors
    /// The storage failure (the usage is put back to be retried).
    pub async fn flush_usage(&self) -> Result<(), StoreError> {
        let pending = self.usage.drain();
        if pending.is_empty() {
            return Ok(());
        }
        if let Err(e) = self.storage.record_api_key_usage(&pending).await {
            self.usage.restore(&pending);
            return Err(e);
        }
        Ok(())
    }
}
