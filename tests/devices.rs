//! Devices from the Flexisip registrar: fixtures written in the real Redis (`testing::test_redis`) the
//! way the registrar writes them (`flexiapi_adapters_redis::testing`), each test in a space of its
//! own so that hashes and channels never collide.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use flexiapi_adapters_redis::testing::{self, test_redis};
use flexiapi_domain::model::PasswordAlgorithm::Sha256;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Store, TestApp, unique_domain};

const ANDROID: &str = "urn:uuid:0b1c2d3e-0000-4000-8000-00000000000a";
const IPHONE: &str = "urn:uuid:0b1c2d3e-0000-4000-8000-00000000000b";

fn register(aor: &str, uuid: &str, updated_at: i64, user_agent: &str) {
    testing::register(test_redis(), aor, uuid, updated_at, user_agent);
}

fn forget(aor: &str) {
    testing::forget(test_redis(), aor);
}

fn subscribe(channel: String) -> mpsc::Receiver<String> {
    testing::subscribe(test_redis(), &channel, Duration::from_secs(3))
}

async fn with_redis(store: Store) -> TestApp {
    TestApp::spawn_with(store, |c| c.redis_url = Some(test_redis().into())).await
}

async fn call(
    app: &TestApp,
    method: Method,
    host: &str,
    path: &str,
    key: &str,
) -> (u16, String, Value) {
    let resp = app
        .request(method, host, path)
        .header("x-api-key", key)
        .header("accept-language", "fr")
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let text = resp.text().await.unwrap();
    (
        status,
        content_type,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn my_devices_are_read_from_the_registrar(store: Store) {
    let app = with_redis(store).await;
    let domain = unique_domain("d");
    app.space(&domain, false).await;
    app.account("alice", &domain, "secret123", &[Sha256], false)
        .await;
    let key = app.admin_key_for("alice", &domain).await;
    let aor = format!("alice@{domain}");

    let (status, content_type, body) =
        call(&app, Method::GET, &domain, "/api/accounts/me/devices", &key).await;
    assert_eq!((status, content_type.as_str()), (200, "application/json"));
    assert_eq!(body, json!({}));

    register(
        &aor,
        ANDROID,
        1_732_871_234,
        "LinphoneAndroid/5.2.1 (Pixel 7) LinphoneSDK/5.3.0",
    );
    register(&aor, IPHONE, 1_700_000_000, "sipp");
    let (status, _, body) =
        call(&app, Method::GET, &domain, "/api/accounts/me/devices", &key).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({
            ANDROID: {
                "uuid": ANDROID,
                "update_time": "2024-11-29T09:07:14.000000Z",
                "user_agent": "LinphoneAndroid/5.2.1 (Pixel 7) LinphoneSDK/5.3.0",
                "app": "LinphoneAndroid",
                "version": "5.2.1",
                "device_name": "Pixel 7",
            },
            IPHONE: {
                "uuid": IPHONE,
                "update_time": "2023-11-14T22:13:20.000000Z",
                "user_agent": "sipp",
                "app": "sipp",
                "version": null,
                "device_name": null,
            },
        })
    );
    forget(&aor);
    app.stop().await;
}

async fn removing_my_device_unregisters_it_and_notifies_the_registrar(store: Store) {
    let app = with_redis(store).await;
    let domain = unique_domain("d");
    app.space(&domain, false).await;
    app.account("alice", &domain, "secret123", &[Sha256], false)
        .await;
    let key = app.admin_key_for("alice", &domain).await;
    let aor = format!("alice@{domain}");
    register(
        &aor,
        ANDROID,
        1_732_871_234,
        "LinphoneAndroid/5.2.1 (Pixel 7)",
    );
    register(&aor, IPHONE, 1_732_871_000, "LinphoneiOS/5.2.0 (iPhone)");

    // The registrar listens on the address of record itself, without the hash's `fs:`.
    let published = subscribe(aor.clone());
    let path = format!("/api/accounts/me/devices/{ANDROID}");
    let (status, _, body) = call(&app, Method::DELETE, &domain, &path, &key).await;
    assert_eq!((status, body), (200, json!(1)));
    assert_eq!(published.recv_timeout(Duration::from_secs(5)).unwrap(), "");

    let (_, _, body) = call(&app, Method::GET, &domain, "/api/accounts/me/devices", &key).await;
    assert_eq!(
        body.as_object().unwrap().keys().collect::<Vec<_>>(),
        [IPHONE]
    );

    let (status, _, body) = call(&app, Method::DELETE, &domain, &path, &key).await;
    assert_eq!(status, 404);
    assert_eq!(body["message"], "Appareil introuvable.");
    forget(&aor);
    app.stop().await;
}

async fn admins_see_and_remove_the_devices_of_their_space_only(store: Store) {
    let app = with_redis(store).await;
    let (a, b) = (unique_domain("d"), unique_domain("d"));
    app.space(&a, false).await;
    app.space(&b, false).await;
    let alice = app
        .account("alice", &a, "secret123", &[Sha256], false)
        .await;
    let bob = app.account("bob", &b, "secret123", &[Sha256], false).await;
    app.account("admin", &a, "secret123", &[Sha256], true).await;
    app.account("admin", &b, "secret123", &[Sha256], true).await;
    let admin_a = app.admin_key_for("admin", &a).await;
    let admin_b = app.admin_key_for("admin", &b).await;
    let aor = format!("alice@{a}");
    register(
        &aor,
        ANDROID,
        1_732_871_234,
        "LinphoneAndroid/5.2.1 (Pixel 7)",
    );

    let alices = format!("/api/accounts/{}/devices", alice.id.0);
    let (status, _, body) = call(&app, Method::GET, &a, &alices, &admin_a).await;
    assert_eq!(status, 200);
    assert_eq!(body[ANDROID]["device_name"], "Pixel 7");
    let (status, _, _) = call(&app, Method::GET, &a, &alices, &app.admin_key).await;
    assert_eq!(status, 200, "a super admin sees every space");

    // Another space's admin is refused; an account of another space is not found here.
    let (status, _, _) = call(&app, Method::GET, &a, &alices, &admin_b).await;
    assert_eq!(status, 403);
    let bobs = format!("/api/accounts/{}/devices", bob.id.0);
    let (status, _, body) = call(&app, Method::GET, &a, &bobs, &admin_a).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (404, Some("Compte introuvable."))
    );
    let (status, _, _) = call(
        &app,
        Method::DELETE,
        &a,
        &format!("{bobs}/{ANDROID}"),
        &admin_a,
    )
    .await;
    assert_eq!(status, 404);
    let (status, _, _) = call(
        &app,
        Method::DELETE,
        &a,
        &format!("{alices}/{ANDROID}"),
        &admin_b,
    )
    .await;
    assert_eq!(status, 403);

    let published = subscribe(aor.clone());
    let (status, _, body) = call(
        &app,
        Method::DELETE,
        &a,
        &format!("{alices}/{ANDROID}"),
        &admin_a,
    )
    .await;
    assert_eq!((status, body), (200, json!(1)));
    assert!(published.recv_timeout(Duration::from_secs(5)).is_ok());
    let (_, _, body) = call(&app, Method::GET, &a, &alices, &admin_a).await;
    assert_eq!(body, json!({}));
    forget(&aor);
    app.stop().await;
}

async fn without_a_registrar_store_there_are_no_devices(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let domain = unique_domain("d");
    app.space(&domain, false).await;
    let alice = app
        .account("alice", &domain, "secret123", &[Sha256], false)
        .await;
    app.account("admin", &domain, "secret123", &[Sha256], true)
        .await;
    let key = app.admin_key_for("alice", &domain).await;
    let admin = app.admin_key_for("admin", &domain).await;
    // Even with a contact in Redis: this server was not told about it.
    register(&format!("alice@{domain}"), ANDROID, 1, "x");

    let (status, _, body) =
        call(&app, Method::GET, &domain, "/api/accounts/me/devices", &key).await;
    assert_eq!((status, body), (200, json!({})));
    let path = format!("/api/accounts/{}/devices", alice.id.0);
    let (status, _, body) = call(&app, Method::GET, &domain, &path, &admin).await;
    assert_eq!((status, body), (200, json!({})));
    let (status, _, _) = call(
        &app,
        Method::DELETE,
        &domain,
        &format!("/api/accounts/me/devices/{ANDROID}"),
        &key,
    )
    .await;
    assert_eq!(status, 404);
    forget(&format!("alice@{domain}"));
    app.stop().await;
}

async fn a_registrar_store_that_does_not_answer_is_a_quick_503(store: Store) {
    // Bound then dropped: nothing listens there any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = TestApp::spawn_with(store, |c| {
        c.redis_url = Some(format!("redis://127.0.0.1:{port}"));
    })
    .await;
    let domain = unique_domain("d");
    app.space(&domain, false).await;
    let alice = app
        .account("alice", &domain, "secret123", &[Sha256], false)
        .await;
    let key = app.admin_key_for("alice", &domain).await;

    for (method, path) in [
        (Method::GET, "/api/accounts/me/devices".to_owned()),
        (
            Method::DELETE,
            format!("/api/accounts/me/devices/{ANDROID}"),
        ),
        (Method::GET, format!("/api/accounts/{}/devices", alice.id.0)),
    ] {
        let started = Instant::now();
        let the_key = if path.contains("/me/") {
            key.clone()
        } else {
            app.admin_key.clone()
        };
        let (status, content_type, body) = call(&app, method, &domain, &path, &the_key).await;
        assert_eq!(
            (status, content_type.as_str()),
            (503, "application/json"),
            "{path}"
        );
        assert_eq!(
            body["message"],
            "Le registre des appareils est momentanément indisponible, veuillez réessayer."
        );
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{path}: {:?}",
            started.elapsed()
        );
    }
    app.stop().await;
}

crate::on_memory_and_sqlite!(
    my_devices_are_read_from_the_registrar,
    removing_my_device_unregisters_it_and_notifies_the_registrar,
    admins_see_and_remove_the_devices_of_their_space_only,
    without_a_registrar_store_there_are_no_devices,
    a_registrar_store_that_does_not_answer_is_a_quick_503,
);
