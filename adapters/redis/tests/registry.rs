//! The registry against the real Redis (`testing::test_redis`), with contacts
//! written as the Flexisip registrar writes them. Each test uses its own domain, so its hash and
//! channel are its own.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use flexiapi_adapters_redis::testing::{self, test_redis};
use flexiapi_adapters_redis::{DEFAULT_TIMEOUT, RedisRegistry};
use flexiapi_domain::error::RegistrarError;
use flexiapi_domain::model::SipIdentity;
use flexiapi_domain::ports::DeviceRegistry;

fn fresh_aor() -> SipIdentity {
    let domain = format!("t{}.example.org", uuid::Uuid::new_v4().simple());
    SipIdentity::parse(&format!("sip:alice@{domain}")).unwrap()
}

fn aor_key(aor: &SipIdentity) -> String {
    format!("alice@{}", aor.domain)
}

fn register(aor: &SipIdentity, uuid: &str, updated_at: i64, user_agent: &str) {
    testing::register(test_redis(), &aor_key(aor), uuid, updated_at, user_agent);
}

fn subscribe(channel: String) -> mpsc::Receiver<String> {
    testing::subscribe(test_redis(), &channel, Duration::from_secs(2))
}

#[tokio::test]
async fn devices_are_read_from_the_registrar_hash() {
    let aor = fresh_aor();
    let registry = RedisRegistry::new(test_redis(), DEFAULT_TIMEOUT).unwrap();
    assert!(registry.devices(&aor).await.unwrap().is_empty());

    register(
        &aor,
        "urn:uuid:00000000-0000-4000-8000-00000000000a",
        1_732_871_234,
        "LinphoneAndroid/5.2.1 (Pixel 7) LinphoneSDK/5.3.0",
    );
    register(
        &aor,
        "urn:uuid:00000000-0000-4000-8000-00000000000b",
        1_732_800_000,
        "LinphoneiOS/5.2.0 (iPhone) LinphoneSDK/5.3.0",
    );
    let mut devices = registry.devices(&aor).await.unwrap();
    devices.sort_by(|a, b| a.uuid.cmp(&b.uuid));
    assert_eq!(devices.len(), 2);
    assert_eq!(
        devices[0].uuid,
        "urn:uuid:00000000-0000-4000-8000-00000000000a"
    );
    assert_eq!(
        devices[0].user_agent,
        "LinphoneAndroid/5.2.1 (Pixel 7) LinphoneSDK/5.3.0"
    );
    assert_eq!(devices[1].update_time.unwrap().timestamp(), 1_732_800_000);
    testing::forget(test_redis(), &aor_key(&aor));
}

#[tokio::test]
async fn removing_a_device_deletes_its_field_and_tells_the_registrar() {
    let aor = fresh_aor();
    let uuid = "urn:uuid:00000000-0000-4000-8000-0000000000c1";
    register(&aor, uuid, 1_700_000_000, "Linphone/1 (x)");
    let registry = RedisRegistry::new(test_redis(), DEFAULT_TIMEOUT).unwrap();

    let channel = format!("alice@{}", aor.domain);
    let published = subscribe(channel);
    assert!(registry.remove_device(&aor, uuid).await.unwrap());
    assert_eq!(published.recv_timeout(Duration::from_secs(3)).unwrap(), "");
    assert!(registry.devices(&aor).await.unwrap().is_empty());

    // Nothing left to remove: no notification either.
    let published = subscribe(format!("alice@{}", aor.domain));
    assert!(!registry.remove_device(&aor, uuid).await.unwrap());
    assert!(published.recv_timeout(Duration::from_secs(3)).is_err());
}

#[tokio::test]
async fn a_closed_port_is_unavailable_quickly() {
    // Bind then drop: nothing listens on that port afterwards.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let registry = RedisRegistry::new(
        &format!("redis://127.0.0.1:{port}"),
        Duration::from_millis(500),
    )
    .unwrap();
    let started = Instant::now();
    let outcome = registry.devices(&fresh_aor()).await;
    assert!(matches!(outcome, Err(RegistrarError::Unavailable(_))));
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert!(matches!(
        registry.remove_device(&fresh_aor(), "x").await,
        Err(RegistrarError::Unavailable(_))
    ));
}

#[test]
fn a_malformed_url_is_refused_at_start() {
    assert!(RedisRegistry::new("not a url", DEFAULT_TIMEOUT).is_err());
}
