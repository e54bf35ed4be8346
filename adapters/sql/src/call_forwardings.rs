//! Each account's call forwardings: the port implementation, written once over the backend type.
//! Expanded per backend by `storage`'s `impl_storage!`, which supplies imports and dialect hooks.
//!
//! Writes lock the account row first (`LOCK_ACCOUNT`), so that the one-per-type and
//! `always`-excludes-the-others checks see every committed forwarding of the account.

use chrono::{DateTime, Utc};
use flexiapi_domain::error::StoreError;
use flexiapi_domain::model::{
    AccountId, CallForwarding, CallForwardingId, Domain, ForwardTo, ForwardingType, SipIdentity,
    SipUri, Username,
};

use crate::error::bad_row;

/// The columns of `call_forwardings f` joined with its contact `c`, as a literal for `concat!`.
macro_rules! call_forwarding_columns {
    () => {
        "f.id, f.account_id, f.type, f.forward_to, f.sip_uri, f.enabled, f.contact_id, \
         c.username AS contact_username, c.domain AS contact_domain, f.created_at, f.updated_at"
    };
}
pub(crate) use call_forwarding_columns;

/// `FROM` and join of [`call_forwarding_columns!`].
macro_rules! call_forwarding_from {
    () => {
        " FROM call_forwardings f LEFT JOIN accounts c ON c.id = f.contact_id"
    };
}
pub(crate) use call_forwarding_from;

#[derive(sqlx::FromRow)]
pub(crate) struct CallForwardingRow {
    id: i64,
    account_id: i64,
    #[sqlx(rename = "type")]
    kind: String,
    forward_to: String,
    sip_uri: Option<String>,
    enabled: bool,
    contact_id: Option<i64>,
    contact_username: Option<String>,
    contact_domain: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<CallForwardingRow> for CallForwarding {
    type Error = StoreError;

    fn try_from(r: CallForwardingRow) -> Result<Self, StoreError> {
        let contact = match (r.contact_username, r.contact_domain) {
            (Some(username), Some(domain)) => Some(SipIdentity::new(
                Username::parse(&username).map_err(|e| bad_row("accounts.username", e))?,
                Domain::parse(&domain).map_err(|e| bad_row("accounts.domain", e))?,
            )),
            _ => None,
        };
        Ok(CallForwarding {
            id: CallForwardingId(r.id),
            account_id: AccountId(r.account_id),
            kind: ForwardingType::parse(&r.kind)
                .map_err(|_| bad_row("call_forwardings.type", &r.kind))?,
            forward_to: ForwardTo::parse(&r.forward_to)
                .map_err(|_| bad_row("call_forwardings.forward_to", &r.forward_to))?,
            // Unchecked: rows may predate today's rules (see the model's `text_value!`).
            sip_uri: r.sip_uri.map(SipUri::unchecked),
            contact_id: r.contact_id.map(AccountId),
            contact,
            enabled: r.enabled,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

macro_rules! impl_call_forwardings {
    ($storage:ident, $db:ty) => {
        impl $storage {
            /// One forwarding of the account, with its contact, on `conn`.
            async fn call_forwarding_on(
                conn: &mut Conn,
                account_id: AccountId,
                id: flexiapi_domain::model::CallForwardingId,
            ) -> StoreResult<Option<flexiapi_domain::model::CallForwarding>> {
                let row: Option<crate::call_forwardings::CallForwardingRow> =
                    sqlx::query_as(Self::sql(concat!(
                        "SELECT ",
                        crate::call_forwardings::call_forwarding_columns!(),
                        crate::call_forwardings::call_forwarding_from!(),
                        " WHERE f.id = ? AND f.account_id = ?"
                    )))
                    .bind(id.0)
                    .bind(account_id.0)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(store_error)?;
                row.map(TryInto::try_into).transpose()
            }

            /// In a write transaction: locks the account, then applies the port's checks to a
            /// write of `new` over forwarding `itself` (if any).
            async fn check_call_forwarding(
                conn: &mut Conn,
                new: &flexiapi_domain::model::NewCallForwarding,
                itself: Option<flexiapi_domain::model::CallForwardingId>,
            ) -> StoreResult<()> {
                let locked: Option<i64> = sqlx::query_scalar(Self::sql(Self::LOCK_ACCOUNT))
                    .bind(new.account_id.0)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(store_error)?;
                if locked.is_none() {
                    return Err(StoreError::NotFound);
                }
                if let Some(itself) = itself
                    && Self::call_forwarding_on(conn, new.account_id, itself)
                        .await?
                        .is_none()
                {
                    return Err(StoreError::NotFound);
                }
                // Ids start at 1: 0 excludes nothing.
                let others: Vec<(String, bool)> = sqlx::query_as(Self::sql(
                    "SELECT type, enabled FROM call_forwardings WHERE account_id = ? AND id <> ?",
                ))
                .bind(new.account_id.0)
                .bind(itself.map_or(0, |i| i.0))
                .fetch_all(&mut *conn)
                .await
                .map_err(store_error)?;
                let mut enabled_kinds = Vec::new();
                for (kind, enabled) in others {
                    if kind == new.kind.as_str() {
                        return Err(StoreError::Conflict(Conflict::CallForwardingType));
                    }
                    if enabled {
                        enabled_kinds.push(
                            flexiapi_domain::model::ForwardingType::parse(&kind)
                                .map_err(|_| crate::error::bad_row("call_forwardings.type", &kind))?,
                        );
                    }
                }
                if new.enabled && enabled_kinds.iter().any(|k| k.excludes(new.kind)) {
                    return Err(StoreError::Conflict(Conflict::CallForwardingEnabled));
                }
                Ok(())
            }
        }

        #[async_trait]
        impl flexiapi_domain::ports::CallForwardingRepository for $storage {
            async fn call_forwardings_of(
                &self,
                account_id: AccountId,
            ) -> StoreResult<Vec<flexiapi_domain::model::CallForwarding>> {
                let rows: Vec<crate::call_forwardings::CallForwardingRow> =
                    sqlx::query_as(Self::sql(concat!(
                        "SELECT ",
                        crate::call_forwardings::call_forwarding_columns!(),
                        crate::call_forwardings::call_forwarding_from!(),
                        " WHERE f.account_id = ? ORDER BY f.id"
                    )))
                    .bind(account_id.0)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(store_error)?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn call_forwarding(
                &self,
                account_id: AccountId,
                id: flexiapi_domain::model::CallForwardingId,
            ) -> StoreResult<Option<flexiapi_domain::model::CallForwarding>> {
                let mut conn = self.conn().await?;
                Self::call_forwarding_on(&mut conn, account_id, id).await
            }

            async fn create_call_forwarding(
                &self,
                new: &flexiapi_domain::model::NewCallForwarding,
                now: DateTime<Utc>,
            ) -> StoreResult<flexiapi_domain::model::CallForwarding> {
                let now = ts(now);
                let mut tx = self.write().await?;
                Self::check_call_forwarding(&mut tx, new, None).await?;
                let query = sqlx::query(Self::insert_sql(
                    "INSERT INTO call_forwardings (account_id, type, forward_to, sip_uri, \
                     enabled, contact_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                ))
                .bind(new.account_id.0)
                .bind(new.kind.as_str())
                .bind(new.forward_to.as_str())
                .bind(new.sip_uri.as_ref().map(|u| u.as_str()))
                .bind(new.enabled)
                .bind(new.contact_id.map(|c| c.0))
                .bind(now)
                .bind(now);
                let id = Self::insert_id(&mut tx, query).await.map_err(|e| {
                    if is_unique_violation(&e) {
                        StoreError::Conflict(Conflict::CallForwardingType)
                    } else {
                        not_found_on_foreign_key(e)
                    }
                })?;
                let created = Self::call_forwarding_on(
                    &mut tx,
                    new.account_id,
                    flexiapi_domain::model::CallForwardingId(id),
                )
                .await?
                .ok_or(StoreError::NotFound)?;
                tx.commit().await.map_err(store_error)?;
                Ok(created)
            }

            async fn update_call_forwarding(
                &self,
                id: flexiapi_domain::model::CallForwardingId,
                new: &flexiapi_domain::model::NewCallForwarding,
                now: DateTime<Utc>,
            ) -> StoreResult<flexiapi_domain::model::CallForwarding> {
                let mut tx = self.write().await?;
                Self::check_call_forwarding(&mut tx, new, Some(id)).await?;
                sqlx::query(Self::sql(
                    "UPDATE call_forwardings SET type = ?, forward_to = ?, sip_uri = ?, \
                     enabled = ?, contact_id = ?, updated_at = ? WHERE id = ? AND account_id = ?",
                ))
                .bind(new.kind.as_str())
                .bind(new.forward_to.as_str())
                .bind(new.sip_uri.as_ref().map(|u| u.as_str()))
                .bind(new.enabled)
                .bind(new.contact_id.map(|c| c.0))
                .bind(ts(now))
                .bind(id.0)
                .bind(new.account_id.0)
                .execute(&mut *tx)
                .await
                .map_err(|e| {
                    if is_unique_violation(&e) {
                        StoreError::Conflict(Conflict::CallForwardingType)
                    } else {
                        not_found_on_foreign_key(e)
                    }
                })?;
                let updated = Self::call_forwarding_on(&mut tx, new.account_id, id)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                tx.commit().await.map_err(store_error)?;
                Ok(updated)
            }

            async fn delete_call_forwarding(
                &self,
                account_id: AccountId,
                id: flexiapi_domain::model::CallForwardingId,
            ) -> StoreResult<bool> {
                Ok(sqlx::query(Self::sql(
                    "DELETE FROM call_forwardings WHERE id = ? AND account_id = ?",
                ))
                .bind(id.0)
                .bind(account_id.0)
                .execute(self.writer())
                .await
                .map_err(store_error)?
                .rows_affected()
                    > 0)
            }
        }
    };
}

pub(crate) use impl_call_forwardings;
