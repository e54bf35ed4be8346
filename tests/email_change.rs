//! Changing one's e-mail address by a code mailed to the new one, against a real SMTP server
//! (aiosmtpd): the code read from the message confirms the change; wrong, worn-out and expired
//! codes, unvalidated and blocked accounts, and an SMTP server that refuses or is down each get a
//! clear answer and change nothing.

use std::sync::Arc;

use chrono::Duration;
use flexiapi::config::Config;
use flexiapi::notify::{MailConfig, MailFile};
use flexiapi_domain::model::PasswordAlgorithm::Sha256;
use flexiapi_domain::testing::FixedClock;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Store, TestApp, json};
use crate::support_smtp::{FROM_ADDRESS, SmtpServer};

/// `alice@localhost`, registered with a creation token (a "validated" account), and her key.
pub(crate) async fn validated_alice(app: &TestApp) -> (i64, String) {
    let minted = app
        .admin_call(Method::POST, "/api/account_creation_tokens".into(), None)
        .await
        .unwrap();
    assert_eq!(minted.status(), 201);
    let token = json(minted).await["token"].as_str().unwrap().to_owned();
    let registered = app
        .request(
            Method::POST,
            "localhost",
            "/api/accounts/with-account-creation-token",
        )
        .json(&json!({"username": "alice", "password": "secret123",
                      "account_creation_token": token}))
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), 200);
    let id = json(registered).await["id"].as_i64().unwrap();
    (id, app.admin_key_for("alice", "localhost").await)
}

/// `POST path` on `localhost` as `key`, in `lang`, with a JSON body.
pub(crate) async fn post(
    app: &TestApp,
    key: &str,
    path: &str,
    lang: &str,
    body: Value,
) -> reqwest::Response {
    app.request(Method::POST, "localhost", path)
        .header("x-api-key", key)
        .header("accept-language", lang)
        .header("user-agent", "Linphone/6.0")
        .json(&body)
        .send()
        .await
        .unwrap()
}

pub(crate) async fn me(app: &TestApp, key: &str) -> Value {
    let resp = app
        .get("localhost", "/api/accounts/me")
        .header("x-api-key", key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    json(resp).await
}

/// The status and body of an answer.
pub(crate) async fn answer(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// A code that is not `code`.
pub(crate) fn other_than(code: &str) -> &'static str {
    if code == "1000" { "1001" } else { "1000" }
}

async fn a_mailed_code_changes_the_address_once(store: Store) {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let app = TestApp::spawn_with(store, |c| smtp.configure(c)).await;
    let (id, key) = validated_alice(&app).await;

    let resp = post(
        &app,
        &key,
        "/api/accounts/me/email/request",
        "fr",
        json!({"email": "alice@new.example.org"}),
    )
    .await;
    assert_eq!(answer(resp).await, (200, Value::String(String::new())));
    let mail = smtp.wait_for_message("alice@new.example.org").await;
    assert_eq!(
        mail.subject,
        "localhost : confirmez votre nouvelle adresse e-mail"
    );
    let code = mail.code().unwrap();
    assert_eq!(code.len(), 4);

    // Pending: the account shows the change, without the code; phone changes are for admins.
    let mine = me(&app, &key).await;
    assert_eq!(mine["email"], Value::Null);
    let pending = &mine["email_change_code"];
    assert_eq!(pending["email"], "alice@new.example.org");
    assert_eq!(pending["user_agent"], "Linphone/6.0");
    assert!(pending["ip"].is_string() && pending["created_at"].is_string());
    assert!(pending.get("code").is_none(), "{pending}");
    assert!(mine.get("phone_change_code").is_none(), "{mine}");
    // Admins: the listing without codes, one account with them.
    let shown = json(
        app.admin_call(Method::GET, format!("/api/accounts/{id}"), None)
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(shown["email_change_code"]["code"], code.as_str());
    assert_eq!(shown["phone_change_code"], Value::Null);
    let listed = json(
        app.admin_call(Method::GET, "/api/accounts?search=alice".into(), None)
            .await
            .unwrap(),
    )
    .await;
    let row = &listed["data"][0];
    assert_eq!(row["email_change_code"]["email"], "alice@new.example.org");
    assert!(row["email_change_code"].get("code").is_none(), "{row}");
    assert_eq!(row["phone_change_code"], Value::Null);

    // A JSON number is taken as the code too.
    let number: u64 = code.parse().unwrap();
    let resp = post(
        &app,
        &key,
        "/api/accounts/me/email",
        "en",
        json!({ "code": number }),
    )
    .await;
    let (status, account) = answer(resp).await;
    assert_eq!(status, 200, "{account}");
    assert_eq!(account["email"], "alice@new.example.org");
    assert_eq!(account["activated"], true);
    assert_eq!(account["email_change_code"], Value::Null);
    assert_eq!(me(&app, &key).await["email"], "alice@new.example.org");

    let resp = post(
        &app,
        &key,
        "/api/accounts/me/email",
        "en",
        json!({ "code": code }),
    )
    .await;
    let (status, body) = answer(resp).await;
    assert_eq!(status, 404);
    assert_eq!(
        body["message"],
        "There is no code to confirm: ask for one first."
    );
    // The same address again is refused.
    let resp = post(
        &app,
        &key,
        "/api/accounts/me/email/request",
        "en",
        json!({"email": "alice@new.example.org"}),
    )
    .await;
    let (status, body) = answer(resp).await;
    assert_eq!(status, 422);
    assert!(body["errors"]["email"].is_array(), "{body}");
    app.stop().await;
}

async fn wrong_worn_out_and_expired_codes_change_nothing(store: Store) {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let clock = Arc::new(FixedClock::new(chrono::Utc::now()));
    let app = TestApp::spawn_full(store, |c| smtp.configure(c), clock.clone()).await;
    let (_, key) = validated_alice(&app).await;
    let ask = |email: &'static str| {
        post(
            &app,
            &key,
            "/api/accounts/me/email/request",
            "en",
            json!({ "email": email }),
        )
    };
    let confirm = |code: String| {
        post(
            &app,
            &key,
            "/api/accounts/me/email",
            "en",
            json!({ "code": code }),
        )
    };

    assert_eq!(ask("alice@one.example.org").await.status(), 200);
    let code = smtp
        .wait_for_message("alice@one.example.org")
        .await
        .code()
        .unwrap();
    for malformed in ["", "123", "12a4"] {
        let (status, body) = answer(confirm(malformed.into()).await).await;
        assert_eq!(status, 422, "{malformed:?}: {body}");
        assert!(body["errors"]["code"].is_array());
    }
    for _ in 0..5 {
        let (status, body) = answer(confirm(other_than(&code).into()).await).await;
        assert_eq!(status, 422);
        assert_eq!(body["errors"]["code"], json!(["The code should be valid"]));
    }
    let (status, body) = answer(confirm(code.clone()).await).await;
    assert_eq!(status, 410);
    assert_eq!(
        body["message"],
        "Too many wrong codes: this code no longer works, ask for a new one."
    );
    assert_eq!(me(&app, &key).await["email"], Value::Null);

    assert_eq!(ask("alice@two.example.org").await.status(), 200);
    let code = smtp
        .wait_for_message("alice@two.example.org")
        .await
        .code()
        .unwrap();
    clock.advance(Duration::minutes(10));
    let (status, body) = answer(confirm(code).await).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (410, Some("Expired code."))
    );
    let mine = me(&app, &key).await;
    assert_eq!(mine["email"], Value::Null);
    assert_eq!(mine["email_change_code"]["email"], "alice@two.example.org");
    app.stop().await;
}

async fn unvalidated_and_blocked_accounts_get_no_code(store: Store) {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let app = TestApp::spawn_with(store, |c: &mut Config| {
        smtp.configure(c);
        c.blocking_amount_events_authorized_during_period = 2;
    })
    .await;
    // Made by an admin, never validated by a creation token.
    app.account("bob", "localhost", "secret123", &[Sha256], false)
        .await;
    let bob = app.admin_key_for("bob", "localhost").await;
    let resp = post(
        &app,
        &bob,
        "/api/accounts/me/email/request",
        "en",
        json!({"email": "bob@new.example.org"}),
    )
    .await;
    let (status, body) = answer(resp).await;
    assert_eq!(status, 403);
    assert_eq!(
        body["message"],
        "Account unvalidated: it must first be confirmed with an account creation token."
    );

    let (_, alice) = validated_alice(&app).await;
    for n in 0..2 {
        let resp = post(
            &app,
            &alice,
            "/api/accounts/me/email/request",
            "en",
            json!({ "email": format!("alice{n}@new.example.org") }),
        )
        .await;
        assert_eq!(resp.status(), 200);
    }
    let resp = post(
        &app,
        &alice,
        "/api/accounts/me/email/request",
        "fr",
        json!({"email": "alice@third.example.org"}),
    )
    .await;
    let (status, body) = answer(resp).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (403, Some("Compte bloqué."))
    );
    // Blocked now: nothing else works until an admin unblocks the account.
    let resp = app
        .get("localhost", "/api/accounts/me")
        .header("x-api-key", &alice)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert_eq!(smtp.messages().len(), 2);
    app.stop().await;
}

async fn a_refusing_down_or_missing_mail_server_changes_nothing(store: Store) {
    let Some(smtp) = SmtpServer::start_with(&["--reject", "alice@refused.example.org"]) else {
        return;
    };
    let app = TestApp::spawn_with(store, |c| smtp.configure(c)).await;
    let (_, key) = validated_alice(&app).await;
    let ask = |email: &'static str| {
        post(
            &app,
            &key,
            "/api/accounts/me/email/request",
            "en",
            json!({ "email": email }),
        )
    };
    assert_eq!(ask("alice@first.example.org").await.status(), 200);
    let first = smtp
        .wait_for_message("alice@first.example.org")
        .await
        .code()
        .unwrap();

    let (status, body) = answer(ask("alice@refused.example.org").await).await;
    assert_eq!(status, 503);
    assert_eq!(
        body["message"],
        "The mail or SMS server refused the message. Nothing was changed."
    );
    // The first code is still the pending one, and still works.
    assert_eq!(
        me(&app, &key).await["email_change_code"]["email"],
        "alice@first.example.org"
    );
    let resp = post(
        &app,
        &key,
        "/api/accounts/me/email",
        "en",
        json!({ "code": first }),
    )
    .await;
    assert_eq!(resp.status(), 200);
    app.stop().await;

    // Down: nothing listens where `[mail]` points.
    let port = smtp.port;
    drop(smtp);
    let dead = MailConfig::from_file(Some(MailFile {
        smtp_url: Some(format!("smtp://127.0.0.1:{port}?tls=none")),
        from_address: Some(FROM_ADDRESS.into()),
        ..MailFile::default()
    }))
    .unwrap();
    let down = TestApp::spawn_with(store, |c: &mut Config| c.mail = dead).await;
    let (_, key) = validated_alice(&down).await;
    let resp = post(
        &down,
        &key,
        "/api/accounts/me/email/request",
        "fr",
        json!({"email": "alice@new.example.org"}),
    )
    .await;
    let (status, body) = answer(resp).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(
        body["message"],
        "Le serveur de messagerie ou de SMS est injoignable pour le moment, veuillez réessayer plus tard. Rien n'a été modifié."
    );
    assert_eq!(me(&down, &key).await["email_change_code"], Value::Null);
    down.stop().await;

    // No mail server at all.
    let none = TestApp::spawn_on(store).await;
    let (_, key) = validated_alice(&none).await;
    let resp = post(
        &none,
        &key,
        "/api/accounts/me/email/request",
        "en",
        json!({"email": "alice@new.example.org"}),
    )
    .await;
    let (status, body) = answer(resp).await;
    assert_eq!(status, 503);
    assert_eq!(
        body["message"],
        "This server cannot send e-mail: no mail server is configured. Nothing was changed."
    );
    assert_eq!(me(&none, &key).await["email_change_code"], Value::Null);
    none.stop().await;
}

crate::on_memory_and_sqlite!(
    a_mailed_code_changes_the_address_once,
    wrong_worn_out_and_expired_codes_change_nothing,
    unvalidated_and_blocked_accounts_get_no_code,
    a_refusing_down_or_missing_mail_server_changes_nothing,
);
