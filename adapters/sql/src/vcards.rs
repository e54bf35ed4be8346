//! Each account's stored vCards: the port implementation, written once over the backend type.
//! Expanded per backend by `storage`'s `impl_storage!`, which supplies imports and dialect hooks.

use chrono::{DateTime, Utc};
use flexiapi_domain::model::{AccountId, StoredVcard};

#[derive(sqlx::FromRow)]
pub(crate) struct VcardRow {
    account_id: i64,
    uuid: String,
    vcard: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<VcardRow> for StoredVcard {
    fn from(r: VcardRow) -> Self {
        StoredVcard {
            account_id: AccountId(r.account_id),
            uuid: r.uuid,
            vcard: r.vcard,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

macro_rules! impl_vcards {
    ($storage:ident, $db:ty) => {
        impl $storage {
            async fn vcard_on(
                conn: &mut Conn,
                account_id: AccountId,
                uid: &str,
            ) -> StoreResult<Option<flexiapi_domain::model::StoredVcard>> {
                let row: Option<crate::vcards::VcardRow> = sqlx::query_as(Self::sql(
                    "SELECT account_id, uuid, vcard, created_at, updated_at FROM vcards_storage \
                     WHERE account_id = ? AND uuid = ?",
                ))
                .bind(account_id.0)
                .bind(uid)
                .fetch_optional(&mut *conn)
                .await
                .map_err(store_error)?;
                Ok(row.map(Into::into))
            }
        }

        #[async_trait]
        impl flexiapi_domain::ports::VcardRepository for $storage {
            async fn vcards_of(
                &self,
                account_id: AccountId,
            ) -> StoreResult<Vec<flexiapi_domain::model::StoredVcard>> {
                let rows: Vec<crate::vcards::VcardRow> = sqlx::query_as(Self::sql(
                    "SELECT account_id, uuid, vcard, created_at, updated_at FROM vcards_storage \
                     WHERE account_id = ? ORDER BY id",
                ))
                .bind(account_id.0)
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn vcard(
                &self,
                account_id: AccountId,
                uid: &str,
            ) -> StoreResult<Option<flexiapi_domain::model::StoredVcard>> {
                let mut conn = self.conn().await?;
                Self::vcard_on(&mut conn, account_id, uid).await
            }

            async fn create_vcard(
                &self,
                account_id: AccountId,
                card: &flexiapi_domain::model::ParsedVcard,
                now: DateTime<Utc>,
            ) -> StoreResult<flexiapi_domain::model::StoredVcard> {
                let now = ts(now);
                let mut tx = self.write().await?;
                let query = sqlx::query(Self::insert_sql(
                    "INSERT INTO vcards_storage (account_id, uuid, vcard, created_at, updated_at) \
                     VALUES (?, ?, ?, ?, ?)",
                ))
                .bind(account_id.0)
                .bind(&card.uid)
                .bind(&card.text)
                .bind(now)
                .bind(now);
                Self::insert_id(&mut tx, query).await.map_err(|e| {
                    if is_unique_violation(&e) {
                        StoreError::Conflict(Conflict::VcardUid)
                    } else {
                        not_found_on_foreign_key(e)
                    }
                })?;
                let created = Self::vcard_on(&mut tx, account_id, &card.uid)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                tx.commit().await.map_err(store_error)?;
                Ok(created)
            }

            async fn update_vcard(
                &self,
                account_id: AccountId,
                card: &flexiapi_domain::model::ParsedVcard,
                now: DateTime<Utc>,
            ) -> StoreResult<Option<flexiapi_domain::model::StoredVcard>> {
                let mut tx = self.write().await?;
                // MySQL counts changed rows only, so the row is read back instead.
                sqlx::query(Self::sql(
                    "UPDATE vcards_storage SET vcard = ?, updated_at = ? \
                     WHERE account_id = ? AND uuid = ?",
                ))
                .bind(&card.text)
                .bind(ts(now))
                .bind(account_id.0)
                .bind(&card.uid)
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
                let updated = Self::vcard_on(&mut tx, account_id, &card.uid).await?;
                tx.commit().await.map_err(store_error)?;
                Ok(updated)
            }

            async fn delete_vcard(&self, account_id: AccountId, uid: &str) -> StoreResult<bool> {
                Ok(sqlx::query(Self::sql(
                    "DELETE FROM vcards_storage WHERE account_id = ? AND uuid = ?",
                ))
                .bind(account_id.0)
                .bind(uid)
                .execute(self.writer())
                .await
                .map_err(store_error)?
                .rows_affected()
                    > 0)
            }
        }
    };
}

pub(crate) use impl_vcards;
