//! The repository contract suite: every storage adapter must pass the same tests.
//!
//! Each test is an ordinary `pub async fn` in one file of [`cases`], one file per aggregate, that
//! checks one contract sentence of `flexiapi_domain::ports`. [`storage_contract_tests!`]
//! instantiates all of them as `#[tokio::test]`s in the calling module, each on a fresh storage
//! from a factory, the pattern of tower-sessions-stores' `route_tests!`.
//!
//! ```ignore
//! flexiapi_contract::storage_contract_tests!(fresh_storage());
//! ```
//! where `fresh_storage()` is a future of any [`Fixture`]: an `Arc` of a storage, or a guard that
//! owns a per-test database and drops it in [`Fixture::teardown`]. The calling crate needs `tokio`
//! (with `macros` and `rt-multi-thread`) as a dev-dependency.
//!
//! Every case file ends with a `register_cases!` naming its cases, so adding a case means editing
//! its file only; [`cases`] lists the files once.

use std::future::Future;
use std::sync::Arc;

use flexiapi_domain::ports::Storage;

/// Fixtures the cases share, also for backend-specific tests beside the suite.
pub mod support;

/// What a test runs against: a storage plus whatever must be cleaned up after the test.
pub trait Fixture: Send + 'static {
    /// The storage under test; tests may clone it into spawned tasks.
    fn storage(&self) -> Arc<dyn Storage>;

    /// Releases what the fixture owns (e.g. drops its database). Runs even when the test failed.
    fn teardown(self) -> impl Future<Output = ()> + Send;
}

impl<S: Storage> Fixture for Arc<S> {
    fn storage(&self) -> Arc<dyn Storage> {
        self.clone()
    }

    async fn teardown(self) {}
}

impl Fixture for Arc<dyn Storage> {
    fn storage(&self) -> Arc<dyn Storage> {
        self.clone()
    }

    async fn teardown(self) {}
}

/// Runs one case on the fixture's storage, tears the fixture down, then re-raises the case's
/// panic if it failed (so a failing test still drops its database).
pub async fn run<F, Fut>(fixture: F, case: fn(Arc<dyn Storage>) -> Fut)
where
    F: Fixture,
    Fut: Future<Output = ()> + Send + 'static,
{
    let outcome = tokio::spawn(case(fixture.storage())).await;
    fixture.teardown().await;
    if let Err(e) = outcome {
        match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(e) => panic!("contract case did not finish: {e}"),
        }
    }
}

/// The contract cases: one `pub async fn` per sentence of `flexiapi_domain::ports`, one file per
/// aggregate. Each file registers its own cases with `register_cases!`; this is the only list of
/// the files.
///
/// Every case gets an empty storage and creates what it needs, so cases never depend on each
/// other or on an order.
pub mod cases {
    crate::aggregates! {
        spaces,
        accounts,
        api_keys,
        nonces,
        audit,
        auth_failures,
        auth_tokens,
        dictionary,
        provisioning_tokens,
        account_creation_tokens,
        account_creation_request_tokens,
        account_types,
        actions,
        phone_countries,
        contacts,
        contacts_lists,
        space_email_servers,
        change_codes,
        recovery_codes,
        registration_codes,
        reset_password_tokens,
        account_recovery_tokens,
        secrets,
        call_forwardings,
        external_accounts,
        voicemails,
        statistics,
        wizards,
        vcards,
    }
}

/// Ends every file of [`cases`]: names the file's cases, once each, right under their functions.
///
/// It defines the file's `registered!`, through which [`collect_cases!`] gathers the cases of
/// every file into [`storage_contract_tests!`]. (`$d` is a `$` passed in, so that a macro can
/// define a macro.)
macro_rules! register_cases {
    ($($case:ident),+ $(,)?) => {
        $crate::register_cases!(@with ($) $($case),+);
    };
    (@with ($d:tt) $($case:ident),+) => {
        /// Adds this file's cases, as `(module case)`, to those already collected and goes on
        /// with the files still to do.
        macro_rules! registered {
            ($d module:ident [$d($d todo:ident),*] [$d($d done:tt)*]) => {
                $crate::collect_cases!([$d($d todo),*] [$d($d done)* $(($d module $case))+]);
            };
        }
        pub(crate) use registered;
    };
}
pub(crate) use register_cases;

/// Declares the aggregate files of [`cases`] and collects their cases.
macro_rules! aggregates {
    ($($module:ident),+ $(,)?) => {
        $(pub mod $module;)+
        $crate::collect_cases!([$($module),+] []);
    };
}
pub(crate) use aggregates;

/// Asks each file in turn for its cases, then defines [`storage_contract_tests!`] over all of
/// them.
macro_rules! collect_cases {
    ([$module:ident $(, $todo:ident)*] [$($done:tt)*]) => {
        $crate::cases::$module::registered!($module [$($todo),*] [$($done)*]);
    };
    ([] [$($done:tt)*]) => {
        $crate::collect_cases!(@export ($) $($done)*);
    };
    (@export ($d:tt) $(($module:ident $case:ident))+) => {
        /// Expands into one `#[tokio::test]` per contract case, each awaiting `$factory` for a
        /// fresh [`Fixture`](crate::Fixture). The factory expression is evaluated once per test;
        /// a test is named after its case.
        #[macro_export]
        macro_rules! storage_contract_tests {
            ($d factory:expr) => {$(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    $crate::run($d factory.await, $crate::cases::$module::$case).await;
                }
            )+};
        }
    };
}
pub(crate) use collect_cases;
