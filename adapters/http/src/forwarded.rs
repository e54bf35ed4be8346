//! Who the client is and which scheme it used, when requests come through reverse proxies.
//!
//! Only a peer listed in `trusted_proxies` is believed: from it, `X-Forwarded-For` (else
//! `Forwarded`, RFC 7239) gives the client address and `X-Forwarded-Proto` (else the `proto` of
//! the `Forwarded` element chosen) the scheme. From any other peer these headers are ignored.
//!
//! The address chosen is the rightmost one that is not itself a trusted proxy: everything left
//! of it was written by a party we do not trust. If that entry is not an IP address (`unknown`,
//! an obfuscated `_identifier`, garbage), the peer's own address is used: the walk never goes
//! further left, where a client could have written anything.

use std::net::{IpAddr, SocketAddr};

use ipnet::IpNet;
use poem::http::HeaderMap;

/// The addresses and ranges whose forwarding headers are believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    pub fn new(nets: Vec<IpNet>) -> Self {
        Self(nets)
    }

    /// Parses `192.0.2.1`, `2001:db8::1`, `10.0.0.0/8`, `2001:db8::/32`.
    ///
    /// # Errors
    /// The entry that is neither an address nor a CIDR range.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Self, String> {
        entries
            .iter()
            .map(|entry| {
                let entry = entry.as_ref().trim();
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map(|net| net.trunc())
                    .map_err(|_| entry.to_owned())
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }
}

/// What the request says about its client, once the proxies are weighed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The client's address; `None` when the connection has no IP peer and nothing trusted says.
    pub ip: Option<IpAddr>,
    /// The client reached us (or the trusted proxy) over HTTPS.
    pub https: bool,
}

/// One hop of a forwarding header: the address a proxy saw, and the scheme it was reached by.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Hop {
    /// `None`: not an IP address (`unknown`, obfuscated, malformed).
    ip: Option<IpAddr>,
    proto: Option<String>,
}

/// The client's origin: `peer` is the socket's remote address, `tls` whether the connection
/// itself is TLS.
pub fn origin(
    peer: Option<IpAddr>,
    tls: bool,
    headers: &HeaderMap,
    trusted: &TrustedProxies,
) -> Origin {
    let peer = peer.map(|ip| ip.to_canonical());
    let Some(peer_ip) = peer.filter(|ip| trusted.contains(*ip)) else {
        return Origin {
            ip: peer,
            https: tls,
        };
    };
    let forwarded = joined(headers, "forwarded").map(|v| forwarded_hops(&v));
    let chosen_forwarded = forwarded.as_deref().and_then(|hops| choose(hops, trusted));
    let xff = joined(headers, "x-forwarded-for").map(|v| {
        split_outside_quotes(&v, ',')
            .iter()
            .map(|entry| Hop {
                ip: parse_address(entry),
                proto: None,
            })
            .collect::<Vec<_>>()
    });
    let chosen_xff = xff.as_deref().and_then(|hops| choose(hops, trusted));
    // X-Forwarded-For first: every common proxy writes it, and passes a client's `Forwarded` on.
    let ip = match (&chosen_xff, &chosen_forwarded) {
        (Some(hop), _) | (None, Some(hop)) => hop.ip.unwrap_or(peer_ip),
        (None, None) => peer_ip,
    };
    let proto = match joined(headers, "x-forwarded-proto") {
        Some(v) => split_outside_quotes(&v, ',').pop(),
        None => chosen_forwarded.and_then(|hop| hop.proto.clone()),
    };
    let https = tls
        || proto
            .as_deref()
            .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"));
    Origin {
        ip: Some(ip),
        https,
    }
}

/// The rightmost hop that is not a trusted proxy; the leftmost when all of them are.
fn choose<'a>(hops: &'a [Hop], trusted: &TrustedProxies) -> Option<&'a Hop> {
    hops.iter()
        .rev()
        .find(|hop| !hop.ip.is_some_and(|ip| trusted.contains(ip)))
        .or_else(|| hops.first())
}

/// All lines of a header, in order, as one comma-separated list (RFC 9110 §5.3).
fn joined(headers: &HeaderMap, name: &str) -> Option<String> {
    let values: Vec<&str> = headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    (!values.is_empty()).then(|| values.join(","))
}

/// Splits on `sep` outside double-quoted strings (where `\` escapes the next character); parts
/// are trimmed, empty ones dropped.
fn split_outside_quotes(value: &str, sep: char) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let (mut quoted, mut escaped) = (false, false);
    for c in value.chars() {
        if escaped {
            escaped = false;
        } else if quoted && c == '\\' {
            escaped = true;
        } else if c == '"' {
            quoted = !quoted;
        } else if c == sep && !quoted {
            parts.push(std::mem::take(&mut current));
            continue;
        }
        current.push(c);
    }
    parts.push(current);
    parts
        .into_iter()
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect()
}

/// A quoted-string's content, or the token as it is.
fn unquote(value: &str) -> String {
    let value = value.trim();
    match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        Some(inner) => {
            let mut out = String::with_capacity(inner.len());
            let mut escaped = false;
            for c in inner.chars() {
                if !escaped && c == '\\' {
                    escaped = true;
                } else {
                    escaped = false;
                    out.push(c);
                }
            }
            out
        }
        None => value.to_owned(),
    }
}

/// The elements of `Forwarded` (`for=...;proto=...`, comma-separated), leftmost first.
fn forwarded_hops(value: &str) -> Vec<Hop> {
    split_outside_quotes(value, ',')
        .iter()
        .map(|element| {
            let mut hop = Hop {
                ip: None,
                proto: None,
            };
            for pair in split_outside_quotes(element, ';') {
                let Some((name, value)) = pair.split_once('=') else {
                    continue;
                };
                let value = unquote(value);
                match name.trim().to_ascii_lowercase().as_str() {
                    "for" => hop.ip = parse_address(&value),
                    "proto" => hop.proto = Some(value),
                    _ => {}
                }
            }
            hop
        })
        .collect()
}

/// `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1`, `[2001:db8::1]`, `[2001:db8::1]:4711`, quoted
/// or not; anything else (`unknown`, `_hidden`) is not an address.
fn parse_address(value: &str) -> Option<IpAddr> {
    let value = unquote(value);
    let value = value.trim();
    let ip = value
        .parse::<IpAddr>()
        .ok()
        .or_else(|| value.parse::<SocketAddr>().ok().map(|a| a.ip()))
        .or_else(|| {
            value
                .strip_prefix('[')
                .and_then(|v| v.strip_suffix(']'))
                .and_then(|v| v.parse::<IpAddr>().ok())
        })?;
    Some(ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use poem::http::HeaderValue;

    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn trusted(entries: &[&str]) -> TrustedProxies {
        TrustedProxies::parse(entries).unwrap()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn client(peer: &str, pairs: &[(&'static str, &str)], proxies: &[&str]) -> Option<IpAddr> {
        origin(Some(ip(peer)), false, &headers(pairs), &trusted(proxies)).ip
    }

    #[test]
    fn trusted_proxies_take_addresses_and_ranges_and_refuse_the_rest() {
        let t = trusted(&["192.0.2.7", "10.0.0.0/8", "2001:db8::/32", " 10.1.2.3/8 "]);
        assert!(t.contains(ip("192.0.2.7")));
        assert!(!t.contains(ip("192.0.2.8")));
        assert!(t.contains(ip("10.200.0.1")));
        assert!(t.contains(ip("2001:db8:1::5")));
        assert!(t.contains(ip("::ffff:10.0.0.1")), "IPv4-mapped IPv6");
        assert!(!t.contains(ip("2001:db9::1")));
        assert_eq!(
            TrustedProxies::parse(&["10.0.0.0/8", "proxy.example.org"]),
            Err("proxy.example.org".to_owned())
        );
        assert_eq!(TrustedProxies::parse(&["10.0.0.0/33"]).ok(), None);
        assert!(TrustedProxies::default().is_empty());
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_says() {
        let h = [
            ("x-forwarded-for", "198.51.100.1"),
            ("forwarded", "for=198.51.100.2;proto=https"),
            ("x-forwarded-proto", "https"),
        ];
        let o = origin(Some(ip("192.0.2.9")), false, &headers(&h), &trusted(&[]));
        assert_eq!(
            o,
            Origin {
                ip: Some(ip("192.0.2.9")),
                https: false
            }
        );
        let o = origin(
            Some(ip("192.0.2.9")),
            false,
            &headers(&h),
            &trusted(&["192.0.2.1"]),
        );
        assert_eq!(
            o,
            Origin {
                ip: Some(ip("192.0.2.9")),
                https: false
            }
        );
        // A direct TLS connection is HTTPS whoever the peer is.
        assert!(
            origin(
                Some(ip("192.0.2.9")),
                true,
                &HeaderMap::new(),
                &trusted(&[])
            )
            .https
        );
    }

    #[test]
    fn the_rightmost_address_that_is_not_a_trusted_proxy_is_the_client() {
        let proxies = ["10.0.0.0/8"];
        // The client forged the first entry; the edge proxy appended what it saw.
        let h = [("x-forwarded-for", "203.0.113.66, 198.51.100.7, 10.0.0.3")];
        assert_eq!(client("10.0.0.2", &h, &proxies), Some(ip("198.51.100.7")));
        // Without any header, or from a proxy with nothing to say, the peer.
        assert_eq!(client("10.0.0.2", &[], &proxies), Some(ip("10.0.0.2")));
        // Only trusted proxies: the leftmost.
        let h = [("x-forwarded-for", "10.0.0.5, 10.0.0.3")];
        assert_eq!(client("10.0.0.2", &h, &proxies), Some(ip("10.0.0.5")));
        // Ports and brackets are allowed; IPv4-mapped addresses are shown as IPv4.
        let h = [("x-forwarded-for", "198.51.100.7:5060")];
        assert_eq!(client("10.0.0.2", &h, &proxies), Some(ip("198.51.100.7")));
        let h = [("x-forwarded-for", "[2001:db8::1]:4711")];
        assert_eq!(client("10.0.0.2", &h, &proxies), Some(ip("2001:db8::1")));
        let h = [("x-forwarded-for", "::ffff:198.51.100.7")];
        assert_eq!(client("10.0.0.2", &h, &proxies), Some(ip("198.51.100.7")));
        let h = [("x-forwarded-for", "[2001:db8::2]")];
        assert_eq!(
            client("::ffff:10.0.0.2", &h, &proxies),
            Some(ip("2001:db8::2"))
        );
    }

    #[test]
    fn several_header_lines_are_one_list_in_order() {
        let proxies = ["10.0.0.0/8"];
        let h = [
            ("x-forwarded-for", "203.0.113.66"),
            ("x-forwarded-for", "198.51.100.7, 10.0.0.9"),
        ];
        assert_eq!(client("10.0.0.2", &h, &proxies), Some(ip("198.51.100.7")));
        let h = [
            ("x-forwarded-for", "198.51.100.7"),
            ("x-forwarded-for", "10.0.0.9"),
        ];
        assert_eq!(client("10.0.0.2", &h, &proxies), Some(ip("198.51.100.7")));
        let h = [
            ("forwarded", "for=203.0.113.66"),
            ("forwarded", "for=198.51.100.7;proto=https, for=10.0.0.9"),
        ];
        let o = origin(
            Some(ip("10.0.0.2")),
            false,
            &headers(&h),
            &trusted(&proxies),
        );
        assert_eq!(
            o,
            Origin {
                ip: Some(ip("198.51.100.7")),
                https: true
            }
        );
    }

    #[test]
    fn forwarded_elements_are_parsed_as_rfc_7239_says() {
        let proxies = ["10.0.0.0/8"];
        let cases = [
            (r#"for="[2001:db8::1]:4711""#, Some(ip("2001:db8::1"))),
            (r#"for="[2001:db8::1]""#, Some(ip("2001:db8::1"))),
            (
                "for=192.0.2.60;proto=http;by=203.0.113.43",
                Some(ip("192.0.2.60")),
            ),
            (r#"For="192.0.2.60:8080""#, Some(ip("192.0.2.60"))),
            ("by=10.0.0.1;for=192.0.2.60", Some(ip("192.0.2.60"))),
            // A quoted comma or semicolon does not split.
            (
                r#"for=192.0.2.43;host="a,b;c", for=10.0.0.7"#,
                Some(ip("192.0.2.43")),
            ),
            (
                r#"for=192.0.2.43, for="[2001:db8:cafe::17]:4711""#,
                Some(ip("2001:db8:cafe::17")),
            ),
        ];
        for (value, expected) in cases {
            assert_eq!(
                client("10.0.0.2", &[("forwarded", value)], &proxies),
                expected,
                "{value}"
            );
        }
    }

    #[test]
    fn an_obfuscated_unknown_or_malformed_client_is_the_peer_never_a_forged_entry() {
        let proxies = ["10.0.0.0/8"];
        for h in [
            ("forwarded", "for=198.51.100.1, for=_hidden"),
            ("forwarded", "for=198.51.100.1, for=unknown"),
            ("forwarded", r#"for=198.51.100.1, for="_gazonk:_port""#),
            ("forwarded", "for=198.51.100.1, garbage;;=, for=10.0.0.4"),
            ("forwarded", "for=198.51.100.1, for=\"[2001:db8::1\""),
            ("x-forwarded-for", "198.51.100.1, not-an-address"),
            ("x-forwarded-for", "198.51.100.1, 999.1.1.1"),
            ("x-forwarded-for", "198.51.100.1, unknown, 10.0.0.4"),
            ("x-forwarded-for", "198.51.100.1,,%$#"),
            ("x-forwarded-for", ",,,"),
            ("x-forwarded-for", ""),
        ] {
            assert_eq!(
                client("10.0.0.2", &[h], &proxies),
                Some(ip("10.0.0.2")),
                "{h:?}"
            );
        }
        // A header that is not text is ignored.
        let mut map = HeaderMap::new();
        map.append(
            "x-forwarded-for",
            HeaderValue::from_bytes(b"198.51.100.1\xff").unwrap(),
        );
        let o = origin(Some(ip("10.0.0.2")), false, &map, &trusted(&proxies));
        assert_eq!(o.ip, Some(ip("10.0.0.2")));
    }

    #[test]
    fn x_forwarded_for_wins_over_forwarded() {
        let proxies = ["10.0.0.0/8"];
        let h = [
            ("forwarded", "for=203.0.113.66"),
            ("x-forwarded-for", "198.51.100.7"),
        ];
        assert_eq!(client("10.0.0.2", &h, &proxies), Some(ip("198.51.100.7")));
    }

    #[test]
    fn the_scheme_comes_from_a_trusted_proxy_only() {
        let proxies = trusted(&["10.0.0.2"]);
        let https = |pairs: &[(&'static str, &str)]| {
            origin(Some(ip("10.0.0.2")), false, &headers(pairs), &proxies).https
        };
        assert!(https(&[("x-forwarded-proto", "https")]));
        assert!(https(&[("x-forwarded-proto", "HTTPS")]));
        assert!(!https(&[("x-forwarded-proto", "http")]));
        assert!(!https(&[]));
        // Rightmost: what the nearest proxy says.
        assert!(https(&[("x-forwarded-proto", "http, https")]));
        assert!(!https(&[
            ("x-forwarded-proto", "https"),
            ("x-forwarded-proto", "http")
        ]));
        // `Forwarded`: the proto of the element whose address was chosen.
        assert!(https(&[("forwarded", "for=198.51.100.7;proto=https")]));
        assert!(!https(&[(
            "forwarded",
            "for=198.51.100.7;proto=https, for=198.51.100.8"
        )]));
        // X-Forwarded-Proto wins when both are there.
        assert!(!https(&[
            ("forwarded", "for=198.51.100.7;proto=https"),
            ("x-forwarded-proto", "http"),
        ]));
        let o = origin(
            Some(ip("10.0.0.3")),
            false,
            &headers(&[("x-forwarded-proto", "https")]),
            &proxies,
        );
        assert!(!o.https);
    }

    #[test]
    fn no_peer_address_is_no_client_address() {
        let o = origin(
            None,
            false,
            &headers(&[("x-forwarded-for", "198.51.100.7")]),
            &trusted(&["0.0.0.0/0"]),
        );
        assert_eq!(
            o,
            Origin {
                ip: None,
                https: false
            }
        );
    }
}
