//! Bearer tokens, verified against a space's configured key.
//!
//! The first byte picks the mode:
//! - even: the rest is the token as it comes in `Authorization: Bearer`. It reaches header
//!   decoding and the signature check: verification must refuse without panicking.
//! - odd: the rest is a JOSE header and a claims set, separated by a NUL byte, which this target
//!   signs with the configured key, so that claim validation and the subject are reached too.
//!   An accepted token must say what its claims say.

#![no_main]

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use flexiapi_domain::auth::jwt::{JwtSubject, verify};
use flexiapi_domain::model::{JwtAlgorithm, JwtConfig, SipIdentity};
use jsonwebtoken::{Algorithm, EncodingKey};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

// The Ed25519 test key pair of domain/src/auth/jwt.rs, made for tests only.
const PRIVATE: &str = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEICR7LkVk9r7l9tmUqsgXiefo4v08fbWqZvDSzj/Q2G/k\n-----END PRIVATE KEY-----\n";
const PUBLIC: &str = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA4ASyo1S50g2x8d060Zvm+JNdloD4onMHFQ2leDKpELE=\n-----END PUBLIC KEY-----\n";

fn config() -> JwtConfig {
    JwtConfig {
        public_key: PUBLIC.into(),
        sip_identifier: None,
        // RS256 and ES256 cannot use an Ed25519 key: tokens naming them reach `UnusableKey`.
        algorithms: vec![
            JwtAlgorithm::EdDSA,
            JwtAlgorithm::RS256,
            JwtAlgorithm::ES256,
        ],
        issuer: Some("https://issuer.example.org".into()),
        audience: None,
        leeway_seconds: 60,
        jwt_only: false,
        server_url: None,
        realm: None,
        client_id: None,
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let config = config();
    if mode % 2 == 0 {
        let Ok(token) = std::str::from_utf8(rest) else {
            return;
        };
        let _ = jsonwebtoken::decode_header(token);
        let _ = verify(token, &config);
        return;
    }

    let (header, claims) = match rest.iter().position(|b| *b == 0) {
        Some(nul) => (&rest[..nul], &rest[nul + 1..]),
        None => (rest, &b"{}"[..]),
    };
    let message = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims)
    );
    let key = EncodingKey::from_ed_pem(PRIVATE.as_bytes()).expect("the test key");
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), &key, Algorithm::EdDSA)
        .expect("Ed25519 signs anything");
    let token = format!("{message}.{signature}");
    let Ok(verified) = verify(&token, &config) else {
        return;
    };

    let claims: Value = serde_json::from_slice(claims).expect("accepted claims are JSON");
    assert_eq!(
        claims.get("exp").and_then(Value::as_i64),
        Some(verified.expires_at)
    );
    assert_eq!(
        claims.get("iss").and_then(Value::as_str),
        Some("https://issuer.example.org")
    );
    let expected = match (claims.get("sip_identity"), claims.get("email")) {
        (Some(sip), _) => JwtSubject::Sip(
            SipIdentity::parse(sip.as_str().expect("a string identity"))
                .expect("an accepted identity parses"),
        ),
        (None, Some(Value::String(email))) => JwtSubject::Email(email.clone()),
        (None, _) => JwtSubject::None,
    };
    assert_eq!(verified.subject, expected);
});
