//! What keeps other sites out: the same-origin check on state changes, the security headers of
//! every page, and whether the app is served over HTTPS (which decides the cookie's `Secure` and
//! HSTS); and the time limits on requests.

pub mod client_ip;
pub mod deadline;
pub mod headers;
pub mod origin;

use http::{HeaderMap, Uri, header};

/// Where the app is reached from browsers.
#[derive(Debug, Clone, Default)]
pub struct Site {
    /// `scheme://host[:port]` of `IMGBATCH_PUBLIC_URL`, when configured.
    public_origin: Option<String>,
    https: bool,
}

impl Site {
    pub fn new(public_url: Option<Uri>) -> Self {
        let Some(url) = public_url else {
            return Self::default();
        };
        let https = url.scheme_str() == Some("https");
        let public_origin = url
            .scheme_str()
            .zip(url.authority())
            .map(|(scheme, authority)| {
                let default_port = if https { 443 } else { 80 };
                match authority.port_u16() {
                    Some(port) if port != default_port => {
                        format!("{scheme}://{}:{port}", authority.host())
                    }
                    _ => format!("{scheme}://{}", authority.host()),
                }
                .to_ascii_lowercase()
            });
        Self {
            public_origin,
            https,
        }
    }

    /// Whether browsers reach the app over HTTPS (from the configured public URL).
    pub fn is_https(&self) -> bool {
        self.https
    }

    /// Whether `origin` (an `Origin` header) is the app's own: the public URL's when configured,
    /// else the one the request was sent to (`Host`), whatever the scheme a proxy terminated.
    fn is_own_origin(&self, origin: &str, headers: &HeaderMap) -> bool {
        let origin = origin.trim().to_ascii_lowercase();
        if let Some(public) = &self.public_origin {
            return origin == *public;
        }
        let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
            return false;
        };
        let authority = origin
            .strip_prefix("https://")
            .or_else(|| origin.strip_prefix("http://"));
        authority.is_some_and(|a| a == host.trim().to_ascii_lowercase())
    }
}
