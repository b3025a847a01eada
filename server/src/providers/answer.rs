//! Reading what an image service sends back, as untrusted input: answers are read up to a size
//! bound, result addresses are fetched only over HTTPS or from the service's own host, and what
//! the service says in its errors is shown without addresses, credentials or keys.

use std::error::Error as _;

use bytes::{Bytes, BytesMut};
use reqwest::{Response, Url};

use super::ProviderError;

/// The largest answer read from an image service (a base64 image in JSON, or a downloaded
/// result); a 50 MB image is about 67 MB as base64.
pub const MAX_ANSWER_BYTES: usize = 80 * 1024 * 1024;
/// The most of an error answer that is read; the message is all that is used.
const MAX_ERROR_BYTES: usize = 64 * 1024;

/// The body of a successful answer, refused past `limit` bytes.
pub async fn read_body(response: Response, limit: usize) -> Result<Bytes, ProviderError> {
    let too_large = || {
        ProviderError::permanent(format!(
            "the image service's answer is larger than {} MB",
            limit / (1024 * 1024)
        ))
    };
    if response
        .content_length()
        .is_some_and(|length| length > limit as u64)
    {
        return Err(too_large());
    }
    read_up_to(response, limit, true)
        .await?
        .ok_or_else(too_large)
}

/// The start of an error answer, as text (the rest is not read).
pub async fn read_error(response: Response) -> String {
    match read_up_to(response, MAX_ERROR_BYTES, false).await {
        Ok(Some(bytes)) => String::from_utf8_lossy(&bytes).into_owned(),
        _ => String::new(),
    }
}

/// Reads chunks until the end, or until `limit` is passed: `None` then when `strict`, else
/// what fits.
async fn read_up_to(
    mut response: Response,
    limit: usize,
    strict: bool,
) -> Result<Option<Bytes>, ProviderError> {
    let mut body = BytesMut::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| transport(&e))? {
        if body.len() + chunk.len() > limit {
            if strict {
                return Ok(None);
            }
            body.extend_from_slice(&chunk[..limit - body.len()]);
            break;
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body.freeze()))
}

/// Whether a result address may be fetched: over HTTPS, or from the service's own scheme, host
/// and port (a self-hosted gateway); never with credentials in it.
pub fn result_url(url: &str, service: &Url) -> Result<Url, ProviderError> {
    let refused = || {
        ProviderError::permanent(
            "the image service answered with a result address this server does not fetch \
             (only HTTPS, or the service's own host)",
        )
    };
    let url = Url::parse(url).map_err(|_| refused())?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refused());
    }
    let same_origin = url.scheme() == service.scheme()
        && url.host_str() == service.host_str()
        && url.port_or_known_default() == service.port_or_known_default();
    if url.scheme() == "https" || same_origin {
        Ok(url)
    } else {
        Err(refused())
    }
}

/// A failed call, described without the address it went to: reqwest's own text names the URL,
/// so only the causes beneath it are told.
pub fn transport(error: &reqwest::Error) -> ProviderError {
    let mut causes = Vec::new();
    let mut source = error.source();
    while let Some(cause) = source {
        causes.push(cause.to_string());
        source = cause.source();
    }
    let detail = scrub(&causes.join(": "));
    let with_detail = |what: &str| {
        if detail.is_empty() {
            what.to_owned()
        } else {
            format!("{what}: {detail}")
        }
    };
    if error.is_timeout() {
        ProviderError::retryable("the image service did not answer in time")
    } else if error.is_connect() {
        ProviderError::retryable(with_detail("cannot reach the image service"))
    } else if error.is_decode() || error.is_body() {
        ProviderError::retryable(with_detail("the image service's answer was cut off"))
    } else {
        ProviderError::retryable(with_detail("calling the image service failed"))
    }
}

/// Text from an image service, fit to show its users: addresses (which may be internal or carry
/// credentials) and anything that looks like a key are replaced.
pub fn scrub(text: &str) -> String {
    text.split(' ')
        .map(|word| {
            let bare = word.trim_matches(|c: char| !c.is_alphanumeric());
            if word.contains("://") {
                "[address]"
            } else if looks_like_key(bare) {
                "[key]"
            } else {
                word
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn looks_like_key(word: &str) -> bool {
    let long_secret = word.len() >= 20
        && word.chars().any(|c| c.is_ascii_digit())
        && word.chars().any(|c| c.is_ascii_alphabetic())
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '*' | '.'));
    let prefixed = ["sk-", "key-", "Bearer"]
        .iter()
        .any(|p| word.starts_with(p))
        && word.len() > 8;
    long_secret || prefixed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_addresses_are_https_or_the_services_own() {
        let service = Url::parse("http://127.0.0.1:9000/v1").unwrap();
        assert!(result_url("https://files.example.com/a.png", &service).is_ok());
        assert!(result_url("http://127.0.0.1:9000/files/a.png", &service).is_ok());
        for refused in [
            "http://127.0.0.1:9001/a.png",
            "http://169.254.169.254/latest/meta-data",
            "file:///etc/passwd",
            "https://user:secret@files.example.com/a.png",
            "not a url",
        ] {
            let error = result_url(refused, &service).unwrap_err().to_string();
            assert!(
                !error.contains("169.254") && !error.contains("secret"),
                "{error}"
            );
        }
    }

    fn response(body: Vec<u8>, announce_length: bool) -> Response {
        let mut builder = http::Response::builder();
        if announce_length {
            builder = builder.header(http::header::CONTENT_LENGTH, body.len());
        }
        // A stream, so that only the announced length (if any) tells the size in advance.
        let chunks = futures::stream::iter(
            body.chunks(64 * 1024)
                .map(|c| Ok::<_, std::io::Error>(Bytes::copy_from_slice(c)))
                .collect::<Vec<_>>(),
        );
        Response::from(builder.body(reqwest::Body::wrap_stream(chunks)).unwrap())
    }

    #[tokio::test]
    async fn answers_are_read_up_to_the_limit() {
        let limit = 1024 * 1024;
        for announce in [true, false] {
            let error = read_body(response(vec![b'x'; limit + 1], announce), limit)
                .await
                .unwrap_err();
            assert!(error.to_string().contains("larger than 1 MB"), "{error}");
            let fits = read_body(response(vec![b'x'; limit], announce), limit).await;
            assert_eq!(fits.unwrap().len(), limit);
        }
        let long_error = read_error(response(vec![b'e'; 1024 * 1024], false)).await;
        assert_eq!(long_error.len(), MAX_ERROR_BYTES);
    }

    #[test]
    fn addresses_and_keys_are_scrubbed_from_service_messages() {
        let text = "Incorrect API key provided: sk-proj-abc123def456ghi789. See \
                    http://10.0.0.5:8080/admin?token=x for details";
        let clean = scrub(text);
        assert!(!clean.contains("sk-proj"), "{clean}");
        assert!(!clean.contains("10.0.0.5"), "{clean}");
        assert!(
            clean.starts_with("Incorrect API key provided: [key]"),
            "{clean}"
        );
        assert_eq!(
            scrub("Rate limit reached, try again in 20s."),
            "Rate limit reached, try again in 20s."
        );
    }
}
