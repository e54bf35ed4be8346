//! `Accept-Language` negotiation (RFC 9110 section 12.5.4), without catalogues: the HTTP adapter
//! owns the Fluent catalogues and asks this module which of its languages a client prefers.
//!
//! It lives here, not in the adapter, because it is a pure function of an untrusted header: the
//! fuzz target `accept_language` (see `fuzz/`) calls it without building the HTTP stack.

/// The index in `offered` (primary language subtags such as `en`, `fr`, matched
/// case-insensitively) of the language the header prefers: highest quality first, then the
/// earliest in the header; a regional tag matches its language (`fr-CA` takes `fr`).
///
/// `None` when the header names nothing offered, or when its best acceptable range is `*`: the
/// caller then uses its fallback. Ranges with `q=0`, an unreadable `q` or one outside `(0, 1]`
/// are ignored.
pub fn negotiate(header: &str, offered: &[&str]) -> Option<usize> {
    let mut ranges: Vec<(f32, usize, &str)> = header
        .split(',')
        .enumerate()
        .filter_map(|(i, part)| {
            let mut pieces = part.split(';');
            let tag = pieces.next()?.trim();
            if tag.is_empty() {
                return None;
            }
            let q = pieces
                .find_map(|p| {
                    let p = p.trim();
                    // `q=` is an ABNF literal, so case-insensitive (RFC 5234 section 2.3).
                    p.get(..2)
                        .filter(|name| name.eq_ignore_ascii_case("q="))
                        .map(|_| p[2..].trim())
                })
                .map_or(Some(1.0), |q| q.parse::<f32>().ok())?;
            (q > 0.0 && q <= 1.0).then_some((q, i, tag))
        })
        .collect();
    // Stable order: by quality, then by position in the header.
    ranges.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, _, tag) in ranges {
        if tag == "*" {
            return None;
        }
        let primary = tag.split(['-', '_']).next().unwrap_or(tag);
        if let Some(i) = offered.iter().position(|l| l.eq_ignore_ascii_case(primary)) {
            return Some(i);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFFERED: &[&str] = &["en", "fr"];

    fn pick(header: &str) -> Option<&'static str> {
        negotiate(header, OFFERED).map(|i| OFFERED[i])
    }

    #[test]
    fn quality_then_position_decides() {
        assert_eq!(pick("fr;q=0.9, en;q=0.8"), Some("fr"));
        assert_eq!(pick("en;q=0.5, fr;q=0.9"), Some("fr"));
        assert_eq!(pick("fr, en"), Some("fr"));
        assert_eq!(pick("de, fr;q=0.1"), Some("fr"));
    }

    #[test]
    fn regions_match_their_language_case_insensitively() {
        assert_eq!(pick("fr-CA"), Some("fr"));
        assert_eq!(pick("FR_fr"), Some("fr"));
        assert_eq!(pick("en-US,en;q=0.9"), Some("en"));
    }

    /// Found by the `accept_language` fuzz target: `Q=0` was not read as a quality, so a refused
    /// language was picked.
    #[test]
    fn the_quality_parameter_name_is_case_insensitive() {
        assert_eq!(pick("EN;Q=0, FR;Q=0.000"), None);
        assert_eq!(pick("en;Q=0.5, fr;Q=0.9"), Some("fr"));
    }

    #[test]
    fn wildcards_unknown_languages_and_bad_qualities_leave_it_to_the_fallback() {
        assert_eq!(pick("*"), None);
        assert_eq!(pick("*, fr;q=0.5"), None);
        assert_eq!(pick("de"), None);
        assert_eq!(pick("fr;q=0"), None);
        assert_eq!(pick("fr;q=2"), None);
        assert_eq!(pick("fr;q=NaN"), None);
        assert_eq!(pick("fr;q=abc"), None);
        assert_eq!(pick(";;,,q="), None);
        assert_eq!(pick(""), None);
        assert_eq!(negotiate("fr", &[]), None);
    }
}
