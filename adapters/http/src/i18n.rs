//! Localization: Fluent catalogues from `locales/<lang>/*.ftl`, embedded at build time, and
//! `Accept-Language` negotiation.

use std::borrow::Cow;
use std::collections::HashMap;

use flexiapi_domain::language;
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};

fluent_templates::static_loader! {
    pub static LOCALES = {
        locales: "../../locales",
        fallback_language: "en",
        // Isolation marks (U+2068/U+2069) around placeables confuse clients that compare text.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// A message argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    Text(String),
    Number(i64),
    /// A field name, itself translated through the glossary (`field-<name>`).
    Field(String),
}

/// A message id with its arguments, rendered in the request's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: &'static str,
    pub args: Vec<(&'static str, Arg)>,
}

impl Message {
    pub fn new(id: &'static str) -> Self {
        Self {
            id,
            args: Vec::new(),
        }
    }

    pub fn with(mut self, name: &'static str, value: Arg) -> Self {
        self.args.push((name, value));
        self
    }

    pub fn render(&self, lang: &LanguageIdentifier) -> String {
        let args: HashMap<Cow<'static, str>, FluentValue> = self
            .args
            .iter()
            .map(|(name, value)| {
                let value = match value {
                    Arg::Text(t) => FluentValue::from(t.clone()),
                    Arg::Number(n) => FluentValue::from(*n),
                    Arg::Field(f) => FluentValue::from(field_name(lang, f)),
                };
                (Cow::Borrowed(*name), value)
            })
            .collect();
        LOCALES.lookup_with_args(lang, self.id, &args)
    }
}

/// A field's name as a reader of `lang` knows it (`username` is "pseudo" in French). Fields
/// without a glossary entry keep the name the client sent.
pub fn field_name(lang: &LanguageIdentifier, field: &str) -> String {
    let id = format!("field-{}", field.replace(['_', '.'], "-"));
    LOCALES
        .try_lookup(lang, &id)
        .unwrap_or_else(|| field.to_owned())
}

/// The languages a server offers, most preferred first: the first is the fallback.
#[derive(Debug, Clone)]
pub struct Languages(Vec<LanguageIdentifier>);

impl Languages {
    /// # Errors
    /// A tag that does not parse, or one without a catalogue under `locales/`.
    pub fn new(tags: &[String]) -> Result<Self, String> {
        let available: Vec<LanguageIdentifier> = LOCALES.locales().cloned().collect();
        let mut langs = Vec::new();
        for tag in tags {
            let lang: LanguageIdentifier = tag
                .trim()
                .parse()
                .map_err(|_| format!("invalid language tag {tag:?}"))?;
            if !available.contains(&lang) {
                return Err(format!("no catalogue for language {tag:?} under locales/"));
            }
            langs.push(lang);
        }
        if langs.is_empty() {
            return Err("at least one language is required".into());
        }
        Ok(Self(langs))
    }

    pub fn fallback(&self) -> &LanguageIdentifier {
        &self.0[0]
    }

    /// Picks the best offered language for an `Accept-Language` header
    /// ([`flexiapi_domain::language::negotiate`]): highest quality first, a regional tag matches
    /// its language (`fr-CA` takes `fr`), `*` takes the fallback, and nothing acceptable falls
    /// back too.
    pub fn negotiate(&self, header: Option<&str>) -> &LanguageIdentifier {
        let Some(header) = header else {
            return self.fallback();
        };
        let primaries: Vec<&str> = self.0.iter().map(|l| l.language.as_str()).collect();
        language::negotiate(header, &primaries).map_or_else(|| self.fallback(), |i| &self.0[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn langs() -> Languages {
        Languages::new(&["en".into(), "fr".into()]).unwrap()
    }

    #[test]
    fn negotiation_honours_quality_regions_wildcards_and_falls_back_to_english() {
        let l = langs();
        assert_eq!(l.negotiate(Some("fr;q=0.9, en;q=0.8")).to_string(), "fr");
        assert_eq!(l.negotiate(Some("en;q=0.5, fr;q=0.9")).to_string(), "fr");
        assert_eq!(l.negotiate(Some("fr-CA")).to_string(), "fr");
        assert_eq!(l.negotiate(Some("de")).to_string(), "en");
        assert_eq!(l.negotiate(Some("de, fr;q=0.1")).to_string(), "fr");
        assert_eq!(l.negotiate(Some("*")).to_string(), "en");
        assert_eq!(l.negotiate(Some("fr;q=0")).to_string(), "en");
        assert_eq!(l.negotiate(Some(";;,,q=")).to_string(), "en");
        assert_eq!(l.negotiate(None).to_string(), "en");
    }

    #[test]
    fn an_unknown_language_in_configuration_is_refused() {
        assert!(Languages::new(&["xx".into()]).is_err());
        assert!(Languages::new(&[]).is_err());
    }

    #[test]
    fn field_names_are_translated_through_the_glossary() {
        let fr: LanguageIdentifier = "fr".parse().unwrap();
        let en: LanguageIdentifier = "en".parse().unwrap();
        assert_eq!(field_name(&fr, "username"), "pseudo");
        assert_eq!(field_name(&en, "username"), "username");
        assert_eq!(field_name(&fr, "no_such_field"), "no_such_field");
    }
}
