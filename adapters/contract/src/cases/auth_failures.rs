//! Authentication failure budgets.

use std::sync::Arc;

use flexiapi_domain::ports::Storage;
use tokio::task::JoinSet;

use crate::support::*;

pub async fn auth_failures_are_counted_per_key_over_a_window_and_purged(s: Arc<dyn Storage>) {
    for offset in [0, 10, 20] {
        s.record_auth_failure("ip:192.0.2.1", t0() + secs(offset))
            .await
            .unwrap();
    }
    s.record_auth_failure("account:alice@example.org", t0() + secs(5))
        .await
        .unwrap();
    let counts = s
        .auth_failures_since(
            &["ip:192.0.2.1", "account:alice@example.org", "ip:unknown"],
            t0(),
        )
        .await
        .unwrap();
    // Strictly after `since`: the failure at t0 is out.
    assert_eq!(counts[0].0, 2);
    assert_eq!(counts[0].1.map(ms), Some(ms(t0() + secs(10))));
    assert_eq!(counts[1].0, 1);
    assert_eq!(counts[2], (0, None));
    let all = s
        .auth_failures_since(&["ip:192.0.2.1"], t0() - secs(1))
        .await
        .unwrap();
    assert_eq!(all[0].0, 3);
    assert_eq!(s.purge_auth_failures(t0() + secs(10)).await.unwrap(), 2);
    let left = s
        .auth_failures_since(
            &["ip:192.0.2.1", "account:alice@example.org"],
            t0() - secs(1),
        )
        .await
        .unwrap();
    assert_eq!((left[0].0, left[1].0), (2, 0));
}

pub async fn concurrent_auth_failures_are_all_counted(s: Arc<dyn Storage>) {
    let mut tasks = JoinSet::new();
    for i in 0..20 {
        let s = s.clone();
        tasks.spawn(async move {
            s.record_auth_failure("ip:198.51.100.7", t0() + secs(i))
                .await
        });
    }
    while let Some(outcome) = tasks.join_next().await {
        outcome.expect("task").expect("record_auth_failure");
    }
    let counts = s
        .auth_failures_since(&["ip:198.51.100.7"], t0() - secs(1))
        .await
        .unwrap();
    assert_eq!(counts[0].0, 20);
}

crate::register_cases! {
    auth_failures_are_counted_per_key_over_a_window_and_purged,
    concurrent_auth_failures_are_all_counted,
}
