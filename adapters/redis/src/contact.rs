//! How the Flexisip registrar writes a contact in Redis, read back as a [`Device`].
//!
//! The registrar keeps one hash per address of record, `fs:<user>@<domain>`, with one field per
//! contact. The field is the contact's unique id: its `+sip.instance` value with the quotes,
//! `"<urn:uuid:…>"` (or a generated id for a contact without one). The value is the contact
//! header with the binding's data as URI parameters (`callid`, `expires`, `cseq`, `updatedAt`,
//! `alias`, `usedAsRoute`) and the REGISTER's `Path`, `Accept` and `User-Agent` as URI headers
//! (names in lower case, values %-escaped), e.g.
//!
//! ```text
//! <sip:alice@192.0.2.10:50112;transport=tls;callid=a7Bc;expires=3600;cseq=21;
//!   updatedAt=1732871234;alias=no;usedAsRoute=no?path=&accept=&user-agent=
//!   LinphoneAndroid/5.2.1%20(Pixel%207)%20LinphoneSDK/5.3.0>;
//!   +sip.instance="<urn:uuid:0b1c…>";+org.linphone.specs="lime"
//! ```
//! (one line in Redis). See Flexisip's `ExtendedContact::serializeAsUrlEncodedParams`.

use chrono::DateTime;
use flexiapi_domain::model::Device;
use percent_encoding::percent_decode_str;

/// The hash holding the contacts of `user@domain`.
pub fn hash_key(aor: &str) -> String {
    format!("fs:{aor}")
}

/// The hash fields a device with that uuid may be stored under: the quoted instance id the
/// registrar writes, and the bare id of a contact registered without one.
pub fn field_names(uuid: &str) -> [String; 2] {
    [format!("\"<{uuid}>\""), uuid.to_owned()]
}

/// `"<urn:uuid:x>"` or `<urn:uuid:x>` gives `urn:uuid:x`; anything else is kept as it is.
fn instance_id(raw: &str) -> &str {
    let raw = raw.trim();
    let unquoted = raw
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .unwrap_or(raw);
    unquoted
        .strip_prefix('<')
        .and_then(|r| r.strip_suffix('>'))
        .unwrap_or(unquoted)
}

/// Reads one hash entry. `None` when the value is not a contact at all.
pub fn parse_contact(field: &str, value: &str) -> Option<Device> {
    let value = value.trim();
    // The URI between angle brackets (escaped inside, so the first `>` closes it), then the
    // contact's own parameters.
    let (uri, contact_params) = match value.strip_prefix('<') {
        Some(rest) => rest.split_once('>')?,
        None => value.split_once(';').unwrap_or((value, "")),
    };
    if !uri.starts_with("sip:") && !uri.starts_with("sips:") {
        return None;
    }
    let (uri_params, uri_headers) = uri.split_once('?').unwrap_or((uri, ""));

    let instance = contact_params
        .split(';')
        .filter_map(|p| p.split_once('='))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("+sip.instance"))
        .map(|(_, v)| v)
        .unwrap_or(field);
    let update_time = uri_params
        .split(';')
        .filter_map(|p| p.split_once('='))
        .find(|(name, _)| *name == "updatedAt")
        .and_then(|(_, v)| v.parse::<i64>().ok())
        .and_then(|secs| DateTime::from_timestamp(secs, 0));
    let user_agent = uri_headers
        .split('&')
        .filter_map(|h| h.split_once('='))
        .find(|(name, _)| name.eq_ignore_ascii_case("user-agent"))
        .map(|(_, v)| percent_decode_str(v).decode_utf8_lossy().into_owned())
        .unwrap_or_default();

    Some(Device {
        uuid: instance_id(instance).to_owned(),
        update_time,
        user_agent,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANDROID: &str = "<sip:alice@192.0.2.10:50112;transport=tls;fs-conn-id=1f2e;callid=a7Bc-9;expires=3600;cseq=21;updatedAt=1732871234;alias=no;usedAsRoute=no?path=%3Csip:proxy.example.org%3Blr%3E&accept=application/sdp&user-agent=LinphoneAndroid/5.2.1%20(Pixel%207)%20LinphoneSDK/5.3.0>;+sip.instance=\"<urn:uuid:0b1c2d3e-0000-4000-8000-000000000001>\";+org.linphone.specs=\"lime,groupchat\";expires=3600";

    #[test]
    fn a_registrar_contact_gives_the_device() {
        let d = parse_contact(
            "\"<urn:uuid:0b1c2d3e-0000-4000-8000-000000000001>\"",
            ANDROID,
        )
        .unwrap();
        assert_eq!(d.uuid, "urn:uuid:0b1c2d3e-0000-4000-8000-000000000001");
        assert_eq!(d.update_time.unwrap().timestamp(), 1_732_871_234);
        assert_eq!(
            d.user_agent,
            "LinphoneAndroid/5.2.1 (Pixel 7) LinphoneSDK/5.3.0"
        );
    }

    #[test]
    fn a_contact_without_instance_or_headers_keeps_its_field_as_uuid() {
        let d = parse_contact(
            "fs-gen-q1w2e3",
            "<sip:bob@198.51.100.7;callid=x;expires=60;cseq=1;updatedAt=1700000000;alias=no;usedAsRoute=no>",
        )
        .unwrap();
        assert_eq!(d.uuid, "fs-gen-q1w2e3");
        assert_eq!(d.user_agent, "");
        assert_eq!(d.update_time.unwrap().timestamp(), 1_700_000_000);
    }

    #[test]
    fn garbage_is_not_a_contact_and_missing_parts_stay_empty() {
        assert!(parse_contact("x", "").is_none());
        assert!(parse_contact("x", "not a contact").is_none());
        assert!(parse_contact("x", "<unterminated").is_none());
        let d = parse_contact(
            "\"<urn:uuid:1>\"",
            "<sip:a@b;updatedAt=soon?user-agent=%FF>",
        )
        .unwrap();
        assert_eq!(d.uuid, "urn:uuid:1");
        assert_eq!(d.update_time, None);
        assert_eq!(d.user_agent, "\u{fffd}");
    }

    #[test]
    fn a_uuid_is_looked_for_under_both_field_names() {
        assert_eq!(
            field_names("urn:uuid:1"),
            ["\"<urn:uuid:1>\"".to_owned(), "urn:uuid:1".to_owned()]
        );
        assert_eq!(hash_key("alice@example.org"), "fs:alice@example.org");
    }
}
