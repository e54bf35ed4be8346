//! Phone numbers: E.164, valid for libphonenumber, of an activated country, unique in the space.

use flexiapi_domain::model::PasswordAlgorithm::Sha256;
use reqwest::Method;
use serde_json::json;

use crate::helpers::{Store, TestApp, json};

async fn create(app: &TestApp, lang: &str, body: serde_json::Value) -> reqwest::Response {
    app.request(Method::POST, "localhost", "/api/accounts")
        .header("x-api-key", &app.admin_key)
        .header("accept-language", lang)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn phone_error(app: &TestApp, lang: &str, username: &str, phone: &str) -> Option<String> {
    let resp = create(
        app,
        lang,
        json!({"username": username, "password": "secret123", "phone": phone}),
    )
    .await;
    match resp.status().as_u16() {
        200 => None,
        422 => Some(
            json(resp).await["errors"]["phone"][0]
                .as_str()
                .unwrap()
                .to_owned(),
        ),
        other => panic!("unexpected status {other}"),
    }
}

async fn numbers_are_accepted_only_for_activated_countries(store: Store) {
    let app = TestApp::spawn_on(store).await;
    // Every country starts deactivated, as in the original.
    assert_eq!(
        phone_error(&app, "en", "fr1", "+33612345678")
            .await
            .as_deref(),
        Some("The phone must belong to an authorized country.")
    );
    assert_eq!(
        phone_error(&app, "fr", "fr1", "+33612345678")
            .await
            .as_deref(),
        Some("Le champ téléphone doit appartenir à un pays autorisé.")
    );
    let resp = app
        .admin_call(
            Method::POST,
            "/api/phone_countries/FR/activate".into(),
            None,
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(phone_error(&app, "en", "fr1", "+33612345678").await, None);
    // Another country with the same dialling code would pass; a different one does not.
    assert!(
        phone_error(&app, "en", "us1", "+14155552671")
            .await
            .is_some()
    );
    app.stop().await;
}

async fn numbers_must_be_valid_for_the_numbering_plan(store: Store) {
    let app = TestApp::spawn_on(store).await;
    app.admin_call(
        Method::POST,
        "/api/phone_countries/FR/activate".into(),
        None,
    )
    .await
    .unwrap();
    for bad in [
        "0612345678",
        "+33 6 12 34 56 78",
        "+336123456789012",
        "+3312",
    ] {
        assert_eq!(
            phone_error(&app, "en", "someone", bad).await.as_deref(),
            Some("The phone field contains an invalid number."),
            "{bad}"
        );
    }
    app.stop().await;
}

async fn a_number_is_used_once_per_space_as_phone_or_username(store: Store) {
    let app = TestApp::spawn_on(store).await;
    app.admin_call(
        Method::POST,
        "/api/phone_countries/FR/activate".into(),
        None,
    )
    .await
    .unwrap();
    assert_eq!(phone_error(&app, "en", "first", "+33612345678").await, None);
    assert_eq!(
        phone_error(&app, "en", "second", "+33612345678")
            .await
            .as_deref(),
        Some("The phone has already been taken.")
    );
    // An account whose username is the number (created outside the API's username rules).
    app.account("+33699887766", "localhost", "secret123", &[Sha256], false)
        .await;
    assert_eq!(
        phone_error(&app, "en", "third", "+33699887766")
            .await
            .as_deref(),
        Some("The phone has already been taken.")
    );
    // Updating an account with its own number is fine.
    let first = app
        .services
        .storage_for_tests()
        .account_by_phone(
            &flexiapi_domain::model::Domain::parse("localhost").unwrap(),
            &flexiapi_domain::model::PhoneNumber::parse("+33612345678").unwrap(),
        )
        .await
        .unwrap()
        .unwrap();
    let resp = app
        .admin_call(
            Method::PUT,
            format!("/api/accounts/{}", first.id.0),
            Some(json!({"username": "first", "phone": "+33612345678"})),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    app.stop().await;
}

crate::on_memory_and_sqlite!(
    numbers_are_accepted_only_for_activated_countries,
    numbers_must_be_valid_for_the_numbering_plan,
    a_number_is_used_once_per_space_as_phone_or_username,
);
