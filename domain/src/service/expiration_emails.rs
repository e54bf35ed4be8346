//! `flexiapi spaces expiration-emails`: tells each admin of a space that expires soon.

use chrono::Duration;

use super::{ServiceResult, Services};
use crate::error::TransportError;
use crate::model::{Account, AccountQuery, Space};
use crate::ports::Notice;

/// Accounts read per page while looking for a space's admins.
const PAGE: u64 = 500;

/// What [`Services::send_expiration_emails`] did.
#[derive(Debug, Default)]
pub struct ExpirationEmails {
    /// The spaces that expire within the window (and have not yet).
    pub spaces: usize,
    pub sent: usize,
    pub failures: Vec<ExpirationEmailFailure>,
}

/// One admin who could not be told.
#[derive(Debug)]
pub struct ExpirationEmailFailure {
    pub domain: String,
    pub to: String,
    pub error: TransportError,
}

impl Services {
    /// Mails each admin with an e-mail address (and not deactivated) of each space whose
    /// `expire_at` is within `within` from now and not yet past, in `language`, through the
    /// space's own server or the global one. A failed send is recorded and the others go on.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn send_expiration_emails(
        &self,
        within: Duration,
        language: &str,
    ) -> ServiceResult<ExpirationEmails> {
        let now = self.now();
        let expiring: Vec<Space> = self
            .storage
            .list_spaces()
            .await?
            .into_iter()
            .filter(|s| s.expire_at.is_some_and(|at| at > now && at <= now + within))
            .collect();
        let mut report = ExpirationEmails {
            spaces: expiring.len(),
            ..ExpirationEmails::default()
        };
        for space in expiring {
            let Some(expire_at) = space.expire_at else {
                continue;
            };
            let letterhead = self.letterhead(&space).await?;
            let notice = Notice::SpaceExpiring { expire_at };
            for admin in self.admins_to_mail(&space).await? {
                let Some(email) = &admin.email else {
                    continue;
                };
                let name = admin.display_name.as_deref();
                match self
                    .notifier
                    .email(&letterhead, email, name, language, &notice)
                    .await
                {
                    Ok(()) => report.sent += 1,
                    Err(error) => report.failures.push(ExpirationEmailFailure {
                        domain: space.domain.to_string(),
                        to: email.to_string(),
                        error,
                    }),
                }
            }
        }
        Ok(report)
    }

    /// The space's admins that have an e-mail address and are not deactivated. The accounts
    /// are read page by page: this runs once a day, on the few spaces about to expire.
    async fn admins_to_mail(&self, space: &Space) -> ServiceResult<Vec<Account>> {
        let mut admins = Vec::new();
        for page in 1.. {
            let found = self
                .storage
                .list_accounts(&AccountQuery {
                    domain: space.domain.clone(),
                    search: None,
                    page,
                    per_page: PAGE,
                })
                .await?;
            let last = page >= found.last_page() || found.items.is_empty();
            admins.extend(
                found
                    .items
                    .into_iter()
                    .filter(|a| a.admin && a.email.is_some() && a.deactivated_at.is_none()),
            );
            if last {
                break;
            }
        }
        Ok(admins)
    }
}
