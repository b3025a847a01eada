//! Which provider failures are worth retrying: the one place that decides, for every provider.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

/// A failed provider call.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProviderError {
    /// Worth another attempt (rate limit, server error, timeout, connection trouble).
    #[error("{message}")]
    Retryable {
        message: String,
        retry_after: Option<Duration>,
    },
    /// Retrying cannot help (bad input, auth, content policy, exhausted quota).
    #[error("{message}")]
    Permanent { message: String },
}

impl ProviderError {
    pub fn retryable(message: impl Into<String>) -> Self {
        Self::Retryable {
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn permanent(message: impl Into<String>) -> Self {
        Self::Permanent {
            message: message.into(),
        }
    }

    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Retryable { .. })
    }
}

/// Classifies an OpenAI-style error answer (`{"error":{"message","type","code"}}`).
pub fn classify_openai(
    status: StatusCode,
    body: &str,
    retry_after: Option<Duration>,
) -> ProviderError {
    let json: Option<Value> = serde_json::from_str(body).ok();
    let error = json.as_ref().map(|v| &v["error"]);
    let field = |name: &str| {
        error
            .and_then(|e| e[name].as_str())
            .unwrap_or_default()
            .to_owned()
    };
    let (code, kind) = (field("code"), field("type"));
    let message = match field("message") {
        m if m.is_empty() => format!("the image service answered {status}"),
        m => format!(
            "the image service answered {status}: {}",
            super::answer::scrub(&m)
        ),
    };
    let quota = code == "insufficient_quota"
        || kind == "insufficient_quota"
        || code == "billing_hard_limit_reached";
    let policy = code == "content_policy_violation" || code == "moderation_blocked";
    match status {
        _ if quota || policy => ProviderError::permanent(message),
        StatusCode::TOO_MANY_REQUESTS | StatusCode::REQUEST_TIMEOUT | StatusCode::CONFLICT => {
            ProviderError::Retryable {
                message,
                retry_after,
            }
        }
        s if s.is_server_error() => ProviderError::Retryable {
            message,
            retry_after,
        },
        _ => ProviderError::permanent(message),
    }
}

/// Classifies a Stable Diffusion WebUI error answer (`{"error","detail",…}`).
pub fn classify_sdwebui(
    status: StatusCode,
    body: &str,
    retry_after: Option<Duration>,
) -> ProviderError {
    let json: Option<Value> = serde_json::from_str(body).ok();
    let detail = json
        .as_ref()
        .and_then(|v| {
            v["detail"]
                .as_str()
                .or_else(|| v["error"].as_str())
                .map(str::to_owned)
                .or_else(|| v.get("detail").map(Value::to_string))
        })
        .unwrap_or_default();
    let message = if detail.is_empty() {
        format!("Stable Diffusion WebUI answered {status}")
    } else {
        format!(
            "Stable Diffusion WebUI answered {status}: {}",
            super::answer::scrub(&detail)
        )
    };
    if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        ProviderError::Retryable {
            message,
            retry_after,
        }
    } else {
        ProviderError::permanent(message)
    }
}

/// Reads `Retry-After` in seconds (HTTP dates are rare from these APIs and are ignored).
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|secs| secs.is_finite() && *secs >= 0.0)
        .map(Duration::from_secs_f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn openai(status: u16, code: &str, kind: &str) -> ProviderError {
        let body = serde_json::json!({"error": {"message": "m", "type": kind, "code": code}});
        classify_openai(
            StatusCode::from_u16(status).expect("status"),
            &body.to_string(),
            Some(Duration::from_secs(7)),
        )
    }

    #[test]
    fn openai_rate_limits_and_server_errors_are_retried() {
        let limited = openai(429, "rate_limit_exceeded", "requests");
        assert_eq!(
            limited,
            ProviderError::Retryable {
                message: "the image service answered 429 Too Many Requests: m".into(),
                retry_after: Some(Duration::from_secs(7)),
            }
        );
        for status in [500, 502, 503, 504] {
            assert!(
                openai(status, "", "server_error").is_retryable(),
                "{status}"
            );
        }
    }

    #[test]
    fn openai_quota_policy_auth_and_bad_input_fail_at_once() {
        assert!(!openai(429, "insufficient_quota", "insufficient_quota").is_retryable());
        assert!(!openai(400, "content_policy_violation", "invalid_request_error").is_retryable());
        assert!(!openai(400, "", "invalid_request_error").is_retryable());
        assert!(!openai(401, "invalid_api_key", "invalid_request_error").is_retryable());
        assert!(!openai(403, "", "").is_retryable());
        assert!(!openai(404, "", "").is_retryable());
    }

    #[test]
    fn openai_errors_keep_the_providers_message() {
        let body = r#"{"error":{"message":"Your request was rejected","type":"x","code":"content_policy_violation"}}"#;
        let error = classify_openai(StatusCode::BAD_REQUEST, body, None);
        assert!(error.to_string().contains("Your request was rejected"));
        let garbage = classify_openai(StatusCode::BAD_GATEWAY, "<html>", None);
        assert!(garbage.is_retryable());
    }

    #[test]
    fn sdwebui_server_errors_retry_and_client_errors_do_not() {
        let body = r#"{"error":"OutOfMemoryError","detail":"CUDA out of memory"}"#;
        let oom = classify_sdwebui(StatusCode::INTERNAL_SERVER_ERROR, body, None);
        assert!(oom.is_retryable());
        assert!(oom.to_string().contains("CUDA out of memory"));
        let invalid = classify_sdwebui(
            StatusCode::UNPROCESSABLE_ENTITY,
            r#"{"detail":[{"msg":"field required"}]}"#,
            None,
        );
        assert!(!invalid.is_retryable());
        assert!(!classify_sdwebui(StatusCode::NOT_FOUND, "", None).is_retryable());
    }

    #[test]
    fn retry_after_is_read_in_seconds() {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(reqwest::header::RETRY_AFTER, "3".parse().expect("header"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(3)));
        headers.insert(
            reqwest::header::RETRY_AFTER,
            "soon".parse().expect("header"),
        );
        assert_eq!(retry_after(&headers), None);
    }
}
