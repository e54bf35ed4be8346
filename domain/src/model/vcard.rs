//! vCards: the ones an account stores (`vcards_storage`, any version a client sends, keyed by
//! their `UID`) and the ones the server writes for an account's contacts (vCard 4.0).
//!
//! Both go through a real vCard library (Stalwart's `calcard`, which reads and writes vCard 2.1,
//! 3.0 and 4.0): a card is parsed, checked and written again, never handled as strings. What a
//! client sends is stored as the library writes it back (the original re-serialises too), with
//! LF line ends as the original stores them.

use calcard::vcard::{VCard, VCardEntry, VCardProperty, VCardValue, VCardVersion};
use chrono::{DateTime, Utc};

use super::AccountId;
use crate::validation::Rule;

/// Longest `UID` (the original's `uuid` column is `VARCHAR(45)`).
pub const MAX_VCARD_UID_LENGTH: usize = 45;

/// Largest stored vCard, in bytes (a `TEXT` column holds 64 KiB on MySQL).
pub const MAX_VCARD_BYTES: usize = 65_535;

/// A stored vCard of an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredVcard {
    pub account_id: AccountId,
    /// The card's `UID`.
    pub uuid: String,
    /// The card as written back by the library.
    pub vcard: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A vCard a client sent, parsed: its `UID` (without a `urn:uuid:` prefix, the key it is
/// stored and found by) and its normalized text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedVcard {
    pub uid: String,
    pub text: String,
}

impl ParsedVcard {
    /// Parses one vCard (2.1, 3.0 or 4.0) with a `UID`, and writes it again in its own version.
    ///
    /// # Errors
    /// `Required` when blank; `VCard` when it is not exactly one vCard, has no `VERSION` or no
    /// (or an empty, or too long) `UID`; `MaxLength` when too large.
    pub fn parse(raw: &str) -> Result<Self, Rule> {
        if raw.trim().is_empty() {
            return Err(Rule::Required);
        }
        if raw.len() > MAX_VCARD_BYTES {
            return Err(Rule::MaxLength(MAX_VCARD_BYTES as u32));
        }
        let mut parser = calcard::Parser::new(raw);
        let card = match parser.entry() {
            calcard::Entry::VCard(card) => card,
            _ => return Err(Rule::VCard),
        };
        // One card per request, as the original's `Reader::read` reads one.
        if !matches!(parser.entry(), calcard::Entry::Eof) {
            return Err(Rule::VCard);
        }
        let version = card.version().ok_or(Rule::VCard)?;
        // The original keys a card by its UID without the `urn:uuid:` of RFC 6350's examples.
        let uid = card
            .uid()
            .map(str::trim)
            .map(|u| match u.get(..9) {
                Some(p) if p.eq_ignore_ascii_case("urn:uuid:") => &u[9..],
                _ => u,
            })
            .filter(|u| !u.is_empty() && u.chars().count() <= MAX_VCARD_UID_LENGTH)
            .ok_or(Rule::VCard)?
            .to_owned();
        let mut text = String::new();
        card.write_to(&mut text, version).map_err(|_| Rule::VCard)?;
        let text = text.replace("\r\n", "\n");
        Ok(Self { uid, text })
    }
}

/// What the vCard of one contact shows: the original's `toVcard4`, plus the e-mail address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactCard {
    /// `sip:username@domain`.
    pub sip_uri: String,
    /// Display name, else the SIP identity.
    pub name: String,
    pub email: Option<String>,
    pub dtmf_protocol: Option<String>,
    /// Keys of the contact's account types.
    pub types: Vec<String>,
    /// (key, code) of the contact's DTMF actions.
    pub actions: Vec<(String, String)>,
}

impl ContactCard {
    /// The card as vCard 4.0 text (CRLF line ends, folded as RFC 6350 says).
    pub fn to_vcard4(&self) -> String {
        let text = |name: VCardProperty, value: &str| {
            VCardEntry::new(name).with_value(VCardValue::Text(value.to_owned()))
        };
        // The writer puts `VERSION` itself.
        let mut entries = vec![
            text(VCardProperty::Kind, "individual"),
            text(VCardProperty::Impp, &self.sip_uri),
            text(VCardProperty::Fn, &self.name),
        ];
        if let Some(email) = &self.email {
            entries.push(text(VCardProperty::Email, email));
        }
        if let Some(dtmf) = &self.dtmf_protocol {
            entries.push(text(
                VCardProperty::Other("X-LINPHONE-ACCOUNT-DTMF-PROTOCOL".into()),
                dtmf,
            ));
        }
        for t in &self.types {
            entries.push(text(
                VCardProperty::Other("X-LINPHONE-ACCOUNT-TYPE".into()),
                t,
            ));
        }
        for (key, code) in &self.actions {
            // Two components, as the original's `key;code`.
            entries.push(
                VCardEntry::new(VCardProperty::Other("X-LINPHONE-ACCOUNT-ACTION".into()))
                    .with_values(vec![
                        VCardValue::Text(key.clone()),
                        VCardValue::Text(code.clone()),
                    ]),
            );
        }
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = VCard { entries }.write_to(&mut out, VCardVersion::V4_0);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vcard_needs_a_uid_and_is_written_again() {
        let parsed = ParsedVcard::parse(
            "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Simone Perreault\r\nUID:urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1\r\nEND:VCARD\r\n",
        )
        .unwrap();
        assert_eq!(parsed.uid, "4fbe8971-0bc3-424c-9c26-36c3e1eff6b1");
        assert!(parsed.text.contains("UID:urn:uuid:4fbe8971"));
        assert!(parsed.text.starts_with("BEGIN:VCARD\nVERSION:4.0\n"));
        assert!(parsed.text.contains("FN:Simone Perreault\n"));
        assert!(!parsed.text.contains('\r'));
        let v3 = ParsedVcard::parse(
            "BEGIN:VCARD\nVERSION:3.0\nN:Doe;John;;;\nFN:John Doe\nUID:abc\nEND:VCARD\n",
        )
        .unwrap();
        assert!(v3.text.contains("VERSION:3.0"));
        assert_eq!(v3.uid, "abc");
        for bad in [
            "BEGIN:VCARD\nVERSION:4.0\nFN:x\nEND:VCARD\n",
            "not a vcard",
            "BEGIN:VCALENDAR\nVERSION:2.0\nEND:VCALENDAR\n",
            "BEGIN:VCARD\nVERSION:4.0\nUID:a\nEND:VCARD\nBEGIN:VCARD\nVERSION:4.0\nUID:b\nEND:VCARD\n",
        ] {
            assert_eq!(ParsedVcard::parse(bad), Err(Rule::VCard), "{bad}");
        }
        assert_eq!(ParsedVcard::parse("  "), Err(Rule::Required));
    }

    #[test]
    fn a_contact_card_is_vcard_4_that_parses_back() {
        let card = ContactCard {
            sip_uri: "sip:bob@example.org".into(),
            name: "Bob, the builder".into(),
            email: Some("bob@example.org".into()),
            dtmf_protocol: Some("rfc2833".into()),
            types: vec!["phone".into()],
            actions: vec![("open".into(), "123".into())],
        };
        let text = card.to_vcard4();
        let back = VCard::parse(&text).unwrap();
        assert_eq!(back.version(), Some(VCardVersion::V4_0));
        let fn_ = back.property(&VCardProperty::Fn).unwrap();
        assert_eq!(fn_.values[0].as_text(), Some("Bob, the builder"));
        assert!(text.contains("IMPP:sip:bob@example.org\r\n"));
        assert!(text.contains("X-LINPHONE-ACCOUNT-ACTION:open;123\r\n"));
    }
}
