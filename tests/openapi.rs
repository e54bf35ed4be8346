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
