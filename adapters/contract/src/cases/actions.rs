//! Account actions.

use std::sync::Arc;

use flexiapi_domain::error::StoreError;
use flexiapi_domain::model::{AccountActionId, AccountId};
use flexiapi_domain::ports::Storage;

use crate::support::*;

pub async fn account_actions_are_scoped_to_their_account(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let bob = account(&s, "bob", "example.org").await;
    let open = s
        .create_account_action(alice, &action_key("open"), &action_code("1234"), t0())
        .await
        .unwrap();
    let close = s
        .create_account_action(alice, &action_key("close"), &action_code("0"), t0())
        .await
        .unwrap();
    let bobs = s
        .create_account_action(bob, &action_key("open"), &action_code("9"), t0())
        .await
        .unwrap();
    assert_eq!(
        (open.account_id, open.key.as_str(), open.code.as_str()),
        (alice, "open", "1234")
    );
    assert!(matches!(
        s.create_account_action(AccountId(bob.0 + 1000), &action_key("k"), &action_code("c"), t0())
            .await,
        Err(StoreError::NotFound)
    ));

    assert_eq!(
        s.account_actions(alice).await.unwrap(),
        [open.clone(), close.clone()]
    );
    assert_eq!(
        s.account_action(alice, open.id).await.unwrap(),
        Some(open.clone())
    );
    assert!(s.account_action(bob, open.id).await.unwrap().is_none());

    let changed = s
        .update_account_action(alice, open.id, &action_key("unlock"), &action_code("42"), t0())
        .await
        .unwrap();
    assert_eq!(
        (changed.id, changed.key.as_str(), changed.code.as_str()),
        (open.id, "unlock", "42")
    );
    s.update_account_action(alice, open.id, &action_key("unlock"), &action_code("42"), t0())
        .await
        .unwrap();
    assert!(matches!(
        s.update_account_action(bob, open.id, &action_key("x"), &action_code("1"), t0()).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.update_account_action(alice, AccountActionId(open.id.0 + 1000), &action_key("x"), &action_code("1"), t0())
            .await,
        Err(StoreError::NotFound)
    ));

    assert!(!s.delete_account_action(bob, close.id).await.unwrap());
    assert!(s.delete_account_action(alice, close.id).await.unwrap());
    assert!(!s.delete_account_action(alice, close.id).await.unwrap());
    assert_eq!(s.account_actions(alice).await.unwrap(), [changed]);

    assert!(s.delete_account(bob, t0()).await.unwrap());
    assert!(s.account_action(bob, bobs.id).await.unwrap().is_none());
}

crate::register_cases! {
    account_actions_are_scoped_to_their_account,
}
