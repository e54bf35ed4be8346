//! The committed OpenAPI document matches the code.

#[test]
fn the_committed_openapi_document_matches_the_code() {
    let generated = flexiapi_adapters_http::openapi_json();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/openapi.json");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed.trim_end() == generated.trim_end(),
        "openapi/openapi.json is stale: run `cargo run -- openapi > openapi/openapi.json`"
    );
}

#[test]
fn the_document_declares_the_four_security_schemes() {
    let doc: serde_json::Value =
        serde_json::from_str(&flexiapi_adapters_http::openapi_json()).unwrap();
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["BearerJwt"]["scheme"], "bearer");
    assert_eq!(schemes["ApiKeyHeader"]["in"], "header");
    assert_eq!(schemes["ApiKeyCookie"]["in"], "cookie");
    assert_eq!(schemes["Digest"]["scheme"], "digest");
}

#[test]
fn every_operation_has_a_summary_an_access_level_and_its_error_responses() {
    let doc: serde_json::Value =
        serde_json::from_str(&flexiapi_adapters_http::openapi_json()).unwrap();
    let mut count = 0;
    let mut operation_ids = std::collections::BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let operations = item
            .as_object()
            .unwrap()
            .iter()
            .filter(|(key, _)| !matches!(key.as_str(), "servers" | "parameters"));
        for (method, op) in operations {
            count += 1;
            let name = format!("{method} {path}");
            assert!(
                op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{name}: summary"
            );
            assert!(op["operationId"].is_string(), "{name}: operationId");
            assert!(
                operation_ids.insert(op["operationId"].as_str().unwrap_or_default().to_owned()),
                "{name}: operationId {} is not unique",
                op["operationId"]
            );
            let level = op["x-access-level"]
                .as_str()
                .unwrap_or_else(|| panic!("{name}: access level"));
            assert!(
                ["Public", "User", "Admin", "Super Admin"].contains(&level),
                "{name}: {level}"
            );
            let responses = op["responses"].as_object().unwrap();
            if level != "Public" {
                assert!(
                    responses.contains_key("401") && responses.contains_key("403"),
                    "{name}: 401/403"
                );
                assert!(
                    op["security"].as_array().is_some_and(|s| !s.is_empty()),
                    "{name}: security"
                );
            }
        }
    }
    assert!(count >= 20);
}

#[tokio::test]
async fn the_api_serves_its_document_and_a_documentation_page() {
    let app = crate::helpers::TestApp::spawn().await;
    let spec = app
        .get("localhost", "/api/openapi.json")
        .send()
        .await
        .unwrap();
    assert_eq!(spec.status(), 200);
    assert_eq!(spec.headers()["content-type"], "application/json");
    assert_eq!(
        spec.text().await.unwrap(),
        flexiapi_adapters_http::openapi_json()
    );
    let page = app
        .get("localhost", "/api")
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger-ui") && html.contains("listAccounts"));
    app.stop().await;
}

#[test]
fn the_main_shapes_carry_examples_without_secrets() {
    let doc: serde_json::Value =
        serde_json::from_str(&flexiapi_adapters_http::openapi_json()).unwrap();
    let schemas = &doc["components"]["schemas"];
    for name in [
        "AccountObject",
        "AccountPage",
        "SpaceObject",
        "Error",
        "NewAccountRequest",
        "ApiKeyInfo",
    ] {
        assert!(
            schemas[name]["example"].is_object(),
            "{name} has no example"
        );
    }
    // No example value looks like a real key or token (long runs of letters and digits).
    fn strings(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::String(s) => out.push(s.clone()),
            serde_json::Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
            serde_json::Value::Object(o) => o.values().for_each(|x| strings(x, out)),
            _ => {}
        }
    }
    let mut values = Vec::new();
    for schema in schemas.as_object().unwrap().values() {
        strings(&schema["example"], &mut values);
    }
    for value in values {
        let secret_like = value.len() >= 13 && value.chars().all(|c| c.is_ascii_alphanumeric());
        assert!(!secret_like, "{value} looks like a secret");
    }
}

#[test]
fn provisioning_is_documented_at_the_root_with_its_media_types() {
    let doc: serde_json::Value =
        serde_json::from_str(&flexiapi_adapters_http::openapi_json()).unwrap();
    // One server, the host's root: every path is given whole.
    assert_eq!(doc["servers"], serde_json::json!([{"url": "/"}]));
    let paths = &doc["paths"];
    for (path, media) in [
        ("/provisioning", "application/xml"),
        ("/provisioning/me", "application/xml"),
        ("/provisioning/{provisioning_token}", "application/xml"),
        ("/provisioning/qrcode/{provisioning_token}", "image/png"),
    ] {
        assert!(
            paths[path]["get"]["responses"]["200"]["content"][media].is_object(),
            "{path}: {media}"
        );
    }
    assert_eq!(paths["/provisioning/me"]["get"]["x-access-level"], "User");
    assert!(paths["/api/accounts/me/devices"]["get"].is_object());
}
