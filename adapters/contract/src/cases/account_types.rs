//! Account types: management, attachment and space isolation.

use std::sync::Arc;

use flexiapi_domain::error::{Conflict, StoreError};
use flexiapi_domain::model::{AccountId, AccountTypeId};
use flexiapi_domain::ports::Storage;
use tokio::task::JoinSet;

use crate::support::*;

pub async fn account_types_are_created_listed_updated_and_deleted(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let d = domain("example.org");
    let phone = s.create_account_type(&d, &type_key("phone"), t0()).await.unwrap();
    let door = s.create_account_type(&d, &type_key("door"), t0()).await.unwrap();
    assert_eq!(phone.key.as_str(), "phone");
    assert_conflict(
        s.create_account_type(&d, &type_key("phone"), t0()).await,
        Conflict::AccountTypeKey,
    );
    assert!(matches!(
        s.create_account_type(&domain("nowhere.org"), &type_key("phone"), t0())
            .await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        s.list_account_types(&d).await.unwrap(),
        [phone.clone(), door.clone()]
    );
    assert_eq!(
        s.account_type(&d, door.id).await.unwrap(),
        Some(door.clone())
    );
    assert!(
        s.account_type(&d, AccountTypeId(door.id.0 + 1000))
            .await
            .unwrap()
            .is_none()
    );

    let renamed = s
        .update_account_type(&d, door.id, &type_key("gate"), t0())
        .await
        .unwrap();
    assert_eq!(renamed.key.as_str(), "gate");
    assert_eq!(renamed.id, door.id);
    // Same key again: no change, no conflict with itself.
    s.update_account_type(&d, door.id, &type_key("gate"), t0())
        .await
        .unwrap();
    assert_conflict(
        s.update_account_type(&d, door.id, &type_key("phone"), t0()).await,
        Conflict::AccountTypeKey,
    );
    assert!(matches!(
        s.update_account_type(&d, AccountTypeId(door.id.0 + 1000), &type_key("x"), t0())
            .await,
        Err(StoreError::NotFound)
    ));

    assert!(s.delete_account_type(&d, phone.id).await.unwrap());
    assert!(!s.delete_account_type(&d, phone.id).await.unwrap());
    assert_eq!(s.list_account_types(&d).await.unwrap(), [renamed]);
}

pub async fn account_types_are_attached_once_and_detached(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let d = domain("example.org");
    let alice = account(&s, "alice", "example.org").await;
    let bob = account(&s, "bob", "example.org").await;
    let phone = s.create_account_type(&d, &type_key("phone"), t0()).await.unwrap();
    let door = s.create_account_type(&d, &type_key("door"), t0()).await.unwrap();

    assert!(
        s.attach_account_type(&d, alice, door.id, t0())
            .await
            .unwrap()
    );
    assert!(
        s.attach_account_type(&d, alice, phone.id, t0())
            .await
            .unwrap()
    );
    assert!(
        !s.attach_account_type(&d, alice, door.id, t0())
            .await
            .unwrap()
    );
    assert!(s.attach_account_type(&d, bob, door.id, t0()).await.unwrap());
    assert_eq!(
        s.types_of(alice).await.unwrap(),
        [phone.clone(), door.clone()]
    );
    assert!(matches!(
        s.attach_account_type(&d, alice, AccountTypeId(door.id.0 + 1000), t0())
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.attach_account_type(&d, AccountId(bob.0 + 1000), door.id, t0())
            .await,
        Err(StoreError::NotFound)
    ));

    assert!(s.detach_account_type(&d, alice, phone.id).await.unwrap());
    assert!(!s.detach_account_type(&d, alice, phone.id).await.unwrap());
    assert_eq!(
        s.types_of(alice).await.unwrap(),
        std::slice::from_ref(&door)
    );

    // Deleting a type detaches it; deleting an account removes its attachments.
    assert!(s.delete_account_type(&d, door.id).await.unwrap());
    assert!(s.types_of(alice).await.unwrap().is_empty());
    assert!(
        s.attach_account_type(&d, bob, phone.id, t0())
            .await
            .unwrap()
    );
    assert!(s.delete_account(bob, t0()).await.unwrap());
    assert!(s.types_of(bob).await.unwrap().is_empty());
    assert!(
        s.attach_account_type(&d, alice, phone.id, t0())
            .await
            .unwrap()
    );
}

pub async fn concurrent_attachments_of_a_type_let_one_win(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let d = domain("example.org");
    let alice = account(&s, "alice", "example.org").await;
    let phone = s.create_account_type(&d, &type_key("phone"), t0()).await.unwrap();
    let mut tasks = JoinSet::new();
    for _ in 0..10 {
        let s = s.clone();
        let d = d.clone();
        tasks.spawn(async move { s.attach_account_type(&d, alice, phone.id, t0()).await });
    }
    let mut wins = 0;
    while let Some(outcome) = tasks.join_next().await {
        if outcome.expect("task").expect("attach_account_type") {
            wins += 1;
        }
    }
    assert_eq!(wins, 1);
    assert_eq!(s.types_of(alice).await.unwrap().len(), 1);
}

pub async fn account_types_belong_to_their_space(s: Arc<dyn Storage>) {
    space(&s, "a.org").await;
    space(&s, "b.org").await;
    let (a, b) = (domain("a.org"), domain("b.org"));
    let alice = account(&s, "alice", "a.org").await;
    let bob = account(&s, "bob", "b.org").await;
    // The same key in two spaces: two types.
    let ours = s.create_account_type(&a, &type_key("phone"), t0()).await.unwrap();
    let theirs = s.create_account_type(&b, &type_key("phone"), t0()).await.unwrap();
    assert_ne!(ours.id, theirs.id);
    assert_eq!(
        s.list_account_types(&a).await.unwrap(),
        std::slice::from_ref(&ours)
    );
    assert_eq!(
        s.list_account_types(&b).await.unwrap(),
        std::slice::from_ref(&theirs)
    );

    // Another space's type is an unknown id.
    assert!(s.account_type(&a, theirs.id).await.unwrap().is_none());
    assert!(matches!(
        s.update_account_type(&a, theirs.id, &type_key("door"), t0()).await,
        Err(StoreError::NotFound)
    ));
    assert!(!s.delete_account_type(&a, theirs.id).await.unwrap());
    assert_eq!(
        s.account_type(&b, theirs.id).await.unwrap(),
        Some(theirs.clone()),
        "untouched"
    );
    // Neither a type nor an account of another space can be attached.
    for (d, account, kind) in [
        (&a, alice, theirs.id),
        (&a, bob, ours.id),
        (&b, alice, ours.id),
        (&b, alice, theirs.id),
    ] {
        assert!(
            matches!(
                s.attach_account_type(d, account, kind, t0()).await,
                Err(StoreError::NotFound)
            ),
            "{d} {account:?} {kind:?}"
        );
    }
    assert!(s.types_of(alice).await.unwrap().is_empty());
    assert!(
        s.attach_account_type(&b, bob, theirs.id, t0())
            .await
            .unwrap()
    );
    assert!(!s.detach_account_type(&a, bob, theirs.id).await.unwrap());
    assert_eq!(
        s.types_of(bob).await.unwrap(),
        std::slice::from_ref(&theirs)
    );

    // A space's types go with it.
    assert!(s.delete_space(&b).await.unwrap());
    space(&s, "b.org").await;
    assert!(s.list_account_types(&b).await.unwrap().is_empty());
    assert_eq!(
        s.list_account_types(&a).await.unwrap(),
        std::slice::from_ref(&ours)
    );
}

crate::register_cases! {
    account_types_are_created_listed_updated_and_deleted,
    account_types_are_attached_once_and_detached,
    concurrent_attachments_of_a_type_let_one_win,
    account_types_belong_to_their_space,
}
