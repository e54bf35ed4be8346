//! `POST /api/accounts/{id}/send_provisioning_email`: an admin mails an account its provisioning
//! link, through a real SMTP server (aiosmtpd); the link works, the previous one no longer does;
//! no address, a refusing server or none change nothing.

use reqwest::Method;
use serde_json::{Value, json};

use crate::email_change::answer;
use crate::helpers::{Store, TestApp, json};
use crate::support_smtp::SmtpServer;

/// An account of `localhost` made by the super admin, with `email`; its id and provisioning token.
async fn account_with(app: &TestApp, username: &str, email: Option<&str>) -> (i64, String) {
    let resp = app
        .admin_call(
            Method::POST,
            "/api/accounts".into(),
            Some(json!({"username": username, "password": "secret123", "email": email})),
        )
        .await
        .unwrap();
    let (status, account) = answer(resp).await;
    assert_eq!(status, 200, "{account}");
    (
        account["id"].as_i64().unwrap(),
        account["provisioning_token"].as_str().unwrap().to_owned(),
    )
}

async fn send(app: &TestApp, id: i64, lang: &str) -> (u16, Value) {
    let resp = app
        .request(
            Method::POST,
            "localhost",
            &format!("/api/accounts/{id}/send_provisioning_email"),
        )
        .header("x-api-key", &app.admin_key)
        .header("accept-language", lang)
        .send()
        .await
        .unwrap();
    answer(resp).await
}

async fn current_token(app: &TestApp, id: i64) -> Value {
    let resp = app
        .admin_call(Method::GET, format!("/api/accounts/{id}"), None)
        .await
        .unwrap();
    json(resp).await["provisioning_token"].clone()
}

async fn provision(app: &TestApp, path: &str) -> u16 {
    app.get("localhost", path)
        .header("x-linphone-provisioning", "1")
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn the_mailed_link_provisions_and_replaces_the_previous_one(store: Store) {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let app = TestApp::spawn_with(store, |c| smtp.configure(c)).await;
    let (id, before) = account_with(&app, "zoe", Some("zoe@example.org")).await;

    assert_eq!(
        send(&app, id, "fr").await,
        (200, Value::String(String::new()))
    );
    let mail = smtp.wait_for_message("zoe@example.org").await;
    assert_eq!(mail.subject, "localhost : configurez votre compte");
    let link = mail.link().unwrap();
    let path = link
        .strip_prefix("http://localhost")
        .unwrap_or_else(|| panic!("{link}"));
    let token = path.strip_prefix("/provisioning/").unwrap();
    assert_ne!(token, before);
    assert_eq!(current_token(&app, id).await, token);
    assert!(mail.html.is_some_and(|h| h.contains(token)));

    assert_eq!(
        provision(&app, &format!("/provisioning/{before}")).await,
        404
    );
    assert_eq!(provision(&app, path).await, 200);
    app.stop().await;
}

async fn no_address_a_refusing_server_or_none_change_nothing(store: Store) {
    let Some(smtp) = SmtpServer::start_with(&["--reject", "gone@example.org"]) else {
        return;
    };
    let app = TestApp::spawn_with(store, |c| smtp.configure(c)).await;
    let (nobody, _) = account_with(&app, "nobody", None).await;
    let (status, body) = send(&app, nobody, "en").await;
    assert_eq!(
        (status, body["message"].as_str()),
        (403, Some("No email configured."))
    );

    let (gone, before) = account_with(&app, "gone", Some("gone@example.org")).await;
    let (status, body) = send(&app, gone, "en").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(
        body["message"],
        "The mail or SMS server refused the message. Nothing was changed."
    );
    assert_eq!(current_token(&app, gone).await, before.as_str());
    assert_eq!(send(&app, 999_999, "en").await.0, 404);
    assert!(smtp.messages().is_empty());
    app.stop().await;

    let none = TestApp::spawn_on(store).await;
    let (id, before) = account_with(&none, "zoe", Some("zoe@example.org")).await;
    let (status, body) = send(&none, id, "en").await;
    assert_eq!(status, 503);
    assert_eq!(
        body["message"],
        "This server cannot send e-mail: no mail server is configured. Nothing was changed."
    );
    assert_eq!(current_token(&none, id).await, before.as_str());
    none.stop().await;
}

crate::on_memory_and_sqlite!(
    the_mailed_link_provisions_and_replaces_the_previous_one,
    no_address_a_refusing_server_or_none_change_nothing,
);
