//! Who a request comes from: the socket's address, or, behind configured reverse proxies, the
//! first address in `X-Forwarded-For` that is not one of them. Anyone else's `X-Forwarded-For`
//! is ignored, since a client can write whatever it likes there.

use std::{
    net::{IpAddr, Ipv6Addr},
    str::FromStr,
    sync::Arc,
};

use http::HeaderMap;
use ipnet::IpNet;

/// The proxies (addresses or networks) whose `X-Forwarded-For` is believed
/// (`IMGBATCH_TRUSTED_PROXIES`, e.g. `127.0.0.1, 10.0.0.0/8, ::1`).
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Arc<Vec<IpNet>>);

impl FromStr for TrustedProxies {
    type Err = String;

    fn from_str(list: &str) -> Result<Self, String> {
        list.split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(|item| {
                item.parse::<IpNet>()
                    .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("'{item}' is not an IP address or network (a.b.c.d/n)"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(|nets| Self(Arc::new(nets)))
    }
}

impl TrustedProxies {
    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// Whether a trusted proxy says the browser reached it over HTTPS (`X-Forwarded-Proto`,
    /// the value nearest to this server when there are several).
    pub fn forwarded_https(&self, peer: IpAddr, headers: &HeaderMap) -> bool {
        self.trusts(peer)
            && headers
                .get_all("x-forwarded-proto")
                .iter()
                .filter_map(|value| value.to_str().ok())
                .flat_map(|value| value.split(','))
                .next_back()
                .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"))
    }

    /// The client's address: `peer` itself unless it is a trusted proxy; then, reading
    /// `X-Forwarded-For` from the nearest hop back, the first address that is not.
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = canonical(peer);
        if !self.trusts(client) {
            return client;
        }
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .collect();
        for hop in hops.into_iter().rev() {
            let Ok(ip) = hop.trim().parse::<IpAddr>() else {
                break;
            };
            client = canonical(ip);
            if !self.trusts(client) {
                break;
            }
        }
        client
    }
}

/// The address of the socket a request came in on (absent only in tests without a listener).
pub fn peer(extensions: &http::Extensions) -> Option<IpAddr> {
    extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0.ip())
}

/// IPv4 addresses written as IPv6 (`::ffff:a.b.c.d`) are IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

/// What a client is counted as when limiting attempts: its IPv4 address, or its IPv6 /64 (one
/// subscriber usually holds the whole network, so single addresses are free to rotate).
pub fn bucket(ip: IpAddr) -> IpAddr {
    match canonical(ip) {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in values {
            map.append("x-forwarded-for", HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn only_trusted_proxies_are_believed() {
        let none = TrustedProxies::default();
        let forwarded = headers(&["203.0.113.9"]);
        assert_eq!(none.client_ip(ip("127.0.0.1"), &forwarded), ip("127.0.0.1"));

        let local: TrustedProxies = "127.0.0.1, 10.0.0.0/8".parse().unwrap();
        assert_eq!(
            local.client_ip(ip("127.0.0.1"), &forwarded),
            ip("203.0.113.9")
        );
        // From a client that is no proxy, the header is its own invention.
        assert_eq!(
            local.client_ip(ip("198.51.100.1"), &forwarded),
            ip("198.51.100.1")
        );
    }

    #[test]
    fn the_nearest_untrusted_hop_is_the_client() {
        let proxies: TrustedProxies = "127.0.0.1, 10.0.0.0/8".parse().unwrap();
        // The client wrote a fake first entry; the proxies appended what they saw.
        let chain = headers(&["1.2.3.4, 203.0.113.9", "10.1.2.3"]);
        assert_eq!(
            proxies.client_ip(ip("127.0.0.1"), &chain),
            ip("203.0.113.9")
        );
        // Garbage stops the walk at the last good hop.
        let garbage = headers(&["not-an-ip, 10.0.0.7"]);
        assert_eq!(proxies.client_ip(ip("127.0.0.1"), &garbage), ip("10.0.0.7"));
        assert_eq!(
            proxies.client_ip(ip("::ffff:127.0.0.1"), &headers(&["203.0.113.9"])),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn bad_lists_are_refused() {
        assert!("10.0.0.0/8, nonsense".parse::<TrustedProxies>().is_err());
        assert!("".parse::<TrustedProxies>().unwrap().0.is_empty());
    }

    #[test]
    fn ipv6_is_counted_by_its_64_bit_network() {
        assert_eq!(bucket(ip("2001:db8::1")), bucket(ip("2001:db8::ffff:2")));
        assert_ne!(bucket(ip("2001:db8::1")), bucket(ip("2001:db8:0:1::1")));
        assert_eq!(bucket(ip("203.0.113.9")), ip("203.0.113.9"));
        assert_eq!(bucket(ip("::ffff:203.0.113.9")), ip("203.0.113.9"));
    }
}
