//! What clients send must not grow the authenticator's memory without bound: the cache of
//! verified JWTs takes only validly signed tokens, within its capacity, and API key usage is kept
//! for stored keys only. Thousands of made-up credentials, each different, leave both empty.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use flexiapi_adapters_memory::MemoryStorage;
use flexiapi_domain::auth::jwt::JwtCache;
use flexiapi_domain::auth::{
    AuthError, AuthMode, AuthSettings, Authenticator, Credentials, FailureBudget, JwtFailure,
    RequestContext,
};
use flexiapi_domain::model::{
    DigestConfig, Domain, JwtAlgorithm, JwtConfig, NewSpace, PasswordAlgorithm, Space,
    SpaceSettings,
};
use flexiapi_domain::ports::{Clock, SpaceRepository, TokenSource};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};

// A throwaway Ed25519 key pair, made for tests only (as in the JWT unit tests).
const PRIVATE: &str = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEICR7LkVk9r7l9tmUqsgXiefo4v08fbWqZvDSzj/Q2G/k\n-----END PRIVATE KEY-----\n";
const PUBLIC: &str = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA4ASyo1S50g2x8d060Zvm+JNdloD4onMHFQ2leDKpELE=\n-----END PUBLIC KEY-----\n";

const MADE_UP: usize = 3000;

struct Fixed(DateTime<Utc>);

impl Clock for Fixed {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

struct Counter(AtomicU64);

impl TokenSource for Counter {
    fn alphanumeric(&self, len: usize) -> String {
        self.hex(len).chars().take(len).collect()
    }

    fn hex(&self, bytes: usize) -> String {
        let n = self.0.fetch_add(1, Ordering::Relaxed);
        format!("{n:0>width$x}", width = bytes * 2)
    }
}

/// The real time: jsonwebtoken checks `exp` against it.
fn now() -> DateTime<Utc> {
    Utc::now()
}

/// A token for `sip` signed with the space's key.
fn signed(sip: &str) -> String {
    let key = EncodingKey::from_ed_pem(PRIVATE.as_bytes()).unwrap();
    let claims = serde_json::json!({"sip_identity": sip, "exp": now().timestamp() + 3600});
    encode(&Header::new(Algorithm::EdDSA), &claims, &key).unwrap()
}

/// A space accepting JWTs of [`PUBLIC`], and its authenticator (no brute-force budget: every
/// attempt is checked, none is turned away early).
async fn setup() -> (Authenticator, Arc<Space>) {
    let storage = Arc::new(MemoryStorage::default());
    let domain = Domain::parse("example.org").unwrap();
    let space = storage
        .create_space(
            NewSpace {
                domain: domain.clone(),
                host: domain.as_str().into(),
                name: domain.as_str().into(),
                super_space: false,
                max_accounts: 0,
                expire_at: None,
                digest: DigestConfig {
                    realm: None,
                    default_password_algorithm: PasswordAlgorithm::Sha256,
                },
                jwt: Some(JwtConfig {
                    public_key: PUBLIC.into(),
                    sip_identifier: None,
                    algorithms: vec![JwtAlgorithm::EdDSA],
                    issuer: None,
                    audience: None,
                    leeway_seconds: 0,
                    jwt_only: false,
                    server_url: None,
                    realm: None,
                    client_id: None,
                }),
                settings: SpaceSettings::default(),
            },
            now(),
        )
        .await
        .unwrap();
    let auth = Authenticator::new(
        storage,
        Arc::new(Fixed(now())),
        Arc::new(Counter(AtomicU64::new(0))),
        AuthSettings {
            failures: FailureBudget {
                per_account: 0,
                per_ip: 0,
                ..FailureBudget::default()
            },
            ..AuthSettings::default()
        },
    );
    (auth, Arc::new(space))
}

async fn attempt(auth: &Authenticator, space: &Arc<Space>, credentials: Credentials) -> AuthError {
    let ctx = RequestContext {
        method: "GET",
        uri: "/api/accounts/me",
        ip: "192.0.2.1",
        space,
    };
    match auth.authenticate(credentials, AuthMode::User, &ctx).await {
        Ok(_) => panic!("made-up credentials were accepted"),
        Err(e) => e,
    }
}

#[tokio::test]
async fn made_up_credentials_leave_no_trace_in_memory() {
    let (auth, space) = setup().await;

    // Well-formed tokens, each with another (wrong) signature: 64 bytes of base64url.
    let valid = signed("sip:nobody@example.org");
    let (unsigned, _) = valid.rsplit_once('.').unwrap();
    for i in 0..MADE_UP {
        let forged = format!("{unsigned}.{i:0>85}A");
        let e = attempt(&auth, &space, Credentials::Bearer(forged)).await;
        assert!(
            matches!(e, AuthError::InvalidToken(JwtFailure::InvalidSignature)),
            "{e:?}"
        );
    }
    assert_eq!(auth.jwt_cache_len(), 0, "refused tokens are not cached");

    for i in 0..MADE_UP {
        let key = format!("{i:0>40}");
        let e = attempt(
            &auth,
            &space,
            Credentials::ApiKey {
                key,
                from_cookie: false,
            },
        )
        .await;
        assert!(matches!(e, AuthError::InvalidApiKey), "{e:?}");
    }
    assert!(auth.usage().is_empty(), "unknown keys have no usage");

    // Validly signed tokens (minting them takes the issuer's key) are cached even when their
    // account does not exist, but never past the capacity.
    for i in 0..JwtCache::DEFAULT_CAPACITY + 500 {
        let e = attempt(
            &auth,
            &space,
            Credentials::Bearer(signed(&format!("sip:ghost{i}@example.org"))),
        )
        .await;
        assert!(matches!(e, AuthError::JwtUnknownAccount), "{e:?}");
        assert!(auth.jwt_cache_len() <= JwtCache::DEFAULT_CAPACITY);
    }
    assert!(auth.jwt_cache_len() > 0, "signed tokens are cached");
}
