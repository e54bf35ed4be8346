//! vCards and CardDAV: `/api/accounts/{me,id}/vcards-storage`, the web routes `/vcards-storage`
//! and `/contacts/vcard`, `/api/spaces/{domain}/carddavs`, `/api/accounts/{id}/carddavs`, the
//! `carddav_servers` of account and space objects, and the address books of provisioning. The
//! vCards the server writes are read back by an independent parser (Python's `vobject`).

use std::process::Stdio;

use flexiapi_domain::model::Email;
use flexiapi_domain::model::PasswordAlgorithm::Sha256;
use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

use crate::helpers::{Store, TestApp, hex_digest, keyed_call as call, unique_domain};
use crate::linphone_account_creator::liblinphone;

fn card(uid: &str, name: &str, email: &str) -> String {
    format!(
        "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:{name}\r\nEMAIL:{email}\r\nIMPP:sip:{email}\r\nUID:urn:uuid:{uid}\r\nEND:VCARD\r\n"
    )
}

/// Runs `command` with `text` on its standard input; its standard output, once it succeeded.
async fn fed(mut command: tokio::process::Command, text: &str, what: &str) -> Vec<u8> {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{what} starts: {e}"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .await
        .unwrap();
    let out = child.wait_with_output().await.unwrap();
    assert!(
        out.status.success(),
        "{what} refused the stream: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// What Python's `vobject` reads in `text`: per card, (FN, IMPP values, EMAIL values, VERSION).
async fn vobject_cards(text: &str) -> Vec<(String, Vec<String>, Vec<String>, String)> {
    let script = r#"
import json, sys, vobject
out = []
for c in vobject.readComponents(sys.stdin.read()):
    values = lambda name: [p.value for p in c.contents.get(name, [])]
    out.append([c.fn.value, values("impp"), values("email"), c.version.value])
print(json.dumps(out))
"#;
    let mut python = tokio::process::Command::new("python3");
    python.args(["-c", script]);
    serde_json::from_slice(&fed(python, text, "python3 with vobject (/tmp/flexiapi-ci-venv)").await)
        .unwrap()
}

/// What liblinphone (Debian's 5.1) loads from `text` into a friend list, as a Linphone app loads
/// its `contacts-vcard-list`: (display name, SIP address) per friend; `None` when liblinphone's
/// development files are absent (outside CI).
async fn linphone_friends(text: &str) -> Option<Vec<(String, String)>> {
    let flags = liblinphone()?;
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("friend_list.c");
    std::fs::write(&source, include_str!("fixtures/linphone/friend_list.c")).unwrap();
    let program = dir.path().join("friend_list");
    let out = std::process::Command::new("cc")
        .arg("-o")
        .arg(&program)
        .arg(&source)
        .args(&flags)
        .output()
        .expect("cc runs");
    assert!(
        out.status.success(),
        "friend_list.c compiles: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let config = dir.path().join("linphonerc");
    std::fs::write(
        &config,
        format!(
            "[sip]\nsip_port=0\nsip_tcp_port=0\nsip_tls_port=0\n[storage]\nuri={}\n",
            dir.path().join("linphone.db").display()
        ),
    )
    .unwrap();
    let mut harness = tokio::process::Command::new(&program);
    harness
        .arg(&config)
        .env("HOME", dir.path())
        .env("XDG_DATA_HOME", dir.path())
        .env("XDG_CONFIG_HOME", dir.path());
    let stdout = String::from_utf8_lossy(&fed(harness, text, "friend_list").await).into_owned();
    let mut lines = stdout.lines();
    let count: i64 = lines
        .next()
        .and_then(|l| l.strip_prefix("COUNT "))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count in {stdout}"));
    let friends: Vec<(String, String)> = lines
        .filter_map(|l| l.strip_prefix("FRIEND "))
        .map(|l| {
            let (name, uri) = l.split_once('\t').unwrap_or((l, ""));
            (name.to_owned(), uri.to_owned())
        })
        .collect();
    assert_eq!(count, i64::try_from(friends.len()).unwrap(), "{stdout}");
    Some(friends)
}

/// A space with an admin (key), a user `alice` (key, id) and `bob` (id).
async fn setup(app: &TestApp, domain: &str) -> (String, String, i64, i64) {
    app.space(domain, false).await;
    app.account("admin", domain, "admin-pass-1", &[Sha256], true)
        .await;
    let alice = app
        .account("alice", domain, "alice-pass-1", &[Sha256], false)
        .await;
    let bob = app
        .account("bob", domain, "bob-pass-1", &[Sha256], false)
        .await;
    (
        app.admin_key_for("admin", domain).await,
        app.admin_key_for("alice", domain).await,
        alice.id.0,
        bob.id.0,
    )
}

async fn my_vcards_are_stored_shown_replaced_and_deleted(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let domain = unique_domain("v");
    let (_, key, _, _) = setup(&app, &domain).await;
    let me = "/api/accounts/me/vcards-storage";
    let uid = "4fbe8971-0bc3-424c-9c26-36c3e1eff6b1";

    let (status, body) = call(&app, &key, &domain, Method::GET, me, None, "en").await;
    assert_eq!((status, body), (200, json!({})));

    let (status, created) = call(
        &app,
        &key,
        &domain,
        Method::POST,
        me,
        Some(json!({"vcard": card(uid, "Simone Perreault", "simone@example.net")})),
        "en",
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let stored = created["vcard"].as_str().unwrap();
    assert!(stored.starts_with("BEGIN:VCARD\nVERSION:4.0\n"), "{stored}");
    assert!(!stored.contains('\r'), "stored with LF line ends");
    assert!(created["created_at"].is_string() && created["updated_at"].is_string());
    assert!(created.get("uuid").is_none() && created.get("id").is_none());

    // The same UID again is a conflict.
    let (status, body) = call(
        &app,
        &key,
        &domain,
        Method::POST,
        me,
        Some(json!({"vcard": card(uid, "Other", "o@example.net")})),
        "en",
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(body["message"], "Vcard already exists");

    // A vCard 3.0 stays one.
    let v3 = "BEGIN:VCARD\nVERSION:3.0\nN:Doe;John;;;\nFN:John Doe\nUID:john-3\nEND:VCARD\n";
    let (status, body) = call(
        &app,
        &key,
        &domain,
        Method::POST,
        me,
        Some(json!({"vcard": v3})),
        "en",
    )
    .await;
    assert_eq!(status, 201);
    assert!(body["vcard"].as_str().unwrap().contains("VERSION:3.0"));

    let (status, index) = call(&app, &key, &domain, Method::GET, me, None, "en").await;
    assert_eq!(status, 200);
    let keys: Vec<&String> = index.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [&uid.to_string(), &"john-3".to_string()],
        "keyed by UID"
    );
    assert_eq!(index[uid], created);

    let one = format!("{me}/{uid}");
    let (status, body) = call(&app, &key, &domain, Method::GET, &one, None, "en").await;
    assert_eq!((status, body), (200, created.clone()));

    // Replacing: PUT and PATCH, the UID must stay.
    let (status, body) = call(
        &app,
        &key,
        &domain,
        Method::PUT,
        &one,
        Some(json!({"vcard": card(uid, "Simone P.", "simone@example.net")})),
        "en",
    )
    .await;
    assert_eq!(status, 200);
    assert!(body["vcard"].as_str().unwrap().contains("FN:Simone P."));
    let (status, body) = call(
        &app,
        &key,
        &domain,
        Method::PATCH,
        &one,
        Some(json!({"vcard": card(uid, "Simone", "simone@example.net")})),
        "en",
    )
    .await;
    assert_eq!(status, 200);
    assert!(body["vcard"].as_str().unwrap().contains("FN:Simone\n"));
    let (status, body) = call(
        &app,
        &key,
        &domain,
        Method::PUT,
        &one,
        Some(json!({"vcard": card("another-uid", "X", "x@example.net")})),
        "en",
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        body["errors"]["vcard"][0]
            .as_str()
            .unwrap()
            .starts_with("UUID should be the same")
    );
    let (status, _) = call(
        &app,
        &key,
        &domain,
        Method::PUT,
        &format!("{me}/nope"),
        Some(json!({"vcard": card("nope", "X", "x@example.net")})),
        "en",
    )
    .await;
    assert_eq!(status, 404);

    // The web routes answer the stored text; vobject reads it.
    let resp = app
        .get(&domain, "/vcards-storage")
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let text = resp.text().await.unwrap();
    let cards = vobject_cards(&text).await;
    assert_eq!(cards.len(), 2);
    // Oldest first.
    assert_eq!(cards[0].0, "Simone");
    assert_eq!(cards[0].2, ["simone@example.net"]);
    assert_eq!(cards[0].1, ["sip:simone@example.net"]);
    assert_eq!(cards[0].3, "4.0");
    assert_eq!(cards[1].0, "John Doe");
    assert_eq!(cards[1].3, "3.0");
    let resp = app
        .get(&domain, &format!("/vcards-storage/{uid}"))
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.text().await.unwrap().contains("FN:Simone\n"));
    let resp = app
        .get(&domain, "/vcards-storage/nope")
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);

    let (status, body) = call(&app, &key, &domain, Method::DELETE, &one, None, "en").await;
    assert_eq!((status, body), (200, json!(1)));
    let (status, _) = call(&app, &key, &domain, Method::DELETE, &one, None, "en").await;
    assert_eq!(status, 404);
    app.stop().await;
}

async fn bad_vcards_are_a_422_on_the_field_in_english_and_french(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let domain = unique_domain("v");
    let (_, key, _, _) = setup(&app, &domain).await;
    let me = "/api/accounts/me/vcards-storage";
    for (body, en, fr) in [
        (json!({}), "The vcard field is required.", "obligatoire"),
        (
            json!({"vcard": "BEGIN:VCARD\nVERSION:4.0\nFN:No uid\nEND:VCARD\n"}),
            "Invalid vcard passed",
            "vCard invalide",
        ),
        (
            json!({"vcard": "hello"}),
            "Invalid vcard passed",
            "vCard invalide",
        ),
        (json!({"vcard": ["a"]}), "vcard", "vcard"),
    ] {
        let (status, answer) = call(
            &app,
            &key,
            &domain,
            Method::POST,
            me,
            Some(body.clone()),
            "en",
        )
        .await;
        assert_eq!(status, 422, "{body}: {answer}");
        let message = answer["errors"]["vcard"][0].as_str().unwrap();
        assert!(message.contains(en), "{body}: {message}");
        let (status, answer) = call(
            &app,
            &key,
            &domain,
            Method::POST,
            me,
            Some(body.clone()),
            "fr",
        )
        .await;
        assert_eq!(status, 422);
        let message = answer["errors"]["vcard"][0].as_str().unwrap();
        assert!(message.contains(fr), "{body}: {message}");
    }
    app.stop().await;
}

async fn an_admin_handles_the_vcards_of_an_account_of_its_space_only(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let domain = unique_domain("v");
    let (admin, alice_key, alice, _) = setup(&app, &domain).await;
    let other = unique_domain("v");
    let (other_admin, _, _, _) = setup(&app, &other).await;
    let path = format!("/api/accounts/{alice}/vcards-storage");

    let (status, _) = call(
        &app,
        &admin,
        &domain,
        Method::POST,
        &path,
        Some(json!({"vcard": card("a1", "Alice's friend", "f@example.net")})),
        "en",
    )
    .await;
    assert_eq!(status, 201);
    // Alice sees it as hers.
    let (_, mine) = call(
        &app,
        &alice_key,
        &domain,
        Method::GET,
        "/api/accounts/me/vcards-storage",
        None,
        "en",
    )
    .await;
    assert!(
        mine["a1"]["vcard"]
            .as_str()
            .unwrap()
            .contains("Alice's friend")
    );
    let (status, index) = call(&app, &admin, &domain, Method::GET, &path, None, "en").await;
    assert_eq!(status, 200);
    assert!(index.get("a1").is_some());
    let (status, _) = call(
        &app,
        &admin,
        &domain,
        Method::PATCH,
        &format!("{path}/a1"),
        Some(json!({"vcard": card("a1", "Renamed", "f@example.net")})),
        "en",
    )
    .await;
    assert_eq!(status, 200);

    // An account of another space is not found from there.
    let (status, _) = call(&app, &other_admin, &other, Method::GET, &path, None, "en").await;
    assert_eq!(status, 404);
    let (status, _) = call(
        &app,
        &other_admin,
        &other,
        Method::DELETE,
        &format!("{path}/a1"),
        None,
        "en",
    )
    .await;
    assert_eq!(status, 404);

    let (status, _) = call(
        &app,
        &admin,
        &domain,
        Method::DELETE,
        &format!("{path}/a1"),
        None,
        "en",
    )
    .await;
    assert_eq!(status, 200);
    let (_, index) = call(&app, &admin, &domain, Method::GET, &path, None, "en").await;
    assert_eq!(index, json!({}));
    app.stop().await;
}

async fn my_contacts_export_as_vcard_4_that_vobject_reads(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let domain = unique_domain("v");
    let (admin, alice_key, alice, bob) = setup(&app, &domain).await;
    let carol = app
        .account("carol", &domain, "carol-pass-1", &[Sha256], false)
        .await;
    let bob_account = app
        .services
        .storage_for_tests()
        .account_by_id(flexiapi_domain::model::AccountId(bob))
        .await
        .unwrap()
        .unwrap();
    app.edit_account(&bob_account, |c| {
        c.display_name = Some("Bob, the Builder".into());
        c.email = Some(Email::unchecked("bob@example.net"));
    })
    .await;

    // Bob directly, Carol through a contacts list attached to Alice.
    let (status, _) = call(
        &app,
        &admin,
        &domain,
        Method::POST,
        &format!("/api/accounts/{alice}/contacts/{bob}"),
        None,
        "en",
    )
    .await;
    assert_eq!(status, 200);
    let (status, list) = call(
        &app,
        &admin,
        &domain,
        Method::POST,
        "/api/contacts_lists",
        Some(json!({"title": format!("team {domain}"), "description": "d"})),
        "en",
    )
    .await;
    assert_eq!(status, 201);
    let list = list["id"].as_i64().unwrap();
    let carol_id = carol.id.0;
    let (status, _) = call(
        &app,
        &admin,
        &domain,
        Method::POST,
        &format!("/api/contacts_lists/{list}/contacts/{carol_id}"),
        None,
        "en",
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = call(
        &app,
        &admin,
        &domain,
        Method::POST,
        &format!("/api/accounts/{alice}/contacts_lists/{list}"),
        None,
        "en",
    )
    .await;
    assert_eq!(status, 200);

    let resp = app
        .get(&domain, "/contacts/vcard")
        .header("x-api-key", &alice_key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/vcard")
    );
    let text = resp.text().await.unwrap();
    let cards = vobject_cards(&text).await;
    assert_eq!(
        cards,
        [
            (
                "Bob, the Builder".to_string(),
                vec![format!("sip:bob@{domain}")],
                vec!["bob@example.net".to_string()],
                "4.0".to_string(),
            ),
            (
                format!("carol@{domain}"),
                vec![format!("sip:carol@{domain}")],
                vec![],
                "4.0".to_string(),
            ),
        ]
    );
    // A Linphone app loads the same stream as its friends (in its own order). Its vCard parser
    // (belcard, in 5.1) keeps the escape of the comma RFC 6350 requires in `FN`, where vobject
    // undoes it: the address, which the app calls, is the same.
    if let Some(mut friends) = linphone_friends(&text).await {
        friends.sort();
        assert_eq!(
            friends,
            [
                (
                    "Bob\\, the Builder".to_string(),
                    format!("sip:bob@{domain}")
                ),
                (format!("carol@{domain}"), format!("sip:carol@{domain}")),
            ]
        );
    }

    let resp = app
        .get(&domain, &format!("/contacts/vcard/sip:carol@{domain}"))
        .header("x-api-key", &alice_key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let one = vobject_cards(&resp.text().await.unwrap()).await;
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].0, format!("carol@{domain}"));
    let resp = app
        .get(&domain, &format!("/contacts/vcard/admin@{domain}"))
        .header("x-api-key", &alice_key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    // Without credentials: 401.
    let resp = app.get(&domain, "/contacts/vcard").send().await.unwrap();
    assert_eq!(resp.status(), 401);
    app.stop().await;
}

async fn a_super_admin_manages_the_carddav_servers_of_a_space(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let domain = unique_domain("v");
    let (admin, _, _, _) = setup(&app, &domain).await;
    let sup = app.admin_key.clone();
    let path = format!("/api/spaces/{domain}/carddavs");

    // A plain admin may not.
    let (status, _) = call(&app, &admin, &domain, Method::GET, &path, None, "en").await;
    assert_eq!(status, 403);
    let (status, body) = call(&app, &sup, "localhost", Method::GET, &path, None, "en").await;
    assert_eq!((status, body), (200, json!([])));

    let (status, created) = call(
        &app,
        &sup,
        "localhost",
        Method::POST,
        &path,
        Some(
            json!({"uri": "https://dav.example.org/book/", "results_limit": 20,
                    "fields_for_user_input": "fn,impp"}),
        ),
        "en",
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["uri"], "https://dav.example.org/book/");
    assert_eq!(created["enabled"], false);
    assert_eq!(created["results_limit"], 20, "kept, unlike the original");
    assert_eq!(created["min_characters"], 3);
    assert_eq!(created["timeout"], 5);
    assert_eq!(created["delay"], 500);
    assert_eq!(created["use_exact_match_policy"], false);
    assert_eq!(created["fields_for_domain"], Value::Null);
    assert!(created.get("space_id").is_none());
    let id = created["id"].as_i64().unwrap();
    let one = format!("{path}/{id}");

    let (status, updated) = call(
        &app,
        &sup,
        "localhost",
        Method::PUT,
        &one,
        Some(
            json!({"uri": "https://dav2.example.org", "enabled": true, "delay": 100,
                    "use_exact_match_policy": true, "fields_for_domain": "impp"}),
        ),
        "en",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(updated["enabled"], true);
    assert_eq!(updated["delay"], 100);
    assert_eq!(updated["results_limit"], 0);
    assert_eq!(updated["fields_for_user_input"], Value::Null);
    let (status, patched) = call(
        &app,
        &sup,
        "localhost",
        Method::PATCH,
        &one,
        Some(json!({"uri": "https://dav2.example.org", "enabled": true})),
        "en",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(patched["use_exact_match_policy"], false);

    // Every broken rule, per field, localized.
    let bad = json!({"uri": "ftp://x", "min_characters": 0, "results_limit": -1, "timeout": 0,
                     "delay": 99, "fields_for_user_input": "fn, impp", "fields_for_domain": "a b",
                     "enabled": "maybe"});
    let (status, body) = call(
        &app,
        &sup,
        "localhost",
        Method::POST,
        &path,
        Some(bad.clone()),
        "en",
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let errors = body["errors"].as_object().unwrap();
    let mut fields: Vec<&str> = errors.keys().map(String::as_str).collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "delay",
            "enabled",
            "fields_for_domain",
            "fields_for_user_input",
            "min_characters",
            "results_limit",
            "timeout",
            "uri"
        ]
    );
    assert_eq!(errors["uri"][0], "The uri must be a valid URL.");
    let (_, body) = call(
        &app,
        &sup,
        "localhost",
        Method::POST,
        &path,
        Some(json!({})),
        "fr",
    )
    .await;
    assert!(
        body["errors"]["uri"][0]
            .as_str()
            .unwrap()
            .contains("obligatoire"),
        "{body}"
    );

    // The space object carries its servers.
    let (_, space) = call(
        &app,
        &sup,
        "localhost",
        Method::GET,
        &format!("/api/spaces/{domain}"),
        None,
        "en",
    )
    .await;
    assert_eq!(space["carddav_servers"][0]["id"], id);
    assert_eq!(
        space["carddav_servers"][0]["uri"],
        "https://dav2.example.org"
    );

    let (status, body) = call(&app, &sup, "localhost", Method::DELETE, &one, None, "en").await;
    assert_eq!((status, body), (200, json!(1)));
    let (status, _) = call(&app, &sup, "localhost", Method::GET, &one, None, "en").await;
    assert_eq!(status, 404);
    app.stop().await;
}

async fn an_admin_sets_carddav_credentials_when_the_space_allows_it(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let domain = unique_domain("v");
    let (admin, alice_key, alice, _) = setup(&app, &domain).await;
    let sup = app.admin_key.clone();
    let (_, server) = call(
        &app,
        &sup,
        "localhost",
        Method::POST,
        &format!("/api/spaces/{domain}/carddavs"),
        Some(json!({"uri": "https://dav.example.org/book/", "enabled": true})),
        "en",
    )
    .await;
    let server_id = server["id"].as_i64().unwrap();
    let path = format!("/api/accounts/{alice}/carddavs");
    let one = format!("{path}/{server_id}");
    let credentials = json!({"username": "john", "password": "secret", "algorithm": "MD5",
                             "realm": "hop.com"});

    // Off by default, as the original.
    let (status, body) = call(&app, &admin, &domain, Method::GET, &path, None, "en").await;
    assert_eq!(status, 403);
    assert_eq!(body["message"], "CardDav Credentials features disabled");
    let (status, _) = call(
        &app,
        &admin,
        &domain,
        Method::PUT,
        &one,
        Some(credentials.clone()),
        "en",
    )
    .await;
    assert_eq!(status, 403);

    app.edit_space(&domain, |s| s.settings.carddav_user_credentials = true)
        .await;
    let (status, body) = call(&app, &admin, &domain, Method::GET, &path, None, "en").await;
    assert_eq!((status, body), (200, json!({})));
    let (status, _) = call(
        &app,
        &admin,
        &domain,
        Method::PUT,
        &format!("{path}/999999"),
        Some(credentials.clone()),
        "en",
    )
    .await;
    assert_eq!(status, 404);
    let (status, body) = call(
        &app,
        &admin,
        &domain,
        Method::PUT,
        &one,
        Some(json!({"algorithm": "SHA-1", "password": 12})),
        "en",
    )
    .await;
    assert_eq!(status, 422);
    let mut fields: Vec<&str> = body["errors"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort_unstable();
    assert_eq!(fields, ["algorithm", "password", "realm", "username"]);

    let (status, body) = call(
        &app,
        &admin,
        &domain,
        Method::PUT,
        &one,
        Some(credentials),
        "en",
    )
    .await;
    assert_eq!((status, body), (200, json!(1)));
    let (status, body) = call(
        &app,
        &admin,
        &domain,
        Method::PATCH,
        &one,
        Some(
            json!({"username": "john", "password": "secret", "algorithm": "SHA-256",
                    "realm": "hop2.com"}),
        ),
        "en",
    )
    .await;
    assert_eq!((status, body), (200, json!(1)));
    let ha1 = hex_digest(Sha256, "john:hop2.com:secret");
    let (status, index) = call(&app, &admin, &domain, Method::GET, &path, None, "en").await;
    assert_eq!(status, 200);
    assert_eq!(
        index[server_id.to_string()],
        json!({"carddav_id": server_id, "username": "john", "realm": "hop2.com",
               "algorithm": "SHA-256", "password": ha1})
    );
    let (status, shown) = call(&app, &admin, &domain, Method::GET, &one, None, "en").await;
    assert_eq!(status, 200);
    assert_eq!(shown["realm"], "hop2.com");

    // The account object shows the server with its pivot, as the original's.
    let (_, account) = call(
        &app,
        &admin,
        &domain,
        Method::GET,
        &format!("/api/accounts/{alice}"),
        None,
        "en",
    )
    .await;
    let listed = &account["carddav_servers"][0];
    assert_eq!(listed["id"], server_id);
    assert_eq!(listed["uri"], "https://dav.example.org/book/");
    assert_eq!(
        listed["pivot"],
        json!({"account_id": alice, "space_carddav_server_id": server_id, "username": "john",
               "realm": "hop2.com", "algorithm": "SHA-256", "password": ha1})
    );

    // Provisioning: the vCard list URL, the server as a remote contact directory, and the
    // credentials as an auth_info after the account's own.
    let resp = app
        .get(&domain, "/provisioning/me")
        .header("x-api-key", &alice_key)
        .header("x-linphone-provisioning", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let xml = resp.text().await.unwrap();
    for expected in [
        "<section name=\"misc\">",
        &format!("<entry name=\"contacts-vcard-list\">http://{domain}/contacts/vcard</entry>"),
        "<section name=\"remote_contact_directory_0\">",
        "<entry name=\"type\">carddav</entry>",
        "<entry name=\"uri\">https://dav.example.org/book/</entry>",
        "<entry name=\"enabled\">1</entry>",
        "<entry name=\"min_characters\">3</entry>",
        "<section name=\"auth_info_1\">",
        "<entry name=\"username\">john</entry>",
        &format!("<entry name=\"ha1\">{ha1}</entry>"),
        "<entry name=\"realm\">hop2.com</entry>",
    ] {
        assert!(xml.contains(expected), "{expected} not in {xml}");
    }

    // Deleting the credentials leaves the server.
    let (status, _) = call(&app, &admin, &domain, Method::DELETE, &one, None, "en").await;
    assert_eq!(status, 200);
    let (status, _) = call(&app, &admin, &domain, Method::GET, &one, None, "en").await;
    assert_eq!(status, 404);
    let (_, index) = call(&app, &admin, &domain, Method::GET, &path, None, "en").await;
    assert_eq!(index, json!({}));
    let (status, _) = call(
        &app,
        &sup,
        "localhost",
        Method::GET,
        &format!("/api/spaces/{domain}/carddavs/{server_id}"),
        None,
        "en",
    )
    .await;
    assert_eq!(status, 200);

    // An admin of another space cannot reach this account.
    let other = unique_domain("v");
    let (other_admin, _, _, _) = setup(&app, &other).await;
    app.edit_space(&other, |s| s.settings.carddav_user_credentials = true)
        .await;
    let (status, _) = call(&app, &other_admin, &other, Method::GET, &path, None, "en").await;
    assert_eq!(status, 404);
    app.stop().await;
}

crate::on_every_store!(
    my_vcards_are_stored_shown_replaced_and_deleted,
    bad_vcards_are_a_422_on_the_field_in_english_and_french,
    an_admin_handles_the_vcards_of_an_account_of_its_space_only,
    my_contacts_export_as_vcard_4_that_vobject_reads,
    a_super_admin_manages_the_carddav_servers_of_a_space,
    an_admin_sets_carddav_credentials_when_the_space_allows_it,
);
