//! Errors in the negotiated language.

use crate::helpers::{Store, TestApp, json};

async fn missing_password(app: &TestApp, lang: &str) -> (serde_json::Value, String) {
    let resp = app
        .request(
            reqwest::Method::POST,
            "localhost",
            "/api/accounts/me/password",
        )
        .header("x-api-key", &app.admin_key)
        .header("accept-language", lang)
        .json(&serde_json::json!({"old_password": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let lang = resp.headers()["content-language"]
        .to_str()
        .unwrap()
        .to_owned();
    (json(resp).await, lang)
}

async fn validation_errors_are_translated_field_names_included(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let (fr, lang) = missing_password(&app, "fr-CA, en;q=0.5").await;
    assert_eq!(lang, "fr");
    assert_eq!(
        fr["errors"]["password"][0],
        "Le champ mot de passe est obligatoire."
    );
    assert!(
        fr["message"]
            .as_str()
            .unwrap()
            .starts_with("Le champ mot de passe est obligatoire. (et 1 autre erreur)")
    );
    let (de, lang) = missing_password(&app, "de").await;
    assert_eq!(lang, "en");
    assert_eq!(
        de["errors"]["password"][0],
        "The password field is required."
    );
    assert_eq!(
        de["errors"]["old_password"][0],
        "The old password is incorrect."
    );
    app.stop().await;
}

async fn authentication_errors_are_translated(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let resp = app
        .get("localhost", "/api/accounts/me")
        .header("x-api-key", "nope")
        .header("accept-language", "fr;q=0.9, en;q=0.8")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(json(resp).await["message"], "Clé d'API invalide.");
    let resp = app
        .get("unknown.org", "/api/ping")
        .header("accept-language", "fr")
        .send()
        .await
        .unwrap();
    assert_eq!(json(resp).await["message"], "Hôte non configuré.");
    app.stop().await;
}

crate::on_memory_and_sqlite!(
    validation_errors_are_translated_field_names_included,
    authentication_errors_are_translated,
);
