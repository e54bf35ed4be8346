//! Digest nonces: the port implementation, written once over the backend type.
//! Expanded per backend by `storage`'s `impl_storage!`, which supplies imports and dialect hooks.

macro_rules! impl_nonces {
    ($storage:ident, $db:ty) => {
        #[async_trait]
        impl NonceStore for $storage {
            async fn insert_nonce(&self, nonce: DigestNonce) -> StoreResult<()> {
                if let Some(result) = self.fast().and_then(|f| f.try_insert_nonce(&nonce)) {
                    return result;
                }
                sqlx::query(Self::sql(
                    "INSERT INTO digest_nonces \
                     (opaque, nonce, username, domain, ip, nc, uses, created_at) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                ))
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

            async fn nonce_by_opaque(&self, opaque: &str) -> StoreResult<Option<DigestNonce>> {
                if let Some(fast) = self.fast() {
                    return fast.nonce_by_opaque(opaque);
                }
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

            async fn advance_nonce(&self, opaque: &str, nc: i64) -> StoreResult<bool> {
                if let Some(result) = self.fast().and_then(|f| f.try_advance_nonce(opaque, nc)) {
                    return result;
                }
                // One conditional statement: the database serializes the row update, so of
                // concurrent calls with the same nc only the first still sees `nc < ?`.
                let result = sqlx::query(Self::sql(
                    "UPDATE digest_nonces SET nc = ?, uses = uses + 1 WHERE opaque = ? AND nc < ?",
                ))
                .bind(nc)
                .bind(opaque)
                .bind(nc)
                .execute(self.writer())
                .await
                .map_err(store_error)?;
                Ok(result.rows_affected() == 1)
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
