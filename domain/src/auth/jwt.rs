//! JWT bearer tokens signed by a space's configured issuer.
//!
//! Only asymmetric algorithms the space lists are accepted: `none` cannot be parsed, and an HMAC
//! token "signed" with the public key's bytes is refused because HS* is never in the list.

use std::collections::HashMap;
use std::sync::Mutex;

use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::model::{JwtAlgorithm, JwtConfig, SipIdentity, SpaceId};

/// Why a bearer token was refused. Each maps to an `error_description`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwtFailure {
    Malformed,
    UnsupportedAlgorithm,
    InvalidSignature,
    Expired,
    NotYetValid,
    InvalidIssuer,
    InvalidAudience,
    MissingExpiry,
    /// The configured public key cannot be read for the token's algorithm.
    UnusableKey,
    /// The identity claim is present but is not a SIP address.
    InvalidSipIdentity,
}

/// Where the token says the account is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwtSubject {
    Sip(SipIdentity),
    Email(String),
    /// Neither the identity claim nor `email` is present.
    None,
}

fn to_jsonwebtoken(alg: JwtAlgorithm) -> Algorithm {
    match alg {
        JwtAlgorithm::RS256 => Algorithm::RS256,
        JwtAlgorithm::RS384 => Algorithm::RS384,
        JwtAlgorithm::RS512 => Algorithm::RS512,
        JwtAlgorithm::ES256 => Algorithm::ES256,
        JwtAlgorithm::ES384 => Algorithm::ES384,
        JwtAlgorithm::EdDSA => Algorithm::EdDSA,
    }
}

fn from_jsonwebtoken(alg: Algorithm) -> Option<JwtAlgorithm> {
    Some(match alg {
        Algorithm::RS256 => JwtAlgorithm::RS256,
        Algorithm::RS384 => JwtAlgorithm::RS384,
        Algorithm::RS512 => JwtAlgorithm::RS512,
        Algorithm::ES256 => JwtAlgorithm::ES256,
        Algorithm::ES384 => JwtAlgorithm::ES384,
        Algorithm::EdDSA => JwtAlgorithm::EdDSA,
        _ => return None,
    })
}

/// Whether `pem` is a public key usable with at least one of `algorithms` (configuration check).
pub fn public_key_is_usable(pem: &str, algorithms: &[JwtAlgorithm]) -> bool {
    algorithms.iter().any(|a| decoding_key(pem, *a).is_some())
}

fn decoding_key(pem: &str, alg: JwtAlgorithm) -> Option<DecodingKey> {
    let pem = pem.as_bytes();
    match alg {
        JwtAlgorithm::RS256 | JwtAlgorithm::RS384 | JwtAlgorithm::RS512 => {
            DecodingKey::from_rsa_pem(pem).ok()
        }
        JwtAlgorithm::ES256 | JwtAlgorithm::ES384 => DecodingKey::from_ec_pem(pem).ok(),
        JwtAlgorithm::EdDSA => DecodingKey::from_ed_pem(pem).ok(),
    }
}

/// A token that checked out: who it names, and until when (`exp`, Unix seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedToken {
    pub subject: JwtSubject,
    pub expires_at: i64,
}

/// Verifies signature, `exp` (required), `nbf`, and the configured issuer and audience, then
/// reads the subject.
///
/// # Errors
/// The [`JwtFailure`] that refused the token.
pub fn verify(token: &str, config: &JwtConfig) -> Result<VerifiedToken, JwtFailure> {
    let header = decode_header(token).map_err(|_| JwtFailure::Malformed)?;
    let alg = from_jsonwebtoken(header.alg)
        .filter(|a| config.algorithms.contains(a))
        .ok_or(JwtFailure::UnsupportedAlgorithm)?;
    let key = decoding_key(&config.public_key, alg).ok_or(JwtFailure::UnusableKey)?;

    let mut validation = Validation::new(to_jsonwebtoken(alg));
    validation.leeway = config.leeway_seconds;
    validation.validate_exp = true;
    validation.validate_nbf = true;
    // jsonwebtoken checks `iss` and `aud` only in tokens that have them: a configured one must
    // be required too.
    let mut required = vec!["exp"];
    match &config.audience {
        Some(aud) => {
            validation.set_audience(&[aud]);
            required.push("aud");
        }
        None => validation.validate_aud = false,
    }
    if let Some(iss) = &config.issuer {
        validation.set_issuer(&[iss]);
        required.push("iss");
    }
    validation.set_required_spec_claims(&required);

    let data = decode::<Value>(token, &key, &validation).map_err(|e| {
        use jsonwebtoken::errors::ErrorKind as K;
        match e.kind() {
            K::ExpiredSignature => JwtFailure::Expired,
            K::ImmatureSignature => JwtFailure::NotYetValid,
            K::InvalidIssuer => JwtFailure::InvalidIssuer,
            K::InvalidAudience => JwtFailure::InvalidAudience,
            K::MissingRequiredClaim(claim) => match claim.as_str() {
                "iss" => JwtFailure::InvalidIssuer,
                "aud" => JwtFailure::InvalidAudience,
                _ => JwtFailure::MissingExpiry,
            },
            K::InvalidSignature => JwtFailure::InvalidSignature,
            K::InvalidAlgorithm => JwtFailure::UnsupportedAlgorithm,
            K::InvalidEcdsaKey | K::InvalidRsaKey(_) | K::InvalidKeyFormat => {
                JwtFailure::UnusableKey
            }
            _ => JwtFailure::Malformed,
        }
    })?;

    let claims = data.claims;
    // `iss` is one string (RFC 7519 section 4.1.1); jsonwebtoken also takes an array that
    // contains the configured issuer.
    if let Some(iss) = &config.issuer
        && claims.get("iss").and_then(Value::as_str) != Some(iss.as_str())
    {
        return Err(JwtFailure::InvalidIssuer);
    }
    let expires_at = claims
        .get("exp")
        .and_then(Value::as_i64)
        .ok_or(JwtFailure::MissingExpiry)?;
    let subject = if let Some(sip) = claims.get(config.identity_claim()) {
        let sip = sip.as_str().ok_or(JwtFailure::InvalidSipIdentity)?;
        SipIdentity::parse(sip)
            .map(JwtSubject::Sip)
            .map_err(|_| JwtFailure::InvalidSipIdentity)?
    } else {
        match claims.get("email").and_then(Value::as_str) {
            Some(email) => JwtSubject::Email(email.to_owned()),
            None => JwtSubject::None,
        }
    };
    Ok(VerifiedToken {
        subject,
        expires_at,
    })
}

/// Verified tokens, so that a client reusing its token skips the signature check (RS256 costs
/// tens of microseconds, ES256 more). Keyed by a hash of the space, its configuration and the
/// token, so a configuration change invalidates entries; bounded, and entries die at `exp`.
/// Only successes are cached: filling it requires validly signed tokens.
#[derive(Debug)]
pub struct JwtCache {
    entries: Mutex<HashMap<[u8; 32], VerifiedToken>>,
    capacity: usize,
}

impl Default for JwtCache {
    fn default() -> Self {
        Self::with_capacity(Self::DEFAULT_CAPACITY)
    }
}

impl JwtCache {
    pub const DEFAULT_CAPACITY: usize = 10_000;

    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
        }
    }

    fn key(space: SpaceId, config: &JwtConfig, token: &str) -> [u8; 32] {
        let mut hasher = Sha256::new();
        hasher.update(space.0.to_le_bytes());
        // Each part is followed by a separator that cannot occur in it.
        for part in [
            config.public_key.as_str(),
            config.identity_claim(),
            config.issuer.as_deref().unwrap_or_default(),
            config.audience.as_deref().unwrap_or_default(),
        ] {
            hasher.update(part.as_bytes());
            hasher.update([0]);
        }
        for alg in &config.algorithms {
            hasher.update(alg.as_str().as_bytes());
            hasher.update([0]);
        }
        hasher.update(config.leeway_seconds.to_le_bytes());
        hasher.update(token.as_bytes());
        hasher.finalize().into()
    }

    /// [`verify`], answered from the cache when this token was verified before for this space
    /// and configuration and has not expired at `now` (Unix seconds).
    ///
    /// # Errors
    /// The [`JwtFailure`] that refused the token.
    pub fn verify(
        &self,
        space: SpaceId,
        token: &str,
        config: &JwtConfig,
        now: i64,
    ) -> Result<JwtSubject, JwtFailure> {
        let key = Self::key(space, config, token);
        let leeway = i64::try_from(config.leeway_seconds).unwrap_or(i64::MAX);
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(hit) = entries.get(&key) {
            if now < hit.expires_at.saturating_add(leeway) {
                return Ok(hit.subject.clone());
            }
            entries.remove(&key);
            return Err(JwtFailure::Expired);
        }
        // Verify without holding the lock: it is the slow part.
        drop(entries);
        let verified = verify(token, config)?;
        let subject = verified.subject.clone();
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= self.capacity {
            entries.retain(|_, v| now < v.expires_at.saturating_add(leeway));
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(key, verified);
        Ok(subject)
    }

    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::{EncodingKey, Header, encode};
    use serde_json::json;

    use super::*;

    // A throwaway Ed25519 key pair, made for this test only.
    const PRIVATE: &str = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEICR7LkVk9r7l9tmUqsgXiefo4v08fbWqZvDSzj/Q2G/k\n-----END PRIVATE KEY-----\n";
    const PUBLIC: &str = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA4ASyo1S50g2x8d060Zvm+JNdloD4onMHFQ2leDKpELE=\n-----END PUBLIC KEY-----\n";
    const OTHER_PUBLIC: &str = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEASH4Qvs7xhIQCs1cgdTgsAXkLY+4z+UHlGnPgcVNVZiI=\n-----END PUBLIC KEY-----\n";

    fn config(public_key: &str) -> JwtConfig {
        JwtConfig {
            public_key: public_key.into(),
            sip_identifier: None,
            algorithms: vec![JwtAlgorithm::EdDSA],
            issuer: None,
            audience: None,
            leeway_seconds: 0,
            jwt_only: false,
            server_url: None,
            realm: None,
            client_id: None,
        }
    }

    fn token(sub: &str, exp: i64) -> String {
        let key = EncodingKey::from_ed_pem(PRIVATE.as_bytes()).unwrap();
        encode(
            &Header::new(Algorithm::EdDSA),
            &json!({"sip_identity": sub, "exp": exp}),
            &key,
        )
        .unwrap()
    }

    fn now() -> i64 {
        i64::try_from(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs(),
        )
        .unwrap()
    }

    #[test]
    fn a_verified_token_is_served_from_the_cache_until_it_expires() {
        let cache = JwtCache::default();
        let exp = now() + 600;
        let t = token("sip:a@example.org", exp);
        let subject = cache
            .verify(SpaceId(1), &t, &config(PUBLIC), now())
            .unwrap();
        assert!(matches!(subject, JwtSubject::Sip(ref id) if id.username.as_str() == "a"));
        assert_eq!(cache.len(), 1);
        assert_eq!(
            cache.verify(SpaceId(1), &t, &config(PUBLIC), now()),
            Ok(subject)
        );
        assert_eq!(cache.len(), 1, "the second check was a hit");
        // Past `exp`, the cached entry answers Expired and is dropped.
        assert_eq!(
            cache.verify(SpaceId(1), &t, &config(PUBLIC), exp + 1),
            Err(JwtFailure::Expired)
        );
        assert!(cache.is_empty());
    }

    #[test]
    fn another_space_or_key_never_reuses_an_entry() {
        let cache = JwtCache::default();
        let t = token("sip:a@example.org", now() + 600);
        cache
            .verify(SpaceId(1), &t, &config(PUBLIC), now())
            .unwrap();
        assert_eq!(
            cache.verify(SpaceId(1), &t, &config(OTHER_PUBLIC), now()),
            Err(JwtFailure::InvalidSignature)
        );
        cache
            .verify(SpaceId(2), &t, &config(PUBLIC), now())
            .unwrap();
        assert_eq!(cache.len(), 2);
    }

    fn signed(claims: &Value) -> String {
        let key = EncodingKey::from_ed_pem(PRIVATE.as_bytes()).unwrap();
        encode(&Header::new(Algorithm::EdDSA), claims, &key).unwrap()
    }

    /// Found by the `jwt` fuzz target: jsonwebtoken checks `iss` and `aud` only when the token
    /// has them, and takes an `iss` array if one element matches.
    #[test]
    fn a_configured_issuer_and_audience_must_be_in_the_token() {
        let config = JwtConfig {
            issuer: Some("https://issuer.example.org".into()),
            audience: Some("flexiapi".into()),
            ..config(PUBLIC)
        };
        let exp = now() + 600;
        let sip = "sip:a@example.org";
        let iss = "https://issuer.example.org";
        let check = |claims: Value| verify(&signed(&claims), &config).map(|v| v.subject);
        assert!(
            check(json!({"sip_identity": sip, "exp": exp, "iss": iss, "aud": "flexiapi"})).is_ok()
        );
        assert!(
            check(json!({"sip_identity": sip, "exp": exp, "iss": iss, "aud": ["x", "flexiapi"]}))
                .is_ok()
        );
        assert_eq!(
            check(json!({"sip_identity": sip, "exp": exp, "aud": "flexiapi"})),
            Err(JwtFailure::InvalidIssuer)
        );
        assert_eq!(
            check(
                json!({"sip_identity": sip, "exp": exp, "iss": [iss, "https://other.example.org"], "aud": "flexiapi"})
            ),
            Err(JwtFailure::InvalidIssuer)
        );
        assert_eq!(
            check(json!({"sip_identity": sip, "exp": exp, "iss": iss})),
            Err(JwtFailure::InvalidAudience)
        );
        assert_eq!(
            check(json!({"sip_identity": sip, "iss": iss, "aud": "flexiapi"})),
            Err(JwtFailure::MissingExpiry)
        );
    }

    #[test]
    fn the_cache_stays_within_its_capacity() {
        let cache = JwtCache::with_capacity(2);
        for i in 0..5 {
            let t = token(&format!("sip:u{i}@example.org"), now() + 600);
            cache
                .verify(SpaceId(1), &t, &config(PUBLIC), now())
                .unwrap();
            assert!(cache.len() <= 2);
        }
    }
}
