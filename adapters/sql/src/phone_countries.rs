//! Phone countries: the port implementation, written once over the backend type, and the seed.
//! Expanded per backend by `storage`'s `impl_storage!`, which supplies imports and dialect hooks.
//!
//! The rows come from one list, the domain's `PHONE_COUNTRIES`, written into the table by
//! [`crate::SqlDatabase::migrate`] (`seed_phone_countries`). The copies in the `0013_phone_countries`
//! migrations are frozen history: sqlx refuses to run on a database whose applied migrations were
//! edited since, so they stay as they were applied, and a change of the list reaches every
//! database through the seed instead of a new copy.

macro_rules! impl_phone_countries {
    ($storage:ident, $db:ty) => {
        impl $storage {
            /// Adds the countries of `PHONE_COUNTRIES` the table lacks, deactivated; returns how
            /// many. Rows already there are left as they are: their `activated` is an admin's
            /// choice. Idempotent, and safe for servers migrating the same database at once.
            pub(crate) async fn seed_phone_countries(&self) -> StoreResult<u64> {
                let present: Vec<String> =
                    sqlx::query_scalar(Self::sql("SELECT code FROM phone_countries"))
                        .fetch_all(self.writer())
                        .await
                        .map_err(store_error)?;
                let mut added = 0;
                for (code, country_code) in flexiapi_domain::model::PHONE_COUNTRIES {
                    if present.iter().any(|p| p == code) {
                        continue;
                    }
                    let inserted = sqlx::query(Self::sql(
                        "INSERT INTO phone_countries (code, country_code, activated) \
                         VALUES (?, ?, ?)",
                    ))
                    .bind(*code)
                    .bind(*country_code)
                    .bind(false)
                    .execute(self.writer())
                    .await;
                    match inserted {
                        Ok(_) => added += 1,
                        // Another server seeding the same database got there first.
                        Err(e) if is_unique_violation(&e) => {}
                        Err(e) => return Err(store_error(e)),
                    }
                }
                Ok(added)
            }
        }

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
