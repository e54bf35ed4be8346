//! Flexisip reads the account manager's tables directly: accounts created through the API of a
//! real server process answer Flexisip's own queries, on every SQL backend.

use flexiapi_adapters_sql::Backend;
use flexiapi_adapters_sql::testing::TestDatabase;
use flexiapi_adapters_sql::testing::flexisip::{passwords, users_with_phones};
use flexiapi_domain::model::PasswordAlgorithm::{Md5, Sha256};
use serde_json::json;

use crate::helpers::hex_digest;
use crate::process::ServerProcess;

async fn accounts_made_by_the_api_answer_flexisips_queries(backend: Backend) {
    let db = TestDatabase::create(backend).await.expect("test database");
    let server = ServerProcess::start(db.url());
    let key = server.credential("admin API key:").expect("bootstrap key");
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{}", server.port);
    for (method, path, body) in [
        ("POST", "/api/phone_countries/FR/activate", None),
        (
            "POST",
            "/api/accounts",
            Some(
                json!({"username": "alice", "password": "secret123", "algorithm": "SHA-256", "activated": true, "phone": "+33611111111"}),
            ),
        ),
        (
            "POST",
            "/api/accounts",
            Some(
                json!({"username": "bob", "password": "secret456", "algorithm": "MD5", "activated": true}),
            ),
        ),
        (
            "POST",
            "/api/accounts",
            Some(json!({"username": "carol", "password": "secret789", "phone": "+33622222222"})),
        ),
    ] {
        let mut req = client
            .request(method.parse().unwrap(), format!("{base}{path}"))
            .header("host", "localhost")
            .header("x-api-key", &key);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 200, "{method} {path}");
    }

    let url = db.url();
    // The realm is the space's domain by default: A1 = H(user:realm:password).
    assert_eq!(
        passwords(url, backend, "alice", "localhost").await.unwrap(),
        [(
            hex_digest(Sha256, "alice:localhost:secret123"),
            "SHA-256".to_owned()
        )]
    );
    assert_eq!(
        passwords(url, backend, "bob", "localhost").await.unwrap(),
        [(hex_digest(Md5, "bob:localhost:secret456"), "MD5".to_owned())]
    );
    assert!(
        passwords(url, backend, "carol", "localhost")
            .await
            .unwrap()
            .is_empty(),
        "not activated"
    );
    assert!(
        passwords(url, backend, "alice", "elsewhere.example")
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        users_with_phones(url, backend, "bob", "+33611111111")
            .await
            .unwrap(),
        [
            ("alice".to_owned(), "localhost".to_owned()),
            ("bob".to_owned(), "localhost".to_owned())
        ]
    );
    assert!(
        users_with_phones(url, backend, "nobody", "+33622222222")
            .await
            .unwrap()
            .is_empty(),
        "carol is not activated"
    );

    // Activating through the API makes carol visible to the proxy.
    let carol = client
        .get(format!("{base}/api/accounts/carol@localhost/search"))
        .header("host", "localhost")
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    let id = carol["id"].as_i64().unwrap();
    let resp = client
        .post(format!("{base}/api/accounts/{id}/activate"))
        .header("host", "localhost")
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        passwords(url, backend, "carol", "localhost").await.unwrap(),
        [(
            hex_digest(Sha256, "carol:localhost:secret789"),
            "SHA-256".to_owned()
        )]
    );
    drop(server);
    db.drop_database().await;
}

#[tokio::test]
async fn flexisip_reads_api_accounts_on_sqlite() {
    accounts_made_by_the_api_answer_flexisips_queries(Backend::Sqlite).await;
}

#[tokio::test]
async fn flexisip_reads_api_accounts_on_postgresql() {
    accounts_made_by_the_api_answer_flexisips_queries(Backend::Postgres).await;
}

#[tokio::test]
async fn flexisip_reads_api_accounts_on_mariadb() {
    accounts_made_by_the_api_answer_flexisips_queries(Backend::MySql).await;
}
