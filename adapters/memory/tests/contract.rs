//! The repository contract suite against the in-memory adapter.

use std::sync::Arc;

use flexiapi_adapters_memory::MemoryStorage;

flexiapi_contract::storage_contract_tests!(async { Arc::new(MemoryStorage::default()) });
