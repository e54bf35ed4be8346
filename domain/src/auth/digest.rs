//! HTTP Digest (RFC 7616) with MD5 and SHA-256: parsing what clients send, computing the
//! expected response, and formatting challenges.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::model::PasswordAlgorithm;

/// The parameters of an `Authorization: Digest ...` header that the server checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestResponse {
    pub username: String,
    pub realm: String,
    pub nonce: String,
    pub uri: String,
    pub response: String,
    pub opaque: String,
    /// `None` means MD5 (RFC 7616 section 3.3).
    pub algorithm: Option<String>,
    pub qop: String,
    pub nc: String,
    pub cnonce: String,
}

/// Why an `Authorization` header could not be read as a Digest response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DigestParseError {
    NotDigest,
    Missing(&'static str),
}

/// Parses the header leniently, as real clients send it: scheme case-insensitive, parameters in
/// any order, values quoted or bare, spaces around `,` and `=`, quoted values with `\` escapes.
///
/// # Errors
/// [`DigestParseError::NotDigest`] for another scheme; [`DigestParseError::Missing`] naming the
/// first required parameter that is absent.
pub fn parse_authorization(header: &str) -> Result<DigestResponse, DigestParseError> {
    let header = header.trim_start();
    let (scheme, rest) = header
        .split_once(|c: char| c.is_ascii_whitespace())
        .unwrap_or((header, ""));
    if !scheme.eq_ignore_ascii_case("digest") {
        return Err(DigestParseError::NotDigest);
    }
    let mut params = parse_params(rest);
    let mut take = |name: &'static str| params.remove(name).ok_or(DigestParseError::Missing(name));
    Ok(DigestResponse {
        username: take("username")?,
        realm: take("realm")?,
        nonce: take("nonce")?,
        uri: take("uri")?,
        response: take("response")?,
        opaque: take("opaque")?,
        qop: take("qop")?,
        nc: take("nc")?,
        cnonce: take("cnonce")?,
        algorithm: params.remove("algorithm"),
    })
}

/// `name=value` pairs separated by commas; names lower-cased; the first occurrence wins.
fn parse_params(input: &str) -> HashMap<String, String> {
    let mut params = HashMap::new();
    let mut chars = input.chars().peekable();
    loop {
        while chars
            .next_if(|c| c.is_ascii_whitespace() || *c == ',')
            .is_some()
        {}
        let mut name = String::new();
        while let Some(c) = chars.next_if(|c| *c != '=' && *c != ',') {
            name.push(c);
        }
        let name = name.trim().to_ascii_lowercase();
        if chars.next_if_eq(&'=').is_none() {
            if chars.peek().is_none() {
                break;
            }
            continue;
        }
        while chars.next_if(|c| c.is_ascii_whitespace()).is_some() {}
        let mut value = String::new();
        if chars.next_if_eq(&'"').is_some() {
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        if let Some(escaped) = chars.next() {
                            value.push(escaped);
                        }
                    }
                    '"' => break,
                    c => value.push(c),
                }
            }
        } else {
            while let Some(c) = chars.next_if(|c| *c != ',') {
                value.push(c);
            }
            value = value.trim().to_owned();
        }
        if !name.is_empty() {
            params.entry(name).or_insert(value);
        }
        if chars.peek().is_none() {
            break;
        }
    }
    params
}

/// `H(HA1:nonce:nc:cnonce:qop:H(method:uri))`, lower-case hex. `ha1` is the stored password hash.
pub fn expected_response(
    algorithm: PasswordAlgorithm,
    ha1: &str,
    method: &str,
    response: &DigestResponse,
) -> String {
    let ha2 = algorithm.hex_digest(format!("{method}:{}", response.uri).as_bytes());
    algorithm.hex_digest(
        format!(
            "{ha1}:{}:{}:{}:{}:{ha2}",
            response.nonce, response.nc, response.cnonce, response.qop
        )
        .as_bytes(),
    )
}

/// One `WWW-Authenticate` challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestChallenge {
    pub realm: String,
    pub algorithm: PasswordAlgorithm,
    pub nonce: String,
    pub opaque: String,
    pub stale: bool,
}

impl DigestChallenge {
    /// The header value, in the original's shape: no spaces after commas, `algorithm` unquoted.
    pub fn header_value(&self) -> String {
        let mut value = format!(
            "Digest realm=\"{}\",qop=\"auth\",algorithm={},nonce=\"{}\",opaque=\"{}\"",
            self.realm.replace(['"', '\\'], ""),
            self.algorithm,
            self.nonce,
            self.opaque
        );
        if self.stale {
            let _ = write!(value, ",stale=true");
        }
        value
    }
}

/// The challenges for one nonce/opaque pair, one per algorithm, strongest first.
pub fn challenges(
    realm: &str,
    algorithms: &[PasswordAlgorithm],
    nonce: &str,
    opaque: &str,
    stale: bool,
) -> Vec<DigestChallenge> {
    let mut algorithms = algorithms.to_vec();
    algorithms.sort_by_key(|a| std::cmp::Reverse(a.strength()));
    algorithms.dedup();
    algorithms
        .into_iter()
        .map(|algorithm| DigestChallenge {
            realm: realm.to_owned(),
            algorithm,
            nonce: nonce.to_owned(),
            opaque: opaque.to_owned(),
            stale,
        })
        .collect()
}

/// `nc` is 8 hex digits (RFC 7616 section 3.4); clients sometimes send fewer.
pub fn parse_nc(nc: &str) -> Option<i64> {
    if nc.is_empty() || nc.len() > 8 || !nc.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    i64::from_str_radix(nc, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NONCE: &str = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
    const OPAQUE: &str = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS";
    const CNONCE: &str = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";

    fn rfc_response(algorithm: &str) -> DigestResponse {
        parse_authorization(&format!(
            "Digest username=\"Mufasa\", realm=\"http-auth@example.org\", uri=\"/dir/index.html\", \
             algorithm={algorithm}, nonce=\"{NONCE}\", nc=00000001, cnonce=\"{CNONCE}\", qop=auth, \
             response=\"x\", opaque=\"{OPAQUE}\""
        ))
        .unwrap()
    }

    #[test]
    fn rfc_7616_md5_vector() {
        let ha1 = "3d78807defe7de2157e2b0b6573a855f";
        let r = rfc_response("MD5");
        assert_eq!(
            expected_response(PasswordAlgorithm::Md5, ha1, "GET", &r),
            "8ca523f5e9506fed4657c9700eebdbec"
        );
    }

    #[test]
    fn rfc_7616_sha256_vector() {
        let ha1 = "7987c64c30e25f1b74be53f966b49b90f2808aa92faf9a00262392d7b4794232";
        let r = rfc_response("SHA-256");
        assert_eq!(
            expected_response(PasswordAlgorithm::Sha256, ha1, "GET", &r),
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
        );
    }

    #[test]
    fn parameters_are_read_in_any_order_quoted_or_bare() {
        let r = parse_authorization(
            "digest qop=\"auth\",algorithm=\"SHA-256\",response=abc,username=\"a\\\"b\",\
             realm=r,nonce=n,uri=\"/api/x?page=2\",nc=00000002,cnonce=c,opaque=o",
        )
        .unwrap();
        assert_eq!(r.username, "a\"b");
        assert_eq!(r.algorithm.as_deref(), Some("SHA-256"));
        assert_eq!(r.qop, "auth");
        assert_eq!(r.uri, "/api/x?page=2");
        assert_eq!(r.nc, "00000002");
    }

    #[test]
    fn a_missing_parameter_is_named_and_another_scheme_is_refused() {
        assert_eq!(
            parse_authorization("Digest username=\"a\""),
            Err(DigestParseError::Missing("realm"))
        );
        assert_eq!(
            parse_authorization("Basic YTpi"),
            Err(DigestParseError::NotDigest)
        );
        assert_eq!(parse_authorization(""), Err(DigestParseError::NotDigest));
    }

    #[test]
    fn absent_algorithm_stays_none_meaning_md5() {
        let r = parse_authorization(
            "Digest username=a,realm=r,nonce=n,uri=/,response=x,opaque=o,qop=auth,nc=1,cnonce=c",
        )
        .unwrap();
        assert_eq!(r.algorithm, None);
    }

    #[test]
    fn challenges_are_listed_strongest_first_with_one_nonce() {
        let c = challenges(
            "example.org",
            &[PasswordAlgorithm::Md5, PasswordAlgorithm::Sha256],
            "n",
            "o",
            false,
        );
        assert_eq!(
            c[0].header_value(),
            "Digest realm=\"example.org\",qop=\"auth\",algorithm=SHA-256,nonce=\"n\",opaque=\"o\""
        );
        assert_eq!(c[1].algorithm, PasswordAlgorithm::Md5);
        assert!(
            challenges("r", &[PasswordAlgorithm::Md5], "n", "o", true)[0]
                .header_value()
                .ends_with(",stale=true")
        );
    }

    #[test]
    fn nc_is_hex_of_at_most_eight_digits() {
        assert_eq!(parse_nc("00000001"), Some(1));
        assert_eq!(parse_nc("0000000a"), Some(10));
        assert_eq!(parse_nc("1"), Some(1));
        assert_eq!(parse_nc("123456789"), None);
        assert_eq!(parse_nc("zz"), None);
        assert_eq!(parse_nc(""), None);
    }
}
