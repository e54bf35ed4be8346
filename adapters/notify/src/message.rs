//! An [`OutgoingEmail`] as an RFC 5322 message, shared by the SMTP and folder transports.

use crate::transport::OutgoingEmail;
use flexiapi_domain::error::TransportError;
use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};

use crate::ConfigError;

/// A transport's own sender: used when the message leaves `from_address` empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sender {
    /// Empty: none (then every message must bring its own).
    pub address: String,
    /// Empty: the bare address.
    pub name: String,
}

impl Sender {
    pub fn new(address: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            address: address.into(),
            name: name.into(),
        }
    }

    /// # Errors
    /// A non-empty address that is not an e-mail address.
    pub(crate) fn validated(self) -> Result<Self, ConfigError> {
        if !self.address.is_empty() && self.address.parse::<lettre::Address>().is_err() {
            return Err(ConfigError::Sender(self.address));
        }
        Ok(self)
    }
}

fn mailbox(name: &str, address: &str, role: &str) -> Result<Mailbox, TransportError> {
    let address = address
        .trim()
        .parse::<lettre::Address>()
        .map_err(|e| TransportError::Refused(format!("invalid {role} address {address:?}: {e}")))?;
    let name = Some(name.trim())
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    Ok(Mailbox::new(name, address))
}

/// The message, with a plain-text part and, when given, its HTML alternative (with its inline
/// images beside it in a `multipart/related`).
///
/// # Errors
/// `NotConfigured` when neither the message nor the transport has a sender address; `Refused`
/// for an address that does not parse.
pub(crate) fn build(email: &OutgoingEmail, sender: &Sender) -> Result<Message, TransportError> {
    // The pair goes together: a message's own address never borrows the transport's name.
    let (from_address, from_name) = if email.from_address.trim().is_empty() {
        (sender.address.as_str(), sender.name.as_str())
    } else {
        (email.from_address.as_str(), email.from_name.as_str())
    };
    if from_address.trim().is_empty() {
        return Err(TransportError::NotConfigured);
    }
    let from = mailbox(from_name, from_address, "sender")?;
    let to = mailbox(
        email.to_name.as_deref().unwrap_or_default(),
        &email.to,
        "recipient",
    )?;
    let message_id = format!("<{}@{}>", uuid::Uuid::new_v4(), from.email.domain());
    let builder = Message::builder()
        .from(from)
        .to(to)
        .subject(email.subject.clone())
        .message_id(Some(message_id));
    if !email.attachments.is_empty() {
        // The body as it would be alone, then each file, in a `multipart/mixed`.
        let body = match &email.html_body {
            Some(html) => MultiPart::alternative_plain_html(email.text_body.clone(), html.clone()),
            None => MultiPart::mixed().singlepart(SinglePart::plain(email.text_body.clone())),
        };
        let mut mixed = MultiPart::mixed().multipart(body);
        for file in &email.attachments {
            let content_type = ContentType::parse(&file.content_type).map_err(|e| {
                TransportError::Refused(format!(
                    "invalid attachment type {:?}: {e}",
                    file.content_type
                ))
            })?;
            mixed = mixed.singlepart(
                Attachment::new(file.file_name.clone()).body(file.data.clone(), content_type),
            );
        }
        return builder
            .multipart(mixed)
            .map_err(|e| TransportError::Refused(format!("cannot build the message: {e}")));
    }
    let built = match &email.html_body {
        Some(html) if email.inline_images.is_empty() => builder.multipart(
            MultiPart::alternative_plain_html(email.text_body.clone(), html.clone()),
        ),
        Some(html) => {
            let mut related = MultiPart::related().singlepart(SinglePart::html(html.clone()));
            for image in &email.inline_images {
                let content_type = ContentType::parse(&image.content_type).map_err(|e| {
                    TransportError::Refused(format!(
                        "invalid image type {:?}: {e}",
                        image.content_type
                    ))
                })?;
                related = related.singlepart(
                    Attachment::new_inline(image.content_id.clone())
                        .body(image.data.clone(), content_type),
                );
            }
            builder.multipart(
                MultiPart::alternative()
                    .singlepart(SinglePart::plain(email.text_body.clone()))
                    .multipart(related),
            )
        }
        None => builder.singlepart(SinglePart::plain(email.text_body.clone())),
    };
    built.map_err(|e| TransportError::Refused(format!("cannot build the message: {e}")))
}
