//! Every notice in words, in English and French: subject, text and HTML parts, SMS.

use chrono::{TimeZone, Utc};
use flexiapi_adapters_notify::render::{self, Heading, QR_CONTENT_ID};
use flexiapi_domain::ports::Notice;

const CODE: &str = "4821";
const LINK: &str = "https://sip.example.org/provisioning/AbCdEf0123456";

fn heading() -> Heading<'static> {
    Heading {
        space_name: "Acme <Voice>",
        from_name: "Acme Support",
        signature: Some("Acme Inc.\n1 rue de la Paix"),
        to_name: Some("Jane"),
    }
}

fn notices() -> Vec<Notice> {
    let expiring = Some(10);
    vec![
        Notice::EmailChangeCode {
            code: CODE.into(),
            expires_in_minutes: expiring,
        },
        Notice::PhoneChangeCode {
            code: CODE.into(),
            expires_in_minutes: expiring,
        },
        Notice::RegistrationCode {
            code: CODE.into(),
            expires_in_minutes: expiring,
        },
        Notice::RecoveryCode {
            code: CODE.into(),
            expires_in_minutes: expiring,
        },
        Notice::Provisioning { link: LINK.into() },
        Notice::ResetPassword {
            link: LINK.into(),
            expires_in_minutes: expiring,
        },
        Notice::SpaceExpiring {
            expire_at: Utc.with_ymd_and_hms(2031, 3, 9, 12, 0, 0).unwrap(),
        },
    ]
}

/// What each notice must show besides the letterhead: its code, link or date.
fn essential(notice: &Notice, lang: &str) -> String {
    match notice {
        Notice::Provisioning { link } | Notice::ResetPassword { link, .. } => link.clone(),
        Notice::SpaceExpiring { .. } if lang == "fr" => "09/03/2031".into(),
        Notice::SpaceExpiring { .. } => "2031-03-09".into(),
        _ => CODE.into(),
    }
}

#[test]
fn every_notice_has_a_subject_a_text_and_an_html_part_in_both_languages() {
    for lang in ["en", "fr"] {
        let mut subjects = std::collections::BTreeSet::new();
        for notice in notices() {
            let email = render::email(&heading(), lang, &notice).unwrap();
            let what = format!("{lang} {notice:?}");
            let must = essential(&notice, lang);
            assert!(
                email.subject.contains("Acme <Voice>"),
                "{what}: {}",
                email.subject
            );
            subjects.insert(email.subject.clone());
            // The text part: as written.
            for part in [
                "Acme <Voice>",
                "Acme Support",
                "Acme Inc.\n1 rue de la Paix",
                &must,
            ] {
                assert!(
                    email.text.contains(part),
                    "{what}: {part:?} not in\n{}",
                    email.text
                );
            }
            // The HTML part: escaped, and a document.
            let html = &email.html;
            for part in [
                "Acme &lt;Voice&gt;",
                "Acme Support",
                "1 rue de la Paix",
                &must,
            ] {
                assert!(
                    html.contains(part),
                    "{what}: {part:?} not in\n{}",
                    email.html
                );
            }
            assert!(!email.html.contains("<Voice>"), "{what}: unescaped");
            assert!(email.html.starts_with("<!DOCTYPE html>"), "{what}");
            assert!(
                email.html.contains(&format!("<html lang=\"{lang}\">")),
                "{what}"
            );
            assert!(email.html.trim_end().ends_with("</html>"), "{what}");
            let greeting = if lang == "fr" {
                "Bonjour Jane,"
            } else {
                "Hello Jane,"
            };
            assert!(email.text.starts_with(greeting), "{what}: {}", email.text);
            let has_expiry = !matches!(
                notice,
                Notice::Provisioning { .. } | Notice::SpaceExpiring { .. }
            );
            if has_expiry {
                // "10 minutes" in both languages.
                assert!(
                    email.text.contains("10 minutes") && email.html.contains("10 minutes"),
                    "{what}"
                );
            }
            assert_eq!(
                email.inline_images.len(),
                usize::from(matches!(notice, Notice::Provisioning { .. })),
                "{what}"
            );
        }
        assert_eq!(
            subjects.len(),
            notices().len(),
            "{lang}: one subject per notice"
        );
    }
}

#[test]
fn english_and_french_say_different_things() {
    let notice = &notices()[0];
    let en = render::email(&heading(), "en", notice).unwrap();
    let fr = render::email(&heading(), "fr-FR", notice).unwrap();
    assert!(
        en.subject.contains("confirm your new e-mail address"),
        "{}",
        en.subject
    );
    assert!(
        fr.subject
            .contains("confirmez votre nouvelle adresse e-mail"),
        "{}",
        fr.subject
    );
    assert!(
        en.text.contains("The code is available for 10 minutes."),
        "{}",
        en.text
    );
    assert!(
        fr.text.contains("Le code est valable 10 minutes."),
        "{}",
        fr.text
    );
    assert!(fr.html.contains("Cordialement"));
    // An unknown language is English.
    let de = render::email(&heading(), "de", notice).unwrap();
    assert_eq!(de.subject, en.subject);
}

#[test]
fn a_code_without_expiry_says_none_and_a_letterhead_without_signature_or_name_is_plain() {
    let plain = Heading {
        space_name: "Acme",
        from_name: "Acme",
        signature: None,
        to_name: None,
    };
    let email = render::email(
        &plain,
        "en",
        &Notice::RecoveryCode {
            code: CODE.into(),
            expires_in_minutes: None,
        },
    )
    .unwrap();
    assert!(email.text.starts_with("Hello,\n"), "{}", email.text);
    assert!(!email.text.contains("available for"), "{}", email.text);
    assert!(!email.text.contains("-- "), "{}", email.text);
    assert!(!email.html.contains("border-top"), "{}", email.html);
    let one = render::sms(
        "Acme",
        "en",
        &Notice::RecoveryCode {
            code: CODE.into(),
            expires_in_minutes: Some(1),
        },
    )
    .unwrap();
    assert_eq!(
        one,
        "Your Acme validation code is 4821. The code is available for 1 minute."
    );
}

#[test]
fn the_provisioning_email_shows_its_qr_code_inline() {
    let email = render::email(
        &heading(),
        "en",
        &Notice::Provisioning { link: LINK.into() },
    )
    .unwrap();
    let image = &email.inline_images[0];
    assert_eq!(image.content_id, QR_CONTENT_ID);
    assert_eq!(image.content_type, "image/png");
    assert!(image.data.starts_with(b"\x89PNG\r\n\x1a\n"));
    assert!(
        email.html.contains(&format!("src=\"cid:{QR_CONTENT_ID}\"")),
        "{}",
        email.html
    );
    let html = &email.html;
    assert!(html.contains(&format!("href=\"{LINK}\"")), "{html}");
}

#[test]
fn sms_are_one_line_as_the_originals() {
    let code = Notice::PhoneChangeCode {
        code: CODE.into(),
        expires_in_minutes: Some(10),
    };
    assert_eq!(
        render::sms("Acme", "en", &code).unwrap(),
        "Your Acme validation code is 4821. The code is available for 10 minutes."
    );
    assert_eq!(
        render::sms("Acme", "fr", &code).unwrap(),
        "Votre code de validation Acme est 4821. Le code est valable 10 minutes."
    );
    for lang in ["en", "fr"] {
        for notice in notices() {
            let text = render::sms("Acme", lang, &notice).unwrap();
            assert!(
                !text.contains('\n') && text.contains("Acme"),
                "{lang} {notice:?}: {text}"
            );
            assert!(
                text.contains(&essential(&notice, lang)),
                "{lang} {notice:?}: {text}"
            );
        }
    }
}
