//! Push notifications to Linphone apps: where one goes (provider, app, device) and what it says.
//!
//! The app sends its `pn_provider`, `pn_param` and `pn_prid` (the same triple it puts in its SIP
//! contact URI); the patterns are the original's (PHP's `\w` is ASCII letters, digits and `_`).

/// Who delivers the push.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PushProvider {
    /// Apple's sandbox (development builds).
    ApnsDev,
    /// Apple's production service.
    Apns,
    /// Firebase Cloud Messaging.
    Fcm,
}

impl PushProvider {
    pub const ALL: [Self; 3] = [Self::ApnsDev, Self::Apns, Self::Fcm];

    /// `apns.dev`, `apns` or `fcm`; anything else is `None`.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == raw)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ApnsDev => "apns.dev",
            Self::Apns => "apns",
            Self::Fcm => "fcm",
        }
    }

    pub fn is_apple(self) -> bool {
        matches!(self, Self::ApnsDev | Self::Apns)
    }
}

impl std::fmt::Display for PushProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

text_value!(
    /// `pn_param`: the app (APNs: `TEAMID.bundle.id[.voip]`; FCM: the sender or project id),
    /// `^[\w.]+$`.
    PushParam
);

impl PushParam {
    pub fn parse(raw: &str) -> Option<Self> {
        (!raw.is_empty() && raw.chars().all(|c| is_word(c) || c == '.')).then(|| Self(raw.into()))
    }
}

text_value!(
    /// `pn_prid`: the device's push token(s), `^[\w_\-:]+$`.
    PushPrid
);

impl PushPrid {
    pub fn parse(raw: &str) -> Option<Self> {
        (!raw.is_empty() && raw.chars().all(|c| is_word(c) || c == '-' || c == ':'))
            .then(|| Self(raw.into()))
    }
}

text_value!(
    /// A SIP `Call-ID` carried by a call push, `^[\w\-~@.]+$`.
    PushCallId
);

impl PushCallId {
    pub fn parse(raw: &str) -> Option<Self> {
        (!raw.is_empty() && raw.chars().all(|c| is_word(c) || "-~@.".contains(c)))
            .then(|| Self(raw.into()))
    }
}

/// One device of one app at one provider.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PushTarget {
    pub provider: PushProvider,
    pub param: PushParam,
    pub prid: PushPrid,
}

/// What kind of push (`POST /push_notification`'s `type`); Apple needs it as a push type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PushKind {
    /// Silent: wakes the app (tokens are sent this way).
    Background,
    /// A visible message notification.
    Message,
    /// An incoming call (VoIP push on Apple).
    Call,
}

impl PushKind {
    pub const ALL: [Self; 3] = [Self::Background, Self::Message, Self::Call];

    /// `background`, `message` or `call`.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Background => "background",
            Self::Message => "message",
            Self::Call => "call",
        }
    }

    /// `flexisip_pusher`'s `--apple-push-type`.
    pub fn apple_push_type(self) -> &'static str {
        match self {
            Self::Background => "Background",
            Self::Message => "RemoteWithMutableContent",
            Self::Call => "PushKit",
        }
    }
}

/// A push to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushNotification {
    pub target: PushTarget,
    pub kind: PushKind,
    /// Custom string fields for the app (a token push carries `token`); an adapter puts them
    /// where its provider expects them (FCM `data`, APNs top-level keys, `--customPayload`).
    pub payload: Vec<(String, String)>,
    pub call_id: Option<PushCallId>,
}

impl PushNotification {
    /// A silent push that hands the app a token (`{"token": "…"}`).
    pub fn token(target: PushTarget, token: &str) -> Self {
        Self {
            target,
            kind: PushKind::Background,
            payload: vec![("token".into(), token.into())],
            call_id: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_are_the_originals() {
        assert!(PushParam::parse("ABCD1234.org.linphone.phone.voip").is_some());
        assert!(PushParam::parse("123456789").is_some());
        assert!(PushParam::parse("@wrong").is_none());
        assert!(PushParam::parse("").is_none());
        assert!(PushPrid::parse("a1b2-c3:remote_x").is_some());
        assert!(PushPrid::parse("@wrong").is_none());
        assert!(PushPrid::parse("a b").is_none());
        assert!(PushCallId::parse("abc-123~x@host.example").is_some());
        assert!(PushCallId::parse("a/b").is_none());
        assert_eq!(PushProvider::parse("apns.dev"), Some(PushProvider::ApnsDev));
        assert_eq!(PushProvider::parse("wrong"), None);
        assert_eq!(
            PushKind::parse("call").map(PushKind::apple_push_type),
            Some("PushKit")
        );
    }
}
