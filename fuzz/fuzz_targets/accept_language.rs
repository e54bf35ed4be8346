//! `Accept-Language` negotiation, run on every request before anything else.
//!
//! Invariants: it never panics and answers an offered language or none; a language named first
//! with full quality wins whatever follows; letter case does not matter; with nothing offered
//! there is nothing to pick.

#![no_main]

use flexiapi_domain::language::negotiate;
use libfuzzer_sys::fuzz_target;

const OFFERED: &[&str] = &["en", "fr", "de"];

fuzz_target!(|data: &[u8]| {
    let Ok(header) = std::str::from_utf8(data) else {
        return;
    };
    let picked = negotiate(header, OFFERED);
    if let Some(i) = picked {
        assert!(i < OFFERED.len());
    }
    for (i, lang) in OFFERED.iter().enumerate() {
        assert_eq!(negotiate(&format!("{lang},{header}"), OFFERED), Some(i));
    }
    assert_eq!(negotiate(&header.to_ascii_uppercase(), OFFERED), picked);
    assert_eq!(negotiate(header, &[]), None);
});
