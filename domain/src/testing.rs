//! Deterministic `Clock` and `TokenSource` for tests.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Duration, Utc};

use crate::ports::{Clock, TokenSource};

/// A clock that only moves when told to.
#[derive(Debug)]
pub struct FixedClock(Mutex<DateTime<Utc>>);

impl FixedClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        Self(Mutex::new(at))
    }

    pub fn advance(&self, by: Duration) {
        let mut now = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *now += by;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Tokens that differ on every call and are predictable in tests.
#[derive(Debug, Default)]
pub struct SequenceTokens(AtomicU64);

impl TokenSource for SequenceTokens {
    fn alphanumeric(&self, len: usize) -> String {
        let n = self.0.fetch_add(1, Ordering::Relaxed);
        format!("{n:0>len$}").chars().rev().take(len).collect()
    }

    fn hex(&self, bytes: usize) -> String {
        let n = self.0.fetch_add(1, Ordering::Relaxed);
        format!("{n:0>width$x}", width = bytes * 2)
    }
}
