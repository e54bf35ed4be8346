//! Each account's stored vCards, and the CardDAV servers of spaces with accounts' credentials.

use std::sync::Arc;

use flexiapi_domain::error::{Conflict, StoreError};
use flexiapi_domain::model::{
    AccountId, CardDavCredentials, CardDavServerId, NewCardDavServer, ParsedVcard,
    PasswordAlgorithm, SpaceId,
};
use flexiapi_domain::ports::Storage;

use crate::support::*;

fn card(uid: &str, name: &str) -> ParsedVcard {
    ParsedVcard {
        uid: uid.into(),
        text: format!("BEGIN:VCARD\nVERSION:4.0\nFN:{name}\nUID:{uid}\nEND:VCARD\n"),
    }
}

pub async fn vcards_are_stored_by_uid_per_account(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let bob = account(&s, "bob", "example.org").await;
    assert!(s.vcards_of(alice).await.unwrap().is_empty());

    let first = s.create_vcard(alice, &card("u1", "One"), t0()).await.unwrap();
    assert_eq!(first.account_id, alice);
    assert_eq!(first.uuid, "u1");
    assert!(first.vcard.contains("FN:One"));
    assert_eq!(first.created_at, t0());
    s.create_vcard(alice, &card("u0", "Zero"), t0() + secs(1))
        .await
        .unwrap();
    // Another account may hold the same UID.
    s.create_vcard(bob, &card("u1", "Bob's"), t0()).await.unwrap();
    assert_conflict(
        s.create_vcard(alice, &card("u1", "Again"), t0()).await,
        Conflict::VcardUid,
    );

    let uids: Vec<String> = s
        .vcards_of(alice)
        .await
        .unwrap()
        .into_iter()
        .map(|v| v.uuid)
        .collect();
    assert_eq!(uids, ["u1", "u0"], "oldest first");
    assert_eq!(s.vcard(alice, "u1").await.unwrap(), Some(first.clone()));
    assert!(s.vcard(alice, "nope").await.unwrap().is_none());
    assert!(
        s.vcard(bob, "u1")
            .await
            .unwrap()
            .unwrap()
            .vcard
            .contains("Bob's")
    );

    let updated = s
        .update_vcard(alice, &card("u1", "Uno"), t0() + secs(5))
        .await
        .unwrap()
        .unwrap();
    assert!(updated.vcard.contains("FN:Uno"));
    assert_eq!(updated.created_at, t0());
    assert_eq!(updated.updated_at, t0() + secs(5));
    assert!(
        s.update_vcard(alice, &card("unknown", "X"), t0())
            .await
            .unwrap()
            .is_none()
    );
    assert!(s.vcard(bob, "u1").await.unwrap().unwrap().vcard.contains("Bob's"));

    assert!(s.delete_vcard(alice, "u1").await.unwrap());
    assert!(!s.delete_vcard(alice, "u1").await.unwrap());
    assert!(s.vcard(alice, "u1").await.unwrap().is_none());
    assert!(s.vcard(bob, "u1").await.unwrap().is_some());
}

pub async fn vcards_go_with_their_account_and_need_one(s: Arc<dyn Storage>) {
    let other = space(&s, "other.org").await;
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let carol = account(&s, "carol", "other.org").await;
    s.create_vcard(alice, &card("a", "A"), t0()).await.unwrap();
    s.create_vcard(carol, &card("c", "C"), t0()).await.unwrap();
    assert!(matches!(
        s.create_vcard(AccountId(999_999), &card("x", "X"), t0()).await,
        Err(StoreError::NotFound)
    ));
    assert!(s.delete_account(alice, t0()).await.unwrap());
    assert!(s.vcards_of(alice).await.unwrap().is_empty());
    assert!(s.delete_space(&other.domain).await.unwrap());
    assert!(s.vcards_of(carol).await.unwrap().is_empty());
}

fn server(space_id: SpaceId, uri: &str) -> NewCardDavServer {
    NewCardDavServer {
        space_id,
        enabled: true,
        uri: uri.into(),
        min_characters: 2,
        results_limit: 25,
        timeout: 7,
        delay: 300,
        fields_for_user_input: Some("fn,impp".into()),
        fields_for_domain: None,
        use_exact_match_policy: true,
    }
}

fn credentials(
    account_id: AccountId,
    server_id: CardDavServerId,
    user: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> CardDavCredentials {
    CardDavCredentials {
        account_id,
        server_id,
        username: user.into(),
        realm: "dav.example.org".into(),
        algorithm: PasswordAlgorithm::Sha256,
        password: format!("ha1-of-{user}"),
        created_at: at,
        updated_at: at,
    }
}

pub async fn carddav_servers_are_kept_per_space(s: Arc<dyn Storage>) {
    let example = space(&s, "example.org").await;
    let other = space(&s, "other.org").await;
    assert!(s.carddav_servers(example.id).await.unwrap().is_empty());

    let a = s
        .create_carddav_server(&server(example.id, "https://a.example.org/dav"), t0())
        .await
        .unwrap();
    assert_eq!(a.server, server(example.id, "https://a.example.org/dav"));
    assert_eq!(a.server.results_limit, 25, "results_limit is kept");
    assert_eq!(a.created_at, t0());
    let b = s
        .create_carddav_server(&server(example.id, "https://b.example.org/dav"), t0())
        .await
        .unwrap();
    let o = s
        .create_carddav_server(&server(other.id, "https://o.other.org/dav"), t0())
        .await
        .unwrap();
    assert!(matches!(
        s.create_carddav_server(&server(SpaceId(999_999), "https://x.org"), t0())
            .await,
        Err(StoreError::NotFound)
    ));
    let ids: Vec<_> = s
        .carddav_servers(example.id)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(ids, [a.id, b.id]);
    assert!(s.carddav_server(example.id, o.id).await.unwrap().is_none());
    assert_eq!(s.carddav_server(example.id, a.id).await.unwrap(), Some(a.clone()));

    let mut changed = server(example.id, "https://a2.example.org/dav");
    changed.enabled = false;
    changed.fields_for_domain = Some("impp".into());
    changed.fields_for_user_input = None;
    let updated = s
        .update_carddav_server(a.id, &changed, t0() + secs(3))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(updated.server, changed);
    assert_eq!(updated.created_at, t0());
    assert_eq!(updated.updated_at, t0() + secs(3));
    // Another space's server is not found through this one.
    assert!(
        s.update_carddav_server(o.id, &changed, t0())
            .await
            .unwrap()
            .is_none()
    );
    assert!(!s.delete_carddav_server(example.id, o.id).await.unwrap());
    assert!(s.delete_carddav_server(example.id, b.id).await.unwrap());
    assert!(!s.delete_carddav_server(example.id, b.id).await.unwrap());
    assert!(s.delete_space(&other.domain).await.unwrap());
    assert!(s.carddav_servers(other.id).await.unwrap().is_empty());
}

pub async fn carddav_credentials_are_replaced_and_deleted_alone(s: Arc<dyn Storage>) {
    let example = space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let bob = account(&s, "bob", "example.org").await;
    let a = s
        .create_carddav_server(&server(example.id, "https://a.example.org"), t0())
        .await
        .unwrap();
    let b = s
        .create_carddav_server(&server(example.id, "https://b.example.org"), t0())
        .await
        .unwrap();
    assert!(s.carddav_credentials_of(&[alice]).await.unwrap().is_empty());

    let put = s
        .put_carddav_credentials(&credentials(alice, b.id, "al", t0()))
        .await
        .unwrap();
    assert_eq!(put, credentials(alice, b.id, "al", t0()));
    s.put_carddav_credentials(&credentials(alice, a.id, "al-a", t0()))
        .await
        .unwrap();
    s.put_carddav_credentials(&credentials(bob, a.id, "bo", t0()))
        .await
        .unwrap();
    let replaced = s
        .put_carddav_credentials(&credentials(alice, b.id, "al2", t0() + secs(9)))
        .await
        .unwrap();
    assert_eq!(replaced.username, "al2");
    assert_eq!(replaced.created_at, t0(), "a replacement keeps its creation time");
    assert_eq!(replaced.updated_at, t0() + secs(9));

    let mine = s.carddav_credentials_of(&[alice]).await.unwrap();
    assert_eq!(mine.len(), 2);
    assert_eq!((mine[0].0.id, mine[0].1.username.as_str()), (a.id, "al-a"));
    assert_eq!((mine[1].0.id, mine[1].1.username.as_str()), (b.id, "al2"));
    assert_eq!(mine[1].1.algorithm, PasswordAlgorithm::Sha256);
    assert_eq!(mine[1].1.password, "ha1-of-al2");
    let both = s.carddav_credentials_of(&[bob, alice]).await.unwrap();
    let owners: Vec<AccountId> = both.iter().map(|(_, c)| c.account_id).collect();
    assert_eq!(owners, [alice, alice, bob], "ordered by account, then server");

    assert!(matches!(
        s.put_carddav_credentials(&credentials(AccountId(999_999), a.id, "x", t0()))
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.put_carddav_credentials(&credentials(alice, CardDavServerId(999_999), "x", t0()))
            .await,
        Err(StoreError::NotFound)
    ));

    // Deleting credentials leaves the server; deleting a server takes its credentials along.
    assert!(s.delete_carddav_credentials(alice, a.id).await.unwrap());
    assert!(!s.delete_carddav_credentials(alice, a.id).await.unwrap());
    assert!(s.carddav_server(example.id, a.id).await.unwrap().is_some());
    assert_eq!(s.carddav_credentials_of(&[bob]).await.unwrap().len(), 1);
    assert!(s.delete_carddav_server(example.id, a.id).await.unwrap());
    assert!(s.carddav_credentials_of(&[bob]).await.unwrap().is_empty());
    assert!(s.delete_account(alice, t0()).await.unwrap());
    assert!(s.carddav_credentials_of(&[alice]).await.unwrap().is_empty());
    assert!(s.carddav_server(example.id, b.id).await.unwrap().is_some());
}

crate::register_cases! {
    vcards_are_stored_by_uid_per_account,
    vcards_go_with_their_account_and_need_one,
    carddav_servers_are_kept_per_space,
    carddav_credentials_are_replaced_and_deleted_alone,
}
