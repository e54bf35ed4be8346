//! Row structs, decoded by `FromRow` on every backend, and their conversion into entities.
//!
//! Conversions fail with `StoreError::Backend` on values the domain refuses, so a bad row is an
//! error answer, never a panic.

use chrono::{DateTime, SubsecRound, Utc};
use flexiapi_domain::error::StoreError;
use flexiapi_domain::model::{
    Account, AccountAction, AccountActionId, AccountCreationToken, AccountCreationTokenId,
    AccountId, AccountType, AccountTypeId, AccountTypeKey, ActionCode, ActionKey, ApiKey, ApiKeyId,
    ApiKeyKind, AuthToken, ContactsList, ContactsListId, ContactsListTitle, DigestConfig,
    DigestNonce, Domain, DtmfProtocol, Email, Password, PasswordAlgorithm, PhoneCountry,
    PhoneNumber, ProvisioningToken, ProvisioningTokenId, Space, SpaceId, Username,
};

use crate::error::bad_row;

/// Every backend keeps microseconds (PostgreSQL's and MySQL `DATETIME(6)`'s precision); SQLite
/// text then compares in time order because all values have the same shape.
pub(crate) fn ts(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(6)
}

/// Column list of `SELECT`s, as a literal for `concat!`.
macro_rules! space_columns {
    () => {
        "id, domain, host, name, super, max_accounts, expire_at, \
     digest_realm, digest_default_password_algorithm, settings, jwt, created_at, updated_at"
    };
}
pub(crate) use space_columns;

#[derive(sqlx::FromRow)]
pub(crate) struct SpaceRow {
    id: i64,
    domain: String,
    host: String,
    name: String,
    #[sqlx(rename = "super")]
    super_space: bool,
    max_accounts: i64,
    expire_at: Option<DateTime<Utc>>,
    digest_realm: Option<String>,
    digest_default_password_algorithm: String,
    settings: String,
    jwt: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<SpaceRow> for Space {
    type Error = StoreError;

    fn try_from(r: SpaceRow) -> Result<Self, StoreError> {
        Ok(Space {
            id: SpaceId(r.id),
            domain: Domain::parse(&r.domain).map_err(|e| bad_row("spaces.domain", e))?,
            host: r.host,
            name: r.name,
            super_space: r.super_space,
            max_accounts: r.max_accounts,
            expire_at: r.expire_at,
            digest: DigestConfig {
                realm: r.digest_realm,
                default_password_algorithm: r
                    .digest_default_password_algorithm
                    .parse()
                    .map_err(|e| bad_row("spaces.digest_default_password_algorithm", e))?,
            },
            jwt: r
                .jwt
                .map(|j| serde_json::from_str(&j))
                .transpose()
                .map_err(|e| bad_row("spaces.jwt", e))?,
            settings: serde_json::from_str(&r.settings)
                .map_err(|e| bad_row("spaces.settings", e))?,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Backend(format!("json: {e}")))
}

/// Column list of `SELECT`s, as a literal for `concat!`.
macro_rules! account_columns {
    () => {
        "id, username, domain, email, display_name, activated, \
     blocked, admin, dtmf_protocol, phone, ip_address, user_agent, created_at, updated_at, \
     deactivated_at"
    };
}
pub(crate) use account_columns;

#[derive(sqlx::FromRow)]
pub(crate) struct AccountRow {
    pub(crate) id: i64,
    username: String,
    domain: String,
    email: Option<String>,
    display_name: Option<String>,
    activated: bool,
    blocked: bool,
    admin: bool,
    dtmf_protocol: Option<String>,
    phone: Option<String>,
    ip_address: Option<String>,
    user_agent: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    deactivated_at: Option<DateTime<Utc>>,
}

impl AccountRow {
    pub(crate) fn into_account(self, passwords: Vec<Password>) -> Result<Account, StoreError> {
        Ok(Account {
            id: AccountId(self.id),
            username: Username::parse(&self.username)
                .map_err(|e| bad_row("accounts.username", e))?,
            domain: Domain::parse(&self.domain).map_err(|e| bad_row("accounts.domain", e))?,
            // Unchecked: rows may predate today's rules (see the model's `text_value!`).
            email: self.email.map(Email::unchecked),
            display_name: self.display_name,
            activated: self.activated,
            blocked: self.blocked,
            admin: self.admin,
            dtmf_protocol: self.dtmf_protocol.map(DtmfProtocol::unchecked),
            phone: self.phone.map(PhoneNumber::unchecked),
            ip_address: self.ip_address,
            user_agent: self.user_agent,
            passwords,
            created_at: self.created_at,
            updated_at: self.updated_at,
            deactivated_at: self.deactivated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct PasswordRow {
    pub(crate) account_id: i64,
    password: String,
    algorithm: String,
}

impl PasswordRow {
    /// Account, then algorithm: the order passwords are listed in.
    pub(crate) fn sort_key(&self) -> (i64, &str) {
        (self.account_id, &self.algorithm)
    }
}

impl TryFrom<PasswordRow> for Password {
    type Error = StoreError;

    fn try_from(r: PasswordRow) -> Result<Self, StoreError> {
        Ok(Password {
            algorithm: r
                .algorithm
                .parse::<PasswordAlgorithm>()
                .map_err(|e| bad_row("passwords.algorithm", e))?,
            hash: r.password,
        })
    }
}

/// The account columns of `accounts a`, named as [`AccountRow`] wants them, then its password
/// and algorithm from `LEFT JOIN passwords p`: an account and its passwords in one query.
macro_rules! account_password_columns {
    () => {
        "a.id AS id, a.username AS username, a.domain AS domain, a.email AS email, \
         a.display_name AS display_name, a.activated AS activated, a.blocked AS blocked, \
         a.admin AS admin, a.dtmf_protocol AS dtmf_protocol, a.phone AS phone, \
         a.ip_address AS ip_address, a.user_agent AS user_agent, a.created_at AS created_at, \
         a.updated_at AS updated_at, a.deactivated_at AS deactivated_at, \
         p.password AS password, p.algorithm AS algorithm"
    };
}
pub(crate) use account_password_columns;

/// One row of an account joined with one of its passwords (none: both `None`).
#[derive(sqlx::FromRow)]
pub(crate) struct AccountPasswordRow {
    #[sqlx(flatten)]
    account: AccountRow,
    password: Option<String>,
    algorithm: Option<String>,
}

/// The account of `rows` (all of one account) with its passwords; `None` for no rows.
pub(crate) fn account_from_joined(
    rows: Vec<AccountPasswordRow>,
) -> Result<Option<Account>, StoreError> {
    let mut passwords = Vec::with_capacity(rows.len());
    let mut account = None;
    for row in rows {
        if let (Some(password), Some(algorithm)) = (row.password, row.algorithm) {
            passwords.push(Password::try_from(PasswordRow {
                account_id: row.account.id,
                password,
                algorithm,
            })?);
        }
        account.get_or_insert(row.account);
    }
    account.map(|a| a.into_account(passwords)).transpose()
}

/// One row of the account-details `UNION ALL` (account, kind, id, a, b), added to `details`.
/// Provisioning token rows only name the token: `(account, token id)` goes to `tokens`, the last
/// one of an account (by id) replacing earlier ones, for the caller to read them in full.
pub(crate) fn add_detail_row(
    details: &mut std::collections::BTreeMap<AccountId, flexiapi_domain::model::AccountDetails>,
    tokens: &mut Vec<(i64, i64)>,
    (account_id, kind, id, a, b): (i64, String, i64, String, Option<String>),
) {
    let Some(d) = details.get_mut(&AccountId(account_id)) else {
        return;
    };
    match kind.as_str() {
        "d" => {
            d.dictionary.insert(a, b.unwrap_or_default());
        }
        "t" => d.types.push(AccountType {
            id: AccountTypeId(id),
            key: AccountTypeKey::unchecked(a),
        }),
        "a" => d.actions.push(AccountAction {
            id: AccountActionId(id),
            account_id: AccountId(account_id),
            key: ActionKey::unchecked(a),
            code: ActionCode::unchecked(b.unwrap_or_default()),
        }),
        _ => {
            tokens.retain(|(account, _)| *account != account_id);
            tokens.push((account_id, id));
        }
    }
}

/// Column list of `SELECT`s, as a literal for `concat!`.
macro_rules! api_key_columns {
    () => {
        "id, account_id, key_hash, name, kind, ip, last_used_at, requests, created_at"
    };
}
pub(crate) use api_key_columns;

pub(crate) const KIND_USER: &str = "user";
pub(crate) const KIND_ADMIN: &str = "admin";

/// `(kind, ip)` columns of a key kind.
pub(crate) fn kind_columns(kind: &ApiKeyKind) -> (&'static str, Option<&str>) {
    match kind {
        ApiKeyKind::User { ip } => (KIND_USER, Some(ip)),
        ApiKeyKind::Admin => (KIND_ADMIN, None),
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ApiKeyRow {
    id: i64,
    account_id: i64,
    key_hash: String,
    name: Option<String>,
    kind: String,
    ip: Option<String>,
    last_used_at: DateTime<Utc>,
    requests: i64,
    created_at: DateTime<Utc>,
}

impl TryFrom<ApiKeyRow> for ApiKey {
    type Error = StoreError;

    fn try_from(r: ApiKeyRow) -> Result<Self, StoreError> {
        let kind = match r.kind.as_str() {
            KIND_USER => ApiKeyKind::User {
                ip: r.ip.unwrap_or_default(),
            },
            KIND_ADMIN => ApiKeyKind::Admin,
            other => return Err(bad_row("api_keys.kind", other)),
        };
        Ok(ApiKey {
            id: ApiKeyId(r.id),
            account_id: AccountId(r.account_id),
            key_hash: r.key_hash,
            name: r.name,
            kind,
            last_used_at: r.last_used_at,
            requests: r.requests,
            created_at: r.created_at,
        })
    }
}

/// Column list of `SELECT`s, as a literal for `concat!`.
macro_rules! nonce_columns {
    () => {
        "opaque, nonce, username, domain, ip, nc, uses, created_at"
    };
}
pub(crate) use nonce_columns;

#[derive(sqlx::FromRow)]
pub(crate) struct NonceRow {
    opaque: String,
    nonce: String,
    username: String,
    domain: String,
    ip: String,
    nc: i64,
    uses: i64,
    created_at: DateTime<Utc>,
}

impl From<NonceRow> for DigestNonce {
    fn from(r: NonceRow) -> Self {
        DigestNonce {
            opaque: r.opaque,
            nonce: r.nonce,
            username: r.username,
            domain: r.domain,
            ip: r.ip,
            nc: r.nc,
            uses: r.uses,
            created_at: r.created_at,
        }
    }
}

/// Column list of `SELECT`s, as a literal for `concat!`.
macro_rules! auth_token_columns {
    () => {
        "token, domain, account_id, ip, user_agent, created_at"
    };
}
pub(crate) use auth_token_columns;

#[derive(sqlx::FromRow)]
pub(crate) struct AuthTokenRow {
    token: String,
    /// NULL on rows older than the column: no lookup matches them.
    domain: Option<String>,
    account_id: Option<i64>,
    ip: Option<String>,
    user_agent: Option<String>,
    created_at: DateTime<Utc>,
}

impl TryFrom<AuthTokenRow> for AuthToken {
    type Error = StoreError;

    fn try_from(r: AuthTokenRow) -> Result<Self, StoreError> {
        Ok(AuthToken {
            token: r.token,
            domain: token_domain("auth_tokens.domain", r.domain)?,
            account_id: r.account_id.map(AccountId),
            ip: r.ip,
            user_agent: r.user_agent,
            created_at: r.created_at,
        })
    }
}

/// The domain of a token row; NULL (a row older than the column) is a bad row, though lookups,
/// which all name a domain, never return one.
fn token_domain(column: &'static str, domain: Option<String>) -> Result<Domain, StoreError> {
    Domain::parse(domain.as_deref().unwrap_or_default()).map_err(|e| bad_row(column, e))
}

/// Column list of `SELECT`s, as a literal for `concat!`.
macro_rules! provisioning_token_columns {
    () => {
        "id, account_id, token, used, ip, user_agent, created_at"
    };
}
pub(crate) use provisioning_token_columns;

#[derive(sqlx::FromRow)]
pub(crate) struct ProvisioningTokenRow {
    id: i64,
    account_id: i64,
    token: String,
    used: bool,
    ip: Option<String>,
    user_agent: Option<String>,
    created_at: DateTime<Utc>,
}

impl From<ProvisioningTokenRow> for ProvisioningToken {
    fn from(r: ProvisioningTokenRow) -> Self {
        ProvisioningToken {
            id: ProvisioningTokenId(r.id),
            account_id: AccountId(r.account_id),
            token: r.token,
            used: r.used,
            ip: r.ip,
            user_agent: r.user_agent,
            created_at: r.created_at,
        }
    }
}

/// Column list of `SELECT`s, as a literal for `concat!`.
macro_rules! creation_token_columns {
    () => {
        "id, token, domain, used, account_id, ip, user_agent, created_at, expire_at"
    };
}
pub(crate) use creation_token_columns;

#[derive(sqlx::FromRow)]
pub(crate) struct CreationTokenRow {
    id: i64,
    token: String,
    /// NULL on unattached rows older than the column: no lookup matches them.
    domain: Option<String>,
    used: bool,
    account_id: Option<i64>,
    ip: Option<String>,
    user_agent: Option<String>,
    created_at: DateTime<Utc>,
    expire_at: Option<DateTime<Utc>>,
}

impl TryFrom<CreationTokenRow> for AccountCreationToken {
    type Error = StoreError;

    fn try_from(r: CreationTokenRow) -> Result<Self, StoreError> {
        Ok(AccountCreationToken {
            id: AccountCreationTokenId(r.id),
            token: r.token,
            domain: token_domain("account_creation_tokens.domain", r.domain)?,
            used: r.used,
            account_id: r.account_id.map(AccountId),
            ip: r.ip,
            user_agent: r.user_agent,
            created_at: r.created_at,
            expire_at: r.expire_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct AccountTypeRow {
    id: i64,
    key: String,
}

impl From<AccountTypeRow> for AccountType {
    fn from(r: AccountTypeRow) -> Self {
        AccountType {
            id: AccountTypeId(r.id),
            key: AccountTypeKey::unchecked(r.key),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct AccountActionRow {
    id: i64,
    account_id: i64,
    key: String,
    code: String,
}

impl From<AccountActionRow> for AccountAction {
    fn from(r: AccountActionRow) -> Self {
        AccountAction {
            id: AccountActionId(r.id),
            account_id: AccountId(r.account_id),
            key: ActionKey::unchecked(r.key),
            code: ActionCode::unchecked(r.code),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct PhoneCountryRow {
    code: String,
    country_code: String,
    activated: bool,
}

impl From<PhoneCountryRow> for PhoneCountry {
    fn from(r: PhoneCountryRow) -> Self {
        PhoneCountry {
            code: r.code,
            country_code: r.country_code,
            activated: r.activated,
        }
    }
}

/// Column list of contacts list `SELECT`s over `contacts_lists l`, with the member count, as a
/// literal for `concat!`.
macro_rules! contacts_list_columns {
    () => {
        "l.id, l.space_id, l.title, l.description, l.created_at, l.updated_at, \
         (SELECT COUNT(*) FROM contacts_list_contact m WHERE m.contacts_list_id = l.id) \
         AS contacts_count"
    };
}
pub(crate) use contacts_list_columns;

#[derive(sqlx::FromRow)]
pub(crate) struct ContactsListRow {
    id: i64,
    space_id: i64,
    title: String,
    description: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    contacts_count: i64,
}

impl From<ContactsListRow> for ContactsList {
    fn from(r: ContactsListRow) -> Self {
        ContactsList {
            id: ContactsListId(r.id),
            space_id: SpaceId(r.space_id),
            title: ContactsListTitle::unchecked(r.title),
            description: r.description,
            contacts_count: u64::try_from(r.contacts_count).unwrap_or_default(),
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// The same rows read by a plain SQLite connection ([`crate::sqlite_reader`]), columns in the
/// order of the column lists above.
mod from_sqlite {
    use chrono::{DateTime, Utc};
    use flexiapi_domain::error::StoreError;
    use rusqlite::Row;

    use super::{AccountPasswordRow, AccountRow, ApiKeyRow, NonceRow, ProvisioningTokenRow};
    use crate::sqlite_reader::{decode_ts, sqlite_error};

    fn get<T: rusqlite::types::FromSql>(row: &Row<'_>, i: usize) -> Result<T, StoreError> {
        row.get(i).map_err(sqlite_error)
    }

    fn time(row: &Row<'_>, i: usize, what: &str) -> Result<DateTime<Utc>, StoreError> {
        decode_ts(what, &get::<String>(row, i)?)
    }

    impl AccountRow {
        fn from_sqlite(row: &Row<'_>) -> Result<Self, StoreError> {
            Ok(Self {
                id: get(row, 0)?,
                username: get(row, 1)?,
                domain: get(row, 2)?,
                email: get(row, 3)?,
                display_name: get(row, 4)?,
                activated: get(row, 5)?,
                blocked: get(row, 6)?,
                admin: get(row, 7)?,
                dtmf_protocol: get(row, 8)?,
                phone: get(row, 9)?,
                ip_address: get(row, 10)?,
                user_agent: get(row, 11)?,
                created_at: time(row, 12, "accounts.created_at")?,
                updated_at: time(row, 13, "accounts.updated_at")?,
                deactivated_at: get::<Option<String>>(row, 14)?
                    .map(|t| decode_ts("accounts.deactivated_at", &t))
                    .transpose()?,
            })
        }
    }

    impl AccountPasswordRow {
        pub(crate) fn from_sqlite(row: &Row<'_>) -> Result<Self, StoreError> {
            Ok(Self {
                account: AccountRow::from_sqlite(row)?,
                password: get(row, 15)?,
                algorithm: get(row, 16)?,
            })
        }
    }

    impl ApiKeyRow {
        pub(crate) fn from_sqlite(row: &Row<'_>) -> Result<Self, StoreError> {
            Ok(Self {
                id: get(row, 0)?,
                account_id: get(row, 1)?,
                key_hash: get(row, 2)?,
                name: get(row, 3)?,
                kind: get(row, 4)?,
                ip: get(row, 5)?,
                last_used_at: time(row, 6, "api_keys.last_used_at")?,
                requests: get(row, 7)?,
                created_at: time(row, 8, "api_keys.created_at")?,
            })
        }
    }

    impl NonceRow {
        pub(crate) fn from_sqlite(row: &Row<'_>) -> Result<Self, StoreError> {
            Ok(Self {
                opaque: get(row, 0)?,
                nonce: get(row, 1)?,
                username: get(row, 2)?,
                domain: get(row, 3)?,
                ip: get(row, 4)?,
                nc: get(row, 5)?,
                uses: get(row, 6)?,
                created_at: time(row, 7, "digest_nonces.created_at")?,
            })
        }
    }

    impl ProvisioningTokenRow {
        pub(crate) fn from_sqlite(row: &Row<'_>) -> Result<Self, StoreError> {
            Ok(Self {
                id: get(row, 0)?,
                account_id: get(row, 1)?,
                token: get(row, 2)?,
                used: get(row, 3)?,
                ip: get(row, 4)?,
                user_agent: get(row, 5)?,
                created_at: time(row, 6, "provisioning_tokens.created_at")?,
            })
        }
    }
}
