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
    /// Deleting or demoting the last super space (on `super`).
    LastSuperSpace,
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
