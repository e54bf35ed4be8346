//! `Authorization: Digest ...` as a client sends it, before any account is looked up.
//!
//! Invariants: the parser never panics; a parsed response written back with every value quoted
//! reads back the same; `nc` is at most 32 bits; the expected response has the algorithm's
//! length; a challenge's realm survives the quoting of `WWW-Authenticate`.

#![no_main]

use flexiapi_domain::auth::digest::{
    DigestResponse, challenges, expected_response, parse_authorization, parse_nc,
};
use flexiapi_domain::model::PasswordAlgorithm;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(header) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(response) = parse_authorization(header) else {
        return;
    };

    let written = write_back(&response);
    assert_eq!(
        parse_authorization(&written).as_ref(),
        Ok(&response),
        "{written}"
    );

    if let Some(nc) = parse_nc(&response.nc) {
        assert!((0..=0xffff_ffff).contains(&nc), "nc {nc}");
    }
    for algorithm in PasswordAlgorithm::ALL {
        let ha1 = algorithm.hex_digest(response.username.as_bytes());
        assert_eq!(
            expected_response(algorithm, &ha1, "GET", &response).len(),
            algorithm.hex_len()
        );
    }

    // The realm comes from configuration, not from clients, but whatever it is, the challenge
    // must stay one well-formed header: read back, it gives the realm without `"` and `\`.
    let challenge = &challenges(
        &response.realm,
        &[PasswordAlgorithm::Sha256],
        "0123abcd",
        "4567ef",
        false,
    )[0];
    let answered = format!(
        "{},username=u,uri=/,response=r,nc=00000001,cnonce=c",
        challenge.header_value()
    );
    let read = parse_authorization(&answered).expect("a challenge reads back");
    assert_eq!(read.realm, response.realm.replace(['"', '\\'], ""));
    assert_eq!(
        (read.nonce.as_str(), read.opaque.as_str(), read.qop.as_str()),
        ("0123abcd", "4567ef", "auth")
    );
});

/// The response as a strict client writes it: every value quoted, `"` and `\` escaped.
fn write_back(r: &DigestResponse) -> String {
    let quote = |v: &str| format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""));
    let mut out = format!(
        "Digest username={}, realm={}, nonce={}, uri={}, response={}, opaque={}, qop={}, nc={}, cnonce={}",
        quote(&r.username),
        quote(&r.realm),
        quote(&r.nonce),
        quote(&r.uri),
        quote(&r.response),
        quote(&r.opaque),
        quote(&r.qop),
        quote(&r.nc),
        quote(&r.cnonce),
    );
    if let Some(algorithm) = &r.algorithm {
        out.push_str(&format!(", algorithm={}", quote(algorithm)));
    }
    out
}
