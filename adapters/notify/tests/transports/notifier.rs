//! The notifier end to end: rendered notices through real servers, the space's own server
//! winning over the global one, and the counts behind `/metrics`.

use std::sync::Arc;

use flexiapi_adapters_notify::{
    DirectoryTransport, Mailer, Sender, SmtpMailer, SmtpOptions, TemplateNotifier,
};
use flexiapi_domain::error::TransportError;
use flexiapi_domain::model::{Email, PhoneNumber};
use flexiapi_domain::ports::{Letterhead, Notice, NotificationCounts, Notifier, SpaceEmailServer};
use mail_parser::MimeHeaders;

use crate::support::{Certificates, SmtpServer, closed_port, files_in};

fn global_sender() -> Sender {
    Sender::new("noreply@global.example.org", "Global")
}

fn global(port: u16) -> Arc<dyn Mailer> {
    Arc::new(
        SmtpMailer::from_url(
            &format!("smtp://127.0.0.1:{port}?tls=none"),
            global_sender(),
            &SmtpOptions::default(),
        )
        .unwrap(),
    )
}

fn letterhead(server: Option<SpaceEmailServer>) -> Letterhead {
    Letterhead {
        space_name: "Acme Voice".into(),
        space_domain: "acme.example.org".into(),
        email_server: server,
    }
}

fn space_server(port: u16) -> SpaceEmailServer {
    SpaceEmailServer {
        host: "127.0.0.1".into(),
        port,
        username: None,
        password: None,
        from_address: Some("hello@acme.example.org".into()),
        from_name: Some("Acme Team".into()),
        signature: Some("Acme Inc. — support@acme.example.org".into()),
    }
}

fn code() -> Notice {
    Notice::EmailChangeCode {
        code: "4821".into(),
        expires_in_minutes: Some(10),
    }
}

fn to() -> Email {
    Email::parse("jane@example.net").unwrap()
}

#[tokio::test]
async fn a_code_goes_out_through_the_global_server_in_the_recipients_language() {
    let Some(server) = SmtpServer::start(&[]) else {
        return;
    };
    let notifier = TemplateNotifier::new(
        Some(global(server.port)),
        global_sender(),
        None,
        SmtpOptions::default(),
    );
    assert!(notifier.can_email(&letterhead(None)) && !notifier.can_sms());
    notifier
        .email(&letterhead(None), &to(), Some("Jane"), "fr", &code())
        .await
        .unwrap();
    let received = server.messages();
    assert_eq!(received.len(), 1);
    let message = received[0].parsed();
    assert_eq!(
        message.subject(),
        Some("Acme Voice : confirmez votre nouvelle adresse e-mail")
    );
    let from = message.from().unwrap().first().unwrap();
    assert_eq!(
        (from.name(), from.address()),
        (Some("Global"), Some("noreply@global.example.org"))
    );
    let text = message.body_text(0).unwrap();
    assert!(text.starts_with("Bonjour Jane,"), "{text}");
    assert!(
        text.contains("4821") && text.contains("Le code est valable 10 minutes."),
        "{text}"
    );
    let html = message.body_html(0).unwrap();
    assert!(
        html.contains("4821") && html.contains("Acme Voice"),
        "{html}"
    );
    assert_eq!(
        notifier.counts(),
        NotificationCounts {
            emails_sent: 1,
            ..NotificationCounts::default()
        }
    );
}

#[tokio::test]
async fn the_spaces_own_server_wins_with_its_sender_credentials_and_signature() {
    let Some(global_server) = SmtpServer::start(&[]) else {
        return;
    };
    let Some(own) = SmtpServer::start(&["--auth", "acme:s3cret"]) else {
        return;
    };
    let notifier = TemplateNotifier::new(
        Some(global(global_server.port)),
        global_sender(),
        None,
        SmtpOptions::default(),
    );
    let server = SpaceEmailServer {
        username: Some("acme".into()),
        password: Some("s3cret".into()),
        ..space_server(own.port)
    };
    notifier
        .email(&letterhead(Some(server)), &to(), None, "en", &code())
        .await
        .unwrap();
    assert!(global_server.messages().is_empty());
    let received = own.messages();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].meta["login"], "acme");
    assert_eq!(received[0].meta["mail_from"], "hello@acme.example.org");
    let message = received[0].parsed();
    let from = message.from().unwrap().first().unwrap();
    assert_eq!(
        (from.name(), from.address()),
        (Some("Acme Team"), Some("hello@acme.example.org"))
    );
    let text = message.body_text(0).unwrap();
    for part in ["Acme Team", "Acme Inc. — support@acme.example.org", "4821"] {
        assert!(text.contains(part), "{part} in {text}");
    }

    // A space server without a sender of its own sends as the global sender.
    let bare = SpaceEmailServer {
        from_address: None,
        from_name: None,
        ..space_server(global_server.port)
    };
    notifier
        .email(&letterhead(Some(bare)), &to(), None, "en", &code())
        .await
        .unwrap();
    assert_eq!(
        global_server.messages()[0].meta["mail_from"],
        "noreply@global.example.org"
    );
}

#[tokio::test]
async fn a_spaces_server_over_starttls_trusts_the_operators_roots() {
    let certificates = Certificates::generate();
    let args = certificates.server_args();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let Some(own) = SmtpServer::start(&args) else {
        return;
    };
    let trusted = SmtpOptions::default()
        .trust_ca_file(&certificates.ca())
        .unwrap();
    // No global transport at all: the space's server is enough.
    let notifier = TemplateNotifier::new(None, Sender::default(), None, trusted);
    assert!(!notifier.can_email(&letterhead(None)));
    let with_server = letterhead(Some(space_server(own.port)));
    assert!(notifier.can_email(&with_server));
    notifier
        .email(&with_server, &to(), None, "en", &code())
        .await
        .unwrap();
    assert_eq!(own.messages()[0].meta["tls"], true);
    // Without a sender anywhere nothing can be sent.
    let anonymous = letterhead(Some(SpaceEmailServer {
        from_address: None,
        ..space_server(own.port)
    }));
    assert!(!notifier.can_email(&anonymous));
    let err = notifier
        .email(&anonymous, &to(), None, "en", &code())
        .await
        .unwrap_err();
    assert_eq!(err, TransportError::NotConfigured);
}

#[tokio::test]
async fn the_provisioning_email_carries_its_qr_code_as_an_inline_png() {
    let Some(server) = SmtpServer::start(&[]) else {
        return;
    };
    let notifier = TemplateNotifier::new(
        Some(global(server.port)),
        global_sender(),
        None,
        SmtpOptions::default(),
    );
    let link = "https://acme.example.org/provisioning/AbCdEf0123456";
    notifier
        .email(
            &letterhead(None),
            &to(),
            None,
            "en",
            &Notice::Provisioning { link: link.into() },
        )
        .await
        .unwrap();
    let received = server.messages();
    let message = received[0].parsed();
    assert!(message.body_text(0).unwrap().contains(link));
    let html = message.body_html(0).unwrap();
    assert!(html.contains("src=\"cid:provisioning-qr\""), "{html}");
    let image = message
        .attachments()
        .find(|a| a.is_content_type("image", "png"))
        .expect("an inline PNG");
    assert_eq!(image.content_id(), Some("provisioning-qr"));
    assert!(image.contents().starts_with(b"\x89PNG"));
}

#[tokio::test]
async fn refused_and_unreachable_sends_are_errors_and_counted() {
    let Some(server) = SmtpServer::start(&["--reject", "jane@example.net"]) else {
        return;
    };
    let notifier = TemplateNotifier::new(
        Some(global(server.port)),
        global_sender(),
        None,
        SmtpOptions::default(),
    );
    let err = notifier
        .email(&letterhead(None), &to(), None, "en", &code())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, TransportError::Refused(m) if m.contains("550")),
        "{err:?}"
    );
    let down = letterhead(Some(space_server(closed_port())));
    let err = notifier
        .email(&down, &to(), None, "en", &code())
        .await
        .unwrap_err();
    assert!(matches!(err, TransportError::Unavailable(_)), "{err:?}");
    // No SMS gateway: nothing attempted, still a failure to count.
    let phone = PhoneNumber::parse("+33612345678").unwrap();
    let err = notifier
        .sms(&letterhead(None), &phone, "en", &code())
        .await
        .unwrap_err();
    assert_eq!(err, TransportError::NotConfigured);
    assert_eq!(
        notifier.counts(),
        NotificationCounts {
            emails_sent: 0,
            emails_failed: 2,
            sms_sent: 0,
            sms_failed: 1,
        }
    );
}

#[tokio::test]
async fn sms_are_rendered_in_the_recipients_language() {
    let dir = tempfile::tempdir().unwrap();
    let folder = Arc::new(DirectoryTransport::new(dir.path(), global_sender()).unwrap());
    let notifier = TemplateNotifier::new(
        Some(folder.clone()),
        global_sender(),
        Some(folder),
        SmtpOptions::default(),
    );
    assert!(notifier.can_sms());
    let phone = PhoneNumber::parse("+33612345678").unwrap();
    let notice = Notice::PhoneChangeCode {
        code: "7310".into(),
        expires_in_minutes: Some(15),
    };
    notifier
        .sms(&letterhead(None), &phone, "fr", &notice)
        .await
        .unwrap();
    let files = files_in(dir.path());
    assert_eq!(files.len(), 1);
    assert_eq!(
        std::fs::read_to_string(&files[0]).unwrap(),
        "To: +33612345678\n\nVotre code de validation Acme Voice est 7310. Le code est valable 15 minutes.\n"
    );
    assert_eq!(notifier.counts().sms_sent, 1);
}
