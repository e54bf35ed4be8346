//! What the server process writes before it serves, through the use cases and repositories.
//!
//! - `bench.test`: RS256 JWT issuer; its admin (reads), the user `user` (password, user API
//!   key bound to 127.0.0.1), and `u0000000`, `u0000001`, … up to N accounts in all.
//! - `es.bench.test`: ES256 JWT issuer (a space has one key) and its own user.
//! - `write.bench.test`: the admin whose account creations must not change N.
//!
//! Running it again on the same database keeps what exists and adds the missing accounts.

use anyhow::{Context, anyhow};
use flexiapi_domain::model::{
    Account, Domain, JwtAlgorithm, JwtConfig, NewAccount, PasswordAlgorithm, Username,
};
use flexiapi_domain::service::{CreateSpace, Services};

use crate::server::ChildArgs;

pub const DOMAIN: &str = "bench.test";
pub const ES_DOMAIN: &str = "es.bench.test";
pub const WRITE_DOMAIN: &str = "write.bench.test";
/// A space with a quota (`max_accounts`: its admin and [`LIMIT_FREE`] more), for the
/// scale-out mode's race on the account limit.
pub const LIMIT_DOMAIN: &str = "limit.bench.test";
pub const LIMIT_FREE: u64 = 10;
pub const USER: &str = "user";
pub const PASSWORD: &str = "bench-password";
/// Accounts of the bench space that are not `u…` fillers: its admin and `user`.
pub const NAMED_ACCOUNTS: u64 = 2;
/// Accounts per `insert_accounts` call (one transaction each).
const BATCH: u64 = 50_000;

/// The filler account number `i`.
pub fn filler(i: u64) -> String {
    format!("u{i:07}")
}

pub struct Seeded {
    pub admin_key: String,
    pub write_admin_key: String,
    /// Admin of the space with a quota.
    pub limit_admin_key: String,
    pub user_key: String,
    pub accounts: u64,
}

fn err(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow!("{e}")
}

fn jwt(public_key: String, algorithm: JwtAlgorithm) -> JwtConfig {
    JwtConfig {
        public_key,
        sip_identifier: None,
        algorithms: vec![algorithm],
        issuer: None,
        audience: None,
        leeway_seconds: 5,
        jwt_only: false,
        server_url: None,
        realm: None,
        client_id: None,
    }
}

/// Creates the space, or sets its JWT issuer when it exists.
async fn space(services: &Services, domain: &str, jwt: Option<JwtConfig>) -> anyhow::Result<()> {
    space_with(services, domain, jwt, 0).await
}

/// The space, created or updated; `max_accounts` only applies to a new one (an existing
/// one may hold more accounts already).
async fn space_with(
    services: &Services,
    domain: &str,
    jwt: Option<JwtConfig>,
    max_accounts: i64,
) -> anyhow::Result<()> {
    match services.find_space(domain).await {
        Ok(existing) => {
            let input = CreateSpace {
                jwt,
                ..CreateSpace::from(&existing)
            };
            services.update_space(domain, input).await.map_err(err)?;
        }
        Err(_) => {
            services
                .create_space(CreateSpace {
                    domain: domain.into(),
                    host: domain.into(),
                    jwt,
                    max_accounts,
                    ..CreateSpace::default()
                })
                .await
                .map_err(err)?;
        }
    }
    Ok(())
}

/// An activated, non-admin account with a SHA-256 password, created when missing.
async fn user(services: &Services, name: &str, domain: &str) -> anyhow::Result<Account> {
    let storage = services.storage_for_tests();
    let space = services.find_space(domain).await.map_err(err)?;
    let username = Username::parse(name).map_err(err)?;
    if let Some(existing) = storage
        .account_by_identity(&username, &space.domain)
        .await
        .map_err(err)?
    {
        return Ok(existing);
    }
    let mut new = NewAccount::new(username.clone(), space.domain.clone());
    new.activated = true;
    new.passwords = vec![Services::hash_password(
        &space,
        &username,
        PASSWORD,
        PasswordAlgorithm::Sha256,
    )];
    storage
        .create_account(new, 0, services.now())
        .await
        .map_err(err)
}

pub async fn seed(services: &Services, args: &ChildArgs) -> anyhow::Result<Seeded> {
    let rsa = std::fs::read_to_string(&args.rsa_public).context("RSA public key")?;
    let ec = std::fs::read_to_string(&args.ec_public).context("EC public key")?;
    space(services, DOMAIN, Some(jwt(rsa, JwtAlgorithm::RS256))).await?;
    space(services, ES_DOMAIN, Some(jwt(ec, JwtAlgorithm::ES256))).await?;
    space(services, WRITE_DOMAIN, None).await?;
    let quota = i64::try_from(LIMIT_FREE + 1).map_err(err)?;
    space_with(services, LIMIT_DOMAIN, None, quota).await?;

    for domain in [DOMAIN, WRITE_DOMAIN, LIMIT_DOMAIN] {
        services
            .create_admin("admin", domain, PASSWORD, PasswordAlgorithm::Sha256)
            .await
            .map_err(err)?;
    }
    let admin_key = services
        .create_admin_api_key("admin", DOMAIN)
        .await
        .map_err(err)?;
    let write_admin_key = services
        .create_admin_api_key("admin", WRITE_DOMAIN)
        .await
        .map_err(err)?;
    let limit_admin_key = services
        .create_admin_api_key("admin", LIMIT_DOMAIN)
        .await
        .map_err(err)?;
    let bench_user = user(services, USER, DOMAIN).await?;
    user(services, USER, ES_DOMAIN).await?;
    let user_key = services
        .create_user_api_key(&bench_user, "127.0.0.1")
        .await
        .map_err(err)?;

    let accounts = fill(services, args.accounts).await?;
    Ok(Seeded {
        admin_key,
        write_admin_key,
        limit_admin_key,
        user_key,
        accounts,
    })
}

/// Adds fillers until the bench space holds `target` accounts; returns how many it holds.
async fn fill(services: &Services, target: u64) -> anyhow::Result<u64> {
    let storage = services.storage_for_tests();
    let space = services.find_space(DOMAIN).await.map_err(err)?;
    let domain = Domain::parse(DOMAIN).map_err(err)?;
    let mut count = storage.count_accounts(&domain).await.map_err(err)?;
    let mut reported = count;
    while count < target {
        let first = count - NAMED_ACCOUNTS.min(count);
        let n = BATCH.min(target - count);
        let batch = (first..first + n)
            .map(|i| {
                let username = Username::parse(&filler(i)).map_err(err)?;
                let mut new = NewAccount::new(username.clone(), domain.clone());
                new.activated = true;
                new.passwords = vec![Services::hash_password(
                    &space,
                    &username,
                    PASSWORD,
                    PasswordAlgorithm::Sha256,
                )];
                Ok(new)
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        count += storage
            .insert_accounts(batch, services.now())
            .await
            .map_err(err)?;
        if count - reported >= 100_000 {
            eprintln!("   {count} accounts");
            reported = count;
        }
    }
    Ok(count)
}
