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
    assert_eq!(
        json(resp).await["message"],
        "Aucun espace n'est servi sur l'hôte unknown.org : un super administrateur en ajoute un avec \
         `flexiapi spaces create --domain DOMAINE --host unknown.org` (ou POST /api/spaces)."
    );
    app.stop().await;
}

/// One message of each kind, in both languages.
async fn each_kind_of_error_speaks_both_languages(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let blocked = app
        .account(
            "blocked",
            "localhost",
            "secret123",
            &[flexiapi_domain::model::PasswordAlgorithm::Sha256],
            false,
        )
        .await;
    app.edit_account(&blocked, |c| c.blocked = true).await;
    let blocked_key = app.admin_key_for("blocked", "localhost").await;
    let cases: Vec<(u16, reqwest::RequestBuilder, &str, &str)> = vec![
        (
            400,
            app.request(
                reqwest::Method::POST,
                "localhost",
                "/api/accounts/me/password",
            )
            .header("x-api-key", &app.admin_key)
            .header("content-type", "application/json")
            .body("{"),
            "Invalid JSON: the request body could not be parsed.",
            "JSON invalide : le corps de la requête n'a pas pu être lu.",
        ),
        (
            401,
            app.get("localhost", "/api/accounts"),
            "An API key is required (x-api-key header).",
            "Une clé d'API est requise (en-tête x-api-key).",
        ),
        (
            403,
            app.get("localhost", "/api/accounts/me")
                .header("x-api-key", &blocked_key),
            "Account blocked.",
            "Compte bloqué.",
        ),
        (
            404,
            app.get("localhost", "/api/nothing/here"),
            "Not found.",
            "Introuvable.",
        ),
        (
            422,
            app.request(
                reqwest::Method::POST,
                "localhost",
                "/api/accounts/me/password",
            )
            .header("x-api-key", &app.admin_key)
            .json(&serde_json::json!({"password": "abc", "old_password": "x"})),
            "The password must be at least 6 characters. (and 1 more error)",
            "Le texte du champ mot de passe doit contenir au moins 6 caractères. (et 1 autre erreur)",
        ),
    ];
    for (status, request, english, french) in cases {
        for (lang, expected) in [("en", english), ("fr", french)] {
            let resp = request
                .try_clone()
                .unwrap()
                .header("accept-language", lang)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status().as_u16(), status);
            assert_eq!(resp.headers()["content-language"], lang);
            assert_eq!(json(resp).await["message"], expected, "{status} in {lang}");
        }
    }
    app.stop().await;
}

crate::on_memory_and_sqlite!(
    each_kind_of_error_speaks_both_languages,
    validation_errors_are_translated_field_names_included,
    authentication_errors_are_translated,
);
