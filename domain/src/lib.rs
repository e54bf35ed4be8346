//! The flexiapi domain: what a Flexisip account manager *is*, without any I/O.
//!
//! # Layout
//! - `model`: entities (`Space`, `Account`, `Password`, `ApiKey`, `AuthToken`, `DigestNonce`)
//!   and value types (`SipIdentity`, `Username`, `Domain`, `PasswordAlgorithm`) that validate in
//!   their constructors.
//! - `ports`: the traits adapters implement: repositories, the nonce store, `Clock` and
//!   `TokenSource`. They are `async_trait` objects so the backend is chosen at run time.
//! - `auth`: the authentication strategies (Digest, API key, JWT) and the [`auth::Authenticator`]
//!   that applies them in the documented order.
//! - `access`: the four access levels and the one policy that decides who may do what.
//! - `service`: the use cases, as methods of `service::Services`, one submodule per aggregate
//!   (`service::accounts`, `service::contacts`, ...; the old paths `accounts`, `contacts`,
//!   `devices`, `provisioning`, `registration` are re-exports).
//! - `service::devices`: the devices the SIP registrar holds for an account, listed and removed.
//! - `service::provisioning`: the Linphone configuration of a space and an account, and the
//!   single-use tokens that hand it out.
//! - `language`: `Accept-Language` negotiation, a pure function of the header.
//! - `validation`: field-level validation errors, as rule identifiers (never English text).
//! - `error`: the error enums. They state facts; the HTTP adapter turns them into statuses and
//!   localized messages.
//!
//! This crate must not depend on tokio, sqlx, poem or anything else that does I/O.

pub mod access;
pub mod auth;
pub mod error;
pub mod language;
pub mod model;
pub mod ports;
pub mod service;
pub mod validation;

// The use cases live under `service`, one module per aggregate; these keep their first paths.
pub use service::{accounts, contacts, devices, provisioning, registration};

#[cfg(any(test, feature = "testing"))]
pub mod testing;
