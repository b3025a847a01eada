//! The service layer's error: each variant knows its HTTP status and its message for the client.

use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::json;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("please sign in: this needs a valid bearer token or session")]
    Unauthorized,
    #[error("your session has expired, please sign in again")]
    SessionExpired,
    #[error("wrong username or password")]
    BadCredentials,
    #[error("this needs an administrator account")]
    Forbidden,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("this endpoint does not take that HTTP method; see the API table in the README")]
    MethodNotAllowed,
    /// The request could not be read (malformed JSON, wrong parameter type).
    #[error("{0}")]
    BadRequest(String),
    /// The request was readable but a value broke a rule.
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PaymentRequired(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("too many attempts; try again in {0} s")]
    TooManyRequests(u64),
    #[error("database error")]
    Database(#[from] sqlx::Error),
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unauthorized | Self::SessionExpired | Self::BadCredentials => {
                StatusCode::UNAUTHORIZED
            }
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PaymentRequired(_) => StatusCode::PAYMENT_REQUIRED,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Database(_) | Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message a client may see; server-side details stay in the log.
    pub fn public_message(&self) -> String {
        match self {
            Self::Database(_) | Self::Internal(_) => {
                "something went wrong on the server, please try again".to_owned()
            }
            other => other.to_string(),
        }
    }

    /// Writes server-side failures to the log once, where they happen to surface.
    pub fn log(&self) {
        if self.status().is_server_error() {
            tracing::error!(error = ?self, "request failed");
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        self.log();
        let body = Json(json!({ "success": false, "error": self.public_message() }));
        (self.status(), body).into_response()
    }
}

impl From<Error> for app::AppError {
    fn from(error: Error) -> Self {
        error.log();
        match error {
            Error::Unauthorized | Error::SessionExpired => Self::Unauthorized,
            Error::Forbidden => Self::Forbidden,
            Error::NotFound(_) => Self::NotFound(error.to_string()),
            Error::BadRequest(_)
            | Error::MethodNotAllowed
            | Error::Invalid(_)
            | Error::BadCredentials
            | Error::PaymentRequired(_)
            | Error::PayloadTooLarge(_)
            | Error::TooManyRequests(_) => Self::Invalid(error.to_string()),
            Error::Conflict(_) => Self::Conflict(error.to_string()),
            Error::Database(_) | Error::Internal(_) => Self::Internal,
        }
    }
}
