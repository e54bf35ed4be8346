//! Account creation request tokens: kept per space, validated, exchanged once for a creation
//! token.

use std::sync::Arc;

use flexiapi_domain::error::{Conflict, StoreError};
use flexiapi_domain::model::{NewAccountCreationRequestToken, NewAccountCreationToken};
use flexiapi_domain::ports::Storage;
use tokio::task::JoinSet;

use crate::support::*;

fn request(d: &str, token: &str) -> NewAccountCreationRequestToken {
    NewAccountCreationRequestToken {
        token: token.into(),
        domain: domain(d),
        ip: Some("203.0.113.7".into()),
        user_agent: Some("Linphone".into()),
    }
}

fn creation(d: &str, token: &str) -> NewAccountCreationToken {
    NewAccountCreationToken {
        token: token.into(),
        domain: domain(d),
        ip: Some("203.0.113.8".into()),
        user_agent: Some("Linphone".into()),
        expire_at: Some(t0() + secs(600)),
        push: None,
    }
}

pub async fn a_creation_request_token_is_kept_in_its_space(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    space(&s, "other.org").await;
    let ex = domain("example.org");
    let made = s
        .create_creation_request_token(request("example.org", "req"), t0())
        .await
        .unwrap();
    assert_eq!(
        (made.used, made.validated_at, made.acc_creation_token_id),
        (false, None, None)
    );
    let mut read = s.creation_request_token("req", &ex).await.unwrap().unwrap();
    assert_eq!(ms(read.created_at), ms(t0()));
    read.created_at = made.created_at;
    assert_eq!(read, made);
    assert!(
        s.creation_request_token("req", &domain("other.org"))
            .await
            .unwrap()
            .is_none()
    );
    assert_conflict(
        s.create_creation_request_token(request("other.org", "req"), t0())
            .await,
        Conflict::AccountCreationRequestToken,
    );
    assert!(matches!(
        s.create_creation_request_token(request("nowhere.org", "x"), t0())
            .await,
        Err(StoreError::NotFound)
    ));
    s.delete_space(&ex).await.unwrap();
    assert!(s.creation_request_token("req", &ex).await.unwrap().is_none());
}

pub async fn a_creation_request_token_is_validated_then_exchanged_once(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    space(&s, "other.org").await;
    let (ex, other) = (domain("example.org"), domain("other.org"));
    s.create_creation_request_token(request("example.org", "req"), t0())
        .await
        .unwrap();
    // Not validated: nothing is exchanged, nothing written.
    assert!(
        s.exchange_creation_request_token("req", &ex, creation("example.org", "early"), t0())
            .await
            .unwrap()
            .is_none()
    );
    assert!(s.creation_token("early", &ex).await.unwrap().is_none());
    // Another space can neither validate it nor exchange it.
    assert!(
        s.validate_creation_request_token("req", &other, t0())
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        s.validate_creation_request_token("missing", &ex, t0())
            .await
            .unwrap()
            .is_none()
    );
    let validated = s
        .validate_creation_request_token("req", &ex, t0() + secs(5))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(validated.validated_at.map(ms), Some(ms(t0() + secs(5))));
    // Validating again keeps the first time.
    let again = s
        .validate_creation_request_token("req", &ex, t0() + secs(9))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.validated_at.map(ms), Some(ms(t0() + secs(5))));
    assert!(
        s.exchange_creation_request_token("req", &other, creation("other.org", "foreign"), t0())
            .await
            .unwrap()
            .is_none()
    );
    assert!(s.creation_token("foreign", &other).await.unwrap().is_none());

    let made = s
        .exchange_creation_request_token(
            "req",
            &ex,
            creation("example.org", "made"),
            t0() + secs(10),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!((made.token.as_str(), made.used), ("made", false));
    assert_eq!(made.expire_at.map(ms), Some(ms(t0() + secs(600))));
    assert_eq!(ms(made.created_at), ms(t0() + secs(10)));
    assert_eq!(
        s.creation_token("made", &ex).await.unwrap().map(|t| t.id),
        Some(made.id)
    );
    let spent = s.creation_request_token("req", &ex).await.unwrap().unwrap();
    assert!(spent.used);
    assert_eq!(spent.acc_creation_token_id, Some(made.id));
    // Used: no second exchange, no new validation.
    assert!(
        s.exchange_creation_request_token("req", &ex, creation("example.org", "twice"), t0())
            .await
            .unwrap()
            .is_none()
    );
    assert!(s.creation_token("twice", &ex).await.unwrap().is_none());
    assert!(
        s.validate_creation_request_token("req", &ex, t0())
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn an_exchange_whose_creation_token_exists_writes_nothing(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let ex = domain("example.org");
    s.create_creation_token(creation("example.org", "taken"), t0())
        .await
        .unwrap();
    s.create_creation_request_token(request("example.org", "req"), t0())
        .await
        .unwrap();
    s.validate_creation_request_token("req", &ex, t0())
        .await
        .unwrap()
        .unwrap();
    assert_conflict(
        s.exchange_creation_request_token("req", &ex, creation("example.org", "taken"), t0())
            .await,
        Conflict::AccountCreationToken,
    );
    // Rolled back: the request token can still be exchanged.
    let request = s.creation_request_token("req", &ex).await.unwrap().unwrap();
    assert!(!request.used);
    assert!(
        s.exchange_creation_request_token("req", &ex, creation("example.org", "fresh"), t0())
            .await
            .unwrap()
            .is_some()
    );
}

pub async fn concurrent_exchanges_of_a_request_token_let_one_win(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let ex = domain("example.org");
    s.create_creation_request_token(request("example.org", "req"), t0())
        .await
        .unwrap();
    s.validate_creation_request_token("req", &ex, t0())
        .await
        .unwrap()
        .unwrap();
    let mut tasks = JoinSet::new();
    for i in 0..20 {
        let s = s.clone();
        tasks.spawn(async move {
            s.exchange_creation_request_token(
                "req",
                &domain("example.org"),
                creation("example.org", &format!("made{i}")),
                t0(),
            )
            .await
        });
    }
    let mut made = Vec::new();
    while let Some(outcome) = tasks.join_next().await {
        if let Some(t) = outcome.expect("task").expect("exchange") {
            made.push(t.token);
        }
    }
    assert_eq!(made.len(), 1, "{made:?}");
    // Only the winner's creation token exists.
    for i in 0..20 {
        let exists = s
            .creation_token(&format!("made{i}"), &ex)
            .await
            .unwrap()
            .is_some();
        assert_eq!(exists, made[0] == format!("made{i}"));
    }
}

pub async fn a_request_token_goes_with_its_creation_token(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let ex = domain("example.org");
    let bob = account(&s, "bob", "example.org").await;
    s.create_creation_request_token(request("example.org", "req"), t0())
        .await
        .unwrap();
    s.validate_creation_request_token("req", &ex, t0())
        .await
        .unwrap()
        .unwrap();
    s.exchange_creation_request_token("req", &ex, creation("example.org", "made"), t0())
        .await
        .unwrap()
        .unwrap();
    s.consume_creation_token("made", &ex, bob)
        .await
        .unwrap()
        .unwrap();
    s.delete_account(bob, t0()).await.unwrap();
    assert!(s.creation_token("made", &ex).await.unwrap().is_none());
    assert!(s.creation_request_token("req", &ex).await.unwrap().is_none());
}

crate::register_cases! {
    a_creation_request_token_is_kept_in_its_space,
    a_creation_request_token_is_validated_then_exchanged_once,
    an_exchange_whose_creation_token_exists_writes_nothing,
    concurrent_exchanges_of_a_request_token_let_one_win,
    a_request_token_goes_with_its_creation_token,
}
