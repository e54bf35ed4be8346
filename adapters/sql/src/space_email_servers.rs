//! Each space's own SMTP server: the port implementation, written once over the backend type.
//! Expanded per backend by `storage`'s `impl_storage!`, which supplies imports and dialect hooks.

use flexiapi_domain::error::StoreError;
use flexiapi_domain::model::SpaceEmailServer;

use crate::error::bad_row;

/// The columns of `space_email_servers e`, as a literal for `concat!`.
macro_rules! space_email_server_columns {
    () => {
        "e.host, e.port, e.username, e.password, e.from_address, e.from_name, e.signature"
    };
}
pub(crate) use space_email_server_columns;

#[derive(sqlx::FromRow)]
pub(crate) struct SpaceEmailServerRow {
    host: String,
    /// `INTEGER`/`INT` on every backend.
    port: i32,
    username: Option<String>,
    password: Option<String>,
    from_address: Option<String>,
    from_name: Option<String>,
    signature: Option<String>,
}

impl TryFrom<SpaceEmailServerRow> for SpaceEmailServer {
    type Error = StoreError;

    fn try_from(r: SpaceEmailServerRow) -> Result<Self, StoreError> {
        Ok(SpaceEmailServer {
            host: r.host,
            port: u16::try_from(r.port).map_err(|_| bad_row("space_email_servers.port", r.port))?,
            username: r.username,
            password: r.password,
            from_address: r.from_address,
            from_name: r.from_name,
            signature: r.signature,
        })
    }
}

macro_rules! impl_space_email_servers {
    ($storage:ident, $db:ty) => {
        #[async_trait]
        impl flexiapi_domain::ports::SpaceEmailServerRepository for $storage {
            async fn space_email_server(
                &self,
                domain: &Domain,
            ) -> StoreResult<Option<flexiapi_domain::model::SpaceEmailServer>> {
                let row: Option<crate::space_email_servers::SpaceEmailServerRow> =
                    sqlx::query_as(Self::sql(concat!(
                        "SELECT ",
                        crate::space_email_servers::space_email_server_columns!(),
                        " FROM space_email_servers e JOIN spaces s ON s.id = e.space_id \
                         WHERE s.domain = ?"
                    )))
                    .bind(domain.as_str())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(store_error)?;
                row.map(TryInto::try_into).transpose()
            }

            async fn space_email_servers(
                &self,
            ) -> StoreResult<BTreeMap<Domain, flexiapi_domain::model::SpaceEmailServer>> {
                let rows = sqlx::query(Self::sql(concat!(
                    "SELECT s.domain AS domain, ",
                    crate::space_email_servers::space_email_server_columns!(),
                    " FROM space_email_servers e JOIN spaces s ON s.id = e.space_id"
                )))
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                let mut servers = BTreeMap::new();
                for row in rows {
                    use sqlx::{FromRow as _, Row as _};
                    let domain: String = row.try_get("domain").map_err(store_error)?;
                    let server = crate::space_email_servers::SpaceEmailServerRow::from_row(&row)
                        .map_err(store_error)?;
                    let domain = Domain::parse(&domain)
                        .map_err(|e| crate::error::bad_row("spaces.domain", e))?;
                    servers.insert(domain, server.try_into()?);
                }
                Ok(servers)
            }

            async fn put_space_email_server(
                &self,
                domain: &Domain,
                server: &flexiapi_domain::model::SpaceEmailServer,
                now: DateTime<Utc>,
            ) -> StoreResult<bool> {
                let now = ts(now);
                let mut tx = self.write().await?;
                // The space row is the lock: concurrent writers for one space take turns, so
                // exactly one of them finds no server and inserts.
                let space_id: Option<i64> = sqlx::query_scalar(Self::sql(Self::LOCK_SPACE))
                    .bind(domain.as_str())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(store_error)?;
                let space_id = space_id.ok_or(StoreError::NotFound)?;
                let existing: i64 = sqlx::query_scalar(Self::sql(
                    "SELECT COUNT(*) FROM space_email_servers WHERE space_id = ?",
                ))
                .bind(space_id)
                .fetch_one(&mut *tx)
                .await
                .map_err(store_error)?;
                let statement = if existing == 0 {
                    "INSERT INTO space_email_servers (host, port, username, password, \
                     from_address, from_name, signature, created_at, updated_at, space_id) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                } else {
                    "UPDATE space_email_servers SET host = ?, port = ?, username = ?, \
                     password = ?, from_address = ?, from_name = ?, signature = ?, \
                     updated_at = ? WHERE space_id = ?"
                };
                let mut query = sqlx::query(Self::sql(statement))
                    .bind(&server.host)
                    .bind(i32::from(server.port))
                    .bind(&server.username)
                    .bind(&server.password)
                    .bind(&server.from_address)
                    .bind(&server.from_name)
                    .bind(&server.signature);
                if existing == 0 {
                    query = query.bind(now);
                }
                query
                    .bind(now)
                    .bind(space_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(store_error)?;
                tx.commit().await.map_err(store_error)?;
                Ok(existing == 0)
            }

            async fn delete_space_email_server(&self, domain: &Domain) -> StoreResult<bool> {
                Ok(sqlx::query(Self::sql(
                    "DELETE FROM space_email_servers \
                     WHERE space_id IN (SELECT id FROM spaces WHERE domain = ?)",
                ))
                .bind(domain.as_str())
                .execute(self.writer())
                .await
                .map_err(store_error)?
                .rows_affected()
                    > 0)
            }
        }
    };
}

pub(crate) use impl_space_email_servers;
