//! Accounts of a space, managed by admins.

use flexiapi_domain::model::PasswordAlgorithm::Sha256;
use reqwest::Method;
use serde_json::json;

use crate::helpers::{Store, TestApp, challenges, digest_authorization, json};

async fn create(
    app: &TestApp,
    key: &str,
    host: &str,
    lang: &str,
    body: serde_json::Value,
) -> reqwest::Response {
    app.request(Method::POST, host, "/api/accounts")
        .header("x-api-key", key)
        .header("accept-language", lang)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn an_admin_creates_an_account_that_can_then_authenticate(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let activated = app
        .admin_call(
            Method::POST,
            "/api/phone_countries/FR/activate".into(),
            None,
        )
        .await
        .unwrap();
    assert_eq!(activated.status(), 200);
    let resp = create(
        &app,
        &app.admin_key,
        "localhost",
        "en",
        json!({"username": "zoe", "password": "secret123", "email": "zoe@example.org", "activated": true, "dtmf_protocol": "rfc2833", "phone": "+33612345678"}),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let body = json(resp).await;
    assert_eq!(body["username"], "zoe");
    assert_eq!(body["domain"], "localhost");
    assert_eq!(body["sip_uri"], "sip:zoe@localhost");
    assert_eq!(body["passwords"], json!([{"algorithm": "SHA-256"}]));
    assert_eq!(body["activated"], true);
    assert_eq!(body["admin"], false);
    assert_eq!(body["dictionary"], json!({}));
    assert!(body.get("password").is_none());

    let first = app
        .get("localhost", "/api/accounts/me")
        .header("from", "sip:zoe@localhost")
        .send()
        .await
        .unwrap();
    let c = challenges(first.headers()).remove(0);
    let me = app
        .get("localhost", "/api/accounts/me")
        .header("from", "sip:zoe@localhost")
        .header(
            "authorization",
            digest_authorization(&c, "zoe", "secret123", "GET", "/api/accounts/me", 1),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);

    let id = body["id"].as_i64().unwrap();
    let shown = app
        .get("localhost", &format!("/api/accounts/{id}"))
        .header("x-api-key", &app.admin_key)
        .send()
        .await
        .unwrap();
    assert_eq!(json(shown).await["email"], "zoe@example.org");
    app.stop().await;
}

async fn a_missing_username_is_reported_in_the_clients_language(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let fr = create(
        &app,
        &app.admin_key,
        "localhost",
        "fr",
        json!({"password": "secret123"}),
    )
    .await;
    assert_eq!(fr.status(), 422);
    let fr = json(fr).await;
    assert_eq!(
        fr["errors"]["username"],
        json!(["Le champ pseudo est obligatoire."])
    );
    assert_eq!(fr["message"], "Le champ pseudo est obligatoire.");
    let de = create(
        &app,
        &app.admin_key,
        "localhost",
        "de",
        json!({"password": "secret123"}),
    )
    .await;
    assert_eq!(
        json(de).await["errors"]["username"],
        json!(["The username field is required."])
    );
    app.stop().await;
}

async fn every_broken_rule_is_reported_on_its_field(store: Store) {
    let app = TestApp::spawn_on(store).await;
    app.account("taken", "localhost", "secret123", &[Sha256], false)
        .await;
    let cases = [
        (
            json!({"username": "Alice", "password": "secret123"}),
            "username",
            "The username must not contain uppercase letters.",
        ),
        (
            json!({"username": "+33612345678", "password": "secret123"}),
            "username",
            "The username should not be a phone number.",
        ),
        (
            json!({"username": "al ice", "password": "secret123"}),
            "username",
            "The username should be a valid SIP username.",
        ),
        (
            json!({"username": "taken", "password": "secret123"}),
            "username",
            "The username has already been taken.",
        ),
        (
            json!({"username": "newbie", "password": "abc"}),
            "password",
            "The password must be at least 6 characters.",
        ),
        (
            json!({"username": "newbie"}),
            "password",
            "The password field is required.",
        ),
        (
            json!({"username": "newbie", "password": "secret123", "email": "nope"}),
            "email",
            "The email must be a valid email address.",
        ),
        (
            json!({"username": "newbie", "password": "secret123", "phone": "0612"}),
            "phone",
            "The phone field contains an invalid number.",
        ),
        (
            json!({"username": "newbie", "password": "secret123", "algorithm": "SHA1"}),
            "algorithm",
            "The selected algorithm is invalid (expected one of: SHA-256, MD5).",
        ),
        (
            json!({"username": "newbie", "password": "secret123", "dtmf_protocol": "x"}),
            "dtmf_protocol",
            "The selected dtmf_protocol is invalid (expected one of: sipinfo, rfc2833, sipmessage).",
        ),
    ];
    for (body, field, message) in cases {
        let resp = create(&app, &app.admin_key, "localhost", "en", body.clone()).await;
        assert_eq!(resp.status(), 422, "{body}");
        let got = json(resp).await;
        assert_eq!(got["errors"][field][0], message, "{body}");
    }
    app.stop().await;
}

async fn a_deleted_username_cannot_be_registered_again(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let gone = app
        .account("gone", "localhost", "secret123", &[Sha256], false)
        .await;
    let resp = app
        .request(
            Method::DELETE,
            "localhost",
            &format!("/api/accounts/{}", gone.id.0),
        )
        .header("x-api-key", &app.admin_key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let again = create(
        &app,
        &app.admin_key,
        "localhost",
        "en",
        json!({"username": "gone", "password": "secret123"}),
    )
    .await;
    assert_eq!(again.status(), 422);
    let shown = app
        .get("localhost", &format!("/api/accounts/{}", gone.id.0))
        .header("x-api-key", &app.admin_key)
        .send()
        .await
        .unwrap();
    assert_eq!(shown.status(), 404);
    app.stop().await;
}

async fn a_full_space_refuses_new_accounts(store: Store) {
    let app = TestApp::spawn_on(store).await;
    app.edit_space("localhost", |s| s.max_accounts = 2).await;
    let ok = create(
        &app,
        &app.admin_key,
        "localhost",
        "en",
        json!({"username": "one", "password": "secret123"}),
    )
    .await;
    assert_eq!(ok.status(), 200);
    let full = create(
        &app,
        &app.admin_key,
        "localhost",
        "en",
        json!({"username": "two", "password": "secret123"}),
    )
    .await;
    assert_eq!(full.status(), 403);
    assert_eq!(
        json(full).await["message"],
        "The space has reached its maximum number of accounts."
    );
    app.stop().await;
}

async fn concurrent_creations_never_exceed_max_accounts(store: Store) {
    let app = TestApp::spawn_on(store).await;
    // The bootstrap admin is one account; five more fit.
    app.edit_space("localhost", |s| s.max_accounts = 6).await;
    let requests = (0..20).map(|i| {
        app.request(Method::POST, "localhost", "/api/accounts")
            .header("x-api-key", &app.admin_key)
            .json(&json!({"username": format!("rush{i}"), "password": "secret123"}))
    });
    let statuses = crate::creation_tokens::statuses_of_concurrent(requests).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        5,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 403).count(),
        15,
        "{statuses:?}"
    );
    let count = app
        .services
        .storage_for_tests()
        .count_accounts(&flexiapi_domain::model::Domain::parse("localhost").unwrap())
        .await
        .unwrap();
    assert_eq!(count, 6);
    app.stop().await;
}

async fn only_super_admins_choose_another_space(store: Store) {
    let app = TestApp::spawn_on(store).await;
    app.space("other.org", false).await;
    app.account("boss", "other.org", "secret123", &[Sha256], true)
        .await;
    let boss = app.admin_key_for("boss", "other.org").await;
    let by_super = create(
        &app,
        &app.admin_key,
        "localhost",
        "en",
        json!({"username": "remote", "password": "secret123", "domain": "other.org"}),
    )
    .await;
    assert_eq!(json(by_super).await["domain"], "other.org");
    let by_admin = create(
        &app,
        &boss,
        "other.org",
        "en",
        json!({"username": "local", "password": "secret123", "domain": "localhost"}),
    )
    .await;
    assert_eq!(
        json(by_admin).await["domain"],
        "other.org",
        "a plain admin stays in its space"
    );
    let unknown = create(
        &app,
        &app.admin_key,
        "localhost",
        "en",
        json!({"username": "x", "password": "secret123", "domain": "nowhere.org"}),
    )
    .await;
    assert_eq!(unknown.status(), 422);
    app.stop().await;
}

async fn flags_are_switched_and_accounts_of_other_spaces_are_not_found(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let u = app
        .account("flaggy", "localhost", "secret123", &[Sha256], false)
        .await;
    for (verb, field, value) in [
        ("deactivate", "activated", false),
        ("activate", "activated", true),
        ("block", "blocked", true),
        ("unblock", "blocked", false),
    ] {
        let resp = app
            .request(
                Method::POST,
                "localhost",
                &format!("/api/accounts/{}/{verb}", u.id.0),
            )
            .header("x-api-key", &app.admin_key)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{verb}");
        assert_eq!(json(resp).await[field], value, "{verb}");
    }
    app.space("other.org", false).await;
    let other = app
        .account("far", "other.org", "secret123", &[Sha256], false)
        .await;
    let resp = app
        .request(
            Method::POST,
            "localhost",
            &format!("/api/accounts/{}/block", other.id.0),
        )
        .header("x-api-key", &app.admin_key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    app.stop().await;
}

async fn put_replaces_the_account_as_the_original_does(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let created = create(
        &app,
        &app.admin_key,
        "localhost",
        "en",
        json!({"username": "pat", "password": "secret123", "email": "pat@example.org", "display_name": "Pat", "activated": true}),
    )
    .await;
    let id = json(created).await["id"].as_i64().unwrap();
    let put = |body: serde_json::Value| {
        app.request(Method::PUT, "localhost", &format!("/api/accounts/{id}"))
            .header("x-api-key", &app.admin_key)
            .json(&body)
            .send()
    };
    // Re-sending its own email is not a conflict (the original's quirk is not copied).
    let same = put(json!({"username": "pat", "email": "pat@example.org"}))
        .await
        .unwrap();
    assert_eq!(same.status(), 200);
    let body = json(same).await;
    assert_eq!(
        body["display_name"],
        serde_json::Value::Null,
        "omitted text fields are cleared"
    );
    assert_eq!(body["activated"], true, "omitted flags stay");

    let renamed = put(json!({"username": "patricia", "password": "another1", "algorithm": "MD5", "blocked": true})).await.unwrap();
    assert_eq!(renamed.status(), 200);
    let body = json(renamed).await;
    assert_eq!(body["username"], "patricia");
    assert_eq!(body["passwords"], json!([{"algorithm": "MD5"}]));
    assert_eq!(body["blocked"], true);
    assert_eq!(body["email"], serde_json::Value::Null);

    let invalid = put(json!({"email": "nope"})).await.unwrap();
    assert_eq!(invalid.status(), 422);
    let errors = json(invalid).await;
    assert!(errors["errors"]["username"].is_array() && errors["errors"]["email"].is_array());
    let missing = app
        .request(Method::PUT, "localhost", "/api/accounts/999999")
        .header("x-api-key", &app.admin_key)
        .json(&json!({"username": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    app.stop().await;
}

async fn accounts_are_found_by_sip_address_and_email_and_resolved(store: Store) {
    let app = TestApp::spawn_on(store).await;
    create(
        &app,
        &app.admin_key,
        "localhost",
        "en",
        json!({"username": "quinn", "password": "secret123", "email": "q@example.org"}),
    )
    .await;
    let get = |path: String| {
        app.get("localhost", &path)
            .header("x-api-key", &app.admin_key)
            .send()
    };
    let found = get("/api/accounts/quinn@localhost/search".into())
        .await
        .unwrap();
    assert_eq!(json(found).await["username"], "quinn");
    let by_email = get("/api/accounts/q@example.org/search-by-email".into())
        .await
        .unwrap();
    assert_eq!(json(by_email).await["username"], "quinn");
    let resolved = json(get("/api/resolve/quinn@localhost".into()).await.unwrap()).await;
    assert_eq!(resolved["type"], "account");
    assert_eq!(resolved["payload"]["username"], "quinn");
    let missing = get("/api/accounts/nobody@localhost/search".into())
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    assert_eq!(json(missing).await["message"], "SIP address not found.");
    let missing = get("/api/accounts/no@example.org/search-by-email".into())
        .await
        .unwrap();
    assert_eq!(json(missing).await["message"], "Email address not found.");
    assert_eq!(
        get("/api/resolve/quinn@other.org".into())
            .await
            .unwrap()
            .status(),
        404
    );
    app.stop().await;
}

async fn the_listing_is_paginated_and_searchable(store: Store) {
    let app = TestApp::spawn_on(store).await;
    for i in 0..25 {
        create(
            &app,
            &app.admin_key,
            "localhost",
            "en",
            json!({"username": format!("user{i:02}"), "password": "secret123"}),
        )
        .await;
    }
    let get = |q: &str| {
        app.get("localhost", &format!("/api/accounts{q}"))
            .header("x-api-key", &app.admin_key)
            .send()
    };
    let first = json(get("").await.unwrap()).await;
    assert_eq!(first["total"], 26, "25 users and the admin");
    assert_eq!(first["per_page"], 20);
    assert_eq!(first["data"].as_array().unwrap().len(), 20);
    assert_eq!(first["last_page"], 2);
    assert!(
        first["next_page_url"]
            .as_str()
            .unwrap()
            .ends_with("/api/accounts?page=2")
    );
    let second = json(get("?page=2").await.unwrap()).await;
    assert_eq!(second["data"].as_array().unwrap().len(), 6);
    assert_eq!(second["from"], 21);
    let searched = json(get("?search=USER1&per_page=100").await.unwrap()).await;
    assert_eq!(searched["total"], 10);
    app.stop().await;
}

async fn the_dictionary_and_the_provisioning_token_travel_with_the_account(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let created = create(
        &app,
        &app.admin_key,
        "localhost",
        "en",
        json!({"username": "dee", "password": "secret123", "dictionary": {"language": "fr", "theme": "dark"}}),
    )
    .await;
    let body = json(created).await;
    assert_eq!(
        body["dictionary"],
        json!({"language": "fr", "theme": "dark"})
    );
    let first_token = body["provisioning_token"].as_str().unwrap().to_owned();
    assert_eq!(first_token.len(), 13);
    let id = body["id"].as_i64().unwrap();

    let put = app
        .request(Method::PUT, "localhost", &format!("/api/accounts/{id}"))
        .header("x-api-key", &app.admin_key)
        .json(&json!({"username": "dee", "dictionary": {"theme": "light"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(json(put).await["dictionary"], json!({"theme": "light"}));
    let kept = app
        .request(Method::PUT, "localhost", &format!("/api/accounts/{id}"))
        .header("x-api-key", &app.admin_key)
        .json(&json!({"username": "dee"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        json(kept).await["dictionary"],
        json!({"theme": "light"}),
        "absent: unchanged"
    );

    let renewed = app
        .get("localhost", &format!("/api/accounts/{id}/provision"))
        .header("x-api-key", &app.admin_key)
        .send()
        .await
        .unwrap();
    let second_token = json(renewed).await["provisioning_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(second_token, first_token);

    let key = app.admin_key_for("dee", "localhost").await;
    let mine = app
        .get("localhost", "/api/accounts/me/provision")
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    let mine = json(mine).await;
    assert_eq!(mine["username"], "dee");
    assert_ne!(mine["provisioning_token"], second_token.as_str());
    app.stop().await;
}

async fn dictionary_entries_are_set_read_and_removed_one_by_one(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let acc = app
        .account("dic", "localhost", "secret123", &[Sha256], false)
        .await;
    let base = format!("/api/accounts/{}/dictionary", acc.id.0);
    let call = |method, path, body| app.admin_call(method, path, body);
    let set = call(
        Method::POST,
        format!("{base}/theme"),
        Some(json!({"value": "dark"})),
    )
    .await
    .unwrap();
    assert_eq!(set.status(), 201);
    assert_eq!(json(set).await, json!({"value": "dark"}));
    call(
        Method::POST,
        format!("{base}/lang"),
        Some(json!({"value": "fr"})),
    )
    .await
    .unwrap();
    let replaced = call(
        Method::POST,
        format!("{base}/theme"),
        Some(json!({"value": "light"})),
    )
    .await
    .unwrap();
    assert_eq!(replaced.status(), 201);
    let all = call(Method::GET, base.clone(), None).await.unwrap();
    assert_eq!(json(all).await, json!({"lang": "fr", "theme": "light"}));
    let one = call(Method::GET, format!("{base}/theme"), None)
        .await
        .unwrap();
    assert_eq!(json(one).await, json!({"value": "light"}));
    let absent = call(Method::GET, format!("{base}/nope"), None)
        .await
        .unwrap();
    assert_eq!(json(absent).await, json!({"value": null}));
    let missing = call(Method::POST, format!("{base}/x"), Some(json!({})))
        .await
        .unwrap();
    assert_eq!(missing.status(), 422);
    assert!(json(missing).await["errors"]["value"].is_array());
    let removed = call(Method::DELETE, format!("{base}/lang"), None)
        .await
        .unwrap();
    assert_eq!(removed.text().await.unwrap(), "1");
    let again = call(Method::DELETE, format!("{base}/lang"), None)
        .await
        .unwrap();
    assert_eq!(again.text().await.unwrap(), "0");
    let cleared = call(Method::DELETE, base.clone(), None).await.unwrap();
    assert_eq!(cleared.text().await.unwrap(), "1");
    let empty = call(Method::GET, base.clone(), None).await.unwrap();
    assert_eq!(json(empty).await, json!({}));
    let shown = call(Method::GET, format!("/api/accounts/{}", acc.id.0), None)
        .await
        .unwrap();
    assert_eq!(json(shown).await["dictionary"], json!({}));
    app.stop().await;
}

async fn account_types_are_managed_and_attached(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let acc = app
        .account("typed", "localhost", "secret123", &[Sha256], false)
        .await;
    let call = |method, path, body| app.admin_call(method, path, body);
    let created = call(
        Method::POST,
        "/api/account_types".into(),
        Some(json!({"key": "premium"})),
    )
    .await
    .unwrap();
    assert_eq!(created.status(), 201);
    let kind = json(created).await;
    assert_eq!(kind["key"], "premium");
    let id = kind["id"].as_i64().unwrap();
    let dup = call(
        Method::POST,
        "/api/account_types".into(),
        Some(json!({"key": "premium"})),
    )
    .await
    .unwrap();
    assert_eq!(dup.status(), 422);
    let bad = call(
        Method::POST,
        "/api/account_types".into(),
        Some(json!({"key": "Not Valid"})),
    )
    .await
    .unwrap();
    assert_eq!(
        json(bad).await["errors"]["key"][0],
        "The key may only contain lower-case letters, digits, dashes and underscores."
    );
    let renamed = call(
        Method::PUT,
        format!("/api/account_types/{id}"),
        Some(json!({"key": "gold"})),
    )
    .await
    .unwrap();
    assert_eq!(json(renamed).await["key"], "gold");
    assert_eq!(
        json(
            call(Method::GET, format!("/api/account_types/{id}"), None)
                .await
                .unwrap()
        )
        .await["key"],
        "gold"
    );

    let attach = format!("/api/accounts/{}/types/{id}", acc.id.0);
    assert_eq!(
        call(Method::POST, attach.clone(), None)
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        call(Method::POST, attach.clone(), None)
            .await
            .unwrap()
            .status(),
        403,
        "already attached"
    );
    let shown = json(
        call(Method::GET, format!("/api/accounts/{}", acc.id.0), None)
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(shown["types"], json!([{"id": id, "key": "gold"}]));
    assert_eq!(
        call(
            Method::POST,
            format!("/api/accounts/{}/types/999999", acc.id.0),
            None
        )
        .await
        .unwrap()
        .status(),
        404
    );
    assert_eq!(
        call(Method::DELETE, attach.clone(), None)
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "1"
    );
    assert_eq!(
        call(Method::DELETE, attach.clone(), None)
            .await
            .unwrap()
            .status(),
        403,
        "not attached"
    );
    assert_eq!(
        call(Method::DELETE, format!("/api/account_types/{id}"), None)
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "1"
    );
    assert_eq!(
        call(Method::GET, format!("/api/account_types/{id}"), None)
            .await
            .unwrap()
            .status(),
        404
    );
    app.stop().await;
}

async fn dtmf_actions_need_a_dtmf_protocol(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let acc = app
        .account("dtmf", "localhost", "secret123", &[Sha256], false)
        .await;
    let base = format!("/api/accounts/{}/actions", acc.id.0);
    let call = |method, path, body| app.admin_call(method, path, body);
    let refused = call(Method::GET, base.clone(), None).await.unwrap();
    assert_eq!(refused.status(), 403);
    assert_eq!(
        json(refused).await["message"],
        "DTMF Protocol must be configured."
    );
    app.edit_account(&acc, |c| {
        c.dtmf_protocol = Some(flexiapi_domain::model::DtmfProtocol::Rfc2833);
    })
    .await;

    let created = call(
        Method::POST,
        base.clone(),
        Some(json!({"key": "door", "code": "1234"})),
    )
    .await
    .unwrap();
    assert_eq!(created.status(), 201);
    let action = json(created).await;
    let id = action["id"].as_i64().unwrap();
    assert_eq!(action["code"], "1234");
    let invalid = call(Method::POST, base.clone(), Some(json!({"key": "Door"})))
        .await
        .unwrap();
    let invalid = json(invalid).await;
    assert!(invalid["errors"]["key"].is_array() && invalid["errors"]["code"].is_array());
    let updated = call(
        Method::PUT,
        format!("{base}/{id}"),
        Some(json!({"key": "gate", "code": "42"})),
    )
    .await
    .unwrap();
    assert_eq!(json(updated).await["key"], "gate");
    assert_eq!(
        json(
            call(Method::GET, format!("{base}/{id}"), None)
                .await
                .unwrap()
        )
        .await["code"],
        "42"
    );
    let shown = json(
        call(Method::GET, format!("/api/accounts/{}", acc.id.0), None)
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        shown["actions"],
        json!([{"id": id, "key": "gate", "code": "42"}])
    );
    assert_eq!(
        call(Method::DELETE, format!("{base}/{id}"), None)
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "1"
    );
    assert_eq!(
        call(Method::GET, format!("{base}/{id}"), None)
            .await
            .unwrap()
            .status(),
        404
    );
    app.stop().await;
}

crate::on_memory_and_sqlite!(
    dtmf_actions_need_a_dtmf_protocol,
    account_types_are_managed_and_attached,
    dictionary_entries_are_set_read_and_removed_one_by_one,
    the_dictionary_and_the_provisioning_token_travel_with_the_account,
    put_replaces_the_account_as_the_original_does,
    accounts_are_found_by_sip_address_and_email_and_resolved,
    the_listing_is_paginated_and_searchable,
    an_admin_creates_an_account_that_can_then_authenticate,
    a_missing_username_is_reported_in_the_clients_language,
    every_broken_rule_is_reported_on_its_field,
    a_deleted_username_cannot_be_registered_again,
    a_full_space_refuses_new_accounts,
    concurrent_creations_never_exceed_max_accounts,
    only_super_admins_choose_another_space,
    flags_are_switched_and_accounts_of_other_spaces_are_not_found,
);
