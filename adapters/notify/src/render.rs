//! Notices into words: the Fluent catalogues (`locales/<lang>/notify.ftl`) say each sentence in
//! the recipient's language, the templates (`templates/*.txt`, `*.html`) lay them out.
//!
//! Both are embedded at build time: a deployment cannot lose them, and a broken template fails
//! the tests rather than a send.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use flexiapi_domain::ports::Notice;
use fluent_templates::LanguageIdentifier;
use fluent_templates::fluent_bundle::concurrent::FluentBundle;
use fluent_templates::fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use image::{ExtendedColorType, ImageEncoder, Luma};
use qrcode::{EcLevel, QrCode};
use serde::Serialize;

use crate::transport::InlineImage;

/// The languages of the catalogues; the first is the fallback.
pub const LANGUAGES: &[&str] = &["en", "fr"];

const CATALOGUES: [&str; 2] = [
    include_str!("../../../locales/en/notify.ftl"),
    include_str!("../../../locales/fr/notify.ftl"),
];

const TEMPLATES: &[(&str, &str)] = &[
    ("layout.txt", include_str!("../templates/layout.txt")),
    ("layout.html", include_str!("../templates/layout.html")),
    ("code.txt", include_str!("../templates/code.txt")),
    ("code.html", include_str!("../templates/code.html")),
    ("link.txt", include_str!("../templates/link.txt")),
    ("link.html", include_str!("../templates/link.html")),
    (
        "space_expiring.txt",
        include_str!("../templates/space_expiring.txt"),
    ),
    (
        "space_expiring.html",
        include_str!("../templates/space_expiring.html"),
    ),
];

/// The `Content-ID` of the provisioning QR code.
pub const QR_CONTENT_ID: &str = "provisioning-qr";

/// Why a notice could not be put into words: a bug in a catalogue or a template, never the
/// recipient's fault.
#[derive(Debug, thiserror::Error)]
#[error("cannot render the message: {0}")]
pub struct RenderError(String);

static BUNDLES: LazyLock<Vec<FluentBundle<FluentResource>>> = LazyLock::new(|| {
    LANGUAGES
        .iter()
        .zip(CATALOGUES)
        .map(|(lang, source)| {
            let id: LanguageIdentifier = lang.parse().expect("a valid language tag");
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            // Isolation marks around placeables would end up in subjects and SMS.
            bundle.set_use_isolating(false);
            let resource = FluentResource::try_new(source.to_owned())
                .unwrap_or_else(|(_, errors)| panic!("{lang}/notify.ftl: {errors:?}"));
            bundle
                .add_resource(resource)
                .unwrap_or_else(|errors| panic!("{lang}/notify.ftl: {errors:?}"));
            bundle
        })
        .collect()
});

static TEMPLATE_ENV: LazyLock<minijinja::Environment<'static>> = LazyLock::new(|| {
    let mut env = minijinja::Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
    // HTML escaping of the five characters that matter, not `/` (minijinja's default makes
    // `https:&#x2f;&#x2f;…` of every link a person may copy from the source).
    env.set_formatter(|out, state, value| {
        let plain = value.is_safe()
            || value.is_undefined()
            || value.is_none()
            || state.auto_escape() != minijinja::AutoEscape::Html;
        if plain {
            return minijinja::escape_formatter(out, state, value);
        }
        let text = value.to_string();
        let mut escaped = String::with_capacity(text.len());
        for c in text.chars() {
            match c {
                '&' => escaped.push_str("&amp;"),
                '<' => escaped.push_str("&lt;"),
                '>' => escaped.push_str("&gt;"),
                '"' => escaped.push_str("&quot;"),
                '\'' => escaped.push_str("&#39;"),
                c => escaped.push(c),
            }
        }
        Ok(out.write_str(&escaped)?)
    });
    for (name, source) in TEMPLATES {
        env.add_template(name, source)
            .unwrap_or_else(|e| panic!("template {name}: {e}"));
    }
    env
});

/// The index in [`LANGUAGES`] of `language` (`fr`, `fr-FR`, `fr_CA`…); English otherwise.
pub fn language_index(language: &str) -> usize {
    flexiapi_domain::language::negotiate(language, LANGUAGES).unwrap_or(0)
}

/// One message of the catalogue in language `lang` (an index in [`LANGUAGES`]), English when
/// that language lacks it.
fn say(lang: usize, id: &str, args: &FluentArgs) -> Result<String, RenderError> {
    for bundle in [&BUNDLES[lang], &BUNDLES[0]] {
        if let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) {
            let mut errors = Vec::new();
            let text = bundle.format_pattern(pattern, Some(args), &mut errors);
            if !errors.is_empty() {
                return Err(RenderError(format!("{id}: {errors:?}")));
            }
            return Ok(text.into_owned());
        }
    }
    Err(RenderError(format!("no message {id}")))
}

fn date(lang: usize, at: DateTime<Utc>) -> String {
    match LANGUAGES[lang] {
        "fr" => at.format("%d/%m/%Y").to_string(),
        _ => at.format("%Y-%m-%d").to_string(),
    }
}

/// Who the message is from and about, as the templates show it.
#[derive(Debug, Clone)]
pub struct Heading<'a> {
    pub space_name: &'a str,
    /// The sender's name (the space's server's, the global one, or the space's name).
    pub from_name: &'a str,
    pub signature: Option<&'a str>,
    pub to_name: Option<&'a str>,
}

/// A notice as an e-mail.
#[derive(Debug, Clone)]
pub struct RenderedEmail {
    pub subject: String,
    pub text: String,
    pub html: String,
    pub inline_images: Vec<InlineImage>,
    /// Files sent with the message (a voicemail's recording).
    pub attachments: Vec<flexiapi_domain::ports::NoticeAttachment>,
}

#[derive(Serialize)]
struct Context<'a> {
    lang: &'static str,
    subject: &'a str,
    space_name: &'a str,
    from_name: &'a str,
    signature: Option<&'a str>,
    code: Option<&'a str>,
    link: Option<&'a str>,
    qr_cid: Option<&'static str>,
    /// The sentences, already in the recipient's language.
    t: BTreeMap<&'static str, String>,
}

/// The minutes as Fluent's number (for plural rules); `None` or zero or less: no expiry.
fn minutes(expires_in_minutes: Option<i64>) -> Option<FluentValue<'static>> {
    expires_in_minutes.filter(|m| *m > 0).map(FluentValue::from)
}

/// The e-mail of `notice`, in `language`.
///
/// # Errors
/// A catalogue or template that does not render (a bug), a QR code that cannot be encoded.
pub fn email(
    heading: &Heading<'_>,
    language: &str,
    notice: &Notice,
) -> Result<RenderedEmail, RenderError> {
    let lang = language_index(language);
    let mut args = FluentArgs::new();
    args.set("space", heading.space_name.to_owned());
    if let Some(name) = heading.to_name.filter(|n| !n.trim().is_empty()) {
        args.set("name", name.trim().to_owned());
    }
    let mut t = BTreeMap::new();
    t.insert(
        "greeting",
        say(
            lang,
            if args.get("name").is_some() {
                "notify-greeting-name"
            } else {
                "notify-greeting"
            },
            &args,
        )?,
    );
    t.insert("closing", say(lang, "notify-closing", &args)?);
    let (template, prefix, code, link, expiry) = match notice {
        Notice::EmailChangeCode {
            code,
            expires_in_minutes,
        } => (
            "code",
            "email-change",
            Some(code),
            None,
            *expires_in_minutes,
        ),
        Notice::PhoneChangeCode {
            code,
            expires_in_minutes,
        } => (
            "code",
            "phone-change",
            Some(code),
            None,
            *expires_in_minutes,
        ),
        Notice::RegistrationCode {
            code,
            expires_in_minutes,
        } => (
            "code",
            "registration",
            Some(code),
            None,
            *expires_in_minutes,
        ),
        Notice::RecoveryCode {
            code,
            expires_in_minutes,
        } => ("code", "recovery", Some(code), None, *expires_in_minutes),
        Notice::Provisioning { link } => ("link", "provisioning", None, Some(link), None),
        Notice::ResetPassword {
            link,
            expires_in_minutes,
        } => (
            "link",
            "reset-password",
            None,
            Some(link),
            *expires_in_minutes,
        ),
        Notice::SpaceExpiring { expire_at } => {
            args.set("date", date(lang, *expire_at));
            ("space_expiring", "space-expiring", None, None, None)
        }
        Notice::Voicemail {
            sip_from,
            received_at,
            ..
        } => {
            args.set("date", date(lang, *received_at));
            args.set("from", sip_from.clone().unwrap_or_else(|| "?".to_owned()));
            ("space_expiring", "voicemail", None, None, None)
        }
    };
    let subject = say(lang, &format!("notify-{prefix}-subject"), &args)?;
    t.insert("body", say(lang, &format!("notify-{prefix}-body"), &args)?);
    if let Some(m) = minutes(expiry) {
        args.set("minutes", m);
    }
    let mut inline_images = Vec::new();
    let mut attachments = Vec::new();
    let mut qr_cid = None;
    match notice {
        Notice::Provisioning { link } => {
            t.insert("button", say(lang, "notify-provisioning-button", &args)?);
            t.insert("qr", say(lang, "notify-provisioning-qr", &args)?);
            inline_images.push(InlineImage {
                content_id: QR_CONTENT_ID.to_owned(),
                content_type: "image/png".to_owned(),
                data: qr_png(link)?,
            });
            qr_cid = Some(QR_CONTENT_ID);
        }
        Notice::ResetPassword { .. } => {
            t.insert("button", say(lang, "notify-reset-password-button", &args)?);
            let id = if args.get("minutes").is_some() {
                "notify-link-expiry"
            } else {
                "notify-link-single-use"
            };
            t.insert("expiry", say(lang, id, &args)?);
            t.insert("ignore", say(lang, "notify-ignore", &args)?);
        }
        Notice::SpaceExpiring { .. } => {
            t.insert("advice", say(lang, "notify-space-expiring-advice", &args)?);
        }
        Notice::Voicemail { attachment, .. } => {
            t.insert("advice", say(lang, "notify-voicemail-advice", &args)?);
            attachments.push(attachment.clone());
        }
        _ => {
            if args.get("minutes").is_some() {
                t.insert("expiry", say(lang, "notify-code-expiry", &args)?);
            }
            t.insert("ignore", say(lang, "notify-ignore", &args)?);
        }
    }
    let context = Context {
        lang: LANGUAGES[lang],
        subject: &subject,
        space_name: heading.space_name,
        from_name: heading.from_name,
        signature: heading.signature.filter(|s| !s.trim().is_empty()),
        code: code.map(String::as_str),
        link: link.map(String::as_str),
        qr_cid,
        t,
    };
    let render = |name: String| -> Result<String, RenderError> {
        TEMPLATE_ENV
            .get_template(&name)
            .and_then(|tpl| tpl.render(&context))
            .map_err(|e| RenderError(format!("{name}: {e}")))
    };
    Ok(RenderedEmail {
        text: render(format!("{template}.txt"))?,
        html: render(format!("{template}.html"))?,
        subject,
        inline_images,
        attachments,
    })
}

/// The SMS of `notice`, in `language`: one line, as the original's (`Your <space> validation
/// code is 1234. The code is available for 10 minutes.`).
///
/// # Errors
/// A catalogue that does not render (a bug).
pub fn sms(space_name: &str, language: &str, notice: &Notice) -> Result<String, RenderError> {
    let lang = language_index(language);
    let mut args = FluentArgs::new();
    args.set("space", space_name.to_owned());
    let id = match notice {
        Notice::EmailChangeCode {
            code,
            expires_in_minutes,
        }
        | Notice::PhoneChangeCode {
            code,
            expires_in_minutes,
        }
        | Notice::RegistrationCode {
            code,
            expires_in_minutes,
        }
        | Notice::RecoveryCode {
            code,
            expires_in_minutes,
        } => {
            args.set("code", code.clone());
            match minutes(*expires_in_minutes) {
                Some(m) => {
                    args.set("minutes", m);
                    "notify-sms-code"
                }
                None => "notify-sms-code-no-expiry",
            }
        }
        Notice::Provisioning { link } => {
            args.set("link", link.clone());
            "notify-sms-provisioning"
        }
        Notice::ResetPassword { link, .. } => {
            args.set("link", link.clone());
            "notify-sms-reset-password"
        }
        Notice::SpaceExpiring { expire_at } => {
            args.set("date", date(lang, *expire_at));
            "notify-sms-space-expiring"
        }
        Notice::Voicemail {
            sip_from,
            received_at,
            ..
        } => {
            args.set("date", date(lang, *received_at));
            args.set("from", sip_from.clone().unwrap_or_else(|| "?".to_owned()));
            "notify-voicemail-subject"
        }
    };
    say(lang, id, &args)
}

/// A PNG QR code of `data`: high error correction, at least 300 pixels wide, with its quiet
/// zone (as the provisioning page's).
fn qr_png(data: &str) -> Result<Vec<u8>, RenderError> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::H)
        .map_err(|e| RenderError(format!("QR code: {e}")))?;
    let image = code.render::<Luma<u8>>().min_dimensions(300, 300).build();
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(
            image.as_raw(),
            image.width(),
            image.height(),
            ExtendedColorType::L8,
        )
        .map_err(|e| RenderError(format!("PNG: {e}")))?;
    Ok(png)
}

/// What the logs call a notice (never its code or link).
pub fn kind(notice: &Notice) -> &'static str {
    match notice {
        Notice::EmailChangeCode { .. } => "email_change_code",
        Notice::PhoneChangeCode { .. } => "phone_change_code",
        Notice::RegistrationCode { .. } => "registration_code",
        Notice::RecoveryCode { .. } => "recovery_code",
        Notice::Provisioning { .. } => "provisioning",
        Notice::ResetPassword { .. } => "reset_password",
        Notice::SpaceExpiring { .. } => "space_expiring",
        Notice::Voicemail { .. } => "voicemail",
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;

    /// id -> placeables of one catalogue.
    fn ids(source: &str) -> BTreeMap<String, BTreeSet<String>> {
        let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut current = None;
        for line in source.lines() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            if !line.starts_with(' ')
                && let Some((id, _)) = line.split_once(" =")
            {
                current = Some(id.trim().to_owned());
                out.entry(id.trim().to_owned()).or_default();
            }
            if let Some(id) = &current {
                for piece in line.split("{ $").skip(1) {
                    let name: String = piece
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    out.get_mut(id).unwrap().insert(name);
                }
            }
        }
        out
    }

    #[test]
    fn the_catalogues_have_the_same_ids_and_placeables() {
        let english = ids(CATALOGUES[0]);
        assert!(english.len() > 20);
        assert!(english.keys().all(|id| id.starts_with("notify-")));
        for (lang, source) in LANGUAGES.iter().zip(CATALOGUES) {
            assert_eq!(ids(source), english, "{lang}/notify.ftl");
        }
    }

    #[test]
    fn languages_are_negotiated_with_english_as_the_fallback() {
        assert_eq!(LANGUAGES[language_index("fr")], "fr");
        assert_eq!(LANGUAGES[language_index("fr-CA")], "fr");
        assert_eq!(LANGUAGES[language_index("de")], "en");
        assert_eq!(LANGUAGES[language_index("")], "en");
    }
}
