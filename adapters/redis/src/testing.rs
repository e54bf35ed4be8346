//! The registrar's side, for tests: contacts written as Flexisip writes them, and a subscriber
//! to the channel the registrar listens on. Synchronous, on connections of their own.

use std::sync::mpsc;
use std::time::Duration;

use crate::contact::hash_key;

/// Where the test suites find their Redis when `FLEXIAPI_TEST_REDIS_URL` is not set.
const DEFAULT_TEST_REDIS: &str = "redis://127.0.0.1:6379";

/// The Redis the test suites use: `FLEXIAPI_TEST_REDIS_URL` (`scripts/test` starts a throwaway
/// one and sets it), else 127.0.0.1:6379.
pub fn test_redis() -> &'static str {
    static URL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    URL.get_or_init(|| {
        std::env::var("FLEXIAPI_TEST_REDIS_URL")
            .ok()
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| DEFAULT_TEST_REDIS.into())
    })
}

fn connection(url: &str) -> redis::Connection {
    redis::Client::open(url)
        .and_then(|c| c.get_connection())
        .unwrap_or_else(|e| panic!("no Redis at {url}: {e}"))
}

/// A contact of `aor` (`user@domain`) as the registrar's `serializeAsUrlEncodedParams` writes it.
pub fn contact_value(aor: &str, uuid: &str, updated_at: i64, user_agent: &str) -> String {
    let ua = user_agent.replace('%', "%25").replace(' ', "%20");
    format!(
        "<sip:{aor}:50112;transport=tls;fs-conn-id=1f;callid=c{updated_at};expires=3600;cseq=7;\
         updatedAt={updated_at};alias=no;usedAsRoute=no?path=%3Csip:proxy.example.org%3Blr%3E\
         &accept=application/sdp&user-agent={ua}>;+sip.instance=\"<{uuid}>\";\
         +org.linphone.specs=\"lime\""
    )
}

/// Registers a device of `aor` in the registrar's hash, under the field the registrar uses.
pub fn register(url: &str, aor: &str, uuid: &str, updated_at: i64, user_agent: &str) {
    redis::cmd("HSET")
        .arg(hash_key(aor))
        .arg(format!("\"<{uuid}>\""))
        .arg(contact_value(aor, uuid, updated_at, user_agent))
        .query::<i64>(&mut connection(url))
        .expect("HSET");
}

/// Deletes the hash of `aor`.
pub fn forget(url: &str, aor: &str) {
    redis::cmd("DEL")
        .arg(hash_key(aor))
        .query::<i64>(&mut connection(url))
        .expect("DEL");
}

/// Subscribes to `channel` before returning; the receiver gets the first payload published
/// there within `wait`, or nothing.
pub fn subscribe(url: &str, channel: &str, wait: Duration) -> mpsc::Receiver<String> {
    let (ready_tx, ready_rx) = mpsc::channel();
    let (tx, rx) = mpsc::channel();
    let (url, channel) = (url.to_owned(), channel.to_owned());
    std::thread::spawn(move || {
        let mut connection = connection(&url);
        let mut pubsub = connection.as_pubsub();
        pubsub.subscribe(&channel).expect("SUBSCRIBE");
        pubsub.set_read_timeout(Some(wait)).expect("read timeout");
        let _ = ready_tx.send(());
        if let Ok(msg) = pubsub.get_message() {
            let _ = tx.send(msg.get_payload::<String>().unwrap_or_default());
        }
    });
    let _ = ready_rx.recv();
    rx
}

/// As [`subscribe`], for a channel other tests publish on too (the B2BUA's): the receiver gets
/// the first payload within `wait` that contains `needle`, or nothing.
pub fn subscribe_for(
    url: &str,
    channel: &str,
    needle: &str,
    wait: Duration,
) -> mpsc::Receiver<String> {
    let (ready_tx, ready_rx) = mpsc::channel();
    let (tx, rx) = mpsc::channel();
    let (url, channel, needle) = (url.to_owned(), channel.to_owned(), needle.to_owned());
    std::thread::spawn(move || {
        let mut connection = connection(&url);
        let mut pubsub = connection.as_pubsub();
        pubsub.subscribe(&channel).expect("SUBSCRIBE");
        let deadline = std::time::Instant::now() + wait;
        let _ = ready_tx.send(());
        while let Some(left) = deadline
            .checked_duration_since(std::time::Instant::now())
            .filter(|d| !d.is_zero())
        {
            pubsub.set_read_timeout(Some(left)).expect("read timeout");
            let Ok(msg) = pubsub.get_message() else {
                return;
            };
            let payload = msg.get_payload::<String>().unwrap_or_default();
            if payload.contains(&needle) {
                let _ = tx.send(payload);
                return;
            }
        }
    });
    let _ = ready_rx.recv();
    rx
}
