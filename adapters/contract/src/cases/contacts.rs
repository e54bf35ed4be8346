//! Direct contacts between accounts.

use std::sync::Arc;

use flexiapi_domain::error::StoreError;
use flexiapi_domain::model::AccountId;
use flexiapi_domain::ports::Storage;

use crate::support::*;

pub async fn contacts_are_added_once_listed_and_removed(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let bob = account(&s, "bob", "example.org").await;
    let carol = account(&s, "carol", "example.org").await;
    let unknown = AccountId(carol.0 + 1000);

    assert!(s.add_contact(alice, carol, t0()).await.unwrap());
    assert!(s.add_contact(alice, bob, t0()).await.unwrap());
    assert!(!s.add_contact(alice, bob, t0()).await.unwrap());
    assert!(s.add_contact(bob, alice, t0()).await.unwrap());
    assert!(matches!(
        s.add_contact(alice, unknown, t0()).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.add_contact(unknown, alice, t0()).await,
        Err(StoreError::NotFound)
    ));

    let contacts = s.contacts_of(alice).await.unwrap();
    let ids: Vec<AccountId> = contacts.iter().map(|a| a.id).collect();
    assert_eq!(ids, [bob, carol]);
    let stored_bob = s.account_by_id(bob).await.unwrap().unwrap();
    assert_eq!(norm(contacts[0].clone()), norm(stored_bob));

    assert!(s.remove_contact(alice, bob).await.unwrap());
    assert!(!s.remove_contact(alice, bob).await.unwrap());
    assert_eq!(s.contacts_of(alice).await.unwrap().len(), 1);

    // A deleted account leaves every contact list it was in.
    assert!(s.delete_account(carol, t0()).await.unwrap());
    assert!(s.contacts_of(alice).await.unwrap().is_empty());
    assert_eq!(s.contacts_of(bob).await.unwrap().len(), 1);
}

crate::register_cases! {
    contacts_are_added_once_listed_and_removed,
}
