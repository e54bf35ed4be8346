//! Call forwardings: one per type and account, `always` exclusive of the others when enabled,
//! gone with their account and with the contact they forward to.

use std::sync::Arc;

use flexiapi_domain::error::{Conflict, StoreError};
use flexiapi_domain::model::{
    AccountId, CallForwarding, CallForwardingId, ForwardTo, ForwardingType, NewCallForwarding,
    SipUri,
};
use flexiapi_domain::ports::Storage;
use tokio::task::JoinSet;

use crate::support::*;

use ForwardingType::{Always, Busy, NoAnswer};

fn to_uri(account_id: AccountId, kind: ForwardingType, enabled: bool) -> NewCallForwarding {
    NewCallForwarding {
        account_id,
        kind,
        forward_to: ForwardTo::SipUri,
        sip_uri: Some(SipUri::unchecked("sip:voicemail@example.org;transport=tls")),
        contact_id: None,
        enabled,
    }
}

fn to_contact(account_id: AccountId, kind: ForwardingType, contact: AccountId) -> NewCallForwarding {
    NewCallForwarding {
        forward_to: ForwardTo::Contact,
        sip_uri: None,
        contact_id: Some(contact),
        ..to_uri(account_id, kind, true)
    }
}

fn norm_fwd(mut f: CallForwarding) -> CallForwarding {
    f.created_at = ms(f.created_at);
    f.updated_at = ms(f.updated_at);
    f
}

pub async fn call_forwardings_are_created_listed_shown_updated_and_deleted(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let bob = account(&s, "bob", "example.org").await;

    let busy = s
        .create_call_forwarding(&to_contact(alice, Busy, bob), t0())
        .await
        .unwrap();
    assert_eq!(
        (busy.account_id, busy.kind, busy.forward_to, busy.enabled),
        (alice, Busy, ForwardTo::Contact, true)
    );
    assert_eq!(busy.contact_id, Some(bob));
    assert_eq!(
        busy.contact.as_ref().map(ToString::to_string).as_deref(),
        Some("sip:bob@example.org")
    );
    assert_eq!(busy.sip_uri, None);
    assert_eq!(ms(busy.created_at), ms(t0()));
    let always = s
        .create_call_forwarding(&to_uri(alice, Always, false), t0())
        .await
        .unwrap();
    assert_eq!(
        always.sip_uri.as_ref().map(SipUri::as_str),
        Some("sip:voicemail@example.org;transport=tls")
    );
    assert_eq!((always.contact_id, &always.contact), (None, &None));

    let listed: Vec<CallForwarding> = s
        .call_forwardings_of(alice)
        .await
        .unwrap()
        .into_iter()
        .map(norm_fwd)
        .collect();
    assert_eq!(listed, [norm_fwd(busy.clone()), norm_fwd(always.clone())]);
    assert!(s.call_forwardings_of(bob).await.unwrap().is_empty());
    assert_eq!(
        s.call_forwarding(alice, always.id).await.unwrap().map(norm_fwd),
        Some(norm_fwd(always.clone()))
    );
    // Another account's forwarding is not found through this one.
    assert!(s.call_forwarding(bob, always.id).await.unwrap().is_none());
    assert!(
        s.call_forwarding(alice, CallForwardingId(always.id.0 + 1000))
            .await
            .unwrap()
            .is_none()
    );

    let later = t0() + secs(60);
    let voicemail = NewCallForwarding {
        kind: NoAnswer,
        forward_to: ForwardTo::Voicemail,
        sip_uri: None,
        ..to_uri(alice, Always, true)
    };
    let updated = s
        .update_call_forwarding(busy.id, &voicemail, later)
        .await
        .unwrap();
    assert_eq!(updated.id, busy.id);
    assert_eq!(
        (updated.kind, updated.forward_to, updated.enabled),
        (NoAnswer, ForwardTo::Voicemail, true)
    );
    assert_eq!((updated.sip_uri, updated.contact_id, updated.contact), (None, None, None));
    assert_eq!(ms(updated.created_at), ms(t0()));
    assert_eq!(ms(updated.updated_at), ms(later));
    assert_eq!(
        s.call_forwarding(alice, busy.id).await.unwrap().map(|f| f.kind),
        Some(NoAnswer)
    );

    assert!(!s.delete_call_forwarding(bob, always.id).await.unwrap());
    assert!(s.delete_call_forwarding(alice, always.id).await.unwrap());
    assert!(!s.delete_call_forwarding(alice, always.id).await.unwrap());
    assert_eq!(s.call_forwardings_of(alice).await.unwrap().len(), 1);
}

pub async fn a_call_forwarding_type_is_unique_per_account(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let bob = account(&s, "bob", "example.org").await;
    s.create_call_forwarding(&to_uri(alice, Busy, false), t0())
        .await
        .unwrap();
    let no_answer = s
        .create_call_forwarding(&to_uri(alice, NoAnswer, false), t0())
        .await
        .unwrap();
    assert_conflict(
        s.create_call_forwarding(&to_uri(alice, Busy, true), t0()).await,
        Conflict::CallForwardingType,
    );
    // Another account has its own set.
    s.create_call_forwarding(&to_uri(bob, Busy, false), t0())
        .await
        .unwrap();
    assert_conflict(
        s.update_call_forwarding(no_answer.id, &to_uri(alice, Busy, false), t0())
            .await,
        Conflict::CallForwardingType,
    );
    // Its own type is no conflict.
    s.update_call_forwarding(no_answer.id, &to_uri(alice, NoAnswer, true), t0())
        .await
        .unwrap();
    assert_eq!(s.call_forwardings_of(alice).await.unwrap().len(), 2);
}

pub async fn an_enabled_always_excludes_enabled_no_answer_and_busy(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let bob = account(&s, "bob", "example.org").await;
    let always = s
        .create_call_forwarding(&to_uri(alice, Always, true), t0())
        .await
        .unwrap();
    assert_conflict(
        s.create_call_forwarding(&to_uri(alice, Busy, true), t0()).await,
        Conflict::CallForwardingEnabled,
    );
    // Disabled, it may wait beside `always`; enabling it is refused.
    let busy = s
        .create_call_forwarding(&to_uri(alice, Busy, false), t0())
        .await
        .unwrap();
    assert_conflict(
        s.update_call_forwarding(busy.id, &to_uri(alice, Busy, true), t0())
            .await,
        Conflict::CallForwardingEnabled,
    );
    // Another account is not concerned.
    s.create_call_forwarding(&to_uri(bob, Busy, true), t0())
        .await
        .unwrap();
    // `always` off, the conditional ones may both be on, and `always` may not come back on.
    s.update_call_forwarding(always.id, &to_uri(alice, Always, false), t0())
        .await
        .unwrap();
    s.update_call_forwarding(busy.id, &to_uri(alice, Busy, true), t0())
        .await
        .unwrap();
    s.create_call_forwarding(&to_uri(alice, NoAnswer, true), t0())
        .await
        .unwrap();
    assert_conflict(
        s.update_call_forwarding(always.id, &to_uri(alice, Always, true), t0())
            .await,
        Conflict::CallForwardingEnabled,
    );
    let enabled: Vec<ForwardingType> = s
        .call_forwardings_of(alice)
        .await
        .unwrap()
        .into_iter()
        .filter(|f| f.enabled)
        .map(|f| f.kind)
        .collect();
    assert_eq!(enabled, [Busy, NoAnswer]);
}

pub async fn call_forwardings_need_their_account_and_contact(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let bob = account(&s, "bob", "example.org").await;
    let unknown = AccountId(bob.0 + 1000);
    assert!(matches!(
        s.create_call_forwarding(&to_uri(unknown, Always, true), t0()).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.create_call_forwarding(&to_contact(alice, Always, unknown), t0())
            .await,
        Err(StoreError::NotFound)
    ));
    let mine = s
        .create_call_forwarding(&to_uri(alice, Always, true), t0())
        .await
        .unwrap();
    // Through another account, or unknown: not found, and nothing changed.
    assert!(matches!(
        s.update_call_forwarding(mine.id, &to_uri(bob, Always, false), t0())
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.update_call_forwarding(
            CallForwardingId(mine.id.0 + 1000),
            &to_uri(alice, Busy, false),
            t0()
        )
        .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.update_call_forwarding(mine.id, &to_contact(alice, Always, unknown), t0())
            .await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        s.call_forwardings_of(alice).await.unwrap().map_enabled(),
        [(Always, true)]
    );
    assert!(s.call_forwardings_of(bob).await.unwrap().is_empty());
}

trait EnabledKinds {
    fn map_enabled(self) -> Vec<(ForwardingType, bool)>;
}

impl EnabledKinds for Vec<CallForwarding> {
    fn map_enabled(self) -> Vec<(ForwardingType, bool)> {
        self.into_iter().map(|f| (f.kind, f.enabled)).collect()
    }
}

pub async fn deleting_an_account_or_its_contact_deletes_its_forwardings(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let other = space(&s, "other.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let bob = account(&s, "bob", "example.org").await;
    let carol = account(&s, "carol", "example.org").await;
    let dave = account(&s, "dave", "other.org").await;
    s.create_call_forwarding(&to_contact(alice, Busy, bob), t0())
        .await
        .unwrap();
    s.create_call_forwarding(&to_uri(alice, NoAnswer, true), t0())
        .await
        .unwrap();
    let to_alice = s
        .create_call_forwarding(&to_contact(carol, Always, alice), t0())
        .await
        .unwrap();
    s.create_call_forwarding(&to_uri(dave, Always, true), t0())
        .await
        .unwrap();

    // The contact goes: so does the forwarding to it (the original's foreign key), not the rest.
    assert!(s.delete_account(bob, t0()).await.unwrap());
    assert_eq!(
        s.call_forwardings_of(alice).await.unwrap().map_enabled(),
        [(NoAnswer, true)]
    );
    // The account goes: its forwardings and those to it go.
    assert!(s.delete_account(alice, t0()).await.unwrap());
    assert!(s.call_forwardings_of(alice).await.unwrap().is_empty());
    assert!(s.call_forwardings_of(carol).await.unwrap().is_empty());
    assert!(
        s.call_forwarding(carol, to_alice.id)
            .await
            .unwrap()
            .is_none()
    );
    // The space goes: its accounts' forwardings with them.
    assert_eq!(s.call_forwardings_of(dave).await.unwrap().len(), 1);
    assert!(s.delete_space(&other.domain).await.unwrap());
    assert!(s.call_forwardings_of(dave).await.unwrap().is_empty());
}

pub async fn concurrent_forwardings_of_one_account_keep_the_rules(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    // The same type ten times: one wins.
    let mut tasks = JoinSet::new();
    for _ in 0..10 {
        let s = s.clone();
        tasks.spawn(async move {
            s.create_call_forwarding(&to_uri(alice, Busy, false), t0())
                .await
        });
    }
    let mut wins = 0;
    while let Some(outcome) = tasks.join_next().await {
        match outcome.expect("task") {
            Ok(_) => wins += 1,
            Err(e) => assert!(
                matches!(e, StoreError::Conflict(Conflict::CallForwardingType)),
                "{e:?}"
            ),
        }
    }
    assert_eq!(wins, 1);

    // `always` and `no_answer`, both enabled, at once, again and again: never both stored on.
    let bob = account(&s, "bob", "example.org").await;
    for _ in 0..5 {
        let mut tasks = JoinSet::new();
        for kind in [Always, NoAnswer] {
            let s = s.clone();
            tasks.spawn(async move {
                s.create_call_forwarding(&to_uri(bob, kind, true), t0())
                    .await
            });
        }
        let mut wins = 0;
        while let Some(outcome) = tasks.join_next().await {
            match outcome.expect("task") {
                Ok(_) => wins += 1,
                Err(e) => assert!(
                    matches!(e, StoreError::Conflict(Conflict::CallForwardingEnabled)),
                    "{e:?}"
                ),
            }
        }
        assert_eq!(wins, 1);
        for f in s.call_forwardings_of(bob).await.unwrap() {
            assert!(s.delete_call_forwarding(bob, f.id).await.unwrap());
        }
    }
}

crate::register_cases! {
    call_forwardings_are_created_listed_shown_updated_and_deleted,
    a_call_forwarding_type_is_unique_per_account,
    an_enabled_always_excludes_enabled_no_answer_and_busy,
    call_forwardings_need_their_account_and_contact,
    deleting_an_account_or_its_contact_deletes_its_forwardings,
    concurrent_forwardings_of_one_account_keep_the_rules,
}
