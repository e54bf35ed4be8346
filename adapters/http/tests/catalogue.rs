//! The Fluent catalogues agree with each other and with the code.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use flexiapi_adapters_http::error::rule_message;
use flexiapi_adapters_http::i18n::{LOCALES, MessageId};
use flexiapi_domain::validation::Rule;
use fluent_templates::Loader;
use fluent_templates::fluent_bundle::FluentValue;

/// message id -> placeables, for the API's catalogue of one language (`main.ftl`; the other
/// files of the folder are other adapters', e.g. `notify.ftl`, checked by their own tests).
fn catalogue(lang: &str) -> BTreeMap<String, BTreeSet<String>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../locales")
        .join(lang)
        .join("main.ftl");
    parse(&std::fs::read_to_string(path).unwrap())
}

/// message id -> placeables of one `.ftl` text.
fn parse(text: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut messages: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        if !line.starts_with(' ')
            && let Some((id, _)) = line.split_once(" =")
        {
            current = Some(id.trim().to_owned());
            messages.entry(id.trim().to_owned()).or_default();
        }
        if let Some(id) = &current {
            let mut rest = line;
            while let Some(i) = rest.find("{ $") {
                let name: String = rest[i + 3..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                messages.get_mut(id).unwrap().insert(name);
                rest = &rest[i + 3..];
            }
        }
    }
    messages
}

#[test]
fn no_id_is_in_two_files_of_a_language() {
    // The loader puts every `.ftl` of a language folder into one bundle: one id, one message.
    for lang in languages() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../locales")
            .join(&lang);
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let file = path.file_name().unwrap().to_string_lossy().into_owned();
            for id in parse(&std::fs::read_to_string(&path).unwrap()).into_keys() {
                if let Some(other) = seen.insert(id.clone(), file.clone()) {
                    panic!("{lang}: {id} is in both {other} and {file}");
                }
            }
        }
    }
}

fn languages() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../locales");
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn every_language_has_the_same_ids_with_the_same_placeables() {
    let english = catalogue("en");
    assert!(english.len() > 40);
    for lang in languages() {
        let other = catalogue(&lang);
        let missing: Vec<_> = english.keys().filter(|k| !other.contains_key(*k)).collect();
        let extra: Vec<_> = other.keys().filter(|k| !english.contains_key(*k)).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{lang}: missing {missing:?}, extra {extra:?}"
        );
        for (id, placeables) in &english {
            assert_eq!(placeables, &other[id], "{lang}: placeables of {id}");
        }
    }
}

#[test]
fn every_message_id_exists_in_every_language() {
    let args: std::collections::HashMap<std::borrow::Cow<'static, str>, FluentValue> = [
        "attribute",
        "min",
        "max",
        "values",
        "message",
        "count",
        "seconds",
        "digits",
        "other",
        "reason",
        "host",
    ]
    .into_iter()
    .map(|n| (n.into(), FluentValue::from(1)))
    .collect();
    for lang in LOCALES.locales() {
        for id in MessageId::ALL {
            assert!(
                LOCALES
                    .try_lookup_with_args(lang, id.as_str(), &args)
                    .is_some(),
                "{id} missing in {lang}"
            );
        }
    }
}

#[test]
fn every_message_of_the_catalogues_is_a_message_id() {
    let ids: BTreeSet<&str> = MessageId::ALL.iter().map(|id| id.as_str()).collect();
    assert_eq!(ids.len(), MessageId::ALL.len(), "an id is declared twice");
    for lang in languages() {
        // The glossary of field names is the only other kind of entry.
        let unknown: Vec<String> = catalogue(&lang)
            .into_keys()
            .filter(|id| !id.starts_with("field-") && !ids.contains(id.as_str()))
            .collect();
        assert!(unknown.is_empty(), "{lang}: not a MessageId: {unknown:?}");
    }
}

#[test]
fn every_rule_has_its_own_validation_message() {
    let rules = [
        Rule::Required,
        Rule::Missing,
        Rule::Email,
        Rule::Unique,
        Rule::MinLength(1),
        Rule::MaxLength(1),
        Rule::OneOf(vec![]),
        Rule::Boolean,
        Rule::Integer,
        Rule::IntegerBetween(0, 1),
        Rule::IntegerMin(0),
        Rule::Text,
        Rule::Object,
        Rule::Date,
        Rule::DateNotPast,
        Rule::NoUppercase,
        Rule::NotPhoneNumber,
        Rule::SipUsername,
        Rule::SipUri,
        Rule::Domain,
        Rule::Phone,
        Rule::PhoneCountry,
        Rule::Ini,
        Rule::JwtConfig,
        Rule::PublicKey,
        Rule::AtLeastCurrentCount,
        Rule::IncorrectOldPassword,
        Rule::AlphaDash,
        Rule::ValidToken,
        Rule::TokenExpired,
        Rule::ForbiddenCharacters,
        Rule::LastSuperSpace,
        Rule::Digits(4),
        Rule::ValidCode,
        Rule::NotCurrent,
        Rule::Format,
        Rule::AccountContact,
        Rule::ForwardingExclusive,
        Rule::Different("other".into()),
        Rule::FileType("audio/opus".into()),
        Rule::MaxKilobytes(1),
        Rule::Exists,
        Rule::SpaceAddress,
        Rule::Array,
        Rule::VCard,
        Rule::SameAsPath,
        Rule::Url,
        Rule::CommaSeparatedWords,
    ];
    // Stops compiling when a rule is added: list it above as well.
    for rule in &rules {
        match rule {
            Rule::Required
            | Rule::Missing
            | Rule::Email
            | Rule::Unique
            | Rule::MinLength(_)
            | Rule::MaxLength(_)
            | Rule::OneOf(_)
            | Rule::Boolean
            | Rule::Integer
            | Rule::IntegerBetween(..)
            | Rule::IntegerMin(_)
            | Rule::Text
            | Rule::Object
            | Rule::Date
            | Rule::DateNotPast
            | Rule::NoUppercase
            | Rule::NotPhoneNumber
            | Rule::SipUsername
            | Rule::SipUri
            | Rule::Domain
            | Rule::Phone
            | Rule::PhoneCountry
            | Rule::Ini
            | Rule::JwtConfig
            | Rule::PublicKey
            | Rule::AtLeastCurrentCount
            | Rule::IncorrectOldPassword
            | Rule::AlphaDash
            | Rule::ValidToken
            | Rule::TokenExpired
            | Rule::ForbiddenCharacters
            | Rule::LastSuperSpace
            | Rule::Digits(_)
            | Rule::ValidCode
            | Rule::NotCurrent
            | Rule::Format
            | Rule::AccountContact
            | Rule::ForwardingExclusive
            | Rule::Different(_)
            | Rule::FileType(_)
            | Rule::MaxKilobytes(_)
            | Rule::Exists
            | Rule::SpaceAddress
            | Rule::Array
            | Rule::VCard
            | Rule::SameAsPath
            | Rule::Url
            | Rule::CommaSeparatedWords => {}
        }
    }
    let produced: BTreeSet<&str> = rules
        .iter()
        .map(|r| rule_message("f", r).id.as_str())
        .collect();
    assert_eq!(produced.len(), rules.len(), "two rules share a message");
    // The summaries of a 422 are the validation messages no rule produces.
    let declared: BTreeSet<&str> = MessageId::ALL
        .iter()
        .filter(|id| {
            !matches!(
                id,
                MessageId::ValidationFailed | MessageId::ValidationMoreErrors
            )
        })
        .map(|id| id.as_str())
        .filter(|id| id.starts_with("validation-"))
        .collect();
    assert_eq!(produced, declared);
}
