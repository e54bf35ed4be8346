//! The CardDAV servers of each space and each account's credentials on them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;
use crate::model::{
    AccountId, CardDavCredentials, CardDavServer, CardDavServerId, NewCardDavServer, SpaceId,
};

#[async_trait]
pub trait CardDavRepository: Send + Sync + 'static {
    /// The space's servers, ordered by id; empty for an unknown space.
    async fn carddav_servers(&self, space_id: SpaceId) -> StoreResult<Vec<CardDavServer>>;

    /// One server of the space; `None` when unknown or another space's.
    async fn carddav_server(
        &self,
        space_id: SpaceId,
        id: CardDavServerId,
    ) -> StoreResult<Option<CardDavServer>>;

    /// Adds a server to `new.space_id`.
    ///
    /// # Errors
    /// MUST return `NotFound` when the space does not exist.
    async fn create_carddav_server(
        &self,
        new: &NewCardDavServer,
        now: DateTime<Utc>,
    ) -> StoreResult<CardDavServer>;

    /// Replaces every field of server `id` of `new.space_id` (`created_at` stays); `None` when
    /// the space has no such server.
    async fn update_carddav_server(
        &self,
        id: CardDavServerId,
        new: &NewCardDavServer,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<CardDavServer>>;

    /// Removes a server of the space, and every account's credentials on it; returns whether
    /// the space had it.
    async fn delete_carddav_server(
        &self,
        space_id: SpaceId,
        id: CardDavServerId,
    ) -> StoreResult<bool>;

    /// The credentials of these accounts, each with its server, ordered by account id then
    /// server id.
    async fn carddav_credentials_of(
        &self,
        account_ids: &[AccountId],
    ) -> StoreResult<Vec<(CardDavServer, CardDavCredentials)>>;

    /// Sets the account's credentials on `credentials.server_id`, replacing any it had there
    /// (`created_at` stays on a replacement). The caller checks that the server belongs to the
    /// account's space.
    ///
    /// # Errors
    /// MUST return `NotFound` when the account or the server does not exist.
    async fn put_carddav_credentials(
        &self,
        credentials: &CardDavCredentials,
    ) -> StoreResult<CardDavCredentials>;

    /// Removes the account's credentials on that server (never the server); returns whether
    /// there were any.
    async fn delete_carddav_credentials(
        &self,
        account_id: AccountId,
        server_id: CardDavServerId,
    ) -> StoreResult<bool>;
}
