//! The development transport: each e-mail an `.eml` file, each SMS a `.txt` file, in a folder.

use std::path::{Path, PathBuf};

use crate::transport::{Mailer, OutgoingEmail, OutgoingSms, SmsSender};
use async_trait::async_trait;
use flexiapi_domain::error::TransportError;

use crate::ConfigError;
use crate::message::{self, Sender};

/// Writes messages into a folder instead of sending them. Names start with the UTC time, so a
/// listing is in order: `20260101T120000.123Z-<id>.eml`, `...-<id>.sms.txt`.
#[derive(Debug, Clone)]
pub struct DirectoryTransport {
    directory: PathBuf,
    sender: Sender,
}

impl DirectoryTransport {
    /// Creates the folder when missing.
    ///
    /// # Errors
    /// The folder cannot be created, or `sender` is not an e-mail address.
    pub fn new(directory: impl Into<PathBuf>, sender: Sender) -> Result<Self, ConfigError> {
        let directory = directory.into();
        std::fs::create_dir_all(&directory).map_err(|e| ConfigError::Directory {
            path: directory.display().to_string(),
            reason: e.to_string(),
        })?;
        Ok(Self {
            directory,
            sender: sender.validated()?,
        })
    }

    pub fn directory(&self) -> &Path {
        &self.directory
    }

    /// Written under a hidden name, then renamed: a reader never sees half a message.
    async fn write(&self, extension: &str, contents: Vec<u8>) -> Result<PathBuf, TransportError> {
        let name = format!(
            "{}-{}.{extension}",
            chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ"),
            &uuid::Uuid::new_v4().simple().to_string()[..12],
        );
        let path = self.directory.join(&name);
        let partial = self.directory.join(format!(".{name}.part"));
        let result = async {
            tokio::fs::write(&partial, contents).await?;
            tokio::fs::rename(&partial, &path).await
        }
        .await;
        match result {
            Ok(()) => Ok(path),
            Err(e) => {
                let _ = tokio::fs::remove_file(&partial).await;
                Err(TransportError::Unavailable(format!(
                    "cannot write into {}: {e}",
                    self.directory.display()
                )))
            }
        }
    }
}

#[async_trait]
impl Mailer for DirectoryTransport {
    async fn send(&self, email: &OutgoingEmail) -> Result<(), TransportError> {
        let result = match message::build(email, &self.sender) {
            Ok(message) => self.write("eml", message.formatted()).await,
            Err(e) => Err(e),
        };
        match result {
            Ok(path) => {
                tracing::info!(file = %path.display(), to = %email.to, "e-mail written to a file (directory transport)");
                Ok(())
            }
            Err(e) => {
                tracing::warn!(directory = %self.directory.display(), to = %email.to, error = %e, "e-mail not written");
                Err(e)
            }
        }
    }
}

#[async_trait]
impl SmsSender for DirectoryTransport {
    async fn send(&self, sms: &OutgoingSms) -> Result<(), TransportError> {
        let contents = format!("To: {}\n\n{}\n", sms.to, sms.text);
        match self.write("sms.txt", contents.into_bytes()).await {
            Ok(path) => {
                tracing::info!(file = %path.display(), to = %sms.to, "SMS written to a file (directory transport)");
                Ok(())
            }
            Err(e) => {
                tracing::warn!(directory = %self.directory.display(), to = %sms.to, error = %e, "SMS not written");
                Err(e)
            }
        }
    }
}
