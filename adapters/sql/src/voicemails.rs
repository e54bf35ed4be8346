//! Each account's voicemails (`account_files`): the port implementation, written once over the
//! backend type. Expanded per backend by `storage`'s `impl_storage!`, which supplies imports and
//! dialect hooks.

use chrono::{DateTime, Utc};
use flexiapi_domain::error::StoreError;
use flexiapi_domain::model::{AccountId, SipUri, Voicemail, VoicemailId, VoicemailType};

use crate::error::bad_row;

/// The columns of `account_files f`, as a literal for `concat!`.
macro_rules! voicemail_columns {
    () => {
        "f.id, f.account_id, f.name, f.size, f.content_type, f.sip_from, f.uploaded_at, \
         f.created_at, f.updated_at"
    };
}
pub(crate) use voicemail_columns;

#[derive(sqlx::FromRow)]
pub(crate) struct VoicemailRow {
    id: String,
    account_id: i64,
    name: Option<String>,
    size: Option<i64>,
    content_type: String,
    sip_from: Option<String>,
    uploaded_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<VoicemailRow> for Voicemail {
    type Error = StoreError;

    fn try_from(r: VoicemailRow) -> Result<Self, StoreError> {
        Ok(Voicemail {
            id: VoicemailId::unchecked(r.id),
            account_id: AccountId(r.account_id),
            name: r.name,
            size: r.size,
            content_type: VoicemailType::parse(&r.content_type)
                .map_err(|_| bad_row("account_files.content_type", &r.content_type))?,
            // Unchecked: rows may predate today's rules.
            sip_from: r.sip_from.map(SipUri::unchecked),
            uploaded_at: r.uploaded_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

macro_rules! impl_voicemails {
    ($storage:ident, $db:ty) => {
        impl $storage {
            /// One voicemail of the account, on `conn`.
            async fn voicemail_on(
                conn: &mut Conn,
                account_id: AccountId,
                id: &flexiapi_domain::model::VoicemailId,
            ) -> StoreResult<Option<flexiapi_domain::model::Voicemail>> {
                let row: Option<crate::voicemails::VoicemailRow> =
                    sqlx::query_as(Self::sql(concat!(
                        "SELECT ",
                        crate::voicemails::voicemail_columns!(),
                        " FROM account_files f WHERE f.id = ? AND f.account_id = ?"
                    )))
                    .bind(id.as_str())
                    .bind(account_id.0)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(store_error)?;
                row.map(TryInto::try_into).transpose()
            }
        }

        #[async_trait]
        impl flexiapi_domain::ports::VoicemailRepository for $storage {
            async fn voicemails_of(
                &self,
                account_id: AccountId,
            ) -> StoreResult<Vec<flexiapi_domain::model::Voicemail>> {
                let rows: Vec<crate::voicemails::VoicemailRow> =
                    sqlx::query_as(Self::sql(concat!(
                        "SELECT ",
                        crate::voicemails::voicemail_columns!(),
                        " FROM account_files f WHERE f.account_id = ? ORDER BY f.created_at, f.id"
                    )))
                    .bind(account_id.0)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(store_error)?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn voicemail(
                &self,
                account_id: AccountId,
                id: &flexiapi_domain::model::VoicemailId,
            ) -> StoreResult<Option<flexiapi_domain::model::Voicemail>> {
                let mut conn = self.conn().await?;
                Self::voicemail_on(&mut conn, account_id, id).await
            }

            async fn voicemail_in_space(
                &self,
                domain: &Domain,
                id: &flexiapi_domain::model::VoicemailId,
            ) -> StoreResult<Option<flexiapi_domain::model::Voicemail>> {
                let row: Option<crate::voicemails::VoicemailRow> =
                    sqlx::query_as(Self::sql(concat!(
                        "SELECT ",
                        crate::voicemails::voicemail_columns!(),
                        " FROM account_files f JOIN accounts a ON a.id = f.account_id \
                         WHERE f.id = ? AND a.domain = ?"
                    )))
                    .bind(id.as_str())
                    .bind(domain.as_str())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(store_error)?;
                row.map(TryInto::try_into).transpose()
            }

            async fn create_voicemail(
                &self,
                new: &flexiapi_domain::model::NewVoicemail,
                now: DateTime<Utc>,
            ) -> StoreResult<flexiapi_domain::model::Voicemail> {
                let now = ts(now);
                let mut tx = self.write().await?;
                sqlx::query(Self::sql(
                    "INSERT INTO account_files (id, account_id, content_type, sip_from, \
                     created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                ))
                .bind(new.id.as_str())
                .bind(new.account_id.0)
                .bind(new.content_type.as_str())
                .bind(new.sip_from.as_ref().map(|u| u.as_str()))
                .bind(now)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(not_found_on_foreign_key)?;
                let created = Self::voicemail_on(&mut tx, new.account_id, &new.id)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                tx.commit().await.map_err(store_error)?;
                Ok(created)
            }

            async fn fill_voicemail(
                &self,
                account_id: AccountId,
                id: &flexiapi_domain::model::VoicemailId,
                name: &str,
                size: i64,
                now: DateTime<Utc>,
            ) -> StoreResult<Option<flexiapi_domain::model::Voicemail>> {
                let now = ts(now);
                let mut tx = self.write().await?;
                // The `uploaded_at IS NULL` guard makes the first of concurrent uploads win.
                let filled = sqlx::query(Self::sql(
                    "UPDATE account_files SET name = ?, size = ?, uploaded_at = ?, updated_at = ? \
                     WHERE id = ? AND account_id = ? AND uploaded_at IS NULL",
                ))
                .bind(name)
                .bind(size)
                .bind(now)
                .bind(now)
                .bind(id.as_str())
                .bind(account_id.0)
                .execute(&mut *tx)
                .await
                .map_err(store_error)?
                .rows_affected()
                    > 0;
                if !filled {
                    return Ok(None);
                }
                let row = Self::voicemail_on(&mut tx, account_id, id).await?;
                tx.commit().await.map_err(store_error)?;
                Ok(row)
            }

            async fn delete_voicemail(
                &self,
                account_id: AccountId,
                id: &flexiapi_domain::model::VoicemailId,
            ) -> StoreResult<Option<flexiapi_domain::model::Voicemail>> {
                let mut tx = self.write().await?;
                let Some(row) = Self::voicemail_on(&mut tx, account_id, id).await? else {
                    return Ok(None);
                };
                let deleted = sqlx::query(Self::sql(
                    "DELETE FROM account_files WHERE id = ? AND account_id = ?",
                ))
                .bind(id.as_str())
                .bind(account_id.0)
                .execute(&mut *tx)
                .await
                .map_err(store_error)?
                .rows_affected()
                    > 0;
                tx.commit().await.map_err(store_error)?;
                Ok(deleted.then_some(row))
            }

            async fn voicemails_to_mail(
                &self,
                max_tryouts: u32,
                stale_before: DateTime<Utc>,
                limit: u32,
            ) -> StoreResult<Vec<flexiapi_domain::model::Voicemail>> {
                let rows: Vec<crate::voicemails::VoicemailRow> =
                    sqlx::query_as(Self::sql(concat!(
                        "SELECT ",
                        crate::voicemails::voicemail_columns!(),
                        " FROM account_files f WHERE f.uploaded_at IS NOT NULL \
                         AND f.sent_by_mail_at IS NULL AND f.sending_by_mail_tryouts < ? \
                         AND (f.sending_by_mail_at IS NULL OR f.sending_by_mail_at < ?) \
                         ORDER BY f.created_at, f.id LIMIT ?"
                    )))
                    .bind(i64::from(max_tryouts))
                    .bind(ts(stale_before))
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(store_error)?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn claim_voicemail_mailing(
                &self,
                id: &flexiapi_domain::model::VoicemailId,
                now: DateTime<Utc>,
                stale_before: DateTime<Utc>,
            ) -> StoreResult<bool> {
                // One statement: the guard and the mark are atomic.
                Ok(sqlx::query(Self::sql(
                    "UPDATE account_files SET sending_by_mail_at = ? WHERE id = ? \
                     AND sent_by_mail_at IS NULL \
                     AND (sending_by_mail_at IS NULL OR sending_by_mail_at < ?)",
                ))
                .bind(ts(now))
                .bind(id.as_str())
                .bind(ts(stale_before))
                .execute(self.writer())
                .await
                .map_err(store_error)?
                .rows_affected()
                    > 0)
            }

            async fn finish_voicemail_mailing(
                &self,
                id: &flexiapi_domain::model::VoicemailId,
                sent: bool,
                now: DateTime<Utc>,
            ) -> StoreResult<()> {
                let query = if sent {
                    sqlx::query(Self::sql(
                        "UPDATE account_files SET sending_by_mail_at = NULL, sent_by_mail_at = ? \
                         WHERE id = ?",
                    ))
                    .bind(ts(now))
                    .bind(id.as_str())
                } else {
                    sqlx::query(Self::sql(
                        "UPDATE account_files SET sending_by_mail_at = NULL, \
                         sending_by_mail_tryouts = sending_by_mail_tryouts + 1 WHERE id = ?",
                    ))
                    .bind(id.as_str())
                };
                query.execute(self.writer()).await.map_err(store_error)?;
                Ok(())
            }

            async fn voicemails_created_before(
                &self,
                cutoff: DateTime<Utc>,
                limit: u32,
            ) -> StoreResult<Vec<flexiapi_domain::model::Voicemail>> {
                let rows: Vec<crate::voicemails::VoicemailRow> =
                    sqlx::query_as(Self::sql(concat!(
                        "SELECT ",
                        crate::voicemails::voicemail_columns!(),
                        " FROM account_files f WHERE f.created_at < ? \
                         ORDER BY f.created_at, f.id LIMIT ?"
                    )))
                    .bind(ts(cutoff))
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(store_error)?;
                rows.into_iter().map(TryInto::try_into).collect()
            }
        }
    };
}

pub(crate) use impl_voicemails;
