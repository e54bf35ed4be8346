//! Contacts lists: management, members, attachment and cascades.

use std::sync::Arc;

use flexiapi_domain::error::{Conflict, StoreError};
use flexiapi_domain::model::{AccountId, ContactsList, ContactsListId, Space, SpaceId};
use flexiapi_domain::ports::Storage;
use tokio::task::JoinSet;

use crate::support::*;

async fn contacts_list(s: &Arc<dyn Storage>, space: &Space, name: &str) -> ContactsList {
    s.create_contacts_list(space.id, &title(name), Some("description"), t0())
        .await
        .expect("create contacts list")
}

fn norm_list(mut l: ContactsList) -> ContactsList {
    l.created_at = ms(l.created_at);
    l.updated_at = ms(l.updated_at);
    l
}

fn count(lists: &[ContactsList], id: ContactsListId) -> u64 {
    lists
        .iter()
        .find(|l| l.id == id)
        .map(|l| l.contacts_count)
        .expect("list in the listing")
}

pub async fn contacts_lists_are_created_listed_shown_updated_and_deleted(s: Arc<dyn Storage>) {
    let here = space(&s, "example.org").await;
    let there = space(&s, "other.org").await;
    let friends = s
        .create_contacts_list(here.id, &title("Friends"), Some("close ones"), t0())
        .await
        .unwrap();
    assert_eq!(friends.space_id, here.id);
    assert_eq!(friends.title.as_str(), "Friends");
    assert_eq!(friends.description.as_deref(), Some("close ones"));
    assert_eq!(friends.contacts_count, 0);
    assert_eq!(ms(friends.created_at), ms(t0()));
    let family = s
        .create_contacts_list(here.id, &title("Family"), None, t0())
        .await
        .unwrap();
    let elsewhere = contacts_list(&s, &there, "Elsewhere").await;
    assert!(matches!(
        s.create_contacts_list(SpaceId(there.id.0 + 1000), &title("Nowhere"), None, t0())
            .await,
        Err(StoreError::NotFound)
    ));

    let listed: Vec<ContactsList> = s
        .contacts_lists_of(here.id)
        .await
        .unwrap()
        .into_iter()
        .map(norm_list)
        .collect();
    assert_eq!(
        listed,
        [norm_list(friends.clone()), norm_list(family.clone())]
    );
    assert_eq!(
        s.contacts_lists_of(there.id).await.unwrap()[0].id,
        elsewhere.id
    );
    assert_eq!(
        s.contacts_list(family.id).await.unwrap().map(norm_list),
        Some(norm_list(family.clone()))
    );
    assert!(
        s.contacts_list(ContactsListId(elsewhere.id.0 + 1000))
            .await
            .unwrap()
            .is_none()
    );

    let later = t0() + secs(60);
    let renamed = s
        .update_contacts_list(family.id, &title("Relatives"), Some("by blood"), later)
        .await
        .unwrap();
    assert_eq!(renamed.id, family.id);
    assert_eq!(renamed.space_id, here.id);
    assert_eq!(renamed.title.as_str(), "Relatives");
    assert_eq!(renamed.description.as_deref(), Some("by blood"));
    assert_eq!(ms(renamed.created_at), ms(t0()));
    assert_eq!(ms(renamed.updated_at), ms(later));
    // Same title again: no change, no conflict with itself.
    s.update_contacts_list(family.id, &title("Relatives"), Some("by blood"), later)
        .await
        .unwrap();
    assert_eq!(
        s.contacts_list(family.id).await.unwrap().map(norm_list),
        Some(norm_list(renamed))
    );
    assert!(matches!(
        s.update_contacts_list(ContactsListId(elsewhere.id.0 + 1000), &title("X"), None, later)
            .await,
        Err(StoreError::NotFound)
    ));

    assert!(s.delete_contacts_list(friends.id).await.unwrap());
    assert!(!s.delete_contacts_list(friends.id).await.unwrap());
    assert!(s.contacts_list(friends.id).await.unwrap().is_none());
    assert_eq!(s.contacts_lists_of(here.id).await.unwrap().len(), 1);
    assert_eq!(s.contacts_lists_of(there.id).await.unwrap().len(), 1);
}

pub async fn a_contacts_list_title_is_unique_across_spaces(s: Arc<dyn Storage>) {
    let here = space(&s, "example.org").await;
    let there = space(&s, "other.org").await;
    contacts_list(&s, &here, "Friends").await;
    let family = contacts_list(&s, &here, "Family").await;
    assert_conflict(
        s.create_contacts_list(here.id, &title("Friends"), None, t0()).await,
        Conflict::ContactsListTitle,
    );
    assert_conflict(
        s.create_contacts_list(there.id, &title("Friends"), None, t0())
            .await,
        Conflict::ContactsListTitle,
    );
    assert_conflict(
        s.update_contacts_list(family.id, &title("Friends"), None, t0())
            .await,
        Conflict::ContactsListTitle,
    );
    // Titles compare exactly: another case is another title.
    contacts_list(&s, &there, "friends").await;
    assert_eq!(
        s.contacts_list(family.id).await.unwrap().unwrap().title,
        title("Family")
    );
}

pub async fn contacts_list_members_are_added_once_and_removed(s: Arc<dyn Storage>) {
    let here = space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let bob = account(&s, "bob", "example.org").await;
    let friends = contacts_list(&s, &here, "Friends").await;
    let family = contacts_list(&s, &here, "Family").await;
    let unknown_list = ContactsListId(family.id.0 + 1000);
    let unknown_account = AccountId(bob.0 + 1000);

    assert!(
        s.add_to_contacts_list(friends.id, alice, t0())
            .await
            .unwrap()
    );
    assert!(s.add_to_contacts_list(friends.id, bob, t0()).await.unwrap());
    assert!(!s.add_to_contacts_list(friends.id, bob, t0()).await.unwrap());
    assert!(s.add_to_contacts_list(family.id, bob, t0()).await.unwrap());
    assert!(matches!(
        s.add_to_contacts_list(unknown_list, alice, t0()).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.add_to_contacts_list(friends.id, unknown_account, t0())
            .await,
        Err(StoreError::NotFound)
    ));
    let lists = s.contacts_lists_of(here.id).await.unwrap();
    assert_eq!(count(&lists, friends.id), 2);
    assert_eq!(count(&lists, family.id), 1);
    assert_eq!(
        s.contacts_list(friends.id)
            .await
            .unwrap()
            .unwrap()
            .contacts_count,
        2
    );

    assert!(s.remove_from_contacts_list(friends.id, bob).await.unwrap());
    assert!(!s.remove_from_contacts_list(friends.id, bob).await.unwrap());
    assert!(
        !s.remove_from_contacts_list(unknown_list, bob)
            .await
            .unwrap()
    );
    let lists = s.contacts_lists_of(here.id).await.unwrap();
    assert_eq!(count(&lists, friends.id), 1);
    assert_eq!(count(&lists, family.id), 1);
    let updated = s
        .update_contacts_list(friends.id, &title("Friends"), None, t0())
        .await
        .unwrap();
    assert_eq!(updated.contacts_count, 1, "an update answers the count too");
}

pub async fn contacts_lists_are_attached_once_and_detached(s: Arc<dyn Storage>) {
    let here = space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let bob = account(&s, "bob", "example.org").await;
    let friends = contacts_list(&s, &here, "Friends").await;
    s.add_to_contacts_list(friends.id, bob, t0()).await.unwrap();

    assert!(
        s.attach_contacts_list(alice, friends.id, t0())
            .await
            .unwrap()
    );
    assert!(
        !s.attach_contacts_list(alice, friends.id, t0())
            .await
            .unwrap()
    );
    assert!(matches!(
        s.attach_contacts_list(alice, ContactsListId(friends.id.0 + 1000), t0())
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.attach_contacts_list(AccountId(bob.0 + 1000), friends.id, t0())
            .await,
        Err(StoreError::NotFound)
    ));
    let seen: Vec<AccountId> = s
        .all_contacts_of(alice)
        .await
        .unwrap()
        .iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(seen, [bob]);

    assert!(s.detach_contacts_list(alice, friends.id).await.unwrap());
    assert!(!s.detach_contacts_list(alice, friends.id).await.unwrap());
    assert!(s.all_contacts_of(alice).await.unwrap().is_empty());
    // Detaching left the list and its members alone.
    assert_eq!(
        s.contacts_list(friends.id)
            .await
            .unwrap()
            .unwrap()
            .contacts_count,
        1
    );
}

pub async fn all_contacts_are_direct_ones_and_members_of_attached_lists_once(s: Arc<dyn Storage>) {
    let here = space(&s, "example.org").await;
    let me = account(&s, "me", "example.org").await;
    let bob = account(&s, "bob", "example.org").await;
    let carol = account(&s, "carol", "example.org").await;
    let dave = account(&s, "dave", "example.org").await;
    let erin = account(&s, "erin", "example.org").await;
    let friends = contacts_list(&s, &here, "Friends").await;
    let work = contacts_list(&s, &here, "Work").await;
    let unattached = contacts_list(&s, &here, "Unattached").await;

    // dave is a direct contact and in two attached lists; erin is only in an unattached list.
    s.add_contact(me, dave, t0()).await.unwrap();
    s.add_contact(me, bob, t0()).await.unwrap();
    s.add_contact(bob, erin, t0()).await.unwrap();
    for (list, member) in [
        (friends.id, dave),
        (friends.id, carol),
        (work.id, dave),
        (unattached.id, erin),
    ] {
        s.add_to_contacts_list(list, member, t0()).await.unwrap();
    }
    s.attach_contacts_list(me, friends.id, t0()).await.unwrap();
    s.attach_contacts_list(me, work.id, t0()).await.unwrap();

    let all = s.all_contacts_of(me).await.unwrap();
    let ids: Vec<AccountId> = all.iter().map(|a| a.id).collect();
    assert_eq!(ids, [bob, carol, dave]);
    let stored_carol = s.account_by_id(carol).await.unwrap().unwrap();
    assert_eq!(norm(all[1].clone()), norm(stored_carol));
    assert!(
        s.all_contacts_of(AccountId(erin.0 + 1000))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(s.all_contacts_of(bob).await.unwrap().len(), 1);
}

pub async fn deleting_an_account_a_list_or_a_space_cascades_to_contacts_lists(s: Arc<dyn Storage>) {
    let gone = space(&s, "gone.org").await;
    let kept = space(&s, "kept.org").await;
    let alice = account(&s, "alice", "kept.org").await;
    let bob = account(&s, "bob", "kept.org").await;
    let carol = account(&s, "carol", "kept.org").await;
    let friends = contacts_list(&s, &kept, "Friends").await;
    let work = contacts_list(&s, &kept, "Work").await;
    let doomed = contacts_list(&s, &gone, "Doomed").await;
    for member in [bob, carol] {
        s.add_to_contacts_list(friends.id, member, t0())
            .await
            .unwrap();
    }
    s.add_to_contacts_list(work.id, carol, t0()).await.unwrap();
    s.attach_contacts_list(alice, friends.id, t0())
        .await
        .unwrap();
    s.attach_contacts_list(alice, work.id, t0()).await.unwrap();
    s.attach_contacts_list(bob, work.id, t0()).await.unwrap();

    // A deleted member leaves every list; a deleted account loses its attachments.
    assert!(s.delete_account(carol, t0()).await.unwrap());
    assert_eq!(
        s.contacts_list(friends.id)
            .await
            .unwrap()
            .unwrap()
            .contacts_count,
        1
    );
    assert_eq!(
        s.contacts_list(work.id)
            .await
            .unwrap()
            .unwrap()
            .contacts_count,
        0
    );
    assert!(s.delete_account(bob, t0()).await.unwrap());
    assert!(s.all_contacts_of(alice).await.unwrap().is_empty());

    // A deleted list leaves the accounts it was attached to.
    let dave = account(&s, "dave", "kept.org").await;
    s.add_to_contacts_list(work.id, dave, t0()).await.unwrap();
    assert!(s.delete_contacts_list(work.id).await.unwrap());
    assert!(s.all_contacts_of(alice).await.unwrap().is_empty());
    assert!(!s.detach_contacts_list(alice, work.id).await.unwrap());

    // A deleted space takes its lists along; a title is free again.
    assert!(s.delete_space(&gone.domain).await.unwrap());
    assert!(s.contacts_list(doomed.id).await.unwrap().is_none());
    assert!(s.contacts_list(friends.id).await.unwrap().is_some());
    contacts_list(&s, &kept, "Doomed").await;
}

pub async fn concurrent_additions_to_a_contacts_list_let_one_win(s: Arc<dyn Storage>) {
    let here = space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let friends = contacts_list(&s, &here, "Friends").await;
    let mut tasks = JoinSet::new();
    for _ in 0..10 {
        let s = s.clone();
        tasks.spawn(async move { s.add_to_contacts_list(friends.id, alice, t0()).await });
    }
    let mut wins = 0;
    while let Some(outcome) = tasks.join_next().await {
        if outcome.expect("task").expect("add_to_contacts_list") {
            wins += 1;
        }
    }
    assert_eq!(wins, 1);
    assert_eq!(
        s.contacts_list(friends.id)
            .await
            .unwrap()
            .unwrap()
            .contacts_count,
        1
    );
}

pub async fn concurrent_attachments_of_a_contacts_list_let_one_win(s: Arc<dyn Storage>) {
    let here = space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let friends = contacts_list(&s, &here, "Friends").await;
    let mut tasks = JoinSet::new();
    for _ in 0..10 {
        let s = s.clone();
        tasks.spawn(async move { s.attach_contacts_list(alice, friends.id, t0()).await });
    }
    let mut wins = 0;
    while let Some(outcome) = tasks.join_next().await {
        if outcome.expect("task").expect("attach_contacts_list") {
            wins += 1;
        }
    }
    assert_eq!(wins, 1);
    assert!(s.detach_contacts_list(alice, friends.id).await.unwrap());
    assert!(!s.detach_contacts_list(alice, friends.id).await.unwrap());
}

crate::register_cases! {
    contacts_lists_are_created_listed_shown_updated_and_deleted,
    a_contacts_list_title_is_unique_across_spaces,
    contacts_list_members_are_added_once_and_removed,
    contacts_lists_are_attached_once_and_detached,
    all_contacts_are_direct_ones_and_members_of_attached_lists_once,
    deleting_an_account_a_list_or_a_space_cascades_to_contacts_lists,
    concurrent_additions_to_a_contacts_list_let_one_win,
    concurrent_attachments_of_a_contacts_list_let_one_win,
}
