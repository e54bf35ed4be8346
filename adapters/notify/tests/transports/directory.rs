use flexiapi_adapters_notify::{DirectoryTransport, Sender};
use flexiapi_adapters_notify::{Mailer, OutgoingEmail, OutgoingSms, SmsSender};
use flexiapi_domain::error::TransportError;

use crate::support::{email, files_in};

#[tokio::test]
async fn each_email_is_a_parseable_eml_file_and_each_sms_a_text_file() {
    let root = tempfile::tempdir().unwrap();
    // The folder is created when missing.
    let folder = root.path().join("outbox");
    let transport =
        DirectoryTransport::new(&folder, Sender::new("noreply@example.org", "Flexi")).unwrap();
    assert_eq!(transport.directory(), folder);
    let message = OutgoingEmail {
        html_body: Some("<p>Votre code est <b>4321</b></p>".into()),
        ..email(
            "alice@example.net",
            "Votre code de vérification",
            "Votre code est 4321.",
        )
    };
    Mailer::send(&transport, &message).await.unwrap();
    SmsSender::send(
        &transport,
        &OutgoingSms {
            to: "+33612345678".into(),
            text: "Your code is 9876".into(),
        },
    )
    .await
    .unwrap();

    let files = files_in(&folder);
    assert_eq!(files.len(), 2, "{files:?}");
    let eml = files
        .iter()
        .find(|f| f.extension().unwrap() == "eml")
        .unwrap();
    let raw = std::fs::read(eml).unwrap();
    let parsed = mail_parser::MessageParser::default().parse(&raw).unwrap();
    assert_eq!(parsed.subject(), Some("Votre code de vérification"));
    assert_eq!(
        parsed.from().unwrap().first().unwrap().address(),
        Some("noreply@example.org")
    );
    assert_eq!(
        parsed.to().unwrap().first().unwrap().address(),
        Some("alice@example.net")
    );
    assert_eq!(
        parsed.body_text(0).unwrap().trim_end(),
        "Votre code est 4321."
    );
    assert!(parsed.body_html(0).unwrap().contains("<b>4321</b>"));
    let sms = files
        .iter()
        .find(|f| f.to_string_lossy().ends_with(".sms.txt"))
        .unwrap();
    assert_eq!(
        std::fs::read_to_string(sms).unwrap(),
        "To: +33612345678\n\nYour code is 9876\n"
    );
}

#[tokio::test]
async fn without_any_sender_nothing_is_written() {
    let folder = tempfile::tempdir().unwrap();
    let transport = DirectoryTransport::new(folder.path(), Sender::default()).unwrap();
    let err = Mailer::send(&transport, &email("alice@example.net", "S", "T"))
        .await
        .unwrap_err();
    assert_eq!(err, TransportError::NotConfigured);
    let err = Mailer::send(
        &DirectoryTransport::new(folder.path(), Sender::new("a@example.org", "")).unwrap(),
        &email("alice at example.net", "S", "T"),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, TransportError::Refused(_)), "{err:?}");
    assert!(files_in(folder.path()).is_empty());
    assert!(DirectoryTransport::new(folder.path(), Sender::new("not an address", "")).is_err());
}
