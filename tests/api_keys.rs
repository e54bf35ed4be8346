//! API keys (header and cookie), user keys bound to an IP, and the auth-token flow.

use crate::helpers::{Store, TestApp, client_from, json};
use flexiapi_domain::model::PasswordAlgorithm::Sha256;

async fn an_invalid_key_answers_401_without_a_digest_challenge(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let resp = app
        .get("localhost", "/api/accounts/me")
        .header("x-api-key", "wrong")
        .header("from", "sip:admin@localhost")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert!(resp.headers().get("www-authenticate").is_none());
    assert_eq!(json(resp).await["message"], "Invalid API Key.");
    app.stop().await;
}

async fn a_user_key_works_in_header_and_cookie_and_only_from_its_ip(store: Store) {
    let app = TestApp::spawn_on(store).await;
    app.account("bob", "localhost", "secret123", &[Sha256], false)
        .await;
    let admin_key = app.admin_key_for("bob", "localhost").await;
    let resp = app
        .get("localhost", "/api/accounts/me/api_key")
        .header("x-api-key", &admin_key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let cookie = resp.headers()["set-cookie"].to_str().unwrap().to_owned();
    let key = resp.text().await.unwrap();
    assert_eq!(key.len(), 40);
    assert!(cookie.starts_with(&format!("x-api-key={key}")));
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict")
            && cookie.contains("Max-Age=3600")
    );

    let by_header = app
        .get("localhost", "/api/accounts/me")
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(by_header.status(), 200);
    let by_cookie = app
        .get("localhost", "/api/accounts/me")
        .header("cookie", format!("x-api-key={key}"))
        .send()
        .await
        .unwrap();
    assert_eq!(by_cookie.status(), 200);
    assert_eq!(json(by_cookie).await["username"], "bob");

    let other = client_from(Some("127.0.0.2".parse().unwrap()));
    let elsewhere = other
        .get(format!("http://127.0.0.1:{}/api/accounts/me", app.port))
        .header("host", "localhost")
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), 401);

    // A second key replaces the first.
    let again = app
        .get("localhost", "/api/accounts/me/api_key")
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    let new_key = again.text().await.unwrap();
    assert_ne!(new_key, key);
    let old = app
        .get("localhost", "/api/accounts/me")
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), 401);
    app.stop().await;
}

async fn a_state_changing_request_by_cookie_alone_must_be_json(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let resp = app
        .request(reqwest::Method::DELETE, "localhost", "/api/accounts/me")
        .header("cookie", format!("x-api-key={}", app.admin_key))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    app.stop().await;
}

async fn an_auth_token_attached_by_a_user_gives_one_api_key_once(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let created = app
        .request(
            reqwest::Method::POST,
            "localhost",
            "/api/accounts/auth_token",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let body = json(created).await;
    let token = body["token"].as_str().unwrap().to_owned();
    assert!(body["expire_at"].is_string());

    let unattached = app
        .get("localhost", &format!("/api/accounts/me/api_key/{token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(unattached.status(), 404);

    let attach = app
        .get(
            "localhost",
            &format!("/api/accounts/auth_token/{token}/attach"),
        )
        .header("x-api-key", &app.admin_key)
        .send()
        .await
        .unwrap();
    assert_eq!(attach.status(), 200);
    let again = app
        .get(
            "localhost",
            &format!("/api/accounts/auth_token/{token}/attach"),
        )
        .header("x-api-key", &app.admin_key)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 404);

    let redeemed = app
        .get("localhost", &format!("/api/accounts/me/api_key/{token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(redeemed.status(), 200);
    assert!(redeemed.headers().get("set-cookie").is_some());
    let key = json(redeemed).await["api_key"].as_str().unwrap().to_owned();
    let me = app
        .get("localhost", "/api/accounts/me")
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(json(me).await["username"], "admin");

    let second = app
        .get("localhost", &format!("/api/accounts/me/api_key/{token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(second.status(), 404);
    app.stop().await;
}

async fn changing_the_password_needs_the_old_one_and_replaces_the_algorithm(store: Store) {
    let app = TestApp::spawn_on(store).await;
    app.account("carol", "localhost", "secret123", &[Sha256], false)
        .await;
    let key = app.admin_key_for("carol", "localhost").await;
    let post = |body: serde_json::Value| {
        app.request(
            reqwest::Method::POST,
            "localhost",
            "/api/accounts/me/password",
        )
        .header("x-api-key", &key)
        .json(&body)
        .send()
    };
    let missing = post(serde_json::json!({"password": "newsecret"}))
        .await
        .unwrap();
    assert_eq!(missing.status(), 422);
    assert!(json(missing).await["errors"]["old_password"].is_array());
    let wrong = post(serde_json::json!({"password": "newsecret", "old_password": "nope"}))
        .await
        .unwrap();
    assert_eq!(wrong.status(), 422);
    let ok = post(serde_json::json!({"password": "newsecret", "old_password": "secret123", "algorithm": "MD5"}))
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(
        json(ok).await["passwords"],
        serde_json::json!([{"algorithm": "MD5"}])
    );
    app.stop().await;
}

crate::on_memory_and_sqlite!(
    an_invalid_key_answers_401_without_a_digest_challenge,
    a_user_key_works_in_header_and_cookie_and_only_from_its_ip,
    a_state_changing_request_by_cookie_alone_must_be_json,
    an_auth_token_attached_by_a_user_gives_one_api_key_once,
    changing_the_password_needs_the_old_one_and_replaces_the_algorithm,
);

mod admin_keys {
    use crate::helpers::{Store, TestApp, client_from, json};
    use flexiapi_domain::model::PasswordAlgorithm::Sha256;

    async fn admins_create_list_and_delete_stable_keys_with_usage_figures(store: Store) {
        let app = TestApp::spawn_on(store).await;
        let bob = app
            .account("bob", "localhost", "secret123", &[Sha256], true)
            .await;
        let path = format!("/api/accounts/{}/api_keys", bob.id.0);
        let created = app
            .request(reqwest::Method::POST, "localhost", &path)
            .header("x-api-key", &app.admin_key)
            .json(&serde_json::json!({"name": "monitoring"}))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), 201);
        let created = json(created).await;
        let key = created["api_key"].as_str().unwrap().to_owned();
        assert_eq!(created["name"], "monitoring");

        // Stable: works from another IP too, several times.
        let other = client_from(Some("127.0.0.2".parse().unwrap()));
        for _ in 0..3 {
            let resp = other
                .get(format!("http://127.0.0.1:{}/api/accounts/me", app.port))
                .header("host", "localhost")
                .header("x-api-key", &key)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 200);
        }
        let list = app
            .get("localhost", &path)
            .header("x-api-key", &app.admin_key)
            .send()
            .await
            .unwrap();
        let list = json(list).await;
        let entry = list
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["id"] == created["id"])
            .unwrap()
            .clone();
        assert_eq!(entry["requests"], 3);
        assert_eq!(entry["kind"], "admin");
        assert!(entry.get("api_key").is_none(), "a key is shown only once");

        let deleted = app
            .request(
                reqwest::Method::DELETE,
                "localhost",
                &format!("{path}/{}", created["id"]),
            )
            .header("x-api-key", &app.admin_key)
            .send()
            .await
            .unwrap();
        assert_eq!(deleted.status(), 200);
        let after = app
            .get("localhost", "/api/accounts/me")
            .header("x-api-key", &key)
            .send()
            .await
            .unwrap();
        assert_eq!(after.status(), 401);
        app.stop().await;
    }

    async fn an_account_of_another_space_is_not_found(store: Store) {
        let app = TestApp::spawn_on(store).await;
        app.space("other.org", false).await;
        let eve = app
            .account("eve", "other.org", "secret123", &[Sha256], false)
            .await;
        let resp = app
            .get("localhost", &format!("/api/accounts/{}/api_keys", eve.id.0))
            .header("x-api-key", &app.admin_key)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 404);
        app.stop().await;
    }

    async fn the_cookie_is_secure_behind_https(store: Store) {
        // The tests' client is the TLS proxy.
        let app = TestApp::spawn_with(store, |c| {
            c.trusted_proxies = flexiapi::config::TrustedProxies::parse(&["127.0.0.1"]).unwrap();
        })
        .await;
        let resp = app
            .get("localhost", "/api/accounts/me/api_key")
            .header("x-api-key", &app.admin_key)
            .header("x-forwarded-proto", "https")
            .send()
            .await
            .unwrap();
        assert!(
            resp.headers()["set-cookie"]
                .to_str()
                .unwrap()
                .contains("; Secure")
        );
        app.stop().await;
    }

    crate::on_memory_and_sqlite!(
        admins_create_list_and_delete_stable_keys_with_usage_figures,
        an_account_of_another_space_is_not_found,
        the_cookie_is_secure_behind_https,
    );
}
