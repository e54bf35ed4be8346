//! Digest (RFC 7616) end to end over HTTP.

use flexiapi_domain::model::PasswordAlgorithm::{Md5, Sha256};

use crate::helpers::{
    Challenge, Store, TestApp, challenges, client_from, digest_authorization, json,
};

const ME: &str = "/api/accounts/me";

async fn challenge_for(
    app: &TestApp,
    from: &str,
) -> (reqwest::StatusCode, Vec<Challenge>, serde_json::Value) {
    let resp = app
        .get("localhost", ME)
        .header("from", from)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let c = challenges(resp.headers());
    (status, c, json(resp).await)
}

async fn answer(
    app: &TestApp,
    c: &Challenge,
    user: &str,
    password: &str,
    uri: &str,
    nc: u32,
) -> reqwest::Response {
    app.get("localhost", uri)
        .header("from", format!("sip:{user}@localhost"))
        .header(
            "authorization",
            digest_authorization(c, user, password, "GET", uri, nc),
        )
        .send()
        .await
        .unwrap()
}

async fn one_challenge_per_algorithm_strongest_first_sharing_one_nonce(store: Store) {
    let app = TestApp::spawn_on(store).await;
    app.account("alice", "localhost", "secret123", &[Md5, Sha256], false)
        .await;
    let (status, c, body) = challenge_for(&app, "sip:alice@localhost").await;
    assert_eq!(status, 401);
    assert_eq!(body["message"], "Unauthenticated request.");
    assert_eq!(c.len(), 2);
    assert_eq!(c[0].algorithm, "SHA-256");
    assert_eq!(c[1].algorithm, "MD5");
    assert_eq!(c[0].nonce, c[1].nonce);
    assert_eq!(c[0].opaque, c[1].opaque);
    assert_eq!(c[0].realm, "localhost");
    app.stop().await;
}

async fn sha256_and_md5_answers_authenticate_and_the_nonce_is_reused_with_increasing_nc(
    store: Store,
) {
    let app = TestApp::spawn_on(store).await;
    app.account("alice", "localhost", "secret123", &[Md5, Sha256], false)
        .await;
    for index in [0, 1] {
        let (_, c, _) = challenge_for(&app, "sip:alice@localhost").await;
        let c = &c[index];
        let resp = answer(&app, c, "alice", "secret123", ME, 1).await;
        assert_eq!(resp.status(), 200, "algorithm {}", c.algorithm);
        let echoed = challenges(resp.headers());
        assert_eq!(echoed[0].nonce, c.nonce, "success repeats the same nonce");
        assert_eq!(json(resp).await["username"], "alice");
        let resp = answer(&app, c, "alice", "secret123", ME, 2).await;
        assert_eq!(resp.status(), 200);
    }
    app.stop().await;
}

async fn a_replayed_or_lower_nc_answers_nonce_replayed_and_retires_the_pair(store: Store) {
    let app = TestApp::spawn_on(store).await;
    app.account("alice", "localhost", "secret123", &[Sha256], false)
        .await;
    let (_, c, _) = challenge_for(&app, "sip:alice@localhost").await;
    assert_eq!(
        answer(&app, &c[0], "alice", "secret123", ME, 5)
            .await
            .status(),
        200
    );
    let replay = answer(&app, &c[0], "alice", "secret123", ME, 5).await;
    assert_eq!(replay.status(), 401);
    let fresh = challenges(replay.headers());
    assert_ne!(
        fresh[0].opaque, c[0].opaque,
        "a fresh challenge comes with it"
    );
    assert_eq!(json(replay).await["message"], "Nonce replayed.");
    // The pair is retired: a higher nc on it no longer works.
    let after = answer(&app, &c[0], "alice", "secret123", ME, 9).await;
    assert_eq!(after.status(), 401);
    assert_eq!(json(after).await["message"], "Invalid opaque.");
    app.stop().await;
}

async fn an_unknown_account_gets_the_same_kind_of_challenge_and_the_same_refusal(store: Store) {
    let app = TestApp::spawn_on(store).await;
    app.account("alice", "localhost", "secret123", &[Sha256], false)
        .await;
    let (s1, known, _) = challenge_for(&app, "sip:alice@localhost").await;
    let (s2, unknown, _) = challenge_for(&app, "sip:nobody@localhost").await;
    assert_eq!(
        (s1, s2),
        (
            reqwest::StatusCode::UNAUTHORIZED,
            reqwest::StatusCode::UNAUTHORIZED
        )
    );
    assert_eq!(known.len(), unknown.len());
    assert_eq!(known[0].realm, unknown[0].realm);
    assert_eq!(known[0].algorithm, unknown[0].algorithm);

    let wrong = answer(&app, &known[0], "alice", "not-it", ME, 1).await;
    let ghost = answer(&app, &unknown[0], "nobody", "whatever", ME, 1).await;
    assert_eq!(wrong.status(), 401);
    assert_eq!(ghost.status(), 401);
    assert_eq!(json(wrong).await["message"], json(ghost).await["message"]);
    app.stop().await;
}

async fn a_missing_or_malformed_from_header_answers_401_without_challenge(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let resp = app.get("localhost", ME).send().await.unwrap();
    assert_eq!(resp.status(), 401);
    assert!(challenges(resp.headers()).is_empty());
    assert!(
        json(resp).await["message"]
            .as_str()
            .unwrap()
            .contains("From")
    );
    let (status, c, body) = challenge_for(&app, "<sip:alice@localhost>").await;
    assert_eq!(status, 401);
    assert!(c.is_empty());
    assert_eq!(body["message"], "Invalid SIP address in the From header.");
    app.stop().await;
}

async fn an_algorithm_the_account_has_no_password_for_is_refused(store: Store) {
    let app = TestApp::spawn_on(store).await;
    app.account("alice", "localhost", "secret123", &[Sha256], false)
        .await;
    let (_, c, _) = challenge_for(&app, "sip:alice@localhost").await;
    let md5 = Challenge {
        algorithm: "MD5".into(),
        ..c[0].clone()
    };
    let resp = answer(&app, &md5, "alice", "secret123", ME, 1).await;
    assert_eq!(resp.status(), 401);
    assert_eq!(json(resp).await["message"], "Wrong algorithm.");
    app.stop().await;
}

async fn the_signed_uri_includes_the_query_string(store: Store) {
    let app = TestApp::spawn_on(store).await;
    app.account("alice", "localhost", "secret123", &[Sha256], false)
        .await;
    let (_, c, _) = challenge_for(&app, "sip:alice@localhost").await;
    let resp = answer(&app, &c[0], "alice", "secret123", "/api/accounts/me?x=1", 1).await;
    assert_eq!(resp.status(), 200);
    app.stop().await;
}

async fn an_opaque_used_from_another_ip_is_invalid(store: Store) {
    let app = TestApp::spawn_on(store).await;
    app.account("alice", "localhost", "secret123", &[Sha256], false)
        .await;
    let (_, c, _) = challenge_for(&app, "sip:alice@localhost").await;
    let other = client_from(Some("127.0.0.2".parse().unwrap()));
    let resp = other
        .get(format!("http://127.0.0.1:{}{ME}", app.port))
        .header("host", "localhost")
        .header("from", "sip:alice@localhost")
        .header(
            "authorization",
            digest_authorization(&c[0], "alice", "secret123", "GET", ME, 1),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(json(resp).await["message"], "Invalid opaque.");
    app.stop().await;
}

async fn a_used_up_nonce_is_stale_and_the_fresh_challenge_says_so(store: Store) {
    let app = TestApp::spawn_with(store, |c| c.nonce_max_uses = 1).await;
    app.account("alice", "localhost", "secret123", &[Sha256], false)
        .await;
    let (_, c, _) = challenge_for(&app, "sip:alice@localhost").await;
    assert_eq!(
        answer(&app, &c[0], "alice", "secret123", ME, 1)
            .await
            .status(),
        200
    );
    let stale = answer(&app, &c[0], "alice", "secret123", ME, 2).await;
    assert_eq!(stale.status(), 401);
    let fresh = challenges(stale.headers());
    assert!(fresh[0].stale);
    assert_eq!(
        answer(&app, &fresh[0], "alice", "secret123", ME, 1)
            .await
            .status(),
        200
    );
    app.stop().await;
}

async fn the_realm_is_the_spaces_configured_one(store: Store) {
    let app = TestApp::spawn_on(store).await;
    app.edit_space("localhost", |s| {
        s.digest.realm = Some("sip.example.com".into())
    })
    .await;
    app.account("alice", "localhost", "secret123", &[Sha256], false)
        .await;
    let (_, c, _) = challenge_for(&app, "sip:alice@localhost").await;
    assert_eq!(c[0].realm, "sip.example.com");
    assert_eq!(
        answer(&app, &c[0], "alice", "secret123", ME, 1)
            .await
            .status(),
        200
    );
    app.stop().await;
}

crate::on_memory_and_sqlite!(
    the_realm_is_the_spaces_configured_one,
    one_challenge_per_algorithm_strongest_first_sharing_one_nonce,
    sha256_and_md5_answers_authenticate_and_the_nonce_is_reused_with_increasing_nc,
    a_replayed_or_lower_nc_answers_nonce_replayed_and_retires_the_pair,
    an_unknown_account_gets_the_same_kind_of_challenge_and_the_same_refusal,
    a_missing_or_malformed_from_header_answers_401_without_challenge,
    an_algorithm_the_account_has_no_password_for_is_refused,
    the_signed_uri_includes_the_query_string,
    an_opaque_used_from_another_ip_is_invalid,
    a_used_up_nonce_is_stale_and_the_fresh_challenge_says_so,
);
