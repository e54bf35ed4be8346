//! A space's own SMTP server: `/api/spaces/{domain}/email` (super admin), shown in the space
//! object without its password, and winning over the global server for the space's messages.

use flexiapi_domain::model::{Email, PasswordAlgorithm::Sha256};
use flexiapi_domain::ports::Notice;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Store, TestApp, json, logs};
use crate::support_smtp::{FROM_ADDRESS, SmtpServer};

const PASSWORD: &str = "smtp-s3cret-Pa55";

fn body(host: &str, port: u16) -> Value {
    json!({
        "host": host,
        "port": port,
        "username": "relay",
        "password": PASSWORD,
        "from_address": "hello@a.example.org",
        "from_name": "Team A",
        "signature": "A Inc.\n1 rue de la Paix",
    })
}

async fn call(app: &TestApp, method: Method, path: &str, body: Option<Value>) -> (u16, String) {
    let resp = app.admin_call(method, path.into(), body).await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap())
}

async fn a_space_email_server_is_created_replaced_shown_and_deleted(store: Store) {
    logs::secret(PASSWORD);
    let app = TestApp::spawn_on(store).await;
    app.space("a.example.org", false).await;
    app.space("b.example.org", false).await;
    let path = "/api/spaces/a.example.org/email";

    let (status, text) = call(&app, Method::GET, path, None).await;
    assert_eq!(status, 404, "{text}");
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap()["message"],
        "This space has no e-mail server of its own."
    );

    let (status, text) = call(
        &app,
        Method::POST,
        path,
        Some(body("mail.a.example.org", 587)),
    )
    .await;
    assert_eq!(status, 201, "{text}");
    let created: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        created,
        json!({
            "host": "mail.a.example.org",
            "port": 587,
            "username": "relay",
            "from_address": "hello@a.example.org",
            "from_name": "Team A",
            "signature": "A Inc.\n1 rue de la Paix",
        })
    );
    // Replaced whole: omitted fields become null.
    let (status, text) = call(
        &app,
        Method::POST,
        path,
        Some(json!({"host": "192.0.2.25", "port": 465})),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let (status, text) = call(&app, Method::GET, path, None).await;
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap(),
        json!({"host": "192.0.2.25", "port": 465, "username": null, "from_address": null,
               "from_name": null, "signature": null})
    );
    let (status, _) = call(
        &app,
        Method::POST,
        path,
        Some(body("mail.a.example.org", 587)),
    )
    .await;
    assert_eq!(status, 200);

    // The space object shows it, without the password; another space shows null.
    for (path, expect_a) in [
        ("/api/spaces", true),
        ("/api/spaces/a.example.org", true),
        ("/api/spaces/b.example.org", false),
    ] {
        let (status, text) = call(&app, Method::GET, path, None).await;
        assert_eq!(status, 200, "{path}: {text}");
        assert!(
            !text.contains(PASSWORD) && !text.contains("\"password\""),
            "{path}: {text}"
        );
        let v: Value = serde_json::from_str(&text).unwrap();
        let spaces = v.as_array().cloned().unwrap_or_else(|| vec![v]);
        for space in spaces {
            let server = &space["email_server"];
            if space["domain"] == "a.example.org" && expect_a {
                assert_eq!(server["host"], "mail.a.example.org", "{path}");
            } else {
                assert!(server.is_null(), "{path}: {space}");
            }
        }
    }
    let (status, text) = call(&app, Method::GET, "/api/spaces/b.example.org/email", None).await;
    assert_eq!(status, 404, "{text}");

    // The password was kept as given: it is what the server is sent.
    let space = app.services.find_space("a.example.org").await.unwrap();
    let stored = app.services.email_server_of(&space).await.unwrap().unwrap();
    assert_eq!(stored.password.as_deref(), Some(PASSWORD));

    let (status, text) = call(&app, Method::DELETE, path, None).await;
    assert_eq!((status, text.as_str()), (200, "1"));
    let (status, _) = call(&app, Method::DELETE, path, None).await;
    assert_eq!(status, 404);
    let (status, _) = call(&app, Method::GET, path, None).await;
    assert_eq!(status, 404);
    // An unknown space.
    let (status, text) = call(
        &app,
        Method::POST,
        "/api/spaces/nowhere.example.org/email",
        Some(body("h.example.org", 25)),
    )
    .await;
    assert_eq!(status, 404, "{text}");
    app.stop().await;
}

async fn bad_input_is_a_field_error_and_changes_nothing(store: Store) {
    let app = TestApp::spawn_on(store).await;
    app.space("a.example.org", false).await;
    let path = "/api/spaces/a.example.org/email";
    let cases: &[(Value, &[(&str, &str)])] = &[
        (
            json!({}),
            &[
                ("host", "The host field is required."),
                ("port", "The port field is required."),
            ],
        ),
        (
            json!({"host": "mail a.example.org", "port": 25}),
            &[("host", "")],
        ),
        (json!({"host": "999.1.1.1", "port": 25}), &[("host", "")]),
        (
            json!({"host": "mail.example.org", "port": 0}),
            &[("port", "")],
        ),
        (
            json!({"host": "mail.example.org", "port": 65536}),
            &[("port", "")],
        ),
        (
            json!({"host": "mail.example.org", "port": "many"}),
            &[("port", "")],
        ),
        (json!({"host": ["x"], "port": 25}), &[("host", "")]),
        (
            json!({"host": "mail.example.org", "port": 25, "from_address": "nobody"}),
            &[("from_address", "")],
        ),
        (
            json!({"host": "mail.example.org", "port": 25, "signature": "x".repeat(1001)}),
            &[("signature", "")],
        ),
    ];
    for (input, fields) in cases {
        let (status, text) = call(&app, Method::POST, path, Some(input.clone())).await;
        assert_eq!(status, 422, "{input}: {text}");
        let answer: Value = serde_json::from_str(&text).unwrap();
        let errors = answer["errors"].as_object().unwrap();
        assert_eq!(errors.len(), fields.len(), "{input}: {answer}");
        for (field, message) in *fields {
            let got = errors[*field][0].as_str().unwrap();
            assert!(message.is_empty() || got == *message, "{input}: {got}");
        }
    }
    // A numeric string is a port, as the original's integer rule takes it.
    let (status, text) = call(
        &app,
        Method::POST,
        path,
        Some(json!({"host": "::1", "port": "2525"})),
    )
    .await;
    assert_eq!(status, 201, "{text}");
    // French messages.
    let resp = app
        .request(Method::POST, "localhost", path)
        .header("x-api-key", &app.admin_key)
        .header("accept-language", "fr")
        .json(&json!({"port": 25}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let answer = json(resp).await;
    assert!(
        answer["errors"]["host"][0]
            .as_str()
            .unwrap()
            .contains("obligatoire"),
        "{answer}"
    );
    app.stop().await;
}

async fn only_super_admins_reach_a_spaces_email_server(store: Store) {
    logs::secret(PASSWORD);
    let app = TestApp::spawn_on(store).await;
    app.space("a.example.org", false).await;
    app.account("admin", "a.example.org", "secret123", &[Sha256], true)
        .await;
    let admin = app.admin_key_for("admin", "a.example.org").await;
    let path = "/api/spaces/a.example.org/email";
    for method in [Method::GET, Method::POST, Method::DELETE] {
        let resp = app
            .request(method.clone(), "a.example.org", path)
            .header("x-api-key", &admin)
            .json(&body("mail.a.example.org", 587))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 403, "{method}");
    }
    let (status, _) = call(&app, Method::GET, path, None).await;
    assert_eq!(status, 404, "nothing was stored");
    app.stop().await;
}

crate::on_every_store!(
    a_space_email_server_is_created_replaced_shown_and_deleted,
    bad_input_is_a_field_error_and_changes_nothing,
    only_super_admins_reach_a_spaces_email_server,
);

#[tokio::test]
async fn the_spaces_own_server_wins_over_the_global_one_until_deleted() {
    let Some(global) = SmtpServer::start() else {
        return;
    };
    let Some(own) = SmtpServer::start_with(&["--auth", &format!("relay:{PASSWORD}")]) else {
        return;
    };
    logs::secret(PASSWORD);
    let app = TestApp::spawn_with(Store::Memory, |c| global.configure(c)).await;
    let a = app.space("a.example.org", false).await;
    let b = app.space("b.example.org", false).await;
    let (status, text) = call(
        &app,
        Method::POST,
        "/api/spaces/a.example.org/email",
        Some(body("127.0.0.1", own.port)),
    )
    .await;
    assert_eq!(status, 201, "{text}");

    let notice = Notice::EmailChangeCode {
        code: "4821".into(),
        expires_in_minutes: Some(10),
    };
    let send = |space, to: &'static str| {
        let services = app.services.clone();
        let notice = notice.clone();
        async move {
            let letterhead = services.letterhead(&space).await.unwrap();
            assert!(services.notifier.can_email(&letterhead));
            services
                .notifier
                .email(&letterhead, &Email::parse(to).unwrap(), None, "en", &notice)
                .await
        }
    };
    send(a.clone(), "jane@example.net").await.unwrap();
    send(b.clone(), "john@example.net").await.unwrap();

    let mail = own.wait_for_message("jane@example.net").await;
    assert_eq!(mail.login.as_deref(), Some("relay"));
    assert_eq!(
        (mail.from_address.as_str(), mail.from_name.as_deref()),
        ("hello@a.example.org", Some("Team A"))
    );
    assert!(
        mail.text.contains("A Inc.\n1 rue de la Paix"),
        "{}",
        mail.text
    );
    assert_eq!(mail.code().as_deref(), Some("4821"));
    assert!(global.messages_to("jane@example.net").is_empty());
    // The other space has no server of its own: the global one.
    let other = global.wait_for_message("john@example.net").await;
    assert_eq!(other.from_address, FROM_ADDRESS);
    assert!(own.messages_to("john@example.net").is_empty());

    // Deleted: back to the global server.
    let (status, _) = call(
        &app,
        Method::DELETE,
        "/api/spaces/a.example.org/email",
        None,
    )
    .await;
    assert_eq!(status, 200);
    send(a, "jane@example.net").await.unwrap();
    assert_eq!(
        global
            .wait_for_message("jane@example.net")
            .await
            .code()
            .as_deref(),
        Some("4821")
    );
    assert_eq!(own.messages().len(), 1);
    app.stop().await;
}
