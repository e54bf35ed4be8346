//! Each space's own SMTP server: one per space, replaced in place, deleted with the space.

use std::sync::Arc;

use flexiapi_domain::error::StoreError;
use flexiapi_domain::model::SpaceEmailServer;
use flexiapi_domain::ports::Storage;
use tokio::task::JoinSet;

use crate::support::*;

fn server(host: &str) -> SpaceEmailServer {
    SpaceEmailServer {
        host: host.into(),
        port: 587,
        username: Some("relay".into()),
        password: Some("p@ss wörd".into()),
        from_address: Some("noreply@example.org".into()),
        from_name: Some("Équipe Example".into()),
        signature: Some("Example Inc.\nline two".into()),
    }
}

pub async fn a_space_email_server_is_created_read_replaced_and_deleted(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let d = domain("example.org");
    assert_eq!(s.space_email_server(&d).await.unwrap(), None);
    assert!(
        s.put_space_email_server(&d, &server("mail.example.org"), t0())
            .await
            .unwrap()
    );
    assert_eq!(
        s.space_email_server(&d).await.unwrap(),
        Some(server("mail.example.org"))
    );
    // Every field replaced, the empty ones too.
    let replacement = SpaceEmailServer {
        host: "2001:db8::25".into(),
        port: 65535,
        username: None,
        password: None,
        from_address: None,
        from_name: None,
        signature: None,
    };
    assert!(
        !s.put_space_email_server(&d, &replacement, t0() + secs(1))
            .await
            .unwrap()
    );
    assert_eq!(s.space_email_server(&d).await.unwrap(), Some(replacement));
    assert!(s.delete_space_email_server(&d).await.unwrap());
    assert!(!s.delete_space_email_server(&d).await.unwrap());
    assert_eq!(s.space_email_server(&d).await.unwrap(), None);
}

pub async fn space_email_servers_belong_to_their_space(s: Arc<dyn Storage>) {
    space(&s, "one.example.org").await;
    space(&s, "two.example.org").await;
    space(&s, "three.example.org").await;
    let (one, two, three) = (
        domain("one.example.org"),
        domain("two.example.org"),
        domain("three.example.org"),
    );
    s.put_space_email_server(&one, &server("mail.one.example.org"), t0())
        .await
        .unwrap();
    s.put_space_email_server(&two, &server("mail.two.example.org"), t0())
        .await
        .unwrap();
    assert_eq!(s.space_email_server(&three).await.unwrap(), None);
    let all = s.space_email_servers().await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[&one].host, "mail.one.example.org");
    assert_eq!(all[&two].host, "mail.two.example.org");
    // Deleting another space's server, or one of no space, touches nothing.
    assert!(!s.delete_space_email_server(&three).await.unwrap());
    assert!(
        !s.delete_space_email_server(&domain("nowhere.example.org"))
            .await
            .unwrap()
    );
    assert_eq!(s.space_email_servers().await.unwrap().len(), 2);
    // A space that does not exist has no server, and cannot get one.
    let unknown = domain("nowhere.example.org");
    assert_eq!(s.space_email_server(&unknown).await.unwrap(), None);
    assert!(matches!(
        s.put_space_email_server(&unknown, &server("mail.example.org"), t0())
            .await,
        Err(StoreError::NotFound)
    ));
    // Deleting the space deletes its server.
    assert!(s.delete_space(&one).await.unwrap());
    let all = s.space_email_servers().await.unwrap();
    assert_eq!(all.keys().collect::<Vec<_>>(), [&two]);
    space(&s, "one.example.org").await;
    assert_eq!(s.space_email_server(&one).await.unwrap(), None);
}

pub async fn concurrent_puts_of_a_space_email_server_create_it_once(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let mut tasks = JoinSet::new();
    for i in 0..10 {
        let s = s.clone();
        tasks.spawn(async move {
            s.put_space_email_server(
                &domain("example.org"),
                &server(&format!("mail{i}.example.org")),
                t0(),
            )
            .await
        });
    }
    let mut created = 0;
    while let Some(outcome) = tasks.join_next().await {
        if outcome.expect("task").expect("put_space_email_server") {
            created += 1;
        }
    }
    assert_eq!(created, 1);
    assert_eq!(s.space_email_servers().await.unwrap().len(), 1);
}

crate::register_cases! {
    a_space_email_server_is_created_read_replaced_and_deleted,
    space_email_servers_belong_to_their_space,
    concurrent_puts_of_a_space_email_server_create_it_once,
}
