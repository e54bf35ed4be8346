//! Passwords as the SIP server stores them: the digest A1 hash `H(username:realm:password)` in
//! lower-case hex, one row per algorithm. The clear text never leaves the request that sets it.

use std::fmt;
use std::str::FromStr;

use md5::Md5;
use sha2::{Digest, Sha256};
use thiserror::Error;

/// The digest algorithms the original supports. Wire names are `MD5` and `SHA-256`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PasswordAlgorithm {
    Md5,
    Sha256,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown password algorithm")]
pub struct UnknownAlgorithm;

impl PasswordAlgorithm {
    pub const ALL: [PasswordAlgorithm; 2] = [PasswordAlgorithm::Sha256, PasswordAlgorithm::Md5];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Md5 => "MD5",
            Self::Sha256 => "SHA-256",
        }
    }

    /// Higher is stronger: challenges are listed strongest first.
    pub fn strength(self) -> u8 {
        match self {
            Self::Md5 => 1,
            Self::Sha256 => 2,
        }
    }

    /// Length of a hex hash of this algorithm.
    pub fn hex_len(self) -> usize {
        match self {
            Self::Md5 => 32,
            Self::Sha256 => 64,
        }
    }

    /// Lower-case hex of `H(data)`.
    pub fn hex_digest(self, data: &[u8]) -> String {
        match self {
            Self::Md5 => hex::encode(Md5::digest(data)),
            Self::Sha256 => hex::encode(Sha256::digest(data)),
        }
    }
}

impl fmt::Display for PasswordAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PasswordAlgorithm {
    type Err = UnknownAlgorithm;

    /// Exact wire names, as the original validates them (`MD5`, `SHA-256`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "MD5" => Ok(Self::Md5),
            "SHA-256" => Ok(Self::Sha256),
            _ => Err(UnknownAlgorithm),
        }
    }
}

/// A stored password: the algorithm and the hex A1 hash. `Debug` hides the hash.
#[derive(Clone, PartialEq, Eq)]
pub struct Password {
    pub algorithm: PasswordAlgorithm,
    pub hash: String,
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Password")
            .field("algorithm", &self.algorithm)
            .field("hash", &"<redacted>")
            .finish()
    }
}

impl Password {
    /// Hashes a clear-text password into the A1 form the SIP server reads.
    pub fn from_clear(
        algorithm: PasswordAlgorithm,
        username: &str,
        realm: &str,
        clear: &str,
    ) -> Self {
        Self {
            algorithm,
            hash: algorithm.hex_digest(format!("{username}:{realm}:{clear}").as_bytes()),
        }
    }

    /// Whether `clear` hashes to this password, compared in constant time.
    pub fn matches_clear(&self, username: &str, realm: &str, clear: &str) -> bool {
        let candidate = Self::from_clear(self.algorithm, username, realm, clear);
        crate::auth::constant_time_eq(candidate.hash.as_bytes(), self.hash.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a1_hashes_match_rfc_7616_section_3_9_1() {
        let md5 = Password::from_clear(
            PasswordAlgorithm::Md5,
            "Mufasa",
            "http-auth@example.org",
            "Circle of Life",
        );
        assert_eq!(md5.hash, "3d78807defe7de2157e2b0b6573a855f");
        let sha = Password::from_clear(
            PasswordAlgorithm::Sha256,
            "Mufasa",
            "http-auth@example.org",
            "Circle of Life",
        );
        assert_eq!(
            sha.hash,
            "7987c64c30e25f1b74be53f966b49b90f2808aa92faf9a00262392d7b4794232"
        );
        assert!(sha.matches_clear("Mufasa", "http-auth@example.org", "Circle of Life"));
        assert!(!sha.matches_clear("Mufasa", "http-auth@example.org", "circle of life"));
    }

    #[test]
    fn algorithm_names_round_trip_and_are_exact() {
        for alg in PasswordAlgorithm::ALL {
            assert_eq!(alg.as_str().parse::<PasswordAlgorithm>(), Ok(alg));
        }
        assert!("sha-256".parse::<PasswordAlgorithm>().is_err());
        assert!("CLRTXT".parse::<PasswordAlgorithm>().is_err());
    }

    #[test]
    fn debug_output_never_shows_the_hash() {
        let p = Password::from_clear(PasswordAlgorithm::Md5, "a", "b", "c");
        assert!(!format!("{p:?}").contains(&p.hash));
    }
}
