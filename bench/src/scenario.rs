//! The scenarios of issue #8, by name.

/// One kind of operation, repeated by every connection for the scenario's duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// `GET /api/ping`, public: the ceiling of this server on this machine.
    Ping,
    /// `GET /api/accounts/me` with a stable admin API key.
    MeAdminKey,
    /// `GET /api/accounts/me` with a user API key (bound to 127.0.0.1).
    MeUserKey,
    /// `GET /api/accounts/me` with an RS256 JWT (one token per connection, reused).
    MeJwtRs256,
    /// `GET /api/accounts/me` with an ES256 JWT (one token per connection, reused).
    MeJwtEs256,
    /// `GET /api/accounts/me` with Digest, one nonce per connection reused with `nc` + 1.
    MeDigest,
    /// `GET /api/accounts/me` with a full Digest handshake each time: a 401 for a fresh nonce,
    /// then the answer with `nc=00000001` (two round trips per operation).
    MeDigestHandshake,
    /// `POST /api/accounts` by an admin: one new account per operation.
    CreateAccount,
    /// `GET /api/accounts?page=P` by an admin, P drawn from the first pages.
    ListAccounts,
    /// `GET /api/accounts/{sip}/search` by an admin, for a random one of the N accounts.
    SearchAccount,
    /// `POST /api/statistics/calls` by an admin: a burst of [`CALL_BURST`] call records, each
    /// posted once, as fast as the connections go (a count, not a duration).
    CallBurst,
}

/// The call records of [`Scenario::CallBurst`].
pub const CALL_BURST: u64 = 10_000;

impl Scenario {
    /// In the order they run: writes last, so the lookups see exactly N accounts.
    pub const ALL: [Scenario; 11] = [
        Scenario::Ping,
        Scenario::MeAdminKey,
        Scenario::MeUserKey,
        Scenario::MeJwtRs256,
        Scenario::MeJwtEs256,
        Scenario::MeDigest,
        Scenario::MeDigestHandshake,
        Scenario::ListAccounts,
        Scenario::SearchAccount,
        Scenario::CreateAccount,
        Scenario::CallBurst,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Scenario::Ping => "ping",
            Scenario::MeAdminKey => "me-admin-key",
            Scenario::MeUserKey => "me-user-key",
            Scenario::MeJwtRs256 => "me-jwt-rs256",
            Scenario::MeJwtEs256 => "me-jwt-es256",
            Scenario::MeDigest => "me-digest",
            Scenario::MeDigestHandshake => "me-digest-handshake",
            Scenario::CreateAccount => "create-account",
            Scenario::ListAccounts => "list-accounts",
            Scenario::SearchAccount => "search-account",
            Scenario::CallBurst => "call-burst",
        }
    }

    pub fn from_name(name: &str) -> Option<Scenario> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Paths the floor server serves (`floor`): the same requests, the least work.
    pub fn has_floor(self) -> bool {
        matches!(
            self,
            Scenario::Ping
                | Scenario::MeAdminKey
                | Scenario::MeUserKey
                | Scenario::MeDigest
                | Scenario::MeDigestHandshake
        )
    }

    /// Account lookups, whose cost must not grow with the number of accounts.
    pub fn is_lookup(self) -> bool {
        matches!(self, Scenario::ListAccounts | Scenario::SearchAccount)
    }
}
