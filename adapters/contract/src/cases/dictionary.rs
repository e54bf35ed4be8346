//! The account dictionary.

use std::sync::Arc;

use flexiapi_domain::error::{Conflict, StoreError};
use flexiapi_domain::model::{AccountChanges, AccountId};
use flexiapi_domain::ports::Storage;
use tokio::task::JoinSet;

use crate::support::*;

pub async fn dictionary_entries_are_upserted_deleted_and_cleared(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let bob = account(&s, "bob", "example.org").await;
    s.clear_dictionary(bob).await.unwrap();
    assert_eq!(
        s.dictionary_of(alice).await.unwrap(),
        dictionary(&[("color", "blue"), ("lang", "fr")])
    );

    s.set_dictionary_entry(alice, "color", "red", t0())
        .await
        .unwrap();
    s.set_dictionary_entry(alice, "a key/with spaces", "é", t0())
        .await
        .unwrap();
    assert_eq!(
        s.dictionary_of(alice).await.unwrap(),
        dictionary(&[("a key/with spaces", "é"), ("color", "red"), ("lang", "fr")])
    );
    assert!(s.dictionary_of(bob).await.unwrap().is_empty());

    assert!(s.delete_dictionary_entry(alice, "color").await.unwrap());
    assert!(!s.delete_dictionary_entry(alice, "color").await.unwrap());
    assert!(!s.delete_dictionary_entry(bob, "lang").await.unwrap());
    assert_eq!(s.clear_dictionary(alice).await.unwrap(), 2);
    assert_eq!(s.clear_dictionary(alice).await.unwrap(), 0);
    assert!(s.dictionary_of(alice).await.unwrap().is_empty());

    assert!(matches!(
        s.set_dictionary_entry(AccountId(alice.0 + 1000), "k", "v", t0())
            .await,
        Err(StoreError::NotFound)
    ));
}

pub async fn create_and_update_write_the_dictionary_with_the_account(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let mut new = full_account("alice", "example.org");
    new.dictionary = dictionary(&[("x", "1"), ("y", "2")]);
    let created = s.create_account(new, 0, t0()).await.unwrap();
    assert_eq!(
        s.dictionary_of(created.id).await.unwrap(),
        dictionary(&[("x", "1"), ("y", "2")])
    );

    // `None` keeps the entries.
    let unchanged = AccountChanges::unchanged(&created);
    s.update_account(created.id, unchanged.clone(), t0())
        .await
        .unwrap();
    assert_eq!(s.dictionary_of(created.id).await.unwrap().len(), 2);

    let replaced = AccountChanges {
        dictionary: Some(dictionary(&[("y", "3"), ("z", "4")])),
        ..unchanged.clone()
    };
    s.update_account(created.id, replaced, t0()).await.unwrap();
    assert_eq!(
        s.dictionary_of(created.id).await.unwrap(),
        dictionary(&[("y", "3"), ("z", "4")])
    );

    // A refused update leaves the entries as they were.
    s.create_account(full_account("bob", "example.org"), 0, t0())
        .await
        .unwrap();
    let refused = AccountChanges {
        username: username("bob"),
        dictionary: Some(dictionary(&[("lost", "!")])),
        ..unchanged.clone()
    };
    assert_conflict(
        s.update_account(created.id, refused, t0()).await,
        Conflict::AccountIdentity,
    );
    assert_eq!(s.dictionary_of(created.id).await.unwrap().len(), 2);

    let cleared = AccountChanges {
        dictionary: Some(dictionary(&[])),
        ..unchanged
    };
    s.update_account(created.id, cleared, t0()).await.unwrap();
    assert!(s.dictionary_of(created.id).await.unwrap().is_empty());

    s.set_dictionary_entry(created.id, "k", "v", t0())
        .await
        .unwrap();
    assert!(s.delete_account(created.id, t0()).await.unwrap());
    assert!(s.dictionary_of(created.id).await.unwrap().is_empty());
}

pub async fn concurrent_sets_of_one_key_leave_one_entry(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let mut tasks = JoinSet::new();
    for i in 0..20 {
        let s = s.clone();
        tasks.spawn(async move {
            s.set_dictionary_entry(alice, "race", &format!("v{i}"), t0())
                .await
        });
    }
    while let Some(outcome) = tasks.join_next().await {
        outcome.expect("task").expect("set_dictionary_entry");
    }
    let entries = s.dictionary_of(alice).await.unwrap();
    assert_eq!(entries.len(), 3, "{entries:?}");
    assert!(entries["race"].starts_with('v'));
}

crate::register_cases! {
    dictionary_entries_are_upserted_deleted_and_cleared,
    create_and_update_write_the_dictionary_with_the_account,
    concurrent_sets_of_one_key_leave_one_entry,
}
