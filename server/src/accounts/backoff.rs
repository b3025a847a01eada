//! Per-account backoff on failed sign-ins: a few wrong passwords are free, then each one more
//! doubles the wait before the account takes another attempt (from any address), up to a cap.
//! A successful sign-in clears it. The wait is short on purpose: it slows guessing without
//! letting a stranger lock an owner out for long.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard},
    time::{Duration, Instant},
};

/// Failed attempts an account may make before it has to wait.
const FREE_FAILURES: u32 = 5;
/// The longest wait.
const MAX_WAIT: Duration = Duration::from_secs(300);
/// Accounts remembered before the quiet ones are forgotten.
const MAX_TRACKED: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    /// No attempt before this.
    until: Instant,
}

#[derive(Clone, Default)]
pub struct LoginBackoff {
    accounts: Arc<Mutex<HashMap<String, Failures>>>,
}

impl LoginBackoff {
    fn accounts(&self) -> MutexGuard<'_, HashMap<String, Failures>> {
        // A poisoned lock only means a panic elsewhere; the map stays usable.
        self.accounts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn key(username: &str) -> String {
        username.trim().to_lowercase()
    }

    /// `Err(wait)` while the account must wait before another attempt.
    pub fn check(&self, username: &str) -> Result<(), Duration> {
        let now = Instant::now();
        match self.accounts().get(&Self::key(username)) {
            Some(failures) if failures.until > now => Err(failures.until - now),
            _ => Ok(()),
        }
    }

    /// Records a wrong password (or an unknown name, which must look the same).
    pub fn failed(&self, username: &str) {
        let now = Instant::now();
        let mut accounts = self.accounts();
        if accounts.len() >= MAX_TRACKED {
            accounts.retain(|_, f| f.until > now);
            if accounts.len() >= MAX_TRACKED {
                accounts.clear();
            }
        }
        let failures = accounts.entry(Self::key(username)).or_insert(Failures {
            count: 0,
            until: now,
        });
        failures.count += 1;
        if let Some(over) = failures.count.checked_sub(FREE_FAILURES).filter(|n| *n > 0) {
            let wait = Duration::from_secs(1u64 << (over - 1).min(16)).min(MAX_WAIT);
            failures.until = now + wait;
        }
    }

    pub fn succeeded(&self, username: &str) {
        self.accounts().remove(&Self::key(username));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_few_failures_are_free_then_the_wait_doubles_up_to_the_cap() {
        let backoff = LoginBackoff::default();
        for _ in 0..FREE_FAILURES {
            backoff.failed("Alice");
            assert!(backoff.check("alice").is_ok());
        }
        let mut waits = Vec::new();
        for _ in 0..12 {
            backoff.failed("alice ");
            waits.push(backoff.check("ALICE").unwrap_err().as_secs_f64().round() as u64);
        }
        assert_eq!(&waits[..4], &[1, 2, 4, 8]);
        assert_eq!(*waits.last().unwrap(), MAX_WAIT.as_secs());
        assert!(
            backoff.check("bob").is_ok(),
            "other accounts are not touched"
        );

        backoff.succeeded("alice");
        assert!(backoff.check("alice").is_ok());
    }
}
