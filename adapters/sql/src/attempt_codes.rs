//! What recovery codes and registration codes share as codes with a number of tries (migration
//! 0028): a wrong try, and the spending of the right code. Expression macros, as in
//! `pushed_tokens` (`#[async_trait]` rewrites methods before an item macro would expand).

/// Counts a wrong try of the live code `id`, killing it at the `max_attempts`th; whether a live
/// code was there.
macro_rules! fail_code {
    ($storage:expr, $table:literal, $id:expr, $max_attempts:expr) => {{
        // `code` first: MySQL assigns left to right, with the values already assigned.
        let result = sqlx::query(Self::sql(concat!(
            "UPDATE ",
            $table,
            " SET code = CASE WHEN attempts + 1 >= ? THEN NULL ELSE code END, \
             attempts = attempts + 1 \
             WHERE id = ? AND code IS NOT NULL"
        )))
        .bind(i64::from($max_attempts))
        .bind($id)
        .execute($storage.writer())
        .await
        .map_err(store_error)?;
        result.rows_affected() == 1
    }};
}

/// Spends the code `id` if it is `code` and has tries left; whether it did.
macro_rules! spend_code {
    ($storage:expr, $table:literal, $id:expr, $code:expr, $max_attempts:expr) => {{
        let result = sqlx::query(Self::sql(concat!(
            "UPDATE ",
            $table,
            " SET code = NULL WHERE id = ? AND code = ? AND attempts < ?"
        )))
        .bind($id)
        .bind($code)
        .bind(i64::from($max_attempts))
        .execute($storage.writer())
        .await
        .map_err(store_error)?;
        Ok(result.rows_affected() == 1)
    }};
}

pub(crate) use {fail_code, spend_code};
