//! Access levels and the policy.
