//! Field validation errors, as rules rather than text: the HTTP adapter localizes them.

/// A broken validation rule, with the values its message needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    Required,
    /// Must be absent (e.g. `admin` on a public route).
    Missing,
    Email,
    Unique,
    MinLength(u32),
    MaxLength(u32),
    OneOf(Vec<String>),
    Boolean,
    Integer,
    IntegerBetween(i64, i64),
    /// An integer at least this large.
    IntegerMin(i64),
    /// A string (or a number, taken as text).
    Text,
    /// A JSON object.
    Object,
    Date,
    DateNotPast,
    NoUppercase,
    NotPhoneNumber,
    SipUsername,
    SipUri,
    Domain,
    Phone,
    PhoneCountry,
    Ini,
    JwtConfig,
    PublicKey,
    AtLeastCurrentCount,
    IncorrectOldPassword,
    /// Lower-case letters, digits, `-` and `_` only.
    AlphaDash,
    /// An unknown or already used single-use token.
    ValidToken,
    /// A token past its expiry.
    TokenExpired,
    /// Characters the provisioning XML (XML 1.0) or Linphone's INI configuration cannot carry:
    /// control characters, line breaks where one line is expected, U+FFFE and U+FFFF.
    ForbiddenCharacters,
    /// Deleting or demoting the last super space (on `super`).
    LastSuperSpace,
    /// Exactly this many digits.
    Digits(u32),
    /// A wrong confirmation code.
    ValidCode,
    /// The value the account already has.
    NotCurrent,
    /// Does not match the field's pattern (`pn_param`, `pn_prid`, `call_id`).
    Format,
    /// Not one of the account's contacts (direct, or through an attached contacts list).
    AccountContact,
    /// Enabling this call forwarding would put `always` beside `no_answer` or `busy`.
    ForwardingExclusive,
    /// Must differ from the value of this other field.
    Different(String),
    /// A file whose bytes are not of this type (a MIME type).
    FileType(String),
    /// A file larger than this many kilobytes (KiB).
    MaxKilobytes(u64),
    /// No such record (in the request's space).
    Exists,
    /// An address of another space than the request's.
    SpaceAddress,
    /// A JSON array.
    Array,
    /// Not exactly one vCard with a `VERSION` and a `UID`, as a vCard library reads it.
    VCard,
    /// Must equal the identifier in the path (a vCard's `UID` on update).
    SameAsPath,
    /// An absolute `http(s)` URL.
    Url,
    /// Comma-separated words without spaces.
    CommaSeparatedWords,
}

/// One broken rule on one field, named as the client sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub rule: Rule,
}

/// Every broken rule of one request, in the order they were found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: impl Into<String>, rule: Rule) {
        self.0.push(FieldError {
            field: field.into(),
            rule,
        });
    }

    pub fn single(field: impl Into<String>, rule: Rule) -> Self {
        let mut errors = Self::new();
        errors.add(field, rule);
        errors
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn has(&self, field: &str) -> bool {
        self.0.iter().any(|e| e.field == field)
    }

    /// `Ok(())` when nothing broke.
    ///
    /// # Errors
    /// `self` when at least one rule broke.
    pub fn into_result(self) -> Result<(), Self> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }
}

/// Lower-case letters, digits, `-` and `_`, at least one character (the original's
/// `alpha_dash` + lowercase rules for keys).
pub fn is_alpha_dash(value: &str) -> bool {
    !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// Whether XML 1.0 can carry `c` (its `Char` production; Rust `char`s are never surrogates).
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Whether `c` may appear in one line of text that ends up in a provisioning document (an XML
/// entry Linphone writes to its INI configuration): an XML character that is no control
/// character (line breaks and tabs included) and no Unicode line or paragraph separator.
pub fn is_config_char(c: char) -> bool {
    is_xml_char(c) && !c.is_control() && !matches!(c, '\u{2028}' | '\u{2029}')
}

/// One line of text fit for provisioning (see [`is_config_char`]).
pub fn is_config_line(value: &str) -> bool {
    value.chars().all(is_config_char)
}

/// A multi-line document fit for provisioning: lines of [`is_config_char`]s, with tabs.
pub fn is_config_document(value: &str) -> bool {
    value
        .chars()
        .all(|c| matches!(c, '\t' | '\n' | '\r') || is_config_char(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provisioning_text_keeps_to_what_xml_and_ini_carry() {
        assert!(is_config_line("Alice Liddell, caf\u{e9} \u{1F600}"));
        for bad in [
            "a\u{FFFE}",
            "a\u{FFFF}",
            "a\nb",
            "a\rb",
            "a\u{0}",
            "a\u{1b}",
            "a\u{85}",
            "a\u{2028}",
        ] {
            assert!(!is_config_line(bad), "{bad:?}");
        }
        assert!(is_config_document("[sip]\r\nx = 1\n\ty = 2\n"));
        assert!(!is_config_document("[sip]\nx = \u{FFFE}\n"));
        assert!(!is_config_document("[sip]\nx = \u{7}\n"));
    }
}
