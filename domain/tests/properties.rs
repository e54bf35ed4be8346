//! Property tests of what clients send: SIP identities, and the Digest round trip through the
//! real [`Authenticator`] (on the in-memory storage). The fuzz targets in `fuzz/` check the same
//! parsers on arbitrary bytes; these check that well-formed input is understood.

use proptest::prelude::*;

use flexiapi_domain::model::{Domain, SipIdentity, Username};

/// RFC 3261 user characters, as `Username::parse` documents them.
fn username() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9_.!~*'()%&=+$,;?/-]{1,64}"
}

/// Host names of one to four labels, in any case.
fn domain() -> impl Strategy<Value = String> {
    prop::collection::vec("[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?", 1..5)
        .prop_map(|labels| labels.join("."))
        .prop_filter("at most 253 characters", |d| d.len() <= 253)
}

/// Every byte but ASCII letters and digits as `%XX`, as a client escapes a `From` header.
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

/// Whatever a parser accepted is written `sip:user@domain` and read back the same by all three.
fn reads_back(id: &SipIdentity) -> Result<(), TestCaseError> {
    let uri = id.to_string();
    prop_assert_eq!(SipIdentity::parse(&uri), Ok(id.clone()), "{}", uri);
    let bare = format!("{}@{}", id.username, id.domain);
    prop_assert_eq!(
        SipIdentity::parse_user_at_domain(&bare),
        Ok(id.clone()),
        "{}",
        bare
    );
    let from = format!("sip:{}@{}", percent_encode(id.username.as_str()), id.domain);
    prop_assert_eq!(
        SipIdentity::parse_from_header(&from),
        Ok(id.clone()),
        "{}",
        from
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_valid_identity_reads_back_in_every_form_clients_write_it(
        user in username(),
        host in domain(),
        sips in any::<bool>(),
        port in prop::option::of(1u16..),
        params in prop::option::of("(;[a-z]{1,8}=[a-z0-9]{1,8}){1,3}"),
        headers in prop::option::of("\\?[a-z]{1,8}=[a-z0-9?/]{0,8}"),
    ) {
        let username = Username::parse(&user).expect("an RFC 3261 user part");
        let domain = Domain::parse(&host).expect("a host name");
        prop_assert_eq!(domain.as_str(), host.to_ascii_lowercase());
        let id = SipIdentity::new(username, domain);
        prop_assert_eq!(id.to_string(), format!("sip:{user}@{}", host.to_ascii_lowercase()));
        reads_back(&id)?;

        // Scheme in any case, port, URI parameters and headers are all ignored.
        let scheme = if sips { "SIPS" } else { "Sip" };
        let port = port.map(|p| format!(":{p}")).unwrap_or_default();
        let uri = format!(
            "{scheme}:{user}@{host}{port}{}{}",
            params.unwrap_or_default(),
            headers.unwrap_or_default()
        );
        prop_assert_eq!(SipIdentity::parse(&uri), Ok(id.clone()), "{}", uri);
        let from = format!("sip:{}@{host}{port};tag=a48s", percent_encode(&user));
        prop_assert_eq!(SipIdentity::parse_from_header(&from), Ok(id), "{}", from);
    }

    #[test]
    fn the_parsers_never_panic_and_what_they_accept_reads_back(
        text in prop_oneof![
            any::<String>(),
            // Mostly SIP-shaped text, to get past the scheme.
            "(sips?:|SIP:)?[a-z0-9%@:;?=.+<>_-]{0,40}",
        ],
    ) {
        let parsed = [
            SipIdentity::parse(&text),
            SipIdentity::parse_user_at_domain(&text),
            SipIdentity::parse_from_header(&text),
        ];
        for id in parsed.iter().flatten() {
            reads_back(id)?;
        }
        if let Ok(username) = Username::parse(&text) {
            prop_assert_eq!(Username::parse(username.as_str()), Ok(username));
        }
        if let Ok(domain) = Domain::parse(&text) {
            prop_assert_eq!(Domain::parse(domain.as_str()), Ok(domain));
        }
    }
}

/// Digest (RFC 7616) from the client's side, written from the RFC, not from the server's code.
mod digest_client {
    use md5::{Digest as _, Md5};
    use sha2::Sha256;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Algorithm {
        Md5,
        Sha256,
    }

    impl Algorithm {
        pub fn name(self) -> &'static str {
            match self {
                Self::Md5 => "MD5",
                Self::Sha256 => "SHA-256",
            }
        }

        /// `H(data)`, lower-case hex (RFC 7616 section 3.4).
        pub fn h(self, data: &str) -> String {
            match self {
                Self::Md5 => hex::encode(Md5::digest(data.as_bytes())),
                Self::Sha256 => hex::encode(Sha256::digest(data.as_bytes())),
            }
        }
    }

    /// The fields a client puts in `Authorization`.
    #[derive(Debug, Clone)]
    pub struct Answer {
        pub algorithm: Algorithm,
        pub username: String,
        pub realm: String,
        pub nonce: String,
        pub uri: String,
        pub qop: String,
        pub nc: String,
        pub cnonce: String,
        pub opaque: String,
        pub response: String,
    }

    impl Answer {
        /// RFC 7616 section 3.4.1 with `qop=auth`:
        /// `response = KD(H(A1), nonce:nc:cnonce:qop:H(A2))`, `A1 = username:realm:password`,
        /// `A2 = method:uri`, `KD(secret, data) = H(secret:data)`.
        #[allow(clippy::too_many_arguments)]
        pub fn compute(
            algorithm: Algorithm,
            username: &str,
            realm: &str,
            password: &str,
            method: &str,
            uri: &str,
            nonce: &str,
            opaque: &str,
            nc: u32,
            cnonce: &str,
        ) -> Self {
            let nc = format!("{nc:08x}");
            let ha1 = algorithm.h(&format!("{username}:{realm}:{password}"));
            let ha2 = algorithm.h(&format!("{method}:{uri}"));
            let response = algorithm.h(&format!("{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}"));
            Self {
                algorithm,
                username: username.into(),
                realm: realm.into(),
                nonce: nonce.into(),
                uri: uri.into(),
                qop: "auth".into(),
                nc,
                cnonce: cnonce.into(),
                opaque: opaque.into(),
                response,
            }
        }

        /// The header as curl writes it (`qop`, `nc` and `algorithm` bare), or with every value
        /// quoted as python-requests writes `algorithm`.
        pub fn header(&self, all_quoted: bool) -> String {
            let q = |v: &str| format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""));
            let token = |v: &str| if all_quoted { q(v) } else { v.to_owned() };
            format!(
                "Digest username={}, realm={}, nonce={}, uri={}, cnonce={}, nc={}, qop={}, \
                 response={}, opaque={}, algorithm={}",
                q(&self.username),
                q(&self.realm),
                q(&self.nonce),
                q(&self.uri),
                q(&self.cnonce),
                token(&self.nc),
                token(&self.qop),
                q(&self.response),
                q(&self.opaque),
                token(self.algorithm.name()),
            )
        }
    }
}

mod digest_round_trip {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    use chrono::{DateTime, TimeZone, Utc};
    use flexiapi_adapters_memory::MemoryStorage;
    use flexiapi_domain::auth::{
        AuthError, AuthMode, AuthSettings, Authenticator, Credentials, RequestContext,
    };
    use flexiapi_domain::model::{
        DigestConfig, Domain, NewAccount, NewSpace, Password, PasswordAlgorithm, Space,
        SpaceSettings, Username,
    };
    use flexiapi_domain::ports::{AccountRepository, Clock, SpaceRepository, TokenSource};
    use proptest::prelude::*;

    use super::digest_client::{Algorithm, Answer};
    use super::percent_encode;

    struct Fixed(DateTime<Utc>);

    impl Clock for Fixed {
        fn now(&self) -> DateTime<Utc> {
            self.0
        }
    }

    /// Nonces and opaques that differ on every call, starting from a seed the test draws.
    struct Seeded(u64, AtomicU64);

    impl TokenSource for Seeded {
        fn alphanumeric(&self, len: usize) -> String {
            self.hex(len).chars().take(len).collect()
        }

        fn hex(&self, bytes: usize) -> String {
            let n = self.1.fetch_add(1, Ordering::Relaxed);
            format!("{:0>width$x}{n:x}", self.0, width = bytes * 2 - 4)
        }
    }

    #[derive(Debug)]
    struct Case {
        username: String,
        domain: String,
        realm: Option<String>,
        password: String,
        algorithm: Algorithm,
        method: &'static str,
        uri: String,
        seed: u64,
        cnonce: String,
        nc: u32,
        all_quoted: bool,
    }

    fn case() -> impl Strategy<Value = Case> {
        (
            (
                super::username(),
                super::domain(),
                // Printable ASCII without `"` and `\`, which challenges drop.
                prop::option::of("[ !#-\\[\\]-~]{1,30}"),
                ".{0,20}",
                prop_oneof![Just(Algorithm::Md5), Just(Algorithm::Sha256)],
                prop::sample::select(vec!["GET", "POST", "PUT", "DELETE", "PATCH"]),
            ),
            (
                "/api/[!-~]{0,40}",
                any::<u64>(),
                "[A-Za-z0-9+/=]{1,44}",
                1u32..u32::MAX,
                any::<bool>(),
            ),
        )
            .prop_map(
                |(
                    (username, domain, realm, password, algorithm, method),
                    (uri, seed, cnonce, nc, all_quoted),
                )| Case {
                    username,
                    domain,
                    realm,
                    password,
                    algorithm,
                    method,
                    uri,
                    seed,
                    cnonce,
                    nc,
                    all_quoted,
                },
            )
    }

    /// Stores the space and an account with passwords of both algorithms, as the API creates
    /// them.
    async fn setup(c: &Case) -> (Authenticator, Space) {
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let storage = Arc::new(MemoryStorage::default());
        let domain = Domain::parse(&c.domain).unwrap();
        let space = storage
            .create_space(
                NewSpace {
                    domain: domain.clone(),
                    host: domain.as_str().into(),
                    name: domain.as_str().into(),
                    super_space: false,
                    max_accounts: 0,
                    expire_at: None,
                    digest: DigestConfig {
                        realm: c.realm.clone(),
                        default_password_algorithm: PasswordAlgorithm::Sha256,
                    },
                    jwt: None,
                    settings: SpaceSettings::default(),
                },
                now,
            )
            .await
            .unwrap();
        let mut account = NewAccount::new(Username::parse(&c.username).unwrap(), domain);
        account.activated = true;
        account.passwords = PasswordAlgorithm::ALL
            .into_iter()
            .map(|a| Password::from_clear(a, &c.username, space.realm(), &c.password))
            .collect();
        storage.create_account(account, 0, now).await.unwrap();
        let auth = Authenticator::new(
            storage,
            Arc::new(Fixed(now)),
            Arc::new(Seeded(c.seed, AtomicU64::new(0))),
            // Each case sends a dozen wrong answers on purpose: no brute-force budget here.
            AuthSettings {
                failures: flexiapi_domain::auth::FailureBudget {
                    per_account: 0,
                    per_ip: 0,
                    ..Default::default()
                },
                ..AuthSettings::default()
            },
        );
        (auth, space)
    }

    fn run(c: &Case) -> Result<(), TestCaseError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async {
            let (auth, space) = setup(c).await;
            let from = Some(format!("sip:{}@{}", percent_encode(&c.username), c.domain));
            let attempt = |authorization: Option<String>, method: &'static str, uri: String| {
                let auth = auth.clone();
                let space = std::sync::Arc::new(space.clone());
                let from = from.clone();
                async move {
                    let ctx = RequestContext {
                        method,
                        uri: &uri,
                        ip: "192.0.2.1",
                        space: &space,
                    };
                    let credentials = Credentials::Digest {
                        from,
                        authorization,
                    };
                    auth.authenticate(credentials, AuthMode::User, &ctx).await
                }
            };

            // The first request has no Authorization: it gets one challenge per algorithm.
            let Err(AuthError::Unauthenticated { challenges }) =
                attempt(None, c.method, c.uri.clone()).await
            else {
                return Err(TestCaseError::fail("expected a challenge"));
            };
            let challenge = challenges
                .iter()
                .find(|ch| ch.algorithm.as_str() == c.algorithm.name())
                .expect("a challenge for each stored algorithm");
            let answer = Answer::compute(
                c.algorithm,
                &c.username,
                &challenge.realm,
                &c.password,
                c.method,
                &c.uri,
                &challenge.nonce,
                &challenge.opaque,
                c.nc,
                &c.cnonce,
            );

            // Every single-field change is refused, and does not spend the nonce.
            let other = match c.algorithm {
                Algorithm::Md5 => Algorithm::Sha256,
                Algorithm::Sha256 => Algorithm::Md5,
            };
            let mut flipped = answer.response.clone().into_bytes();
            flipped[0] = if flipped[0] == b'0' { b'1' } else { b'0' };
            let altered: Vec<(&str, Answer)> = vec![
                (
                    "username",
                    Answer {
                        username: format!("{}x", answer.username),
                        ..answer.clone()
                    },
                ),
                (
                    "realm",
                    Answer {
                        realm: format!("{}x", answer.realm),
                        ..answer.clone()
                    },
                ),
                (
                    "nonce",
                    Answer {
                        nonce: format!("{}0", answer.nonce),
                        ..answer.clone()
                    },
                ),
                (
                    "uri",
                    Answer {
                        uri: format!("{}x", answer.uri),
                        ..answer.clone()
                    },
                ),
                (
                    "cnonce",
                    Answer {
                        cnonce: format!("{}x", answer.cnonce),
                        ..answer.clone()
                    },
                ),
                (
                    "nc",
                    Answer {
                        nc: format!("{:08x}", c.nc + 1),
                        ..answer.clone()
                    },
                ),
                (
                    "qop",
                    Answer {
                        qop: "auth-int".into(),
                        ..answer.clone()
                    },
                ),
                (
                    "opaque",
                    Answer {
                        opaque: format!("{}0", answer.opaque),
                        ..answer.clone()
                    },
                ),
                (
                    "algorithm",
                    Answer {
                        algorithm: other,
                        ..answer.clone()
                    },
                ),
                (
                    "response",
                    Answer {
                        response: String::from_utf8(flipped).unwrap(),
                        ..answer.clone()
                    },
                ),
                (
                    "password",
                    Answer::compute(
                        c.algorithm,
                        &c.username,
                        &challenge.realm,
                        &format!("{}x", c.password),
                        c.method,
                        &c.uri,
                        &challenge.nonce,
                        &challenge.opaque,
                        c.nc,
                        &c.cnonce,
                    ),
                ),
            ];
            for (field, changed) in altered {
                let outcome =
                    attempt(Some(changed.header(c.all_quoted)), c.method, c.uri.clone()).await;
                prop_assert!(outcome.is_err(), "altered {} was accepted", field);
            }
            // The same header sent for another method or another URI.
            let header = answer.header(c.all_quoted);
            let method = if c.method == "GET" { "POST" } else { "GET" };
            let other_method = attempt(Some(header.clone()), method, c.uri.clone()).await;
            prop_assert!(other_method.is_err(), "accepted for another method");
            let other_uri = attempt(Some(header.clone()), c.method, c.uri.clone() + "x").await;
            prop_assert!(other_uri.is_err(), "accepted for another URI");

            let accepted = attempt(Some(header.clone()), c.method, c.uri.clone())
                .await
                .map_err(|e| TestCaseError::fail(format!("refused: {e:?}\n{header}")))?;
            prop_assert_eq!(accepted.account.username.as_str(), c.username.as_str());
            // Replayed, with the same nc, it is refused.
            let replayed = attempt(Some(header), c.method, c.uri.clone()).await;
            prop_assert!(
                matches!(replayed, Err(AuthError::NonceReplayed { .. })),
                "replay: {:?}",
                replayed.map(|a| a.account.username)
            );
            Ok(())
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn a_client_response_is_accepted_and_any_altered_field_refused(c in case()) {
            run(&c)?;
        }
    }
}
