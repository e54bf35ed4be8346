//! Voicemails: an account's recorded messages (the original's `account_files`), a slot created
//! first, then filled once with an uploaded audio file.

use chrono::{DateTime, Utc};

use super::{AccountId, SipUri};
use crate::validation::Rule;

/// A voicemail's id: a lower-case hyphenated UUID (the original's `HasUuids`), also the name of
/// its file.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VoicemailId(String);

impl VoicemailId {
    /// A random version-4 UUID from 16 random bytes written as 32 hex digits.
    ///
    /// Returns `None` when `hex` is not 32 hex digits.
    pub fn from_random_hex(hex: &str) -> Option<Self> {
        if hex.len() != 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let mut h: Vec<u8> = hex.to_ascii_lowercase().into_bytes();
        // RFC 9562 §5.4: version 4, variant 10xx.
        h[12] = b'4';
        let variant = u8::from_str_radix(&hex[16..17], 16).unwrap_or(0);
        h[16] = b"89ab"[usize::from(variant & 3)];
        let h = String::from_utf8(h).ok()?;
        Some(Self(format!(
            "{}-{}-{}-{}-{}",
            &h[..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..]
        )))
    }

    /// A UUID as a path brings it: any other text is no voicemail's id (`None`), so it can
    /// never name a file outside the files directory.
    pub fn parse(raw: &str) -> Option<Self> {
        let ok = raw.len() == 36
            && raw.bytes().enumerate().all(|(i, b)| match i {
                8 | 13 | 18 | 23 => b == b'-',
                _ => b.is_ascii_hexdigit(),
            });
        ok.then(|| Self(raw.to_ascii_lowercase()))
    }

    /// A stored id, as it is.
    pub fn unchecked(raw: impl Into<String>) -> Self {
        Self(raw.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for VoicemailId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The audio types a voicemail may hold (the original's `VOICEMAIL_CONTENTTYPES`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VoicemailType {
    Opus,
    Wav,
}

/// Bytes at the start of a file that [`VoicemailType::matches`] needs to decide.
pub const VOICEMAIL_SNIFF_LENGTH: usize = 36;

impl VoicemailType {
    pub const ALL: [VoicemailType; 2] = [Self::Opus, Self::Wav];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Opus => "audio/opus",
            Self::Wav => "audio/wav",
        }
    }

    /// The extension of the stored file's name.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Opus => "opus",
            Self::Wav => "wav",
        }
    }

    /// # Errors
    /// `OneOf` the two types.
    pub fn parse(raw: &str) -> Result<Self, Rule> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == raw)
            .ok_or_else(|| Rule::OneOf(Self::ALL.iter().map(|t| t.as_str().into()).collect()))
    }

    /// Whether a file starting with `head` (its first [`VOICEMAIL_SNIFF_LENGTH`] bytes, or all
    /// of a shorter one) is of this type, by its bytes: an Ogg page whose first packet is an
    /// `OpusHead` (RFC 7845 §5.1), or a RIFF `WAVE` file.
    pub fn matches(self, head: &[u8]) -> bool {
        match self {
            Self::Opus => head.starts_with(b"OggS") && head.get(28..36) == Some(b"OpusHead"),
            Self::Wav => head.starts_with(b"RIFF") && head.get(8..12) == Some(b"WAVE"),
        }
    }
}

impl std::fmt::Display for VoicemailType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A voicemail as stored. `name` and `size` are set by the upload, once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Voicemail {
    pub id: VoicemailId,
    pub account_id: AccountId,
    pub sip_from: Option<SipUri>,
    pub content_type: VoicemailType,
    /// The stored file's name (`{id}.{extension}`), once uploaded.
    pub name: Option<String>,
    pub size: Option<i64>,
    pub uploaded_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Voicemail {
    /// The name the uploaded file gets.
    pub fn file_name(&self) -> String {
        format!("{}.{}", self.id, self.content_type.extension())
    }
}

/// A new, empty voicemail slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVoicemail {
    pub id: VoicemailId,
    pub account_id: AccountId,
    pub sip_from: Option<SipUri>,
    pub content_type: VoicemailType,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_v4_uuids_and_only_uuids_parse() {
        let id = VoicemailId::from_random_hex("0123456789ABCDEF0123456789abcdef").unwrap();
        assert_eq!(id.as_str(), "01234567-89ab-4def-8123-456789abcdef");
        assert_eq!(VoicemailId::parse(id.as_str()), Some(id.clone()));
        assert_eq!(
            VoicemailId::parse("01234567-89AB-4DEF-8123-456789ABCDEF"),
            Some(id)
        );
        assert!(VoicemailId::from_random_hex("xyz").is_none());
        for bad in [
            "",
            "../../etc/passwd",
            "01234567-89ab-4def-8123-456789abcde",
            "01234567+89ab-4def-8123-456789abcdef",
            "0123456g-89ab-4def-8123-456789abcdef",
        ] {
            assert!(VoicemailId::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn types_are_told_by_their_bytes() {
        let mut opus = b"OggS".to_vec();
        opus.resize(28, 0);
        opus.extend_from_slice(b"OpusHead\x01\x02");
        let wav = b"RIFF\x24\x00\x00\x00WAVEfmt ".to_vec();
        assert!(VoicemailType::Opus.matches(&opus));
        assert!(!VoicemailType::Wav.matches(&opus));
        assert!(VoicemailType::Wav.matches(&wav));
        assert!(!VoicemailType::Opus.matches(&wav));
        assert!(!VoicemailType::Opus.matches(b"OggS"));
        assert!(!VoicemailType::Wav.matches(b"\x89PNG\r\n\x1a\n"));
        assert_eq!(VoicemailType::parse("audio/wav"), Ok(VoicemailType::Wav));
        assert!(matches!(VoicemailType::parse("image/jpg"), Err(Rule::OneOf(v)) if v.len() == 2));
    }
}
