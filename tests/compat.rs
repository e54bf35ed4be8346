//! What the original's documented calls expect of `/api` beyond each resource's own rules:
//! `PATCH` beside `PUT`, the search's whole account, JSON type mistakes as 422 field errors,
//! ignored fields named, lower-case space domains, `Allow` on 405, one document served from the
//! root, and the README's compatibility table kept in step with that document.

use std::collections::{BTreeMap, BTreeSet};

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, json};

fn document() -> Value {
    serde_json::from_str(&flexiapi_adapters_http::openapi_json()).unwrap()
}

/// Each documented (path, methods), methods upper case.
fn documented() -> BTreeMap<String, BTreeSet<String>> {
    document()["paths"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(path, item)| {
            let methods = item
                .as_object()
                .unwrap()
                .keys()
                .filter(|k| !matches!(k.as_str(), "servers" | "parameters"))
                .map(|k| k.to_ascii_uppercase())
                .collect();
            (path.clone(), methods)
        })
        .collect()
}

#[test]
fn patch_is_documented_wherever_the_original_routes_put_and_patch() {
    for (path, methods) in documented() {
        if methods.contains("PUT") && path != "/api/accounts/{id}" {
            assert!(methods.contains("PATCH"), "{path}: no PATCH beside PUT");
        }
    }
}

#[tokio::test]
async fn patch_updates_as_put_does() {
    let app = TestApp::spawn().await;
    let created = app
        .admin_call(
            Method::POST,
            "/api/account_types".into(),
            Some(json!({"key": "phone"})),
        )
        .await
        .unwrap();
    assert!(created.status().is_success());
    let id = json(created).await["id"].as_i64().unwrap();
    let patched = app
        .admin_call(
            Method::PATCH,
            format!("/api/account_types/{id}"),
            Some(json!({"key": "desk"})),
        )
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    assert_eq!(json(patched).await["key"], "desk");

    let list = app
        .admin_call(
            Method::POST,
            "/api/contacts_lists".into(),
            Some(json!({"title": "Team", "description": "Everyone"})),
        )
        .await
        .unwrap();
    let list_id = json(list).await["id"].as_i64().unwrap();
    let patched = app
        .admin_call(
            Method::PATCH,
            format!("/api/contacts_lists/{list_id}"),
            Some(json!({"title": "Crew", "description": "Everyone"})),
        )
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    assert_eq!(json(patched).await["title"], "Crew");

    app.space("b.example.org", false).await;
    let patched = app
        .admin_call(
            Method::PATCH,
            "/api/spaces/b.example.org".into(),
            Some(json!({"host": "b.example.org", "name": "Bee", "max_accounts": 3})),
        )
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    let space = json(patched).await;
    assert_eq!(
        (space["name"].as_str(), space["max_accounts"].as_i64()),
        (Some("Bee"), Some(3))
    );
    app.stop().await;
}

#[tokio::test]
async fn the_search_answers_the_whole_account_as_show_does() {
    let app = TestApp::spawn().await;
    let created = app
        .admin_call(
            Method::POST,
            "/api/accounts".into(),
            Some(json!({
                "username": "carol", "password": "secret123", "activated": true,
                "dictionary": {"language": "fr"}
            })),
        )
        .await
        .unwrap();
    assert_eq!(created.status(), 200);
    let id = json(created).await["id"].as_i64().unwrap();
    let shown = json(
        app.admin_call(Method::GET, format!("/api/accounts/{id}"), None)
            .await
            .unwrap(),
    )
    .await;
    let mut found = json(
        app.admin_call(
            Method::GET,
            "/api/accounts/carol@localhost/search".into(),
            None,
        )
        .await
        .unwrap(),
    )
    .await;
    assert!(found["call_forwardings"].is_array());
    found.as_object_mut().unwrap().remove("call_forwardings");
    assert_eq!(found, shown);
    assert_eq!(found["dictionary"]["language"], "fr");
    assert!(found["provisioning_token"].is_string());
    assert!(found["types"].is_array() && found["actions"].is_array());
    app.stop().await;
}

#[tokio::test]
async fn a_field_of_the_wrong_type_is_a_localized_422_on_that_field() {
    let app = TestApp::spawn().await;
    let me = json(
        app.admin_call(Method::GET, "/api/accounts/me".into(), None)
            .await
            .unwrap(),
    )
    .await;
    let admin = (me["id"].as_i64().unwrap(),);
    let put = |body: Value, lang: &'static str| {
        app.request(
            Method::PUT,
            "localhost",
            &format!("/api/accounts/{}", admin.0),
        )
        .header("x-api-key", &app.admin_key)
        .header("accept-language", lang)
        .json(&body)
        .send()
    };
    for (body, field) in [
        (
            json!({"username": "admin", "activated": "yes"}),
            "activated",
        ),
        (
            json!({"username": "admin", "dictionary": {"a": {"b": 1}}}),
            "dictionary.a",
        ),
        (
            json!({"username": "admin", "dictionary": "x"}),
            "dictionary",
        ),
        (json!({"username": ["admin"]}), "username"),
    ] {
        let answer = put(body.clone(), "en").await.unwrap();
        assert_eq!(answer.status(), 422, "{body}");
        let errors = json(answer).await["errors"].clone();
        assert_eq!(
            errors.as_object().unwrap().keys().collect::<Vec<_>>(),
            [field],
            "{body}"
        );
    }
    let fr = json(
        put(json!({"username": "admin", "activated": "yes"}), "fr")
            .await
            .unwrap(),
    )
    .await;
    assert!(
        fr["errors"]["activated"][0]
            .as_str()
            .unwrap()
            .contains("vrai ou faux"),
        "{fr}"
    );
    // Not JSON at all stays a 400.
    let broken = app
        .request(
            Method::PUT,
            "localhost",
            &format!("/api/accounts/{}", admin.0),
        )
        .header("x-api-key", &app.admin_key)
        .header("content-type", "application/json")
        .body("{\"username\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(broken.status(), 400);
    // A stranger learns that it must authenticate, not what the body should hold.
    let stranger = app
        .request(
            Method::PUT,
            "localhost",
            &format!("/api/accounts/{}", admin.0),
        )
        .json(&json!({"activated": "yes"}))
        .send()
        .await
        .unwrap();
    assert_eq!(stranger.status(), 401);
    app.stop().await;
}

#[tokio::test]
async fn the_originals_lenient_forms_are_taken_and_unknown_fields_named() {
    let app = TestApp::spawn().await;
    let created = app
        .admin_call(
            Method::POST,
            "/api/accounts".into(),
            Some(json!({
                "username": "dave", "password": "secret123", "activated": "1", "admin": 0,
                "colour": "red", "nickname": "D"
            })),
        )
        .await
        .unwrap();
    assert_eq!(created.status(), 200);
    assert_eq!(
        created.headers()["warning"],
        "299 flexiapi \"ignored fields: colour, nickname\""
    );
    let account = json(created).await;
    assert_eq!(account["activated"], true);
    assert_eq!(account["admin"], false);
    // A body that holds only known fields gets no warning.
    let clean = app
        .admin_call(
            Method::POST,
            "/api/accounts".into(),
            Some(json!({"username": "erin", "password": "secret123"})),
        )
        .await
        .unwrap();
    assert!(clean.headers().get("warning").is_none());
    app.stop().await;
}

#[test]
fn request_schemas_are_strict_and_the_warning_is_documented() {
    let doc = document();
    let schemas = &doc["components"]["schemas"];
    for name in [
        "NewAccountRequest",
        "UpdateAccountRequest",
        "SpaceInput",
        "JwtConfigInput",
    ] {
        assert_eq!(schemas[name]["additionalProperties"], false, "{name}");
    }
    // Answers stay open: a newer server may add fields.
    assert!(
        schemas["AccountObject"]
            .get("additionalProperties")
            .is_none()
    );
    let description = doc["info"]["description"].as_str().unwrap();
    assert!(description.contains("Warning: 299 flexiapi"));
}

#[tokio::test]
async fn a_space_domain_or_host_with_upper_case_letters_is_refused() {
    let app = TestApp::spawn().await;
    for (body, field) in [
        (
            json!({"domain": "Upper.example.org", "host": "upper.example.org", "name": "U"}),
            "domain",
        ),
        (
            json!({"domain": "upper.example.org", "host": "UPPER.example.org", "name": "U"}),
            "host",
        ),
    ] {
        let answer = app
            .admin_call(Method::POST, "/api/spaces".into(), Some(body))
            .await
            .unwrap();
        assert_eq!(answer.status(), 422);
        let errors = json(answer).await["errors"].clone();
        assert!(errors[field].is_array(), "{errors}");
    }
    app.space("low.example.org", false).await;
    let answer = app
        .admin_call(
            Method::PUT,
            "/api/spaces/low.example.org".into(),
            Some(json!({"host": "Low.example.org", "name": "Low"})),
        )
        .await
        .unwrap();
    assert_eq!(answer.status(), 422);
    assert!(json(answer).await["errors"]["host"].is_array());
    app.stop().await;
}

#[tokio::test]
async fn every_documented_route_answers_405_with_its_methods_in_allow() {
    let app = TestApp::spawn().await;
    let all = ["GET", "POST", "PUT", "PATCH", "DELETE"];
    let mut checked = 0;
    for (path, methods) in documented() {
        let concrete: String = path
            .split('/')
            .map(|s| if s.starts_with('{') { "1" } else { s })
            .collect::<Vec<_>>()
            .join("/");
        for method in all.iter().filter(|m| !methods.contains(**m)) {
            let answer = app
                .request(
                    Method::from_bytes(method.as_bytes()).unwrap(),
                    "localhost",
                    &concrete,
                )
                .header("x-api-key", &app.admin_key)
                .send()
                .await
                .unwrap();
            assert_eq!(answer.status(), 405, "{method} {concrete}");
            let allow: BTreeSet<String> = answer
                .headers()
                .get("allow")
                .unwrap_or_else(|| panic!("{method} {concrete}: no Allow"))
                .to_str()
                .unwrap()
                .split(',')
                .map(|m| m.trim().to_owned())
                .collect();
            assert_eq!(allow, methods, "{method} {concrete}");
            checked += 1;
        }
    }
    assert!(checked > 100, "{checked}");
    app.stop().await;
}

#[tokio::test]
async fn one_document_served_from_the_root_lists_provisioning_on_the_documentation_page() {
    let doc = document();
    assert_eq!(doc["servers"], json!([{"url": "/"}]));
    for (path, item) in doc["paths"].as_object().unwrap() {
        assert!(
            [
                "/api/",
                "/provisioning",
                "/f/",
                "/contacts/vcard",
                "/vcards-storage"
            ]
            .iter()
            .any(|p| path.starts_with(p)),
            "{path}"
        );
        assert!(item.get("servers").is_none(), "{path}: its own servers");
    }
    assert!(doc["paths"]["/provisioning/me"]["get"].is_object());
    let app = TestApp::spawn().await;
    let page = app
        .get("localhost", "/api")
        .header("accept", "text/html")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("provisioningOfMe") && page.contains("\"/provisioning/me\""));
    assert!(page.contains("\"/api/accounts\""));
    app.stop().await;
}

/// The README's "Compatibility with the original" table: (method, path, status) rows.
fn compatibility_rows() -> Vec<(String, String, String)> {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let section = readme
        .split("\n## Compatibility with the original")
        .nth(1)
        .expect("a README section \"Compatibility with the original\"");
    let section = section.split("\n## ").next().unwrap_or_default();
    section
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|line| {
            let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
            let route = cells[0].trim_matches('`');
            let (method, path) = route.split_once(' ').unwrap();
            (method.to_owned(), path.to_owned(), cells[1].to_lowercase())
        })
        .collect()
}

#[test]
fn the_readme_compatibility_table_is_in_step_with_the_document() {
    let rows = compatibility_rows();
    assert!(rows.len() > 80, "{} rows", rows.len());
    let table: BTreeSet<(String, String)> = rows
        .iter()
        .filter(|(_, _, status)| !status.starts_with("missing"))
        .map(|(m, p, _)| (m.clone(), p.clone()))
        .collect();
    let ours: BTreeSet<(String, String)> = documented()
        .into_iter()
        .flat_map(|(path, methods)| methods.into_iter().map(move |m| (m, path.clone())))
        .collect();
    let undocumented: Vec<_> = table.difference(&ours).collect();
    assert!(
        undocumented.is_empty(),
        "rows claimed present but not in openapi/openapi.json: {undocumented:?}"
    );
    let unlisted: Vec<_> = ours.difference(&table).collect();
    assert!(
        unlisted.is_empty(),
        "documented routes without a row in the README table: {unlisted:?}"
    );
    for (method, path, status) in &rows {
        assert!(
            ["same", "different", "missing", "extension"]
                .iter()
                .any(|s| status.starts_with(s)),
            "{method} {path}: status {status}"
        );
    }
}

#[tokio::test]
async fn a_super_admin_moves_an_account_to_another_space_with_the_checks_of_a_creation_there() {
    let app = TestApp::spawn().await;
    app.space("b.example.org", false).await;
    app.space("full.example.org", false).await;
    app.account("frank", "b.example.org", "secret123", &[], false)
        .await;
    app.account("held", "full.example.org", "secret123", &[], false)
        .await;
    app.edit_space("full.example.org", |s| s.max_accounts = 1)
        .await;
    let created = app
        .admin_call(
            Method::POST,
            "/api/accounts".into(),
            Some(json!({"username": "frank", "password": "secret123", "dictionary": {"k": "v"}})),
        )
        .await
        .unwrap();
    let id = json(created).await["id"].as_i64().unwrap();
    let put = |body: Value| app.admin_call(Method::PUT, format!("/api/accounts/{id}"), Some(body));

    for (body, status, field) in [
        // The stored hashes are bound to the old realm.
        (
            json!({"username": "frank2", "domain": "b.example.org"}),
            422,
            Some("password"),
        ),
        // Taken there.
        (
            json!({"username": "frank", "domain": "b.example.org", "password": "secret456"}),
            422,
            Some("username"),
        ),
        (
            json!({"username": "frank2", "domain": "nowhere.example.org", "password": "secret456"}),
            422,
            Some("domain"),
        ),
        (
            json!({"username": "frank2", "domain": "full.example.org", "password": "secret456"}),
            403,
            None,
        ),
    ] {
        let answer = put(body.clone()).await.unwrap();
        assert_eq!(answer.status(), status, "{body}");
        if let Some(field) = field {
            let errors = json(answer).await["errors"].clone();
            assert!(errors[field].is_array(), "{body}: {errors}");
        }
    }
    // Nothing moved so far.
    let shown = app
        .admin_call(Method::GET, format!("/api/accounts/{id}"), None)
        .await
        .unwrap();
    assert_eq!(shown.status(), 200);

    let moved =
        put(json!({"username": "frank2", "domain": "b.example.org", "password": "secret456"}))
            .await
            .unwrap();
    assert_eq!(moved.status(), 200);
    let moved = json(moved).await;
    assert_eq!(
        (moved["username"].as_str(), moved["domain"].as_str()),
        (Some("frank2"), Some("b.example.org"))
    );
    assert_eq!(moved["dictionary"]["k"], "v");
    // It left the request's space, and is an account of its new one.
    let gone = app
        .admin_call(Method::GET, format!("/api/accounts/{id}"), None)
        .await
        .unwrap();
    assert_eq!(gone.status(), 404);
    let admin_b = {
        app.account("admin", "b.example.org", "secret123", &[], true)
            .await;
        app.admin_key_for("admin", "b.example.org").await
    };
    let there = app
        .request(Method::GET, "b.example.org", &format!("/api/accounts/{id}"))
        .header("x-api-key", &admin_b)
        .send()
        .await
        .unwrap();
    assert_eq!(there.status(), 200);
    let listed = app
        .request(Method::GET, "b.example.org", "/api/accounts")
        .header("x-api-key", &admin_b)
        .send()
        .await
        .unwrap();
    assert_eq!(json(listed).await["total"], 3);

    // An admin who is not a super admin moves nothing: 403; its own space's domain is no move.
    let own = app
        .request(Method::PUT, "b.example.org", &format!("/api/accounts/{id}"))
        .header("x-api-key", &admin_b)
        .json(&json!({"username": "frank2", "domain": "localhost"}))
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 403);
    let same = app
        .request(Method::PUT, "b.example.org", &format!("/api/accounts/{id}"))
        .header("x-api-key", &admin_b)
        .json(&json!({"username": "frank3", "domain": "b.example.org"}))
        .send()
        .await
        .unwrap();
    assert_eq!(same.status(), 200);
    assert_eq!(json(same).await["username"], "frank3");
    app.stop().await;
}
