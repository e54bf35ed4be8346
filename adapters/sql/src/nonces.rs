//! Digest nonces: the port implementation, written once over the backend type.
//! Expanded per backend by `storage`'s `impl_storage!`, which supplies imports and dialect hooks.

macro_rules! impl_nonces {
    ($storage:ident, $db:ty) => {
        /// The request path's statements on the pool (see [`crate::dialect::RequestPath`]).
        impl $storage {
            async fn pooled_insert_nonce(&self, nonce: DigestNonce) -> StoreResult<()> {
                sqlx::query(Self::sql(Self::INSERT_NONCE))
                    .bind(&nonce.opaque)
                    .bind(&nonce.nonce)
                    .bind(&nonce.username)
                    .bind(&nonce.domain)
                    .bind(&nonce.ip)
                    .bind(nonce.nc)
                    .bind(nonce.uses)
                    .bind(ts(nonce.created_at))
                    .execute(self.writer())
                    .await
                    .map_err(unique_as(Conflict::Nonce))?;
                Ok(())
            }

            async fn pooled_nonce_by_opaque(
                &self,
                opaque: &str,
            ) -> StoreResult<Option<DigestNonce>> {
                let row: Option<NonceRow> = sqlx::query_as(Self::sql(concat!(
                    "SELECT ",
                    nonce_columns!(),
                    " FROM digest_nonces WHERE opaque = ?"
                )))
                .bind(opaque)
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(row.map(DigestNonce::from))
            }

            async fn pooled_advance_nonce(&self, opaque: &str, nc: i64) -> StoreResult<bool> {
                // One conditional statement: the database serializes the row update, so of
                // concurrent calls with the same nc only the first still sees `nc < ?`.
                let result = sqlx::query(Self::sql(Self::ADVANCE_NONCE))
                    .bind(nc)
                    .bind(opaque)
                    .bind(nc)
                    .execute(self.writer())
                    .await
                    .map_err(store_error)?;
                Ok(result.rows_affected() == 1)
            }
        }

        #[async_trait]
        impl NonceStore for $storage {
            async fn insert_nonce(&self, nonce: DigestNonce) -> StoreResult<()> {
                self.request_insert_nonce(nonce).await
            }

            async fn nonce_by_opaque(&self, opaque: &str) -> StoreResult<Option<DigestNonce>> {
                self.request_nonce_by_opaque(opaque).await
            }

            async fn advance_nonce(&self, opaque: &str, nc: i64) -> StoreResult<bool> {
                self.request_advance_nonce(opaque, nc).await
            }

            async fn delete_nonce(&self, opaque: &str) -> StoreResult<()> {
                sqlx::query(Self::sql("DELETE FROM digest_nonces WHERE opaque = ?"))
                    .bind(opaque)
                    .execute(self.writer())
                    .await
                    .map_err(store_error)?;
                Ok(())
            }

            async fn purge_nonces(&self, before: DateTime<Utc>) -> StoreResult<u64> {
                Ok(
                    sqlx::query(Self::sql("DELETE FROM digest_nonces WHERE created_at < ?"))
                        .bind(ts(before))
                        .execute(self.writer())
                        .await
                        .map_err(store_error)?
                        .rows_affected(),
                )
            }
        }
    };
}

pub(crate) use impl_nonces;
