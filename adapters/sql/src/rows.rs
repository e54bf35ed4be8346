//! Row structs, decoded by `FromRow` on every backend, and their conversion into entities.
//!
//! Conversions fail with `StoreError::Backend` on values the domain refuses, so a bad row is an
//! error answer, never a panic.
//!
//! The rows SQLite's request path also reads (`crate::sqlite`, by column position, which is what
//! makes it cheap) are declared with [`columns!`]: one list gives both the `SELECT` list and the
//! decoding, so the two cannot disagree.

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

/// A row read column after column, in the order of its `SELECT` list: how a plain SQLite
/// connection hands over the rows [`columns!`] declares (sqlx reads them by name instead).
pub(crate) trait ColumnSource {
    /// The next column as an integer; `None` for NULL. `label` (`table.column`) is for errors.
    fn integer(&mut self, label: &'static str) -> Result<Option<i64>, StoreError>;
    /// The next column as text; `None` for NULL.
    fn text(&mut self, label: &'static str) -> Result<Option<String>, StoreError>;
    /// The next column as a time; `None` for NULL.
    fn time(&mut self, label: &'static str) -> Result<Option<DateTime<Utc>>, StoreError>;
}

/// A type of the fields of [`columns!`] rows: how it reads from a [`ColumnSource`].
pub(crate) trait Column: Sized {
    fn read(source: &mut impl ColumnSource, label: &'static str) -> Result<Self, StoreError>;
}

macro_rules! column_types {
    ($($ty:ty => $read:ident),+) => {$(
        impl Column for Option<$ty> {
            fn read(source: &mut impl ColumnSource, label: &'static str) -> Result<Self, StoreError> {
                source.$read(label)
            }
        }

        impl Column for $ty {
            fn read(source: &mut impl ColumnSource, label: &'static str) -> Result<Self, StoreError> {
                source.$read(label)?.ok_or_else(|| bad_row(label, "NULL"))
            }
        }
    )+};
}
column_types!(i64 => integer, String => text, DateTime<Utc> => time);

impl Column for bool {
    fn read(source: &mut impl ColumnSource, label: &'static str) -> Result<Self, StoreError> {
        Ok(i64::read(source, label)? != 0)
    }
}

/// `"a, b, c"` from `a`, `b`, `c` (literals or macros expanding to one), for `concat!`.
macro_rules! comma_list {
    ($first:expr $(, $rest:expr)*) => {
        concat!($first $(, ", ", $rest)*)
    };
}
pub(crate) use comma_list;

/// The one definition of a row's columns, `name: Type` in `SELECT` order, used by a list macro
/// (`account_columns!`, …) that passes its arguments first:
/// - `list!()`: the column list, a literal for `concat!` (`id, username, …`);
/// - `list!(a)`: the same qualified by the table alias `a` for a join (`a.id AS id, …`);
/// - `list!(struct Row in "table")`: declares `Row`, whose fields sqlx reads by name and
///   [`ColumnSource`]s in list order (`Row::read_columns`).
///
/// Reordering, adding or removing a column changes the lists and both decodings at once.
macro_rules! columns {
    (
        ($(#[$attr:meta])* struct $row:ident in $table:literal)
        $($field:ident: $ty:ty),+ $(,)?
    ) => {
        $(#[$attr])*
        #[derive(sqlx::FromRow)]
        pub(crate) struct $row {
            $(pub(crate) $field: $ty,)+
        }

        impl $row {
            /// The row from a source positioned on its first column, the columns in list order.
            pub(crate) fn read_columns(
                source: &mut impl $crate::rows::ColumnSource,
            ) -> Result<Self, flexiapi_domain::error::StoreError> {
                Ok(Self {
                    $($field: <$ty as $crate::rows::Column>::read(
                        source,
                        concat!($table, ".", stringify!($field)),
                    )?,)+
                })
            }
        }
    };
    (() $($field:ident: $ty:ty),+ $(,)?) => {
        $crate::rows::comma_list!($(stringify!($field)),+)
    };
    (($alias:ident) $($field:ident: $ty:ty),+ $(,)?) => {
        $crate::rows::comma_list!($(concat!(
            stringify!($alias), ".", stringify!($field), " AS ", stringify!($field)
        )),+)
    };
}
pub(crate) use columns;

/// Rows of [`columns!`] side by side, each part `name: Row = list(alias)` (from a join), used as
/// [`columns!`] is by a list macro: `list!()` is the parts' qualified lists in order, and
/// `list!(struct Row)` declares `Row` with one field per part (flattened for sqlx), read in the
/// same order.
macro_rules! joined_columns {
    (
        ($(#[$attr:meta])* struct $row:ident)
        $($part:ident: $ty:ident = $list:ident($alias:ident)),+ $(,)?
    ) => {
        $(#[$attr])*
        #[derive(sqlx::FromRow)]
        pub(crate) struct $row {
            $(#[sqlx(flatten)] pub(crate) $part: $ty,)+
        }

        impl $row {
            /// The row from a source positioned on its first column, the parts in list order.
            pub(crate) fn read_columns(
                source: &mut impl $crate::rows::ColumnSource,
            ) -> Result<Self, flexiapi_domain::error::StoreError> {
                Ok(Self {
                    $($part: $ty::read_columns(source)?,)+
                })
            }
        }
    };
    (() $($part:ident: $ty:ident = $list:ident($alias:ident)),+ $(,)?) => {
        $crate::rows::comma_list!($($crate::rows::$list!($alias)),+)
    };
}
pub(crate) use joined_columns;

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

/// The columns of `accounts` (see [`columns!`]).
macro_rules! account_columns {
    ($($how:tt)*) => {
        $crate::rows::columns! { ($($how)*)
            id: i64,
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
    };
}
pub(crate) use account_columns;

account_columns!(struct AccountRow in "accounts");

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

/// The password columns of a `LEFT JOIN passwords` (see [`columns!`]); both NULL for an account
/// without passwords.
macro_rules! joined_password_columns {
    ($($how:tt)*) => {
        $crate::rows::columns! { ($($how)*)
            password: Option<String>,
            algorithm: Option<String>,
        }
    };
}
pub(crate) use joined_password_columns;

joined_password_columns!(struct JoinedPasswordRow in "passwords");

/// `accounts a LEFT JOIN passwords p`: an account and one of its passwords per row, so that an
/// account and its passwords come in one query (see [`joined_columns!`]).
macro_rules! account_password_columns {
    ($($how:tt)*) => {
        $crate::rows::joined_columns! { ($($how)*)
            account: AccountRow = account_columns(a),
            password: JoinedPasswordRow = joined_password_columns(p),
        }
    };
}
pub(crate) use account_password_columns;

account_password_columns!(struct AccountPasswordRow);

/// The account of `rows` (all of one account) with its passwords; `None` for no rows.
pub(crate) fn account_from_joined(
    rows: Vec<AccountPasswordRow>,
) -> Result<Option<Account>, StoreError> {
    let mut passwords = Vec::with_capacity(rows.len());
    let mut account = None;
    for row in rows {
        if let JoinedPasswordRow {
            password: Some(password),
            algorithm: Some(algorithm),
        } = row.password
        {
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
        "e" => d.has_pending_email_change = true,
        "f" => d.has_pending_phone_change = true,
        "c" => d.has_carddav_credentials = true,
        _ => {
            tokens.retain(|(account, _)| *account != account_id);
            tokens.push((account_id, id));
        }
    }
}

/// The columns of `api_keys` (see [`columns!`]).
macro_rules! api_key_columns {
    ($($how:tt)*) => {
        $crate::rows::columns! { ($($how)*)
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
    };
}
pub(crate) use api_key_columns;

api_key_columns!(struct ApiKeyRow in "api_keys");

/// The columns of `api_keys k` prefixed with `k_` (`k.id AS k_id, …`), for a join with the
/// account, whose column names they would collide with.
macro_rules! prefixed_api_key_columns {
    () => {
        "k.id AS k_id, k.account_id AS k_account_id, k.key_hash AS k_key_hash, \
         k.name AS k_name, k.kind AS k_kind, k.ip AS k_ip, k.last_used_at AS k_last_used_at, \
         k.requests AS k_requests, k.created_at AS k_created_at"
    };
}
pub(crate) use prefixed_api_key_columns;

/// [`ApiKeyRow`] read from [`prefixed_api_key_columns!`].
#[derive(sqlx::FromRow)]
pub(crate) struct PrefixedApiKeyRow {
    k_id: i64,
    k_account_id: i64,
    k_key_hash: String,
    k_name: Option<String>,
    k_kind: String,
    k_ip: Option<String>,
    k_last_used_at: DateTime<Utc>,
    k_requests: i64,
    k_created_at: DateTime<Utc>,
}

/// A key, its account and one of the account's passwords (one row per password).
#[derive(sqlx::FromRow)]
pub(crate) struct ApiKeyAccountRow {
    #[sqlx(flatten)]
    key: PrefixedApiKeyRow,
    #[sqlx(flatten)]
    account: AccountPasswordRow,
}

/// The key of `rows` (all of one key) with its account and the account's passwords; `None`
/// for no rows.
pub(crate) fn api_key_account_from_joined(
    rows: Vec<ApiKeyAccountRow>,
) -> Result<Option<(ApiKey, Account)>, StoreError> {
    let mut key = None;
    let mut accounts = Vec::with_capacity(rows.len());
    for row in rows {
        if key.is_none() {
            let k = row.key;
            key = Some(ApiKeyRow {
                id: k.k_id,
                account_id: k.k_account_id,
                key_hash: k.k_key_hash,
                name: k.k_name,
                kind: k.k_kind,
                ip: k.k_ip,
                last_used_at: k.k_last_used_at,
                requests: k.k_requests,
                created_at: k.k_created_at,
            });
        }
        accounts.push(row.account);
    }
    let Some(key) = key else {
        return Ok(None);
    };
    let key = ApiKey::try_from(key)?;
    Ok(account_from_joined(accounts)?.map(|account| (key, account)))
}

pub(crate) const KIND_USER: &str = "user";
pub(crate) const KIND_ADMIN: &str = "admin";

/// `(kind, ip)` columns of a key kind.
pub(crate) fn kind_columns(kind: &ApiKeyKind) -> (&'static str, Option<&str>) {
    match kind {
        ApiKeyKind::User { ip } => (KIND_USER, Some(ip)),
        ApiKeyKind::Admin => (KIND_ADMIN, None),
    }
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

/// The columns of `digest_nonces` (see [`columns!`]).
macro_rules! nonce_columns {
    ($($how:tt)*) => {
        $crate::rows::columns! { ($($how)*)
            opaque: String,
            nonce: String,
            username: String,
            domain: String,
            ip: String,
            nc: i64,
            uses: i64,
            created_at: DateTime<Utc>,
        }
    };
}
pub(crate) use nonce_columns;

nonce_columns!(struct NonceRow in "digest_nonces");

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

/// The columns of `provisioning_tokens` (see [`columns!`]).
macro_rules! provisioning_token_columns {
    ($($how:tt)*) => {
        $crate::rows::columns! { ($($how)*)
            id: i64,
            account_id: i64,
            token: String,
            used: bool,
            ip: Option<String>,
            user_agent: Option<String>,
            created_at: DateTime<Utc>,
        }
    };
}
pub(crate) use provisioning_token_columns;

provisioning_token_columns!(struct ProvisioningTokenRow in "provisioning_tokens");

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
        "id, token, domain, used, account_id, ip, user_agent, created_at, expire_at, \
         pn_provider, pn_param, pn_prid"
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
    pn_provider: Option<String>,
    pn_param: Option<String>,
    pn_prid: Option<String>,
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
            pn_provider: r.pn_provider,
            pn_param: r.pn_param,
            pn_prid: r.pn_prid,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Answers every column, recording which it was asked for, in order.
    #[derive(Default)]
    struct Recorder(Vec<&'static str>);

    impl Recorder {
        fn next(&mut self, label: &'static str) {
            self.0
                .push(label.rsplit_once('.').map_or(label, |(_, column)| column));
        }
    }

    impl ColumnSource for Recorder {
        fn integer(&mut self, label: &'static str) -> Result<Option<i64>, StoreError> {
            self.next(label);
            Ok(Some(1))
        }

        fn text(&mut self, label: &'static str) -> Result<Option<String>, StoreError> {
            self.next(label);
            Ok(Some("x".into()))
        }

        fn time(&mut self, label: &'static str) -> Result<Option<DateTime<Utc>>, StoreError> {
            self.next(label);
            Ok(Some(DateTime::UNIX_EPOCH))
        }
    }

    /// The columns `read` asks for, in order.
    fn read<T>(read: fn(&mut Recorder) -> Result<T, StoreError>) -> Vec<&'static str> {
        let mut recorder = Recorder::default();
        assert!(read(&mut recorder).is_ok());
        recorder.0
    }

    /// The names of the columns of a `SELECT` list (`a.id AS id` names `id`), in order.
    fn names(list: &'static str) -> Vec<&'static str> {
        list.split(", ")
            .map(|column| column.rsplit_once(" AS ").map_or(column, |(_, name)| name))
            .collect()
    }

    #[test]
    fn rows_read_the_columns_of_their_select_list_in_its_order() {
        assert_eq!(read(AccountRow::read_columns), names(account_columns!()));
        assert_eq!(read(AccountRow::read_columns), names(account_columns!(a)));
        assert_eq!(
            read(AccountPasswordRow::read_columns),
            names(account_password_columns!())
        );
        assert_eq!(read(ApiKeyRow::read_columns), names(api_key_columns!()));
        assert_eq!(read(NonceRow::read_columns), names(nonce_columns!()));
        assert_eq!(
            read(ProvisioningTokenRow::read_columns),
            names(provisioning_token_columns!())
        );
        assert_eq!(
            account_password_columns!(),
            concat!(
                "a.id AS id, a.username AS username, a.domain AS domain, a.email AS email, ",
                "a.display_name AS display_name, a.activated AS activated, ",
                "a.blocked AS blocked, a.admin AS admin, a.dtmf_protocol AS dtmf_protocol, ",
                "a.phone AS phone, a.ip_address AS ip_address, a.user_agent AS user_agent, ",
                "a.created_at AS created_at, a.updated_at AS updated_at, ",
                "a.deactivated_at AS deactivated_at, p.password AS password, ",
                "p.algorithm AS algorithm"
            )
        );
    }

    #[test]
    fn a_null_in_a_required_column_is_a_bad_row() {
        struct Nulls;
        impl ColumnSource for Nulls {
            fn integer(&mut self, _: &'static str) -> Result<Option<i64>, StoreError> {
                Ok(None)
            }
            fn text(&mut self, _: &'static str) -> Result<Option<String>, StoreError> {
                Ok(None)
            }
            fn time(&mut self, _: &'static str) -> Result<Option<DateTime<Utc>>, StoreError> {
                Ok(None)
            }
        }
        let err = NonceRow::read_columns(&mut Nulls).err().unwrap();
        assert_eq!(
            err.to_string(),
            bad_row("digest_nonces.opaque", "NULL").to_string()
        );
        assert!(JoinedPasswordRow::read_columns(&mut Nulls).is_ok());
    }
}
