//! The port implementations: written once in [`impl_storage!`] with `?` placeholders and expanded
//! per backend, each backend supplying the few things its dialect does differently (placeholder
//! syntax, how an insert returns its id, how a write transaction starts, row locking).

use sqlx::mysql::{MySql, MySqlConnection, MySqlPool};
use sqlx::postgres::{PgConnection, PgPool, Postgres};
use sqlx::query::Query;
use sqlx::sqlite::{Sqlite, SqliteConnection, SqlitePool};
use sqlx::{AssertSqlSafe, Database, Row, SqlSafeStr, SqlStr, Transaction};
use std::sync::Arc;

use crate::sqlite_reader::SqliteReader;

/// Every port on one backend. Expects on `$storage` the inherent items `sql`, `insert_sql`,
/// `identifiers`, `insert_id`, `begin_write`, `writer` (the pool of statements that write),
/// `RETURNING`, `ANALYZE_ACCOUNTS`, `LOCK_SPACE`, `LOCK_SUPER_SPACES` and
/// `UPSERT_DICTIONARY_ENTRY`. Identifiers that
/// are reserved words (`key`) are double-quoted; `sql` and `identifiers` turn them into backticks
/// for MySQL.
macro_rules! impl_storage {
    ($storage:ident, $db:ty) => {
        const _: () = {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use flexiapi_domain::error::{Conflict, StoreError};
            use flexiapi_domain::model::{
                Account, AccountChanges, AccountDetails, AccountId, AccountQuery, ApiKey, ApiKeyId,
                ApiKeyUsage,
                AuthToken, DigestNonce, Domain, NewAccount, NewApiKey, NewProvisioningToken,
                NewSpace, Page, Password, ProvisioningToken, Space, Username, AccountAction,
                AccountActionId, AccountCreationToken, AccountType, AccountTypeId,
                NewAccountCreationToken, PhoneCountry, ContactsList, ContactsListId, SpaceId,
            };
            use flexiapi_domain::ports::{
                AccountActionRepository, AccountCreationTokenRepository, AccountTypeRepository,
                ContactRepository, ContactsListRepository, PhoneCountryRepository,
            };
            use flexiapi_domain::ports::{
                AccountRepository, ApiKeyRepository, AuthTokenRepository, DictionaryRepository,
                NonceStore, ProvisioningTokenRepository, SpaceRepository, Storage, StoreResult,
            };
            use flexiapi_domain::ports::{AuditRepository, AuthFailureStore};
            use std::collections::BTreeMap;

            use crate::error::{is_unique_violation, not_found_on_foreign_key, store_error, unique_as};
            use crate::rows::*;

            type Conn = <$db as sqlx::Database>::Connection;

            impl $storage {
                async fn conn(&self) -> StoreResult<sqlx::pool::PoolConnection<$db>> {
                    self.pool.acquire().await.map_err(store_error)
                }

                /// A connection for a write outside a transaction.
                async fn write_conn(&self) -> StoreResult<sqlx::pool::PoolConnection<$db>> {
                    self.writer().acquire().await.map_err(store_error)
                }

                async fn write(&self) -> StoreResult<sqlx::Transaction<'static, $db>> {
                    self.begin_write().await.map_err(store_error)
                }

                /// Locks the super spaces until the end of the transaction (SQLite: its
                /// `BEGIN IMMEDIATE` already did) and says whether the space with id `id` is the
                /// only one: of racing deletions or demotions, the later one sees the earlier.
                async fn is_last_super_space(conn: &mut Conn, id: i64) -> StoreResult<bool> {
                    let supers: Vec<i64> = sqlx::query_scalar(Self::sql(Self::LOCK_SUPER_SPACES))
                        .fetch_all(&mut *conn)
                        .await
                        .map_err(store_error)?;
                    Ok(supers == [id])
                }

                async fn space_by_id(conn: &mut Conn, id: i64) -> StoreResult<Option<Space>> {
                    let row: Option<SpaceRow> = sqlx::query_as(Self::sql(concat!(
                        "SELECT ",
                        space_columns!(),
                        " FROM spaces WHERE id = ?"
                    )))
                    .bind(id)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(store_error)?;
                    row.map(Space::try_from).transpose()
                }

                /// After a unique violation on `spaces`: which of domain, host or name is taken
                /// by another space. Asked outside the failed transaction (PostgreSQL refuses
                /// statements in an aborted one).
                async fn space_conflict(
                    &self,
                    except_id: i64,
                    domain: &str,
                    host: &str,
                    name: &str,
                ) -> StoreError {
                    let rows = sqlx::query(Self::sql(
                        "SELECT domain, host, name FROM spaces \
                         WHERE id <> ? AND (domain = ? OR host = ? OR name = ?)",
                    ))
                    .bind(except_id)
                    .bind(domain)
                    .bind(host)
                    .bind(name)
                    .fetch_all(&self.pool)
                    .await;
                    let rows = match rows {
                        Ok(rows) => rows,
                        Err(e) => return store_error(e),
                    };
                    let taken = |column: &str, value: &str| {
                        rows.iter().any(|r| {
                            r.try_get::<String, _>(column).is_ok_and(|v| v == value)
                        })
                    };
                    if taken("domain", domain) {
                        StoreError::Conflict(Conflict::SpaceDomain)
                    } else if taken("host", host) {
                        StoreError::Conflict(Conflict::SpaceHost)
                    } else if taken("name", name) {
                        StoreError::Conflict(Conflict::SpaceName)
                    } else {
                        // The other space went away meanwhile: still a conflict, on something.
                        StoreError::Conflict(Conflict::SpaceName)
                    }
                }

                /// The domain's account count, kept by the `account_counts` triggers (migration 15).
                async fn account_count(conn: &mut Conn, domain: &str) -> StoreResult<i64> {
                    let count: Option<i64> = sqlx::query_scalar(Self::sql(
                        "SELECT accounts FROM account_counts WHERE domain = ?",
                    ))
                    .bind(domain)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(store_error)?;
                    Ok(count.unwrap_or_default())
                }

                async fn passwords_of(conn: &mut Conn, ids: &[i64]) -> StoreResult<Vec<PasswordRow>> {
                    if ids.is_empty() {
                        return Ok(Vec::new());
                    }
                    let mut builder = sqlx::QueryBuilder::<$db>::new(
                        "SELECT account_id, password, algorithm FROM passwords WHERE account_id IN (",
                    );
                    let mut list = builder.separated(", ");
                    for id in ids {
                        list.push_bind(*id);
                    }
                    // Sorted here: an ORDER BY on the index's columns made PostgreSQL walk the
                    // whole (account_id, algorithm) index, filtering, rather than look the ids
                    // up (seconds per page at a million accounts).
                    builder.push(")");
                    let mut rows = builder
                        .build_query_as::<PasswordRow>()
                        .fetch_all(&mut *conn)
                        .await
                        .map_err(store_error)?;
                    rows.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
                    Ok(rows)
                }

                /// Accounts with their passwords, in the order of `rows`.
                async fn with_passwords(
                    conn: &mut Conn,
                    rows: Vec<AccountRow>,
                ) -> StoreResult<Vec<Account>> {
                    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
                    let mut passwords = Self::passwords_of(conn, &ids).await?;
                    rows.into_iter()
                        .map(|row| {
                            let mine = passwords
                                .extract_if(.., |p| p.account_id == row.id)
                                .map(Password::try_from)
                                .collect::<StoreResult<Vec<_>>>()?;
                            row.into_account(mine)
                        })
                        .collect()
                }

                async fn one_account(
                    conn: &mut Conn,
                    row: Option<AccountRow>,
                ) -> StoreResult<Option<Account>> {
                    match row {
                        None => Ok(None),
                        Some(row) => Ok(Self::with_passwords(conn, vec![row]).await?.pop()),
                    }
                }

                async fn account_in(conn: &mut Conn, id: i64) -> StoreResult<Option<Account>> {
                    let rows: Vec<AccountPasswordRow> = sqlx::query_as(Self::sql(concat!(
                        "SELECT ",
                        account_password_columns!(),
                        " FROM accounts a LEFT JOIN passwords p ON p.account_id = a.id \
                         WHERE a.id = ? ORDER BY p.algorithm"
                    )))
                    .bind(id)
                    .fetch_all(&mut *conn)
                    .await
                    .map_err(store_error)?;
                    account_from_joined(rows)
                }

                async fn insert_passwords(
                    conn: &mut Conn,
                    account_id: i64,
                    passwords: &[Password],
                ) -> StoreResult<()> {
                    for p in passwords {
                        sqlx::query(Self::sql(
                            "INSERT INTO passwords (account_id, password, algorithm) VALUES (?, ?, ?)",
                        ))
                        .bind(account_id)
                        .bind(&p.hash)
                        .bind(p.algorithm.as_str())
                        .execute(&mut *conn)
                        .await
                        .map_err(|e| {
                            if is_unique_violation(&e) {
                                StoreError::Backend(format!(
                                    "two {} passwords given for one account",
                                    p.algorithm
                                ))
                            } else {
                                store_error(e)
                            }
                        })?;
                    }
                    Ok(())
                }

                async fn insert_dictionary(
                    conn: &mut Conn,
                    account_id: i64,
                    dictionary: &BTreeMap<String, String>,
                    now: DateTime<Utc>,
                ) -> StoreResult<()> {
                    for (key, value) in dictionary {
                        sqlx::query(Self::sql(
                            "INSERT INTO account_dictionary_entries \
                             (account_id, \"key\", value, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                        ))
                        .bind(account_id)
                        .bind(key)
                        .bind(value)
                        .bind(now)
                        .bind(now)
                        .execute(&mut *conn)
                        .await
                        .map_err(store_error)?;
                    }
                    Ok(())
                }

                async fn insert_api_key(conn: &mut Conn, new: NewApiKey) -> StoreResult<ApiKey> {
                    let created_at = ts(new.created_at);
                    let (kind, ip) = kind_columns(&new.kind);
                    let query = sqlx::query(Self::insert_sql(
                        "INSERT INTO api_keys \
                         (account_id, key_hash, name, kind, ip, last_used_at, requests, created_at) \
                         VALUES (?, ?, ?, ?, ?, ?, 0, ?)",
                    ))
                    .bind(new.account_id.0)
                    .bind(&new.key_hash)
                    .bind(&new.name)
                    .bind(kind)
                    .bind(ip)
                    .bind(created_at)
                    .bind(created_at);
                    let id = Self::insert_id(&mut *conn, query)
                        .await
                        .map_err(unique_as(Conflict::ApiKey))?;
                    Ok(ApiKey {
                        id: ApiKeyId(id),
                        account_id: new.account_id,
                        key_hash: new.key_hash,
                        name: new.name,
                        kind: new.kind,
                        last_used_at: created_at,
                        requests: 0,
                        created_at,
                    })
                }
            }

            #[async_trait]
            impl SpaceRepository for $storage {
                async fn create_space(&self, new: NewSpace, now: DateTime<Utc>) -> StoreResult<Space> {
                    let now = ts(now);
                    let settings = to_json(&new.settings)?;
                    let jwt = new.jwt.as_ref().map(to_json).transpose()?;
                    let mut conn = self.write_conn().await?;
                    let query = sqlx::query(Self::insert_sql(
                        "INSERT INTO spaces (domain, host, name, super, max_accounts, expire_at, \
                         digest_realm, digest_default_password_algorithm, settings, jwt, \
                         created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    ))
                    .bind(new.domain.as_str())
                    .bind(&new.host)
                    .bind(&new.name)
                    .bind(new.super_space)
                    .bind(new.max_accounts)
                    .bind(new.expire_at.map(ts))
                    .bind(&new.digest.realm)
                    .bind(new.digest.default_password_algorithm.as_str())
                    .bind(settings)
                    .bind(jwt)
                    .bind(now)
                    .bind(now);
                    let id = match Self::insert_id(&mut *conn, query).await {
                        Ok(id) => id,
                        Err(e) if is_unique_violation(&e) => {
                            drop(conn);
                            return Err(self
                                .space_conflict(-1, new.domain.as_str(), &new.host, &new.name)
                                .await);
                        }
                        Err(e) => return Err(store_error(e)),
                    };
                    Ok(Space {
                        id: flexiapi_domain::model::SpaceId(id),
                        domain: new.domain,
                        host: new.host,
                        name: new.name,
                        super_space: new.super_space,
                        max_accounts: new.max_accounts,
                        expire_at: new.expire_at.map(ts),
                        digest: new.digest,
                        jwt: new.jwt,
                        settings: new.settings,
                        created_at: now,
                        updated_at: now,
                    })
                }

                async fn space_by_domain(&self, domain: &Domain) -> StoreResult<Option<Space>> {
                    let row: Option<SpaceRow> = sqlx::query_as(Self::sql(concat!(
                        "SELECT ",
                        space_columns!(),
                        " FROM spaces WHERE domain = ?"
                    )))
                    .bind(domain.as_str())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(store_error)?;
                    row.map(Space::try_from).transpose()
                }

                async fn space_by_host(&self, host: &str) -> StoreResult<Option<Space>> {
                    let row: Option<SpaceRow> = sqlx::query_as(Self::sql(concat!(
                        "SELECT ",
                        space_columns!(),
                        " FROM spaces WHERE host = ?"
                    )))
                    .bind(host)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(store_error)?;
                    row.map(Space::try_from).transpose()
                }

                async fn list_spaces(&self) -> StoreResult<Vec<Space>> {
                    let rows: Vec<SpaceRow> = sqlx::query_as(Self::sql(concat!(
                        "SELECT ",
                        space_columns!(),
                        " FROM spaces ORDER BY domain"
                    )))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(store_error)?;
                    rows.into_iter().map(Space::try_from).collect()
                }

                async fn update_space(&self, space: Space, now: DateTime<Utc>) -> StoreResult<Space> {
                    let settings = to_json(&space.settings)?;
                    let jwt = space.jwt.as_ref().map(to_json).transpose()?;
                    let mut tx = self.write().await?;
                    if !space.super_space && Self::is_last_super_space(&mut tx, space.id.0).await? {
                        return Err(StoreError::LastSuperSpace);
                    }
                    let result = sqlx::query(Self::sql(
                        "UPDATE spaces SET host = ?, name = ?, super = ?, max_accounts = ?, \
                         expire_at = ?, digest_realm = ?, digest_default_password_algorithm = ?, \
                         settings = ?, jwt = ?, updated_at = ? WHERE id = ?",
                    ))
                    .bind(&space.host)
                    .bind(&space.name)
                    .bind(space.super_space)
                    .bind(space.max_accounts)
                    .bind(space.expire_at.map(ts))
                    .bind(&space.digest.realm)
                    .bind(space.digest.default_password_algorithm.as_str())
                    .bind(settings)
                    .bind(jwt)
                    .bind(ts(now))
                    .bind(space.id.0)
                    .execute(&mut *tx)
                    .await;
                    match result {
                        Ok(_) => {}
                        Err(e) if is_unique_violation(&e) => {
                            tx.rollback().await.map_err(store_error)?;
                            return Err(self
                                .space_conflict(space.id.0, "", &space.host, &space.name)
                                .await);
                        }
                        Err(e) => return Err(store_error(e)),
                    }
                    // Read back rather than trusting rows-affected, which MySQL reports as 0 for
                    // an update that changed nothing.
                    let updated = Self::space_by_id(&mut tx, space.id.0)
                        .await?
                        .ok_or(StoreError::NotFound)?;
                    tx.commit().await.map_err(store_error)?;
                    Ok(updated)
                }

                async fn delete_space(&self, domain: &Domain) -> StoreResult<bool> {
                    let mut tx = self.write().await?;
                    let id: Option<i64> =
                        sqlx::query_scalar(Self::sql("SELECT id FROM spaces WHERE domain = ?"))
                            .bind(domain.as_str())
                            .fetch_optional(&mut *tx)
                            .await
                            .map_err(store_error)?;
                    let Some(id) = id else {
                        return Ok(false);
                    };
                    if Self::is_last_super_space(&mut tx, id).await? {
                        return Err(StoreError::LastSuperSpace);
                    }
                    // Accounts first, explicitly: their passwords, keys and tokens go by cascade.
                    sqlx::query(Self::sql("DELETE FROM accounts WHERE domain = ?"))
                        .bind(domain.as_str())
                        .execute(&mut *tx)
                        .await
                        .map_err(store_error)?;
                    // Contacts lists and account types go by cascade with the space.
                    let deleted = sqlx::query(Self::sql("DELETE FROM spaces WHERE domain = ?"))
                        .bind(domain.as_str())
                        .execute(&mut *tx)
                        .await
                        .map_err(store_error)?
                        .rows_affected();
                    tx.commit().await.map_err(store_error)?;
                    Ok(deleted > 0)
                }
            }

            #[async_trait]
            impl AccountRepository for $storage {
                async fn create_account(
                    &self,
                    new: NewAccount,
                    max_accounts: i64,
                    now: DateTime<Utc>,
                ) -> StoreResult<Account> {
                    let now = ts(now);
                    let mut tx = self.write().await?;
                    if max_accounts > 0 {
                        // Serializes creations in this space until commit, so the count below
                        // stays true (SQLite: the IMMEDIATE transaction already does).
                        sqlx::query(Self::sql(Self::LOCK_SPACE))
                            .bind(new.domain.as_str())
                            .fetch_optional(&mut *tx)
                            .await
                            .map_err(store_error)?;
                        let taken: i64 = sqlx::query_scalar(Self::sql(
                            "SELECT COUNT(*) FROM accounts WHERE username = ? AND domain = ?",
                        ))
                        .bind(new.username.as_str())
                        .bind(new.domain.as_str())
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(store_error)?;
                        if taken > 0 {
                            return Err(StoreError::Conflict(Conflict::AccountIdentity));
                        }
                        let count = Self::account_count(&mut tx, new.domain.as_str()).await?;
                        if count >= max_accounts {
                            return Err(StoreError::SpaceFull);
                        }
                    }
                    let query = sqlx::query(Self::insert_sql(
                        "INSERT INTO accounts (username, domain, email, display_name, activated, \
                         blocked, admin, dtmf_protocol, phone, ip_address, user_agent, created_at, \
                         updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    ))
                    .bind(new.username.as_str())
                    .bind(new.domain.as_str())
                    .bind(&new.email)
                    .bind(&new.display_name)
                    .bind(new.activated)
                    .bind(new.blocked)
                    .bind(new.admin)
                    .bind(&new.dtmf_protocol)
                    .bind(&new.phone)
                    .bind(&new.ip_address)
                    .bind(&new.user_agent)
                    .bind(now)
                    .bind(now);
                    let id = Self::insert_id(&mut *tx, query).await.map_err(|e| match &e {
                        sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                            // No space has this domain.
                            StoreError::NotFound
                        }
                        _ => unique_as(Conflict::AccountIdentity)(e),
                    })?;
                    Self::insert_passwords(&mut tx, id, &new.passwords).await?;
                    Self::insert_dictionary(&mut tx, id, &new.dictionary, now).await?;
                    if let Some(token) = &new.creation_token {
                        // Spent in the account's transaction: if it is gone, so is the account.
                        let spent = sqlx::query(Self::sql(
                            "UPDATE account_creation_tokens SET used = ?, account_id = ?, \
                             updated_at = ? WHERE token = ? AND domain = ? AND used = ? \
                             AND (expire_at IS NULL OR expire_at > ?)",
                        ))
                        .bind(true)
                        .bind(id)
                        .bind(now)
                        .bind(token)
                        .bind(new.domain.as_str())
                        .bind(false)
                        .bind(now)
                        .execute(&mut *tx)
                        .await
                        .map_err(store_error)?
                        .rows_affected();
                        if spent != 1 {
                            return Err(StoreError::TokenSpent);
                        }
                    }
                    tx.commit().await.map_err(store_error)?;
                    Ok(new.into_account(AccountId(id), now))
                }

                async fn insert_accounts(
                    &self,
                    accounts: Vec<NewAccount>,
                    now: DateTime<Utc>,
                ) -> StoreResult<u64> {
                    let now = ts(now);
                    let mut tx = self.write().await?;
                    // 13 parameters a row: well under every backend's limit per statement.
                    for chunk in accounts.chunks(BULK_ROWS) {
                        let mut insert = sqlx::QueryBuilder::<$db>::new(
                            "INSERT INTO accounts (username, domain, email, display_name, \
                             activated, blocked, admin, dtmf_protocol, phone, ip_address, \
                             user_agent, created_at, updated_at) ",
                        );
                        insert.push_values(chunk, |mut row, new| {
                            row.push_bind(new.username.as_str())
                                .push_bind(new.domain.as_str())
                                .push_bind(&new.email)
                                .push_bind(&new.display_name)
                                .push_bind(new.activated)
                                .push_bind(new.blocked)
                                .push_bind(new.admin)
                                .push_bind(&new.dtmf_protocol)
                                .push_bind(&new.phone)
                                .push_bind(&new.ip_address)
                                .push_bind(&new.user_agent)
                                .push_bind(now)
                                .push_bind(now);
                        });
                        let on_error = |e: sqlx::Error| match &e {
                            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                                StoreError::NotFound
                            }
                            _ => unique_as(Conflict::AccountIdentity)(e),
                        };
                        // The ids, by identity: a multi-row insert's rows come back in no
                        // promised order.
                        let rows: Vec<(i64, String, String)> = if Self::RETURNING {
                            insert.push(" RETURNING id, username, domain");
                            insert
                                .build_query_as()
                                .fetch_all(&mut *tx)
                                .await
                                .map_err(on_error)?
                        } else {
                            insert.build().execute(&mut *tx).await.map_err(on_error)?;
                            let mut select = sqlx::QueryBuilder::<$db>::new(
                                "SELECT id, username, domain FROM accounts WHERE username IN (",
                            );
                            let mut list = select.separated(", ");
                            for new in chunk {
                                list.push_bind(new.username.as_str());
                            }
                            select.push(")");
                            select
                                .build_query_as()
                                .fetch_all(&mut *tx)
                                .await
                                .map_err(store_error)?
                        };
                        let ids: std::collections::HashMap<(&str, &str), i64> = rows
                            .iter()
                            .map(|(id, u, d)| ((u.as_str(), d.as_str()), *id))
                            .collect();
                        let id_of = |new: &NewAccount| {
                            ids.get(&(new.username.as_str(), new.domain.as_str()))
                                .copied()
                                .ok_or_else(|| StoreError::Backend("inserted account not found".into()))
                        };
                        let mut passwords = Vec::new();
                        for new in chunk {
                            let id = id_of(new)?;
                            passwords.extend(new.passwords.iter().map(|p| (id, p)));
                        }
                        for rows in passwords.chunks(BULK_ROWS) {
                            let mut insert = sqlx::QueryBuilder::<$db>::new(
                                "INSERT INTO passwords (account_id, password, algorithm) ",
                            );
                            insert.push_values(rows, |mut row, (id, p)| {
                                row.push_bind(*id)
                                    .push_bind(&p.hash)
                                    .push_bind(p.algorithm.as_str());
                            });
                            insert.build().execute(&mut *tx).await.map_err(store_error)?;
                        }
                        for new in chunk.iter().filter(|n| !n.dictionary.is_empty()) {
                            Self::insert_dictionary(&mut tx, id_of(new)?, &new.dictionary, now)
                                .await?;
                        }
                    }
                    tx.commit().await.map_err(store_error)?;
                    if let Some(analyze) = Self::ANALYZE_ACCOUNTS {
                        // Until autovacuum gets to it, the planner would plan with the
                        // statistics of the table before the import (one PostgreSQL listing went
                        // from an index walk to sorting a million rows).
                        sqlx::query(Self::sql(analyze))
                            .execute(self.writer())
                            .await
                            .map_err(store_error)?;
                    }
                    Ok(accounts.len() as u64)
                }

                async fn account_by_id(&self, id: AccountId) -> StoreResult<Option<Account>> {
                    if let Some(fast) = self.fast() {
                        return fast.account_by_id(id);
                    }
                    let mut conn = self.conn().await?;
                    Self::account_in(&mut conn, id.0).await
                }

                async fn account_by_identity(
                    &self,
                    username: &Username,
                    domain: &Domain,
                ) -> StoreResult<Option<Account>> {
                    if let Some(fast) = self.fast() {
                        return fast.account_by_identity(username, domain);
                    }
                    // One query: the account and its passwords (Digest and JWT need both).
                    let rows: Vec<AccountPasswordRow> = sqlx::query_as(Self::sql(concat!(
                        "SELECT ",
                        account_password_columns!(),
                        " FROM accounts a LEFT JOIN passwords p ON p.account_id = a.id \
                         WHERE a.username = ? AND a.domain = ? ORDER BY p.algorithm"
                    )))
                    .bind(username.as_str())
                    .bind(domain.as_str())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(store_error)?;
                    account_from_joined(rows)
                }

                async fn account_by_email(
                    &self,
                    domain: &Domain,
                    email: &str,
                ) -> StoreResult<Option<Account>> {
                    let mut conn = self.conn().await?;
                    let row: Option<AccountRow> = sqlx::query_as(Self::sql(concat!(
                        "SELECT ",
                        account_columns!(),
                        " FROM accounts WHERE domain = ? AND email = ? ORDER BY id LIMIT 1"
                    )))
                    .bind(domain.as_str())
                    .bind(email)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(store_error)?;
                    Self::one_account(&mut conn, row).await
                }

                async fn account_by_phone(
                    &self,
                    domain: &Domain,
                    phone: &str,
                ) -> StoreResult<Option<Account>> {
                    let mut conn = self.conn().await?;
                    let row: Option<AccountRow> = sqlx::query_as(Self::sql(concat!(
                        "SELECT ",
                        account_columns!(),
                        " FROM accounts WHERE domain = ? AND (phone = ? OR username = ?) \
                         ORDER BY id LIMIT 1"
                    )))
                    .bind(domain.as_str())
                    .bind(phone)
                    .bind(phone)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(store_error)?;
                    Self::one_account(&mut conn, row).await
                }

                async fn list_accounts(&self, query: &AccountQuery) -> StoreResult<Page<Account>> {
                    let per_page = query.per_page.max(1);
                    let offset = query.page.saturating_sub(1).saturating_mul(per_page);
                    let pattern = like_pattern(query.search.as_deref());
                    let mut conn = self.conn().await?;
                    let total = match query.search.as_deref().filter(|s| !s.is_empty()) {
                        // The kept count: counting a million rows per page is not an option.
                        None => Self::account_count(&mut conn, query.domain.as_str()).await?,
                        // A substring search reads every account of the domain anyway.
                        Some(_) => sqlx::query_scalar(Self::sql(concat!(
                            "SELECT COUNT(*) FROM accounts WHERE domain = ? AND ",
                            search_condition!()
                        )))
                        .bind(query.domain.as_str())
                        .bind(&pattern)
                        .bind(&pattern)
                        .bind(&pattern)
                        .fetch_one(&mut *conn)
                        .await
                        .map_err(store_error)?,
                    };
                    let limit = i64::try_from(per_page).unwrap_or(i64::MAX);
                    let offset = i64::try_from(offset).unwrap_or(i64::MAX);
                    let rows: Vec<AccountRow> = if query.search.as_deref().is_none_or(str::is_empty) {
                        // Without a search, a plain walk of the (domain, id) index: a LIKE '%'
                        // the planner cannot see through made PostgreSQL sort the whole domain.
                        sqlx::query_as(Self::sql(concat!(
                            "SELECT ",
                            account_columns!(),
                            " FROM accounts WHERE domain = ? ORDER BY id LIMIT ? OFFSET ?"
                        )))
                        .bind(query.domain.as_str())
                        .bind(limit)
                        .bind(offset)
                        .fetch_all(&mut *conn)
                        .await
                    } else {
                        sqlx::query_as(Self::sql(concat!(
                            "SELECT ",
                            account_columns!(),
                            " FROM accounts WHERE domain = ? AND ",
                            search_condition!(),
                            " ORDER BY id LIMIT ? OFFSET ?"
                        )))
                        .bind(query.domain.as_str())
                        .bind(&pattern)
                        .bind(&pattern)
                        .bind(&pattern)
                        .bind(limit)
                        .bind(offset)
                        .fetch_all(&mut *conn)
                        .await
                    }
                    .map_err(store_error)?;
                    Ok(Page {
                        items: Self::with_passwords(&mut conn, rows).await?,
                        total: u64::try_from(total).unwrap_or_default(),
                        page: query.page,
                        per_page,
                    })
                }

                async fn count_accounts(&self, domain: &Domain) -> StoreResult<u64> {
                    let mut conn = self.conn().await?;
                    let count = Self::account_count(&mut conn, domain.as_str()).await?;
                    Ok(u64::try_from(count).unwrap_or_default())
                }

                async fn account_details(
                    &self,
                    ids: &[AccountId],
                ) -> StoreResult<BTreeMap<AccountId, AccountDetails>> {
                    if let Some(fast) = self.fast() {
                        return fast.account_details(ids);
                    }
                    let mut details: BTreeMap<AccountId, AccountDetails> =
                        ids.iter().map(|id| (*id, AccountDetails::default())).collect();
                    if ids.is_empty() {
                        return Ok(details);
                    }
                    // The four relations in one round trip, as rows of (account, kind, id, a, b).
                    let parts: [&'static str; 4] = [
                        "SELECT account_id, 'd' AS kind, id, \"key\" AS a, value AS b \
                         FROM account_dictionary_entries WHERE account_id IN (",
                        ") UNION ALL SELECT l.account_id, 't', t.id, t.\"key\", NULL \
                         FROM account_account_type l \
                         JOIN account_types t ON t.id = l.account_type_id WHERE l.account_id IN (",
                        ") UNION ALL SELECT account_id, 'a', id, \"key\", code \
                         FROM account_actions WHERE account_id IN (",
                        ") UNION ALL SELECT account_id, 'p', id, token, NULL \
                         FROM provisioning_tokens WHERE used = FALSE AND account_id IN (",
                    ];
                    let mut builder = sqlx::QueryBuilder::<$db>::new("");
                    for part in parts {
                        builder.push(Self::identifiers(part));
                        let mut list = builder.separated(", ");
                        for id in ids {
                            list.push_bind(id.0);
                        }
                    }
                    builder.push(") ORDER BY 1, 2, 3");
                    let rows: Vec<(i64, String, i64, String, Option<String>)> = builder
                        .build_query_as()
                        .fetch_all(&self.pool)
                        .await
                        .map_err(store_error)?;
                    let mut tokens = Vec::new();
                    for row in rows {
                        add_detail_row(&mut details, &mut tokens, row);
                    }
                    // Only accounts with a token pay this second round trip.
                    if !tokens.is_empty() {
                        let mut builder = sqlx::QueryBuilder::<$db>::new(concat!(
                            "SELECT ",
                            provisioning_token_columns!(),
                            " FROM provisioning_tokens WHERE id IN ("
                        ));
                        let mut list = builder.separated(", ");
                        for (_, id) in &tokens {
                            list.push_bind(*id);
                        }
                        builder.push(")");
                        let rows: Vec<ProvisioningTokenRow> = builder
                            .build_query_as()
                            .fetch_all(&self.pool)
                            .await
                            .map_err(store_error)?;
                        for token in rows.into_iter().map(ProvisioningToken::from) {
                            if let Some(d) = details.get_mut(&token.account_id) {
                                d.provisioning_token = Some(token);
                            }
                        }
                    }
                    Ok(details)
                }


                async fn update_account(
                    &self,
                    id: AccountId,
                    changes: AccountChanges,
                    now: DateTime<Utc>,
                ) -> StoreResult<Account> {
                    let mut tx = self.write().await?;
                    let exists: i64 =
                        sqlx::query_scalar(Self::sql("SELECT COUNT(*) FROM accounts WHERE id = ?"))
                            .bind(id.0)
                            .fetch_one(&mut *tx)
                            .await
                            .map_err(store_error)?;
                    if exists == 0 {
                        return Err(StoreError::NotFound);
                    }
                    sqlx::query(Self::sql(
                        "UPDATE accounts SET username = ?, email = ?, display_name = ?, \
                         activated = ?, blocked = ?, admin = ?, dtmf_protocol = ?, phone = ?, \
                         user_agent = ?, deactivated_at = ?, updated_at = ? WHERE id = ?",
                    ))
                    .bind(changes.username.as_str())
                    .bind(&changes.email)
                    .bind(&changes.display_name)
                    .bind(changes.activated)
                    .bind(changes.blocked)
                    .bind(changes.admin)
                    .bind(&changes.dtmf_protocol)
                    .bind(&changes.phone)
                    .bind(&changes.user_agent)
                    .bind(changes.deactivated_at.map(ts))
                    .bind(ts(now))
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(unique_as(Conflict::AccountIdentity))?;
                    if let Some(passwords) = &changes.passwords {
                        sqlx::query(Self::sql("DELETE FROM passwords WHERE account_id = ?"))
                            .bind(id.0)
                            .execute(&mut *tx)
                            .await
                            .map_err(store_error)?;
                        Self::insert_passwords(&mut tx, id.0, passwords).await?;
                    }
                    if let Some(dictionary) = &changes.dictionary {
                        sqlx::query(Self::sql(
                            "DELETE FROM account_dictionary_entries WHERE account_id = ?",
                        ))
                        .bind(id.0)
                        .execute(&mut *tx)
                        .await
                        .map_err(store_error)?;
                        Self::insert_dictionary(&mut tx, id.0, dictionary, ts(now)).await?;
                    }
                    let account = Self::account_in(&mut tx, id.0)
                        .await?
                        .ok_or(StoreError::NotFound)?;
                    tx.commit().await.map_err(store_error)?;
                    Ok(account)
                }

                async fn delete_account(&self, id: AccountId, now: DateTime<Utc>) -> StoreResult<bool> {
                    let mut tx = self.write().await?;
                    let row = sqlx::query(Self::sql(
                        "SELECT username, domain FROM accounts WHERE id = ?",
                    ))
                    .bind(id.0)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(store_error)?;
                    let Some(row) = row else {
                        return Ok(false);
                    };
                    let username: String = row.try_get("username").map_err(store_error)?;
                    let domain: String = row.try_get("domain").map_err(store_error)?;
                    // Passwords, keys and tokens go by cascade.
                    sqlx::query(Self::sql("DELETE FROM accounts WHERE id = ?"))
                        .bind(id.0)
                        .execute(&mut *tx)
                        .await
                        .map_err(store_error)?;
                    // An older tombstone for the same identity is kept, as its date counts.
                    let tombstones: i64 = sqlx::query_scalar(Self::sql(
                        "SELECT COUNT(*) FROM accounts_tombstones WHERE username = ? AND domain = ?",
                    ))
                    .bind(&username)
                    .bind(&domain)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(store_error)?;
                    if tombstones == 0 {
                        sqlx::query(Self::sql(
                            "INSERT INTO accounts_tombstones (username, domain, created_at) \
                             VALUES (?, ?, ?)",
                        ))
                        .bind(&username)
                        .bind(&domain)
                        .bind(ts(now))
                        .execute(&mut *tx)
                        .await
                        .map_err(store_error)?;
                    }
                    tx.commit().await.map_err(store_error)?;
                    Ok(true)
                }

                async fn is_tombstoned(&self, username: &Username, domain: &Domain) -> StoreResult<bool> {
                    let count: i64 = sqlx::query_scalar(Self::sql(
                        "SELECT COUNT(*) FROM accounts_tombstones WHERE username = ? AND domain = ?",
                    ))
                    .bind(username.as_str())
                    .bind(domain.as_str())
                    .fetch_one(&self.pool)
                    .await
                    .map_err(store_error)?;
                    Ok(count > 0)
                }

                async fn purge_tombstones(&self, before: DateTime<Utc>) -> StoreResult<u64> {
                    Ok(sqlx::query(Self::sql("DELETE FROM accounts_tombstones WHERE created_at < ?"))
                        .bind(ts(before))
                        .execute(self.writer())
                        .await
                        .map_err(store_error)?
                        .rows_affected())
                }
            }

            #[async_trait]
            impl ApiKeyRepository for $storage {
                async fn create_api_key(&self, new: NewApiKey) -> StoreResult<ApiKey> {
                    let mut conn = self.write_conn().await?;
                    Self::insert_api_key(&mut conn, new).await
                }

                async fn replace_user_api_key(&self, new: NewApiKey) -> StoreResult<ApiKey> {
                    let mut tx = self.write().await?;
                    sqlx::query(Self::sql("DELETE FROM api_keys WHERE account_id = ? AND kind = ?"))
                        .bind(new.account_id.0)
                        .bind(KIND_USER)
                        .execute(&mut *tx)
                        .await
                        .map_err(store_error)?;
                    let key = Self::insert_api_key(&mut tx, new).await?;
                    tx.commit().await.map_err(store_error)?;
                    Ok(key)
                }

                async fn api_key_by_hash(&self, key_hash: &str) -> StoreResult<Option<ApiKey>> {
                    if let Some(fast) = self.fast() {
                        return fast.api_key_by_hash(key_hash);
                    }
                    let row: Option<ApiKeyRow> = sqlx::query_as(Self::sql(concat!(
                        "SELECT ",
                        api_key_columns!(),
                        " FROM api_keys WHERE key_hash = ?"
                    )))
                    .bind(key_hash)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(store_error)?;
                    row.map(ApiKey::try_from).transpose()
                }

                async fn api_keys_of(&self, account_id: AccountId) -> StoreResult<Vec<ApiKey>> {
                    let rows: Vec<ApiKeyRow> = sqlx::query_as(Self::sql(concat!(
                        "SELECT ",
                        api_key_columns!(),
                        " FROM api_keys WHERE account_id = ? ORDER BY id"
                    )))
                    .bind(account_id.0)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(store_error)?;
                    rows.into_iter().map(ApiKey::try_from).collect()
                }

                async fn delete_api_key(&self, id: ApiKeyId) -> StoreResult<bool> {
                    Ok(sqlx::query(Self::sql("DELETE FROM api_keys WHERE id = ?"))
                        .bind(id.0)
                        .execute(self.writer())
                        .await
                        .map_err(store_error)?
                        .rows_affected()
                        > 0)
                }

                async fn record_api_key_usage(&self, usage: &[ApiKeyUsage]) -> StoreResult<()> {
                    if usage.is_empty() {
                        return Ok(());
                    }
                    let mut tx = self.write().await?;
                    for u in usage {
                        let at = ts(u.last_used_at);
                        // A key deleted meanwhile matches no row: skipped, as the port says.
                        sqlx::query(Self::sql(
                            "UPDATE api_keys SET requests = requests + ?, last_used_at = \
                             CASE WHEN last_used_at < ? THEN ? ELSE last_used_at END WHERE id = ?",
                        ))
                        .bind(u.requests)
                        .bind(at)
                        .bind(at)
                        .bind(u.id.0)
                        .execute(&mut *tx)
                        .await
                        .map_err(store_error)?;
                    }
                    tx.commit().await.map_err(store_error)
                }

                async fn purge_idle_user_api_keys(&self, idle_since: DateTime<Utc>) -> StoreResult<u64> {
                    Ok(sqlx::query(Self::sql(
                        "DELETE FROM api_keys WHERE kind = ? AND last_used_at < ?",
                    ))
                    .bind(KIND_USER)
                    .bind(ts(idle_since))
                    .execute(self.writer())
                    .await
                    .map_err(store_error)?
                    .rows_affected())
                }
            }

            #[async_trait]
            impl NonceStore for $storage {
                async fn insert_nonce(&self, nonce: DigestNonce) -> StoreResult<()> {
                    if let Some(result) = self.fast().and_then(|f| f.try_insert_nonce(&nonce)) {
                        return result;
                    }
                    sqlx::query(Self::sql(
                        "INSERT INTO digest_nonces \
                         (opaque, nonce, username, domain, ip, nc, uses, created_at) \
                         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    ))
                    .bind(&nonce.opaque)
                    .bind(&nonce.nonce)
                    .bind(&nonce.username)
                    .bind(&nonce.domain)
                    .bind(&nonce.ip)
                    .bind(nonce.nc)
                    .bind(nonce.uses)
                    .bind(ts(nonce.created_at))
                    .execute(self.writer())
                    .await
                    .map_err(unique_as(Conflict::Nonce))?;
                    Ok(())
                }

                async fn nonce_by_opaque(&self, opaque: &str) -> StoreResult<Option<DigestNonce>> {
                    if let Some(fast) = self.fast() {
                        return fast.nonce_by_opaque(opaque);
                    }
                    let row: Option<NonceRow> = sqlx::query_as(Self::sql(concat!(
                        "SELECT ",
                        nonce_columns!(),
                        " FROM digest_nonces WHERE opaque = ?"
                    )))
                    .bind(opaque)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(store_error)?;
                    Ok(row.map(DigestNonce::from))
                }

                async fn advance_nonce(&self, opaque: &str, nc: i64) -> StoreResult<bool> {
                    if let Some(result) = self.fast().and_then(|f| f.try_advance_nonce(opaque, nc)) {
                        return result;
                    }
                    // One conditional statement: the database serializes the row update, so of
                    // concurrent calls with the same nc only the first still sees `nc < ?`.
                    let result = sqlx::query(Self::sql(
                        "UPDATE digest_nonces SET nc = ?, uses = uses + 1 WHERE opaque = ? AND nc < ?",
                    ))
                    .bind(nc)
                    .bind(opaque)
                    .bind(nc)
                    .execute(self.writer())
                    .await
                    .map_err(store_error)?;
                    Ok(result.rows_affected() == 1)
                }

                async fn delete_nonce(&self, opaque: &str) -> StoreResult<()> {
                    sqlx::query(Self::sql("DELETE FROM digest_nonces WHERE opaque = ?"))
                        .bind(opaque)
                        .execute(self.writer())
                        .await
                        .map_err(store_error)?;
                    Ok(())
                }

                async fn purge_nonces(&self, before: DateTime<Utc>) -> StoreResult<u64> {
                    Ok(sqlx::query(Self::sql("DELETE FROM digest_nonces WHERE created_at < ?"))
                        .bind(ts(before))
                        .execute(self.writer())
                        .await
                        .map_err(store_error)?
                        .rows_affected())
                }
            }

            #[async_trait]
            impl AuditRepository for $storage {
                async fn record_audit_event(
                    &self,
                    event: flexiapi_domain::model::NewAuditEvent,
                ) -> StoreResult<()> {
                    sqlx::query(Self::sql(
                        "INSERT INTO audit_events \
                         (actor_id, actor, method, path, status, ip, created_at) \
                         VALUES (?, ?, ?, ?, ?, ?, ?)",
                    ))
                    .bind(event.actor_id.0)
                    .bind(&event.actor)
                    .bind(&event.method)
                    .bind(&event.path)
                    .bind(i32::from(event.status))
                    .bind(&event.ip)
                    .bind(ts(event.created_at))
                    .execute(self.writer())
                    .await
                    .map_err(store_error)?;
                    Ok(())
                }

                async fn list_audit_events(
                    &self,
                    page: u64,
                    per_page: u64,
                ) -> StoreResult<Page<flexiapi_domain::model::AuditEvent>> {
                    let mut conn = self.conn().await?;
                    let total: i64 = sqlx::query_scalar(Self::sql("SELECT COUNT(*) FROM audit_events"))
                        .fetch_one(&mut *conn)
                        .await
                        .map_err(store_error)?;
                    let limit = i64::try_from(per_page).unwrap_or(i64::MAX);
                    let offset = i64::try_from(page.saturating_sub(1).saturating_mul(per_page))
                        .unwrap_or(i64::MAX);
                    // The actor's id is shown only while the account exists.
                    let rows: Vec<(i64, Option<i64>, String, String, String, i32, String, DateTime<Utc>)> =
                        sqlx::query_as(Self::sql(
                            "SELECT e.id, a.id, e.actor, e.method, e.path, e.status, e.ip, \
                             e.created_at FROM audit_events e \
                             LEFT JOIN accounts a ON a.id = e.actor_id \
                             ORDER BY e.id DESC LIMIT ? OFFSET ?",
                        ))
                        .bind(limit)
                        .bind(offset)
                        .fetch_all(&mut *conn)
                        .await
                        .map_err(store_error)?;
                    Ok(Page {
                        items: rows
                            .into_iter()
                            .map(|(id, actor_id, actor, method, path, status, ip, created_at)| {
                                flexiapi_domain::model::AuditEvent {
                                    id,
                                    actor_id: actor_id.map(AccountId),
                                    actor,
                                    method,
                                    path,
                                    status: u16::try_from(status).unwrap_or_default(),
                                    ip,
                                    created_at,
                                }
                            })
                            .collect(),
                        total: u64::try_from(total).unwrap_or_default(),
                        page,
                        per_page,
                    })
                }
            }

            #[async_trait]
            impl AuthFailureStore for $storage {
                async fn record_auth_failure(
                    &self,
                    key: &str,
                    at: DateTime<Utc>,
                ) -> StoreResult<()> {
                    sqlx::query(Self::sql(
                        "INSERT INTO auth_failures (failure_key, created_at) VALUES (?, ?)",
                    ))
                    .bind(key)
                    .bind(ts(at))
                    .execute(self.writer())
                    .await
                    .map_err(store_error)?;
                    Ok(())
                }

                async fn auth_failures_since(
                    &self,
                    keys: &[&str],
                    since: DateTime<Utc>,
                ) -> StoreResult<Vec<(u64, Option<DateTime<Utc>>)>> {
                    if let Some(fast) = self.fast() {
                        return fast.auth_failures_since(keys, since);
                    }
                    let mut conn = self.conn().await?;
                    let mut out = Vec::with_capacity(keys.len());
                    for key in keys {
                        let (count, oldest): (i64, Option<DateTime<Utc>>) =
                            sqlx::query_as(Self::sql(
                                "SELECT COUNT(*), MIN(created_at) FROM auth_failures \
                                 WHERE failure_key = ? AND created_at > ?",
                            ))
                            .bind(*key)
                            .bind(ts(since))
                            .fetch_one(&mut *conn)
                            .await
                            .map_err(store_error)?;
                        out.push((count.max(0) as u64, oldest));
                    }
                    Ok(out)
                }

                async fn purge_auth_failures(&self, before: DateTime<Utc>) -> StoreResult<u64> {
                    Ok(
                        sqlx::query(Self::sql("DELETE FROM auth_failures WHERE created_at < ?"))
                            .bind(ts(before))
                            .execute(self.writer())
                            .await
                            .map_err(store_error)?
                            .rows_affected(),
                    )
                }
            }

            #[async_trait]
            impl AuthTokenRepository for $storage {
                async fn create_auth_token(&self, token: AuthToken) -> StoreResult<()> {
                    sqlx::query(Self::sql(
                        "INSERT INTO auth_tokens (token, domain, account_id, ip, user_agent, \
                         created_at) VALUES (?, ?, ?, ?, ?, ?)",
                    ))
                    .bind(&token.token)
                    .bind(token.domain.as_str())
                    .bind(token.account_id.map(|a| a.0))
                    .bind(&token.ip)
                    .bind(&token.user_agent)
                    .bind(ts(token.created_at))
                    .execute(self.writer())
                    .await
                    .map_err(|e| match &e {
                        sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                            // No space has this domain.
                            StoreError::NotFound
                        }
                        _ => unique_as(Conflict::AuthToken)(e),
                    })?;
                    Ok(())
                }

                async fn auth_token(
                    &self,
                    token: &str,
                    domain: &Domain,
                ) -> StoreResult<Option<AuthToken>> {
                    let row: Option<AuthTokenRow> = sqlx::query_as(Self::sql(concat!(
                        "SELECT ",
                        auth_token_columns!(),
                        " FROM auth_tokens WHERE token = ? AND domain = ?"
                    )))
                    .bind(token)
                    .bind(domain.as_str())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(store_error)?;
                    row.map(AuthToken::try_from).transpose()
                }

                async fn attach_auth_token(
                    &self,
                    token: &str,
                    domain: &Domain,
                    account_id: AccountId,
                ) -> StoreResult<bool> {
                    let result = sqlx::query(Self::sql(
                        "UPDATE auth_tokens SET account_id = ? \
                         WHERE token = ? AND domain = ? AND account_id IS NULL",
                    ))
                    .bind(account_id.0)
                    .bind(token)
                    .bind(domain.as_str())
                    .execute(self.writer())
                    .await
                    .map_err(store_error)?;
                    Ok(result.rows_affected() == 1)
                }

                async fn take_attached_auth_token(
                    &self,
                    token: &str,
                    domain: &Domain,
                ) -> StoreResult<Option<AuthToken>> {
                    let Some(found) = self.auth_token(token, domain).await? else {
                        return Ok(None);
                    };
                    if found.account_id.is_none() {
                        return Ok(None);
                    }
                    // Whoever deletes the row took the token; the others see 0 rows.
                    let result = sqlx::query(Self::sql(
                        "DELETE FROM auth_tokens \
                         WHERE token = ? AND domain = ? AND account_id IS NOT NULL",
                    ))
                    .bind(token)
                    .bind(domain.as_str())
                    .execute(self.writer())
                    .await
                    .map_err(store_error)?;
                    Ok((result.rows_affected() == 1).then_some(found))
                }

                async fn purge_auth_tokens(&self, before: DateTime<Utc>) -> StoreResult<u64> {
                    Ok(sqlx::query(Self::sql("DELETE FROM auth_tokens WHERE created_at < ?"))
                        .bind(ts(before))
                        .execute(self.writer())
                        .await
                        .map_err(store_error)?
                        .rows_affected())
                }
            }

            #[async_trait]
            impl DictionaryRepository for $storage {
                async fn dictionary_of(
                    &self,
                    account_id: AccountId,
                ) -> StoreResult<BTreeMap<String, String>> {
                    let rows: Vec<(String, String)> = sqlx::query_as(Self::sql(
                        "SELECT \"key\", value FROM account_dictionary_entries WHERE account_id = ?",
                    ))
                    .bind(account_id.0)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(store_error)?;
                    Ok(rows.into_iter().collect())
                }

                async fn set_dictionary_entry(
                    &self,
                    account_id: AccountId,
                    key: &str,
                    value: &str,
                    now: DateTime<Utc>,
                ) -> StoreResult<()> {
                    let now = ts(now);
                    // One upsert statement: the unique (account_id, key) row is the lock.
                    sqlx::query(Self::sql(Self::UPSERT_DICTIONARY_ENTRY))
                        .bind(account_id.0)
                        .bind(key)
                        .bind(value)
                        .bind(now)
                        .bind(now)
                        .execute(self.writer())
                        .await
                        .map_err(not_found_on_foreign_key)?;
                    Ok(())
                }

                async fn delete_dictionary_entry(
                    &self,
                    account_id: AccountId,
                    key: &str,
                ) -> StoreResult<bool> {
                    Ok(sqlx::query(Self::sql(
                        "DELETE FROM account_dictionary_entries WHERE account_id = ? AND \"key\" = ?",
                    ))
                    .bind(account_id.0)
                    .bind(key)
                    .execute(self.writer())
                    .await
                    .map_err(store_error)?
                    .rows_affected()
                        > 0)
                }

                async fn clear_dictionary(&self, account_id: AccountId) -> StoreResult<u64> {
                    Ok(sqlx::query(Self::sql(
                        "DELETE FROM account_dictionary_entries WHERE account_id = ?",
                    ))
                    .bind(account_id.0)
                    .execute(self.writer())
                    .await
                    .map_err(store_error)?
                    .rows_affected())
                }
            }

            #[async_trait]
            impl ProvisioningTokenRepository for $storage {
                async fn create_provisioning_token(
                    &self,
                    new: NewProvisioningToken,
                    now: DateTime<Utc>,
                ) -> StoreResult<ProvisioningToken> {
                    let now = ts(now);
                    let mut tx = self.write().await?;
                    sqlx::query(Self::sql(
                        "UPDATE provisioning_tokens SET used = ?, updated_at = ? \
                         WHERE account_id = ? AND used = ?",
                    ))
                    .bind(true)
                    .bind(now)
                    .bind(new.account_id.0)
                    .bind(false)
                    .execute(&mut *tx)
                    .await
                    .map_err(store_error)?;
                    let query = sqlx::query(Self::insert_sql(
                        "INSERT INTO provisioning_tokens \
                         (account_id, token, used, ip, user_agent, created_at, updated_at) \
                         VALUES (?, ?, ?, ?, ?, ?, ?)",
                    ))
                    .bind(new.account_id.0)
                    .bind(&new.token)
                    .bind(false)
                    .bind(&new.ip)
                    .bind(&new.user_agent)
                    .bind(now)
                    .bind(now);
                    let id = Self::insert_id(&mut *tx, query).await.map_err(|e| {
                        if is_unique_violation(&e) {
                            StoreError::Conflict(Conflict::ProvisioningToken)
                        } else {
                            not_found_on_foreign_key(e)
                        }
                    })?;
                    tx.commit().await.map_err(store_error)?;
                    Ok(ProvisioningToken {
                        id: flexiapi_domain::model::ProvisioningTokenId(id),
                        account_id: new.account_id,
                        token: new.token,
                        used: false,
                        ip: new.ip,
                        user_agent: new.user_agent,
                        created_at: now,
                    })
                }

                async fn current_provisioning_token(
                    &self,
                    account_id: AccountId,
                ) -> StoreResult<Option<ProvisioningToken>> {
                    let row: Option<ProvisioningTokenRow> = sqlx::query_as(Self::sql(concat!(
                        "SELECT ",
                        provisioning_token_columns!(),
                        " FROM provisioning_tokens WHERE account_id = ? AND used = ? \
                         ORDER BY id DESC LIMIT 1"
                    )))
                    .bind(account_id.0)
                    .bind(false)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(store_error)?;
                    Ok(row.map(ProvisioningToken::from))
                }

                async fn provisioning_token(
                    &self,
                    token: &str,
                ) -> StoreResult<Option<ProvisioningToken>> {
                    let row: Option<ProvisioningTokenRow> = sqlx::query_as(Self::sql(concat!(
                        "SELECT ",
                        provisioning_token_columns!(),
                        " FROM provisioning_tokens WHERE token = ?"
                    )))
                    .bind(token)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(store_error)?;
                    Ok(row.map(ProvisioningToken::from))
                }

                async fn use_provisioning_token(
                    &self,
                    token: &str,
                    issued_after: Option<DateTime<Utc>>,
                ) -> StoreResult<Option<ProvisioningToken>> {
                    // The conditional update is the race's referee: only one call sees the row
                    // still unused (and young enough). Once used, the row never changes again,
                    // so reading it back afterwards is safe.
                    let query = match issued_after {
                        None => sqlx::query(Self::sql(
                            "UPDATE provisioning_tokens SET used = ? WHERE token = ? AND used = ?",
                        ))
                        .bind(true)
                        .bind(token)
                        .bind(false),
                        Some(after) => sqlx::query(Self::sql(
                            "UPDATE provisioning_tokens SET used = ? \
                             WHERE token = ? AND used = ? AND created_at > ?",
                        ))
                        .bind(true)
                        .bind(token)
                        .bind(false)
                        .bind(ts(after)),
                    };
                    let result = query.execute(self.writer()).await.map_err(store_error)?;
                    if result.rows_affected() != 1 {
                        return Ok(None);
                    }
                    self.provisioning_token(token).await
                }
            }

            impl $storage {
                /// Inserts a row of a table of pairs (`a`, `b`, timestamps); false when the pair
                /// is already there: the unique pair decides, so racing inserts make one row.
                async fn insert_pair(
                    &self,
                    sql: &'static str,
                    a: i64,
                    b: i64,
                    now: DateTime<Utc>,
                ) -> StoreResult<bool> {
                    let now = ts(now);
                    let result = sqlx::query(Self::sql(sql))
                        .bind(a)
                        .bind(b)
                        .bind(now)
                        .bind(now)
                        .execute(self.writer())
                        .await;
                    match result {
                        Ok(_) => Ok(true),
                        Err(e) if is_unique_violation(&e) => Ok(false),
                        Err(e) => Err(not_found_on_foreign_key(e)),
                    }
                }

                /// Deletes one pair; whether it was there.
                async fn delete_pair(&self, sql: &'static str, a: i64, b: i64) -> StoreResult<bool> {
                    Ok(sqlx::query(Self::sql(sql))
                        .bind(a)
                        .bind(b)
                        .execute(self.writer())
                        .await
                        .map_err(store_error)?
                        .rows_affected()
                        > 0)
                }

                async fn creation_token_in(
                    conn: &mut Conn,
                    token: &str,
                    domain: &Domain,
                ) -> StoreResult<Option<AccountCreationToken>> {
                    let row: Option<CreationTokenRow> = sqlx::query_as(Self::sql(concat!(
                        "SELECT ",
                        creation_token_columns!(),
                        " FROM account_creation_tokens WHERE token = ? AND domain = ?"
                    )))
                    .bind(token)
                    .bind(domain.as_str())
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(store_error)?;
                    row.map(AccountCreationToken::try_from).transpose()
                }
            }

            #[async_trait]
            impl AccountCreationTokenRepository for $storage {
                async fn create_creation_token(
                    &self,
                    new: NewAccountCreationToken,
                    now: DateTime<Utc>,
                ) -> StoreResult<AccountCreationToken> {
                    let now = ts(now);
                    let expire_at = new.expire_at.map(ts);
                    let mut conn = self.write_conn().await?;
                    let query = sqlx::query(Self::insert_sql(
                        "INSERT INTO account_creation_tokens \
                         (token, domain, used, ip, user_agent, created_at, updated_at, expire_at) \
                         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    ))
                    .bind(&new.token)
                    .bind(new.domain.as_str())
                    .bind(false)
                    .bind(&new.ip)
                    .bind(&new.user_agent)
                    .bind(now)
                    .bind(now)
                    .bind(expire_at);
                    let id = Self::insert_id(&mut *conn, query)
                        .await
                        .map_err(|e| match &e {
                            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                                // No space has this domain.
                                StoreError::NotFound
                            }
                            _ => unique_as(Conflict::AccountCreationToken)(e),
                        })?;
                    Ok(AccountCreationToken {
                        id: flexiapi_domain::model::AccountCreationTokenId(id),
                        token: new.token,
                        domain: new.domain,
                        used: false,
                        account_id: None,
                        ip: new.ip,
                        user_agent: new.user_agent,
                        created_at: now,
                        expire_at,
                    })
                }

                async fn creation_token(
                    &self,
                    token: &str,
                    domain: &Domain,
                ) -> StoreResult<Option<AccountCreationToken>> {
                    let mut conn = self.conn().await?;
                    Self::creation_token_in(&mut conn, token, domain).await
                }

                async fn spend_creation_token(
                    &self,
                    token: &str,
                    domain: &Domain,
                    now: DateTime<Utc>,
                ) -> StoreResult<Option<AccountCreationToken>> {
                    let now = ts(now);
                    let mut conn = self.write_conn().await?;
                    // One conditional update decides the race; a used row never changes again,
                    // so reading it back afterwards is safe.
                    let result = sqlx::query(Self::sql(
                        "UPDATE account_creation_tokens SET used = ?, updated_at = ? \
                         WHERE token = ? AND domain = ? AND used = ? \
                         AND (expire_at IS NULL OR expire_at > ?)",
                    ))
                    .bind(true)
                    .bind(now)
                    .bind(token)
                    .bind(domain.as_str())
                    .bind(false)
                    .bind(now)
                    .execute(&mut *conn)
                    .await
                    .map_err(store_error)?;
                    if result.rows_affected() != 1 {
                        return Ok(None);
                    }
                    Self::creation_token_in(&mut conn, token, domain).await
                }

                async fn consume_creation_token(
                    &self,
                    token: &str,
                    domain: &Domain,
                    account_id: AccountId,
                ) -> StoreResult<Option<AccountCreationToken>> {
                    let mut conn = self.conn().await?;
                    let exists: i64 =
                        sqlx::query_scalar(Self::sql("SELECT COUNT(*) FROM accounts WHERE id = ?"))
                            .bind(account_id.0)
                            .fetch_one(&mut *conn)
                            .await
                            .map_err(store_error)?;
                    if exists == 0 {
                        return Err(StoreError::NotFound);
                    }
                    let result = sqlx::query(Self::sql(
                        "UPDATE account_creation_tokens SET used = ?, account_id = ? \
                         WHERE token = ? AND domain = ? AND used = ? AND account_id IS NULL",
                    ))
                    .bind(true)
                    .bind(account_id.0)
                    .bind(token)
                    .bind(domain.as_str())
                    .bind(false)
                    .execute(&mut *conn)
                    .await
                    .map_err(not_found_on_foreign_key)?;
                    if result.rows_affected() != 1 {
                        return Ok(None);
                    }
                    Self::creation_token_in(&mut conn, token, domain).await
                }
            }

            #[async_trait]
            impl AccountTypeRepository for $storage {
                async fn create_account_type(
                    &self,
                    domain: &Domain,
                    key: &str,
                    now: DateTime<Utc>,
                ) -> StoreResult<AccountType> {
                    let now = ts(now);
                    let mut conn = self.write_conn().await?;
                    let query = sqlx::query(Self::insert_sql(
                        "INSERT INTO account_types (domain, \"key\", created_at, updated_at) \
                         VALUES (?, ?, ?, ?)",
                    ))
                    .bind(domain.as_str())
                    .bind(key)
                    .bind(now)
                    .bind(now);
                    let id = Self::insert_id(&mut *conn, query).await.map_err(|e| {
                        if is_unique_violation(&e) {
                            StoreError::Conflict(Conflict::AccountTypeKey)
                        } else {
                            // No space with that domain.
                            not_found_on_foreign_key(e)
                        }
                    })?;
                    Ok(AccountType {
                        id: AccountTypeId(id),
                        key: key.to_owned(),
                    })
                }

                async fn list_account_types(&self, domain: &Domain) -> StoreResult<Vec<AccountType>> {
                    let rows: Vec<AccountTypeRow> = sqlx::query_as(Self::sql(
                        "SELECT id, \"key\" FROM account_types WHERE domain = ? ORDER BY id",
                    ))
                    .bind(domain.as_str())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(store_error)?;
                    Ok(rows.into_iter().map(AccountType::from).collect())
                }

                async fn account_type(
                    &self,
                    domain: &Domain,
                    id: AccountTypeId,
                ) -> StoreResult<Option<AccountType>> {
                    let row: Option<AccountTypeRow> = sqlx::query_as(Self::sql(
                        "SELECT id, \"key\" FROM account_types WHERE id = ? AND domain = ?",
                    ))
                    .bind(id.0)
                    .bind(domain.as_str())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(store_error)?;
                    Ok(row.map(AccountType::from))
                }

                async fn update_account_type(
                    &self,
                    domain: &Domain,
                    id: AccountTypeId,
                    key: &str,
                    now: DateTime<Utc>,
                ) -> StoreResult<AccountType> {
                    sqlx::query(Self::sql(
                        "UPDATE account_types SET \"key\" = ?, updated_at = ? \
                         WHERE id = ? AND domain = ?",
                    ))
                    .bind(key)
                    .bind(ts(now))
                    .bind(id.0)
                    .bind(domain.as_str())
                    .execute(self.writer())
                    .await
                    .map_err(unique_as(Conflict::AccountTypeKey))?;
                    // Read back: MySQL reports 0 rows for an update that changed nothing.
                    self.account_type(domain, id).await?.ok_or(StoreError::NotFound)
                }

                async fn delete_account_type(
                    &self,
                    domain: &Domain,
                    id: AccountTypeId,
                ) -> StoreResult<bool> {
                    // Attachments go by cascade.
                    Ok(sqlx::query(Self::sql(
                        "DELETE FROM account_types WHERE id = ? AND domain = ?",
                    ))
                    .bind(id.0)
                    .bind(domain.as_str())
                    .execute(self.writer())
                    .await
                    .map_err(store_error)?
                    .rows_affected()
                        > 0)
                }

                async fn attach_account_type(
                    &self,
                    domain: &Domain,
                    account_id: AccountId,
                    type_id: AccountTypeId,
                    now: DateTime<Utc>,
                ) -> StoreResult<bool> {
                    let now = ts(now);
                    // Inserts nothing unless the account and the type are both of the space.
                    let result = sqlx::query(Self::sql(
                        "INSERT INTO account_account_type \
                         (account_id, account_type_id, created_at, updated_at) \
                         SELECT a.id, t.id, ?, ? FROM accounts a \
                         JOIN account_types t ON t.domain = a.domain \
                         WHERE a.id = ? AND t.id = ? AND a.domain = ?",
                    ))
                    .bind(now)
                    .bind(now)
                    .bind(account_id.0)
                    .bind(type_id.0)
                    .bind(domain.as_str())
                    .execute(self.writer())
                    .await;
                    match result {
                        Ok(done) if done.rows_affected() > 0 => Ok(true),
                        Ok(_) => Err(StoreError::NotFound),
                        Err(e) if is_unique_violation(&e) => Ok(false),
                        Err(e) => Err(not_found_on_foreign_key(e)),
                    }
                }

                async fn detach_account_type(
                    &self,
                    domain: &Domain,
                    account_id: AccountId,
                    type_id: AccountTypeId,
                ) -> StoreResult<bool> {
                    Ok(sqlx::query(Self::sql(
                        "DELETE FROM account_account_type WHERE account_id = ? \
                         AND account_type_id = ? \
                         AND account_type_id IN (SELECT id FROM account_types WHERE domain = ?)",
                    ))
                    .bind(account_id.0)
                    .bind(type_id.0)
                    .bind(domain.as_str())
                    .execute(self.writer())
                    .await
                    .map_err(store_error)?
                    .rows_affected()
                        > 0)
                }

                async fn types_of(&self, account_id: AccountId) -> StoreResult<Vec<AccountType>> {
                    let rows: Vec<AccountTypeRow> = sqlx::query_as(Self::sql(
                        "SELECT t.id, t.\"key\" FROM account_types t \
                         JOIN account_account_type l ON l.account_type_id = t.id \
                         WHERE l.account_id = ? ORDER BY t.id",
                    ))
                    .bind(account_id.0)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(store_error)?;
                    Ok(rows.into_iter().map(AccountType::from).collect())
                }
            }

            #[async_trait]
            impl AccountActionRepository for $storage {
                async fn create_account_action(
                    &self,
                    account_id: AccountId,
                    key: &str,
                    code: &str,
                    now: DateTime<Utc>,
                ) -> StoreResult<AccountAction> {
                    let now = ts(now);
                    let mut conn = self.write_conn().await?;
                    let query = sqlx::query(Self::insert_sql(
                        "INSERT INTO account_actions \
                         (account_id, \"key\", code, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                    ))
                    .bind(account_id.0)
                    .bind(key)
                    .bind(code)
                    .bind(now)
                    .bind(now);
                    let id = Self::insert_id(&mut *conn, query)
                        .await
                        .map_err(not_found_on_foreign_key)?;
                    Ok(AccountAction {
                        id: AccountActionId(id),
                        account_id,
                        key: key.to_owned(),
                        code: code.to_owned(),
                    })
                }

                async fn account_actions(
                    &self,
                    account_id: AccountId,
                ) -> StoreResult<Vec<AccountAction>> {
                    let rows: Vec<AccountActionRow> = sqlx::query_as(Self::sql(
                        "SELECT id, account_id, \"key\", code FROM account_actions \
                         WHERE account_id = ? ORDER BY id",
                    ))
                    .bind(account_id.0)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(store_error)?;
                    Ok(rows.into_iter().map(AccountAction::from).collect())
                }

                async fn account_action(
                    &self,
                    account_id: AccountId,
                    id: AccountActionId,
                ) -> StoreResult<Option<AccountAction>> {
                    let row: Option<AccountActionRow> = sqlx::query_as(Self::sql(
                        "SELECT id, account_id, \"key\", code FROM account_actions \
                         WHERE id = ? AND account_id = ?",
                    ))
                    .bind(id.0)
                    .bind(account_id.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(store_error)?;
                    Ok(row.map(AccountAction::from))
                }

                async fn update_account_action(
                    &self,
                    account_id: AccountId,
                    id: AccountActionId,
                    key: &str,
                    code: &str,
                    now: DateTime<Utc>,
                ) -> StoreResult<AccountAction> {
                    sqlx::query(Self::sql(
                        "UPDATE account_actions SET \"key\" = ?, code = ?, updated_at = ? \
                         WHERE id = ? AND account_id = ?",
                    ))
                    .bind(key)
                    .bind(code)
                    .bind(ts(now))
                    .bind(id.0)
                    .bind(account_id.0)
                    .execute(self.writer())
                    .await
                    .map_err(store_error)?;
                    // Read back: MySQL reports 0 rows for an update that changed nothing.
                    self.account_action(account_id, id)
                        .await?
                        .ok_or(StoreError::NotFound)
                }

                async fn delete_account_action(
                    &self,
                    account_id: AccountId,
                    id: AccountActionId,
                ) -> StoreResult<bool> {
                    self.delete_pair(
                        "DELETE FROM account_actions WHERE id = ? AND account_id = ?",
                        id.0,
                        account_id.0,
                    )
                    .await
                }
            }

            #[async_trait]
            impl PhoneCountryRepository for $storage {
                async fn list_phone_countries(&self) -> StoreResult<Vec<PhoneCountry>> {
                    let rows: Vec<PhoneCountryRow> = sqlx::query_as(Self::sql(
                        "SELECT code, country_code, activated FROM phone_countries ORDER BY code",
                    ))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(store_error)?;
                    Ok(rows.into_iter().map(PhoneCountry::from).collect())
                }

                async fn phone_country(&self, code: &str) -> StoreResult<Option<PhoneCountry>> {
                    let row: Option<PhoneCountryRow> = sqlx::query_as(Self::sql(
                        "SELECT code, country_code, activated FROM phone_countries WHERE code = ?",
                    ))
                    .bind(code)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(store_error)?;
                    Ok(row.map(PhoneCountry::from))
                }

                async fn set_phone_countries_activated(
                    &self,
                    country_code: &str,
                    activated: bool,
                ) -> StoreResult<u64> {
                    let mut tx = self.write().await?;
                    // Counted rather than taken from rows-affected, which MySQL reports only
                    // for rows whose value changed.
                    let count: i64 = sqlx::query_scalar(Self::sql(
                        "SELECT COUNT(*) FROM phone_countries WHERE country_code = ?",
                    ))
                    .bind(country_code)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(store_error)?;
                    sqlx::query(Self::sql(
                        "UPDATE phone_countries SET activated = ? WHERE country_code = ?",
                    ))
                    .bind(activated)
                    .bind(country_code)
                    .execute(&mut *tx)
                    .await
                    .map_err(store_error)?;
                    tx.commit().await.map_err(store_error)?;
                    Ok(u64::try_from(count).unwrap_or_default())
                }
            }

            #[async_trait]
            impl ContactRepository for $storage {
                async fn add_contact(
                    &self,
                    account_id: AccountId,
                    contact_id: AccountId,
                    now: DateTime<Utc>,
                ) -> StoreResult<bool> {
                    self.insert_pair(
                        "INSERT INTO contacts (account_id, contact_id, created_at, updated_at) \
                         VALUES (?, ?, ?, ?)",
                        account_id.0,
                        contact_id.0,
                        now,
                    )
                    .await
                }

                async fn remove_contact(
                    &self,
                    account_id: AccountId,
                    contact_id: AccountId,
                ) -> StoreResult<bool> {
                    self.delete_pair(
                        "DELETE FROM contacts WHERE account_id = ? AND contact_id = ?",
                        account_id.0,
                        contact_id.0,
                    )
                    .await
                }

                async fn contacts_of(&self, account_id: AccountId) -> StoreResult<Vec<Account>> {
                    let mut conn = self.conn().await?;
                    let rows: Vec<AccountRow> = sqlx::query_as(Self::sql(concat!(
                        "SELECT ",
                        account_columns!(),
                        " FROM accounts WHERE id IN \
                         (SELECT contact_id FROM contacts WHERE account_id = ?) ORDER BY id"
                    )))
                    .bind(account_id.0)
                    .fetch_all(&mut *conn)
                    .await
                    .map_err(store_error)?;
                    Self::with_passwords(&mut conn, rows).await
                }
            }

            #[async_trait]
            impl ContactsListRepository for $storage {
                async fn create_contacts_list(
                    &self,
                    space_id: SpaceId,
                    title: &str,
                    description: Option<&str>,
                    now: DateTime<Utc>,
                ) -> StoreResult<ContactsList> {
                    let now = ts(now);
                    let mut conn = self.write_conn().await?;
                    let query = sqlx::query(Self::insert_sql(
                        "INSERT INTO contacts_lists (title, description, space_id, created_at, \
                         updated_at) VALUES (?, ?, ?, ?, ?)",
                    ))
                    .bind(title)
                    .bind(description)
                    .bind(space_id.0)
                    .bind(now)
                    .bind(now);
                    let id = Self::insert_id(&mut *conn, query).await.map_err(|e| {
                        if is_unique_violation(&e) {
                            StoreError::Conflict(Conflict::ContactsListTitle)
                        } else {
                            not_found_on_foreign_key(e)
                        }
                    })?;
                    Ok(ContactsList {
                        id: ContactsListId(id),
                        space_id,
                        title: title.to_owned(),
                        description: description.map(str::to_owned),
                        contacts_count: 0,
                        created_at: now,
                        updated_at: now,
                    })
                }

                async fn contacts_lists_of(&self, space_id: SpaceId) -> StoreResult<Vec<ContactsList>> {
                    let rows: Vec<ContactsListRow> = sqlx::query_as(Self::sql(concat!(
                        "SELECT ",
                        contacts_list_columns!(),
                        " FROM contacts_lists l WHERE l.space_id = ? ORDER BY l.id"
                    )))
                    .bind(space_id.0)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(store_error)?;
                    Ok(rows.into_iter().map(ContactsList::from).collect())
                }

                async fn contacts_list(&self, id: ContactsListId) -> StoreResult<Option<ContactsList>> {
                    let row: Option<ContactsListRow> = sqlx::query_as(Self::sql(concat!(
                        "SELECT ",
                        contacts_list_columns!(),
                        " FROM contacts_lists l WHERE l.id = ?"
                    )))
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(store_error)?;
                    Ok(row.map(ContactsList::from))
                }

                async fn update_contacts_list(
                    &self,
                    id: ContactsListId,
                    title: &str,
                    description: Option<&str>,
                    now: DateTime<Utc>,
                ) -> StoreResult<ContactsList> {
                    sqlx::query(Self::sql(
                        "UPDATE contacts_lists SET title = ?, description = ?, updated_at = ? \
                         WHERE id = ?",
                    ))
                    .bind(title)
                    .bind(description)
                    .bind(ts(now))
                    .bind(id.0)
                    .execute(self.writer())
                    .await
                    .map_err(unique_as(Conflict::ContactsListTitle))?;
                    // Read back: MySQL reports 0 rows for an update that changed nothing.
                    self.contacts_list(id).await?.ok_or(StoreError::NotFound)
                }

                async fn delete_contacts_list(&self, id: ContactsListId) -> StoreResult<bool> {
                    // Memberships and attachments go by cascade.
                    Ok(sqlx::query(Self::sql("DELETE FROM contacts_lists WHERE id = ?"))
                        .bind(id.0)
                        .execute(self.writer())
                        .await
                        .map_err(store_error)?
                        .rows_affected()
                        > 0)
                }

                async fn add_to_contacts_list(
                    &self,
                    id: ContactsListId,
                    contact_id: AccountId,
                    now: DateTime<Utc>,
                ) -> StoreResult<bool> {
                    self.insert_pair(
                        "INSERT INTO contacts_list_contact \
                         (contacts_list_id, contact_id, created_at, updated_at) VALUES (?, ?, ?, ?)",
                        id.0,
                        contact_id.0,
                        now,
                    )
                    .await
                }

                async fn remove_from_contacts_list(
                    &self,
                    id: ContactsListId,
                    contact_id: AccountId,
                ) -> StoreResult<bool> {
                    self.delete_pair(
                        "DELETE FROM contacts_list_contact WHERE contacts_list_id = ? AND contact_id = ?",
                        id.0,
                        contact_id.0,
                    )
                    .await
                }

                async fn attach_contacts_list(
                    &self,
                    account_id: AccountId,
                    id: ContactsListId,
                    now: DateTime<Utc>,
                ) -> StoreResult<bool> {
                    self.insert_pair(
                        "INSERT INTO account_contacts_list \
                         (account_id, contacts_list_id, created_at, updated_at) VALUES (?, ?, ?, ?)",
                        account_id.0,
                        id.0,
                        now,
                    )
                    .await
                }

                async fn detach_contacts_list(
                    &self,
                    account_id: AccountId,
                    id: ContactsListId,
                ) -> StoreResult<bool> {
                    self.delete_pair(
                        "DELETE FROM account_contacts_list WHERE account_id = ? AND contacts_list_id = ?",
                        account_id.0,
                        id.0,
                    )
                    .await
                }

                async fn all_contacts_of(&self, account_id: AccountId) -> StoreResult<Vec<Account>> {
                    let mut conn = self.conn().await?;
                    // `IN` over a `UNION`: each account once, however many ways it is a contact.
                    let rows: Vec<AccountRow> = sqlx::query_as(Self::sql(concat!(
                        "SELECT ",
                        account_columns!(),
                        " FROM accounts WHERE id IN \
                         (SELECT contact_id FROM contacts WHERE account_id = ? \
                          UNION \
                          SELECT m.contact_id FROM contacts_list_contact m \
                          JOIN account_contacts_list a ON a.contacts_list_id = m.contacts_list_id \
                          WHERE a.account_id = ?) \
                         ORDER BY id"
                    )))
                    .bind(account_id.0)
                    .bind(account_id.0)
                    .fetch_all(&mut *conn)
                    .await
                    .map_err(store_error)?;
                    Self::with_passwords(&mut conn, rows).await
                }
            }

            #[async_trait]
            impl Storage for $storage {
                async fn ping(&self) -> StoreResult<()> {
                    sqlx::query(Self::sql("SELECT 1"))
                        .execute(self.writer())
                        .await
                        .map_err(store_error)?;
                    Ok(())
                }

                fn pool_usage(&self) -> Option<flexiapi_domain::ports::PoolUsage> {
                    Some(flexiapi_domain::ports::PoolUsage {
                        open: self.pool.size(),
                        idle: u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX),
                        max: self.pool.options().get_max_connections(),
                    })
                }
            }
        };
    };
}

/// `username`, `email` or `phone` contains the pattern, lower-cased on both sides. `!` escapes
/// LIKE wildcards because it needs no escaping itself in any of the three dialects.
macro_rules! search_condition {
    () => {
        "(LOWER(username) LIKE ? ESCAPE '!' OR LOWER(email) LIKE ? ESCAPE '!' \
         OR LOWER(phone) LIKE ? ESCAPE '!')"
    };
}

/// The LIKE pattern for a search: the term lower-cased with its wildcards escaped, or everything.
fn like_pattern(search: Option<&str>) -> String {
    let Some(term) = search.filter(|s| !s.is_empty()) else {
        return "%".to_owned();
    };
    let mut pattern = String::from("%");
    for c in term.to_lowercase().chars() {
        if matches!(c, '!' | '%' | '_') {
            pattern.push('!');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// PostgreSQL wants `$1, $2, …` where the shared SQL says `?`.
fn dollar_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let (mut n, mut quoted) = (0, false);
    for c in sql.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                out.push(c);
            }
            '?' if !quoted => {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            }
            _ => out.push(c),
        }
    }
    out
}

/// MySQL quotes identifiers with backticks where the shared SQL (standard) uses double quotes.
fn backtick_identifiers(sql: &str) -> String {
    let mut quoted = false;
    sql.chars()
        .map(|c| match c {
            '\'' => {
                quoted = !quoted;
                c
            }
            '"' if !quoted => '`',
            _ => c,
        })
        .collect()
}

/// SQLite's and PostgreSQL's upsert of one dictionary entry.
const UPSERT_DICTIONARY_ENTRY_ON_CONFLICT: &str = "INSERT INTO account_dictionary_entries \
     (account_id, \"key\", value, created_at, updated_at) VALUES (?, ?, ?, ?, ?) \
     ON CONFLICT (account_id, \"key\") DO UPDATE SET value = excluded.value, \
     updated_at = excluded.updated_at";

/// Rows per multi-row statement of `insert_accounts`: 13 parameters each,
/// well under SQLite's 32766 and PostgreSQL's and MySQL's 65535.
const BULK_ROWS: usize = 500;

type QueryOf<'q, DB> = Query<'q, DB, <DB as Database>::Arguments>;

/// SQLite. Write transactions start with `BEGIN IMMEDIATE`: taking the write lock up front means
/// a transaction never fails half-way trying to upgrade a read lock, and it serializes the
/// check-then-insert of `max_accounts`.
#[derive(Debug, Clone)]
pub struct SqliteStorage {
    pool: SqlitePool,
    /// One connection: SQLite has one writer at a time, and writers that meet in SQLite sleep
    /// in its busy handler, while here they queue.
    writer: SqlitePool,
    /// The hot reads, on the calling thread; `None` for an in-memory database (which only
    /// sqlx's one connection sees).
    reader: Option<Arc<SqliteReader>>,
}

impl SqliteStorage {
    /// Every port, reading on `pool` and writing on `writer` (which may be the same pool; give it
    /// one connection), migrated ([`crate::SqlDatabase::migrate`]).
    pub fn new(pool: SqlitePool, writer: SqlitePool) -> Self {
        Self {
            pool,
            writer,
            reader: None,
        }
    }

    /// The hottest reads through `reader` instead of `pool` (same database file).
    pub(crate) fn with_reader(mut self, reader: Arc<SqliteReader>) -> Self {
        self.reader = Some(reader);
        self
    }

    fn writer(&self) -> &SqlitePool {
        &self.writer
    }

    fn fast(&self) -> Option<&SqliteReader> {
        self.reader.as_deref()
    }

    const LOCK_SPACE: &'static str = "SELECT id FROM spaces WHERE domain = ?";

    /// The super spaces' ids; the `BEGIN IMMEDIATE` transaction already holds the write lock.
    const LOCK_SUPER_SPACES: &'static str = "SELECT id FROM spaces WHERE super = TRUE ORDER BY id";

    /// Whether an `INSERT` can answer its rows (`RETURNING`).
    const RETURNING: bool = true;

    /// What refreshes the planner's statistics after a bulk insert, if it needs it (SQLite's
    /// planner goes by the indexes).
    const ANALYZE_ACCOUNTS: Option<&'static str> = None;

    const UPSERT_DICTIONARY_ENTRY: &'static str = UPSERT_DICTIONARY_ENTRY_ON_CONFLICT;

    fn sql(sql: &'static str) -> SqlStr {
        sql.into_sql_str()
    }

    /// The start of a `QueryBuilder` statement (which writes its own placeholders).
    fn identifiers(sql: &'static str) -> String {
        sql.to_owned()
    }

    fn insert_sql(sql: &'static str) -> SqlStr {
        // Only a constant suffix is added to constant SQL.
        AssertSqlSafe(format!("{sql} RETURNING id")).into_sql_str()
    }

    async fn insert_id(
        conn: &mut SqliteConnection,
        query: QueryOf<'_, Sqlite>,
    ) -> Result<i64, sqlx::Error> {
        query.fetch_one(conn).await?.try_get("id")
    }

    async fn begin_write(&self) -> Result<Transaction<'static, Sqlite>, sqlx::Error> {
        self.writer.begin_with("BEGIN IMMEDIATE").await
    }
}

impl_storage!(SqliteStorage, Sqlite);

/// PostgreSQL. Account creation under `max_accounts` locks the space row (`FOR UPDATE`).
#[derive(Debug, Clone)]
pub struct PostgresStorage {
    pool: PgPool,
}

impl PostgresStorage {
    /// Every port on `pool`, which must be migrated ([`crate::SqlDatabase::migrate`]).
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    fn writer(&self) -> &PgPool {
        &self.pool
    }

    /// No fast path: a network round trip is the cost here.
    fn fast(&self) -> Option<&SqliteReader> {
        None
    }

    const LOCK_SPACE: &'static str = "SELECT id FROM spaces WHERE domain = ? FOR UPDATE";

    /// The super spaces' ids, locked in id order (no deadlock between two such transactions).
    const LOCK_SUPER_SPACES: &'static str =
        "SELECT id FROM spaces WHERE super = TRUE ORDER BY id FOR UPDATE";

    const RETURNING: bool = true;

    const ANALYZE_ACCOUNTS: Option<&'static str> = Some("ANALYZE accounts, passwords");

    const UPSERT_DICTIONARY_ENTRY: &'static str = UPSERT_DICTIONARY_ENTRY_ON_CONFLICT;

    fn sql(sql: &'static str) -> SqlStr {
        // The rewrite only renumbers placeholders of constant SQL.
        AssertSqlSafe(dollar_placeholders(sql)).into_sql_str()
    }

    /// The start of a `QueryBuilder` statement (which writes its own placeholders).
    fn identifiers(sql: &'static str) -> String {
        sql.to_owned()
    }

    fn insert_sql(sql: &'static str) -> SqlStr {
        AssertSqlSafe(format!("{} RETURNING id", dollar_placeholders(sql))).into_sql_str()
    }

    async fn insert_id(
        conn: &mut PgConnection,
        query: QueryOf<'_, Postgres>,
    ) -> Result<i64, sqlx::Error> {
        query.fetch_one(conn).await?.try_get("id")
    }

    async fn begin_write(&self) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
        self.pool.begin().await
    }
}

impl_storage!(PostgresStorage, Postgres);

/// MySQL and MariaDB. Ids come from `LAST_INSERT_ID()` (MySQL has no `RETURNING`); account
/// creation under `max_accounts` locks the space row (`FOR UPDATE`).
#[derive(Debug, Clone)]
pub struct MySqlStorage {
    pool: MySqlPool,
}

impl MySqlStorage {
    /// Every port on `pool`, which must be migrated ([`crate::SqlDatabase::migrate`]).
    pub fn new(pool: MySqlPool) -> Self {
        Self { pool }
    }

    fn writer(&self) -> &MySqlPool {
        &self.pool
    }

    /// No fast path: a network round trip is the cost here.
    fn fast(&self) -> Option<&SqliteReader> {
        None
    }

    const LOCK_SPACE: &'static str = "SELECT id FROM spaces WHERE domain = ? FOR UPDATE";

    /// The super spaces' ids, locked in id order (no deadlock between two such transactions).
    const LOCK_SUPER_SPACES: &'static str =
        "SELECT id FROM spaces WHERE super = TRUE ORDER BY id FOR UPDATE";

    /// MySQL has no `RETURNING`: the ids are read back by identity.
    const RETURNING: bool = false;

    /// InnoDB recomputes its statistics itself once a tenth of a table changed.
    const ANALYZE_ACCOUNTS: Option<&'static str> = None;

    const UPSERT_DICTIONARY_ENTRY: &'static str = "INSERT INTO account_dictionary_entries \
         (account_id, `key`, value, created_at, updated_at) VALUES (?, ?, ?, ?, ?) \
         ON DUPLICATE KEY UPDATE value = VALUES(value), updated_at = VALUES(updated_at)";

    fn sql(sql: &'static str) -> SqlStr {
        if sql.contains('"') {
            // Only quoting characters of constant SQL change.
            AssertSqlSafe(backtick_identifiers(sql)).into_sql_str()
        } else {
            sql.into_sql_str()
        }
    }

    fn insert_sql(sql: &'static str) -> SqlStr {
        Self::sql(sql)
    }

    /// The start of a `QueryBuilder` statement, with MySQL's identifier quotes.
    fn identifiers(sql: &'static str) -> String {
        backtick_identifiers(sql)
    }

    async fn insert_id(
        conn: &mut MySqlConnection,
        query: QueryOf<'_, MySql>,
    ) -> Result<i64, sqlx::Error> {
        let id = query.execute(conn).await?.last_insert_id();
        i64::try_from(id).map_err(|e| sqlx::Error::Decode(Box::new(e)))
    }

    async fn begin_write(&self) -> Result<Transaction<'static, MySql>, sqlx::Error> {
        self.pool.begin().await
    }
}

impl_storage!(MySqlStorage, MySql);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_placeholders_are_numbered_outside_quotes() {
        assert_eq!(
            dollar_placeholders("a = ? AND b LIKE ? ESCAPE '?' OR c = ?"),
            "a = $1 AND b LIKE $2 ESCAPE '?' OR c = $3"
        );
    }

    #[test]
    fn mysql_quotes_identifiers_with_backticks_outside_literals() {
        assert_eq!(
            backtick_identifiers(r#"SELECT "key" FROM t WHERE v = '"x"'"#),
            r#"SELECT `key` FROM t WHERE v = '"x"'"#
        );
    }

    #[test]
    fn search_terms_match_wildcards_literally() {
        assert_eq!(like_pattern(None), "%");
        assert_eq!(like_pattern(Some("")), "%");
        assert_eq!(like_pattern(Some("Al_1%!")), "%al!_1!%!!%");
    }
}
