//! Each space's own SMTP server: at most one per space.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;
use crate::model::{Domain, SpaceEmailServer};

/// A space has at most one server; deleting the space deletes it.
#[async_trait]
pub trait SpaceEmailServerRepository: Send + Sync + 'static {
    /// The server of the space with that domain; `None` when it has none or there is no such
    /// space.
    async fn space_email_server(&self, domain: &Domain) -> StoreResult<Option<SpaceEmailServer>>;

    /// Every space's server, by the space's domain (the spaces listing shows them).
    async fn space_email_servers(&self) -> StoreResult<BTreeMap<Domain, SpaceEmailServer>>;

    /// Creates the space's server or replaces every field of it (`updated_at = now`, and
    /// `created_at = now` on creation); returns true when it created it. MUST be atomic: of
    /// concurrent calls for one space, exactly one creates, and one server remains.
    ///
    /// # Errors
    /// MUST return `NotFound` when the space does not exist.
    async fn put_space_email_server(
        &self,
        domain: &Domain,
        server: &SpaceEmailServer,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;

    /// Returns whether the space had a server.
    async fn delete_space_email_server(&self, domain: &Domain) -> StoreResult<bool>;
}
