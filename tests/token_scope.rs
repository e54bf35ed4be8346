//! Tokens belong to one space: a creation, auth or provisioning token issued on space B is
//! refused on space A and on the super space (answered as an unknown token) and works on B. Also:
//! `public_registration` off keeps admin invitations working, an expired space serves nothing but
//! `ping`, and a bad registration token says nothing about the username.

use chrono::Duration;
use flexiapi_domain::model::PasswordAlgorithm::Sha256;
use flexiapi_domain::service::ServiceError;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Store, TestApp, json};

const A: &str = "a.example.org";
const B: &str = "b.example.org";
/// The bootstrap super space.
const SUPER: &str = "localhost";

/// Spaces A and B next to the super space, an admin on each, and a user on each.
struct Fixture {
    app: TestApp,
    admin_b: String,
    alice_a: String,
    bob_b: String,
}

async fn fixture(store: Store) -> Fixture {
    let app = TestApp::spawn_on(store).await;
    app.space(A, false).await;
    app.space(B, false).await;
    app.account("admin", B, "secret123", &[Sha256], true).await;
    app.account("alice", A, "secret123", &[Sha256], false).await;
    app.account("bob", B, "secret123", &[Sha256], false).await;
    let admin_b = app.admin_key_for("admin", B).await;
    let alice_a = app.admin_key_for("alice", A).await;
    let bob_b = app.admin_key_for("bob", B).await;
    Fixture {
        app,
        admin_b,
        alice_a,
        bob_b,
    }
}

async fn mint(app: &TestApp, host: &str, key: &str) -> String {
    let resp = app
        .request(Method::POST, host, "/api/account_creation_tokens")
        .header("x-api-key", key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    json(resp).await["token"].as_str().unwrap().to_owned()
}

async fn post(app: &TestApp, host: &str, path: &str, body: Value) -> (u16, Value) {
    let resp = app
        .request(Method::POST, host, path)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, json(resp).await)
}

async fn get(app: &TestApp, host: &str, path: &str, key: Option<&str>) -> (u16, String) {
    let mut req = app
        .get(host, path)
        .header("x-linphone-provisioning", "true");
    if let Some(key) = key {
        req = req.header("x-api-key", key);
    }
    let resp = req.send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

fn signup(username: &str, token: &str) -> Value {
    json!({"username": username, "password": "secret123", "account_creation_token": token})
}

async fn a_creation_token_of_b_registers_and_is_consumed_on_b_only(store: Store) {
    let Fixture {
        app,
        admin_b,
        alice_a,
        bob_b,
    } = fixture(store).await;
    let token = mint(&app, B, &admin_b).await;
    let unknown = post(
        &app,
        A,
        "/api/accounts/with-account-creation-token",
        signup("newbie", "AAAAAAAAAAAAA"),
    )
    .await;
    assert_eq!(unknown.0, 422);
    for host in [A, SUPER] {
        let foreign = post(
            &app,
            host,
            "/api/accounts/with-account-creation-token",
            signup("newbie", &token),
        )
        .await;
        assert_eq!(foreign, unknown, "B's token on {host}: as an unknown token");
        let (status, body) = post(
            &app,
            host,
            "/api/accounts/with-token",
            json!({"username": "newbie", "password": "secret123", "token": token}),
        )
        .await;
        assert_eq!(status, 422, "{host}");
        assert_eq!(
            body["errors"],
            json!({"token": ["Please provide a valid token"]})
        );
    }
    // Consumed only by an account of B, on B.
    for (host, key) in [(A, &alice_a), (SUPER, &app.admin_key), (B, &app.admin_key)] {
        let resp = app
            .request(Method::POST, host, "/api/account_creation_tokens/consume")
            .header("x-api-key", key.as_str())
            .json(&json!({"account_creation_token": token}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 404, "consumed on {host}");
    }

    // Nothing above spent it: B registers with it.
    let (status, account) = post(
        &app,
        B,
        "/api/accounts/with-account-creation-token",
        signup("newbie", &token),
    )
    .await;
    assert_eq!(status, 200, "{account}");
    assert_eq!(account["domain"], B);

    let other = mint(&app, B, &admin_b).await;
    let resp = app
        .request(Method::POST, B, "/api/account_creation_tokens/consume")
        .header("x-api-key", &bob_b)
        .json(&json!({"account_creation_token": other}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    app.stop().await;
}

async fn an_auth_token_of_b_is_attached_and_redeemed_on_b_only(store: Store) {
    let Fixture {
        app,
        alice_a,
        bob_b,
        ..
    } = fixture(store).await;
    let (status, created) = post(&app, B, "/api/accounts/auth_token", json!({})).await;
    assert_eq!(status, 201);
    let token = created["token"].as_str().unwrap().to_owned();
    let attach = format!("/api/accounts/auth_token/{token}/attach");
    let redeem = format!("/api/accounts/me/api_key/{token}");

    // Attached only by an account of B on B: not by A's user, nor by the super admin anywhere.
    for (host, key) in [(A, &alice_a), (SUPER, &app.admin_key), (B, &app.admin_key)] {
        let (status, _) = get(&app, host, &attach, Some(key)).await;
        assert_eq!(status, 404, "attached on {host}");
    }
    assert_eq!(get(&app, B, &attach, Some(&bob_b)).await.0, 200);

    // Redeemed only on B's host, and a refusal elsewhere does not burn it.
    let (_, unknown) = get(&app, A, "/api/accounts/me/api_key/nosuchtoken", None).await;
    for host in [A, SUPER] {
        let (status, body) = get(&app, host, &redeem, None).await;
        assert_eq!(status, 404, "redeemed on {host}");
        assert_eq!(body, unknown, "as an unknown token on {host}");
    }
    let (status, body) = get(&app, B, &redeem, None).await;
    assert_eq!(status, 200, "{body}");
    let key: Value = serde_json::from_str(&body).unwrap();
    let key = key["api_key"].as_str().unwrap().to_owned();
    crate::helpers::logs::secret(key.clone());
    let (status, me) = get(&app, B, "/api/accounts/me", Some(&key)).await;
    assert_eq!(status, 200);
    assert!(me.contains("\"username\":\"bob\""), "{me}");
    app.stop().await;
}

async fn a_provisioning_token_of_b_works_on_b_only(store: Store) {
    let Fixture { app, admin_b, .. } = fixture(store).await;
    let token = mint(&app, B, &admin_b).await;
    let (status, account) = post(
        &app,
        B,
        "/api/accounts/with-account-creation-token",
        signup("newbie", &token),
    )
    .await;
    assert_eq!(status, 200);
    let provisioning = account["provisioning_token"].as_str().unwrap().to_owned();
    crate::helpers::logs::secret(provisioning.clone());
    for host in [A, SUPER] {
        for path in [
            format!("/provisioning/qrcode/{provisioning}"),
            format!("/provisioning/{provisioning}"),
        ] {
            let (status, body) = get(&app, host, &path, None).await;
            assert_eq!(status, 404, "{path} on {host}: {body}");
        }
    }
    let (status, _) = get(
        &app,
        B,
        &format!("/provisioning/qrcode/{provisioning}"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (status, xml) = get(&app, B, &format!("/provisioning/{provisioning}"), None).await;
    assert_eq!(status, 200);
    assert!(xml.contains("sip:newbie@b.example.org"), "{xml}");
    app.stop().await;
}

async fn closed_registration_still_takes_an_admins_invitation(store: Store) {
    let Fixture { app, admin_b, .. } = fixture(store).await;
    let closed = app
        .edit_space(B, |s| s.settings.public_registration = false)
        .await;
    // What every route handing out accounts or tokens to strangers asks first.
    assert!(matches!(
        app.services.ensure_public_registration(&closed),
        Err(ServiceError::RegistrationClosed)
    ));
    let open = app
        .services
        .storage_for_tests()
        .space_by_domain(&flexiapi_domain::model::Domain::parse(A).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(app.services.ensure_public_registration(&open).is_ok());

    let token = mint(&app, B, &admin_b).await;
    let (status, account) = post(
        &app,
        B,
        "/api/accounts/with-account-creation-token",
        signup("invited", &token),
    )
    .await;
    assert_eq!(status, 200, "{account}");
    assert_eq!(account["domain"], B);
    app.stop().await;
}

async fn an_expired_space_answers_403_everywhere_but_ping(store: Store) {
    let Fixture {
        app,
        admin_b,
        bob_b,
        ..
    } = fixture(store).await;
    let creation = mint(&app, B, &admin_b).await;
    let (_, auth) = post(&app, B, "/api/accounts/auth_token", json!({})).await;
    let auth = auth["token"].as_str().unwrap().to_owned();
    assert_eq!(
        get(
            &app,
            B,
            &format!("/api/accounts/auth_token/{auth}/attach"),
            Some(&bob_b)
        )
        .await
        .0,
        200
    );
    let (_, account) = post(
        &app,
        B,
        "/api/accounts/with-account-creation-token",
        signup("newbie", &creation),
    )
    .await;
    let provisioning = account["provisioning_token"].as_str().unwrap().to_owned();
    crate::helpers::logs::secret(provisioning.clone());
    let creation = mint(&app, B, &admin_b).await;

    let yesterday = app.services.now() - Duration::days(1);
    app.edit_space(B, |s| s.expire_at = Some(yesterday)).await;

    let posts = [
        (
            "/api/accounts/with-account-creation-token",
            signup("late", &creation),
        ),
        (
            "/api/accounts/with-token",
            json!({"username": "late", "password": "secret123", "token": creation}),
        ),
        ("/api/accounts/auth_token", json!({})),
    ];
    for (path, body) in posts {
        let resp = app
            .request(Method::POST, B, path)
            .header("accept-language", "fr")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 403, "POST {path}");
        assert_eq!(
            json(resp).await["message"],
            "L'espace concerné a expiré.",
            "POST {path}"
        );
    }
    let gets = [
        format!("/api/accounts/me/api_key/{auth}"),
        "/provisioning".to_owned(),
        format!("/provisioning/{provisioning}"),
        format!("/provisioning/qrcode/{provisioning}"),
        "/api/phone_countries".to_owned(),
        "/api/no/such/route".to_owned(),
    ];
    for path in &gets {
        let (status, body) = get(&app, B, path, None).await;
        assert_eq!(status, 403, "GET {path}: {body}");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["message"], "The related Space has expired.", "{path}");
    }
    assert_eq!(get(&app, B, "/api/ping", None).await.0, 200);

    // Nothing was spent while refused, and the other spaces are untouched.
    let stored = app
        .services
        .storage_for_tests()
        .creation_token(
            &creation,
            &flexiapi_domain::model::Domain::parse(B).unwrap(),
        )
        .await
        .unwrap()
        .unwrap();
    assert!(!stored.used);
    assert_eq!(get(&app, A, "/provisioning", None).await.0, 200);
    let (status, _) = post(&app, A, "/api/accounts/auth_token", json!({})).await;
    assert_eq!(status, 201);
    app.stop().await;
}

async fn a_bad_registration_token_hides_whether_the_username_is_taken(store: Store) {
    let Fixture { app, admin_b, .. } = fixture(store).await;
    app.account("taken", SUPER, "secret123", &[Sha256], false)
        .await;
    let foreign = mint(&app, B, &admin_b).await;
    for token in ["AAAAAAAAAAAAA", "short", foreign.as_str()] {
        let (status, body) = post(
            &app,
            SUPER,
            "/api/accounts/with-token",
            json!({"username": "taken", "password": "secret123", "token": token}),
        )
        .await;
        assert_eq!(status, 422, "{token}");
        assert_eq!(
            body["errors"],
            json!({"token": ["Please provide a valid token"]}),
            "{token}"
        );
        assert_eq!(body["message"], "Please provide a valid token", "{token}");
        let (status, body) = post(
            &app,
            SUPER,
            "/api/accounts/with-account-creation-token",
            json!({"username": "taken", "password": "abc", "account_creation_token": token}),
        )
        .await;
        assert_eq!(status, 422, "{token}");
        assert_eq!(
            body["errors"],
            json!({"account_creation_token": ["Please provide a valid account_creation_token"]}),
            "{token}"
        );
    }
    // Without a token at all, the same: only the token is reported.
    let (status, body) = post(
        &app,
        SUPER,
        "/api/accounts/with-token",
        json!({"username": "taken", "password": "secret123"}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        body["errors"],
        json!({"token": ["The token field is required."]})
    );
    app.stop().await;
}

crate::on_memory_and_sqlite!(
    a_creation_token_of_b_registers_and_is_consumed_on_b_only,
    an_auth_token_of_b_is_attached_and_redeemed_on_b_only,
    a_provisioning_token_of_b_works_on_b_only,
    closed_registration_still_takes_an_admins_invitation,
    an_expired_space_answers_403_everywhere_but_ping,
    a_bad_registration_token_hides_whether_the_username_is_taken,
);
