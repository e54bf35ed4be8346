//! Call and message statistics: idempotent records, device upserts, listings, deletion.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use flexiapi_domain::error::StoreError;
use flexiapi_domain::model::{
    InviteTerminatedState, StatisticsAddress, StatisticsCall, StatisticsCallDevice,
    StatisticsMessage, StatisticsMessageDevice,
};
use flexiapi_domain::ports::Storage;
use tokio::task::JoinSet;

use crate::support::*;

/// Instants every backend keeps exactly.
fn at(n: i64) -> DateTime<Utc> {
    ms(t0()) + secs(n)
}

fn addr(raw: &str) -> StatisticsAddress {
    StatisticsAddress::parse(raw).expect("test address")
}

fn call(space: &str, id: &str, from: &str, to: &str, initiated: i64) -> StatisticsCall {
    StatisticsCall {
        space: domain(space),
        id: id.into(),
        from: addr(from),
        to: addr(to),
        initiated_at: at(initiated),
        ended_at: None,
        conference_id: None,
        devices: Vec::new(),
        created_at: at(0),
        updated_at: at(0),
    }
}

fn message(space: &str, id: &str, from: &str, sent: i64) -> StatisticsMessage {
    StatisticsMessage {
        space: domain(space),
        id: id.into(),
        from: addr(from),
        sent_at: at(sent),
        encrypted: true,
        conference_id: Some("conf-1".into()),
        devices: Vec::new(),
        created_at: at(0),
        updated_at: at(0),
    }
}

fn call_device(call_id: &str, device: &str, now: i64) -> StatisticsCallDevice {
    StatisticsCallDevice {
        call_id: call_id.into(),
        device_id: device.into(),
        rang_at: None,
        invite_terminated: None,
        created_at: at(now),
        updated_at: at(now),
    }
}

fn message_device(message_id: &str, to: &str, device: &str, status: i64) -> StatisticsMessageDevice {
    StatisticsMessageDevice {
        message_id: message_id.into(),
        to: addr(to),
        device_id: device.into(),
        last_status: status,
        received_at: at(status),
        created_at: at(status),
        updated_at: at(status),
    }
}

pub async fn records_are_idempotent_by_id_within_their_space(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    space(&s, "other.org").await;
    let first = call("example.org", "c1", "alice@example.org", "bob@far.net", 1);
    assert!(s.record_statistics_call(&first).await.unwrap());
    // A retry, even with other values, leaves the first record as it was.
    let retry = StatisticsCall {
        to: addr("carol@far.net"),
        ..first.clone()
    };
    assert!(!s.record_statistics_call(&retry).await.unwrap());
    let space_a = domain("example.org");
    assert_eq!(
        s.statistics_call(&space_a, "c1").await.unwrap(),
        Some(first.clone())
    );
    // Another space does not see it, and may record its own call of that id.
    let space_b = domain("other.org");
    assert_eq!(s.statistics_call(&space_b, "c1").await.unwrap(), None);
    let theirs = call("other.org", "c1", "x@other.org", "y@other.org", 2);
    assert!(s.record_statistics_call(&theirs).await.unwrap());
    assert_eq!(s.statistics_call(&space_b, "c1").await.unwrap(), Some(theirs));
    assert_eq!(s.statistics_call(&space_a, "c1").await.unwrap(), Some(first));

    let m = message("example.org", "m1", "alice@example.org", 3);
    assert!(s.record_statistics_message(&m).await.unwrap());
    let retry = StatisticsMessage {
        encrypted: false,
        ..m.clone()
    };
    assert!(!s.record_statistics_message(&retry).await.unwrap());
    assert_eq!(s.statistics_message(&space_a, "m1").await.unwrap(), Some(m));
    assert_eq!(s.statistics_message(&space_b, "m1").await.unwrap(), None);
}

pub async fn devices_are_created_then_updated_on_known_records_only(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    space(&s, "other.org").await;
    let d = domain("example.org");
    let other = domain("other.org");
    s.record_statistics_call(&call("example.org", "c1", "a@example.org", "b@example.org", 1))
        .await
        .unwrap();

    let mut rang = call_device("c1", "dev-1", 5);
    rang.rang_at = Some(at(5));
    let (stored, created) = s.put_statistics_call_device(&d, &rang).await.unwrap();
    assert!(created);
    assert_eq!(stored, rang);
    // A later report of the termination keeps the ringing time and the creation time.
    let mut ended = call_device("c1", "dev-1", 9);
    ended.invite_terminated = Some((at(9), InviteTerminatedState::AcceptedElsewhere));
    let (stored, created) = s.put_statistics_call_device(&d, &ended).await.unwrap();
    assert!(!created);
    assert_eq!(stored.rang_at, Some(at(5)));
    assert_eq!(
        stored.invite_terminated,
        Some((at(9), InviteTerminatedState::AcceptedElsewhere))
    );
    assert_eq!((stored.created_at, stored.updated_at), (at(5), at(9)));
    s.put_statistics_call_device(&d, &call_device("c1", "dev-0", 6))
        .await
        .unwrap();
    let devices: Vec<String> = s
        .statistics_call(&d, "c1")
        .await
        .unwrap()
        .unwrap()
        .devices
        .into_iter()
        .map(|d| d.device_id)
        .collect();
    assert_eq!(devices, ["dev-0", "dev-1"]);
    assert!(matches!(
        s.put_statistics_call_device(&d, &call_device("nope", "dev-1", 5)).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.put_statistics_call_device(&other, &call_device("c1", "dev-1", 5)).await,
        Err(StoreError::NotFound)
    ));

    s.record_statistics_message(&message("example.org", "m1", "a@example.org", 1))
        .await
        .unwrap();
    let first = message_device("m1", "b@example.org", "dev-1", 1);
    assert_eq!(
        s.put_statistics_message_device(&d, &first).await.unwrap(),
        (first.clone(), true)
    );
    let (stored, created) = s
        .put_statistics_message_device(&d, &message_device("m1", "b@example.org", "dev-1", 4))
        .await
        .unwrap();
    assert!(!created);
    assert_eq!((stored.last_status, stored.received_at), (4, at(4)));
    assert_eq!(stored.created_at, at(1));
    // Another recipient of the same device id is another row.
    let (_, created) = s
        .put_statistics_message_device(&d, &message_device("m1", "c@example.org", "dev-1", 2))
        .await
        .unwrap();
    assert!(created);
    let stored = s.statistics_message(&d, "m1").await.unwrap().unwrap();
    assert_eq!(
        stored
            .devices
            .iter()
            .map(|d| (d.to.to_string(), d.last_status))
            .collect::<Vec<_>>(),
        [("b@example.org".to_owned(), 4), ("c@example.org".to_owned(), 2)]
    );
    assert!(matches!(
        s.put_statistics_message_device(&other, &first).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.put_statistics_message_device(&d, &message_device("nope", "b@example.org", "x", 1))
            .await,
        Err(StoreError::NotFound)
    ));
}

pub async fn a_call_is_ended_in_its_space_only(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    space(&s, "other.org").await;
    let d = domain("example.org");
    s.record_statistics_call(&call("example.org", "c1", "a@example.org", "b@example.org", 1))
        .await
        .unwrap();
    let ended = s
        .end_statistics_call(&d, "c1", at(30), at(31))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((ended.ended_at, ended.updated_at), (Some(at(30)), at(31)));
    assert_eq!(ended.created_at, at(0));
    assert_eq!(
        s.end_statistics_call(&domain("other.org"), "c1", at(40), at(41))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        s.end_statistics_call(&d, "nope", at(40), at(41)).await.unwrap(),
        None
    );
    let stored = s.statistics_call(&d, "c1").await.unwrap().unwrap();
    assert_eq!(stored.ended_at, Some(at(30)));
}

pub async fn calls_of_a_party_are_listed_newest_first_in_pages(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    space(&s, "other.org").await;
    let d = domain("example.org");
    let alice = addr("alice@example.org");
    for (id, from, to, t) in [
        ("c1", "alice@example.org", "bob@example.org", 10),
        ("c2", "bob@example.org", "alice@example.org", 30),
        ("c3", "bob@example.org", "carol@example.org", 20),
        ("c4", "alice@example.org", "dave@far.net", 20),
        ("c5", "carol@example.org", "alice@example.org", 20),
        ("c6", "alice@elsewhere.org", "bob@example.org", 40),
    ] {
        s.record_statistics_call(&call("example.org", id, from, to, t))
            .await
            .unwrap();
    }
    // The same party in another space's records is not listed here.
    s.record_statistics_call(&call("other.org", "c7", "alice@example.org", "x@other.org", 50))
        .await
        .unwrap();
    s.put_statistics_call_device(&d, &call_device("c4", "dev-1", 21))
        .await
        .unwrap();

    let first = s.statistics_calls_of(&d, &alice, 1, 2).await.unwrap();
    assert_eq!(first.total, 4);
    assert_eq!((first.page, first.per_page), (1, 2));
    let ids = |p: &flexiapi_domain::model::Page<StatisticsCall>| {
        p.items.iter().map(|c| c.id.clone()).collect::<Vec<_>>()
    };
    // Ties on initiated_at: the greater id first.
    assert_eq!(ids(&first), ["c2", "c5"]);
    let second = s.statistics_calls_of(&d, &alice, 2, 2).await.unwrap();
    assert_eq!(ids(&second), ["c4", "c1"]);
    assert_eq!(second.items[0].devices.len(), 1);
    assert_eq!(second.items[0].devices[0].device_id, "dev-1");
    assert!(s.statistics_calls_of(&d, &alice, 3, 2).await.unwrap().items.is_empty());
    let nobody = s
        .statistics_calls_of(&d, &addr("nobody@example.org"), 1, 30)
        .await
        .unwrap();
    assert_eq!((nobody.total, nobody.items.len()), (0, 0));
}

pub async fn statistics_sent_by_an_account_go_with_it_and_with_its_space(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    space(&s, "other.org").await;
    let d = domain("example.org");
    let alice = account(&s, "alice", "example.org").await;
    account(&s, "bob", "example.org").await;
    let records = [
        ("sent", "alice@example.org", "bob@example.org"),
        ("received", "bob@example.org", "alice@example.org"),
    ];
    for (id, from, to) in records {
        s.record_statistics_call(&call("example.org", id, from, to, 1))
            .await
            .unwrap();
        s.record_statistics_message(&message("example.org", id, from, 1))
            .await
            .unwrap();
    }
    s.put_statistics_call_device(&d, &call_device("sent", "dev", 2))
        .await
        .unwrap();
    s.record_statistics_call(&call("other.org", "sent", "alice@example.org", "z@other.org", 1))
        .await
        .unwrap();

    assert!(s.delete_account(alice, at(5)).await.unwrap());
    assert_eq!(s.statistics_call(&d, "sent").await.unwrap(), None);
    assert_eq!(s.statistics_message(&d, "sent").await.unwrap(), None);
    assert!(s.statistics_call(&d, "received").await.unwrap().is_some());
    assert!(s.statistics_message(&d, "received").await.unwrap().is_some());
    // Another space's record is not the account's.
    assert!(s
        .statistics_call(&domain("other.org"), "sent")
        .await
        .unwrap()
        .is_some());

    assert!(s.delete_space(&d).await.unwrap());
    assert_eq!(s.statistics_call(&d, "received").await.unwrap(), None);
    assert_eq!(s.statistics_message(&d, "received").await.unwrap(), None);
    assert!(s
        .statistics_call(&domain("other.org"), "sent")
        .await
        .unwrap()
        .is_some());
}

pub async fn clearing_deletes_records_older_than_the_limit(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let d = domain("example.org");
    for (id, t) in [("old", 1), ("new", 100)] {
        s.record_statistics_call(&call("example.org", id, "a@example.org", "b@example.org", t))
            .await
            .unwrap();
        s.record_statistics_message(&message("example.org", id, "a@example.org", t))
            .await
            .unwrap();
    }
    s.put_statistics_call_device(&d, &call_device("old", "dev", 2))
        .await
        .unwrap();
    assert_eq!(s.clear_statistics(at(100)).await.unwrap(), 2);
    assert_eq!(s.statistics_call(&d, "old").await.unwrap(), None);
    assert_eq!(s.statistics_message(&d, "old").await.unwrap(), None);
    assert!(s.statistics_call(&d, "new").await.unwrap().is_some());
    assert!(s.statistics_message(&d, "new").await.unwrap().is_some());
    assert_eq!(s.clear_statistics(at(100)).await.unwrap(), 0);
}

pub async fn concurrent_records_of_one_id_store_it_once(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let mut tasks = JoinSet::new();
    for i in 0..12 {
        let s = s.clone();
        tasks.spawn(async move {
            let c = call("example.org", "dup", "a@example.org", "b@example.org", i);
            s.record_statistics_call(&c).await
        });
    }
    let mut stored = 0;
    while let Some(outcome) = tasks.join_next().await {
        stored += usize::from(outcome.expect("task").expect("record_statistics_call"));
    }
    assert_eq!(stored, 1);
    let page = s
        .statistics_calls_of(&domain("example.org"), &addr("a@example.org"), 1, 30)
        .await
        .unwrap();
    assert_eq!(page.total, 1);
}

crate::register_cases! {
    records_are_idempotent_by_id_within_their_space,
    devices_are_created_then_updated_on_known_records_only,
    a_call_is_ended_in_its_space_only,
    calls_of_a_party_are_listed_newest_first_in_pages,
    statistics_sent_by_an_account_go_with_it_and_with_its_space,
    clearing_deletes_records_older_than_the_limit,
    concurrent_records_of_one_id_store_it_once,
}
