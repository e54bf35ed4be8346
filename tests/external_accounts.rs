//! External accounts: `/api/accounts/{id}/external` (admin of the account's space), the MD5 HA1
//! they store, provisioning's second proxy, and what Flexisip's B2BUA sees on Redis
//! (`flexisip/B2BUA/account`, a real SUBSCRIBE).

use std::sync::mpsc;
use std::time::{Duration, Instant};

use flexiapi_adapters_redis::b2bua::B2BUA_ACCOUNT_CHANNEL;
use flexiapi_adapters_redis::testing::{self, test_redis};
use flexiapi_domain::model::PasswordAlgorithm::{Md5, Sha256};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Store, TestApp, hex_digest, keyed_call as call, unique_domain};

/// A space `domain` with an admin (its key returned) and the account `alice` (its id).
async fn setup(app: &TestApp, domain: &str) -> (String, i64) {
    app.space(domain, false).await;
    app.account("admin", domain, "admin-pass-1", &[Sha256], true)
        .await;
    let alice = app
        .account("alice", domain, "alice-pass-1", &[Sha256], false)
        .await;
    (app.admin_key_for("admin", domain).await, alice.id.0)
}

fn subscribe(needle: &str) -> mpsc::Receiver<String> {
    testing::subscribe_for(
        test_redis(),
        B2BUA_ACCOUNT_CHANNEL,
        needle,
        Duration::from_secs(5),
    )
}

async fn received(rx: mpsc::Receiver<String>) -> Value {
    let payload = tokio::task::spawn_blocking(move || rx.recv())
        .await
        .unwrap()
        .expect("a message on flexisip/B2BUA/account");
    serde_json::from_str(&payload).unwrap()
}

async fn an_external_account_is_created_replaced_shown_and_deleted(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let domain = unique_domain("x");
    let (key, alice) = setup(&app, &domain).await;
    let path = format!("/api/accounts/{alice}/external");

    let (status, body) = call(&app, &key, &domain, Method::GET, &path, None, "en").await;
    assert_eq!(status, 404);
    assert_eq!(body["message"], "This account has no external account.");

    let create = json!({"username": "foo", "domain": "bar.dev", "password": "password",
                        "protocol": "UDP"});
    let (status, created) =
        call(&app, &key, &domain, Method::POST, &path, Some(create), "en").await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["account_id"], alice);
    assert_eq!(created["username"], "foo");
    assert_eq!(created["domain"], "bar.dev");
    assert_eq!(created["algorithm"], "MD5");
    assert_eq!(created["protocol"], "UDP");
    assert_eq!(created["realm"], Value::Null);
    assert!(created.get("password").is_none(), "the HA1 is never shown");
    // Stored as the MD5 HA1 over the domain (no realm).
    let stored = app
        .services
        .storage_for_tests()
        .external_account_of(flexiapi_domain::model::AccountId(alice))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.password, hex_digest(Md5, "foo:bar.dev:password"));

    // The registrar must differ from the domain: refused, nothing changed.
    let (status, body) = call(
        &app,
        &key,
        &domain,
        Method::POST,
        &path,
        Some(
            json!({"username": "foo_two", "domain": "bar.dev", "registrar": "bar.dev",
                    "password": "password", "protocol": "UDP"}),
        ),
        "en",
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        body["errors"]["registrar"][0],
        "The registrar and domain must be different."
    );
    let (status, shown) = call(&app, &key, &domain, Method::GET, &path, None, "en").await;
    assert_eq!(status, 200);
    assert_eq!(shown["username"], "foo");

    // Another account's path: 404 (account unknown in this space).
    let (status, _) = call(
        &app,
        &key,
        &domain,
        Method::GET,
        "/api/accounts/123456/external",
        None,
        "en",
    )
    .await;
    assert_eq!(status, 404);

    // Same domain and realm: the stored HA1 is kept, no password needed.
    let (status, replaced) = call(
        &app,
        &key,
        &domain,
        Method::POST,
        &path,
        Some(
            json!({"username": "foo2", "domain": "bar.dev", "protocol": "TLS",
                    "registrar": "sip.bar.dev", "outbound_proxy": "edge.bar.dev"}),
        ),
        "en",
    )
    .await;
    assert_eq!(status, 200, "{replaced}");
    assert_eq!(replaced["id"], created["id"]);
    assert_eq!(replaced["created_at"], created["created_at"]);
    assert_eq!(replaced["registrar"], "sip.bar.dev");
    assert_eq!(replaced["outbound_proxy"], "edge.bar.dev");

    // A new realm or domain needs the password again.
    let (status, body) = call(
        &app,
        &key,
        &domain,
        Method::POST,
        &path,
        Some(
            json!({"username": "foo3", "domain": "127.0.0.1", "realm": "newrealm",
                    "protocol": "UDP"}),
        ),
        "en",
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        body["errors"]["password"][0],
        "The password field is required."
    );
    let (_, shown) = call(&app, &key, &domain, Method::GET, &path, None, "en").await;
    assert_eq!(shown["username"], "foo2");

    let (status, body) = call(&app, &key, &domain, Method::DELETE, &path, None, "en").await;
    assert_eq!((status, body), (200, json!(1)));
    let (status, _) = call(&app, &key, &domain, Method::GET, &path, None, "en").await;
    assert_eq!(status, 404);
    let (status, _) = call(&app, &key, &domain, Method::DELETE, &path, None, "en").await;
    assert_eq!(status, 404);

    // IPv6 domain, realm hashed over.
    let (status, body) = call(
        &app,
        &key,
        &domain,
        Method::POST,
        &path,
        Some(
            json!({"username": "foo", "domain": "2345:425:2CA1:0000:0000:567:5673:23b5",
                    "realm": "r.example", "password": "password", "protocol": "TCP"}),
        ),
        "en",
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let stored = app
        .services
        .storage_for_tests()
        .external_account_of(flexiapi_domain::model::AccountId(alice))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.password, hex_digest(Md5, "foo:r.example:password"));
    app.stop().await;
}

async fn bad_input_is_a_422_per_field_in_english_and_french(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let domain = unique_domain("x");
    let (key, alice) = setup(&app, &domain).await;
    let path = format!("/api/accounts/{alice}/external");
    let bad = json!({"username": "not valid@", "domain": "no such domain!",
                     "realm": "x".repeat(65), "protocol": "SCTP", "password": true});
    let (status, en) = call(
        &app,
        &key,
        &domain,
        Method::POST,
        &path,
        Some(bad.clone()),
        "en",
    )
    .await;
    assert_eq!(status, 422, "{en}");
    let errors = en["errors"].as_object().unwrap();
    for field in ["username", "domain", "realm", "protocol", "password"] {
        assert!(errors.contains_key(field), "{field}: {en}");
    }
    assert_eq!(
        en["errors"]["protocol"][0],
        "The selected protocol is invalid (expected one of: UDP, TCP, TLS)."
    );
    let (_, fr) = call(&app, &key, &domain, Method::POST, &path, Some(bad), "fr").await;
    assert_ne!(fr["errors"]["protocol"][0], en["errors"]["protocol"][0]);
    let (_, fr) = call(
        &app,
        &key,
        &domain,
        Method::POST,
        &path,
        Some(
            json!({"username": "u", "domain": "p.net", "outbound_proxy": "p.net",
                    "password": "pw", "protocol": "UDP"}),
        ),
        "fr",
    )
    .await;
    assert_eq!(
        fr["errors"]["outbound_proxy"][0],
        "Les champs proxy sortant et domaine doivent être différents."
    );
    let (status, fr) = call(&app, &key, &domain, Method::GET, &path, None, "fr").await;
    assert_eq!(status, 404);
    assert_eq!(fr["message"], "Ce compte n'a pas de compte externe.");

    // Missing fields, and an address another account (of another space) already uses.
    let (_, body) = call(
        &app,
        &key,
        &domain,
        Method::POST,
        &path,
        Some(json!({})),
        "en",
    )
    .await;
    for field in ["username", "domain", "protocol", "password"] {
        assert_eq!(
            body["errors"][field][0],
            format!("The {field} field is required.")
        );
    }
    let other = unique_domain("x");
    let (other_key, bob) = setup(&app, &other).await;
    let taken = json!({"username": "shared", "domain": "p.net", "password": "pw",
                       "protocol": "UDP"});
    let (status, _) = call(
        &app,
        &other_key,
        &other,
        Method::POST,
        &format!("/api/accounts/{bob}/external"),
        Some(taken.clone()),
        "en",
    )
    .await;
    assert_eq!(status, 201);
    let (status, body) = call(&app, &key, &domain, Method::POST, &path, Some(taken), "en").await;
    assert_eq!(status, 422);
    assert_eq!(
        body["errors"]["username"][0],
        "The username has already been taken."
    );
    // And the admin of one space cannot reach the other's accounts.
    let (status, _) = call(
        &app,
        &key,
        &domain,
        Method::GET,
        &format!("/api/accounts/{bob}/external"),
        None,
        "en",
    )
    .await;
    assert_eq!(status, 404);
    app.stop().await;
}

async fn the_b2bua_sees_each_change_on_redis(store: Store) {
    let app = TestApp::spawn_with(store, |c| c.redis_url = Some(test_redis().into())).await;
    let domain = unique_domain("x");
    let (key, alice) = setup(&app, &domain).await;
    let path = format!("/api/accounts/{alice}/external");
    let user = format!("b{}", uuid::Uuid::new_v4().simple());

    let rx = subscribe(&user);
    let (status, created) = call(
        &app,
        &key,
        &domain,
        Method::POST,
        &path,
        Some(
            json!({"username": user, "domain": "provider.net", "password": "pw",
                    "protocol": "UDP"}),
        ),
        "en",
    )
    .await;
    assert_eq!(status, 201);
    let id = created["id"].as_i64().unwrap().to_string();
    assert_eq!(
        received(rx).await,
        json!({"username": user, "domain": "provider.net", "identifier": id})
    );

    let renamed = format!("{user}-2");
    let rx = subscribe(&renamed);
    call(
        &app,
        &key,
        &domain,
        Method::POST,
        &path,
        Some(json!({"username": renamed, "domain": "provider.net", "protocol": "TLS"})),
        "en",
    )
    .await;
    assert_eq!(received(rx).await["identifier"], id.as_str());

    let rx = subscribe(&renamed);
    let (status, _) = call(&app, &key, &domain, Method::DELETE, &path, None, "en").await;
    assert_eq!(status, 200);
    assert_eq!(received(rx).await["username"], renamed.as_str());

    // Deleting the account deletes its external account, and tells the B2BUA.
    call(
        &app,
        &key,
        &domain,
        Method::POST,
        &path,
        Some(
            json!({"username": user, "domain": "provider.net", "password": "pw",
                    "protocol": "UDP"}),
        ),
        "en",
    )
    .await;
    let rx = subscribe(&user);
    let (status, _) = call(
        &app,
        &key,
        &domain,
        Method::DELETE,
        &format!("/api/accounts/{alice}"),
        None,
        "en",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(received(rx).await["username"], user.as_str());
    assert!(
        app.services
            .storage_for_tests()
            .external_account_of(flexiapi_domain::model::AccountId(alice))
            .await
            .unwrap()
            .is_none()
    );
    app.stop().await;
}

async fn a_redis_that_is_down_does_not_lose_the_change(store: Store) {
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
    let domain = unique_domain("x");
    let (key, alice) = setup(&app, &domain).await;
    let path = format!("/api/accounts/{alice}/external");
    let started = Instant::now();
    let (status, _) = call(
        &app,
        &key,
        &domain,
        Method::POST,
        &path,
        Some(
            json!({"username": "down", "domain": "provider.net", "password": "pw",
                    "protocol": "UDP"}),
        ),
        "en",
    )
    .await;
    // Stored and answered without waiting for Redis; the publish is retried, then logged and
    // counted (the adapter's tests check the count).
    assert_eq!(status, 201);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    let (status, shown) = call(&app, &key, &domain, Method::GET, &path, None, "en").await;
    assert_eq!((status, shown["username"].as_str()), (200, Some("down")));
    // Once the retries are spent, the lost publish is on /metrics for the operator.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = app
            .get(&domain, "/metrics")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if text.contains("flexiapi_b2bua_publish_failures_total 1") {
            break;
        }
        assert!(Instant::now() < deadline, "no failure counted:\n{text}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    app.stop().await;
}

async fn provisioning_adds_the_external_account_as_a_second_proxy(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let domain = unique_domain("x");
    let (key, alice) = setup(&app, &domain).await;
    call(
        &app,
        &key,
        &domain,
        Method::POST,
        &format!("/api/accounts/{alice}/external"),
        Some(
            json!({"username": "ext", "domain": "provider.net", "password": "pw",
                    "registrar": "reg.provider.net", "protocol": "TLS"}),
        ),
        "en",
    )
    .await;
    let alice_key = app.admin_key_for("alice", &domain).await;
    let resp = app
        .request(Method::GET, &domain, "/provisioning/me")
        .header("x-api-key", &alice_key)
        .header("x-linphone-provisioning", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let xml = resp.text().await.unwrap();
    let ha1 = hex_digest(Md5, "ext:provider.net:pw");
    for expected in [
        "<entry name=\"depends_on\">external_account</entry>",
        "<section name=\"proxy_1\">",
        "<entry name=\"reg_identity\">&lt;sip:ext@provider.net&gt;</entry>",
        "<entry name=\"reg_proxy\">&lt;sip:reg.provider.net;transport=tls&gt;</entry>",
        "<entry name=\"idkey\">external_account</entry>",
        "<section name=\"auth_info_1\">",
        &format!("<entry name=\"ha1\">{ha1}</entry>"),
        "<entry name=\"realm\">provider.net</entry>",
    ] {
        assert!(xml.contains(expected), "{expected} not in {xml}");
    }
    app.stop().await;
}

crate::on_every_store!(
    an_external_account_is_created_replaced_shown_and_deleted,
    bad_input_is_a_422_per_field_in_english_and_french,
    the_b2bua_sees_each_change_on_redis,
    a_redis_that_is_down_does_not_lose_the_change,
    provisioning_adds_the_external_account_as_a_second_proxy,
);
