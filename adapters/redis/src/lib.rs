//! The Flexisip registrar's Redis store as a [`DeviceRegistry`].
//!
//! # Layout
//! - `contact`: the registrar's hash layout and contact format, read into [`Device`]s.
//! - [`RedisRegistry`]: the port over one multiplexed connection, opened lazily and reopened
//!   after a failure, every round trip bounded by a timeout so that a dead Redis costs a request
//!   about a second and a 503, never a hang.
//! - `b2bua`: external-account changes published to Flexisip's B2BUA (`flexisip/B2BUA/account`).
//! - `testing` (feature `testing`): the registrar's side, for tests.
//!
//! Removing a device deletes its hash field, then publishes on the channel `<user>@<domain>`:
//! the registrar subscribes to each address of record it routes for under that name (its record
//! key, without the `fs:` of the hash) and refetches the record when told, so the proxy stops
//! forking to the removed device at once.

pub mod b2bua;
pub mod contact;
#[cfg(feature = "testing")]
pub mod testing;

use std::time::Duration;

use async_trait::async_trait;
use flexiapi_domain::error::RegistrarError;
use flexiapi_domain::model::{Device, SipIdentity};
use flexiapi_domain::ports::DeviceRegistry;
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Client};
use tokio::sync::Mutex;

/// How long connecting, or any one command, may take by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1);

/// Devices read from, and removed from, the registrar's Redis.
pub struct RedisRegistry {
    client: Client,
    config: AsyncConnectionConfig,
    timeout: Duration,
    /// The shared connection, `None` until the first use and after a failure. The lock is held
    /// only to read or replace it, never across a round trip.
    connection: Mutex<Option<MultiplexedConnection>>,
}

impl RedisRegistry {
    /// A registry for `url` (`redis://[:password@]host[:port][/db]`). Nothing is connected yet:
    /// a Redis that is down at start answers 503 until it is back.
    ///
    /// # Errors
    /// A URL the driver does not understand.
    pub fn new(url: &str, timeout: Duration) -> Result<Self, String> {
        let client = Client::open(url).map_err(|e| format!("invalid Redis URL: {e}"))?;
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout));
        Ok(Self {
            client,
            config,
            timeout,
            connection: Mutex::new(None),
        })
    }

    async fn connection(&self) -> Result<MultiplexedConnection, RegistrarError> {
        if let Some(connection) = self.connection.lock().await.as_ref() {
            return Ok(connection.clone());
        }
        let connection = tokio::time::timeout(
            self.timeout,
            self.client
                .get_multiplexed_async_connection_with_config(&self.config),
        )
        .await
        .map_err(|_| unavailable("connection timed out"))?
        .map_err(|e| unavailable(&e.to_string()))?;
        *self.connection.lock().await = Some(connection.clone());
        Ok(connection)
    }

    /// Runs `command` on the shared connection within the timeout; a failure drops the
    /// connection so that the next call opens a fresh one.
    pub(crate) async fn query<T: redis::FromRedisValue>(
        &self,
        command: &redis::Cmd,
    ) -> Result<T, RegistrarError> {
        let mut connection = self.connection().await?;
        let outcome = tokio::time::timeout(self.timeout, command.query_async::<T>(&mut connection))
            .await
            .map_err(|_| unavailable("command timed out"))
            .and_then(|r| r.map_err(|e| unavailable(&e.to_string())));
        if outcome.is_err() {
            *self.connection.lock().await = None;
        }
        outcome
    }
}

fn unavailable(reason: &str) -> RegistrarError {
    RegistrarError::Unavailable(reason.to_owned())
}

/// The registrar's name for an address of record: `user@domain`.
fn record_key(aor: &SipIdentity) -> String {
    format!("{}@{}", aor.username, aor.domain)
}

#[async_trait]
impl DeviceRegistry for RedisRegistry {
    async fn devices(&self, aor: &SipIdentity) -> Result<Vec<Device>, RegistrarError> {
        let key = contact::hash_key(&record_key(aor));
        let entries: Vec<(Vec<u8>, Vec<u8>)> = self.query(redis::cmd("HGETALL").arg(&key)).await?;
        Ok(entries
            .iter()
            .filter_map(|(field, value)| {
                let field = String::from_utf8_lossy(field);
                let value = String::from_utf8_lossy(value);
                let device = contact::parse_contact(&field, &value);
                if device.is_none() {
                    tracing::warn!(%key, %field, "skipping a registrar entry that is not a contact");
                }
                device
            })
            .collect())
    }

    async fn remove_device(&self, aor: &SipIdentity, uuid: &str) -> Result<bool, RegistrarError> {
        let record = record_key(aor);
        let removed: i64 = self
            .query(
                redis::cmd("HDEL")
                    .arg(contact::hash_key(&record))
                    .arg(&contact::field_names(uuid)),
            )
            .await?;
        if removed == 0 {
            return Ok(false);
        }
        // The registrar refetches the record of the channel's name and drops what is gone.
        let _receivers: i64 = self
            .query(redis::cmd("PUBLISH").arg(&record).arg(""))
            .await?;
        Ok(true)
    }
}
