//! The `[turn]` settings: the TURN servers `/accounts/me/services/turn` hands credentials for.
//!
//! ```toml
//! [turn]
//! hosts = ["turn.example.org", "turn2.example.org:3478"]   # or host = "turn.example.org"
//! static_auth_secret = "…"   # coturn's static-auth-secret (use-auth-secret)
//! ttl_minutes = 1440         # the credentials' lifetime; default a day
//! ```

use std::fmt;

use anyhow::bail;
use flexiapi_domain::model::{DEFAULT_TURN_TTL_MINUTES, TurnSettings};
use serde::Deserialize;

/// `[turn]` as written.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TurnFile {
    /// The TURN servers (`host[:port]`), each given a `turn:` and a `turns:` URI.
    pub hosts: Option<Vec<String>>,
    /// One server, as the original's `coturn_server_host`.
    pub host: Option<String>,
    /// The secret the TURN servers check passwords with.
    pub static_auth_secret: Option<String>,
    /// Lifetime of the credentials, in minutes; default 1440.
    pub ttl_minutes: Option<i64>,
}

impl fmt::Debug for TurnFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TurnFile")
            .field("hosts", &self.hosts)
            .field("host", &self.host)
            .field("ttl_minutes", &self.ttl_minutes)
            .finish_non_exhaustive()
    }
}

/// The validated `[turn]`: `None` when absent or naming neither a host nor a secret.
///
/// # Errors
/// `host` and `hosts` together, a host without a secret or the reverse, a bad host, a lifetime
/// out of range.
pub fn turn_settings(file: Option<TurnFile>) -> anyhow::Result<Option<TurnSettings>> {
    let Some(file) = file else {
        return Ok(None);
    };
    let hosts = match (file.host, file.hosts) {
        (Some(_), Some(_)) => bail!("[turn] takes host or hosts, not both"),
        (Some(host), None) => vec![host],
        (None, hosts) => hosts.unwrap_or_default(),
    };
    let secret = file.static_auth_secret.filter(|s| !s.trim().is_empty());
    let ttl_minutes = file.ttl_minutes.unwrap_or(DEFAULT_TURN_TTL_MINUTES);
    let Some(secret) = secret else {
        if hosts.is_empty() {
            // Checked anyway: a value that would be refused once a server is added is refused
            // now.
            if ttl_minutes <= 0 {
                bail!("[turn] ttl_minutes must be positive");
            }
            return Ok(None);
        }
        bail!("[turn] has hosts but no static_auth_secret: credentials could not be checked");
    };
    if hosts.is_empty() {
        bail!("[turn] has a static_auth_secret but no host (host or hosts)");
    }
    TurnSettings::new(&hosts, &secret, ttl_minutes)
        .map(Some)
        .map_err(|e| anyhow::anyhow!("[turn] {e}"))
}

/// A line for the start-up log (never the secret).
pub fn describe(settings: Option<&TurnSettings>) -> String {
    match settings {
        Some(s) => format!(
            "TURN credentials for {} last {} minutes",
            s.hosts()
                .iter()
                .map(|h| h.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            s.ttl().num_minutes()
        ),
        None => "no TURN service configured: /accounts/me/services/turn answers 404".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> anyhow::Result<Option<TurnSettings>> {
        #[derive(Deserialize)]
        struct Wrapper {
            turn: Option<TurnFile>,
        }
        turn_settings(toml::from_str::<Wrapper>(text).unwrap().turn)
    }

    #[test]
    fn hosts_or_one_host_a_secret_and_a_default_lifetime_of_a_day() {
        let s = parse(
            "[turn]\nhosts = [\"turn.example.org\", \"turn2.example.org:3478\"]\n\
             static_auth_secret = \"s3cret\"\n",
        )
        .unwrap()
        .unwrap();
        let hosts: Vec<_> = s.hosts().iter().map(|h| h.as_str()).collect();
        assert_eq!(hosts, ["turn.example.org", "turn2.example.org:3478"]);
        assert_eq!(s.ttl().num_minutes(), 1440);
        let s = parse(
            "[turn]\nhost = \"turn.example.org\"\nstatic_auth_secret = \"s\"\nttl_minutes = 5\n",
        )
        .unwrap()
        .unwrap();
        assert_eq!(s.hosts()[0].as_str(), "turn.example.org");
        assert_eq!(s.ttl().num_minutes(), 5);
    }

    #[test]
    fn absent_or_empty_means_no_turn_service() {
        assert!(parse("").unwrap().is_none());
        assert!(parse("[turn]\n").unwrap().is_none());
        assert!(
            parse("[turn]\nhosts = []\nstatic_auth_secret = \" \"\n")
                .unwrap()
                .is_none()
        );
        assert_eq!(
            describe(None),
            "no TURN service configured: /accounts/me/services/turn answers 404"
        );
    }

    #[test]
    fn partial_or_wrong_settings_fail_with_a_clear_message() {
        for (text, says) in [
            (
                "[turn]\nhost = \"turn.example.org\"\n",
                "no static_auth_secret",
            ),
            (
                "[turn]\nhosts = [\"turn.example.org\"]\nstatic_auth_secret = \"\"\n",
                "no static_auth_secret",
            ),
            ("[turn]\nstatic_auth_secret = \"s\"\n", "no host"),
            (
                "[turn]\nhosts = []\nstatic_auth_secret = \"s\"\n",
                "no host",
            ),
            (
                "[turn]\nhost = \"a.example.org\"\nhosts = [\"b.example.org\"]\n\
                 static_auth_secret = \"s\"\n",
                "not both",
            ),
            (
                "[turn]\nhost = \"turn:turn.example.org\"\nstatic_auth_secret = \"s\"\n",
                "\"turn:turn.example.org\" is not a host",
            ),
            (
                "[turn]\nhost = \"turn.example.org\"\nstatic_auth_secret = \"s\"\nttl_minutes = 0\n",
                "ttl_minutes must be between 1",
            ),
            ("[turn]\nttl_minutes = -1\n", "ttl_minutes must be positive"),
        ] {
            let err = parse(text).unwrap_err().to_string();
            assert!(
                err.starts_with("[turn] ") && err.contains(says),
                "{text}: {err}"
            );
        }
    }

    #[test]
    fn neither_debug_nor_the_log_line_shows_the_secret() {
        let text = "[turn]\nhost = \"turn.example.org\"\nstatic_auth_secret = \"hush-hush-42\"\n";
        #[derive(Debug, Deserialize)]
        struct Wrapper {
            turn: TurnFile,
        }
        let file = toml::from_str::<Wrapper>(text).unwrap();
        assert!(!format!("{file:?}").contains("hush-hush-42"));
        let s = turn_settings(Some(file.turn)).unwrap().unwrap();
        assert!(!format!("{s:?}").contains("hush-hush-42"));
        let line = describe(Some(&s));
        assert_eq!(
            line,
            "TURN credentials for turn.example.org last 1440 minutes"
        );
    }
}
