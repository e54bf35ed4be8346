//! The access model: four levels, and the one policy deciding whether an authenticated caller
//! may use an endpoint of a given level on the request's space.

use chrono::{DateTime, Utc};

use crate::auth::Authenticated;
use crate::model::Space;

/// Who may call an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AccessLevel {
    Public,
    /// Any authenticated, unblocked account, on its own space.
    User,
    /// An admin account, on its own space (or a super admin).
    Admin,
    /// An admin of a super space, on any space.
    SuperAdmin,
}

/// Why an authenticated caller is refused (all answered 403).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AccessError {
    #[error("account blocked")]
    Blocked,
    #[error("space expired")]
    SpaceExpired,
    #[error("not an admin")]
    NotAdmin,
    #[error("not a super admin")]
    NotSuperAdmin,
    #[error("account of another space")]
    ForeignSpace,
}

/// A caller allowed through.
#[derive(Debug, Clone)]
pub struct Caller {
    pub auth: Authenticated,
    pub super_admin: bool,
}

/// Whether the account is an admin of a super space.
pub fn is_super_admin(auth: &Authenticated) -> bool {
    auth.account.admin && auth.account_space.super_space
}

/// Applies the access rules, in the order a client can act on: an expired space first (nobody
/// can fix it from the API), then a blocked account, then the level.
///
/// # Errors
/// The [`AccessError`] explaining the refusal.
pub fn authorize(
    auth: Authenticated,
    request_space: &Space,
    level: AccessLevel,
    now: DateTime<Utc>,
) -> Result<Caller, AccessError> {
    let super_admin = is_super_admin(&auth);
    if level == AccessLevel::Public {
        return Ok(Caller { auth, super_admin });
    }
    if request_space.is_expired(now) || auth.account_space.is_expired(now) {
        return Err(AccessError::SpaceExpired);
    }
    if auth.account.blocked {
        return Err(AccessError::Blocked);
    }
    let own_space = auth.account.domain == request_space.domain;
    match level {
        AccessLevel::Public => {}
        AccessLevel::User if !own_space && !super_admin => return Err(AccessError::ForeignSpace),
        AccessLevel::User => {}
        AccessLevel::Admin if !auth.account.admin => return Err(AccessError::NotAdmin),
        AccessLevel::Admin if !own_space && !super_admin => return Err(AccessError::ForeignSpace),
        AccessLevel::Admin => {}
        AccessLevel::SuperAdmin if !super_admin => return Err(AccessError::NotSuperAdmin),
        AccessLevel::SuperAdmin => {}
    }
    Ok(Caller { auth, super_admin })
}
