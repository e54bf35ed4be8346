//! Voicemails: slots on one's own account or (admins) on the space's accounts, filled once by
//! an admin's upload (bytes checked, size capped, streamed to the `[files] directory`, nothing
//! left by a failed or cut upload), served at `/f/{uuid}/{name}` with ranges, and gone with
//! their account.

use std::path::Path;
use std::time::Duration;

use flexiapi_domain::model::PasswordAlgorithm::Sha256;
use flexiapi_domain::model::{Account, Email};
use reqwest::{Method, Response};
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

use crate::helpers::{Store, TestApp};

const HOST: &str = "v.example.org";
const ME: &str = "/api/accounts/me/voicemails";

/// An Ogg Opus file's first page (enough for its type) and some audio-ish bytes.
fn opus_bytes(len: usize) -> Vec<u8> {
    let mut b = b"OggS".to_vec();
    b.resize(28, 0);
    b.extend_from_slice(b"OpusHead\x01\x02\x38\x01\x80\xbb\x00\x00");
    while b.len() < len {
        b.push((b.len() % 251) as u8);
    }
    b
}

fn wav_bytes(len: usize) -> Vec<u8> {
    let mut b = b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00".to_vec();
    while b.len() < len {
        b.push((b.len() % 7) as u8);
    }
    b
}

const BOUNDARY: &str = "flexiapi-test-boundary";

/// A multipart body with one file field.
fn multipart(field: &str, file_name: &str, content_type: &str, bytes: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"; \
         filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

struct World {
    app: TestApp,
    alice: Account,
    alice_key: String,
    bob_key: String,
    admin_key: String,
    other_admin_key: String,
}

async fn world(store: Store, tweak: impl FnOnce(&mut flexiapi::config::Config)) -> World {
    let app = TestApp::spawn_with(store, tweak).await;
    app.space(HOST, false).await;
    app.space("w.example.org", false).await;
    let alice = app
        .account("alice", HOST, "secret123", &[Sha256], false)
        .await;
    let alice = app
        .edit_account(&alice, |c| {
            c.email = Some(Email::parse("alice@example.net").unwrap());
        })
        .await;
    app.account("bob", HOST, "secret123", &[Sha256], false)
        .await;
    app.account("admin", HOST, "secret123", &[Sha256], true)
        .await;
    app.account("admin", "w.example.org", "secret123", &[Sha256], true)
        .await;
    World {
        alice_key: app.admin_key_for("alice", HOST).await,
        bob_key: app.admin_key_for("bob", HOST).await,
        admin_key: app.admin_key_for("admin", HOST).await,
        other_admin_key: app.admin_key_for("admin", "w.example.org").await,
        alice,
        app,
    }
}

impl World {
    async fn call(&self, key: &str, method: Method, path: &str, body: Option<Value>) -> Response {
        self.call_in(key, method, path, body, "en").await
    }

    async fn call_in(
        &self,
        key: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
        lang: &str,
    ) -> Response {
        let mut req = self
            .app
            .request(method, HOST, path)
            .header("x-api-key", key)
            .header("accept-language", lang);
        if let Some(body) = body {
            req = req.json(&body);
        }
        req.send().await.unwrap()
    }

    async fn upload(&self, key: &str, id: &str, body: Vec<u8>) -> Response {
        self.app
            .request(Method::POST, HOST, &format!("/api/files/{id}"))
            .header("x-api-key", key)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(body)
            .send()
            .await
            .unwrap()
    }

    /// A new voicemail of alice's, by herself; its JSON.
    async fn slot(&self, content_type: &str) -> Value {
        let resp = self
            .call(
                &self.alice_key,
                Method::POST,
                ME,
                Some(json!({"sip_from": "sip:bob@v.example.org", "content_type": content_type})),
            )
            .await;
        assert_eq!(resp.status(), 201);
        resp.json().await.unwrap()
    }

    async fn download(&self, key: &str, url: &str, range: Option<&str>) -> Response {
        let path = url.split_once("://").unwrap().1;
        let path = &path[path.find('/').unwrap()..];
        let mut req = self
            .app
            .request(Method::GET, HOST, path)
            .header("x-api-key", key);
        if let Some(range) = range {
            req = req.header("range", range);
        }
        req.send().await.unwrap()
    }
}

async fn answer(resp: Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The names in the files directory (none when it was never created).
fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

async fn voicemails_are_created_listed_shown_and_deleted_by_their_account(store: Store) {
    let w = world(store, |_| {}).await;
    let created = w.slot("audio/opus").await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 36);
    assert_eq!(created["sip_from"], "sip:bob@v.example.org");
    assert_eq!(created["content_type"], "audio/opus");
    assert_eq!(created["download_url"], Value::Null);
    assert_eq!(created["size"], Value::Null);
    assert_eq!(created["max_upload_size"], 10 * 1024 * 1024);
    // The URLs are the request space's.
    assert_eq!(
        created["upload_url"].as_str().unwrap(),
        format!("http://{HOST}/api/files/{id}")
    );
    let second = w.slot("audio/wav").await;

    let (status, list) = answer(w.call(&w.alice_key, Method::GET, ME, None).await).await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [id.as_str(), second["id"].as_str().unwrap()]);
    let (status, shown) = answer(
        w.call(&w.alice_key, Method::GET, &format!("{ME}/{id}"), None)
            .await,
    )
    .await;
    assert_eq!((status, &shown["id"]), (200, &json!(id)));

    // Bob sees none of them.
    let (status, list) = answer(w.call(&w.bob_key, Method::GET, ME, None).await).await;
    assert_eq!((status, list), (200, json!([])));
    for method in [Method::GET, Method::DELETE] {
        let resp = w
            .call(&w.bob_key, method, &format!("{ME}/{id}"), None)
            .await;
        assert_eq!(resp.status(), 404);
    }
    let resp = w
        .call(&w.alice_key, Method::GET, &format!("{ME}/not-a-uuid"), None)
        .await;
    assert_eq!(resp.status(), 404);

    let resp = w
        .call(&w.alice_key, Method::DELETE, &format!("{ME}/{id}"), None)
        .await;
    assert_eq!(
        (resp.status().as_u16(), resp.text().await.unwrap()),
        (200, "1".into())
    );
    let resp = w
        .call(&w.alice_key, Method::GET, &format!("{ME}/{id}"), None)
        .await;
    assert_eq!(resp.status(), 404);
    let (_, list) = answer(w.call(&w.alice_key, Method::GET, ME, None).await).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    w.app.stop().await;
}

async fn a_voicemail_needs_an_email_and_valid_fields(store: Store) {
    let w = world(store, |_| {}).await;
    // Bob has no e-mail address: 422, localized.
    for (lang, text) in [
        ("en", "The account has no email address attached to it."),
        ("fr", "Le compte n'a pas d'adresse e-mail."),
    ] {
        let (status, body) = answer(
            w.call_in(
                &w.bob_key,
                Method::POST,
                ME,
                Some(json!({"content_type": "audio/opus"})),
                lang,
            )
            .await,
        )
        .await;
        assert_eq!((status, body["message"].as_str()), (422, Some(text)));
    }
    for (body, field) in [
        (json!({}), "content_type"),
        (json!({"content_type": "image/jpg"}), "content_type"),
        (json!({"content_type": 3}), "content_type"),
        (
            json!({"content_type": "audio/opus", "sip_from": "bob@example.org"}),
            "sip_from",
        ),
    ] {
        let (status, answer) = answer(
            w.call(&w.alice_key, Method::POST, ME, Some(body.clone()))
                .await,
        )
        .await;
        assert_eq!(status, 422, "{body}");
        let fields: Vec<&String> = answer["errors"].as_object().unwrap().keys().collect();
        assert_eq!(fields, [field], "{body}");
    }
    let (_, fr) = answer(
        w.call_in(
            &w.alice_key,
            Method::POST,
            ME,
            Some(json!({"content_type": "image/jpg"})),
            "fr",
        )
        .await,
    )
    .await;
    let message = fr["errors"]["content_type"][0].as_str().unwrap();
    assert!(message.contains("audio/opus, audio/wav"), "{message}");
    let (_, list) = answer(w.call(&w.alice_key, Method::GET, ME, None).await).await;
    assert_eq!(list, json!([]), "nothing half-made");
    w.app.stop().await;
}

async fn admins_create_and_delete_voicemails_of_their_space_accounts(store: Store) {
    let w = world(store, |_| {}).await;
    let path = format!("/api/accounts/{}/voicemails", w.alice.id.0);
    let (status, created) = answer(
        w.call(
            &w.admin_key,
            Method::POST,
            &path,
            Some(json!({"content_type": "audio/wav", "sip_from": null})),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(created["sip_from"], Value::Null);
    let id = created["id"].as_str().unwrap();
    // The admin of another space finds neither the account nor the voicemail.
    let resp = w
        .app
        .request(Method::POST, "w.example.org", &path)
        .header("x-api-key", &w.other_admin_key)
        .json(&json!({"content_type": "audio/wav"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let resp = w
        .app
        .request(Method::DELETE, "w.example.org", &format!("{path}/{id}"))
        .header("x-api-key", &w.other_admin_key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    // A user may not use the admin routes.
    let resp = w
        .call(
            &w.alice_key,
            Method::POST,
            &path,
            Some(json!({"content_type": "audio/wav"})),
        )
        .await;
    assert_eq!(resp.status(), 403);
    let (_, list) = answer(w.call(&w.alice_key, Method::GET, ME, None).await).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    let resp = w
        .call(&w.admin_key, Method::DELETE, &format!("{path}/{id}"), None)
        .await;
    assert_eq!(resp.status(), 200);
    let resp = w
        .call(&w.admin_key, Method::DELETE, &format!("{path}/{id}"), None)
        .await;
    assert_eq!(resp.status(), 404);
    w.app.stop().await;
}

async fn an_upload_fills_a_voicemail_once_with_bytes_of_its_type(store: Store) {
    let w = world(store, |_| {}).await;
    let dir = w.app.files_directory.clone();
    let slot = w.slot("audio/opus").await;
    let id = slot["id"].as_str().unwrap();
    let audio = opus_bytes(5000);

    // Users may not upload, not even to their own voicemail.
    let resp = w
        .upload(
            &w.alice_key,
            id,
            multipart("file", "a.opus", "audio/opus", &audio),
        )
        .await;
    assert_eq!(resp.status(), 403);
    // The bytes decide, not the name nor the declared part type.
    for bytes in [
        wav_bytes(5000),
        b"\x89PNG\r\n\x1a\n".repeat(100),
        Vec::new(),
    ] {
        let (status, body) = answer(
            w.upload(
                &w.admin_key,
                id,
                multipart("file", "a.opus", "audio/opus", &bytes),
            )
            .await,
        )
        .await;
        assert_eq!(status, 422);
        let message = body["errors"]["file"][0].as_str().unwrap();
        assert!(message.contains("audio/opus"), "{message}");
    }
    let (status, body) = answer(
        w.upload(
            &w.admin_key,
            id,
            multipart("other", "a.opus", "audio/opus", &audio),
        )
        .await,
    )
    .await;
    assert_eq!((status, body["errors"]["file"].is_array()), (422, true));
    assert_eq!(
        files_in(&dir),
        Vec::<String>::new(),
        "refused uploads leave nothing"
    );

    let (status, filled) = answer(
        w.upload(
            &w.admin_key,
            id,
            multipart("file", "x.wav", "audio/wav", &audio),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{filled}");
    assert_eq!(filled["size"], 5000);
    let url = filled["download_url"].as_str().unwrap();
    assert!(url.ends_with(&format!("/f/{id}/{id}.opus")), "{url}");
    assert_eq!(files_in(&dir), [format!("{id}.opus")]);
    assert_eq!(
        std::fs::read(dir.join(format!("{id}.opus"))).unwrap(),
        audio
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
    }
    // Once only; and only a voicemail of the admin's space.
    let resp = w
        .upload(
            &w.admin_key,
            id,
            multipart("file", "a.opus", "audio/opus", &opus_bytes(100)),
        )
        .await;
    assert_eq!(resp.status(), 404);
    let other = w.slot("audio/wav").await;
    let resp = w
        .app
        .request(
            Method::POST,
            "w.example.org",
            &format!("/api/files/{}", other["id"].as_str().unwrap()),
        )
        .header("x-api-key", &w.other_admin_key)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(multipart("file", "a.wav", "audio/wav", &wav_bytes(100)))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(
        std::fs::read(dir.join(format!("{id}.opus"))).unwrap(),
        audio
    );
    let (_, shown) = answer(
        w.call(&w.alice_key, Method::GET, &format!("{ME}/{id}"), None)
            .await,
    )
    .await;
    assert_eq!(shown["download_url"].as_str(), Some(url));
    w.app.stop().await;
}

async fn uploads_over_the_limit_or_cut_short_leave_nothing(store: Store) {
    let w = world(store, |c| c.max_upload_size = 4096).await;
    let dir = w.app.files_directory.clone();
    let slot = w.slot("audio/wav").await;
    let id = slot["id"].as_str().unwrap().to_owned();
    assert_eq!(slot["max_upload_size"], 4096);
    for size in [4097, 200_000] {
        let (status, body) = answer(
            w.upload(
                &w.admin_key,
                &id,
                multipart("file", "a.wav", "audio/wav", &wav_bytes(size)),
            )
            .await,
        )
        .await;
        assert_eq!(status, 422, "{size}");
        assert_eq!(
            body["errors"]["file"][0],
            "The file must not be greater than 4 kilobytes."
        );
    }
    assert_eq!(files_in(&dir), Vec::<String>::new());

    // Without a length (chunked), the stream itself is cut past the limit.
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", w.app.port))
        .await
        .unwrap();
    let head = format!(
        "POST /api/files/{id} HTTP/1.1\r\nHost: {HOST}\r\nx-api-key: {}\r\n\
         Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        w.admin_key
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    // A large field before a small file: the body's own cap, not the file's, stops it.
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"junk\"\r\n\r\n{}\r\n",
        "x".repeat(200_000)
    )
    .into_bytes();
    body.extend_from_slice(&multipart("file", "a.wav", "audio/wav", &wav_bytes(100)));
    for chunk in body.chunks(8192) {
        let mut framed = format!("{:x}\r\n", chunk.len()).into_bytes();
        framed.extend_from_slice(chunk);
        framed.extend_from_slice(b"\r\n");
        if stream.write_all(&framed).await.is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut answer_bytes = Vec::new();
    let _ = tokio::io::AsyncReadExt::read_to_end(&mut stream, &mut answer_bytes).await;
    let answer_text = String::from_utf8_lossy(&answer_bytes);
    assert!(answer_text.starts_with("HTTP/1.1 422"), "{answer_text}");
    assert!(answer_text.contains("4 kilobytes"), "{answer_text}");
    assert_eq!(files_in(&dir), Vec::<String>::new());

    // A client that announces a body and goes away in the middle of the file.
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", w.app.port))
        .await
        .unwrap();
    let body = multipart("file", "a.wav", "audio/wav", &wav_bytes(4000));
    let head = format!(
        "POST /api/files/{id} HTTP/1.1\r\nHost: {HOST}\r\nx-api-key: {}\r\n\
         Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {}\r\n\r\n",
        w.admin_key,
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body[..2500]).await.unwrap();
    stream.flush().await.unwrap();
    let mut partial = files_in(&dir);
    for _ in 0..50 {
        if !partial.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        partial = files_in(&dir);
    }
    // Under a temporary name while it comes.
    assert_eq!(partial.len(), 1, "{partial:?}");
    assert!(
        partial[0].starts_with('.') && partial[0].ends_with(".part"),
        "{partial:?}"
    );
    drop(stream);
    let mut left = files_in(&dir);
    for _ in 0..50 {
        if left.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        left = files_in(&dir);
    }
    assert_eq!(left, Vec::<String>::new(), "a cut upload leaves nothing");
    let (_, shown) = answer(
        w.call(&w.alice_key, Method::GET, &format!("{ME}/{id}"), None)
            .await,
    )
    .await;
    assert_eq!(shown["download_url"], Value::Null);
    // The slot can still be filled, at the limit exactly.
    let resp = w
        .upload(
            &w.admin_key,
            &id,
            multipart("file", "a.wav", "audio/wav", &wav_bytes(4096)),
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(files_in(&dir), [format!("{id}.wav")]);
    w.app.stop().await;
}

async fn downloads_serve_the_file_and_ranges_to_its_account_and_admins(store: Store) {
    let w = world(store, |_| {}).await;
    let slot = w.slot("audio/opus").await;
    let id = slot["id"].as_str().unwrap();
    let audio = opus_bytes(3000);
    let (_, filled) = answer(
        w.upload(
            &w.admin_key,
            id,
            multipart("file", "a.opus", "audio/opus", &audio),
        )
        .await,
    )
    .await;
    let url = filled["download_url"].as_str().unwrap().to_owned();

    for key in [&w.alice_key, &w.admin_key] {
        let resp = w.download(key, &url, None).await;
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["content-type"], "audio/opus");
        assert_eq!(resp.headers()["accept-ranges"], "bytes");
        assert_eq!(resp.bytes().await.unwrap().to_vec(), audio);
    }
    let resp = w.download(&w.alice_key, &url, Some("bytes=28-35")).await;
    assert_eq!(resp.status(), 206);
    assert_eq!(resp.headers()["content-range"], "bytes 28-35/3000");
    assert_eq!(resp.bytes().await.unwrap().as_ref(), b"OpusHead");
    let resp = w.download(&w.alice_key, &url, Some("bytes=-10")).await;
    assert_eq!(resp.status(), 206);
    assert_eq!(resp.headers()["content-range"], "bytes 2990-2999/3000");
    assert_eq!(resp.bytes().await.unwrap().to_vec(), audio[2990..]);
    let resp = w.download(&w.alice_key, &url, Some("bytes=2995-")).await;
    assert_eq!(resp.bytes().await.unwrap().to_vec(), audio[2995..]);
    let resp = w.download(&w.alice_key, &url, Some("bytes=3000-")).await;
    assert_eq!(resp.status(), 416);
    assert_eq!(resp.headers()["content-range"], "bytes */3000");

    // Nobody else; no other name; not before the upload; not without credentials.
    let resp = w.download(&w.bob_key, &url, None).await;
    assert_eq!(resp.status(), 404);
    let wrong = url.replace(".opus", ".wav");
    assert_eq!(w.download(&w.alice_key, &wrong, None).await.status(), 404);
    let empty = w.slot("audio/wav").await;
    let never = format!("http://{HOST}/f/{0}/{0}.wav", empty["id"].as_str().unwrap());
    assert_eq!(w.download(&w.alice_key, &never, None).await.status(), 404);
    let path = &url[url.find("/f/").unwrap()..];
    let resp = w.app.request(Method::GET, HOST, path).send().await.unwrap();
    assert_eq!(resp.status(), 401);
    // Another space's host does not serve it, even to its admin.
    let resp = w
        .app
        .request(Method::GET, "w.example.org", path)
        .header("x-api-key", &w.other_admin_key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    w.app.stop().await;
}

async fn deleting_a_voicemail_or_its_account_removes_the_file(store: Store) {
    let w = world(store, |_| {}).await;
    let dir = w.app.files_directory.clone();
    let mut urls = Vec::new();
    for _ in 0..2 {
        let slot = w.slot("audio/opus").await;
        let id = slot["id"].as_str().unwrap().to_owned();
        let (status, filled) = answer(
            w.upload(
                &w.admin_key,
                &id,
                multipart("file", "a.opus", "audio/opus", &opus_bytes(600)),
            )
            .await,
        )
        .await;
        assert_eq!(status, 200);
        urls.push((id, filled["download_url"].as_str().unwrap().to_owned()));
    }
    assert_eq!(files_in(&dir).len(), 2);
    let (first, first_url) = &urls[0];
    let resp = w
        .call(&w.alice_key, Method::DELETE, &format!("{ME}/{first}"), None)
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(files_in(&dir), [format!("{}.opus", urls[1].0)]);
    assert_eq!(
        w.download(&w.alice_key, first_url, None).await.status(),
        404
    );

    let resp = w
        .call(
            &w.admin_key,
            Method::DELETE,
            &format!("/api/accounts/{}", w.alice.id.0),
            None,
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(files_in(&dir), Vec::<String>::new());
    assert_eq!(
        w.download(&w.admin_key, &urls[1].1, None).await.status(),
        404
    );
    w.app.stop().await;
}

async fn an_uploaded_voicemail_is_mailed_once_with_its_recording(store: Store) {
    use base64::Engine as _;
    let Some(smtp) = crate::support_smtp::SmtpServer::start() else {
        return;
    };
    let w = world(store, |c| smtp.configure(c)).await;
    let slot = w.slot("audio/opus").await;
    let id = slot["id"].as_str().unwrap();
    let audio = opus_bytes(2048);
    let resp = w
        .upload(
            &w.admin_key,
            id,
            multipart("file", "a.opus", "audio/opus", &audio),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let mail = smtp.wait_for_message("alice@example.net").await;
    assert_eq!(mail.subject, "New voicemail from sip:bob@v.example.org");
    assert!(
        mail.text
            .contains("sip:bob@v.example.org left you a voicemail"),
        "{}",
        mail.text
    );
    let raw = String::from_utf8_lossy(&mail.raw).replace("\r\n", "");
    assert!(raw.contains(&format!("{id}.opus")), "the file name");
    assert!(raw.contains("audio/opus"), "the file type");
    let encoded = base64::engine::general_purpose::STANDARD.encode(&audio);
    assert!(raw.contains(&encoded), "the recording, whole");

    // Once: later runs find nothing to send.
    assert_eq!(w.app.services.mail_voicemails("en").await.unwrap(), 0);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(smtp.messages_to("alice@example.net").len(), 1);
    w.app.stop().await;
}

async fn a_refused_voicemail_mail_leaves_the_voicemail_and_is_retried(store: Store) {
    let Some(smtp) =
        crate::support_smtp::SmtpServer::start_with(&["--reject", "alice@example.net"])
    else {
        return;
    };
    let w = world(store, |c| smtp.configure(c)).await;
    let slot = w.slot("audio/wav").await;
    let id = slot["id"].as_str().unwrap();
    let resp = w
        .upload(
            &w.admin_key,
            id,
            multipart("file", "a.wav", "audio/wav", &wav_bytes(300)),
        )
        .await;
    assert_eq!(resp.status(), 200);
    // Each run tries again (the upload's own run included), until the limit of tries.
    let limit = flexiapi_domain::service::voicemails::VOICEMAIL_MAIL_TRYOUTS;
    let pending = async || {
        w.app
            .services
            .storage_for_tests()
            .voicemails_to_mail(limit, w.app.services.now(), 10)
            .await
            .unwrap()
            .len()
    };
    let mut runs = 0;
    while pending().await > 0 && runs < 20 {
        assert_eq!(w.app.services.mail_voicemails("en").await.unwrap(), 0);
        runs += 1;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(pending().await, 0, "given up after the tries");
    assert!(runs >= limit - 1 && runs <= limit, "{runs} runs");
    assert!(smtp.messages_to("alice@example.net").is_empty());
    let (status, shown) = answer(
        w.call(&w.alice_key, Method::GET, &format!("{ME}/{id}"), None)
            .await,
    )
    .await;
    assert_eq!((status, shown["size"].as_i64()), (200, Some(300)));
    w.app.stop().await;
}

crate::on_memory_and_sqlite!(
    voicemails_are_created_listed_shown_and_deleted_by_their_account,
    a_voicemail_needs_an_email_and_valid_fields,
    admins_create_and_delete_voicemails_of_their_space_accounts,
    an_upload_fills_a_voicemail_once_with_bytes_of_its_type,
    uploads_over_the_limit_or_cut_short_leave_nothing,
    downloads_serve_the_file_and_ranges_to_its_account_and_admins,
    deleting_a_voicemail_or_its_account_removes_the_file,
    an_uploaded_voicemail_is_mailed_once_with_its_recording,
    a_refused_voicemail_mail_leaves_the_voicemail_and_is_retried,
);
