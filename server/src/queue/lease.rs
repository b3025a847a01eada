//! A run's own view of its lease, so that it stops before another process may take its task.

use std::{
    sync::Mutex,
    time::{Duration, Instant},
};

/// When the lease was last renewed, and for how long after that the run may trust it: the lease
/// minus a margin for clock drift and the time a renewal takes to land.
pub(super) struct Lease {
    renewed: Mutex<Instant>,
    trusted_for: Duration,
}

impl Lease {
    /// A lease of `length` granted at `granted` (taken just before the claim was sent).
    pub(super) fn new(length: Duration, granted: Instant) -> Self {
        Self {
            renewed: Mutex::new(granted),
            trusted_for: length.saturating_sub(length / 5),
        }
    }

    fn last_renewed(&self) -> Instant {
        *self
            .renewed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Records a renewal sent at `sent`.
    pub(super) fn renewed(&self, sent: Instant) {
        let mut renewed = self
            .renewed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *renewed = (*renewed).max(sent);
    }

    /// Whether the run may still act on its claim.
    pub(super) fn is_held(&self) -> bool {
        self.last_renewed().elapsed() < self.trusted_for
    }

    /// How long until the run must stop unless the lease is renewed.
    pub(super) fn remaining(&self) -> Duration {
        self.trusted_for
            .saturating_sub(self.last_renewed().elapsed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_trusted_for_the_lease_minus_a_margin() {
        let now = Instant::now();
        let lease = Lease::new(Duration::from_secs(30), now - Duration::from_secs(23));
        assert!(lease.is_held());
        assert!(lease.remaining() <= Duration::from_secs(1));
        let lapsed = Lease::new(Duration::from_secs(30), now - Duration::from_secs(25));
        assert!(!lapsed.is_held());
        assert_eq!(lapsed.remaining(), Duration::ZERO);
        lapsed.renewed(Instant::now());
        assert!(lapsed.is_held());
    }

    #[test]
    fn an_older_renewal_does_not_move_it_back() {
        let now = Instant::now();
        let lease = Lease::new(Duration::from_secs(30), now);
        lease.renewed(now - Duration::from_secs(29));
        assert!(lease.is_held());
        assert!(lease.remaining() > Duration::from_secs(20));
    }
}
