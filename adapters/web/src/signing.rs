//! What the pages sign with the server's key (kept in the database, the same for every process
//! on it): the CSRF tokens of the forms and the hidden fields that carry a flow from one page to
//! the next. Nothing is kept in a process's memory between two requests.
//!
//! CSRF: a signed double submit. A random cookie (`flexiapi_form`) is set with the first form;
//! each form carries `HMAC(key, "csrf" | cookie)`. Another site can neither read the cookie nor
//! compute its MAC, so it cannot post a form that passes.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// The key forms are signed with.
#[derive(Clone)]
pub(crate) struct Signer {
    key: Vec<u8>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(<hidden>)")
    }
}

impl Signer {
    pub(crate) fn new(secret: &str) -> Self {
        Self {
            key: secret.as_bytes().to_vec(),
        }
    }

    /// `HMAC-SHA256(key, purpose | 0 | data)` in lower-case hex.
    fn mac(&self, purpose: &str, data: &str) -> String {
        // Any key length is accepted by HMAC.
        let mut mac = <HmacSha256 as KeyInit>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(data.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// The CSRF token of forms shown to the holder of `cookie`.
    pub(crate) fn csrf_token(&self, cookie: &str) -> String {
        self.mac("csrf", cookie)
    }

    /// Whether `token` is the CSRF token of `cookie`.
    pub(crate) fn csrf_valid(&self, cookie: &str, token: &str) -> bool {
        !cookie.is_empty() && same(&self.csrf_token(cookie), token)
    }

    /// `payload` with its signature, for a hidden field (`payload.mac`, URL-safe).
    pub(crate) fn seal(&self, purpose: &str, payload: &str) -> String {
        let encoded =
            percent_encoding::utf8_percent_encode(payload, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        format!("{encoded}.{}", self.mac(purpose, payload))
    }

    /// The payload of a sealed field, when its signature is right.
    pub(crate) fn open(&self, purpose: &str, sealed: &str) -> Option<String> {
        let (encoded, mac) = sealed.rsplit_once('.')?;
        let payload = percent_encoding::percent_decode_str(encoded)
            .decode_utf8()
            .ok()?
            .into_owned();
        same(&self.mac(purpose, &payload), mac).then_some(payload)
    }
}

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csrf_token_belongs_to_its_cookie_and_key() {
        let signer = Signer::new("key");
        let token = signer.csrf_token("cookie");
        assert!(signer.csrf_valid("cookie", &token));
        assert!(!signer.csrf_valid("other", &token));
        assert!(!signer.csrf_valid("", &signer.csrf_token("")));
        assert!(!Signer::new("another key").csrf_valid("cookie", &token));
        assert!(!signer.csrf_valid("cookie", &token[1..]));
    }

    #[test]
    fn sealed_fields_open_only_untouched_and_for_their_purpose() {
        let signer = Signer::new("key");
        let sealed = signer.seal("recovery", "example.org|email|a.b@example.net");
        assert_eq!(
            signer.open("recovery", &sealed).as_deref(),
            Some("example.org|email|a.b@example.net")
        );
        assert_eq!(signer.open("sign-up", &sealed), None);
        let tampered = sealed.replacen("example", "exbmple", 1);
        assert_ne!(tampered, sealed);
        assert_eq!(signer.open("recovery", &tampered), None);
        assert_eq!(signer.open("recovery", "no signature"), None);
    }
}
