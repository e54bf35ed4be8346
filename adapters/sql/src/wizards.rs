//! Wizards: the port implementation, written once over the backend type. Expanded per backend by
//! `storage`'s `impl_storage!`.

use chrono::{DateTime, Utc};
use flexiapi_domain::error::StoreError;
use flexiapi_domain::model::{AccountId, Domain, LinphoneAction, SipIdentity, Wizard};

use crate::error::bad_row;

/// Column list of `SELECT`s, as a literal for `concat!`.
macro_rules! wizard_columns {
    () => {
        "token, domain, account_id, provisioning_account_id, sip, linphone_action, \
         linphone_use_sips, used_at, created_at, updated_at"
    };
}
pub(crate) use wizard_columns;

#[derive(sqlx::FromRow)]
pub(crate) struct WizardRow {
    token: String,
    domain: String,
    account_id: i64,
    provisioning_account_id: Option<i64>,
    sip: Option<String>,
    linphone_action: Option<String>,
    linphone_use_sips: Option<bool>,
    used_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<WizardRow> for Wizard {
    type Error = StoreError;

    fn try_from(r: WizardRow) -> Result<Self, StoreError> {
        Ok(Wizard {
            token: r.token,
            domain: Domain::parse(&r.domain).map_err(|e| bad_row("wizards.domain", e))?,
            account_id: AccountId(r.account_id),
            provisioning_account_id: r.provisioning_account_id.map(AccountId),
            sip: r
                .sip
                .map(|s| SipIdentity::parse(&s).map_err(|e| bad_row("wizards.sip", e)))
                .transpose()?,
            linphone_action: r
                .linphone_action
                .map(|a| {
                    LinphoneAction::parse(&a).map_err(|_| bad_row("wizards.linphone_action", a))
                })
                .transpose()?,
            linphone_use_sips: r.linphone_use_sips,
            used_at: r.used_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

macro_rules! impl_wizards {
    ($storage:ident, $db:ty) => {
        #[async_trait]
        impl flexiapi_domain::ports::WizardRepository for $storage {
            async fn create_wizard(
                &self,
                new: flexiapi_domain::model::NewWizard,
                now: DateTime<Utc>,
            ) -> StoreResult<flexiapi_domain::model::Wizard> {
                let now = ts(now);
                let mut conn = self.write_conn().await?;
                sqlx::query(Self::sql(
                    "INSERT INTO wizards (token, domain, account_id, provisioning_account_id, \
                     sip, linphone_action, linphone_use_sips, created_at, updated_at) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                ))
                .bind(&new.token)
                .bind(new.domain.as_str())
                .bind(new.account_id.0)
                .bind(new.provisioning_account_id.map(|a| a.0))
                .bind(new.sip.as_ref().map(ToString::to_string))
                .bind(new.linphone_action.map(|a| a.as_str()))
                .bind(new.linphone_use_sips)
                .bind(now)
                .bind(now)
                .execute(&mut *conn)
                .await
                .map_err(|e| match &e {
                    sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                        StoreError::NotFound
                    }
                    _ => unique_as(Conflict::Wizard)(e),
                })?;
                Ok(flexiapi_domain::model::Wizard {
                    token: new.token,
                    domain: new.domain,
                    account_id: new.account_id,
                    provisioning_account_id: new.provisioning_account_id,
                    sip: new.sip,
                    linphone_action: new.linphone_action,
                    linphone_use_sips: new.linphone_use_sips,
                    used_at: None,
                    created_at: now,
                    updated_at: now,
                })
            }

            async fn use_wizard(
                &self,
                token: &str,
                domain: &Domain,
                now: DateTime<Utc>,
            ) -> StoreResult<Option<flexiapi_domain::model::Wizard>> {
                let now = ts(now);
                let mut conn = self.write_conn().await?;
                // The conditional update decides a race: only one caller sees a row change.
                let spent = sqlx::query(Self::sql(
                    "UPDATE wizards SET used_at = ?, updated_at = ? \
                     WHERE token = ? AND domain = ? AND used_at IS NULL",
                ))
                .bind(now)
                .bind(now)
                .bind(token)
                .bind(domain.as_str())
                .execute(&mut *conn)
                .await
                .map_err(store_error)?
                .rows_affected();
                if spent != 1 {
                    return Ok(None);
                }
                let row: Option<crate::wizards::WizardRow> = sqlx::query_as(Self::sql(concat!(
                    "SELECT ",
                    crate::wizards::wizard_columns!(),
                    " FROM wizards WHERE token = ? AND domain = ?"
                )))
                .bind(token)
                .bind(domain.as_str())
                .fetch_optional(&mut *conn)
                .await
                .map_err(store_error)?;
                row.map(flexiapi_domain::model::Wizard::try_from)
                    .transpose()
            }
        }
    };
}
pub(crate) use impl_wizards;
