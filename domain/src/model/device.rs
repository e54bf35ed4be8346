//! Devices: the contacts a SIP registrar holds for an account, one per app instance.

use chrono::{DateTime, Utc};

/// A registered device, as the registrar knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// The instance id the device registered with (`+sip.instance`), e.g. `urn:uuid:…`.
    pub uuid: String,
    /// When the device last registered; `None` when the registrar did not say.
    pub update_time: Option<DateTime<Utc>>,
    /// The `User-Agent` of its last REGISTER; empty when it sent none.
    pub user_agent: String,
}

impl Device {
    pub fn user_agent_info(&self) -> UserAgentInfo<'_> {
        UserAgentInfo::parse(&self.user_agent)
    }
}

/// What a Linphone `User-Agent` says about the device, e.g.
/// `LinphoneAndroid/5.2.1 (Pixel 7) LinphoneSDK/5.3.0`: the app before the first `/`, its version
/// up to the next space, and the device name between the first parentheses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UserAgentInfo<'a> {
    pub app: Option<&'a str>,
    pub version: Option<&'a str>,
    pub device_name: Option<&'a str>,
}

impl<'a> UserAgentInfo<'a> {
    pub fn parse(user_agent: &'a str) -> Self {
        let product = user_agent.split('(').next().unwrap_or_default();
        let (app, version) = match product.split_once('/') {
            Some((app, rest)) => (app, rest.split_whitespace().next()),
            None => (product, None),
        };
        let non_empty = |s: &'a str| Some(s.trim()).filter(|s| !s.is_empty());
        Self {
            app: non_empty(app),
            version: version.and_then(non_empty),
            device_name: parenthesized(user_agent).and_then(non_empty),
        }
    }
}

/// The text inside the first parentheses, nested ones included (`a (b (c) d) e` gives
/// `b (c) d`), as the registrar itself reads a device name.
fn parenthesized(text: &str) -> Option<&str> {
    let start = text.find('(')? + 1;
    let mut depth = 1usize;
    for (i, c) in text[start..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(&text[start..start + i]);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(ua: &str) -> (Option<&str>, Option<&str>, Option<&str>) {
        let i = UserAgentInfo::parse(ua);
        (i.app, i.version, i.device_name)
    }

    #[test]
    fn linphone_user_agents_give_app_version_and_device() {
        assert_eq!(
            info("LinphoneAndroid/5.2.1 (Pixel 7) LinphoneSDK/5.3.0"),
            (Some("LinphoneAndroid"), Some("5.2.1"), Some("Pixel 7"))
        );
        assert_eq!(
            info("LinphoneiOS/5.2.0 (iPhone de Jean) LinphoneSDK/5.3.0 (tags/5.3.0^0)"),
            (Some("LinphoneiOS"), Some("5.2.0"), Some("iPhone de Jean"))
        );
        assert_eq!(
            info("Linphone Desktop/5.2.6 (Ubuntu 22.04 LTS, Qt 5.15.2) LinphoneCore/5.3.41"),
            (
                Some("Linphone Desktop"),
                Some("5.2.6"),
                Some("Ubuntu 22.04 LTS, Qt 5.15.2")
            )
        );
        assert_eq!(
            info("App/1.0 (Model (rev 2) EU) SDK/2"),
            (Some("App"), Some("1.0"), Some("Model (rev 2) EU"))
        );
    }

    #[test]
    fn other_user_agents_give_what_they_have() {
        assert_eq!(info(""), (None, None, None));
        assert_eq!(info("sipp"), (Some("sipp"), None, None));
        assert_eq!(info("Tool/"), (Some("Tool"), None, None));
        assert_eq!(info("(lonely"), (None, None, None));
        assert_eq!(info("( ) x/1"), (None, None, None));
        assert_eq!(info("é/ü (ß)"), (Some("é"), Some("ü"), Some("ß")));
    }
}
