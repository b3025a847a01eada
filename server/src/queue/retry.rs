//! When to try a failed call again: exponential backoff with jitter, honouring `Retry-After`.

use std::time::Duration;

use rand::Rng;

/// Attempts per run: the first one and two automatic retries.
pub const MAX_ATTEMPTS: i64 = 3;
/// Longest wait before a retry, whatever the provider asks.
const MAX_DELAY: Duration = Duration::from_secs(120);

#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub base: Duration,
}

impl RetryPolicy {
    /// The wait after attempt `attempt` (1-based) failed: `base × 2^(attempt-1)` ± 25 %, at
    /// least what the provider asked for.
    pub fn delay(&self, attempt: i64, retry_after: Option<Duration>) -> Duration {
        let exponent = u32::try_from(attempt.saturating_sub(1).clamp(0, 10)).unwrap_or(0);
        let backoff = self.base.saturating_mul(2u32.saturating_pow(exponent));
        let jitter = rand::thread_rng().gen_range(0.75..=1.25);
        let backoff = backoff.mul_f64(jitter);
        backoff.max(retry_after.unwrap_or_default()).min(MAX_DELAY)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_with_jitter_and_respect_retry_after() {
        let policy = RetryPolicy {
            base: Duration::from_secs(1),
        };
        for _ in 0..100 {
            let first = policy.delay(1, None);
            let second = policy.delay(2, None);
            assert!((750..=1250).contains(&first.as_millis()), "{first:?}");
            assert!((1500..=2500).contains(&second.as_millis()), "{second:?}");
        }
        assert!(policy.delay(1, Some(Duration::from_secs(9))) >= Duration::from_secs(9));
        assert_eq!(policy.delay(1, Some(Duration::from_secs(9_999))), MAX_DELAY);
    }
}
