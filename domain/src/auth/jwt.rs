//! JWT bearer tokens signed by a space's configured issuer.
//!
//! Only asymmetric algorithms the space lists are accepted: `none` cannot be parsed, and an HMAC
//! token "signed" with the public key's bytes is refused because HS* is never in the list.

use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde_json::Value;

use crate::model::{JwtAlgorithm, JwtConfig, SipIdentity};

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

/// Verifies signature, `exp` (required), `nbf`, and the configured issuer and audience, then
/// reads the subject.
///
/// # Errors
/// The [`JwtFailure`] that refused the token.
pub fn verify(token: &str, config: &JwtConfig) -> Result<JwtSubject, JwtFailure> {
    let header = decode_header(token).map_err(|_| JwtFailure::Malformed)?;
    let alg = from_jsonwebtoken(header.alg)
        .filter(|a| config.algorithms.contains(a))
        .ok_or(JwtFailure::UnsupportedAlgorithm)?;
    let key = decoding_key(&config.public_key, alg).ok_or(JwtFailure::UnusableKey)?;

    let mut validation = Validation::new(to_jsonwebtoken(alg));
    validation.leeway = config.leeway_seconds;
    validation.validate_exp = true;
    validation.validate_nbf = true;
    validation.set_required_spec_claims(&["exp"]);
    match &config.audience {
        Some(aud) => validation.set_audience(&[aud]),
        None => validation.validate_aud = false,
    }
    if let Some(iss) = &config.issuer {
        validation.set_issuer(&[iss]);
    }

    let data = decode::<Value>(token, &key, &validation).map_err(|e| {
        use jsonwebtoken::errors::ErrorKind as K;
        match e.kind() {
            K::ExpiredSignature => JwtFailure::Expired,
            K::ImmatureSignature => JwtFailure::NotYetValid,
            K::InvalidIssuer => JwtFailure::InvalidIssuer,
            K::InvalidAudience => JwtFailure::InvalidAudience,
            K::MissingRequiredClaim(_) => JwtFailure::MissingExpiry,
            K::InvalidSignature => JwtFailure::InvalidSignature,
            K::InvalidAlgorithm => JwtFailure::UnsupportedAlgorithm,
            K::InvalidEcdsaKey | K::InvalidRsaKey(_) | K::InvalidKeyFormat => {
                JwtFailure::UnusableKey
            }
            _ => JwtFailure::Malformed,
        }
    })?;

    let claims = data.claims;
    if let Some(sip) = claims.get(config.identity_claim()) {
        let sip = sip.as_str().ok_or(JwtFailure::InvalidSipIdentity)?;
        return SipIdentity::parse(sip)
            .map(JwtSubject::Sip)
            .map_err(|_| JwtFailure::InvalidSipIdentity);
    }
    Ok(match claims.get("email").and_then(Value::as_str) {
        Some(email) => JwtSubject::Email(email.to_owned()),
        None => JwtSubject::None,
    })
}
