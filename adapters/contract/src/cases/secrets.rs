//! Server secrets: the first value stored under a name is everyone's.

use std::sync::Arc;

use flexiapi_domain::ports::Storage;
use tokio::task::JoinSet;

pub async fn the_first_secret_stored_is_everyones(s: Arc<dyn Storage>) {
    let mut set = JoinSet::new();
    for n in 0..8 {
        let s = s.clone();
        set.spawn(async move {
            s.secret_or_insert("web-forms", &format!("candidate-{n}"))
                .await
                .unwrap()
        });
    }
    let values = set.join_all().await;
    assert!(values[0].starts_with("candidate-"));
    assert!(values.iter().all(|v| v == &values[0]));
    assert_eq!(
        s.secret_or_insert("web-forms", "later").await.unwrap(),
        values[0]
    );
    assert_eq!(s.secret_or_insert("other", "x").await.unwrap(), "x");
}

crate::register_cases! {
    the_first_secret_stored_is_everyones,
}
