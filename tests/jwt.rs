//! JWT bearer tokens signed by a space's issuer: real RSA and EC keys made by the test.

use chrono::Utc;
use flexiapi_domain::model::{JwtAlgorithm, JwtConfig, PasswordAlgorithm::Sha256};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use serde_json::json;

use crate::helpers::{Store, TestApp, json as body};

pub(crate) struct Keys {
    pub(crate) rsa_private: String,
    pub(crate) rsa_public: String,
    ec_private: String,
    ec_public: String,
}

pub(crate) fn keys() -> Keys {
    let mut rng = rand_core06::OsRng;
    let rsa = rsa::RsaPrivateKey::new(&mut rng, 2048).unwrap();
    let ec = p256::SecretKey::random(&mut rng);
    Keys {
        rsa_private: rsa.to_pkcs8_pem(LineEnding::LF).unwrap().to_string(),
        rsa_public: rsa
            .to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap(),
        ec_private: ec.to_pkcs8_pem(LineEnding::LF).unwrap().to_string(),
        ec_public: ec.public_key().to_public_key_pem(LineEnding::LF).unwrap(),
    }
}

async fn configure(app: &TestApp, public_key: &str, algorithms: Vec<JwtAlgorithm>) {
    configure_with(app, public_key, algorithms, |_| {}).await;
}

/// An issuer with `public_key` for `algorithms`, nothing else required of its tokens.
pub(crate) fn jwt_config(public_key: &str, algorithms: Vec<JwtAlgorithm>) -> JwtConfig {
    JwtConfig {
        public_key: public_key.into(),
        sip_identifier: None,
        algorithms,
        issuer: None,
        audience: None,
        leeway_seconds: 5,
        jwt_only: false,
        server_url: None,
        realm: None,
        client_id: None,
    }
}

async fn configure_with(
    app: &TestApp,
    public_key: &str,
    algorithms: Vec<JwtAlgorithm>,
    tweak: impl FnOnce(&mut JwtConfig),
) {
    let config = jwt_config(public_key, algorithms);
    app.edit_space("localhost", |space| {
        let mut config = config;
        tweak(&mut config);
        space.jwt = Some(config);
    })
    .await;
}

pub(crate) fn token(alg: Algorithm, pem: &str, claims: serde_json::Value) -> String {
    let key = match alg {
        Algorithm::ES256 => EncodingKey::from_ec_pem(pem.as_bytes()).unwrap(),
        _ => EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap(),
    };
    encode(&Header::new(alg), &claims, &key).unwrap()
}

async fn me(app: &TestApp, token: &str) -> reqwest::Response {
    app.get("localhost", "/api/accounts/me")
        .header("authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap()
}

async fn tokens_are_verified_and_mapped_to_accounts(store: Store) {
    let app = TestApp::spawn_on(store).await;
    app.account("dave", "localhost", "secret123", &[Sha256], false)
        .await;
    let k = keys();
    configure(
        &app,
        &k.rsa_public,
        vec![JwtAlgorithm::RS256, JwtAlgorithm::RS512],
    )
    .await;
    let exp = Utc::now().timestamp() + 600;

    let good = token(
        Algorithm::RS256,
        &k.rsa_private,
        json!({"sip_identity": "sip:dave@localhost", "exp": exp}),
    );
    let resp = me(&app, &good).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(body(resp).await["username"], "dave");

    let expired = token(
        Algorithm::RS256,
        &k.rsa_private,
        json!({"sip_identity": "sip:dave@localhost", "exp": exp - 7200}),
    );
    let resp = me(&app, &expired).await;
    assert_eq!(resp.status(), 401);
    let www = resp.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(www.starts_with("Bearer error=\"invalid_token\""), "{www}");
    assert!(www.contains("Expired"), "{www}");

    let other = keys();
    let wrong_key = token(
        Algorithm::RS256,
        &other.rsa_private,
        json!({"sip_identity": "sip:dave@localhost", "exp": exp}),
    );
    assert_eq!(me(&app, &wrong_key).await.status(), 401);

    let no_exp = token(
        Algorithm::RS256,
        &k.rsa_private,
        json!({"sip_identity": "sip:dave@localhost"}),
    );
    assert_eq!(me(&app, &no_exp).await.status(), 401);

    let unknown = token(
        Algorithm::RS256,
        &k.rsa_private,
        json!({"sip_identity": "sip:ghost@localhost", "exp": exp}),
    );
    assert_eq!(me(&app, &unknown).await.status(), 403);

    // alg: none, unsigned.
    let b64 = |v: serde_json::Value| {
        use std::fmt::Write;
        let raw = v.to_string();
        let table = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let bytes = raw.as_bytes();
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
            for i in 0..=chunk.len() {
                let _ = write!(
                    out,
                    "{}",
                    table[((n >> (18 - 6 * i)) & 63) as usize] as char
                );
            }
        }
        out
    };
    let none = format!(
        "{}.{}.",
        b64(json!({"alg": "none", "typ": "JWT"})),
        b64(json!({"sip_identity": "sip:dave@localhost", "exp": exp}))
    );
    assert_eq!(me(&app, &none).await.status(), 401);

    // HS256 "signed" with the public key's bytes.
    let hs = encode(
        &Header::new(Algorithm::HS256),
        &json!({"sip_identity": "sip:dave@localhost", "exp": exp}),
        &EncodingKey::from_secret(k.rsa_public.as_bytes()).unwrap(),
    )
    .unwrap();
    assert_eq!(me(&app, &hs).await.status(), 401);
    app.stop().await;
}

async fn es256_tokens_work_when_the_space_lists_es256(store: Store) {
    let app = TestApp::spawn_on(store).await;
    app.account("erin", "localhost", "secret123", &[Sha256], false)
        .await;
    let k = keys();
    configure(&app, &k.ec_public, vec![JwtAlgorithm::ES256]).await;
    let exp = Utc::now().timestamp() + 600;
    let t = token(
        Algorithm::ES256,
        &k.ec_private,
        json!({"sip_identity": "sip:erin@localhost", "exp": exp}),
    );
    assert_eq!(me(&app, &t).await.status(), 200);
    // An RS256 token is refused by a space that lists only ES256.
    let rs = token(
        Algorithm::RS256,
        &k.rsa_private,
        json!({"sip_identity": "sip:erin@localhost", "exp": exp}),
    );
    assert_eq!(me(&app, &rs).await.status(), 401);
    app.stop().await;
}

async fn a_custom_identity_claim_or_the_email_claim_finds_the_account(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let frank = app
        .account("frank", "localhost", "secret123", &[Sha256], false)
        .await;
    app.edit_account(&frank, |c| {
        c.email = flexiapi_domain::model::Email::parse("frank@example.org").ok();
    })
    .await;
    let k = keys();
    configure_with(&app, &k.rsa_public, vec![JwtAlgorithm::RS256], |j| {
        j.sip_identifier = Some("sip".into());
    })
    .await;
    let exp = Utc::now().timestamp() + 600;
    let by_claim = token(
        Algorithm::RS256,
        &k.rsa_private,
        json!({"sip": "sip:frank@localhost", "exp": exp}),
    );
    assert_eq!(body(me(&app, &by_claim).await).await["username"], "frank");
    let by_email = token(
        Algorithm::RS256,
        &k.rsa_private,
        json!({"email": "frank@example.org", "exp": exp}),
    );
    assert_eq!(body(me(&app, &by_email).await).await["username"], "frank");
    let bad_sip = token(
        Algorithm::RS256,
        &k.rsa_private,
        json!({"sip": "frank", "exp": exp}),
    );
    assert_eq!(me(&app, &bad_sip).await.status(), 401);
    app.stop().await;
}

async fn a_jwt_only_space_refuses_other_credentials_on_user_endpoints_only(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let k = keys();
    configure_with(&app, &k.rsa_public, vec![JwtAlgorithm::RS256], |j| {
        j.jwt_only = true
    })
    .await;
    let resp = app
        .get("localhost", "/api/accounts/me")
        .header("x-api-key", &app.admin_key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(resp.headers()["www-authenticate"], "Bearer");
    let admin = app
        .get("localhost", "/api/accounts")
        .header("x-api-key", &app.admin_key)
        .send()
        .await
        .unwrap();
    assert_eq!(admin.status(), 200, "admin endpoints keep their API keys");
    let exp = Utc::now().timestamp() + 600;
    let t = token(
        Algorithm::RS256,
        &k.rsa_private,
        json!({"sip_identity": "sip:admin@localhost", "exp": exp}),
    );
    assert_eq!(me(&app, &t).await.status(), 200);
    app.stop().await;
}

async fn invalid_tokens_spend_the_addresss_failure_budget(store: Store) {
    let app = TestApp::spawn_with(store, |c| c.auth_failures_per_ip = 2).await;
    app.account("dave", "localhost", "secret123", &[Sha256], false)
        .await;
    let k = keys();
    let other = keys();
    configure(&app, &k.rsa_public, vec![JwtAlgorithm::RS256]).await;
    let claims = json!({"sip_identity": "sip:dave@localhost", "exp": Utc::now().timestamp() + 600});
    let forged = token(Algorithm::RS256, &other.rsa_private, claims.clone());
    assert_eq!(me(&app, &forged).await.status(), 401);
    assert_eq!(me(&app, &forged).await.status(), 401);
    let locked = me(&app, &forged).await;
    assert_eq!(locked.status(), 429);
    assert!(locked.headers().contains_key("retry-after"));
    // A token the issuer signed cannot be guessed: it is not slowed.
    let good = token(Algorithm::RS256, &k.rsa_private, claims);
    assert_eq!(me(&app, &good).await.status(), 200);
    app.stop().await;
}

crate::on_memory_and_sqlite!(
    invalid_tokens_spend_the_addresss_failure_budget,
    a_custom_identity_claim_or_the_email_claim_finds_the_account,
    a_jwt_only_space_refuses_other_credentials_on_user_endpoints_only,
    tokens_are_verified_and_mapped_to_accounts,
    es256_tokens_work_when_the_space_lists_es256,
);
