//! Server secrets shared by every process on the database.

use super::{ServiceResult, Services};

impl Services {
    /// The key the web pages sign their forms with, shared by every process on the database.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn web_secret(&self) -> ServiceResult<String> {
        let candidate = self.tokens.hex(32);
        Ok(self
            .storage
            .secret_or_insert("web-forms", &candidate)
            .await?)
    }
}
