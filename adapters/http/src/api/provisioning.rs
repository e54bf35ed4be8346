//! Remote provisioning for Linphone (outside `/api`): the XML configuration of a space, of the
//! caller, or of the account a single-use token names, and a QR code of that token's URL.

use flexiapi_domain::model::{Account, Space};
use flexiapi_domain::provisioning::{LinphoneConfig, config_text};
use flexiapi_domain::service::check_may_get_credentials;
use image::{ExtendedColorType, ImageEncoder, Luma};
use poem::Request;
use poem::http::StatusCode;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::{Binary, PlainText};
use poem_openapi::{ApiResponse, OpenApi, Tags};
use qrcode::{EcLevel, QrCode};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

use super::{base_url, request_space, state};
use crate::auth::ProvisioningCaller;
use crate::error::ApiError;
use crate::i18n::MessageId;

pub struct ProvisioningApi;

type ApiResult<T> = Result<T, ApiError>;

/// The namespace of Linphone's XML configuration documents.
pub const LPCONFIG_NAMESPACE: &str = "http://www.linphone.org/xsds/lpconfig.xsd";

#[derive(Tags)]
enum ProvisioningTags {
    /// Remote provisioning of Linphone apps, served outside `/api` (Linphone's XML configuration).
    Provisioning,
}

#[derive(ApiResponse)]
pub enum XmlConfig {
    /// Linphone's XML configuration: `<config>` with `<section name>`s of `<entry name>`s.
    #[oai(status = 200, content_type = "application/xml")]
    Ok(PlainText<String>),
}

#[derive(ApiResponse)]
pub enum QrCodePng {
    /// A PNG QR code of the provisioning URL, which is also in `X-Qrcode-URL`.
    #[oai(status = 200, content_type = "image/png")]
    Ok(Binary<Vec<u8>>, #[oai(header = "X-Qrcode-URL")] String),
}

/// Linphone sends `x-linphone-provisioning` when it fetches its configuration; a space may
/// require it (the default) so that browsers following a link get a 400 rather than credentials.
fn check_header(space: &Space, header: &Option<String>) -> ApiResult<()> {
    if header.is_none() && space.settings.provisioning_use_linphone_provisioning_header {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            MessageId::ProvisioningHeaderRequired,
        ));
    }
    Ok(())
}

/// The namespace of XML Schema instances, for `xsi:schemaLocation`.
const XSI_NAMESPACE: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// The configuration as Linphone's XML (lpconfig): two-space indentation, one element per line
/// and a final line break, the bytes Linphone has always been served.
pub fn render_xml(config: &LinphoneConfig) -> String {
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    write_config(&mut writer, config).expect("writing to a Vec cannot fail");
    let mut xml = writer.into_inner();
    xml.push(b'\n');
    String::from_utf8(xml).expect("quick-xml writes the UTF-8 it is given")
}

/// Names and values go through [`config_text`] first: quick-xml escapes markup but writes every
/// other character as given, and XML 1.0 cannot carry U+FFFE or most control characters (libxml2
/// refuses the whole document), nor may a line break reach Linphone's INI configuration.
fn write_config(writer: &mut Writer<Vec<u8>>, config: &LinphoneConfig) -> std::io::Result<()> {
    writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let schema_location = format!("{LPCONFIG_NAMESPACE} lpconfig.xsd");
    writer
        .create_element("config")
        .with_attribute(("xmlns", LPCONFIG_NAMESPACE))
        .with_attribute(("xmlns:xsi", XSI_NAMESPACE))
        .with_attribute(("xsi:schemaLocation", schema_location.as_str()))
        .write_inner_content(|writer| {
            for section in &config.sections {
                writer
                    .create_element("section")
                    .with_attribute(("name", config_text(&section.name).as_str()))
                    .write_inner_content(|writer| {
                        for entry in &section.entries {
                            let mut element = writer
                                .create_element("entry")
                                .with_attribute(("name", config_text(&entry.name).as_str()));
                            if config.overwrite_all {
                                element = element.with_attribute(("overwrite", "true"));
                            }
                            element
                                .write_text_content(BytesText::new(&config_text(&entry.value)))?;
                        }
                        Ok(())
                    })?;
            }
            Ok(())
        })?;
    Ok(())
}

/// The space's configuration, without account, with its address books.
async fn xml(req: &Request, space: &Space) -> ApiResult<XmlConfig> {
    let mut config = LinphoneConfig::build(space, None);
    add_address_books(req, space, None, &mut config).await?;
    Ok(XmlConfig::Ok(PlainText(render_xml(&config))))
}

/// Whether the `reset_password` query parameter asks for a new password: present, as the
/// original reads it, unless its value is `0` or `false`.
fn wants_reset(reset_password: &Option<String>) -> bool {
    reset_password
        .as_deref()
        .is_some_and(|v| !matches!(v.trim().to_ascii_lowercase().as_str(), "0" | "false"))
}

/// The account's configuration, with its external account when it has one and its address
/// books; with `reset_password`, its stored passwords are first replaced by a new random one's hash.
async fn account_xml(
    req: &Request,
    space: &Space,
    account: &Account,
    reset_password: &Option<String>,
) -> ApiResult<XmlConfig> {
    let reset;
    let account = if wants_reset(reset_password) {
        reset = state(req)?
            .services
            .reset_password_for_provisioning(account, space)
            .await?;
        &reset
    } else {
        account
    };
    let external = state(req)?.services.find_external_account(account).await?;
    let mut config = LinphoneConfig::build_with_external(space, Some(account), external.as_ref());
    add_address_books(req, space, Some(account), &mut config).await?;
    Ok(XmlConfig::Ok(PlainText(render_xml(&config))))
}

/// `misc.contacts-vcard-list`, the space's CardDAV servers and the account's credentials on
/// them.
async fn add_address_books(
    req: &Request,
    space: &Space,
    account: Option<&Account>,
    config: &mut LinphoneConfig,
) -> ApiResult<()> {
    let services = &state(req)?.services;
    let servers = services.carddav_servers(space).await?;
    let credentials = match account {
        Some(account) => services.carddav_credentials_of(account).await?,
        None => Vec::new(),
    };
    let url = format!("{}/contacts/vcard", base_url(req)?);
    config.add_address_books(&url, &servers, &credentials);
    Ok(())
}

/// A PNG QR code of `data`: high error correction, at least 300 pixels wide, with its quiet
/// zone (as the original's).
pub fn qr_png(data: &str) -> ApiResult<Vec<u8>> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::H).map_err(|e| {
        tracing::error!(error = %e, "cannot encode a QR code");
        ApiError::internal()
    })?;
    let image = code.render::<Luma<u8>>().min_dimensions(300, 300).build();
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(
            image.as_raw(),
            image.width(),
            image.height(),
            ExtendedColorType::L8,
        )
        .map_err(|e| {
            tracing::error!(error = %e, "cannot encode a PNG");
            ApiError::internal()
        })?;
    Ok(png)
}

#[OpenApi(tag = "ProvisioningTags::Provisioning")]
impl ProvisioningApi {
    /// The space's configuration
    ///
    /// Access: Public. Linphone's XML configuration of the request's space, without account: its
    /// app settings (`ui`) and its custom entries. 400 without the `x-linphone-provisioning`
    /// header when the space requires it.
    #[oai(
        path = "/provisioning",
        method = "get",
        operation_id = "provisioningOfSpace"
    )]
    async fn space(
        &self,
        req: &Request,
        #[oai(name = "x-linphone-provisioning")] header: Header<Option<String>>,
    ) -> ApiResult<XmlConfig> {
        let space = request_space(req)?;
        check_header(space, &header.0)?;
        xml(req, space).await
    }

    /// My configuration
    ///
    /// Access: User. The space's configuration with my account: `proxy_0` and one `auth_info_N`
    /// per stored password (HA1), the space's default algorithm last. With `reset_password`
    /// (present, any value but `0`/`false`) my stored passwords are replaced by a new random
    /// one, in the space's default algorithm, whose HA1 alone is in the answer. When the space
    /// has `client_certificate_authentication` and the TLS terminator (a trusted proxy) passes a
    /// verified certificate subject `CN=<sip address>` in the configured
    /// `client_certificate_header`, that account is logged in (403 when the space does not allow
    /// it, the CN is missing or not a SIP address, or names no account of the space). 400
    /// without the `x-linphone-provisioning` header when the space requires it; 403 for a
    /// blocked account or one an admin deactivated.
    #[oai(
        path = "/provisioning/me",
        method = "get",
        operation_id = "provisioningOfMe"
    )]
    async fn me(
        &self,
        req: &Request,
        caller: ProvisioningCaller,
        #[oai(name = "x-linphone-provisioning")] header: Header<Option<String>>,
        reset_password: Query<Option<String>>,
    ) -> ApiResult<XmlConfig> {
        check_header(&caller.space, &header.0)?;
        check_may_get_credentials(&caller.account)?;
        account_xml(req, &caller.space, &caller.account, &reset_password.0).await
    }

    /// Configuration by auth token
    ///
    /// Access: Public. Spends an auth token (`POST /api/accounts/auth_token`) that an account
    /// attached within its five minutes (`/api/accounts/auth_token/{token}/attach`) and answers
    /// that account's configuration, as `/provisioning/{provisioning_token}` does; takes
    /// `reset_password` too. 404 for an unknown, expired, unattached or used token, 400 without
    /// the `x-linphone-provisioning` header when the space requires it; 403 when the account is
    /// blocked or an admin deactivated it.
    #[oai(
        path = "/provisioning/auth_token/:auth_token",
        method = "get",
        operation_id = "provisioningByAuthToken"
    )]
    async fn by_auth_token(
        &self,
        req: &Request,
        auth_token: Path<String>,
        #[oai(name = "x-linphone-provisioning")] header: Header<Option<String>>,
        reset_password: Query<Option<String>>,
    ) -> ApiResult<XmlConfig> {
        let space = request_space(req)?;
        check_header(space, &header.0)?;
        let account = state(req)?
            .services
            .provision_by_auth_token(&auth_token.0, space)
            .await?;
        account_xml(req, space, &account, &reset_password.0).await
    }

    /// Configuration by provisioning token
    ///
    /// Access: Public. Spends the token (single use: a second use answers 404), activates its
    /// account and answers the account's configuration. 404 for an unknown or used token, 410
    /// for an expired one (`provisioning_token_expiration_minutes`), 400 without the
    /// `x-linphone-provisioning` header when the space requires it; 403 (the token unspent) when
    /// the account is blocked or an admin deactivated it. With `reset_password` (present, any
    /// value but `0`/`false`) the account's stored passwords are replaced by a new random one,
    /// in the space's default algorithm, whose HA1 alone is in the answer.
    #[oai(
        path = "/provisioning/:provisioning_token",
        method = "get",
        operation_id = "provisioningByToken"
    )]
    async fn by_token(
        &self,
        req: &Request,
        provisioning_token: Path<String>,
        #[oai(name = "x-linphone-provisioning")] header: Header<Option<String>>,
        reset_password: Query<Option<String>>,
    ) -> ApiResult<XmlConfig> {
        let space = request_space(req)?;
        check_header(space, &header.0)?;
        let account = state(req)?
            .services
            .redeem_provisioning_token(&provisioning_token.0, space)
            .await?;
        account_xml(req, space, &account, &reset_password.0).await
    }

    /// QR code of a provisioning token
    ///
    /// Access: Public. A PNG QR code of `<scheme>://<host>/provisioning/<token>`, for a Linphone
    /// app to scan; the token is not spent. The host is the space's stored one, the scheme and
    /// port the configured public ones (never taken from the request's `Host`). 404 for an
    /// unknown or used token, 410 for an expired one, 403 when the account is blocked or an admin
    /// deactivated it.
    #[oai(
        path = "/provisioning/qrcode/:provisioning_token",
        method = "get",
        operation_id = "provisioningQrCode"
    )]
    async fn qrcode(
        &self,
        req: &Request,
        provisioning_token: Path<String>,
    ) -> ApiResult<QrCodePng> {
        let space = request_space(req)?;
        let (token, _) = state(req)?
            .services
            .usable_provisioning_token(&provisioning_token.0, space)
            .await?;
        let url = format!(
            "{}/provisioning/{}",
            base_url(req)?,
            percent_encoding::utf8_percent_encode(&token.token, percent_encoding::NON_ALPHANUMERIC)
        );
        Ok(QrCodePng::Ok(Binary(qr_png(&url)?), url))
    }
}

#[cfg(test)]
mod tests {
    use flexiapi_domain::provisioning::{Entry, Section};

    use super::*;

    #[test]
    fn the_xml_escapes_names_and_values_and_marks_overwrites() {
        let config = LinphoneConfig {
            sections: vec![Section {
                name: "proxy_0".into(),
                entries: vec![Entry {
                    name: "reg_identity".into(),
                    value: "\"A & B\" <sip:a@b>\u{1}".into(),
                }],
            }],
            overwrite_all: true,
        };
        let xml = render_xml(&config);
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<config xmlns=\"http://www.linphone.org/xsds/lpconfig.xsd\""));
        assert!(xml.contains(
            "<entry name=\"reg_identity\" overwrite=\"true\">&quot;A &amp; B&quot; &lt;sip:a@b&gt;</entry>"
        ));

        // A tab in a name is written as a reference: a raw one would reach the reader as a
        // space (XML normalizes attribute values); in a value it stays as it is.
        let config = LinphoneConfig {
            sections: vec![Section {
                name: "a\tb".into(),
                entries: vec![Entry {
                    name: "c\td".into(),
                    value: "e\tf".into(),
                }],
            }],
            overwrite_all: false,
        };
        let xml = render_xml(&config);
        assert!(xml.contains("<section name=\"a&#9;b\">"), "{xml}");
        assert!(xml.contains("<entry name=\"c&#9;d\">e\tf</entry>"), "{xml}");
    }

    /// The whole document, byte for byte, as Linphone (libxml2) has always been served it:
    /// declaration, two-space indentation, one element per line, a final line break.
    #[test]
    fn the_document_keeps_its_exact_bytes() {
        let entry = |name: &str, value: &str| Entry {
            name: name.into(),
            value: value.into(),
        };
        let config = LinphoneConfig {
            sections: vec![
                Section {
                    name: "ui".into(),
                    entries: vec![entry("max_account", "2"), entry("empty", "")],
                },
                Section {
                    name: "a'b\"c\u{FFFE}".into(),
                    entries: vec![entry(
                        "x\u{1}",
                        "it's <a> & \"b\"\u{FFFF}\r\n\u{2028}end\t!",
                    )],
                },
            ],
            overwrite_all: false,
        };
        assert_eq!(
            render_xml(&config),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <config xmlns=\"http://www.linphone.org/xsds/lpconfig.xsd\" \
             xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
             xsi:schemaLocation=\"http://www.linphone.org/xsds/lpconfig.xsd lpconfig.xsd\">\n\
             \x20 <section name=\"ui\">\n\
             \x20   <entry name=\"max_account\">2</entry>\n\
             \x20   <entry name=\"empty\"></entry>\n\
             \x20 </section>\n\
             \x20 <section name=\"a&apos;b&quot;c\">\n\
             \x20   <entry name=\"x\">it&apos;s &lt;a&gt; &amp; &quot;b&quot;end\t!</entry>\n\
             \x20 </section>\n\
             </config>\n"
        );
        assert_eq!(
            render_xml(&LinphoneConfig::default()),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <config xmlns=\"http://www.linphone.org/xsds/lpconfig.xsd\" \
             xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
             xsi:schemaLocation=\"http://www.linphone.org/xsds/lpconfig.xsd lpconfig.xsd\">\n\
             </config>\n"
        );
    }

    #[test]
    fn a_qr_code_is_a_png_of_at_least_300_pixels() {
        let png = qr_png("https://sip.example.org/provisioning/abc").unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
        assert!(width >= 300, "{width}");
    }
}
