//! Recovery codes: one live code per account, counted wrong tries, single use, counts.

use std::sync::Arc;

use flexiapi_domain::error::StoreError;
use flexiapi_domain::model::{AccountId, NewRecoveryCode, Recipient};
use flexiapi_domain::ports::Storage;
use tokio::task::JoinSet;

use crate::support::*;

fn code(account_id: AccountId, code: &str) -> NewRecoveryCode {
    NewRecoveryCode {
        account_id,
        code: code.into(),
        recipient: Recipient::Email(email("alice@example.net")),
        ip: Some("203.0.113.11".into()),
        user_agent: Some("agent".into()),
    }
}

pub async fn a_new_recovery_code_spends_the_previous_one(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let bob = account(&s, "bob", "example.org").await;
    assert!(s.live_recovery_code(alice).await.unwrap().is_none());
    let first = s.create_recovery_code(code(alice, "1111"), t0()).await.unwrap();
    assert_eq!(first.code.as_deref(), Some("1111"));
    assert_eq!(first.attempts, 0);
    let mut read = s.live_recovery_code(alice).await.unwrap().unwrap();
    assert_eq!(ms(read.created_at), ms(t0()));
    read.created_at = first.created_at;
    assert_eq!(read, first);
    let bobs = s.create_recovery_code(code(bob, "3333"), t0()).await.unwrap();
    let phone_code = NewRecoveryCode {
        recipient: Recipient::Phone(phone("+33612345678")),
        ..code(alice, "2222")
    };
    let second = s.create_recovery_code(phone_code, t0() + secs(1)).await.unwrap();
    let live = s.live_recovery_code(alice).await.unwrap().unwrap();
    assert_eq!((live.id, live.code.as_deref()), (second.id, Some("2222")));
    assert_eq!(live.recipient, Recipient::Phone(phone("+33612345678")));
    // The first one is spent; bob's is untouched.
    assert!(!s.spend_recovery_code(first.id, "1111", 5).await.unwrap());
    assert_eq!(s.live_recovery_code(bob).await.unwrap().unwrap().id, bobs.id);
    assert!(matches!(
        s.create_recovery_code(code(AccountId(bob.0 + 1000), "4444"), t0()).await,
        Err(StoreError::NotFound)
    ));
}

pub async fn wrong_tries_are_counted_and_spend_the_code_at_the_limit(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let c = s.create_recovery_code(code(alice, "1234"), t0()).await.unwrap();
    for n in 1..5 {
        let after = s.fail_recovery_code(c.id, 5).await.unwrap().unwrap();
        assert_eq!((after.attempts, after.code.as_deref()), (n, Some("1234")));
    }
    let last = s.fail_recovery_code(c.id, 5).await.unwrap().unwrap();
    assert_eq!((last.attempts, last.code), (5, None));
    assert!(s.fail_recovery_code(c.id, 5).await.unwrap().is_none());
    assert!(s.live_recovery_code(alice).await.unwrap().is_none());
    assert!(!s.spend_recovery_code(c.id, "1234", 5).await.unwrap());
}

pub async fn a_recovery_code_is_spent_once_with_its_value(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let c = s.create_recovery_code(code(alice, "1234"), t0()).await.unwrap();
    assert!(!s.spend_recovery_code(c.id, "4321", 5).await.unwrap());
    // Four wrong tries leave it spendable; a limit of 4 does not.
    for _ in 0..4 {
        s.fail_recovery_code(c.id, 5).await.unwrap();
    }
    assert!(!s.spend_recovery_code(c.id, "1234", 4).await.unwrap());
    let mut set = JoinSet::new();
    for _ in 0..8 {
        let s = s.clone();
        set.spawn(async move { s.spend_recovery_code(c.id, "1234", 5).await.unwrap() });
    }
    let wins = set.join_all().await.into_iter().filter(|w| *w).count();
    assert_eq!(wins, 1);
    assert!(s.live_recovery_code(alice).await.unwrap().is_none());
}

pub async fn recovery_codes_are_counted_since_an_instant_and_go_with_the_account(
    s: Arc<dyn Storage>,
) {
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let bob = account(&s, "bob", "example.org").await;
    for n in 0..3 {
        s.create_recovery_code(code(alice, "1234"), t0() + secs(n * 60))
            .await
            .unwrap();
    }
    s.create_recovery_code(code(bob, "1234"), t0()).await.unwrap();
    assert_eq!(s.recovery_codes_created_since(alice, t0()).await.unwrap(), 3);
    assert_eq!(
        s.recovery_codes_created_since(alice, t0() + secs(60)).await.unwrap(),
        2
    );
    assert_eq!(
        s.recovery_codes_created_since(alice, t0() + secs(121)).await.unwrap(),
        0
    );
    s.delete_account(alice, t0()).await.unwrap();
    assert_eq!(s.recovery_codes_created_since(alice, t0()).await.unwrap(), 0);
    assert_eq!(s.recovery_codes_created_since(bob, t0()).await.unwrap(), 1);
}

crate::register_cases! {
    a_new_recovery_code_spends_the_previous_one,
    wrong_tries_are_counted_and_spend_the_code_at_the_limit,
    a_recovery_code_is_spent_once_with_its_value,
    recovery_codes_are_counted_since_an_instant_and_go_with_the_account,
}
