//! External-account changes published to Flexisip's B2BUA.
//!
//! The B2BUA subscribes to [`B2BUA_ACCOUNT_CHANNEL`]; on each message
//! `{"username","domain","identifier"}` it reloads that row from the database (and drops the
//! account when the row is gone). On every (re)subscription it reloads all of them.
//!
//! Delivery: the change is already stored when this runs, so a request never waits for Redis.
//! Each publish runs in its own task and is tried [`PUBLISH_ATTEMPTS`] times, a growing pause
//! apart; when Redis stays unreachable the failure is logged at error level and counted
//! ([`B2buaNotifier::failures`]). Nothing is lost for good: a Redis that is down has also
//! dropped the B2BUA's subscription, and the B2BUA reloads every account when it subscribes
//! again.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use flexiapi_domain::ports::{B2buaAccountChange, B2buaNotifier};

use crate::RedisRegistry;

/// The channel Flexisip's B2BUA (sip-bridge account pool) subscribes to.
pub const B2BUA_ACCOUNT_CHANNEL: &str = "flexisip/B2BUA/account";
/// How many times one change is published before it is reported lost.
pub const PUBLISH_ATTEMPTS: u32 = 3;

/// Publishes on the registrar's Redis connection.
#[derive(Clone)]
pub struct RedisB2buaNotifier {
    redis: Arc<RedisRegistry>,
    /// Pause after the first failed attempt; doubled after each further one.
    backoff: Duration,
    failures: Arc<AtomicU64>,
}

impl RedisB2buaNotifier {
    pub fn new(redis: Arc<RedisRegistry>) -> Self {
        Self::with_backoff(redis, Duration::from_millis(500))
    }

    /// With another first pause (tests).
    pub fn with_backoff(redis: Arc<RedisRegistry>, backoff: Duration) -> Self {
        Self {
            redis,
            backoff,
            failures: Arc::default(),
        }
    }

    /// The message the B2BUA parses.
    pub fn payload(change: &B2buaAccountChange) -> String {
        serde_json::json!({
            "username": change.username,
            "domain": change.domain,
            "identifier": change.identifier,
        })
        .to_string()
    }

    /// Publishes `change`, retrying; counts and logs the change when every attempt failed.
    /// Returns whether it was delivered to Redis.
    pub async fn publish(&self, change: &B2buaAccountChange) -> bool {
        let payload = Self::payload(change);
        let mut pause = self.backoff;
        for attempt in 1..=PUBLISH_ATTEMPTS {
            let command = redis::cmd("PUBLISH")
                .arg(B2BUA_ACCOUNT_CHANNEL)
                .arg(&payload)
                .clone();
            match self.redis.query::<i64>(&command).await {
                Ok(receivers) => {
                    tracing::debug!(receivers, identifier = %change.identifier, "external account change published to the B2BUA");
                    return true;
                }
                Err(e) if attempt < PUBLISH_ATTEMPTS => {
                    tracing::warn!(error = %e, attempt, "cannot publish an external account change; retrying");
                    tokio::time::sleep(pause).await;
                    pause *= 2;
                }
                Err(e) => {
                    self.failures.fetch_add(1, Ordering::Relaxed);
                    tracing::error!(
                        error = %e,
                        channel = B2BUA_ACCOUNT_CHANNEL,
                        username = %change.username,
                        domain = %change.domain,
                        identifier = %change.identifier,
                        "external account change not published to the B2BUA after {PUBLISH_ATTEMPTS} \
                         attempts: it is stored, and the B2BUA reloads it when it resubscribes"
                    );
                }
            }
        }
        false
    }
}

#[async_trait]
impl B2buaNotifier for RedisB2buaNotifier {
    async fn external_account_changed(&self, change: B2buaAccountChange) {
        let this = self.clone();
        // The request does not wait for Redis (nor for the retries' pauses).
        tokio::spawn(async move {
            this.publish(&change).await;
        });
    }

    fn failures(&self) -> u64 {
        self.failures.load(Ordering::Relaxed)
    }
}
