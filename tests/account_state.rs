//! Blocking and deactivation hold until an admin lifts them: no route hands a blocked account or
//! one an admin deactivated any credentials or activates it; and what provisioning cannot carry
//! (characters XML 1.0 forbids, line breaks) is refused at input and dropped at output.

use flexiapi_domain::model::Account;
use flexiapi_domain::model::PasswordAlgorithm::{Md5, Sha256};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Store, TestApp, json as body};

const HEADER: &str = "x-linphone-provisioning";

/// A `localhost` account not yet activated (a registration), with a provisioning token and an
/// API key of its own.
async fn pending(app: &TestApp, username: &str) -> (Account, String, String) {
    let account = app
        .account(username, "localhost", "secret123", &[Sha256, Md5], false)
        .await;
    let account = app.edit_account(&account, |c| c.activated = false).await;
    let token = app
        .services
        .new_provisioning_token(&account, None, None)
        .await
        .unwrap()
        .token;
    let key = app.admin_key_for(username, "localhost").await;
    (account, token, key)
}

async fn provision(app: &TestApp, path: &str, key: Option<&str>) -> (u16, String) {
    let mut req = app
        .get("localhost", path)
        .header(HEADER, "1")
        .header("accept-language", "fr");
    if let Some(key) = key {
        req = req.header("x-api-key", key);
    }
    let resp = req.send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

/// Status and JSON body of a user call with `key`, in French.
async fn user_call(
    app: &TestApp,
    method: Method,
    path: &str,
    key: &str,
    payload: Option<Value>,
) -> (u16, Value) {
    let mut req = app
        .request(method, "localhost", path)
        .header("x-api-key", key)
        .header("accept-language", "fr");
    if let Some(payload) = payload {
        req = req.json(&payload);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn admin(app: &TestApp, method: Method, path: String, payload: Option<Value>) -> Value {
    let resp = app.admin_call(method, path, payload).await.unwrap();
    assert_eq!(resp.status(), 200);
    body(resp).await
}

async fn stored(app: &TestApp, account: &Account) -> Account {
    app.services
        .storage_for_tests()
        .account_by_id(account.id)
        .await
        .unwrap()
        .unwrap()
}

async fn a_blocked_account_gets_nothing_from_any_route(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let (account, token, key) = pending(&app, "alice").await;
    // An auth token attached before the block.
    let auth_token = app
        .request(Method::POST, "localhost", "/api/accounts/auth_token")
        .send()
        .await
        .unwrap();
    let auth_token = body(auth_token).await["token"].as_str().unwrap().to_owned();
    let (status, _) = user_call(
        &app,
        Method::GET,
        &format!("/api/accounts/auth_token/{auth_token}/attach"),
        &key,
        None,
    )
    .await;
    assert_eq!(status, 200);

    admin(
        &app,
        Method::POST,
        format!("/api/accounts/{}/block", account.id.0),
        None,
    )
    .await;

    // Routes that take the account from a token.
    let (status, text) = provision(&app, &format!("/provisioning/{token}"), None).await;
    assert_eq!(status, 403, "{text}");
    assert!(!text.contains("ha1"), "{text}");
    assert!(text.contains("Compte bloqué."), "{text}");
    let (status, text) = provision(&app, &format!("/provisioning/qrcode/{token}"), None).await;
    assert_eq!(status, 403, "{text}");
    let redeem = app
        .get(
            "localhost",
            &format!("/api/accounts/me/api_key/{auth_token}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(redeem.status(), 403);
    assert!(redeem.headers().get("set-cookie").is_none());
    // Routes of the authenticated account.
    let (status, _) = provision(&app, "/provisioning/me", Some(&key)).await;
    assert_eq!(status, 403);
    for (method, path, payload) in [
        (Method::GET, "/api/accounts/me/provision", None),
        (
            Method::POST,
            "/api/accounts/me/password",
            Some(json!({"password": "another123", "old_password": "secret123"})),
        ),
    ] {
        let (status, answer) = user_call(&app, method, path, &key, payload).await;
        assert_eq!(status, 403, "{path}: {answer}");
        assert_eq!(answer["message"], "Compte bloqué.", "{path}");
    }
    let now = stored(&app, &account).await;
    assert!(!now.activated && now.blocked);
    assert_eq!(now.passwords, account.passwords);

    // Nothing was spent: once unblocked, the token provisions (and activates) the account.
    admin(
        &app,
        Method::POST,
        format!("/api/accounts/{}/unblock", account.id.0),
        None,
    )
    .await;
    let (status, text) = provision(&app, &format!("/provisioning/{token}"), None).await;
    assert_eq!(status, 200, "{text}");
    assert!(stored(&app, &account).await.activated);
}

async fn an_admin_deactivation_holds_until_an_admin_activates(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let (account, token, key) = pending(&app, "bob").await;
    app.edit_account(&account, |c| c.activated = true).await;
    let deactivated = admin(
        &app,
        Method::POST,
        format!("/api/accounts/{}/deactivate", account.id.0),
        None,
    )
    .await;
    assert_eq!(deactivated["activated"], false);
    // The public JSON keeps its shape.
    assert!(deactivated.get("deactivated_at").is_none());

    // The token issued before the deactivation gives nothing.
    let (status, text) = provision(&app, &format!("/provisioning/{token}"), None).await;
    assert_eq!(status, 403, "{text}");
    assert!(!text.contains("ha1"), "{text}");
    assert!(text.contains("Compte désactivé"), "{text}");
    let (status, _) = provision(&app, &format!("/provisioning/qrcode/{token}"), None).await;
    assert_eq!(status, 403);
    let (status, text) = provision(&app, "/provisioning/me", Some(&key)).await;
    assert_eq!(status, 403, "{text}");
    // Neither a fresh token nor a password change activates it.
    for (method, path, payload) in [
        (Method::GET, "/api/accounts/me/provision", None),
        (
            Method::POST,
            "/api/accounts/me/password",
            Some(json!({"password": "another123", "old_password": "secret123"})),
        ),
    ] {
        let (status, answer) = user_call(&app, method, path, &key, payload).await;
        assert_eq!(status, 403, "{path}: {answer}");
        assert!(
            answer["message"]
                .as_str()
                .unwrap()
                .starts_with("Compte désactivé"),
            "{path}: {answer}"
        );
    }
    let now = stored(&app, &account).await;
    assert!(!now.activated);
    assert_eq!(now.passwords, account.passwords);
    // A token an admin issues changes nothing either: only activation does.
    let shown = admin(
        &app,
        Method::GET,
        format!("/api/accounts/{}/provision", account.id.0),
        None,
    )
    .await;
    let admin_token = shown["provisioning_token"].as_str().unwrap().to_owned();
    let (status, _) = provision(&app, &format!("/provisioning/{admin_token}"), None).await;
    assert_eq!(status, 403);

    admin(
        &app,
        Method::POST,
        format!("/api/accounts/{}/activate", account.id.0),
        None,
    )
    .await;
    let (status, text) = provision(&app, &format!("/provisioning/{admin_token}"), None).await;
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("ha1"));
    let (status, _) = user_call(
        &app,
        Method::POST,
        "/api/accounts/me/password",
        &key,
        Some(json!({"password": "another123", "old_password": "secret123"})),
    )
    .await;
    assert_eq!(status, 200);
}

async fn an_update_turning_an_account_off_is_a_deactivation_a_registration_is_not(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let (carol, carol_token, carol_key) = pending(&app, "carol").await;
    let (dave, dave_token, _) = pending(&app, "dave").await;
    app.edit_account(&carol, |c| c.activated = true).await;
    let update = |username: &str, activated: bool| json!({"username": username, "activated": activated, "display_name": "Edited"});

    // An activated account turned off by an update stays off.
    admin(
        &app,
        Method::PUT,
        format!("/api/accounts/{}", carol.id.0),
        Some(update("carol", false)),
    )
    .await;
    let (status, _) = provision(&app, &format!("/provisioning/{carol_token}"), None).await;
    assert_eq!(status, 403);
    let (status, _) = user_call(
        &app,
        Method::POST,
        "/api/accounts/me/password",
        &carol_key,
        Some(json!({"password": "another123", "old_password": "secret123"})),
    )
    .await;
    assert_eq!(status, 403);
    // Editing it again (flags sent as they are) keeps it off; turning it on lifts it.
    admin(
        &app,
        Method::PUT,
        format!("/api/accounts/{}", carol.id.0),
        Some(update("carol", false)),
    )
    .await;
    let (status, _) = provision(&app, &format!("/provisioning/{carol_token}"), None).await;
    assert_eq!(status, 403);
    admin(
        &app,
        Method::PUT,
        format!("/api/accounts/{}", carol.id.0),
        Some(update("carol", true)),
    )
    .await;
    let (status, _) = provision(&app, &format!("/provisioning/{carol_token}"), None).await;
    assert_eq!(status, 200);

    // A registration edited with its `activated: false` is still activated by provisioning.
    admin(
        &app,
        Method::PUT,
        format!("/api/accounts/{}", dave.id.0),
        Some(update("dave", false)),
    )
    .await;
    let (status, text) = provision(&app, &format!("/provisioning/{dave_token}"), None).await;
    assert_eq!(status, 200, "{text}");
    assert!(stored(&app, &dave).await.activated);
}

/// Display names with characters XML 1.0 or the INI configuration cannot carry: refused with a
/// localized 422 on admin creation and update.
async fn display_names_provisioning_cannot_carry_are_refused(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let created = admin(
        &app,
        Method::POST,
        "/api/accounts".into(),
        Some(json!({"username": "erin", "password": "secret123", "display_name": "Erin É."})),
    )
    .await;
    for bad in [
        "Eve\u{FFFE}",
        "Eve\u{FFFF}",
        "Eve\r\n[sip]",
        "Eve\u{1}",
        "Eve\u{2028}",
    ] {
        for (method, path, payload) in [
            (
                Method::POST,
                "/api/accounts".to_owned(),
                json!({"username": "eve", "password": "secret123", "display_name": bad}),
            ),
            (
                Method::PUT,
                format!("/api/accounts/{}", created["id"]),
                json!({"username": "erin", "display_name": bad}),
            ),
        ] {
            let resp = app
                .request(method, "localhost", &path)
                .header("x-api-key", &app.admin_key)
                .header("accept-language", "fr")
                .json(&payload)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 422, "{bad:?} on {path}");
            let answer = body(resp).await;
            let message = answer["errors"]["display_name"][0].as_str().unwrap();
            assert!(message.contains("caractères"), "{message}");
        }
    }
    let erin = admin(
        &app,
        Method::GET,
        format!("/api/accounts/{}", created["id"]),
        None,
    )
    .await;
    assert_eq!(erin["display_name"], "Erin É.");
    let accounts = admin(&app, Method::GET, "/api/accounts".into(), None).await;
    assert!(
        accounts["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["username"] != "eve")
    );

    // The space's texts that go into provisioning, likewise.
    let space = |settings: Value| {
        json!({"domain": "localhost", "host": "localhost", "name": "localhost", "super": true})
            .as_object()
            .unwrap()
            .clone()
            .into_iter()
            .chain(settings.as_object().unwrap().clone())
            .collect::<serde_json::Map<_, _>>()
    };
    for (settings, field) in [
        (
            json!({"custom_provisioning_entries": "[sip]\nx = a\u{FFFE}\n"}),
            "custom_provisioning_entries",
        ),
        (
            json!({"account_proxy_registrar_address": "<sip:p.example.org>\r\nx"}),
            "account_proxy_registrar_address",
        ),
        (
            json!({"digest_authentication_configuration": {"realm": "r\u{FFFF}"}}),
            "digest_authentication_configuration.realm",
        ),
    ] {
        let resp = app
            .request(Method::PUT, "localhost", "/api/spaces/localhost")
            .header("x-api-key", &app.admin_key)
            .json(&space(settings))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 422, "{field}");
        let answer = body(resp).await;
        assert!(answer["errors"][field].is_array(), "{field}: {answer}");
    }
}

/// Rows stored before the checks (or imported) still give well-formed XML, without line breaks in
/// any value.
async fn stored_texts_never_make_the_provisioning_xml_malformed(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let (account, token, _) = pending(&app, "frank").await;
    app.edit_account(&account, |c| {
        c.display_name = Some("Frank\u{FFFE}\r\n[sip]\u{1}\u{FFFF}".into());
    })
    .await;
    app.edit_space("localhost", |s| {
        s.settings.custom_provisioning_entries = Some("[misc]\nnote = a\u{FFFE}b\u{7}c\n".into());
        s.settings.account_proxy_registrar_address = Some("<sip:p.example.org>\r\n[x]".into());
    })
    .await;

    let (status, xml) = provision(&app, &format!("/provisioning/{token}"), None).await;
    assert_eq!(status, 200, "{xml}");
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}: {xml:?}"));
    let value = |section: &str, name: &str| {
        doc.descendants()
            .find(|n| n.attribute("name") == Some(section))
            .and_then(|s| s.children().find(|e| e.attribute("name") == Some(name)))
            .and_then(|e| e.text())
            .map(str::to_owned)
    };
    assert_eq!(
        value("proxy_0", "reg_identity").as_deref(),
        Some("\"Frank[sip]\" <sip:frank@localhost>")
    );
    assert_eq!(
        value("proxy_0", "reg_proxy").as_deref(),
        Some("<sip:p.example.org>[x]")
    );
    assert_eq!(value("misc", "note").as_deref(), Some("abc"));
    for entry in doc.descendants().filter(|n| n.has_tag_name("entry")) {
        let text = entry.text().unwrap_or_default();
        assert!(!text.contains(['\r', '\n']), "{text:?}");
    }
}

crate::on_memory_and_sqlite!(
    a_blocked_account_gets_nothing_from_any_route,
    an_admin_deactivation_holds_until_an_admin_activates,
    an_update_turning_an_account_off_is_a_deactivation_a_registration_is_not,
    display_names_provisioning_cannot_carry_are_refused,
    stored_texts_never_make_the_provisioning_xml_malformed,
);
