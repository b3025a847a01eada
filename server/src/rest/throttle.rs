//! Slows down password guessing: register and log in (over REST and through the UI's server
//! functions) are rate-limited per client address (an IPv6 client by its /64; behind trusted
//! proxies, the address they forwarded). Each account also backs off on its own failed sign-ins
//! (see `accounts::backoff`).

use std::{
    net::{IpAddr, Ipv4Addr},
    num::NonZeroU32,
    sync::Arc,
    time::Duration,
};

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::Response,
};
use governor::{
    DefaultKeyedRateLimiter, Quota, RateLimiter,
    clock::{Clock, DefaultClock},
};

use crate::{
    Error,
    security::client_ip::{self, TrustedProxies, bucket},
};

/// Attempts one address may make at once before it has to wait.
const BURST: u32 = 10;
/// Time until one more attempt is allowed.
const REFILL: Duration = Duration::from_secs(6);
/// Paths that check a password or create an account.
const PATHS: [&str; 4] = [
    "/api/auth/login",
    "/api/auth/register",
    "/rpc/login",
    "/rpc/register",
];
/// Addresses remembered before idle ones are forgotten.
const MAX_TRACKED: usize = 10_000;

#[derive(Clone)]
pub struct LoginThrottle {
    limiter: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    proxies: TrustedProxies,
}

impl LoginThrottle {
    pub fn new(proxies: TrustedProxies) -> Self {
        Self {
            proxies,
            ..Self::default()
        }
    }
}

impl Default for LoginThrottle {
    fn default() -> Self {
        let burst = NonZeroU32::new(BURST).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(REFILL)
            .unwrap_or_else(|| Quota::per_minute(burst))
            .allow_burst(burst);
        Self {
            limiter: Arc::new(RateLimiter::keyed(quota)),
            proxies: TrustedProxies::default(),
        }
    }
}

/// Middleware: answers 429 once an address has used up its attempts.
pub async fn limit(
    State(throttle): State<LoginThrottle>,
    request: Request,
    next: Next,
) -> Response {
    if !PATHS.contains(&request.uri().path()) {
        return next.run(request).await;
    }
    let peer = client_ip::peer(request.extensions()).unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let ip = bucket(throttle.proxies.client_ip(peer, request.headers()));
    if throttle.limiter.len() > MAX_TRACKED {
        throttle.limiter.retain_recent();
    }
    match throttle.limiter.check_key(&ip) {
        Ok(()) => next.run(request).await,
        Err(not_until) => {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            tracing::warn!(%ip, "too many login attempts");
            Error::TooManyRequests(wait.as_secs().max(1)).into_response_for(request.uri().path())
        }
    }
}
