//! The CardDAV servers of each space and each account's credentials on them: the port
//! implementation, written once over the backend type. Expanded per backend by `storage`'s
//! `impl_storage!`, which supplies imports and dialect hooks.

use chrono::{DateTime, Utc};
use flexiapi_domain::error::StoreError;
use flexiapi_domain::model::{
    AccountId, CardDavCredentials, CardDavServer, CardDavServerId, NewCardDavServer,
    PasswordAlgorithm, SpaceId,
};

use crate::error::bad_row;

/// The columns of `space_carddav_servers s`, as a literal for `concat!`.
macro_rules! carddav_server_columns {
    () => {
        "s.id, s.space_id, s.enabled, s.uri, s.min_characters, s.results_limit, s.timeout, \
         s.delay, s.fields_for_user_input, s.fields_for_domain, s.use_exact_match_policy, \
         s.created_at, s.updated_at"
    };
}
pub(crate) use carddav_server_columns;

/// The columns of `account_carddav_credentials c` (as `c_*`) and the `FROM` joining it to its
/// server `s`, as a literal for `concat!`.
macro_rules! credentials_columns {
    () => {
        "c.account_id AS c_account_id, c.username AS c_username, c.realm AS c_realm, \
         c.algorithm AS c_algorithm, c.password AS c_password, c.created_at AS c_created_at, \
         c.updated_at AS c_updated_at FROM account_carddav_credentials c \
         JOIN space_carddav_servers s ON s.id = c.space_carddav_server_id"
    };
}
pub(crate) use credentials_columns;

#[derive(sqlx::FromRow)]
pub(crate) struct CardDavServerRow {
    id: i64,
    space_id: i64,
    enabled: bool,
    uri: String,
    min_characters: i64,
    results_limit: i64,
    timeout: i64,
    delay: i64,
    fields_for_user_input: Option<String>,
    fields_for_domain: Option<String>,
    use_exact_match_policy: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<CardDavServerRow> for CardDavServer {
    fn from(r: CardDavServerRow) -> Self {
        CardDavServer {
            id: CardDavServerId(r.id),
            server: NewCardDavServer {
                space_id: SpaceId(r.space_id),
                enabled: r.enabled,
                uri: r.uri,
                min_characters: r.min_characters,
                results_limit: r.results_limit,
                timeout: r.timeout,
                delay: r.delay,
                fields_for_user_input: r.fields_for_user_input,
                fields_for_domain: r.fields_for_domain,
                use_exact_match_policy: r.use_exact_match_policy,
            },
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// A server row joined with one account's credentials on it (`c_*` columns).
#[derive(sqlx::FromRow)]
pub(crate) struct CredentialsRow {
    #[sqlx(flatten)]
    server: CardDavServerRow,
    c_account_id: i64,
    c_username: String,
    c_realm: String,
    c_algorithm: String,
    c_password: String,
    c_created_at: DateTime<Utc>,
    c_updated_at: DateTime<Utc>,
}

impl TryFrom<CredentialsRow> for (CardDavServer, CardDavCredentials) {
    type Error = StoreError;

    fn try_from(r: CredentialsRow) -> Result<Self, StoreError> {
        let server: CardDavServer = r.server.into();
        let credentials = CardDavCredentials {
            account_id: AccountId(r.c_account_id),
            server_id: server.id,
            username: r.c_username,
            realm: r.c_realm,
            algorithm: r
                .c_algorithm
                .parse::<PasswordAlgorithm>()
                .map_err(|_| bad_row("account_carddav_credentials.algorithm", &r.c_algorithm))?,
            password: r.c_password,
            created_at: r.c_created_at,
            updated_at: r.c_updated_at,
        };
        Ok((server, credentials))
    }
}

macro_rules! impl_carddavs {
    ($storage:ident, $db:ty) => {
        impl $storage {
            async fn carddav_server_on(
                conn: &mut Conn,
                space_id: SpaceId,
                id: flexiapi_domain::model::CardDavServerId,
            ) -> StoreResult<Option<flexiapi_domain::model::CardDavServer>> {
                let row: Option<crate::carddavs::CardDavServerRow> =
                    sqlx::query_as(Self::sql(concat!(
                        "SELECT ",
                        crate::carddavs::carddav_server_columns!(),
                        " FROM space_carddav_servers s WHERE s.id = ? AND s.space_id = ?"
                    )))
                    .bind(id.0)
                    .bind(space_id.0)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(store_error)?;
                Ok(row.map(Into::into))
            }

            async fn carddav_credentials_on(
                conn: &mut Conn,
                account_id: AccountId,
                server_id: Option<flexiapi_domain::model::CardDavServerId>,
            ) -> StoreResult<
                Vec<(
                    flexiapi_domain::model::CardDavServer,
                    flexiapi_domain::model::CardDavCredentials,
                )>,
            > {
                // Server ids start at 1: 0 is every server.
                let rows: Vec<crate::carddavs::CredentialsRow> = sqlx::query_as(Self::sql(concat!(
                    "SELECT ",
                    crate::carddavs::carddav_server_columns!(),
                    ", ",
                    crate::carddavs::credentials_columns!(),
                    " WHERE c.account_id = ? AND (? = 0 OR s.id = ?) ORDER BY s.id"
                )))
                .bind(account_id.0)
                .bind(server_id.map_or(0, |s| s.0))
                .bind(server_id.map_or(0, |s| s.0))
                .fetch_all(&mut *conn)
                .await
                .map_err(store_error)?;
                rows.into_iter().map(TryInto::try_into).collect()
            }
        }

        #[async_trait]
        impl flexiapi_domain::ports::CardDavRepository for $storage {
            async fn carddav_servers(
                &self,
                space_id: SpaceId,
            ) -> StoreResult<Vec<flexiapi_domain::model::CardDavServer>> {
                let rows: Vec<crate::carddavs::CardDavServerRow> =
                    sqlx::query_as(Self::sql(concat!(
                        "SELECT ",
                        crate::carddavs::carddav_server_columns!(),
                        " FROM space_carddav_servers s WHERE s.space_id = ? ORDER BY s.id"
                    )))
                    .bind(space_id.0)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(store_error)?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn carddav_server(
                &self,
                space_id: SpaceId,
                id: flexiapi_domain::model::CardDavServerId,
            ) -> StoreResult<Option<flexiapi_domain::model::CardDavServer>> {
                let mut conn = self.conn().await?;
                Self::carddav_server_on(&mut conn, space_id, id).await
            }

            async fn create_carddav_server(
                &self,
                new: &flexiapi_domain::model::NewCardDavServer,
                now: DateTime<Utc>,
            ) -> StoreResult<flexiapi_domain::model::CardDavServer> {
                let now = ts(now);
                let mut tx = self.write().await?;
                let query = sqlx::query(Self::insert_sql(
                    "INSERT INTO space_carddav_servers (space_id, enabled, uri, min_characters, \
                     results_limit, timeout, delay, fields_for_user_input, fields_for_domain, \
                     use_exact_match_policy, created_at, updated_at) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                ))
                .bind(new.space_id.0)
                .bind(new.enabled)
                .bind(&new.uri)
                .bind(new.min_characters)
                .bind(new.results_limit)
                .bind(new.timeout)
                .bind(new.delay)
                .bind(&new.fields_for_user_input)
                .bind(&new.fields_for_domain)
                .bind(new.use_exact_match_policy)
                .bind(now)
                .bind(now);
                let id = Self::insert_id(&mut tx, query)
                    .await
                    .map_err(not_found_on_foreign_key)?;
                let created = Self::carddav_server_on(
                    &mut tx,
                    new.space_id,
                    flexiapi_domain::model::CardDavServerId(id),
                )
                .await?
                .ok_or(StoreError::NotFound)?;
                tx.commit().await.map_err(store_error)?;
                Ok(created)
            }

            async fn update_carddav_server(
                &self,
                id: flexiapi_domain::model::CardDavServerId,
                new: &flexiapi_domain::model::NewCardDavServer,
                now: DateTime<Utc>,
            ) -> StoreResult<Option<flexiapi_domain::model::CardDavServer>> {
                let mut tx = self.write().await?;
                sqlx::query(Self::sql(
                    "UPDATE space_carddav_servers SET enabled = ?, uri = ?, min_characters = ?, \
                     results_limit = ?, timeout = ?, delay = ?, fields_for_user_input = ?, \
                     fields_for_domain = ?, use_exact_match_policy = ?, updated_at = ? \
                     WHERE id = ? AND space_id = ?",
                ))
                .bind(new.enabled)
                .bind(&new.uri)
                .bind(new.min_characters)
                .bind(new.results_limit)
                .bind(new.timeout)
                .bind(new.delay)
                .bind(&new.fields_for_user_input)
                .bind(&new.fields_for_domain)
                .bind(new.use_exact_match_policy)
                .bind(ts(now))
                .bind(id.0)
                .bind(new.space_id.0)
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
                let updated = Self::carddav_server_on(&mut tx, new.space_id, id).await?;
                tx.commit().await.map_err(store_error)?;
                Ok(updated)
            }

            async fn delete_carddav_server(
                &self,
                space_id: SpaceId,
                id: flexiapi_domain::model::CardDavServerId,
            ) -> StoreResult<bool> {
                Ok(sqlx::query(Self::sql(
                    "DELETE FROM space_carddav_servers WHERE id = ? AND space_id = ?",
                ))
                .bind(id.0)
                .bind(space_id.0)
                .execute(self.writer())
                .await
                .map_err(store_error)?
                .rows_affected()
                    > 0)
            }

            async fn carddav_credentials_of(
                &self,
                account_ids: &[AccountId],
            ) -> StoreResult<
                Vec<(
                    flexiapi_domain::model::CardDavServer,
                    flexiapi_domain::model::CardDavCredentials,
                )>,
            > {
                if account_ids.is_empty() {
                    return Ok(Vec::new());
                }
                let mut builder = sqlx::QueryBuilder::<$db>::new(concat!(
                    "SELECT ",
                    crate::carddavs::carddav_server_columns!(),
                    ", ",
                    crate::carddavs::credentials_columns!(),
                    " WHERE c.account_id IN ("
                ));
                let mut list = builder.separated(", ");
                for id in account_ids {
                    list.push_bind(id.0);
                }
                builder.push(") ORDER BY c.account_id, s.id");
                let rows: Vec<crate::carddavs::CredentialsRow> = builder
                    .build_query_as()
                    .fetch_all(&self.pool)
                    .await
                    .map_err(store_error)?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn put_carddav_credentials(
                &self,
                c: &flexiapi_domain::model::CardDavCredentials,
            ) -> StoreResult<flexiapi_domain::model::CardDavCredentials> {
                let now = ts(c.updated_at);
                let mut tx = self.write().await?;
                let changed = sqlx::query(Self::sql(
                    "UPDATE account_carddav_credentials SET username = ?, realm = ?, \
                     algorithm = ?, password = ?, updated_at = ? \
                     WHERE account_id = ? AND space_carddav_server_id = ?",
                ))
                .bind(&c.username)
                .bind(&c.realm)
                .bind(c.algorithm.as_str())
                .bind(&c.password)
                .bind(now)
                .bind(c.account_id.0)
                .bind(c.server_id.0)
                .execute(&mut *tx)
                .await
                .map_err(store_error)?
                .rows_affected();
                let existing = changed > 0
                    || !Self::carddav_credentials_on(&mut tx, c.account_id, Some(c.server_id))
                        .await?
                        .is_empty();
                if !existing {
                    let query = sqlx::query(Self::insert_sql(
                        "INSERT INTO account_carddav_credentials (space_carddav_server_id, \
                         account_id, username, realm, algorithm, password, created_at, \
                         updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    ))
                    .bind(c.server_id.0)
                    .bind(c.account_id.0)
                    .bind(&c.username)
                    .bind(&c.realm)
                    .bind(c.algorithm.as_str())
                    .bind(&c.password)
                    .bind(now)
                    .bind(now);
                    Self::insert_id(&mut tx, query).await.map_err(|e| {
                        if is_unique_violation(&e) {
                            // A concurrent first write: the caller may retry as a replacement.
                            StoreError::Unavailable(e.to_string())
                        } else {
                            not_found_on_foreign_key(e)
                        }
                    })?;
                }
                let stored = Self::carddav_credentials_on(&mut tx, c.account_id, Some(c.server_id))
                    .await?
                    .into_iter()
                    .next()
                    .map(|(_, c)| c)
                    .ok_or(StoreError::NotFound)?;
                tx.commit().await.map_err(store_error)?;
                Ok(stored)
            }

            async fn delete_carddav_credentials(
                &self,
                account_id: AccountId,
                server_id: flexiapi_domain::model::CardDavServerId,
            ) -> StoreResult<bool> {
                Ok(sqlx::query(Self::sql(
                    "DELETE FROM account_carddav_credentials \
                     WHERE account_id = ? AND space_carddav_server_id = ?",
                ))
                .bind(account_id.0)
                .bind(server_id.0)
                .execute(self.writer())
                .await
                .map_err(store_error)?
                .rows_affected()
                    > 0)
            }
        }
    };
}

pub(crate) use impl_carddavs;
