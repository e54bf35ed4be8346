//! Brute force: failed authentications beyond a budget within a window answer 429 with
//! `Retry-After`, for the account and for the address, until the window has passed.

use std::sync::Arc;

use chrono::{Duration, Utc};
use flexiapi_domain::model::PasswordAlgorithm::Sha256;
use flexiapi_domain::testing::FixedClock;

use crate::helpers::{Store, TestApp, challenges, digest_authorization, json};

const ME: &str = "/api/accounts/me";

async fn budgeted(store: Store, clock: Arc<FixedClock>) -> TestApp {
    TestApp::spawn_with_config_and_clock(
        store,
        |c| {
            c.auth_failures_per_account = 3;
            c.auth_failures_per_ip = 6;
            c.auth_failure_window_seconds = 300;
        },
        clock,
    )
    .await
}

/// One Digest round trip (challenge, answer) for `user` with `password`.
async fn digest_login(app: &TestApp, user: &str, password: &str, lang: &str) -> reqwest::Response {
    let from = format!("sip:{user}@localhost");
    let first = app
        .get("localhost", ME)
        .header("from", &from)
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 401);
    let c = challenges(first.headers()).remove(0);
    app.get("localhost", ME)
        .header("from", &from)
        .header("accept-language", lang)
        .header(
            "authorization",
            digest_authorization(&c, user, password, "GET", ME, 1),
        )
        .send()
        .await
        .unwrap()
}

async fn wrong_digest_passwords_lock_the_account_for_the_window(store: Store) {
    let clock = Arc::new(FixedClock::new(Utc::now()));
    let app = budgeted(store, clock.clone()).await;
    app.account("alice", "localhost", "secret123", &[Sha256], false)
        .await;
    app.account("bob", "localhost", "secret456", &[Sha256], false)
        .await;
    for _ in 0..3 {
        let resp = digest_login(&app, "alice", "guess", "en").await;
        assert_eq!(resp.status(), 401);
    }
    // The budget is spent: even the right password waits, and no challenge is handed out.
    let locked = digest_login(&app, "alice", "secret123", "fr").await;
    assert_eq!(locked.status(), 429);
    let retry: u64 = locked.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=300).contains(&retry), "{retry}");
    assert!(locked.headers().get("www-authenticate").is_none());
    assert_eq!(
        json(locked).await["message"],
        format!("Trop de tentatives d'authentification échouées. Réessayez dans {retry} secondes.")
    );
    // Another account from the same address is not slowed.
    assert_eq!(
        digest_login(&app, "bob", "secret456", "en").await.status(),
        200
    );
    // Unknown accounts are counted the same way, so guessing names learns nothing.
    for _ in 0..3 {
        assert_eq!(digest_login(&app, "nobody", "x", "en").await.status(), 401);
    }
    assert_eq!(digest_login(&app, "nobody", "x", "en").await.status(), 429);

    clock.advance(Duration::seconds(301));
    assert_eq!(
        digest_login(&app, "alice", "secret123", "en")
            .await
            .status(),
        200
    );
    app.stop().await;
}

async fn wrong_api_keys_lock_the_address_but_not_valid_keys(store: Store) {
    let clock = Arc::new(FixedClock::new(Utc::now()));
    let app = budgeted(store, clock.clone()).await;
    let wrong = |n: usize| {
        app.get("localhost", ME)
            .header("x-api-key", format!("wrong-key-{n}"))
            .send()
    };
    for n in 0..6 {
        assert_eq!(wrong(n).await.unwrap().status(), 401, "attempt {n}");
    }
    let locked = wrong(6).await.unwrap();
    assert_eq!(locked.status(), 429);
    assert!(locked.headers().contains_key("retry-after"));
    assert_eq!(
        json(locked).await["message"],
        "Too many failed authentication attempts. Try again in 300 seconds."
    );
    // A valid key cannot be guessed: it still works from the locked address.
    let ok = app
        .get("localhost", ME)
        .header("x-api-key", &app.admin_key)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    clock.advance(Duration::seconds(301));
    assert_eq!(wrong(7).await.unwrap().status(), 401);
    app.stop().await;
}

async fn a_zero_budget_means_no_limit(store: Store) {
    let app = TestApp::spawn_with(store, |c| {
        c.auth_failures_per_account = 0;
        c.auth_failures_per_ip = 0;
    })
    .await;
    app.account("alice", "localhost", "secret123", &[Sha256], false)
        .await;
    for _ in 0..12 {
        assert_eq!(
            digest_login(&app, "alice", "guess", "en").await.status(),
            401
        );
    }
    assert_eq!(
        digest_login(&app, "alice", "secret123", "en")
            .await
            .status(),
        200
    );
    app.stop().await;
}

crate::on_memory_and_sqlite!(
    wrong_digest_passwords_lock_the_account_for_the_window,
    wrong_api_keys_lock_the_address_but_not_valid_keys,
    a_zero_budget_means_no_limit,
);
