//! E-mail and phone change codes: the port implementation, written once over the backend type and
//! the table (`email_change_codes` with its `email` column, `phone_change_codes` with `phone`).
//! Expanded per backend and table by `storage`'s `impl_storage!`, which supplies imports and
//! dialect hooks.

use chrono::{DateTime, Utc};
use flexiapi_domain::error::StoreError;
use flexiapi_domain::model::{AccountId, ChangeCode, ChangeCodeId, ChangeTarget};

use crate::error::bad_row;

/// A row of either table, its target column read as `target`.
#[derive(sqlx::FromRow)]
pub(crate) struct ChangeCodeRow {
    id: i64,
    account_id: i64,
    code: Option<String>,
    target: String,
    ip: Option<String>,
    user_agent: Option<String>,
    attempts: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl ChangeCodeRow {
    pub(crate) fn into_code<T: ChangeTarget>(self) -> Result<ChangeCode<T>, StoreError> {
        Ok(ChangeCode {
            id: ChangeCodeId(self.id),
            account_id: AccountId(self.account_id),
            code: self.code,
            target: T::from_stored(self.target),
            ip: self.ip,
            user_agent: self.user_agent,
            attempts: u32::try_from(self.attempts)
                .map_err(|e| bad_row("change code attempts", e))?,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// The `SELECT` list of a table whose target column is `$column`.
macro_rules! change_code_columns {
    ($column:literal) => {
        concat!(
            "id, account_id, code, ",
            $column,
            " AS target, ip, user_agent, attempts, created_at, updated_at"
        )
    };
}
pub(crate) use change_code_columns;

macro_rules! impl_change_codes {
    ($storage:ident, $db:ty, $target:ty, $table:literal, $column:literal) => {
        #[async_trait]
        impl ChangeCodeRepository<$target> for $storage {
            async fn create_change_code(
                &self,
                new: NewChangeCode<$target>,
                now: DateTime<Utc>,
            ) -> StoreResult<ChangeCode<$target>> {
                let now = ts(now);
                let mut tx = self.write().await?;
                sqlx::query(Self::sql(concat!(
                    "UPDATE ",
                    $table,
                    " SET code = NULL, updated_at = ? WHERE account_id = ? AND code IS NOT NULL"
                )))
                .bind(now)
                .bind(new.account_id.0)
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
                let query = sqlx::query(Self::insert_sql(concat!(
                    "INSERT INTO ",
                    $table,
                    " (account_id, code, ",
                    $column,
                    ", ip, user_agent, attempts, created_at, updated_at) \
                     VALUES (?, ?, ?, ?, ?, 0, ?, ?)"
                )))
                .bind(new.account_id.0)
                .bind(&new.code)
                .bind(ChangeTarget::as_str(&new.target))
                .bind(&new.ip)
                .bind(&new.user_agent)
                .bind(now)
                .bind(now);
                let id = Self::insert_id(&mut *tx, query)
                    .await
                    .map_err(not_found_on_foreign_key)?;
                tx.commit().await.map_err(store_error)?;
                Ok(ChangeCode {
                    id: ChangeCodeId(id),
                    account_id: new.account_id,
                    code: Some(new.code),
                    target: new.target,
                    ip: new.ip,
                    user_agent: new.user_agent,
                    attempts: 0,
                    created_at: now,
                    updated_at: now,
                })
            }

            async fn latest_change_code(
                &self,
                account_id: AccountId,
            ) -> StoreResult<Option<ChangeCode<$target>>> {
                let row: Option<ChangeCodeRow> = sqlx::query_as(Self::sql(concat!(
                    "SELECT ",
                    change_code_columns!($column),
                    " FROM ",
                    $table,
                    " WHERE account_id = ? ORDER BY id DESC LIMIT 1"
                )))
                .bind(account_id.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error)?;
                row.map(ChangeCodeRow::into_code).transpose()
            }

            async fn pending_change_codes(
                &self,
                ids: &[AccountId],
            ) -> StoreResult<BTreeMap<AccountId, ChangeCode<$target>>> {
                if ids.is_empty() {
                    return Ok(BTreeMap::new());
                }
                let mut builder = sqlx::QueryBuilder::<$db>::new(concat!(
                    "SELECT ",
                    change_code_columns!($column),
                    " FROM ",
                    $table,
                    " WHERE code IS NOT NULL AND account_id IN ("
                ));
                let mut list = builder.separated(", ");
                for id in ids {
                    list.push_bind(id.0);
                }
                builder.push(") ORDER BY id");
                let rows: Vec<ChangeCodeRow> = builder
                    .build_query_as()
                    .fetch_all(&self.pool)
                    .await
                    .map_err(store_error)?;
                rows.into_iter()
                    .map(|row| {
                        let code = row.into_code::<$target>()?;
                        Ok((code.account_id, code))
                    })
                    .collect()
            }

            async fn count_change_codes_since(
                &self,
                account_id: AccountId,
                since: DateTime<Utc>,
            ) -> StoreResult<u64> {
                let count: i64 = sqlx::query_scalar(Self::sql(concat!(
                    "SELECT COUNT(*) FROM ",
                    $table,
                    " WHERE account_id = ? AND created_at > ?"
                )))
                .bind(account_id.0)
                .bind(ts(since))
                .fetch_one(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(u64::try_from(count).unwrap_or_default())
            }

            async fn fail_change_code(
                &self,
                id: ChangeCodeId,
                max_attempts: u32,
                now: DateTime<Utc>,
            ) -> StoreResult<Option<u32>> {
                let mut tx = self.write().await?;
                // `code` before `attempts`: MySQL evaluates assignments in order with the
                // values already assigned, the others with the old row; this order reads the
                // old `attempts` everywhere.
                let result = sqlx::query(Self::sql(concat!(
                    "UPDATE ",
                    $table,
                    " SET code = CASE WHEN attempts + 1 >= ? THEN NULL ELSE code END, \
                     attempts = attempts + 1, updated_at = ? WHERE id = ? AND code IS NOT NULL"
                )))
                .bind(i64::from(max_attempts))
                .bind(ts(now))
                .bind(id.0)
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
                if result.rows_affected() != 1 {
                    return Ok(None);
                }
                // The row stays locked by the update until the commit: this is our count.
                let attempts: i64 = sqlx::query_scalar(Self::sql(concat!(
                    "SELECT attempts FROM ",
                    $table,
                    " WHERE id = ?"
                )))
                .bind(id.0)
                .fetch_one(&mut *tx)
                .await
                .map_err(store_error)?;
                tx.commit().await.map_err(store_error)?;
                Ok(Some(u32::try_from(attempts).unwrap_or(u32::MAX)))
            }

            async fn apply_change_code(
                &self,
                id: ChangeCodeId,
                activate: bool,
                now: DateTime<Utc>,
            ) -> StoreResult<Option<Account>> {
                let now = ts(now);
                let mut tx = self.write().await?;
                // The conditional update is the race's referee: one call sees the code pending.
                let spent = sqlx::query(Self::sql(concat!(
                    "UPDATE ",
                    $table,
                    " SET code = NULL, updated_at = ? WHERE id = ? AND code IS NOT NULL"
                )))
                .bind(now)
                .bind(id.0)
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
                if spent.rows_affected() != 1 {
                    return Ok(None);
                }
                let (account_id, target): (i64, String) = sqlx::query_as(Self::sql(concat!(
                    "SELECT account_id, ",
                    $column,
                    " FROM ",
                    $table,
                    " WHERE id = ?"
                )))
                .bind(id.0)
                .fetch_one(&mut *tx)
                .await
                .map_err(store_error)?;
                let query = if activate {
                    sqlx::query(Self::sql(concat!(
                        "UPDATE accounts SET ",
                        $column,
                        " = ?, activated = ?, updated_at = ? WHERE id = ?"
                    )))
                    .bind(target)
                    .bind(true)
                } else {
                    sqlx::query(Self::sql(concat!(
                        "UPDATE accounts SET ",
                        $column,
                        " = ?, updated_at = ? WHERE id = ?"
                    )))
                    .bind(target)
                };
                query
                    .bind(now)
                    .bind(account_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(store_error)?;
                let account = Self::account_in(&mut *tx, account_id)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                tx.commit().await.map_err(store_error)?;
                Ok(Some(account))
            }

        }
    };
}

pub(crate) use impl_change_codes;
