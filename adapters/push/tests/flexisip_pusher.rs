//! `FlexisipPusher` against a recorded stand-in for `flexisip_pusher`: a script that writes the
//! arguments it received, one per line, then exits as told.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use flexiapi_adapters_push::{
    FlexisipPusher, FlexisipPusherSettings, Pusher, parse_firebase_keysmap,
};
use flexiapi_domain::error::TransportError;
use flexiapi_domain::model::{
    PushCallId, PushKind, PushNotification, PushParam, PushPrid, PushProvider, PushTarget,
};

fn stand_in(dir: &Path, body: &str) -> PathBuf {
    let path = dir.join("flexisip_pusher");
    let script = format!(
        "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > \"{}\"\n{body}\n",
        dir.join("args").display()
    );
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn pusher(path: PathBuf, keys: &str, timeout: Duration) -> FlexisipPusher {
    FlexisipPusher::new(FlexisipPusherSettings {
        path,
        firebase_keys: parse_firebase_keysmap(keys),
        timeout,
    })
}

fn target(provider: PushProvider, param: &str, prid: &str) -> PushTarget {
    PushTarget {
        provider,
        param: PushParam::parse(param).unwrap(),
        prid: PushPrid::parse(prid).unwrap(),
    }
}

fn recorded(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("args"))
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn a_token_push_to_apple_passes_the_originals_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let p = pusher(stand_in(dir.path(), "exit 0"), "", Duration::from_secs(5));
    let push = PushNotification::token(
        target(PushProvider::Apns, "ABCD.org.linphone.phone", "a1b2:remote"),
        "TOKEN13CHARSX",
    );
    p.push(&push).await.unwrap();
    assert_eq!(
        recorded(dir.path()),
        [
            "--pn-provider",
            "apns",
            "--pn-param",
            "ABCD.org.linphone.phone",
            "--pn-prid",
            "a1b2:remote",
            "--customPayload",
            r#"{"token":"TOKEN13CHARSX"}"#,
            "--apple-push-type",
            "Background",
        ]
    );
}

#[tokio::test]
async fn a_call_push_to_firebase_carries_the_call_id_and_the_mapped_key() {
    let dir = tempfile::tempdir().unwrap();
    let p = pusher(
        stand_in(dir.path(), "exit 0"),
        "111:AAA:legacy-part 222:BBB junk",
        Duration::from_secs(5),
    );
    let keys = parse_firebase_keysmap("111:AAA:legacy-part 222:BBB junk");
    assert_eq!(keys.len(), 2);
    assert_eq!(keys["111"], "AAA:legacy-part");
    let push = PushNotification {
        target: target(PushProvider::Fcm, "111", "device-token"),
        kind: PushKind::Call,
        payload: vec![],
        call_id: PushCallId::parse("abc@host"),
    };
    p.push(&push).await.unwrap();
    assert_eq!(
        recorded(dir.path()),
        [
            "--pn-provider",
            "fcm",
            "--pn-param",
            "111",
            "--pn-prid",
            "device-token",
            "--call-id",
            "abc@host",
            "--key",
            "AAA:legacy-part",
        ]
    );
}

#[tokio::test]
async fn shell_syntax_in_a_value_reaches_the_program_as_one_literal_argument() {
    let dir = tempfile::tempdir().unwrap();
    let p = pusher(stand_in(dir.path(), "exit 0"), "", Duration::from_secs(5));
    let marker = dir.path().join("pwned");
    let evil = format!("x'; touch {} #", marker.display());
    let push = PushNotification {
        target: PushTarget {
            provider: PushProvider::Fcm,
            param: PushParam::unchecked("123"),
            prid: PushPrid::unchecked(evil.clone()),
        },
        kind: PushKind::Background,
        payload: vec![("token".into(), "$(id)".into())],
        call_id: None,
    };
    p.push(&push).await.unwrap();
    let args = recorded(dir.path());
    assert_eq!(args[5], evil);
    assert_eq!(args[7], r#"{"token":"$(id)"}"#);
    assert!(!marker.exists(), "a shell ran part of an argument");
}

#[tokio::test]
async fn a_non_zero_exit_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = pusher(
        stand_in(dir.path(), "echo 'bad prid' >&2; exit 3"),
        "",
        Duration::from_secs(5),
    );
    let push = PushNotification::token(target(PushProvider::Fcm, "1", "x"), "T");
    match p.push(&push).await {
        Err(TransportError::Refused(why)) => assert!(why.contains("bad prid"), "{why}"),
        other => panic!("expected Refused, got {other:?}"),
    }
}

#[tokio::test]
async fn a_hung_pusher_is_killed_at_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let p = pusher(
        stand_in(dir.path(), "exec sleep 30"),
        "",
        Duration::from_millis(300),
    );
    let push = PushNotification::token(target(PushProvider::Fcm, "1", "x"), "T");
    let start = Instant::now();
    let result = p.push(&push).await;
    assert!(
        matches!(result, Err(TransportError::Unavailable(_))),
        "{result:?}"
    );
    assert!(start.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn a_missing_program_is_unavailable() {
    let p = pusher(
        PathBuf::from("/nonexistent/flexisip_pusher"),
        "",
        Duration::from_secs(1),
    );
    let push = PushNotification::token(target(PushProvider::Apns, "a", "b"), "T");
    assert!(matches!(
        p.push(&push).await,
        Err(TransportError::Unavailable(_))
    ));
}
