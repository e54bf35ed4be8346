//! Call and message statistics: the port implementation, written once over the backend type.
//! Expanded per backend by `storage`'s `impl_storage!`, which supplies imports and dialect hooks.
//!
//! Retried hooks: a record first looks its (space, id) up in the write transaction, and a unique
//! violation of a concurrent twin counts as "already there" rather than as an error.

use chrono::{DateTime, Utc};
use flexiapi_domain::error::StoreError;
use flexiapi_domain::model::{
    Domain, InviteTerminatedState, StatisticsAddress, StatisticsCall, StatisticsCallDevice,
    StatisticsMessage, StatisticsMessageDevice,
};

use crate::error::bad_row;

macro_rules! statistics_call_columns {
    () => {
        "row_id, space, id, from_username, from_domain, to_username, to_domain, initiated_at, \
         ended_at, conference_id, created_at, updated_at"
    };
}
pub(crate) use statistics_call_columns;

macro_rules! statistics_message_columns {
    () => {
        "row_id, space, id, from_username, from_domain, sent_at, encrypted, conference_id, \
         created_at, updated_at"
    };
}
pub(crate) use statistics_message_columns;

#[derive(sqlx::FromRow)]
pub(crate) struct CallRow {
    pub(crate) row_id: i64,
    space: String,
    pub(crate) id: String,
    from_username: String,
    from_domain: String,
    to_username: String,
    to_domain: String,
    initiated_at: DateTime<Utc>,
    ended_at: Option<DateTime<Utc>>,
    conference_id: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl CallRow {
    pub(crate) fn into_call(
        self,
        devices: Vec<StatisticsCallDevice>,
    ) -> Result<StatisticsCall, StoreError> {
        Ok(StatisticsCall {
            space: Domain::parse(&self.space).map_err(|e| bad_row("statistics_calls.space", e))?,
            id: self.id,
            from: StatisticsAddress::new(self.from_username, self.from_domain),
            to: StatisticsAddress::new(self.to_username, self.to_domain),
            initiated_at: self.initiated_at,
            ended_at: self.ended_at,
            conference_id: self.conference_id,
            devices,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct CallDeviceRow {
    device_id: String,
    rang_at: Option<DateTime<Utc>>,
    invite_terminated_at: Option<DateTime<Utc>>,
    invite_terminated_state: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl CallDeviceRow {
    pub(crate) fn into_device(self, call_id: &str) -> Result<StatisticsCallDevice, StoreError> {
        let invite_terminated = match (self.invite_terminated_at, self.invite_terminated_state) {
            (Some(at), Some(state)) => Some((
                at,
                InviteTerminatedState::parse(&state).ok_or_else(|| {
                    bad_row("statistics_call_devices.invite_terminated_state", &state)
                })?,
            )),
            _ => None,
        };
        Ok(StatisticsCallDevice {
            call_id: call_id.to_owned(),
            device_id: self.device_id,
            rang_at: self.rang_at,
            invite_terminated,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct MessageRow {
    pub(crate) row_id: i64,
    space: String,
    id: String,
    from_username: String,
    from_domain: String,
    sent_at: DateTime<Utc>,
    encrypted: bool,
    conference_id: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl MessageRow {
    pub(crate) fn into_message(
        self,
        devices: Vec<StatisticsMessageDevice>,
    ) -> Result<StatisticsMessage, StoreError> {
        Ok(StatisticsMessage {
            space: Domain::parse(&self.space)
                .map_err(|e| bad_row("statistics_messages.space", e))?,
            id: self.id,
            from: StatisticsAddress::new(self.from_username, self.from_domain),
            sent_at: self.sent_at,
            encrypted: self.encrypted,
            conference_id: self.conference_id,
            devices,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct MessageDeviceRow {
    to_username: String,
    to_domain: String,
    device_id: String,
    last_status: i64,
    received_at: DateTime<Utc>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl MessageDeviceRow {
    pub(crate) fn into_device(self, message_id: &str) -> StatisticsMessageDevice {
        StatisticsMessageDevice {
            message_id: message_id.to_owned(),
            to: StatisticsAddress::new(self.to_username, self.to_domain),
            device_id: self.device_id,
            last_status: self.last_status,
            received_at: self.received_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

/// A device row a concurrent report of the same device inserted first: a retry updates it, so
/// the hook is told to retry (503) rather than handed a server error.
pub(crate) fn lost_device_race(e: sqlx::Error) -> StoreError {
    if crate::error::is_unique_violation(&e) {
        StoreError::Unavailable("concurrent report of the same device".into())
    } else {
        crate::error::store_error(e)
    }
}

macro_rules! impl_statistics {
    ($storage:ident, $db:ty) => {
        impl $storage {
            /// The account `from` names when it is one of the space's, on `conn`.
            async fn statistics_sender(
                conn: &mut Conn,
                space: &Domain,
                from: &flexiapi_domain::model::StatisticsAddress,
            ) -> StoreResult<Option<i64>> {
                if from.domain != space.as_str() {
                    return Ok(None);
                }
                sqlx::query_scalar(Self::sql(
                    "SELECT id FROM accounts WHERE username = ? AND domain = ?",
                ))
                .bind(&from.username)
                .bind(&from.domain)
                .fetch_optional(&mut *conn)
                .await
                .map_err(store_error)
            }

            async fn statistics_call_row(
                conn: &mut Conn,
                space: &Domain,
                id: &str,
            ) -> StoreResult<Option<crate::statistics::CallRow>> {
                sqlx::query_as(Self::sql(concat!(
                    "SELECT ",
                    crate::statistics::statistics_call_columns!(),
                    " FROM statistics_calls WHERE space = ? AND id = ?"
                )))
                .bind(space.as_str())
                .bind(id)
                .fetch_optional(&mut *conn)
                .await
                .map_err(store_error)
            }

            async fn statistics_call_devices(
                conn: &mut Conn,
                row_id: i64,
                call_id: &str,
            ) -> StoreResult<Vec<flexiapi_domain::model::StatisticsCallDevice>> {
                let rows: Vec<crate::statistics::CallDeviceRow> = sqlx::query_as(Self::sql(
                    "SELECT device_id, rang_at, invite_terminated_at, invite_terminated_state, \
                     created_at, updated_at FROM statistics_call_devices WHERE call_row_id = ? \
                     ORDER BY device_id",
                ))
                .bind(row_id)
                .fetch_all(&mut *conn)
                .await
                .map_err(store_error)?;
                rows.into_iter().map(|r| r.into_device(call_id)).collect()
            }

            async fn statistics_call_on(
                conn: &mut Conn,
                space: &Domain,
                id: &str,
            ) -> StoreResult<Option<flexiapi_domain::model::StatisticsCall>> {
                let Some(row) = Self::statistics_call_row(conn, space, id).await? else {
                    return Ok(None);
                };
                let devices = Self::statistics_call_devices(conn, row.row_id, id).await?;
                row.into_call(devices).map(Some)
            }

            async fn statistics_message_row(
                conn: &mut Conn,
                space: &Domain,
                id: &str,
            ) -> StoreResult<Option<crate::statistics::MessageRow>> {
                sqlx::query_as(Self::sql(concat!(
                    "SELECT ",
                    crate::statistics::statistics_message_columns!(),
                    " FROM statistics_messages WHERE space = ? AND id = ?"
                )))
                .bind(space.as_str())
                .bind(id)
                .fetch_optional(&mut *conn)
                .await
                .map_err(store_error)
            }

            async fn statistics_message_device_on(
                conn: &mut Conn,
                row_id: i64,
                device: &flexiapi_domain::model::StatisticsMessageDevice,
            ) -> StoreResult<Option<flexiapi_domain::model::StatisticsMessageDevice>> {
                let row: Option<crate::statistics::MessageDeviceRow> = sqlx::query_as(Self::sql(
                    "SELECT to_username, to_domain, device_id, last_status, received_at, \
                     created_at, updated_at FROM statistics_message_devices \
                     WHERE message_row_id = ? AND to_username = ? AND to_domain = ? \
                     AND device_id = ?",
                ))
                .bind(row_id)
                .bind(&device.to.username)
                .bind(&device.to.domain)
                .bind(&device.device_id)
                .fetch_optional(&mut *conn)
                .await
                .map_err(store_error)?;
                Ok(row.map(|r| r.into_device(&device.message_id)))
            }
        }

        #[async_trait]
        impl flexiapi_domain::ports::StatisticsRepository for $storage {
            async fn record_statistics_message(
                &self,
                message: &flexiapi_domain::model::StatisticsMessage,
            ) -> StoreResult<bool> {
                let mut tx = self.write().await?;
                if Self::statistics_message_row(&mut tx, &message.space, &message.id)
                    .await?
                    .is_some()
                {
                    return Ok(false);
                }
                let sender = Self::statistics_sender(&mut tx, &message.space, &message.from).await?;
                let inserted = sqlx::query(Self::sql(
                    "INSERT INTO statistics_messages (space, id, from_username, from_domain, \
                     from_account_id, sent_at, encrypted, conference_id, created_at, updated_at) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                ))
                .bind(message.space.as_str())
                .bind(&message.id)
                .bind(&message.from.username)
                .bind(&message.from.domain)
                .bind(sender)
                .bind(ts(message.sent_at))
                .bind(message.encrypted)
                .bind(&message.conference_id)
                .bind(ts(message.created_at))
                .bind(ts(message.updated_at))
                .execute(&mut *tx)
                .await;
                if !crate::error::inserted_once(inserted)? {
                    return Ok(false);
                }
                tx.commit().await.map_err(store_error)?;
                Ok(true)
            }

            async fn statistics_message(
                &self,
                space: &Domain,
                id: &str,
            ) -> StoreResult<Option<flexiapi_domain::model::StatisticsMessage>> {
                let mut conn = self.conn().await?;
                let Some(row) = Self::statistics_message_row(&mut conn, space, id).await? else {
                    return Ok(None);
                };
                let devices: Vec<crate::statistics::MessageDeviceRow> = sqlx::query_as(Self::sql(
                    "SELECT to_username, to_domain, device_id, last_status, received_at, \
                     created_at, updated_at FROM statistics_message_devices \
                     WHERE message_row_id = ? ORDER BY to_username, to_domain, device_id",
                ))
                .bind(row.row_id)
                .fetch_all(&mut *conn)
                .await
                .map_err(store_error)?;
                let devices = devices.into_iter().map(|d| d.into_device(id)).collect();
                row.into_message(devices).map(Some)
            }

            async fn put_statistics_message_device(
                &self,
                space: &Domain,
                device: &flexiapi_domain::model::StatisticsMessageDevice,
            ) -> StoreResult<(flexiapi_domain::model::StatisticsMessageDevice, bool)> {
                let mut tx = self.write().await?;
                let row_id = Self::statistics_message_row(&mut tx, space, &device.message_id)
                    .await?
                    .ok_or(StoreError::NotFound)?
                    .row_id;
                let existing = Self::statistics_message_device_on(&mut tx, row_id, device).await?;
                if existing.is_some() {
                    sqlx::query(Self::sql(
                        "UPDATE statistics_message_devices SET last_status = ?, received_at = ?, \
                         updated_at = ? WHERE message_row_id = ? AND to_username = ? \
                         AND to_domain = ? AND device_id = ?",
                    ))
                    .bind(device.last_status)
                    .bind(ts(device.received_at))
                    .bind(ts(device.updated_at))
                    .bind(row_id)
                    .bind(&device.to.username)
                    .bind(&device.to.domain)
                    .bind(&device.device_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(crate::statistics::lost_device_race)?;
                } else {
                    sqlx::query(Self::sql(
                        "INSERT INTO statistics_message_devices (message_row_id, to_username, \
                         to_domain, device_id, last_status, received_at, created_at, updated_at) \
                         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    ))
                    .bind(row_id)
                    .bind(&device.to.username)
                    .bind(&device.to.domain)
                    .bind(&device.device_id)
                    .bind(device.last_status)
                    .bind(ts(device.received_at))
                    .bind(ts(device.created_at))
                    .bind(ts(device.updated_at))
                    .execute(&mut *tx)
                    .await
                                        .map_err(store_error)?;
                }
                let stored = Self::statistics_message_device_on(&mut tx, row_id, device)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                tx.commit().await.map_err(store_error)?;
                Ok((stored, existing.is_none()))
            }

            async fn record_statistics_call(
                &self,
                call: &flexiapi_domain::model::StatisticsCall,
            ) -> StoreResult<bool> {
                let mut tx = self.write().await?;
                if Self::statistics_call_row(&mut tx, &call.space, &call.id)
                    .await?
                    .is_some()
                {
                    return Ok(false);
                }
                let sender = Self::statistics_sender(&mut tx, &call.space, &call.from).await?;
                let inserted = sqlx::query(Self::sql(
                    "INSERT INTO statistics_calls (space, id, from_username, from_domain, \
                     to_username, to_domain, from_account_id, initiated_at, ended_at, \
                     conference_id, created_at, updated_at) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                ))
                .bind(call.space.as_str())
                .bind(&call.id)
                .bind(&call.from.username)
                .bind(&call.from.domain)
                .bind(&call.to.username)
                .bind(&call.to.domain)
                .bind(sender)
                .bind(ts(call.initiated_at))
                .bind(call.ended_at.map(ts))
                .bind(&call.conference_id)
                .bind(ts(call.created_at))
                .bind(ts(call.updated_at))
                .execute(&mut *tx)
                .await;
                if !crate::error::inserted_once(inserted)? {
                    return Ok(false);
                }
                tx.commit().await.map_err(store_error)?;
                Ok(true)
            }

            async fn statistics_call(
                &self,
                space: &Domain,
                id: &str,
            ) -> StoreResult<Option<flexiapi_domain::model::StatisticsCall>> {
                let mut conn = self.conn().await?;
                Self::statistics_call_on(&mut conn, space, id).await
            }

            async fn end_statistics_call(
                &self,
                space: &Domain,
                id: &str,
                ended_at: DateTime<Utc>,
                now: DateTime<Utc>,
            ) -> StoreResult<Option<flexiapi_domain::model::StatisticsCall>> {
                let mut tx = self.write().await?;
                sqlx::query(Self::sql(
                    "UPDATE statistics_calls SET ended_at = ?, updated_at = ? \
                     WHERE space = ? AND id = ?",
                ))
                .bind(ts(ended_at))
                .bind(ts(now))
                .bind(space.as_str())
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
                let call = Self::statistics_call_on(&mut tx, space, id).await?;
                tx.commit().await.map_err(store_error)?;
                Ok(call)
            }

            async fn put_statistics_call_device(
                &self,
                space: &Domain,
                device: &flexiapi_domain::model::StatisticsCallDevice,
            ) -> StoreResult<(flexiapi_domain::model::StatisticsCallDevice, bool)> {
                let mut tx = self.write().await?;
                let row_id = Self::statistics_call_row(&mut tx, space, &device.call_id)
                    .await?
                    .ok_or(StoreError::NotFound)?
                    .row_id;
                let (terminated_at, terminated_state) = match device.invite_terminated {
                    Some((at, state)) => (Some(ts(at)), Some(state.as_str())),
                    None => (None, None),
                };
                let exists: i64 = sqlx::query_scalar(Self::sql(
                    "SELECT COUNT(*) FROM statistics_call_devices \
                     WHERE call_row_id = ? AND device_id = ?",
                ))
                .bind(row_id)
                .bind(&device.device_id)
                .fetch_one(&mut *tx)
                .await
                .map_err(store_error)?;
                if exists > 0 {
                    // Absent fields keep what an earlier report stored.
                    sqlx::query(Self::sql(
                        "UPDATE statistics_call_devices SET rang_at = COALESCE(?, rang_at), \
                         invite_terminated_at = COALESCE(?, invite_terminated_at), \
                         invite_terminated_state = COALESCE(?, invite_terminated_state), \
                         updated_at = ? WHERE call_row_id = ? AND device_id = ?",
                    ))
                    .bind(device.rang_at.map(ts))
                    .bind(terminated_at)
                    .bind(terminated_state)
                    .bind(ts(device.updated_at))
                    .bind(row_id)
                    .bind(&device.device_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(crate::statistics::lost_device_race)?;
                } else {
                    sqlx::query(Self::sql(
                        "INSERT INTO statistics_call_devices (call_row_id, device_id, rang_at, \
                         invite_terminated_at, invite_terminated_state, created_at, updated_at) \
                         VALUES (?, ?, ?, ?, ?, ?, ?)",
                    ))
                    .bind(row_id)
                    .bind(&device.device_id)
                    .bind(device.rang_at.map(ts))
                    .bind(terminated_at)
                    .bind(terminated_state)
                    .bind(ts(device.created_at))
                    .bind(ts(device.updated_at))
                    .execute(&mut *tx)
                    .await
                                        .map_err(store_error)?;
                }
                let row: crate::statistics::CallDeviceRow = sqlx::query_as(Self::sql(
                    "SELECT device_id, rang_at, invite_terminated_at, invite_terminated_state, \
                     created_at, updated_at FROM statistics_call_devices \
                     WHERE call_row_id = ? AND device_id = ?",
                ))
                .bind(row_id)
                .bind(&device.device_id)
                .fetch_one(&mut *tx)
                .await
                .map_err(store_error)?;
                tx.commit().await.map_err(store_error)?;
                Ok((row.into_device(&device.call_id)?, exists == 0))
            }

            async fn statistics_calls_of(
                &self,
                space: &Domain,
                party: &flexiapi_domain::model::StatisticsAddress,
                page: u64,
                per_page: u64,
            ) -> StoreResult<flexiapi_domain::model::Page<flexiapi_domain::model::StatisticsCall>>
            {
                let page = page.max(1);
                let per_page = per_page.max(1);
                let mut conn = self.conn().await?;
                let total: i64 = sqlx::query_scalar(Self::sql(
                    "SELECT COUNT(*) FROM statistics_calls WHERE space = ? \
                     AND ((from_username = ? AND from_domain = ?) \
                     OR (to_username = ? AND to_domain = ?))",
                ))
                .bind(space.as_str())
                .bind(&party.username)
                .bind(&party.domain)
                .bind(&party.username)
                .bind(&party.domain)
                .fetch_one(&mut *conn)
                .await
                .map_err(store_error)?;
                let rows: Vec<crate::statistics::CallRow> = sqlx::query_as(Self::sql(concat!(
                    "SELECT ",
                    crate::statistics::statistics_call_columns!(),
                    " FROM statistics_calls WHERE space = ? \
                     AND ((from_username = ? AND from_domain = ?) \
                     OR (to_username = ? AND to_domain = ?)) \
                     ORDER BY initiated_at DESC, id DESC LIMIT ? OFFSET ?"
                )))
                .bind(space.as_str())
                .bind(&party.username)
                .bind(&party.domain)
                .bind(&party.username)
                .bind(&party.domain)
                .bind(i64::try_from(per_page).unwrap_or(i64::MAX))
                .bind(i64::try_from((page - 1).saturating_mul(per_page)).unwrap_or(i64::MAX))
                .fetch_all(&mut *conn)
                .await
                .map_err(store_error)?;
                let mut items = Vec::with_capacity(rows.len());
                // One query per call of the page (at most `per_page`, at most 100).
                for row in rows {
                    let id = row.id.clone();
                    let devices = Self::statistics_call_devices(&mut conn, row.row_id, &id).await?;
                    items.push(row.into_call(devices)?);
                }
                Ok(flexiapi_domain::model::Page {
                    items,
                    total: u64::try_from(total).unwrap_or_default(),
                    page,
                    per_page,
                })
            }

            async fn clear_statistics(&self, before: DateTime<Utc>) -> StoreResult<u64> {
                let mut tx = self.write().await?;
                // Devices go by cascade.
                let messages = sqlx::query(Self::sql("DELETE FROM statistics_messages WHERE sent_at < ?"))
                    .bind(ts(before))
                    .execute(&mut *tx)
                    .await
                    .map_err(store_error)?
                    .rows_affected();
                let calls = sqlx::query(Self::sql("DELETE FROM statistics_calls WHERE initiated_at < ?"))
                    .bind(ts(before))
                    .execute(&mut *tx)
                    .await
                    .map_err(store_error)?
                    .rows_affected();
                tx.commit().await.map_err(store_error)?;
                Ok(messages + calls)
            }
        }
    };
}

pub(crate) use impl_statistics;
