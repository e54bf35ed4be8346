//! The repository contract suite: every storage adapter must pass the same tests.
//!
//! Each test is an ordinary `pub async fn` in [`cases`] that checks one contract sentence of
//! `flexiapi_domain::ports`. [`storage_contract_tests!`] instantiates all of them as
//! `#[tokio::test]`s in the calling module, each on a fresh storage from a factory, the pattern of
//! tower-sessions-stores' `route_tests!`.
//!
//! ```ignore
//! flexiapi_contract::storage_contract_tests!(fresh_storage());
//! ```
//! where `fresh_storage()` is a future of any [`Fixture`]: an `Arc` of a storage, or a guard that
//! owns a per-test database and drops it in [`Fixture::teardown`]. The calling crate needs `tokio`
//! (with `macros` and `rt-multi-thread`) as a dev-dependency.

use std::future::Future;
use std::sync::Arc;

use flexiapi_domain::ports::Storage;

pub mod cases;
mod support;

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

/// Expands into one `#[tokio::test]` per contract case, each awaiting `$factory` for a fresh
/// [`Fixture`]. The factory expression is evaluated once per test.
#[macro_export]
macro_rules! storage_contract_tests {
    ($factory:expr) => {
        $crate::storage_contract_tests!(@cases $factory;
            ping_answers,
            a_space_is_read_back_by_domain_and_by_host,
            spaces_are_listed_by_domain,
            a_space_update_replaces_fields_but_keeps_domain_and_created_at,
            updating_an_unknown_space_is_not_found,
            deleting_a_space_deletes_its_accounts,
            duplicate_space_domain_host_or_name_are_conflicts,
            an_account_is_read_back_identically_with_both_passwords,
            accounts_are_found_by_identity_and_by_first_email,
            a_duplicate_account_identity_is_a_conflict,
            accounts_are_listed_by_page_and_searched_case_insensitively,
            many_accounts_are_inserted_at_once_all_or_nothing,
            count_accounts_counts_one_domain,
            account_details_are_read_for_many_accounts_at_once,
            an_update_replaces_fields_and_passwords_in_one_go,
            a_deactivation_is_stored_read_back_and_cleared,
            updating_to_a_taken_username_is_a_conflict_and_unknown_is_not_found,
            a_deleted_account_leaves_a_tombstone_until_purged,
            deleting_an_account_deletes_its_keys_and_tokens,
            a_full_space_refuses_new_accounts,
            concurrent_creations_never_exceed_max_accounts,
            api_keys_are_found_by_hash_and_duplicates_conflict,
            replacing_the_user_key_keeps_admin_keys,
            usage_adds_requests_and_keeps_the_latest_use,
            purging_idle_user_keys_keeps_admin_keys,
            nonces_are_inserted_read_deleted_and_purged,
            advance_nonce_only_moves_forward,
            concurrent_advance_nonce_lets_exactly_one_win,
            audit_events_are_listed_newest_first_and_outlive_their_actor,
            auth_failures_are_counted_per_key_over_a_window_and_purged,
            concurrent_auth_failures_are_all_counted,
            auth_tokens_are_attached_once_and_taken_once,
            concurrent_takes_of_a_token_let_one_win,
            purging_auth_tokens_removes_old_ones,
            dictionary_entries_are_upserted_deleted_and_cleared,
            create_and_update_write_the_dictionary_with_the_account,
            concurrent_sets_of_one_key_leave_one_entry,
            a_new_provisioning_token_retires_the_previous_ones,
            a_provisioning_token_is_used_once,
            a_provisioning_token_is_read_back_used_or_not,
            a_provisioning_token_issued_before_the_cutoff_is_not_used,
            concurrent_uses_of_a_provisioning_token_let_one_win,
            creation_tokens_are_read_back_and_spent_once_before_expiry,
            concurrent_spends_of_a_creation_token_let_one_win,
            accounts_are_found_by_phone_or_by_username,
            an_account_created_with_a_creation_token_spends_it_in_its_transaction,
            concurrent_creations_with_one_creation_token_make_one_account,
            a_creation_token_is_consumed_once_by_an_account,
            concurrent_consumes_of_a_creation_token_let_one_win,
            creation_tokens_belong_to_their_space,
            auth_tokens_belong_to_their_space,
            account_types_are_created_listed_updated_and_deleted,
            account_types_are_attached_once_and_detached,
            concurrent_attachments_of_a_type_let_one_win,
            account_types_belong_to_their_space,
            the_last_super_space_is_neither_deleted_nor_demoted,
            concurrent_removals_of_the_last_two_super_spaces_let_one_win,
            account_actions_are_scoped_to_their_account,
            phone_countries_are_seeded_deactivated,
            activating_a_dialling_code_activates_every_country_sharing_it,
            contacts_are_added_once_listed_and_removed,
            contacts_lists_are_created_listed_shown_updated_and_deleted,
            a_contacts_list_title_is_unique_across_spaces,
            contacts_list_members_are_added_once_and_removed,
            contacts_lists_are_attached_once_and_detached,
            all_contacts_are_direct_ones_and_members_of_attached_lists_once,
            deleting_an_account_a_list_or_a_space_cascades_to_contacts_lists,
            concurrent_additions_to_a_contacts_list_let_one_win,
            concurrent_attachments_of_a_contacts_list_let_one_win,
        );
    };
    (@cases $factory:expr; $($case:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                $crate::run($factory.await, $crate::cases::$case).await;
            }
        )+
    };
}
