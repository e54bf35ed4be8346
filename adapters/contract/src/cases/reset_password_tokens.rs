//! Reset-password links: found in their account's space only, used once, the issue cutoff.

use std::sync::Arc;

use flexiapi_domain::error::StoreError;
use flexiapi_domain::model::{AccountId, NewResetPasswordToken};
use flexiapi_domain::ports::Storage;
use tokio::task::JoinSet;

use crate::support::*;

fn link(account_id: AccountId, token: &str) -> NewResetPasswordToken {
    NewResetPasswordToken {
        token: token.into(),
        account_id,
        email: email("alice@example.net"),
        ip: Some("203.0.113.11".into()),
        user_agent: Some("agent".into()),
    }
}

pub async fn a_reset_link_is_found_in_its_accounts_space_only(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    space(&s, "other.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let made = s
        .create_reset_password_token(link(alice, "abcdefghijklmnop"), t0())
        .await
        .unwrap();
    assert!(!made.used);
    let mut read = s
        .reset_password_token("abcdefghijklmnop", &domain("example.org"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ms(read.created_at), ms(t0()));
    read.created_at = made.created_at;
    assert_eq!(read, made);
    let other = domain("other.org");
    assert!(s.reset_password_token("abcdefghijklmnop", &other).await.unwrap().is_none());
    assert!(
        s.use_reset_password_token("abcdefghijklmnop", &other, None)
            .await
            .unwrap()
            .is_none()
    );
    assert!(matches!(
        s.create_reset_password_token(link(AccountId(alice.0 + 1000), "x"), t0()).await,
        Err(StoreError::NotFound)
    ));
    s.delete_account(alice, t0()).await.unwrap();
    assert!(
        s.reset_password_token("abcdefghijklmnop", &domain("example.org"))
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn a_reset_link_is_used_once_and_not_past_the_cutoff(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let d = domain("example.org");
    s.create_reset_password_token(link(alice, "old"), t0()).await.unwrap();
    s.create_reset_password_token(link(alice, "new"), t0() + secs(10)).await.unwrap();
    assert!(
        s.use_reset_password_token("old", &d, Some(t0() + secs(5)))
            .await
            .unwrap()
            .is_none()
    );
    let mut set = JoinSet::new();
    for _ in 0..8 {
        let (s, d) = (s.clone(), d.clone());
        set.spawn(async move {
            s.use_reset_password_token("new", &d, Some(t0() + secs(5)))
                .await
                .unwrap()
        });
    }
    let wins: Vec<_> = set.join_all().await.into_iter().flatten().collect();
    assert_eq!(wins.len(), 1);
    assert!(wins[0].used);
    assert!(s.reset_password_token("new", &d).await.unwrap().unwrap().used);
    assert!(!s.reset_password_token("old", &d).await.unwrap().unwrap().used);
}

crate::register_cases! {
    a_reset_link_is_found_in_its_accounts_space_only,
    a_reset_link_is_used_once_and_not_past_the_cutoff,
}
