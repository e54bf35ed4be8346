//! The B2BUA notifier against the real Redis (`testing::test_redis`), as
//! Flexisip's B2BUA sees it: a SUBSCRIBE on `flexisip/B2BUA/account`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use flexiapi_adapters_redis::b2bua::{B2BUA_ACCOUNT_CHANNEL, RedisB2buaNotifier};
use flexiapi_adapters_redis::testing::{self, test_redis};
use flexiapi_adapters_redis::{DEFAULT_TIMEOUT, RedisRegistry};
use flexiapi_domain::ports::{B2buaAccountChange, B2buaNotifier};

fn change() -> B2buaAccountChange {
    B2buaAccountChange {
        username: format!("u{}", uuid::Uuid::new_v4().simple()),
        domain: "provider.example.net".into(),
        identifier: "42".into(),
    }
}

#[tokio::test]
async fn a_subscriber_of_the_b2bua_channel_gets_each_change_as_json() {
    let notifier = RedisB2buaNotifier::new(Arc::new(
        RedisRegistry::new(test_redis(), DEFAULT_TIMEOUT).unwrap(),
    ));
    let change = change();
    let received = testing::subscribe_for(
        test_redis(),
        B2BUA_ACCOUNT_CHANNEL,
        &change.username,
        Duration::from_secs(3),
    );
    notifier.external_account_changed(change.clone()).await;
    let payload = tokio::task::spawn_blocking(move || received.recv())
        .await
        .unwrap()
        .expect("a message on the B2BUA channel");
    let json: serde_json::Value = serde_json::from_str(&payload).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "username": change.username,
            "domain": "provider.example.net",
            "identifier": "42",
        })
    );
    assert_eq!(notifier.failures(), 0);
}

#[tokio::test]
async fn a_redis_that_is_down_is_retried_then_the_change_is_counted_lost() {
    // Nothing listens on port 1.
    let notifier = RedisB2buaNotifier::with_backoff(
        Arc::new(RedisRegistry::new("redis://127.0.0.1:1", Duration::from_millis(200)).unwrap()),
        Duration::from_millis(20),
    );
    let started = Instant::now();
    // The call returns at once: the publishing runs on its own.
    notifier.external_account_changed(change()).await;
    assert!(started.elapsed() < Duration::from_millis(100));
    assert_eq!(notifier.failures(), 0);

    // Direct publishing: every attempt, then the count.
    assert!(!notifier.publish(&change()).await);
    assert!(notifier.failures() >= 1);
    let deadline = Instant::now() + Duration::from_secs(3);
    while notifier.failures() < 2 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(notifier.failures(), 2, "the spawned publish is counted too");
}
