//! Call forwardings: the caller's own and, for admins, those of their space's accounts; what
//! search and resolve show Flexisip; and what deleting accounts and contacts does to them.

use flexiapi_domain::model::PasswordAlgorithm::Sha256;
use flexiapi_domain::model::{Account, AccountId};
use reqwest::{Method, Response};
use serde_json::{Value, json};

use crate::helpers::{Store, TestApp, json};

const ME: &str = "/api/accounts/me/call_forwardings";

/// `method path` on `host` with `key`, an optional JSON body and a language, sent.
fn call(
    app: &TestApp,
    key: &str,
    host: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
    lang: &str,
) -> impl std::future::Future<Output = Response> + use<> {
    let mut req = app
        .request(method, host, path)
        .header("x-api-key", key)
        .header("accept-language", lang);
    if let Some(body) = body {
        req = req.json(&body);
    }
    async move { req.send().await.unwrap() }
}

/// Status and JSON body (`null` when it is not JSON).
async fn answer(resp: Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The fields of a 422's `errors`, sorted.
fn error_fields(body: &Value) -> Vec<String> {
    let mut fields: Vec<String> = body["errors"]
        .as_object()
        .map(|e| e.keys().cloned().collect())
        .unwrap_or_default();
    fields.sort();
    fields
}

/// A user of `localhost` and its key.
async fn user(app: &TestApp, name: &str) -> (Account, String) {
    let account = app
        .account(name, "localhost", "secret123", &[Sha256], false)
        .await;
    let key = app.admin_key_for(name, "localhost").await;
    (account, key)
}

/// Makes `contact` a direct contact of `account`, as the super admin.
async fn add_contact(app: &TestApp, account: AccountId, contact: AccountId) {
    let resp = app
        .admin_call(
            Method::POST,
            format!("/api/accounts/{}/contacts/{}", account.0, contact.0),
            None,
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

async fn my_call_forwardings_follow_the_originals_rules(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let (alice, key) = user(&app, "alice").await;
    let (bob, _) = user(&app, "bob").await;
    let me = |method: Method, path: &str, body: Option<Value>| {
        call(&app, &key, "localhost", method, path, body, "en")
    };
    let contact =
        json!({"type": "always", "forward_to": "contact", "contact_id": bob.id.0, "enabled": true});

    let (status, body) = answer(
        me(
            Method::POST,
            ME,
            Some(json!({"type": "always", "forward_to": "contact", "enabled": true})),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, error_fields(&body)),
        (422, vec!["contact_id".into()])
    );
    // Bob is not one of Alice's contacts yet.
    let (status, body) = answer(me(Method::POST, ME, Some(contact.clone())).await).await;
    assert_eq!(
        (status, error_fields(&body)),
        (422, vec!["contact_id".into()])
    );
    assert_eq!(
        body["errors"]["contact_id"][0],
        "The selected contact_id is not one of the account's contacts."
    );
    add_contact(&app, alice.id, bob.id).await;
    let (status, created) = answer(me(Method::POST, ME, Some(contact)).await).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["type"], "always");
    assert_eq!(created["forward_to"], "contact");
    assert_eq!(created["contact_id"], bob.id.0);
    assert_eq!(created["contact_sip_uri"], "sip:bob@localhost");
    assert_eq!(created["sip_uri"], Value::Null);
    assert_eq!(created["enabled"], true);
    let keys: Vec<&str> = created
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys.len(),
        9,
        "id, type, forward_to, sip_uri, enabled, contact_id, created_at, updated_at, contact_sip_uri: {keys:?}"
    );
    let (_, listed) = answer(me(Method::GET, ME, None).await).await;
    assert_eq!(listed, json!([created.clone()]));
    let one = format!("{ME}/{}", created["id"]);
    let (status, shown) = answer(me(Method::GET, &one, None).await).await;
    assert_eq!((status, &shown), (200, &created));

    // One `always` per account.
    let (status, body) = answer(
        me(
            Method::POST,
            ME,
            Some(json!({"type": "always", "forward_to": "sip_uri", "sip_uri": null, "enabled": true})),
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(error_fields(&body).contains(&"type".to_owned()), "{body}");
    assert_eq!(
        body["errors"]["type"][0],
        "The type has already been taken."
    );
    let resp = me(Method::DELETE, &one, None).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.text().await.unwrap(), "1");
    assert_eq!(me(Method::DELETE, &one, None).await.status(), 404);
    assert_eq!(me(Method::GET, &one, None).await.status(), 404);

    let (status, body) = answer(
        me(
            Method::POST,
            ME,
            Some(json!({"type": "always", "forward_to": "sip_uri", "sip_uri": null, "enabled": true})),
        )
        .await,
    )
    .await;
    assert_eq!((status, error_fields(&body)), (422, vec!["sip_uri".into()]));
    let always =
        json!({"type": "always", "forward_to": "sip_uri", "sip_uri": "sip:uri", "enabled": true});
    let (status, always_created) = answer(me(Method::POST, ME, Some(always)).await).await;
    assert_eq!(status, 201);
    assert_eq!(always_created["sip_uri"], "sip:uri");
    assert_eq!(always_created["contact_sip_uri"], Value::Null);
    // `always` is on: `no_answer` may not be.
    let no_answer = json!({"type": "no_answer", "forward_to": "sip_uri", "sip_uri": "sip:uri", "enabled": true});
    let (status, body) = answer(me(Method::POST, ME, Some(no_answer.clone())).await).await;
    assert_eq!((status, error_fields(&body)), (422, vec!["enabled".into()]));
    let always_path = format!("{ME}/{}", always_created["id"]);
    let (status, updated) = answer(
        me(
            Method::PUT,
            &always_path,
            Some(json!({"type": "always", "forward_to": "sip_uri", "sip_uri": "sip:uri", "enabled": false})),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(updated["enabled"], false);
    assert_eq!(updated["created_at"], always_created["created_at"]);
    let (status, _) = answer(me(Method::POST, ME, Some(no_answer)).await).await;
    assert_eq!(status, 201);
    let (_, listed) = answer(me(Method::GET, ME, None).await).await;
    assert_eq!(listed.as_array().unwrap().len(), 2);
    // And `always` cannot come back on beside it.
    let (status, body) = answer(
        me(
            Method::PUT,
            &always_path,
            Some(json!({"type": "always", "forward_to": "voicemail", "enabled": true})),
        )
        .await,
    )
    .await;
    assert_eq!((status, error_fields(&body)), (422, vec!["enabled".into()]));
    // A change of target keeps only the new one.
    let (status, updated) = answer(
        me(
            Method::PUT,
            &always_path,
            Some(json!({"type": "always", "forward_to": "voicemail", "sip_uri": "sip:kept@localhost", "enabled": false})),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        (&updated["forward_to"], &updated["sip_uri"]),
        (&json!("voicemail"), &Value::Null)
    );
    assert_eq!(
        me(Method::PUT, &format!("{ME}/0"), Some(json!({})))
            .await
            .status(),
        404
    );
    app.stop().await;
}

async fn invalid_forwardings_are_localized_422s_with_every_field(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let (_, key) = user(&app, "alice").await;
    let post = |body: Value, lang: &'static str| {
        call(&app, &key, "localhost", Method::POST, ME, Some(body), lang)
    };

    let (status, body) = answer(post(json!({}), "en").await).await;
    assert_eq!(status, 422);
    assert_eq!(error_fields(&body), ["enabled", "forward_to", "type"]);
    assert_eq!(body["errors"]["type"][0], "The type field is required.");
    assert_eq!(
        body["message"],
        "The type field is required. (and 2 more errors)"
    );
    let (_, body) = answer(post(json!({}), "fr").await).await;
    assert_eq!(body["errors"]["type"][0], "Le champ type est obligatoire.");
    assert_eq!(
        body["errors"]["forward_to"][0],
        "Le champ destination du renvoi est obligatoire."
    );

    let bad = json!({"type": "away", "forward_to": "phone", "sip_uri": "bob@example.org", "enabled": "maybe", "contact_id": "x"});
    let (status, body) = answer(post(bad.clone(), "en").await).await;
    assert_eq!(status, 422);
    assert_eq!(
        error_fields(&body),
        ["contact_id", "enabled", "forward_to", "sip_uri", "type"]
    );
    assert_eq!(
        body["errors"]["type"][0],
        "The selected type is invalid (expected one of: always, no_answer, busy)."
    );
    assert_eq!(
        body["errors"]["sip_uri"][0],
        "The sip_uri must be a valid SIP URI."
    );
    assert_eq!(
        body["errors"]["enabled"][0],
        "The enabled field must be true or false."
    );
    let (_, body) = answer(post(bad, "fr").await).await;
    assert_eq!(
        body["errors"]["sip_uri"][0],
        "Le champ adresse SIP doit être une URI SIP valide."
    );
    assert_eq!(
        body["errors"]["enabled"][0],
        "Le champ enabled doit être vrai ou faux."
    );

    let (status, _) = answer(
        post(
            json!({"type": "busy", "forward_to": "sip_uri", "sip_uri": "sip:bob@example.org", "enabled": true}),
            "en",
        )
        .await,
    )
    .await;
    assert_eq!(status, 201);
    let always = json!({"type": "always", "forward_to": "voicemail", "enabled": true});
    let (_, body) = answer(post(always.clone(), "en").await).await;
    assert_eq!(
        body["errors"]["enabled"][0],
        "An enabled \"always\" call forwarding cannot stand beside an enabled \"no_answer\" or \"busy\" one."
    );
    let (_, body) = answer(post(always, "fr").await).await;
    assert_eq!(
        body["errors"]["enabled"][0],
        "Un renvoi d'appel « always » activé ne peut coexister avec un renvoi « no_answer » ou « busy » activé."
    );
    let (_, body) = answer(
        post(
            json!({"type": "no_answer", "forward_to": "contact", "contact_id": 999_999, "enabled": false}),
            "fr",
        )
        .await,
    )
    .await;
    assert_eq!(
        body["errors"]["contact_id"][0],
        "Le contact sélectionné n'est pas un des contacts du compte."
    );
    // Not JSON at all: a 400, nothing stored.
    let resp = app
        .request(Method::POST, "localhost", ME)
        .header("x-api-key", &key)
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let (_, listed) =
        answer(call(&app, &key, "localhost", Method::GET, ME, None, "en").await).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    app.stop().await;
}

async fn members_of_an_attached_contacts_list_are_contacts_too(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let (alice, key) = user(&app, "alice").await;
    let (carol, _) = user(&app, "carol").await;
    let created = app
        .admin_call(
            Method::POST,
            "/api/contacts_lists".into(),
            Some(json!({"title": "Team", "description": "the team"})),
        )
        .await
        .unwrap();
    let list = json(created).await["id"].as_i64().unwrap();
    for path in [
        format!("/api/contacts_lists/{list}/contacts/{}", carol.id.0),
        format!("/api/accounts/{}/contacts_lists/{list}", alice.id.0),
    ] {
        let resp = app.admin_call(Method::POST, path, None).await.unwrap();
        assert!(resp.status().is_success());
    }
    let (status, created) = answer(
        call(
            &app,
            &key,
            "localhost",
            Method::POST,
            ME,
            Some(json!({"type": "busy", "forward_to": "contact", "contact_id": carol.id.0.to_string(), "enabled": 1})),
            "en",
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["contact_sip_uri"], "sip:carol@localhost");
    assert_eq!(created["enabled"], true);
    app.stop().await;
}

async fn admins_manage_the_forwardings_of_their_spaces_accounts(store: Store) {
    let app = TestApp::spawn_on(store).await;
    app.space("a.example.org", false).await;
    app.space("b.example.org", false).await;
    let alice = app
        .account("alice", "a.example.org", "secret123", &[Sha256], false)
        .await;
    let bob = app
        .account("bob", "a.example.org", "secret123", &[Sha256], false)
        .await;
    let stranger = app
        .account("stranger", "b.example.org", "secret123", &[Sha256], false)
        .await;
    app.account("admin", "a.example.org", "secret123", &[Sha256], true)
        .await;
    let admin = app.admin_key_for("admin", "a.example.org").await;
    let bob_key = app.admin_key_for("bob", "a.example.org").await;
    let on_a = |method: Method, path: String, body: Option<Value>| {
        call(&app, &admin, "a.example.org", method, &path, body, "en")
    };
    let list = format!("/api/accounts/{}/call_forwardings", alice.id.0);

    let (status, created) = answer(
        on_a(
            Method::POST,
            list.clone(),
            Some(json!({"type": "no_answer", "forward_to": "sip_uri", "sip_uri": "sips:voicemail@a.example.org:5061", "enabled": true})),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let one = format!("{list}/{}", created["id"]);
    let (_, listed) = answer(on_a(Method::GET, list.clone(), None).await).await;
    assert_eq!(listed, json!([created.clone()]));
    let (status, shown) = answer(on_a(Method::GET, one.clone(), None).await).await;
    assert_eq!((status, &shown), (200, &created));
    let (status, updated) = answer(
        on_a(
            Method::PUT,
            one.clone(),
            Some(json!({"type": "busy", "forward_to": "voicemail", "enabled": false})),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        (&updated["type"], &updated["enabled"]),
        (&json!("busy"), &json!(false))
    );
    // Admins see the account's forwardings, the account its own; not another's.
    let (_, mine) =
        answer(call(&app, &bob_key, "a.example.org", Method::GET, ME, None, "en").await).await;
    assert_eq!(mine, json!([]));
    let through_bob = format!(
        "/api/accounts/{}/call_forwardings/{}",
        bob.id.0, created["id"]
    );
    for method in [Method::GET, Method::DELETE] {
        assert_eq!(on_a(method, through_bob.clone(), None).await.status(), 404);
    }
    let bobs_own = format!("{ME}/{}", created["id"]);
    assert_eq!(
        call(
            &app,
            &bob_key,
            "a.example.org",
            Method::GET,
            &bobs_own,
            None,
            "en"
        )
        .await
        .status(),
        404
    );
    // An account of another space is unknown here, whoever asks.
    let theirs = format!("/api/accounts/{}/call_forwardings", stranger.id.0);
    assert_eq!(on_a(Method::GET, theirs.clone(), None).await.status(), 404);
    assert_eq!(
        on_a(
            Method::POST,
            theirs.clone(),
            Some(json!({"type": "busy", "forward_to": "voicemail", "enabled": true}))
        )
        .await
        .status(),
        404
    );
    let super_on_a = call(
        &app,
        &app.admin_key,
        "a.example.org",
        Method::GET,
        &theirs,
        None,
        "en",
    )
    .await;
    assert_eq!(super_on_a.status(), 404);
    // A contact of another space is no contact of Alice's, even named by id.
    let (status, body) = answer(
        on_a(
            Method::POST,
            list.clone(),
            Some(json!({"type": "always", "forward_to": "contact", "contact_id": stranger.id.0, "enabled": false})),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, error_fields(&body)),
        (422, vec!["contact_id".into()])
    );

    let resp = on_a(Method::DELETE, one.clone(), None).await;
    assert_eq!(
        (resp.status().as_u16(), resp.text().await.unwrap()),
        (200, "1".into())
    );
    assert_eq!(on_a(Method::GET, one, None).await.status(), 404);
    app.stop().await;
}

async fn search_and_resolve_carry_the_forwardings_flexisip_routes_by(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let (alice, key) = user(&app, "alice").await;
    let (bob, _) = user(&app, "bob").await;
    app.edit_account(&alice, |c| {
        c.email = Some(flexiapi_domain::model::Email::unchecked(
            "alice@example.org",
        ))
    })
    .await;
    add_contact(&app, alice.id, bob.id).await;
    let mut made = Vec::new();
    for body in [
        json!({"type": "busy", "forward_to": "contact", "contact_id": bob.id.0, "enabled": true}),
        json!({"type": "always", "forward_to": "sip_uri", "sip_uri": "sip:elsewhere@example.org", "enabled": false}),
    ] {
        let (status, created) =
            answer(call(&app, &key, "localhost", Method::POST, ME, Some(body), "en").await).await;
        assert_eq!(status, 201);
        made.push(created);
    }
    let admin = |path: &str| app.admin_call(Method::GET, path.to_owned(), None);

    let (status, found) =
        answer(admin("/api/accounts/alice@localhost/search").await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(found["id"], alice.id.0);
    assert_eq!(found["call_forwardings"], json!(made));
    assert_eq!(
        found["call_forwardings"][0]["contact_sip_uri"],
        "sip:bob@localhost"
    );
    let (status, resolved) = answer(admin("/api/resolve/alice@localhost").await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(resolved["type"], "account");
    assert_eq!(resolved["payload"]["sip_uri"], "sip:alice@localhost");
    assert_eq!(resolved["payload"]["call_forwardings"], json!(made));
    let (_, by_email) = answer(
        admin("/api/accounts/alice@example.org/search-by-email")
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(by_email["call_forwardings"], json!(made));
    // An account without forwardings carries an empty list, not nothing.
    let (_, resolved) = answer(admin("/api/resolve/bob@localhost").await.unwrap()).await;
    assert_eq!(resolved["payload"]["call_forwardings"], json!([]));
    assert_eq!(
        admin("/api/resolve/nobody@localhost")
            .await
            .unwrap()
            .status(),
        404
    );
    app.stop().await;
}

async fn deleting_accounts_and_contacts_does_what_the_originals_keys_do(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let (alice, key) = user(&app, "alice").await;
    let (bob, _) = user(&app, "bob").await;
    let (carol, carol_key) = user(&app, "carol").await;
    add_contact(&app, alice.id, bob.id).await;
    add_contact(&app, carol.id, alice.id).await;
    for (key, body) in [
        (
            &key,
            json!({"type": "busy", "forward_to": "contact", "contact_id": bob.id.0, "enabled": true}),
        ),
        (
            &key,
            json!({"type": "no_answer", "forward_to": "voicemail", "enabled": true}),
        ),
        (
            &carol_key,
            json!({"type": "always", "forward_to": "contact", "contact_id": alice.id.0, "enabled": true}),
        ),
    ] {
        let resp = call(&app, key, "localhost", Method::POST, ME, Some(body), "en").await;
        assert_eq!(resp.status(), 201);
    }
    let storage = app.services.storage_for_tests();
    let kinds = |forwardings: Vec<flexiapi_domain::model::CallForwarding>| {
        forwardings
            .into_iter()
            .map(|f| f.kind.to_string())
            .collect::<Vec<_>>()
    };

    // Bob stops being a contact: the forwarding stays (the original's key is on accounts).
    let resp = app
        .admin_call(
            Method::DELETE,
            format!("/api/accounts/{}/contacts/{}", alice.id.0, bob.id.0),
            None,
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        kinds(storage.call_forwardings_of(alice.id).await.unwrap()),
        ["busy", "no_answer"]
    );
    // Bob's account goes: the forwarding to him goes with it.
    let resp = app
        .admin_call(Method::DELETE, format!("/api/accounts/{}", bob.id.0), None)
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        kinds(storage.call_forwardings_of(alice.id).await.unwrap()),
        ["no_answer"]
    );
    // Alice's account goes: hers go, and Carol's to her.
    let resp = call(
        &app,
        &key,
        "localhost",
        Method::DELETE,
        "/api/accounts/me",
        None,
        "en",
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert!(
        storage
            .call_forwardings_of(alice.id)
            .await
            .unwrap()
            .is_empty()
    );
    let (_, carols) =
        answer(call(&app, &carol_key, "localhost", Method::GET, ME, None, "en").await).await;
    assert_eq!(carols, json!([]));
    app.stop().await;
}

crate::on_every_store!(
    my_call_forwardings_follow_the_originals_rules,
    search_and_resolve_carry_the_forwardings_flexisip_routes_by,
    deleting_accounts_and_contacts_does_what_the_originals_keys_do,
);

mod more {
    use super::*;

    crate::on_memory_and_sqlite!(
        invalid_forwardings_are_localized_422s_with_every_field,
        members_of_an_attached_contacts_list_are_contacts_too,
        admins_manage_the_forwardings_of_their_spaces_accounts,
    );
}
