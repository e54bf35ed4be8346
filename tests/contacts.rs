//! Contacts: direct contacts and contacts lists (admins), and what a user sees as its contacts.

use flexiapi_domain::model::PasswordAlgorithm::Sha256;
use reqwest::{Method, Response};
use serde_json::{Value, json};

use crate::helpers::{Store, TestApp, json};

/// Status and body text.
async fn answer(resp: Response) -> (u16, String) {
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap())
}

/// `method path` on `host` with `key`, an optional JSON body and a language.
async fn call(
    app: &TestApp,
    key: &str,
    host: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
    lang: &str,
) -> Response {
    let mut req = app
        .request(method, host, path)
        .header("x-api-key", key)
        .header("accept-language", lang);
    if let Some(body) = body {
        req = req.json(&body);
    }
    req.send().await.unwrap()
}

/// The bootstrap super admin on `localhost`, in English.
async fn admin(app: &TestApp, method: Method, path: &str, body: Option<Value>) -> Response {
    app.admin_call(method, path.to_owned(), body).await.unwrap()
}

async fn create_list(app: &TestApp, title: &str) -> i64 {
    let resp = admin(
        app,
        Method::POST,
        "/api/contacts_lists",
        Some(json!({"title": title, "description": format!("about {title}")})),
    )
    .await;
    assert_eq!(resp.status(), 201);
    json(resp).await["id"].as_i64().unwrap()
}

/// `other.example.org`, with an admin, an account and a list of its own: (admin key, account id,
/// list id).
async fn other_space(app: &TestApp) -> (String, i64, i64) {
    app.space("other.example.org", false).await;
    app.account("admin", "other.example.org", "secret123", &[Sha256], true)
        .await;
    let stranger = app
        .account(
            "stranger",
            "other.example.org",
            "secret123",
            &[Sha256],
            false,
        )
        .await;
    let key = app.admin_key_for("admin", "other.example.org").await;
    let created = call(
        app,
        &key,
        "other.example.org",
        Method::POST,
        "/api/contacts_lists",
        Some(json!({"title": "Theirs", "description": "of the other space"})),
        "en",
    )
    .await;
    assert_eq!(created.status(), 201);
    let list = json(created).await["id"].as_i64().unwrap();
    (key, stranger.id.0, list)
}

async fn direct_contacts_are_added_once_shown_and_removed(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let alice = app
        .account("alice", "localhost", "secret123", &[Sha256], false)
        .await
        .id
        .0;
    let bob = app
        .account("bob", "localhost", "secret123", &[Sha256], false)
        .await
        .id
        .0;
    let carol = app
        .account("carol", "localhost", "secret123", &[Sha256], false)
        .await
        .id
        .0;
    let (_, stranger, _) = other_space(&app).await;
    let contacts = format!("/api/accounts/{alice}/contacts");

    for contact in [carol, bob, bob] {
        let added = admin(&app, Method::POST, &format!("{contacts}/{contact}"), None).await;
        assert_eq!(answer(added).await, (200, String::new()), "idempotent");
    }
    let listed = json(admin(&app, Method::GET, &contacts, None).await).await;
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["id"], bob, "ordered by id");
    assert_eq!(listed[0]["sip_uri"], "sip:bob@localhost");
    assert_eq!(listed[1]["username"], "carol");
    assert!(
        listed[0]["dictionary"].is_object(),
        "the full account object"
    );
    let one = admin(&app, Method::GET, &format!("{contacts}/{carol}"), None).await;
    assert_eq!(one.status(), 200);
    assert_eq!(json(one).await["username"], "carol");

    // Accounts of another space are not found, on either side.
    for path in [
        format!("{contacts}/{stranger}"),
        format!("/api/accounts/{stranger}/contacts/{alice}"),
    ] {
        let refused = admin(&app, Method::POST, &path, None).await;
        assert_eq!(refused.status(), 404, "POST {path}");
    }
    let not_listed = admin(&app, Method::GET, &format!("{contacts}/{stranger}"), None).await;
    assert_eq!(not_listed.status(), 404);
    assert_eq!(
        json(not_listed).await["message"],
        "This account is not a contact."
    );
    let foreign = admin(
        &app,
        Method::GET,
        &format!("/api/accounts/{stranger}/contacts"),
        None,
    )
    .await;
    assert_eq!(foreign.status(), 404);

    let removed = admin(&app, Method::DELETE, &format!("{contacts}/{bob}"), None).await;
    assert_eq!(answer(removed).await, (200, "1".to_owned()));
    let again = admin(&app, Method::DELETE, &format!("{contacts}/{bob}"), None).await;
    assert_eq!(again.status(), 404);
    let gone = admin(&app, Method::GET, &format!("{contacts}/{bob}"), None).await;
    assert_eq!(gone.status(), 404);
    let left = json(admin(&app, Method::GET, &contacts, None).await).await;
    assert_eq!(left.as_array().unwrap().len(), 1);

    // Ids that are not numbers, or do not fit one, are a 400, never a server error.
    for path in [
        format!("{contacts}/abc"),
        format!("{contacts}/99999999999999999999"),
        "/api/accounts/99999999999999999999/contacts".to_owned(),
    ] {
        for method in [Method::GET, Method::POST, Method::DELETE] {
            let status = admin(&app, method.clone(), &path, None).await.status();
            if path.ends_with("/contacts") && method != Method::GET {
                assert_eq!(status, 405, "{method} {path}");
            } else {
                assert_eq!(status, 400, "{method} {path}");
            }
        }
    }
    app.stop().await;
}

async fn contacts_lists_are_managed_within_their_space(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let (other_key, _, theirs) = other_space(&app).await;

    let created = admin(
        &app,
        Method::POST,
        "/api/contacts_lists",
        Some(json!({"title": " Friends ", "description": "close ones"})),
    )
    .await;
    assert_eq!(created.status(), 201);
    let list = json(created).await;
    // `serde_json` sorts keys.
    let keys: Vec<&str> = list
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "contacts_count",
            "created_at",
            "description",
            "id",
            "space_id",
            "title",
            "updated_at"
        ]
    );
    assert_eq!(list["title"], "Friends", "trimmed");
    assert_eq!(list["description"], "close ones");
    assert_eq!(list["contacts_count"], 0);
    assert!(list["space_id"].is_i64());
    let id = list["id"].as_i64().unwrap();
    let path = format!("/api/contacts_lists/{id}");

    let shown = admin(&app, Method::GET, &path, None).await;
    assert_eq!(shown.status(), 200);
    assert_eq!(json(shown).await, list);
    let listed = json(admin(&app, Method::GET, "/api/contacts_lists", None).await).await;
    assert_eq!(listed, json!([list]));

    let updated = admin(
        &app,
        Method::PUT,
        &path,
        Some(json!({"title": "Close friends", "description": "the closest"})),
    )
    .await;
    assert_eq!(updated.status(), 200);
    let updated = json(updated).await;
    assert_eq!(updated["title"], "Close friends");
    assert_eq!(updated["description"], "the closest");
    assert_eq!(updated["space_id"], list["space_id"]);
    assert_eq!(updated["created_at"], list["created_at"]);
    // Its own title again is no conflict.
    let same = admin(
        &app,
        Method::PUT,
        &path,
        Some(json!({"title": "Close friends", "description": "still"})),
    )
    .await;
    assert_eq!(same.status(), 200);

    // A list of another space is not found here, and stays where it is.
    let foreign = format!("/api/contacts_lists/{theirs}");
    for (method, body) in [
        (Method::GET, None),
        (
            Method::PUT,
            Some(json!({"title": "Stolen", "description": "moved"})),
        ),
        (Method::DELETE, None),
    ] {
        let refused = admin(&app, method.clone(), &foreign, body).await;
        assert_eq!(refused.status(), 404, "{method} {foreign}");
        assert_eq!(json(refused).await["message"], "Contacts list not found.");
    }
    let kept = call(
        &app,
        &other_key,
        "other.example.org",
        Method::GET,
        "/api/contacts_lists",
        None,
        "en",
    )
    .await;
    let kept = json(kept).await;
    assert_eq!(kept.as_array().unwrap().len(), 1);
    assert_eq!(kept[0]["title"], "Theirs");
    assert_eq!(kept[0]["id"], theirs);

    let deleted = admin(&app, Method::DELETE, &path, None).await;
    assert_eq!(answer(deleted).await, (200, "1".to_owned()));
    assert_eq!(admin(&app, Method::GET, &path, None).await.status(), 404);
    assert_eq!(admin(&app, Method::DELETE, &path, None).await.status(), 404);
    let empty = json(admin(&app, Method::GET, "/api/contacts_lists", None).await).await;
    assert_eq!(empty, json!([]));

    for bad in ["abc", "99999999999999999999", "-1"] {
        let status = admin(
            &app,
            Method::GET,
            &format!("/api/contacts_lists/{bad}"),
            None,
        )
        .await
        .status();
        assert!(matches!(status.as_u16(), 400 | 404), "{bad}: {status}");
    }
    app.stop().await;
}

async fn a_contacts_list_is_validated_in_the_clients_language(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let post = |body: Value, lang: &'static str| {
        call(
            &app,
            &app.admin_key,
            "localhost",
            Method::POST,
            "/api/contacts_lists",
            Some(body),
            lang,
        )
    };

    let en = post(json!({"title": "  ", "description": null}), "en").await;
    assert_eq!(en.status(), 422);
    assert_eq!(
        json(en).await,
        json!({
            "message": "The title field is required. (and 1 more error)",
            "errors": {
                "title": ["The title field is required."],
                "description": ["The description field is required."]
            }
        })
    );
    let fr = post(json!({}), "fr").await;
    assert_eq!(fr.status(), 422);
    assert_eq!(
        json(fr).await,
        json!({
            "message": "Le champ titre est obligatoire. (et 1 autre erreur)",
            "errors": {
                "title": ["Le champ titre est obligatoire."],
                "description": ["Le champ description est obligatoire."]
            }
        })
    );

    let long = "t".repeat(256);
    let too_long = post(json!({"title": long, "description": "d"}), "en").await;
    assert_eq!(too_long.status(), 422);
    assert_eq!(
        json(too_long).await["errors"],
        json!({"title": ["The title may not be greater than 255 characters."]})
    );
    let fits = post(json!({"title": "t".repeat(255), "description": "d"}), "en").await;
    assert_eq!(fits.status(), 201);

    create_list(&app, "Taken").await;
    let taken_en = post(json!({"title": "Taken", "description": "d"}), "en").await;
    assert_eq!(taken_en.status(), 422);
    assert_eq!(
        json(taken_en).await,
        json!({
            "message": "The title has already been taken.",
            "errors": {"title": ["The title has already been taken."]}
        })
    );
    let taken_fr = post(json!({"title": "Taken", "description": "d"}), "fr").await;
    assert_eq!(
        json(taken_fr).await["errors"],
        json!({"title": ["Le titre est déjà utilisé."]})
    );

    // Titles are unique across spaces, and the update follows the same rules.
    let (other_key, _, _) = other_space(&app).await;
    let elsewhere = call(
        &app,
        &other_key,
        "other.example.org",
        Method::POST,
        "/api/contacts_lists",
        Some(json!({"title": "Taken", "description": "d"})),
        "en",
    )
    .await;
    assert_eq!(elsewhere.status(), 422);
    let id = create_list(&app, "Mine").await;
    let path = format!("/api/contacts_lists/{id}");
    let put = |body: Value, lang: &'static str| {
        call(
            &app,
            &app.admin_key,
            "localhost",
            Method::PUT,
            &path,
            Some(body),
            lang,
        )
    };
    let renamed_to_taken = put(json!({"title": "Taken", "description": "d"}), "en").await;
    assert_eq!(renamed_to_taken.status(), 422);
    let emptied = put(json!({"title": "Mine"}), "fr").await;
    assert_eq!(emptied.status(), 422);
    assert_eq!(
        json(emptied).await["errors"],
        json!({"description": ["Le champ description est obligatoire."]})
    );
    app.stop().await;
}

async fn members_of_a_contacts_list_are_added_once_and_removed(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let bob = app
        .account("bob", "localhost", "secret123", &[Sha256], false)
        .await
        .id
        .0;
    let (_, stranger, theirs) = other_space(&app).await;
    let list = create_list(&app, "Friends").await;
    let members = format!("/api/contacts_lists/{list}/contacts");

    for _ in 0..2 {
        let added = admin(&app, Method::POST, &format!("{members}/{bob}"), None).await;
        assert_eq!(answer(added).await, (200, String::new()), "idempotent");
    }
    let shown = json(
        admin(
            &app,
            Method::GET,
            &format!("/api/contacts_lists/{list}"),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(shown["contacts_count"], 1);

    for (path, message) in [
        (format!("{members}/{stranger}"), "Account not found."),
        (format!("{members}/999999"), "Account not found."),
        (
            format!("/api/contacts_lists/{theirs}/contacts/{bob}"),
            "Contacts list not found.",
        ),
    ] {
        let refused = admin(&app, Method::POST, &path, None).await;
        assert_eq!(refused.status(), 404, "{path}");
        assert_eq!(json(refused).await["message"], message, "{path}");
    }

    let removed = admin(&app, Method::DELETE, &format!("{members}/{bob}"), None).await;
    assert_eq!(answer(removed).await, (200, "1".to_owned()));
    let again = admin(&app, Method::DELETE, &format!("{members}/{bob}"), None).await;
    assert_eq!(again.status(), 404);
    assert_eq!(
        json(again).await["message"],
        "This account is not in the contacts list."
    );
    let listed = json(admin(&app, Method::GET, "/api/contacts_lists", None).await).await;
    assert_eq!(listed[0]["contacts_count"], 0);
    app.stop().await;
}

async fn contacts_lists_are_attached_once_and_detached(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let alice = app
        .account("alice", "localhost", "secret123", &[Sha256], false)
        .await
        .id
        .0;
    let (_, stranger, theirs) = other_space(&app).await;
    let list = create_list(&app, "Friends").await;
    let attachment = format!("/api/accounts/{alice}/contacts_lists/{list}");

    let attached = admin(&app, Method::POST, &attachment, None).await;
    assert_eq!(answer(attached).await, (200, String::new()));
    let twice = admin(&app, Method::POST, &attachment, None).await;
    assert_eq!(twice.status(), 403);
    assert_eq!(
        json(twice).await["message"],
        "This contacts list is already attached to the account."
    );
    let fr = call(
        &app,
        &app.admin_key,
        "localhost",
        Method::POST,
        &attachment,
        None,
        "fr",
    )
    .await;
    assert_eq!(
        json(fr).await["message"],
        "Cette liste de contacts est déjà associée au compte."
    );

    for path in [
        format!("/api/accounts/{alice}/contacts_lists/{theirs}"),
        format!("/api/accounts/{stranger}/contacts_lists/{list}"),
        format!("/api/accounts/{alice}/contacts_lists/999999"),
    ] {
        for method in [Method::POST, Method::DELETE] {
            let refused = admin(&app, method.clone(), &path, None).await;
            assert_eq!(refused.status(), 404, "{method} {path}");
        }
    }

    let detached = admin(&app, Method::DELETE, &attachment, None).await;
    assert_eq!(answer(detached).await, (200, "1".to_owned()));
    let not_attached = admin(&app, Method::DELETE, &attachment, None).await;
    assert_eq!(not_attached.status(), 403);
    assert_eq!(
        json(not_attached).await["message"],
        "This contacts list is not attached to the account."
    );
    let again = admin(&app, Method::POST, &attachment, None).await;
    assert_eq!(again.status(), 200, "attachable again");
    app.stop().await;
}

async fn my_contacts_are_direct_ones_and_list_members_without_their_secrets(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let alice = app
        .account("alice", "localhost", "secret123", &[Sha256], false)
        .await;
    let bob = app
        .account("bob", "localhost", "secret123", &[Sha256], false)
        .await;
    let carol = app
        .account("carol", "localhost", "secret123", &[Sha256], false)
        .await;
    let carol = app
        .edit_account(&carol, |c| {
            c.display_name = Some("Carol".into());
            c.dtmf_protocol = Some(flexiapi_domain::model::DtmfProtocol::Rfc2833);
            c.email = flexiapi_domain::model::Email::parse("carol@example.org").ok();
        })
        .await;
    app.account("dave", "localhost", "secret123", &[Sha256], false)
        .await;
    let (a, b, c) = (alice.id.0, bob.id.0, carol.id.0);
    // Give bob and carol a provisioning token: it must never reach alice.
    let mut secrets = Vec::new();
    for id in [b, c] {
        let provisioned = json(
            admin(
                &app,
                Method::GET,
                &format!("/api/accounts/{id}/provision"),
                None,
            )
            .await,
        )
        .await;
        secrets.push(
            provisioned["provisioning_token"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }

    // bob is a direct contact and a member of an attached list; carol only a member.
    admin(
        &app,
        Method::POST,
        &format!("/api/accounts/{a}/contacts/{b}"),
        None,
    )
    .await;
    let list = create_list(&app, "Friends").await;
    for member in [c, b] {
        let added = admin(
            &app,
            Method::POST,
            &format!("/api/contacts_lists/{list}/contacts/{member}"),
            None,
        )
        .await;
        assert_eq!(added.status(), 200);
    }
    let unattached = create_list(&app, "Unattached").await;
    admin(
        &app,
        Method::POST,
        &format!("/api/contacts_lists/{unattached}/contacts/{a}"),
        None,
    )
    .await;
    let attached = admin(
        &app,
        Method::POST,
        &format!("/api/accounts/{a}/contacts_lists/{list}"),
        None,
    )
    .await;
    assert_eq!(attached.status(), 200);

    let key = app.admin_key_for("alice", "localhost").await;
    let me = |path: &'static str| call(&app, &key, "localhost", Method::GET, path, None, "en");
    let resp = me("/api/accounts/me/contacts").await;
    assert_eq!(resp.status(), 200);
    let text = resp.text().await.unwrap();
    for secret in &secrets {
        assert!(
            !text.contains(secret.as_str()),
            "a provisioning token leaked"
        );
    }
    let mine: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        mine,
        json!([
            {
                "id": b,
                "username": "bob",
                "domain": "localhost",
                "activated": true,
                "dtmf_protocol": null,
                "display_name": null,
                "sip_uri": "sip:bob@localhost"
            },
            {
                "id": c,
                "username": "carol",
                "domain": "localhost",
                "activated": true,
                "dtmf_protocol": "rfc2833",
                "display_name": "Carol",
                "sip_uri": "sip:carol@localhost"
            }
        ])
    );
    for contact in mine.as_array().unwrap() {
        for secret_key in [
            "provisioning_token",
            "passwords",
            "email",
            "phone",
            "ip_address",
        ] {
            assert!(contact.get(secret_key).is_none(), "{secret_key} shown");
        }
    }

    for path in [
        "/api/accounts/me/contacts/carol@localhost",
        "/api/accounts/me/contacts/sip:carol@localhost",
    ] {
        let one = me(path).await;
        assert_eq!(one.status(), 200, "{path}");
        let one = json(one).await;
        assert_eq!(one, mine[1], "{path}");
        assert!(one.get("provisioning_token").is_none() && one.get("passwords").is_none());
    }
    for path in [
        "/api/accounts/me/contacts/dave@localhost",
        "/api/accounts/me/contacts/carol@other.example.org",
        "/api/accounts/me/contacts/nonsense",
    ] {
        let missing = me(path).await;
        assert_eq!(missing.status(), 404, "{path}");
        assert_eq!(
            json(missing).await["message"],
            "This account is not a contact."
        );
    }

    // Without credentials, nothing.
    let anonymous = app
        .get("localhost", "/api/accounts/me/contacts")
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    app.stop().await;
}

crate::on_memory_and_sqlite!(
    direct_contacts_are_added_once_shown_and_removed,
    contacts_lists_are_managed_within_their_space,
    a_contacts_list_is_validated_in_the_clients_language,
    members_of_a_contacts_list_are_added_once_and_removed,
    contacts_lists_are_attached_once_and_detached,
    my_contacts_are_direct_ones_and_list_members_without_their_secrets,
);
