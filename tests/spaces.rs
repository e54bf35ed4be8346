//! The spaces API and CLI, for super admins: create, show, replace, delete, their validation,
//! and the JWT configuration they carry.

use std::process::{Command, Output};

use chrono::Utc;
use flexiapi_domain::model::{Domain, PasswordAlgorithm::Sha256, Username};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use p256::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, json as body};

async fn call(app: &TestApp, method: Method, path: &str, payload: Option<Value>) -> (u16, Value) {
    call_as(app, &app.admin_key, method, path, payload, "en").await
}

async fn call_as(
    app: &TestApp,
    key: &str,
    method: Method,
    path: &str,
    payload: Option<Value>,
    lang: &str,
) -> (u16, Value) {
    let mut req = app
        .request(method, "localhost", path)
        .header("x-api-key", key)
        .header("accept-language", lang);
    if let Some(payload) = payload {
        req = req.json(&payload);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn new_space(domain: &str) -> Value {
    json!({"name": domain, "domain": domain, "host": domain})
}

fn error_fields(body: &Value) -> Vec<String> {
    let mut fields: Vec<String> = body["errors"]
        .as_object()
        .map(|e| e.keys().cloned().collect())
        .unwrap_or_default();
    fields.sort();
    fields
}

#[tokio::test]
async fn spaces_are_created_shown_replaced_and_deleted() {
    let app = TestApp::spawn().await;
    lifecycle(&app).await;
    app.stop().await;
}

/// SQLite stores the flags, texts and configurations as the memory backend does, and refuses
/// duplicates the same way.
#[tokio::test]
async fn spaces_are_created_shown_replaced_and_deleted_on_sqlite() {
    let app = TestApp::spawn_on(crate::helpers::Store::Sqlite).await;
    lifecycle(&app).await;
    let (status, body) = call(
        &app,
        Method::POST,
        "/api/spaces",
        Some(new_space("localhost")),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(error_fields(&body), ["domain", "host", "name"]);
    app.stop().await;
}

async fn lifecycle(app: &TestApp) {
    let (status, created) = call(
        app,
        Method::POST,
        "/api/spaces",
        Some(json!({"name": "Third", "domain": "third.example.org", "host": "api.third.example.org", "copyright_text": "(c) Third"})),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["domain"], "third.example.org");
    assert_eq!(created["host"], "api.third.example.org");
    assert_eq!(created["super"], false);
    assert_eq!(created["max_accounts"], 0);
    assert_eq!(created["expire_at"], Value::Null);
    assert_eq!(created["disable_broadcast_feature"], true);
    assert_eq!(created["unique_email"], true);
    assert_eq!(created["theme_hue"], Value::Null);
    assert_eq!(created["copyright_text"], "(c) Third");
    assert_eq!(
        created["digest_authentication_configuration"],
        json!({"realm": "third.example.org", "default_password_algorithm": "SHA-256"})
    );
    assert_eq!(created["oidc_authentication_configuration"], Value::Null);

    let (status, shown) = call(app, Method::GET, "/api/spaces/third.example.org", None).await;
    assert_eq!(status, 200);
    assert_eq!(shown, created);
    let (_, list) = call(app, Method::GET, "/api/spaces", None).await;
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|s| s["domain"] == "third.example.org")
    );

    // The original's round trip: the object as read, changed, put back.
    let mut changed = shown.clone();
    changed["super"] = json!(true);
    changed["hide_settings"] = json!(true);
    changed["theme_hue"] = json!(180);
    changed["domain"] = json!("ignored.example.org");
    changed["digest_authentication_configuration"] =
        json!({"realm": "sip.third", "default_password_algorithm": "MD5"});
    let (status, replaced) = call(
        app,
        Method::PUT,
        "/api/spaces/third.example.org",
        Some(changed),
    )
    .await;
    assert_eq!(status, 200, "{replaced}");
    assert_eq!(replaced["domain"], "third.example.org");
    assert_eq!(replaced["super"], true);
    assert_eq!(replaced["hide_settings"], true);
    assert_eq!(replaced["theme_hue"], 180);
    assert_eq!(replaced["copyright_text"], "(c) Third");
    assert_eq!(
        replaced["digest_authentication_configuration"],
        json!({"realm": "sip.third", "default_password_algorithm": "MD5"})
    );

    // Full replacement: omitted texts become null, omitted flags keep their value.
    let (status, replaced) = call(
        app,
        Method::PUT,
        "/api/spaces/third.example.org",
        Some(json!({"name": "Third", "host": "third.example.org"})),
    )
    .await;
    assert_eq!(status, 200, "{replaced}");
    assert_eq!(replaced["host"], "third.example.org");
    assert_eq!(replaced["copyright_text"], Value::Null);
    assert_eq!(replaced["theme_hue"], Value::Null);
    assert_eq!(replaced["super"], true);
    assert_eq!(
        replaced["digest_authentication_configuration"]["realm"],
        "sip.third"
    );

    let (status, _) = call(app, Method::DELETE, "/api/spaces/third.example.org", None).await;
    assert_eq!(status, 200);
    for method in [Method::GET, Method::DELETE] {
        let (status, body) = call(app, method, "/api/spaces/third.example.org", None).await;
        assert_eq!(status, 404);
        assert_eq!(body["message"], "Space not found.");
    }
    let (status, _) = call(
        app,
        Method::PUT,
        "/api/spaces/third.example.org",
        Some(new_space("third.example.org")),
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn invalid_spaces_are_refused_field_by_field_in_the_callers_language() {
    let app = TestApp::spawn().await;
    let (status, body) = call(&app, Method::POST, "/api/spaces", Some(json!({}))).await;
    assert_eq!(status, 422);
    assert_eq!(error_fields(&body), ["domain", "host", "name"]);
    assert_eq!(body["errors"]["name"][0], "The name field is required.");
    assert_eq!(
        body["message"],
        "The domain field is required. (and 2 more errors)"
    );

    let (status, fr) = call_as(
        &app,
        &app.admin_key,
        Method::POST,
        "/api/spaces",
        Some(json!({"name": "x", "domain": "baddomain", "host": "a b"})),
        "fr",
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        fr["errors"]["domain"][0],
        "Le champ domaine doit être un domaine valide."
    );
    assert_eq!(
        fr["errors"]["host"][0],
        "Le champ hôte doit être un domaine valide."
    );
    let (_, en) = call(
        &app,
        Method::POST,
        "/api/spaces",
        Some(json!({"name": "x", "domain": "baddomain", "host": "a b"})),
    )
    .await;
    assert_eq!(
        en["errors"]["domain"][0],
        "The domain should be a valid domain."
    );

    let (status, body) = call(
        &app,
        Method::POST,
        "/api/spaces",
        Some(json!({
            "name": "x", "domain": "x.example.org", "host": "x.example.org",
            "super": "yes", "max_accounts": -1, "max_account": "two", "theme_hue": 361,
            "expire_at": "soon", "custom_provisioning_entries": "[sip\nbroken",
            "digest_authentication_configuration": {"default_password_algorithm": "SHA-1"},
            "copyright_text": ["not", "text"],
        })),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        error_fields(&body),
        [
            "copyright_text",
            "custom_provisioning_entries",
            "digest_authentication_configuration.default_password_algorithm",
            "expire_at",
            "max_account",
            "max_accounts",
            "super",
            "theme_hue",
        ]
    );
    assert_eq!(
        body["errors"]["theme_hue"][0],
        "The theme hue must be between 0 and 360."
    );
    assert_eq!(
        body["errors"]["max_accounts"][0],
        "The maximum number of accounts must be at least 0."
    );

    // `localhost` is a valid domain; a body that is not JSON is still a 400.
    let (status, _) = call(&app, Method::GET, "/api/spaces/localhost", None).await;
    assert_eq!(status, 200);
    let resp = app
        .request(Method::POST, "localhost", "/api/spaces")
        .header("x-api-key", &app.admin_key)
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    app.stop().await;
}

#[tokio::test]
async fn domains_hosts_and_names_are_unique() {
    let app = TestApp::spawn().await;
    let (status, _) = call(
        &app,
        Method::POST,
        "/api/spaces",
        Some(new_space("a.example.org")),
    )
    .await;
    assert_eq!(status, 201);
    let (status, _) = call(
        &app,
        Method::POST,
        "/api/spaces",
        Some(new_space("b.example.org")),
    )
    .await;
    assert_eq!(status, 201);
    let cases = [
        (
            json!({"name": "n1", "domain": "a.example.org", "host": "n1.example.org"}),
            "domain",
        ),
        (
            json!({"name": "n2", "domain": "n2.example.org", "host": "a.example.org"}),
            "host",
        ),
        (
            json!({"name": "A.EXAMPLE.ORG", "domain": "n3.example.org", "host": "n3.example.org"}),
            "name",
        ),
    ];
    for (payload, field) in cases {
        let (status, body) = call(&app, Method::POST, "/api/spaces", Some(payload)).await;
        assert_eq!(status, 422, "{field}");
        assert_eq!(error_fields(&body), [field]);
        let message = body["errors"][field][0].as_str().unwrap();
        assert!(message.ends_with("has already been taken."), "{message}");
    }
    // A space keeps its own host and name; it cannot take another's.
    let (status, _) = call(
        &app,
        Method::PUT,
        "/api/spaces/a.example.org",
        Some(new_space("a.example.org")),
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = call(
        &app,
        Method::PUT,
        "/api/spaces/a.example.org",
        Some(json!({"name": "b.example.org", "host": "b.example.org"})),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(error_fields(&body), ["host", "name"]);
    app.stop().await;
}

#[tokio::test]
async fn max_accounts_never_goes_below_the_current_count_and_expiry_not_in_the_past() {
    let app = TestApp::spawn().await;
    app.space("full.example.org", false).await;
    app.account("one", "full.example.org", "secret123", &[Sha256], false)
        .await;
    app.account("two", "full.example.org", "secret123", &[Sha256], false)
        .await;
    let put = |max: i64| json!({"name": "full.example.org", "host": "full.example.org", "max_accounts": max});
    let (status, body) = call(
        &app,
        Method::PUT,
        "/api/spaces/full.example.org",
        Some(put(1)),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        body["errors"]["max_accounts"][0],
        "The maximum number of accounts cannot be lower than the current number of accounts."
    );
    for ok in [2, 0, 5] {
        let (status, body) = call(
            &app,
            Method::PUT,
            "/api/spaces/full.example.org",
            Some(put(ok)),
        )
        .await;
        assert_eq!(status, 200, "{ok}");
        assert_eq!(body["max_accounts"], ok);
    }

    // An expired space (expired to the nanosecond) can be put back unchanged, but not moved
    // to another past date.
    let storage = app.services.storage_for_tests();
    let mut full = storage
        .space_by_domain(&Domain::parse("full.example.org").unwrap())
        .await
        .unwrap()
        .unwrap();
    full.expire_at = Some(Utc::now() - chrono::Duration::nanoseconds(86_400_000_000_123));
    storage.update_space(full, Utc::now()).await.unwrap();
    let (_, shown) = call(&app, Method::GET, "/api/spaces/full.example.org", None).await;
    let (status, body) = call(
        &app,
        Method::PUT,
        "/api/spaces/full.example.org",
        Some(shown.clone()),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let mut moved = shown;
    moved["expire_at"] = json!("2000-01-01");
    let (status, _) = call(
        &app,
        Method::PUT,
        "/api/spaces/full.example.org",
        Some(moved),
    )
    .await;
    assert_eq!(status, 422);

    let mut past = new_space("late.example.org");
    past["expire_at"] = json!("2000-01-01");
    let (status, body) = call(&app, Method::POST, "/api/spaces", Some(past)).await;
    assert_eq!(status, 422);
    assert_eq!(
        body["errors"]["expire_at"][0],
        "The expiry date must not be in the past."
    );
    for (given, stored) in [
        ("2999-01-01", "2999-01-01T00:00:00.000000Z"),
        ("2999-01-02 10:00:00", "2999-01-02T10:00:00.000000Z"),
        ("2999-01-03T10:00:00+02:00", "2999-01-03T08:00:00.000000Z"),
    ] {
        let mut future = new_space("late.example.org");
        future["expire_at"] = json!(given);
        let (status, body) = call(
            &app,
            Method::PUT,
            "/api/spaces/late.example.org",
            Some(future.clone()),
        )
        .await;
        let (status, body) = if status == 404 {
            call(&app, Method::POST, "/api/spaces", Some(future)).await
        } else {
            (status, body)
        };
        assert!(status == 200 || status == 201, "{given}: {body}");
        assert_eq!(body["expire_at"], stored);
    }
    app.stop().await;
}

fn ec_keys() -> (String, String) {
    let key = p256::SecretKey::random(&mut rand_core06::OsRng);
    (
        key.to_pkcs8_pem(LineEnding::LF).unwrap().to_string(),
        key.public_key().to_public_key_pem(LineEnding::LF).unwrap(),
    )
}

#[tokio::test]
async fn jwt_configurations_round_trip_and_authenticate() {
    let app = TestApp::spawn().await;
    let (private, public) = ec_keys();
    let mut space = new_space("jwt.example.org");
    space["oidc_authentication_configuration"] = json!({
        "public_key": public,
        "algorithms": ["ES256"],
        "issuer": "https://idp.example.org",
        "audience": "flexiapi",
        "leeway_seconds": 10,
        "sip_identifier": "sip",
        "server_url": "https://idp.example.org/realms/x",
        "realm": "x",
        "client_id": "linphone",
    });
    let (status, created) = call(&app, Method::POST, "/api/spaces", Some(space)).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        created["oidc_authentication_configuration"],
        json!({
            "public_key": public,
            "algorithms": ["ES256"],
            "issuer": "https://idp.example.org",
            "audience": "flexiapi",
            "leeway_seconds": 10,
            "jwt_only": false,
            "sip_identifier": "sip",
            "server_url": "https://idp.example.org/realms/x",
            "realm": "x",
            "client_id": "linphone",
        })
    );

    // The configuration is the one the JWT strategy uses.
    app.account("dave", "jwt.example.org", "secret123", &[Sha256], false)
        .await;
    let claims = json!({
        "sip": "sip:dave@jwt.example.org", "exp": Utc::now().timestamp() + 600,
        "iss": "https://idp.example.org", "aud": "flexiapi",
    });
    let token = encode(
        &Header::new(Algorithm::ES256),
        &claims,
        &EncodingKey::from_ec_pem(private.as_bytes()).unwrap(),
    )
    .unwrap();
    let resp = app
        .get("jwt.example.org", "/api/accounts/me")
        .header("authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(body(resp).await["username"], "dave");

    // Omitted, the configuration stays; null removes it.
    let (status, kept) = call(
        &app,
        Method::PUT,
        "/api/spaces/jwt.example.org",
        Some(new_space("jwt.example.org")),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        kept["oidc_authentication_configuration"]["algorithms"],
        json!(["ES256"])
    );
    let mut removed = new_space("jwt.example.org");
    removed["oidc_authentication_configuration"] = Value::Null;
    let (status, removed) = call(
        &app,
        Method::PUT,
        "/api/spaces/jwt.example.org",
        Some(removed),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(removed["oidc_authentication_configuration"], Value::Null);
    app.stop().await;
}

#[tokio::test]
async fn unusable_jwt_configurations_are_refused() {
    let app = TestApp::spawn().await;
    let (_, public) = ec_keys();
    let key_field = "oidc_authentication_configuration.public_key";
    let algs_field = "oidc_authentication_configuration.algorithms";
    let cases = [
        (
            json!({"public_key": "not a key", "algorithms": ["ES256"]}),
            key_field,
        ),
        // An EC key cannot verify the default RS family.
        (json!({"public_key": public}), key_field),
        (
            json!({"public_key": public, "algorithms": ["ES256", "RS256"]}),
            key_field,
        ),
        (
            json!({"public_key": public, "algorithms": ["none"]}),
            algs_field,
        ),
        (
            json!({"public_key": public, "algorithms": ["HS256"]}),
            algs_field,
        ),
        (json!({"public_key": public, "algorithms": []}), algs_field),
        (json!({"algorithms": ["ES256"]}), key_field),
    ];
    for (jwt, field) in cases {
        let mut space = new_space("bad-jwt.example.org");
        space["oidc_authentication_configuration"] = jwt.clone();
        let (status, body) = call(&app, Method::POST, "/api/spaces", Some(space)).await;
        assert_eq!(status, 422, "{jwt}");
        assert_eq!(error_fields(&body), [field], "{jwt}");
    }
    let (status, body) = call_as(
        &app,
        &app.admin_key,
        Method::POST,
        "/api/spaces",
        Some(
            json!({"name": "k", "domain": "k.example.org", "host": "k.example.org",
            "oidc_authentication_configuration": {"public_key": "nope", "algorithms": ["ES256"]}}),
        ),
        "fr",
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        body["errors"][key_field][0],
        "Le champ clé publique JWT n'est pas une clé publique PEM utilisable pour les algorithmes indiqués."
    );
    app.stop().await;
}

#[tokio::test]
async fn deleting_a_space_deletes_its_accounts() {
    let app = TestApp::spawn().await;
    app.space("gone.example.org", false).await;
    app.account("alice", "gone.example.org", "secret123", &[Sha256], true)
        .await;
    let key = app.admin_key_for("alice", "gone.example.org").await;
    let (status, body) = call(&app, Method::DELETE, "/api/spaces/gone.example.org", None).await;
    assert_eq!(status, 200);
    assert_eq!(body, 1);
    let domain = Domain::parse("gone.example.org").unwrap();
    let storage = app.services.storage_for_tests();
    let alice = Username::parse("alice").unwrap();
    assert!(
        storage
            .account_by_identity(&alice, &domain)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(storage.count_accounts(&domain).await.unwrap(), 0);
    // Its keys died with it, also on a space recreated with the same domain.
    app.space("gone.example.org", false).await;
    let resp = app
        .get("gone.example.org", "/api/accounts/me")
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    app.stop().await;
}

#[tokio::test]
async fn only_super_admins_change_spaces() {
    let app = TestApp::spawn().await;
    app.space("a.example.org", false).await;
    app.account("admin", "a.example.org", "secret123", &[Sha256], true)
        .await;
    app.account("user", "a.example.org", "secret123", &[Sha256], false)
        .await;
    let admin = app.admin_key_for("admin", "a.example.org").await;
    let user = app.admin_key_for("user", "a.example.org").await;
    let requests = [
        (
            Method::POST,
            "/api/spaces",
            Some(new_space("c.example.org")),
        ),
        (
            Method::PUT,
            "/api/spaces/a.example.org",
            Some(new_space("a.example.org")),
        ),
        (Method::DELETE, "/api/spaces/a.example.org", None),
    ];
    for (method, path, payload) in &requests {
        let resp = app
            .request(method.clone(), "a.example.org", path)
            .json(payload)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 401, "nobody on {method} {path}");
        for key in [&admin, &user] {
            let resp = app
                .request(method.clone(), "a.example.org", path)
                .header("x-api-key", key.as_str())
                .json(payload)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 403, "{method} {path}");
        }
    }
    // Nothing changed; the super admin may, in this order.
    let expected = [201, 200, 200];
    for ((method, path, payload), want) in requests.into_iter().zip(expected) {
        let (status, body) = call(&app, method.clone(), path, payload).await;
        assert_eq!(status, want, "{method} {path}: {body}");
    }
    app.stop().await;
}

fn flexiapi(db: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flexiapi"))
        .arg("--database")
        .arg(db)
        .args(args)
        .env("FLEXIAPI_LOG", "error")
        .output()
        .unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn failure(out: &Output) -> String {
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stderr).trim().to_owned();
    assert_eq!(text.lines().count(), 1, "one line expected, got {text:?}");
    assert!(
        text.starts_with("error:") && !text.contains("panicked"),
        "{text}"
    );
    text
}

#[test]
fn spaces_are_listed_updated_and_deleted_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/flexiapi.sqlite", dir.path().display());
    let key_file = dir.path().join("issuer.pem");
    std::fs::write(&key_file, ec_keys().1).unwrap();
    let key_path = key_file.to_str().unwrap();
    ok(&flexiapi(
        &db,
        &[
            "spaces",
            "create",
            "--domain",
            "a.example.org",
            "--host",
            "api.a.example.org",
        ],
    ));
    ok(&flexiapi(
        &db,
        &[
            "spaces",
            "create",
            "--domain",
            "b.example.org",
            "--host",
            "b.example.org",
            "--name",
            "Bee",
            "--super",
            "--expire-at",
            "2999-01-01T00:00:00Z",
            "--jwt-public-key",
            key_path,
            "--jwt-algorithms",
            "ES256",
            "--jwt-only",
        ],
    ));
    assert_eq!(
        ok(&flexiapi(&db, &["spaces", "list"])),
        "a.example.org\tapi.a.example.org\ta.example.org\tfalse\t-\n\
         b.example.org\tb.example.org\tBee\ttrue\t2999-01-01T00:00:00+00:00\n"
    );

    ok(&flexiapi(
        &db,
        &[
            "spaces",
            "update",
            "--domain",
            "b.example.org",
            "--host",
            "api.b.example.org",
            "--name",
            "Bees",
            // b is the only super space: it stays one (see type_scope.rs for `--super false`).
            "--expire-at",
            "none",
            "--max-accounts",
            "3",
            "--jwt-issuer",
            "https://idp.example.org",
            "--jwt-only",
            "false",
        ],
    ));
    ok(&flexiapi(
        &db,
        &[
            "spaces",
            "update",
            "--domain",
            "a.example.org",
            "--jwt-public-key",
            key_path,
            "--jwt-algorithms",
            "ES256,ES384",
            "--jwt-audience",
            "flexiapi",
            "--jwt-sip-identifier",
            "sip",
        ],
    ));
    assert_eq!(
        ok(&flexiapi(&db, &["spaces", "list"])),
        "a.example.org\tapi.a.example.org\ta.example.org\tfalse\t-\n\
         b.example.org\tapi.b.example.org\tBees\ttrue\t-\n"
    );

    // Mistakes are one line on stderr.
    let bad = [
        vec![
            "spaces",
            "update",
            "--domain",
            "nowhere.example.org",
            "--name",
            "x",
        ],
        vec![
            "spaces",
            "update",
            "--domain",
            "a.example.org",
            "--host",
            "api.b.example.org",
        ],
        vec![
            "spaces",
            "update",
            "--domain",
            "a.example.org",
            "--expire-at",
            "2000-01-01T00:00:00Z",
        ],
        vec![
            "spaces",
            "update",
            "--domain",
            "a.example.org",
            "--expire-at",
            "tomorrow",
        ],
        vec![
            "spaces",
            "update",
            "--domain",
            "a.example.org",
            "--max-accounts",
            "-1",
        ],
        vec![
            "spaces",
            "update",
            "--domain",
            "a.example.org",
            "--jwt-algorithms",
            "HS256",
        ],
        vec![
            "spaces",
            "update",
            "--domain",
            "b.example.org",
            "--jwt-public-key",
            "/nonexistent.pem",
        ],
        vec![
            "spaces",
            "create",
            "--domain",
            "c.example.org",
            "--host",
            "c.example.org",
            "--jwt-issuer",
            "x",
        ],
        vec![
            "spaces",
            "create",
            "--domain",
            "c.example.org",
            "--host",
            "c.example.org",
            "--jwt-public-key",
            key_path,
        ],
        vec!["spaces", "delete", "--domain", "nowhere.example.org"],
    ];
    for args in bad {
        let line = failure(&flexiapi(&db, &args));
        assert!(line.len() < 300, "{args:?}: {line}");
    }

    ok(&flexiapi(
        &db,
        &["spaces", "delete", "--domain", "a.example.org"],
    ));
    assert_eq!(
        ok(&flexiapi(&db, &["spaces", "list"])),
        "b.example.org\tapi.b.example.org\tBees\ttrue\t-\n"
    );
}

async fn phone_countries_are_listed_and_switched_by_dialling_code(store: crate::helpers::Store) {
    let app = TestApp::spawn_on(store).await;
    let list = app
        .get("localhost", "/api/phone_countries")
        .send()
        .await
        .unwrap();
    assert_eq!(list.status(), 200, "public");
    let list: serde_json::Value = list.json().await.unwrap();
    let countries = list.as_array().unwrap();
    assert!(countries.len() > 200);
    assert!(countries.iter().all(|c| c["activated"] == false));
    let us = countries.iter().find(|c| c["code"] == "US").unwrap();
    let sharing = countries
        .iter()
        .filter(|c| c["country_code"] == us["country_code"])
        .count();
    let resp = app
        .request(
            Method::POST,
            "localhost",
            "/api/phone_countries/us/activate",
        )
        .header("x-api-key", &app.admin_key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.text().await.unwrap(), sharing.to_string());
    let list: serde_json::Value = app
        .get("localhost", "/api/phone_countries")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ca = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "CA")
        .unwrap();
    assert_eq!(ca["activated"], true, "Canada shares +1");
    let unknown = app
        .request(
            Method::POST,
            "localhost",
            "/api/phone_countries/zz/deactivate",
        )
        .header("x-api-key", &app.admin_key)
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    app.stop().await;
}

crate::on_memory_and_sqlite!(phone_countries_are_listed_and_switched_by_dialling_code);
