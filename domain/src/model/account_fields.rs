//! An account's contact fields, parsed once: e-mail address, E.164 phone number, DTMF protocol.
//!
//! Like every text value type of the model, each has two constructors (see `text_value!` in
//! `model/mod.rs`): `parse` applies today's rule and is what request input goes through;
//! `unchecked` takes a value as storage holds it.

use super::Domain;
use crate::validation::Rule;

/// Longest e-mail address (the column's size).
pub const MAX_EMAIL_LENGTH: usize = 255;

text_value! {
    /// An e-mail address: one `@`, a non-empty local part, a dotted domain, no spaces.
    Email
}

impl Email {
    /// Trims, then checks the address (at most [`MAX_EMAIL_LENGTH`] characters).
    ///
    /// # Errors
    /// `Required` when blank, `Email` otherwise.
    pub fn parse(raw: &str) -> Result<Self, Rule> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(Rule::Required);
        }
        if !is_email(raw) || raw.chars().count() > MAX_EMAIL_LENGTH {
            return Err(Rule::Email);
        }
        Ok(Self(raw.to_owned()))
    }
}

fn is_email(value: &str) -> bool {
    match value.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && Domain::parse(domain).is_ok_and(|d| d.as_str().contains('.'))
                && !value.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

text_value! {
    /// A phone number in E.164 form (`+33612345678`).
    PhoneNumber
}

impl PhoneNumber {
    /// Trims, then takes E.164 (`+`, a non-zero country digit, 7 to 15 digits) that
    /// libphonenumber's metadata calls a valid number.
    ///
    /// # Errors
    /// `Required` when blank, `Phone` otherwise.
    pub fn parse(raw: &str) -> Result<Self, Rule> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(Rule::Required);
        }
        if dialling_code(raw).is_none() {
            return Err(Rule::Phone);
        }
        Ok(Self(raw.to_owned()))
    }

    /// The dialling code (`33`); `None` only for a stored number today's rule would refuse.
    pub fn dialling_code(&self) -> Option<String> {
        dialling_code(&self.0)
    }
}

fn is_e164(value: &str) -> bool {
    value.strip_prefix('+').is_some_and(|d| {
        (7..=15).contains(&d.len()) && d.chars().all(|c| c.is_ascii_digit()) && !d.starts_with('0')
    })
}

fn dialling_code(value: &str) -> Option<String> {
    if !is_e164(value) {
        return None;
    }
    let number = phonenumber::parse(None, value).ok()?;
    phonenumber::is_valid(&number).then(|| number.code().value().to_string())
}

/// How a Linphone client sends DTMF for an account.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DtmfProtocol {
    SipInfo,
    Rfc2833,
    SipMessage,
    /// A stored value that is none of the above (written before the rule, or by hand): kept and
    /// shown as it is. [`DtmfProtocol::parse`] never yields it.
    Unrecognized(String),
}

impl DtmfProtocol {
    /// What a request may set, in the order error messages list them.
    pub const ALL: [Self; 3] = [Self::SipInfo, Self::Rfc2833, Self::SipMessage];

    /// Trims, then takes one of [`DtmfProtocol::ALL`] by its name (`sipinfo`, `rfc2833`,
    /// `sipmessage`).
    ///
    /// # Errors
    /// `Required` when blank, `OneOf` the names otherwise.
    pub fn parse(raw: &str) -> Result<Self, Rule> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(Rule::Required);
        }
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == raw)
            .ok_or_else(|| Rule::OneOf(Self::ALL.iter().map(|p| p.as_str().to_owned()).collect()))
    }

    /// A stored value, as it is (see [`DtmfProtocol::Unrecognized`]).
    pub fn unchecked(raw: impl Into<String>) -> Self {
        let raw = raw.into();
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == raw)
            .unwrap_or(Self::Unrecognized(raw))
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::SipInfo => "sipinfo",
            Self::Rfc2833 => "rfc2833",
            Self::SipMessage => "sipmessage",
            Self::Unrecognized(raw) => raw,
        }
    }
}

impl std::fmt::Display for DtmfProtocol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_need_a_dotted_domain() {
        assert_eq!(
            Email::parse(" a@example.org ").unwrap().as_str(),
            "a@example.org"
        );
        for bad in [
            "a@localhost",
            "a b@example.org",
            "example.org",
            "a@b@example.org",
        ] {
            assert_eq!(Email::parse(bad), Err(Rule::Email), "{bad}");
        }
        let long = format!("{}@example.org", "a".repeat(MAX_EMAIL_LENGTH));
        assert_eq!(Email::parse(&long), Err(Rule::Email));
        assert_eq!(Email::parse("  "), Err(Rule::Required));
    }

    #[test]
    fn phone_numbers_are_e164_and_checked_against_the_numbering_plan() {
        let parsed = PhoneNumber::parse("+33612345678").unwrap();
        assert_eq!(parsed.dialling_code().as_deref(), Some("33"));
        assert_eq!(
            PhoneNumber::parse("+14155552671")
                .unwrap()
                .dialling_code()
                .as_deref(),
            Some("1")
        );
        // Right shape, but no French number has 12 national digits.
        for bad in ["+33612345678901", "0612345678", "+0612345678", "+33 6 12"] {
            assert_eq!(PhoneNumber::parse(bad), Err(Rule::Phone), "{bad}");
        }
        assert_eq!(PhoneNumber::unchecked("0612345678").dialling_code(), None);
    }

    #[test]
    fn dtmf_protocols_are_one_of_three_names_but_stored_ones_load() {
        assert_eq!(DtmfProtocol::parse(" rfc2833 "), Ok(DtmfProtocol::Rfc2833));
        assert_eq!(
            DtmfProtocol::parse("RFC2833"),
            Err(Rule::OneOf(vec![
                "sipinfo".into(),
                "rfc2833".into(),
                "sipmessage".into()
            ]))
        );
        assert_eq!(DtmfProtocol::unchecked("sipinfo"), DtmfProtocol::SipInfo);
        assert_eq!(DtmfProtocol::unchecked("SIP INFO").as_str(), "SIP INFO");
    }
}
