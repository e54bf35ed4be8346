//! Account creation tokens: minted by admins, spent once by a public registration, consumed by
//! logged-in users.

use std::sync::Arc;

use chrono::{Duration, Utc};
use flexiapi_domain::model::PasswordAlgorithm::Sha256;
use flexiapi_domain::testing::FixedClock;
use reqwest::Method;
use serde_json::json;

use crate::helpers::{Store, TestApp, json};

async fn mint(app: &TestApp) -> String {
    let resp = app
        .admin_call(Method::POST, "/api/account_creation_tokens".into(), None)
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let body = json(resp).await;
    assert_eq!(body["used"], false);
    assert!(body["expire_at"].is_null(), "no lifetime configured");
    let token = body["token"].as_str().unwrap().to_owned();
    assert_eq!(token.len(), 13);
    assert!(token.chars().all(|c| c.is_ascii_alphanumeric()));
    token
}

async fn register(
    app: &TestApp,
    path: &str,
    lang: &str,
    body: serde_json::Value,
) -> reqwest::Response {
    app.request(Method::POST, "localhost", path)
        .header("accept-language", lang)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn a_token_creates_one_deactivated_account(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let token = mint(&app).await;
    let resp = register(
        &app,
        "/api/accounts/with-account-creation-token",
        "en",
        json!({"username": "newbie", "password": "secret123", "account_creation_token": token}),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let account = json(resp).await;
    assert_eq!(account["username"], "newbie");
    assert_eq!(account["domain"], "localhost");
    assert_eq!(account["activated"], false);
    assert_eq!(account["admin"], false);
    assert_eq!(account["passwords"], json!([{"algorithm": "SHA-256"}]));
    assert_eq!(account["provisioning_token"].as_str().unwrap().len(), 13);

    let stored = app
        .services
        .storage_for_tests()
        .creation_token(
            &token,
            &flexiapi_domain::model::Domain::parse("localhost").unwrap(),
        )
        .await
        .unwrap()
        .unwrap();
    assert!(stored.used);
    assert_eq!(stored.account_id.map(|a| a.0), account["id"].as_i64());

    let again = register(
        &app,
        "/api/accounts/with-account-creation-token",
        "en",
        json!({"username": "other", "password": "secret123", "account_creation_token": token}),
    )
    .await;
    assert_eq!(again.status(), 422);
    assert_eq!(
        json(again).await["errors"]["account_creation_token"],
        json!(["Please provide a valid account_creation_token"])
    );
    app.stop().await;
}

async fn two_concurrent_registrations_with_one_token_make_one_account(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let token = mint(&app).await;
    let requests = (0..8).map(|i| {
        app.request(Method::POST, "localhost", "/api/accounts/with-account-creation-token")
            .json(&json!({"username": format!("racer{i}"), "password": "secret123", "account_creation_token": token}))
    });
    let statuses = statuses_of_concurrent(requests).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 422),
        "{statuses:?}"
    );
    let page = app
        .admin_call(Method::GET, "/api/accounts?search=racer".into(), None)
        .await
        .unwrap();
    assert_eq!(json(page).await["total"], 1);
    app.stop().await;
}

/// Sends every request at once and answers their statuses.
pub async fn statuses_of_concurrent(
    requests: impl Iterator<Item = reqwest::RequestBuilder>,
) -> Vec<u16> {
    let mut set = tokio::task::JoinSet::new();
    for request in requests {
        set.spawn(request.send());
    }
    let mut statuses = Vec::new();
    while let Some(done) = set.join_next().await {
        statuses.push(done.unwrap().unwrap().status().as_u16());
    }
    statuses
}

async fn the_linphone_sdk_route_takes_the_token_as_token(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let token = mint(&app).await;
    let missing = register(
        &app,
        "/api/accounts/with-token",
        "fr",
        json!({"username": "sdk", "domain": "localhost", "password": "secret123", "algorithm": "MD5"}),
    )
    .await;
    assert_eq!(missing.status(), 422);
    assert_eq!(
        json(missing).await["errors"]["token"],
        json!(["Le champ jeton est obligatoire."])
    );
    let resp = register(
        &app,
        "/api/accounts/with-token",
        "en",
        json!({"username": "sdk", "domain": "localhost", "password": "secret123", "algorithm": "MD5", "token": token}),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let account = json(resp).await;
    assert_eq!(account["sip_uri"], "sip:sdk@localhost");
    assert_eq!(account["passwords"], json!([{"algorithm": "MD5"}]));
    app.stop().await;
}

async fn every_broken_rule_of_the_public_route_is_reported(store: Store) {
    let app = TestApp::spawn_on(store).await;
    app.account("taken", "localhost", "secret123", &[Sha256], false)
        .await;
    let token = mint(&app).await;
    let cases = [
        (
            json!({"password": "secret123"}),
            "username",
            "The username field is required.",
        ),
        (
            json!({"username": "taken", "password": "secret123"}),
            "username",
            "The username has already been taken.",
        ),
        (
            json!({"username": "ok1", "password": "abc"}),
            "password",
            "The password must be at least 6 characters.",
        ),
        (
            json!({"username": "ok1", "password": "secret123", "admin": true}),
            "admin",
            "The admin field must be missing.",
        ),
        (
            json!({"username": "ok1", "password": "secret123", "activated": true}),
            "activated",
            "The activated field must be missing.",
        ),
        (
            json!({"username": "ok1", "password": "secret123", "domain": "nowhere.example"}),
            "domain",
            "The domain should be a valid domain.",
        ),
        (
            json!({"username": "ok1", "password": "secret123", "phone": "+33612345678"}),
            "phone",
            "The phone must belong to an authorized country.",
        ),
    ];
    for (mut body, field, message) in cases {
        body["account_creation_token"] = json!(token);
        let resp = register(
            &app,
            "/api/accounts/with-account-creation-token",
            "en",
            body.clone(),
        )
        .await;
        assert_eq!(resp.status(), 422, "{body}");
        assert_eq!(json(resp).await["errors"][field][0], message, "{body}");
    }
    let unknown = register(
        &app,
        "/api/accounts/with-account-creation-token",
        "fr",
        json!({"username": "ok1", "password": "secret123", "account_creation_token": "AAAAAAAAAAAAA"}),
    )
    .await;
    assert_eq!(unknown.status(), 422);
    assert_eq!(
        json(unknown).await["errors"]["account_creation_token"],
        json!(["Veuillez fournir un jeton de création de compte valide."])
    );
    // None of the refusals spent the token.
    let stored = app
        .services
        .storage_for_tests()
        .creation_token(
            &token,
            &flexiapi_domain::model::Domain::parse("localhost").unwrap(),
        )
        .await
        .unwrap()
        .unwrap();
    assert!(!stored.used);
    app.stop().await;
}

async fn a_full_space_refuses_before_validating(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let count = app
        .services
        .storage_for_tests()
        .count_accounts(&flexiapi_domain::model::Domain::parse("localhost").unwrap())
        .await
        .unwrap();
    app.edit_space("localhost", |s| s.max_accounts = count as i64)
        .await;
    let resp = register(
        &app,
        "/api/accounts/with-account-creation-token",
        "en",
        json!({}),
    )
    .await;
    assert_eq!(resp.status(), 403);
    app.stop().await;
}

async fn tokens_expire_after_the_configured_lifetime(store: Store) {
    let start = Utc::now();
    let clock = Arc::new(FixedClock::new(start));
    let app = TestApp::spawn_with_config_and_clock(
        store,
        |c| c.account_creation_token_expiration_minutes = 30,
        clock.clone(),
    )
    .await;
    let resp = app
        .admin_call(Method::POST, "/api/account_creation_tokens".into(), None)
        .await
        .unwrap();
    let body = json(resp).await;
    assert!(body["expire_at"].as_str().is_some());
    let token = body["token"].as_str().unwrap().to_owned();
    clock.advance(Duration::minutes(31));
    let resp = register(
        &app,
        "/api/accounts/with-account-creation-token",
        "en",
        json!({"username": "late", "password": "secret123", "account_creation_token": token}),
    )
    .await;
    assert_eq!(resp.status(), 422);
    assert_eq!(
        json(resp).await["errors"]["account_creation_token"],
        json!(["The provided token is expired"])
    );
    app.stop().await;
}

async fn a_user_consumes_an_unused_token_once(store: Store) {
    let app = TestApp::spawn_on(store).await;
    app.account("carol", "localhost", "secret123", &[Sha256], false)
        .await;
    let carol_key = app
        .services
        .create_user_api_key(
            &app.services
                .storage_for_tests()
                .account_by_identity(
                    &flexiapi_domain::model::Username::parse("carol").unwrap(),
                    &flexiapi_domain::model::Domain::parse("localhost").unwrap(),
                )
                .await
                .unwrap()
                .unwrap(),
            "127.0.0.1",
        )
        .await
        .unwrap();
    let token = mint(&app).await;
    let consume = |t: String| {
        app.request(
            Method::POST,
            "localhost",
            "/api/account_creation_tokens/consume",
        )
        .header("x-api-key", &carol_key)
        .json(&json!({"account_creation_token": t}))
        .send()
    };
    let resp = consume(token.clone()).await.unwrap();
    assert_eq!(resp.status(), 200);
    let body = json(resp).await;
    assert_eq!(body["used"], true);
    assert!(body["account_id"].is_i64());
    assert_eq!(consume(token.clone()).await.unwrap().status(), 404);
    assert_eq!(consume("unknown".into()).await.unwrap().status(), 404);
    // A consumed token cannot create an account any more.
    let resp = register(
        &app,
        "/api/accounts/with-account-creation-token",
        "en",
        json!({"username": "late", "password": "secret123", "account_creation_token": token}),
    )
    .await;
    assert_eq!(resp.status(), 422);
    app.stop().await;
}

crate::on_memory_and_sqlite!(
    a_token_creates_one_deactivated_account,
    two_concurrent_registrations_with_one_token_make_one_account,
    the_linphone_sdk_route_takes_the_token_as_token,
    every_broken_rule_of_the_public_route_is_reported,
    a_full_space_refuses_before_validating,
    tokens_expire_after_the_configured_lifetime,
    a_user_consumes_an_unused_token_once,
);
