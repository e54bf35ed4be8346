//! TURN relays' REST credentials, by coturn's `use-auth-secret` rule: a TURN server that shares
//! the static secret checks them itself (the username carries the expiry, the password is its
//! HMAC), so nothing is stored and nothing is asked of us when a client allocates.

use std::net::Ipv6Addr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

use super::is_mail_host;

/// Random characters after the expiry in a username, as the original.
pub const TURN_RANDOM_LENGTH: usize = 16;
/// The original's default lifetime: a day.
pub const DEFAULT_TURN_TTL_MINUTES: i64 = 1440;
/// Longest lifetime: a year. Credentials are meant to expire; this also keeps the expiry far
/// from any arithmetic limit.
pub const MAX_TURN_TTL_MINUTES: i64 = 525_600;

/// Why TURN settings are refused (at start: the operator reads these).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TurnSettingsError {
    #[error("needs at least one host")]
    NoHost,
    #[error(
        "host {0:?} is not a host name or address with an optional port \
         (turn.example.org, turn.example.org:3478, 192.0.2.1:3478, [2001:db8::1]:3478)"
    )]
    BadHost(String),
    #[error("static_auth_secret is empty")]
    NoSecret,
    #[error("ttl_minutes must be between 1 and {MAX_TURN_TTL_MINUTES} (a year), not {0}")]
    Ttl(i64),
}

/// Where clients reach a TURN server: a host name or IP address (IPv6 in brackets), with an
/// optional port; what follows `turn:` in a TURN URI (RFC 7065).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TurnHost(String);

impl TurnHost {
    /// # Errors
    /// `BadHost`: not a name or address, a bare IPv6 address (ambiguous with a port), a port
    /// out of 1..=65535, or anything else (a scheme, a path, spaces).
    pub fn parse(raw: &str) -> Result<Self, TurnSettingsError> {
        let bad = || TurnSettingsError::BadHost(raw.to_owned());
        let (host, port) = if let Some(rest) = raw.strip_prefix('[') {
            let (address, after) = rest.split_once(']').ok_or_else(bad)?;
            address.parse::<Ipv6Addr>().map_err(|_| bad())?;
            match after {
                "" => (None, None),
                _ => (None, Some(after.strip_prefix(':').ok_or_else(bad)?)),
            }
        } else {
            match raw.split_once(':') {
                Some((name, port)) => (Some(name), Some(port)),
                None => (Some(raw), None),
            }
        };
        if let Some(name) = host
            && (name.contains(':') || !is_mail_host(name))
        {
            return Err(bad());
        }
        if let Some(port) = port
            && !(port.bytes().all(|b| b.is_ascii_digit())
                && port.parse::<u16>().is_ok_and(|p| p > 0))
        {
            return Err(bad());
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The `[turn]` settings: the servers clients are sent to, the secret they share with us, and
/// how long credentials last.
#[derive(Clone)]
pub struct TurnSettings {
    hosts: Vec<TurnHost>,
    /// HMAC-SHA1 keyed with the static secret, cloned for each username: the secret itself is
    /// not kept.
    mac: Hmac<Sha1>,
    ttl_minutes: i64,
}

impl std::fmt::Debug for TurnSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TurnSettings")
            .field("hosts", &self.hosts)
            .field("static_auth_secret", &"<hidden>")
            .field("ttl_minutes", &self.ttl_minutes)
            .finish()
    }
}

impl TurnSettings {
    /// # Errors
    /// No host, a bad host, an empty secret, a lifetime out of 1..=[`MAX_TURN_TTL_MINUTES`].
    pub fn new(
        hosts: &[String],
        static_auth_secret: &str,
        ttl_minutes: i64,
    ) -> Result<Self, TurnSettingsError> {
        if hosts.is_empty() {
            return Err(TurnSettingsError::NoHost);
        }
        let hosts = hosts
            .iter()
            .map(|h| TurnHost::parse(h))
            .collect::<Result<Vec<_>, _>>()?;
        // Taken as written, spaces included: coturn keys its HMAC with the same bytes.
        if static_auth_secret.is_empty() {
            return Err(TurnSettingsError::NoSecret);
        }
        if !(1..=MAX_TURN_TTL_MINUTES).contains(&ttl_minutes) {
            return Err(TurnSettingsError::Ttl(ttl_minutes));
        }
        // HMAC takes keys of any length; the error exists only for fixed-size MACs.
        let mac = Hmac::<Sha1>::new_from_slice(static_auth_secret.as_bytes())
            .map_err(|_| TurnSettingsError::NoSecret)?;
        Ok(Self {
            hosts,
            mac,
            ttl_minutes,
        })
    }

    pub fn hosts(&self) -> &[TurnHost] {
        &self.hosts
    }

    pub fn ttl(&self) -> Duration {
        Duration::minutes(self.ttl_minutes)
    }

    /// Credentials valid from `now` for [`TurnSettings::ttl`]: username `<unix expiry>:<random>`,
    /// password base64(HMAC-SHA1(secret, username)), and a `turn:` and a `turns:` URI per host.
    pub fn credentials(&self, now: DateTime<Utc>, random: &str) -> TurnCredentials {
        let ttl = self.ttl();
        let username = format!("{}:{random}", (now + ttl).timestamp());
        let mut mac = self.mac.clone();
        mac.update(username.as_bytes());
        let password = STANDARD.encode(mac.finalize().into_bytes());
        TurnCredentials {
            username,
            password,
            ttl_seconds: ttl.num_seconds(),
            uris: self
                .hosts
                .iter()
                .flat_map(|h| [format!("turn:{}", h.0), format!("turns:{}", h.0)])
                .collect(),
        }
    }
}

/// What a client gives a TURN server to allocate a relay.
#[derive(Clone, PartialEq, Eq)]
pub struct TurnCredentials {
    pub username: String,
    pub password: String,
    pub ttl_seconds: i64,
    pub uris: Vec<String>,
}

impl std::fmt::Debug for TurnCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TurnCredentials")
            .field("username", &self.username)
            .field("password", &"<hidden>")
            .field("ttl_seconds", &self.ttl_seconds)
            .field("uris", &self.uris)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn settings(hosts: &[&str], secret: &str, ttl_minutes: i64) -> TurnSettings {
        let hosts: Vec<String> = hosts.iter().map(|h| (*h).to_owned()).collect();
        TurnSettings::new(&hosts, secret, ttl_minutes).unwrap()
    }

    #[test]
    fn the_username_is_the_expiry_and_the_random_part() {
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 11, 0, 0).unwrap();
        let c =
            settings(&["turn.example.org"], "north-wind", 60).credentials(now, "abcdefghijklmnop");
        // 2026-03-01T12:00:00Z, an hour later.
        assert_eq!(c.username, "1772366400:abcdefghijklmnop");
        assert_eq!(c.ttl_seconds, 3600);
        // Python's base64(hmac.new(b"north-wind", username, sha1).digest()).
        assert_eq!(c.password, "+jL8/8F7oetUvijnRquwwGXTEHw=");
    }

    #[test]
    fn the_password_is_hmac_sha1_of_the_username_in_base64() {
        // RFC 2202, test case 2: effcdf6ae5eb2fa2d27416d5f184df9c259a7c79.
        let s = settings(&["turn.example.org"], "Jefe", 1);
        let mut mac = s.mac.clone();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            STANDARD.encode(mac.finalize().into_bytes()),
            "7/zfauXrL6LSdBbV8YTfnCWafHk="
        );
        // Keyed once, cloned per username: two usernames do not mix.
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 11, 0, 0).unwrap();
        let a = s.credentials(now, "a");
        let b = s.credentials(now, "b");
        assert_ne!(a.password, b.password);
        assert_eq!(a, s.credentials(now, "a"));
    }

    #[test]
    fn each_host_gets_a_turn_and_a_turns_uri_in_order() {
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 11, 0, 0).unwrap();
        let c = settings(
            &[
                "turn.example.org",
                "turn2.example.org:3478",
                "[2001:db8::1]:3478",
            ],
            "s",
            DEFAULT_TURN_TTL_MINUTES,
        )
        .credentials(now, "r");
        assert_eq!(
            c.uris,
            [
                "turn:turn.example.org",
                "turns:turn.example.org",
                "turn:turn2.example.org:3478",
                "turns:turn2.example.org:3478",
                "turn:[2001:db8::1]:3478",
                "turns:[2001:db8::1]:3478",
            ]
        );
        assert_eq!(c.ttl_seconds, 86_400);
    }

    #[test]
    fn hosts_are_names_or_addresses_with_an_optional_port() {
        for good in [
            "turn.example.org",
            "turn.example.org:3478",
            "localhost",
            "127.0.0.1:65535",
            "[::1]",
            "[2001:db8::1]:5349",
        ] {
            assert_eq!(TurnHost::parse(good).unwrap().as_str(), good);
        }
        for bad in [
            "",
            "turn:turn.example.org",
            "turn.example.org:",
            "turn.example.org:0",
            "turn.example.org:65536",
            "turn.example.org:+1",
            "turn.example.org:3478:1",
            "::1",
            "[::1]3478",
            "[turn.example.org]",
            "turn example.org",
            "turn.example.org/path",
            "user@turn.example.org",
        ] {
            assert_eq!(
                TurnHost::parse(bad),
                Err(TurnSettingsError::BadHost(bad.to_owned())),
                "{bad}"
            );
        }
    }

    #[test]
    fn settings_need_hosts_a_secret_and_a_lifetime_of_at_most_a_year() {
        let hosts = ["turn.example.org".to_owned()];
        assert_eq!(
            TurnSettings::new(&[], "s", 1).unwrap_err(),
            TurnSettingsError::NoHost
        );
        assert_eq!(
            TurnSettings::new(&hosts, "", 1).unwrap_err(),
            TurnSettingsError::NoSecret
        );
        for ttl in [0, -1, MAX_TURN_TTL_MINUTES + 1] {
            assert_eq!(
                TurnSettings::new(&hosts, "s", ttl).unwrap_err(),
                TurnSettingsError::Ttl(ttl)
            );
        }
        assert!(TurnSettings::new(&hosts, "s", MAX_TURN_TTL_MINUTES).is_ok());
    }

    #[test]
    fn debug_hides_the_secret_and_the_password() {
        let s = settings(&["turn.example.org"], "very-secret-value", 1);
        let shown = format!("{s:?}");
        assert!(shown.contains("turn.example.org") && shown.contains("<hidden>"));
        assert!(!shown.contains("very-secret-value"), "{shown}");
        let c = s.credentials(Utc::now(), "r");
        let shown = format!("{c:?}");
        assert!(!shown.contains(&c.password), "{shown}");
        assert!(shown.contains(&c.username));
    }
}
