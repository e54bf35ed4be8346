//! The audit log.

use std::sync::Arc;

use flexiapi_domain::ports::Storage;

use crate::support::*;

pub async fn audit_events_are_listed_newest_first_and_outlive_their_actor(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let admin = account(&s, "admin", "example.org").await;
    for (i, path) in ["/api/accounts", "/api/accounts/7", "/api/spaces/x.org"]
        .iter()
        .enumerate()
    {
        s.record_audit_event(flexiapi_domain::model::NewAuditEvent {
            actor_id: admin,
            actor: "sip:admin@example.org".into(),
            method: "POST".into(),
            path: (*path).into(),
            subject: format!("account {i}"),
            status: 200,
            ip: "192.0.2.9".into(),
            created_at: t0() + secs(i as i64),
        })
        .await
        .unwrap();
    }
    let first = s.list_audit_events(1, 2).await.unwrap();
    assert_eq!(first.total, 3);
    let paths: Vec<&str> = first.items.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["/api/spaces/x.org", "/api/accounts/7"]);
    assert_eq!(first.items[0].actor_id, Some(admin));
    assert_eq!(first.items[0].subject, "account 2");
    assert_eq!(first.items[1].subject, "account 1");
    assert_eq!(first.items[0].status, 200);
    assert_eq!(first.items[0].ip, "192.0.2.9");
    assert_eq!(ms(first.items[0].created_at), ms(t0() + secs(2)));
    let second = s.list_audit_events(2, 2).await.unwrap();
    assert_eq!(second.items.len(), 1);
    assert_eq!(second.items[0].path, "/api/accounts");

    s.delete_account(admin, t0()).await.unwrap();
    let after = s.list_audit_events(1, 10).await.unwrap();
    assert_eq!(after.total, 3, "the trail is kept");
    assert!(after.items.iter().all(|e| e.actor_id.is_none()));
    assert_eq!(after.items[0].actor, "sip:admin@example.org");
}

crate::register_cases! {
    audit_events_are_listed_newest_first_and_outlive_their_actor,
}
