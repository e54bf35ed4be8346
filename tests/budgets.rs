//! Budgets kept in storage (issue #14, points 6, 9, 10): a guesser locks out only its own
//! address for an account, with a per-account ceiling across addresses; unauthenticated writes
//! (fresh Digest challenges, auth tokens) are budgeted per address and expired auth tokens are
//! purged; wrong old passwords spend the Digest failure budget.

use std::sync::Arc;

use chrono::{Duration, Utc};
use flexiapi_domain::model::PasswordAlgorithm::Sha256;
use flexiapi_domain::testing::FixedClock;
use serde_json::json as body;

use crate::helpers::{Store, TestApp, challenges, client_from, digest_authorization, json, logs};

const ME: &str = "/api/accounts/me";
const PASSWORD_PATH: &str = "/api/accounts/me/password";
const AUTH_TOKEN: &str = "/api/accounts/auth_token";

/// A client sending from `127.0.0.<last>`.
fn from(last: u8) -> reqwest::Client {
    client_from(Some(format!("127.0.0.{last}").parse().unwrap()))
}

fn get(app: &TestApp, client: &reqwest::Client, path: &str) -> reqwest::RequestBuilder {
    client
        .get(format!("http://127.0.0.1:{}{path}", app.port))
        .header("host", "localhost")
        .header("accept", "application/json")
}

fn post(app: &TestApp, client: &reqwest::Client, path: &str) -> reqwest::RequestBuilder {
    client
        .post(format!("http://127.0.0.1:{}{path}", app.port))
        .header("host", "localhost")
        .header("accept", "application/json")
}

/// A request for `sip:<user>@localhost` without credentials: a fresh challenge (or a refusal).
async fn ask_challenge(app: &TestApp, client: &reqwest::Client, user: &str) -> reqwest::Response {
    get(app, client, ME)
        .header("from", format!("sip:{user}@localhost"))
        .send()
        .await
        .unwrap()
}

/// One Digest round trip (challenge, answer) for `user` with `password` from `client`.
async fn digest_login(
    app: &TestApp,
    client: &reqwest::Client,
    user: &str,
    password: &str,
) -> reqwest::Response {
    let first = ask_challenge(app, client, user).await;
    assert_eq!(first.status(), 401);
    let c = challenges(first.headers()).remove(0);
    get(app, client, ME)
        .header("from", format!("sip:{user}@localhost"))
        .header("accept-language", "fr")
        .header(
            "authorization",
            digest_authorization(&c, user, password, "GET", ME, 1),
        )
        .send()
        .await
        .unwrap()
}

fn retry_after(resp: &reqwest::Response) -> u64 {
    resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

async fn a_guesser_locks_out_its_own_address_not_the_owner(store: Store) {
    // The defaults: 10 per account and address, 1000 per account, 100 per address.
    let app = TestApp::spawn_on(store).await;
    app.account("alice", "localhost", "secret123", &[Sha256], false)
        .await;
    let guesser = from(2);
    let owner = from(3);
    for n in 0..10 {
        let resp = digest_login(&app, &guesser, "alice", "guess").await;
        assert_eq!(resp.status(), 401, "guess {n}");
    }
    // The guesser's address is locked out of alice, even with the right password.
    let locked = digest_login(&app, &guesser, "alice", "secret123").await;
    assert_eq!(locked.status(), 429);
    let retry = retry_after(&locked);
    assert!((1..=300).contains(&retry), "{retry}");
    assert!(locked.headers().get("www-authenticate").is_none());
    assert_eq!(
        json(locked).await["message"],
        format!("Trop de tentatives d'authentification échouées. Réessayez dans {retry} secondes.")
    );
    // The owner, from another address, gets in.
    assert_eq!(
        digest_login(&app, &owner, "alice", "secret123")
            .await
            .status(),
        200
    );
    app.stop().await;
}

async fn distributed_guessing_meets_the_account_ceiling(store: Store) {
    let clock = Arc::new(FixedClock::new(Utc::now()));
    let app = TestApp::spawn_with_config_and_clock(
        store,
        |c| {
            c.auth_failures_per_account = 3;
            c.auth_failures_per_account_total = 6;
            c.auth_failure_window_seconds = 300;
        },
        clock.clone(),
    )
    .await;
    app.account("alice", "localhost", "secret123", &[Sha256], false)
        .await;
    app.account("bob", "localhost", "secret456", &[Sha256], false)
        .await;
    for last in [2, 3] {
        let guesser = from(last);
        for _ in 0..3 {
            assert_eq!(
                digest_login(&app, &guesser, "alice", "guess")
                    .await
                    .status(),
                401
            );
        }
        // Each address meets its own lockout after 3.
        assert_eq!(
            digest_login(&app, &guesser, "alice", "guess")
                .await
                .status(),
            429
        );
    }
    // Six failures from all addresses: alice is locked from everywhere, a fresh address too.
    let fresh = from(4);
    let locked = digest_login(&app, &fresh, "alice", "secret123").await;
    assert_eq!(locked.status(), 429);
    assert!(locked.headers().contains_key("retry-after"));
    // Other accounts are not slowed.
    assert_eq!(
        digest_login(&app, &fresh, "bob", "secret456")
            .await
            .status(),
        200
    );
    clock.advance(Duration::seconds(301));
    assert_eq!(
        digest_login(&app, &fresh, "alice", "secret123")
            .await
            .status(),
        200
    );
    app.stop().await;
}

async fn fresh_digest_challenges_are_budgeted_per_address(store: Store) {
    let clock = Arc::new(FixedClock::new(Utc::now()));
    let app = TestApp::spawn_with_config_and_clock(
        store,
        |c| {
            c.digest_challenges_per_ip = 3;
            c.unauthenticated_window_seconds = 300;
        },
        clock.clone(),
    )
    .await;
    app.account("alice", "localhost", "secret123", &[Sha256], false)
        .await;
    let client = from(2);
    let mut held = None;
    for n in 0..3 {
        let resp = ask_challenge(&app, &client, "alice").await;
        assert_eq!(resp.status(), 401, "challenge {n}");
        held = Some(challenges(resp.headers()).remove(0));
    }
    // No fourth nonce is stored: 429, no challenge, localized.
    let refused = get(&app, &client, ME)
        .header("from", "sip:alice@localhost")
        .header("accept-language", "fr")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 429);
    let retry = retry_after(&refused);
    assert!((1..=300).contains(&retry), "{retry}");
    assert!(refused.headers().get("www-authenticate").is_none());
    assert_eq!(
        json(refused).await["message"],
        format!("Trop de requêtes depuis cette adresse. Réessayez dans {retry} secondes.")
    );
    // Unknown accounts cost the same.
    assert_eq!(ask_challenge(&app, &client, "nobody").await.status(), 429);
    // A client holding a nonce goes on using it: answering a challenge issues none.
    let held = held.unwrap();
    for nc in 1..=3 {
        let resp = get(&app, &client, ME)
            .header("from", "sip:alice@localhost")
            .header(
                "authorization",
                digest_authorization(&held, "alice", "secret123", "GET", ME, nc),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "nc {nc}");
    }
    // Another address has its own budget.
    assert_eq!(ask_challenge(&app, &from(3), "alice").await.status(), 401);
    clock.advance(Duration::seconds(301));
    assert_eq!(ask_challenge(&app, &client, "alice").await.status(), 401);
    app.stop().await;
}

async fn auth_token_creations_are_budgeted_per_address(store: Store) {
    let clock = Arc::new(FixedClock::new(Utc::now()));
    let app = TestApp::spawn_with_config_and_clock(
        store,
        |c| {
            c.auth_tokens_per_ip = 3;
            c.unauthenticated_window_seconds = 300;
        },
        clock.clone(),
    )
    .await;
    let client = from(2);
    for n in 0..3 {
        let resp = post(&app, &client, AUTH_TOKEN).send().await.unwrap();
        assert_eq!(resp.status(), 201, "token {n}");
    }
    let refused = post(&app, &client, AUTH_TOKEN)
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 429);
    assert_eq!(retry_after(&refused), 300);
    assert_eq!(
        json(refused).await["message"],
        "Too many requests from this address. Try again in 300 seconds."
    );
    assert_eq!(
        post(&app, &from(3), AUTH_TOKEN)
            .send()
            .await
            .unwrap()
            .status(),
        201
    );
    clock.advance(Duration::seconds(301));
    assert_eq!(
        post(&app, &client, AUTH_TOKEN)
            .send()
            .await
            .unwrap()
            .status(),
        201
    );
    app.stop().await;
}

async fn expired_auth_tokens_are_purged(store: Store) {
    let clock = Arc::new(FixedClock::new(Utc::now()));
    let app = TestApp::spawn_with_clock(store, clock.clone()).await;
    let create = || async {
        let resp = app
            .request(reqwest::Method::POST, "localhost", AUTH_TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201);
        json(resp).await["token"].as_str().unwrap().to_owned()
    };
    let localhost = flexiapi_domain::model::Domain::parse("localhost").unwrap();
    let old = [create().await, create().await];
    clock.advance(Duration::minutes(5) + Duration::seconds(1));
    let fresh = create().await;
    // The periodic purge (every minute in `serve`) calls this.
    assert_eq!(app.services.purge_expired_auth_tokens().await.unwrap(), 2);
    for token in &old {
        assert!(
            app.services
                .storage_for_tests()
                .auth_token(token, &localhost)
                .await
                .unwrap()
                .is_none()
        );
    }
    assert!(
        app.services
            .storage_for_tests()
            .auth_token(&fresh, &localhost)
            .await
            .unwrap()
            .is_some()
    );
    app.stop().await;
}

async fn wrong_old_passwords_spend_the_digest_budget(store: Store) {
    let app = TestApp::spawn_with(store, |c| {
        c.auth_failures_per_account = 3;
        c.auth_failure_window_seconds = 300;
    })
    .await;
    app.account("alice", "localhost", "secret123", &[Sha256], false)
        .await;
    let key = app.admin_key_for("alice", "localhost").await;
    let change = |client: reqwest::Client, old: &'static str, new: &'static str| {
        let app = &app;
        let key = key.clone();
        async move {
            post(app, &client, PASSWORD_PATH)
                .header("x-api-key", key)
                .header("accept-language", "en")
                .json(&body!({"old_password": old, "password": new}))
                .send()
                .await
                .unwrap()
        }
    };
    logs::secret("newsecret1");
    logs::secret("newsecret2");
    for n in 0..3 {
        let resp = change(from(2), "guess!", "newsecret1").await;
        assert_eq!(resp.status(), 422, "guess {n}");
    }
    // The budget is spent: the right old password is refused too, no oracle.
    let locked = change(from(2), "secret123", "newsecret1").await;
    assert_eq!(locked.status(), 429);
    let retry = retry_after(&locked);
    assert!((1..=300).contains(&retry), "{retry}");
    assert_eq!(
        json(locked).await["message"],
        format!("Too many failed authentication attempts. Try again in {retry} seconds.")
    );
    // One budget with Digest: alice is locked out of Digest from that address as well.
    assert_eq!(
        digest_login(&app, &from(2), "alice", "secret123")
            .await
            .status(),
        429
    );
    // From another address, the owner changes the password.
    let ok = change(from(3), "secret123", "newsecret2").await;
    assert_eq!(ok.status(), 200);
    assert_eq!(
        digest_login(&app, &from(3), "alice", "newsecret2")
            .await
            .status(),
        200
    );
    app.stop().await;
}

async fn digest_failures_lock_the_password_change_too(store: Store) {
    let app = TestApp::spawn_with(store, |c| c.auth_failures_per_account = 2).await;
    app.account("alice", "localhost", "secret123", &[Sha256], false)
        .await;
    let key = app.admin_key_for("alice", "localhost").await;
    for _ in 0..2 {
        assert_eq!(
            digest_login(&app, &from(2), "alice", "guess")
                .await
                .status(),
            401
        );
    }
    let resp = post(&app, &from(2), PASSWORD_PATH)
        .header("x-api-key", key)
        .json(&body!({"old_password": "secret123", "password": "newsecret1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    assert!(resp.headers().contains_key("retry-after"));
    app.stop().await;
}

async fn zero_budgets_mean_no_limit(store: Store) {
    let app = TestApp::spawn_with(store, |c| {
        c.auth_tokens_per_ip = 0;
        c.digest_challenges_per_ip = 0;
    })
    .await;
    // One past the default of 30.
    for n in 0..31 {
        let resp = app
            .request(reqwest::Method::POST, "localhost", AUTH_TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201, "token {n}");
    }
    app.stop().await;
}

crate::on_memory_and_sqlite!(
    a_guesser_locks_out_its_own_address_not_the_owner,
    distributed_guessing_meets_the_account_ceiling,
    fresh_digest_challenges_are_budgeted_per_address,
    auth_token_creations_are_budgeted_per_address,
    expired_auth_tokens_are_purged,
    wrong_old_passwords_spend_the_digest_budget,
    digest_failures_lock_the_password_change_too,
    zero_budgets_mean_no_limit,
);
