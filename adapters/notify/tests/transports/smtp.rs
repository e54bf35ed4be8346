use std::sync::Arc;

use flexiapi_adapters_notify::{
    DirectoryTransport, Sender, SmtpMailer, SmtpOptions, SmtpSettings, TlsMode, mailer_for_space,
};
use flexiapi_adapters_notify::{Mailer, OutgoingEmail};
use flexiapi_domain::error::TransportError;

use crate::support::{Certificates, SmtpServer, closed_port, email, files_in};

fn sender() -> Sender {
    Sender::new("noreply@sip.example.org", "Équipe Flexi")
}

fn mailer(url: &str, options: &SmtpOptions) -> SmtpMailer {
    SmtpMailer::from_url(url, sender(), options).unwrap()
}

#[tokio::test]
async fn plain_text_delivery_reads_back_the_sender_subject_and_body() {
    let Some(server) = SmtpServer::start(&[]) else {
        return;
    };
    let mailer = mailer(
        &format!("smtp://127.0.0.1:{}?tls=none", server.port),
        &SmtpOptions::default(),
    );
    let mut first = email(
        "alice@example.net",
        "Votre code de vérification",
        "Votre code est 1234.\nÀ bientôt.",
    );
    first.to_name = Some("Alice Liddell".into());
    mailer.send(&first).await.unwrap();
    // A message's own sender wins over the transport's, and an HTML part rides along.
    let second = OutgoingEmail {
        from_address: "space@other.example.org".into(),
        from_name: "Other space".into(),
        html_body: Some("<p>Code <b>5678</b></p>".into()),
        ..email("bob@example.net", "Code", "Code 5678")
    };
    mailer.send(&second).await.unwrap();
    // smtp:// without tls= takes STARTTLS only when offered: this server offers none.
    let opportunistic = self::mailer(
        &format!("smtp://127.0.0.1:{}", server.port),
        &SmtpOptions::default(),
    );
    opportunistic
        .send(&email("carol@example.net", "No TLS offered", "9"))
        .await
        .unwrap();

    let received = server.messages();
    assert_eq!(received.len(), 3);
    assert_eq!(received[2].meta["tls"], false);
    let meta = &received[0].meta;
    assert_eq!(meta["mail_from"], "noreply@sip.example.org");
    assert_eq!(meta["rcpt_tos"], serde_json::json!(["alice@example.net"]));
    assert_eq!(meta["tls"], false);
    let message = received[0].parsed();
    assert_eq!(message.subject(), Some("Votre code de vérification"));
    let from = message.from().unwrap().first().unwrap();
    assert_eq!(from.name(), Some("Équipe Flexi"));
    assert_eq!(from.address(), Some("noreply@sip.example.org"));
    let to = message.to().unwrap().first().unwrap();
    assert_eq!(
        (to.name(), to.address()),
        (Some("Alice Liddell"), Some("alice@example.net"))
    );
    assert_eq!(
        message
            .body_text(0)
            .unwrap()
            .replace("\r\n", "\n")
            .trim_end(),
        "Votre code est 1234.\nÀ bientôt."
    );
    // Text only: no HTML alternative when none is given.
    assert!(mail_parser::MimeHeaders::is_content_type(
        &message, "text", "plain"
    ));
    assert!(
        message
            .message_id()
            .is_some_and(|id| id.ends_with("@sip.example.org"))
    );

    assert_eq!(received[1].meta["mail_from"], "space@other.example.org");
    let message = received[1].parsed();
    let from = message.from().unwrap().first().unwrap();
    assert_eq!(
        (from.name(), from.address()),
        (Some("Other space"), Some("space@other.example.org"))
    );
    assert_eq!(message.body_text(0).unwrap().trim_end(), "Code 5678");
    assert_eq!(
        message.body_html(0).unwrap().trim_end(),
        "<p>Code <b>5678</b></p>"
    );
}

#[tokio::test]
async fn starttls_with_the_throwaway_certificate_trusted_through_ca_file() {
    let certificates = Certificates::generate();
    let args = certificates.server_args();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let Some(server) = SmtpServer::start(&args) else {
        return;
    };
    let trusted = SmtpOptions::default()
        .trust_ca_file(&certificates.ca())
        .unwrap();
    // smtp:// takes STARTTLS when offered; ?tls=required insists on it.
    for url in [
        format!("smtp://127.0.0.1:{}", server.port),
        format!("smtp://127.0.0.1:{}?tls=required", server.port),
    ] {
        mailer(&url, &trusted)
            .send(&email("alice@example.net", "Over TLS", "1234"))
            .await
            .unwrap();
    }
    let received = server.messages();
    assert_eq!(received.len(), 2);
    assert!(received.iter().all(|r| r.meta["tls"] == true));
    assert_eq!(received[0].parsed().subject(), Some("Over TLS"));

    // Without the CA the certificate does not verify: an error, never a plain-text fallback.
    let untrusted = mailer(
        &format!("smtp://127.0.0.1:{}", server.port),
        &SmtpOptions::default(),
    );
    let err = untrusted
        .send(&email("alice@example.net", "Over TLS", "1234"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, TransportError::Unavailable(m) if m.contains("certificate")),
        "{err:?}"
    );
    assert_eq!(server.messages().len(), 2);
}

#[tokio::test]
async fn smtps_is_tls_from_the_first_byte() {
    let certificates = Certificates::generate();
    let mut args: Vec<String> = certificates.server_args().into();
    args.push("--implicit-tls".into());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let Some(server) = SmtpServer::start(&args) else {
        return;
    };
    let trusted = SmtpOptions::default()
        .trust_ca_file(&certificates.ca())
        .unwrap();
    mailer(&format!("smtps://127.0.0.1:{}", server.port), &trusted)
        .send(&email("alice@example.net", "Wrapped", "1234"))
        .await
        .unwrap();
    let received = server.messages();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].meta["tls"], true);
}

#[tokio::test]
async fn authentication_with_good_credentials_over_starttls() {
    let certificates = Certificates::generate();
    let trusted = SmtpOptions::default()
        .trust_ca_file(&certificates.ca())
        .unwrap();
    // PLAIN (lettre's first choice), then a server that offers LOGIN only.
    for mechanisms in ["LOGIN,PLAIN", "LOGIN"] {
        let mut args: Vec<String> = certificates.server_args().into();
        args.extend([
            "--auth".into(),
            "relay@example.org:s3cr:t w0rd".into(),
            "--mechanisms".into(),
            mechanisms.into(),
        ]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let Some(server) = SmtpServer::start(&args) else {
            return;
        };
        // The username and password are percent-encoded in the URL.
        let url = format!(
            "smtp://relay%40example.org:s3cr%3At%20w0rd@127.0.0.1:{}",
            server.port
        );
        mailer(&url, &trusted)
            .send(&email("alice@example.net", "Authenticated", "1234"))
            .await
            .unwrap();
        let received = server.messages();
        assert_eq!(received.len(), 1, "{mechanisms}");
        assert_eq!(received[0].meta["login"], "relay@example.org");
        assert_eq!(received[0].meta["tls"], true);
    }
}

#[tokio::test]
async fn a_server_that_refuses_answers_refused_with_its_words() {
    let Some(server) =
        SmtpServer::start(&["--auth", "relay:right", "--reject", "nobody@example.net"])
    else {
        return;
    };
    let good = mailer(
        &format!("smtp://relay:right@127.0.0.1:{}?tls=none", server.port),
        &SmtpOptions::default(),
    );
    let err = good
        .send(&email("nobody@example.net", "Hello", "1234"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, TransportError::Refused(m) if m.contains("550") && m.contains("Recipient address rejected")),
        "{err:?}"
    );
    let bad = mailer(
        &format!("smtp://relay:wrong@127.0.0.1:{}?tls=none", server.port),
        &SmtpOptions::default(),
    );
    let err = bad
        .send(&email("alice@example.net", "Hello", "1234"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, TransportError::Refused(m) if m.contains("535") && !m.contains("wrong")),
        "{err:?}"
    );
    // An address that is not one never reaches the server.
    let err = good
        .send(&email("not an address", "Hello", "1234"))
        .await
        .unwrap_err();
    assert!(matches!(err, TransportError::Refused(_)), "{err:?}");
    assert!(server.messages().is_empty());
    // The same transport still delivers to a good recipient.
    good.send(&email("alice@example.net", "Hello", "1234"))
        .await
        .unwrap();
    assert_eq!(server.messages().len(), 1);
}

#[tokio::test]
async fn a_server_that_is_down_is_unavailable() {
    let port = closed_port();
    for url in [
        format!("smtp://127.0.0.1:{port}?tls=none"),
        format!("smtp://127.0.0.1:{port}"),
        format!("smtps://127.0.0.1:{port}"),
    ] {
        let err = mailer(&url, &SmtpOptions::default())
            .send(&email("alice@example.net", "Hello", "1234"))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, TransportError::Unavailable(m) if m.to_lowercase().contains("refused")),
            "{url}: {err:?}"
        );
    }
}

#[tokio::test]
async fn a_spaces_own_server_wins_over_the_global_transport() {
    let Some(server) = SmtpServer::start(&["--auth", "space:pw"]) else {
        return;
    };
    let folder = tempfile::tempdir().unwrap();
    let global: Arc<dyn Mailer> = Arc::new(
        DirectoryTransport::new(folder.path(), Sender::new("global@example.org", "")).unwrap(),
    );
    let space = SmtpSettings::new("127.0.0.1", server.port)
        .with_tls(TlsMode::None)
        .with_credentials(Some("space".into()), Some("pw".into()))
        .with_sender(Sender::new("space@example.org", "The space"));
    let options = SmtpOptions::default();
    let chosen = mailer_for_space(Some(&space), Some(&global), &options)
        .unwrap()
        .unwrap();
    chosen
        .send(&email("alice@example.net", "Space", "1234"))
        .await
        .unwrap();
    let received = server.messages();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].meta["mail_from"], "space@example.org");
    assert_eq!(received[0].meta["login"], "space");
    assert!(files_in(folder.path()).is_empty());

    let chosen = mailer_for_space(None, Some(&global), &options)
        .unwrap()
        .unwrap();
    chosen
        .send(&email("alice@example.net", "Global", "1234"))
        .await
        .unwrap();
    assert_eq!(files_in(folder.path()).len(), 1);
    assert_eq!(server.messages().len(), 1);
    assert!(
        mailer_for_space(None, None, &options).unwrap().is_none(),
        "no transport at all"
    );
}
