//! Everything that dies with time, on a clock the test moves.

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use flexiapi_domain::model::PasswordAlgorithm::Sha256;
use flexiapi_domain::testing::FixedClock;

use crate::helpers::{Store, TestApp, challenges, digest_authorization, json};

fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2030, 1, 1, 12, 0, 0).unwrap(),
    ))
}

async fn a_user_key_unused_for_the_configured_time_is_dead_and_purged(store: Store) {
    let clock = clock();
    let app = TestApp::spawn_with_clock(store, clock.clone()).await;
    let resp = app
        .get("localhost", "/api/accounts/me/api_key")
        .header("x-api-key", &app.admin_key)
        .send()
        .await
        .unwrap();
    let key = resp.text().await.unwrap();
    let me = || {
        app.get("localhost", "/api/accounts/me")
            .header("x-api-key", &key)
            .send()
    };
    clock.advance(Duration::minutes(59));
    assert_eq!(me().await.unwrap().status(), 200, "used within the hour");
    clock.advance(Duration::minutes(59));
    assert_eq!(
        me().await.unwrap().status(),
        200,
        "the last use counts, not the creation"
    );
    clock.advance(Duration::minutes(61));
    assert_eq!(
        me().await.unwrap().status(),
        401,
        "idle for more than an hour"
    );
    let admin = json(
        app.get("localhost", "/api/accounts/me")
            .header("x-api-key", &app.admin_key)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let keys = app
        .get(
            "localhost",
            &format!("/api/accounts/{}/api_keys", admin["id"]),
        )
        .header("x-api-key", &app.admin_key)
        .send()
        .await
        .unwrap();
    let keys = json(keys).await;
    assert!(
        keys.as_array()
            .unwrap()
            .iter()
            .all(|k| k["kind"] == "admin"),
        "the dead key is gone: {keys}"
    );
    app.stop().await;
}

async fn a_nonce_older_than_its_lifetime_is_stale(store: Store) {
    let clock = clock();
    let app = TestApp::spawn_with_clock(store, clock.clone()).await;
    app.account("alice", "localhost", "secret123", &[Sha256], false)
        .await;
    let resp = app
        .get("localhost", "/api/accounts/me")
        .header("from", "sip:alice@localhost")
        .send()
        .await
        .unwrap();
    let c = challenges(resp.headers()).remove(0);
    clock.advance(Duration::minutes(61));
    let resp = app
        .get("localhost", "/api/accounts/me")
        .header("from", "sip:alice@localhost")
        .header(
            "authorization",
            digest_authorization(&c, "alice", "secret123", "GET", "/api/accounts/me", 1),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let fresh = challenges(resp.headers());
    assert!(
        fresh[0].stale,
        "stale=true so the client retries without asking the user"
    );
    assert_eq!(
        json(resp).await["message"],
        "Stale nonce, please retry with the new challenge."
    );
    app.stop().await;
}

async fn an_auth_token_expires_after_five_minutes(store: Store) {
    let clock = clock();
    let app = TestApp::spawn_with_clock(store, clock.clone()).await;
    let created = app
        .request(
            reqwest::Method::POST,
            "localhost",
            "/api/accounts/auth_token",
        )
        .send()
        .await
        .unwrap();
    let token = json(created).await["token"].as_str().unwrap().to_owned();
    clock.advance(Duration::minutes(6));
    let attach = app
        .get(
            "localhost",
            &format!("/api/accounts/auth_token/{token}/attach"),
        )
        .header("x-api-key", &app.admin_key)
        .send()
        .await
        .unwrap();
    assert_eq!(attach.status(), 404);
    app.stop().await;
}

async fn an_expired_space_refuses_calls_once_its_date_has_passed_but_ping(store: Store) {
    let clock = clock();
    let app = TestApp::spawn_with_clock(store, clock.clone()).await;
    let tomorrow = app.services.now() + Duration::days(1);
    app.edit_space("localhost", |s| s.expire_at = Some(tomorrow))
        .await;
    let me = || {
        app.get("localhost", "/api/accounts/me")
            .header("x-api-key", &app.admin_key)
            .send()
    };
    assert_eq!(me().await.unwrap().status(), 200);
    clock.advance(Duration::days(2));
    let resp = me().await.unwrap();
    assert_eq!(resp.status(), 403);
    assert_eq!(
        json(resp).await["message"],
        "The related Space has expired."
    );
    assert_eq!(
        app.get("localhost", "/api/ping")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    app.stop().await;
}

crate::on_memory_and_sqlite!(
    a_user_key_unused_for_the_configured_time_is_dead_and_purged,
    a_nonce_older_than_its_lifetime_is_stale,
    an_auth_token_expires_after_five_minutes,
    an_expired_space_refuses_calls_once_its_date_has_passed_but_ping,
);
