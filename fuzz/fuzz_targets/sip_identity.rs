//! SIP identities from untrusted text: the `From` header of Digest authentication, `{sip}` path
//! parameters, JWT claims, request bodies.
//!
//! Invariants: no parser panics; whatever one of them accepts is written `sip:user@domain` and
//! read back the same by all three (the `From` header percent-encoded, as a client escapes it);
//! usernames and domains read back the same; domains are lower case.

#![no_main]

use flexiapi_domain::model::{Domain, SipIdentity, Username};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = [
        SipIdentity::parse(text),
        SipIdentity::parse_user_at_domain(text),
        SipIdentity::parse_from_header(text),
    ];
    for id in parsed.into_iter().flatten() {
        let uri = id.to_string();
        assert_eq!(SipIdentity::parse(&uri).as_ref(), Ok(&id), "{uri}");
        let bare = format!("{}@{}", id.username, id.domain);
        assert_eq!(
            SipIdentity::parse_user_at_domain(&bare).as_ref(),
            Ok(&id),
            "{bare}"
        );
        let from = format!("sip:{}@{}", percent_encode(id.username.as_str()), id.domain);
        assert_eq!(
            SipIdentity::parse_from_header(&from).as_ref(),
            Ok(&id),
            "{from}"
        );
    }
    if let Ok(username) = Username::parse(text) {
        assert_eq!(Username::parse(username.as_str()).as_ref(), Ok(&username));
    }
    if let Ok(domain) = Domain::parse(text) {
        assert_eq!(Domain::parse(domain.as_str()).as_ref(), Ok(&domain));
        assert!(!domain.as_str().bytes().any(|b| b.is_ascii_uppercase()));
    }
});

/// Every byte but ASCII letters and digits as `%XX`.
fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
