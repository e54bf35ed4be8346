//! Phone countries: the port implementation, written once over the backend type.
//! Expanded per backend by `storage`'s `impl_storage!`, which supplies imports and dialect hooks.

macro_rules! impl_phone_countries {
    ($storage:ident, $db:ty) => {
        #[async_trait]
        impl PhoneCountryRepository for $storage {
            async fn list_phone_countries(&self) -> StoreResult<Vec<PhoneCountry>> {
                let rows: Vec<PhoneCountryRow> = sqlx::query_as(Self::sql(
                    "SELECT code, country_code, activated FROM phone_countries ORDER BY code",
                ))
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(rows.into_iter().map(PhoneCountry::from).collect())
            }

            async fn phone_country(&self, code: &str) -> StoreResult<Option<PhoneCountry>> {
                let row: Option<PhoneCountryRow> = sqlx::query_as(Self::sql(
                    "SELECT code, country_code, activated FROM phone_countries WHERE code = ?",
                ))
                .bind(code)
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(row.map(PhoneCountry::from))
            }

            async fn set_phone_countries_activated(
                &self,
                country_code: &str,
                activated: bool,
            ) -> StoreResult<u64> {
                let mut tx = self.write().await?;
                // Counted rather than taken from rows-affected, which MySQL reports only
                // for rows whose value changed.
                let count: i64 = sqlx::query_scalar(Self::sql(
                    "SELECT COUNT(*) FROM phone_countries WHERE country_code = ?",
                ))
                .bind(country_code)
                .fetch_one(&mut *tx)
                .await
                .map_err(store_error)?;
                sqlx::query(Self::sql(
                    "UPDATE phone_countries SET activated = ? WHERE country_code = ?",
                ))
                .bind(activated)
                .bind(country_code)
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
                tx.commit().await.map_err(store_error)?;
                Ok(u64::try_from(count).unwrap_or_default())
            }
        }
    };
}

pub(crate) use impl_phone_countries;
