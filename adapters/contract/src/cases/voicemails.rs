//! Voicemails: slots bound to their account (and so to its space), filled once, gone with their
//! account.

use std::sync::Arc;

use flexiapi_domain::error::StoreError;
use flexiapi_domain::model::{
    AccountId, NewVoicemail, SipUri, Voicemail, VoicemailId, VoicemailType,
};
use flexiapi_domain::ports::Storage;
use tokio::task::JoinSet;

use crate::support::*;

fn vid(n: u8) -> VoicemailId {
    VoicemailId::from_random_hex(&format!("{n:02x}").repeat(16)).expect("32 hex digits")
}

fn slot(account_id: AccountId, n: u8) -> NewVoicemail {
    NewVoicemail {
        id: vid(n),
        account_id,
        sip_from: Some(SipUri::unchecked("sip:bob@example.org")),
        content_type: VoicemailType::Opus,
    }
}

fn ids(v: &[Voicemail]) -> Vec<VoicemailId> {
    v.iter().map(|v| v.id.clone()).collect()
}

pub async fn voicemails_are_created_listed_filled_and_deleted(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let bob = account(&s, "bob", "example.org").await;

    let first = s.create_voicemail(&slot(alice, 2), t0()).await.unwrap();
    assert_eq!(first.id, vid(2));
    assert_eq!(first.account_id, alice);
    assert_eq!(first.content_type, VoicemailType::Opus);
    assert_eq!(
        first.sip_from.as_ref().map(SipUri::as_str),
        Some("sip:bob@example.org")
    );
    assert_eq!((&first.name, first.size, first.uploaded_at), (&None, None, None));
    assert_eq!(ms(first.created_at), ms(t0()));
    let wav = NewVoicemail {
        sip_from: None,
        content_type: VoicemailType::Wav,
        ..slot(alice, 1)
    };
    let second = s.create_voicemail(&wav, t0() + secs(5)).await.unwrap();
    assert_eq!((second.content_type, &second.sip_from), (VoicemailType::Wav, &None));
    s.create_voicemail(&slot(bob, 3), t0()).await.unwrap();

    // Oldest first, whatever the ids.
    assert_eq!(ids(&s.voicemails_of(alice).await.unwrap()), [vid(2), vid(1)]);
    assert_eq!(ids(&s.voicemails_of(bob).await.unwrap()), [vid(3)]);
    assert!(s.voicemails_of(AccountId(999_999)).await.unwrap().is_empty());
    assert_eq!(s.voicemail(alice, &vid(2)).await.unwrap().map(|v| v.id), Some(vid(2)));
    assert_eq!(s.voicemail(bob, &vid(2)).await.unwrap(), None);

    // Filled once: the second upload finds nothing to fill.
    let filled = s
        .fill_voicemail(alice, &vid(2), "x.opus", 1234, t0() + secs(9))
        .await
        .unwrap()
        .expect("an empty slot is filled");
    assert_eq!((filled.name.as_deref(), filled.size), (Some("x.opus"), Some(1234)));
    assert_eq!(filled.uploaded_at.map(ms), Some(ms(t0() + secs(9))));
    assert_eq!(ms(filled.created_at), ms(t0()));
    assert_eq!(
        s.fill_voicemail(alice, &vid(2), "y.opus", 1, t0()).await.unwrap(),
        None
    );
    assert_eq!(
        s.fill_voicemail(bob, &vid(1), "y.wav", 1, t0()).await.unwrap(),
        None,
        "another account's slot"
    );
    let read = s.voicemail(alice, &vid(2)).await.unwrap().unwrap();
    assert_eq!((read.name.as_deref(), read.size), (Some("x.opus"), Some(1234)));

    // Deleting gives the row back (its file is then removed), once, and only to its account.
    assert_eq!(s.delete_voicemail(bob, &vid(2)).await.unwrap(), None);
    let gone = s.delete_voicemail(alice, &vid(2)).await.unwrap().unwrap();
    assert_eq!(gone.name.as_deref(), Some("x.opus"));
    assert_eq!(s.delete_voicemail(alice, &vid(2)).await.unwrap(), None);
    assert_eq!(ids(&s.voicemails_of(alice).await.unwrap()), [vid(1)]);
}

pub async fn a_voicemail_is_found_in_its_space_only(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    space(&s, "other.org").await;
    let alice = account(&s, "alice", "example.org").await;
    s.create_voicemail(&slot(alice, 4), t0()).await.unwrap();
    let found = s
        .voicemail_in_space(&domain("example.org"), &vid(4))
        .await
        .unwrap();
    assert_eq!(found.map(|v| v.account_id), Some(alice));
    assert_eq!(
        s.voicemail_in_space(&domain("other.org"), &vid(4)).await.unwrap(),
        None
    );
    assert_eq!(
        s.voicemail_in_space(&domain("example.org"), &vid(5)).await.unwrap(),
        None
    );
}

pub async fn voicemails_need_their_account_and_go_with_it(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let bob = account(&s, "bob", "example.org").await;
    assert!(matches!(
        s.create_voicemail(&slot(AccountId(999_999), 6), t0()).await,
        Err(StoreError::NotFound)
    ));
    s.create_voicemail(&slot(alice, 6), t0()).await.unwrap();
    s.create_voicemail(&slot(bob, 7), t0()).await.unwrap();
    assert!(s.delete_account(alice, t0()).await.unwrap());
    assert!(s.voicemails_of(alice).await.unwrap().is_empty());
    assert_eq!(
        s.voicemail_in_space(&domain("example.org"), &vid(6)).await.unwrap(),
        None
    );
    assert_eq!(ids(&s.voicemails_of(bob).await.unwrap()), [vid(7)]);
}

pub async fn old_voicemails_are_listed_oldest_first_up_to_a_limit(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    space(&s, "other.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let dave = account(&s, "dave", "other.org").await;
    s.create_voicemail(&slot(alice, 8), t0() + secs(20)).await.unwrap();
    s.create_voicemail(&slot(dave, 9), t0()).await.unwrap();
    s.create_voicemail(&slot(alice, 10), t0() + secs(10)).await.unwrap();
    s.create_voicemail(&slot(alice, 11), t0() + secs(60)).await.unwrap();
    let cutoff = t0() + secs(30);
    assert_eq!(
        ids(&s.voicemails_created_before(cutoff, 10).await.unwrap()),
        [vid(9), vid(10), vid(8)]
    );
    assert_eq!(
        ids(&s.voicemails_created_before(cutoff, 2).await.unwrap()),
        [vid(9), vid(10)]
    );
    assert!(s.voicemails_created_before(t0(), 10).await.unwrap().is_empty());
}

pub async fn concurrent_uploads_fill_a_voicemail_once(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    s.create_voicemail(&slot(alice, 12), t0()).await.unwrap();
    let mut tasks = JoinSet::new();
    for n in 0..8 {
        let s = s.clone();
        tasks.spawn(async move {
            s.fill_voicemail(alice, &vid(12), &format!("{n}.opus"), n, t0())
                .await
                .unwrap()
        });
    }
    let mut winners = Vec::new();
    while let Some(done) = tasks.join_next().await {
        if let Some(v) = done.unwrap() {
            winners.push(v);
        }
    }
    assert_eq!(winners.len(), 1);
    let stored = s.voicemail(alice, &vid(12)).await.unwrap().unwrap();
    assert_eq!(stored.name, winners[0].name);
}

pub async fn uploaded_voicemails_are_mailed_once_with_retries(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    s.create_voicemail(&slot(alice, 13), t0()).await.unwrap();
    s.create_voicemail(&slot(alice, 14), t0() + secs(1)).await.unwrap();
    s.create_voicemail(&slot(alice, 15), t0() + secs(2)).await.unwrap();
    // Not uploaded: nothing to mail yet.
    assert!(s.voicemails_to_mail(3, t0(), 10).await.unwrap().is_empty());
    for n in [13, 14] {
        s.fill_voicemail(alice, &vid(n), "f", 1, t0()).await.unwrap().unwrap();
    }
    let now = t0() + secs(60);
    let stale = now - secs(30);
    assert_eq!(ids(&s.voicemails_to_mail(3, stale, 10).await.unwrap()), [vid(13), vid(14)]);
    assert_eq!(ids(&s.voicemails_to_mail(3, stale, 1).await.unwrap()), [vid(13)]);

    // Claimed once; a claim in progress hides it until it is stale.
    assert!(s.claim_voicemail_mailing(&vid(13), now, stale).await.unwrap());
    assert!(!s.claim_voicemail_mailing(&vid(13), now, stale).await.unwrap());
    assert_eq!(ids(&s.voicemails_to_mail(3, stale, 10).await.unwrap()), [vid(14)]);
    let later = now + secs(120);
    assert_eq!(
        ids(&s.voicemails_to_mail(3, later - secs(30), 10).await.unwrap()),
        [vid(13), vid(14)]
    );
    // Sent: never again.
    s.finish_voicemail_mailing(&vid(13), true, now).await.unwrap();
    assert!(!s.claim_voicemail_mailing(&vid(13), later, later).await.unwrap());
    assert_eq!(ids(&s.voicemails_to_mail(3, later, 10).await.unwrap()), [vid(14)]);

    // Failures count up to the limit.
    for tries in 1..=2 {
        assert!(s.claim_voicemail_mailing(&vid(14), now, stale).await.unwrap());
        s.finish_voicemail_mailing(&vid(14), false, now).await.unwrap();
        assert_eq!(
            ids(&s.voicemails_to_mail(3, stale, 10).await.unwrap()),
            [vid(14)],
            "{tries}"
        );
    }
    assert!(s.claim_voicemail_mailing(&vid(14), now, stale).await.unwrap());
    s.finish_voicemail_mailing(&vid(14), false, now).await.unwrap();
    assert!(s.voicemails_to_mail(3, stale, 10).await.unwrap().is_empty());
    assert_eq!(ids(&s.voicemails_to_mail(4, stale, 10).await.unwrap()), [vid(14)]);
    // Unknown voicemails: nothing to claim, nothing to finish.
    assert!(!s.claim_voicemail_mailing(&vid(99), now, stale).await.unwrap());
    s.finish_voicemail_mailing(&vid(99), true, now).await.unwrap();
}

crate::register_cases! {
    voicemails_are_created_listed_filled_and_deleted,
    a_voicemail_is_found_in_its_space_only,
    voicemails_need_their_account_and_go_with_it,
    old_voicemails_are_listed_oldest_first_up_to_a_limit,
    concurrent_uploads_fill_a_voicemail_once,
    uploaded_voicemails_are_mailed_once_with_retries,
}
