//! The HTTP skeleton: ping, host resolution, JSON errors, content types.

use crate::helpers::{Store, TestApp};

async fn ping_answers_pong_on_a_known_host(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let resp = app.get("localhost:8080", "/api/ping").send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.text().await.unwrap(), "pong");
    app.stop().await;
}

async fn an_unknown_host_answers_404_with_a_json_error(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let resp = app
        .get("nowhere.example.com", "/api/ping")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(resp.headers()["content-type"], "application/json");
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(
        body["message"],
        "No space is served on the host nowhere.example.com: a super admin adds one with \
         `flexiapi spaces create --domain DOMAIN --host nowhere.example.com` (or POST /api/spaces)."
    );
    app.stop().await;
}

async fn unknown_routes_and_wrong_methods_answer_json_404_and_405(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let resp = app.get("localhost", "/api/nope").send().await.unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(resp.headers()["content-type"], "application/json");
    assert!(resp.json::<serde_json::Value>().await.unwrap()["message"].is_string());

    let resp = app
        .request(reqwest::Method::PATCH, "localhost", "/api/ping")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 405);
    assert_eq!(resp.headers()["content-type"], "application/json");
    app.stop().await;
}

async fn json_responses_carry_exactly_application_json(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let resp = app
        .get("localhost", "/api/accounts/me")
        .header("x-api-key", &app.admin_key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/json");
    assert_eq!(resp.headers()["content-language"], "en");
    app.stop().await;
}

async fn a_body_that_is_not_json_answers_400(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let resp = app
        .request(
            reqwest::Method::POST,
            "localhost",
            "/api/accounts/me/password",
        )
        .header("x-api-key", &app.admin_key)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("Invalid JSON")
    );
    app.stop().await;
}

async fn a_get_with_a_json_content_type_and_an_empty_body_is_a_normal_request(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let resp = app
        .get("localhost", "/api/accounts/me")
        .header("x-api-key", &app.admin_key)
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    app.stop().await;
}

async fn health_probes_answer_on_any_host(store: Store) {
    let app = TestApp::spawn_on(store).await;
    for path in ["/health/live", "/health/ready"] {
        let resp = app.get("10.0.0.1", path).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        assert_eq!(resp.text().await.unwrap(), "ok");
    }
    app.stop().await;
}

async fn a_body_of_another_type_answers_415_naming_json(store: Store) {
    let app = TestApp::spawn_on(store).await;
    for (lang, message) in [
        (
            "en",
            "Unsupported content type: send the body as `Content-Type: application/json`.",
        ),
        (
            "fr",
            "Type de contenu non pris en charge : envoyez le corps en `Content-Type: application/json`.",
        ),
    ] {
        let resp = app
            .request(reqwest::Method::POST, "localhost", "/api/accounts")
            .header("x-api-key", &app.admin_key)
            .header("content-type", "text/plain")
            .header("accept-language", lang)
            .body("username=bob")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 415);
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(body["message"], message);
    }
    app.stop().await;
}

crate::on_memory_and_sqlite!(
    a_body_of_another_type_answers_415_naming_json,
    health_probes_answer_on_any_host,
    ping_answers_pong_on_a_known_host,
    an_unknown_host_answers_404_with_a_json_error,
    unknown_routes_and_wrong_methods_answer_json_404_and_405,
    json_responses_carry_exactly_application_json,
    a_body_that_is_not_json_answers_400,
    a_get_with_a_json_content_type_and_an_empty_body_is_a_normal_request,
);
