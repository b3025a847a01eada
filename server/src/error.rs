//! The service layer's error: each variant knows its HTTP status and its message for the client.

use app::Problem;
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
    #[error("registration is closed on this server; ask an administrator for an account")]
    RegistrationClosed,
    #[error("this request came from another website and was refused; use imgbatch's own pages")]
    CrossSite,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("this endpoint does not take that HTTP method; see the API table in the README")]
    MethodNotAllowed,
    /// The request could not be read (malformed JSON, wrong parameter type).
    #[error("{0}")]
    BadRequest(Problem),
    /// The request was readable but a value broke a rule.
    #[error("{0}")]
    Invalid(Problem),
    /// The request clashes with what exists (a taken name, a finished batch).
    #[error("{0}")]
    Conflict(Problem),
    #[error("{0}")]
    PaymentRequired(Problem),
    #[error("{0}")]
    PayloadTooLarge(Problem),
    #[error("{0}")]
    Limited(Problem),
    #[error("too many attempts; try again in {0} s")]
    TooManyRequests(u64),
    #[error("the server took too long to answer, please try again")]
    TimedOut,
    #[error("database error")]
    Database(#[from] sqlx::Error),
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// What the client is told: the kind of failure (which decides the HTTP status, see
    /// [`app::AppError::status`]) and a message without server-side details.
    pub fn to_app(&self) -> app::AppError {
        use app::AppError as A;
        let message = self.to_string();
        match self {
            Self::BadCredentials => A::Unauthorized(Problem::WrongCredentials),
            Self::Unauthorized | Self::SessionExpired => A::Unauthorized(message.into()),
            Self::Forbidden | Self::CrossSite => A::Forbidden(message.into()),
            Self::RegistrationClosed => A::Forbidden(Problem::RegistrationClosed),
            Self::NotFound(_) => A::NotFound(message),
            Self::MethodNotAllowed => A::MethodNotAllowed(message),
            Self::BadRequest(p) => A::BadRequest(p.clone()),
            Self::Invalid(p) => A::Invalid(p.clone()),
            Self::Conflict(p) => A::Conflict(p.clone()),
            Self::PaymentRequired(p) => A::PaymentRequired(p.clone()),
            Self::PayloadTooLarge(p) => A::TooLarge(p.clone()),
            Self::TooManyRequests(seconds) => A::TooManyRequests(*seconds),
            Self::Limited(p) => A::Limited(p.clone()),
            Self::TimedOut => A::TimedOut,
            Self::Database(_) | Self::Internal(_) => A::Internal,
        }
    }

    pub fn status(&self) -> StatusCode {
        self.to_app().status()
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
        let error = self.to_app();
        let mut body = json!({ "success": false, "error": error.to_string() });
        if let Some(code) = error.problem().and_then(Problem::code) {
            body["code"] = code.into();
        }
        (error.status(), Json(body)).into_response()
    }
}

impl Error {
    /// The answer for a request refused before it reached its handler: server functions (under
    /// `/rpc/`) decode their own error type, REST clients get `{"success":false,…}`.
    pub fn into_response_for(self, path: &str) -> Response {
        if !path.starts_with("/rpc/") {
            return self.into_response();
        }
        self.log();
        let error = self.to_app();
        (error.status(), Json(error)).into_response()
    }
}

impl From<Error> for app::AppError {
    fn from(error: Error) -> Self {
        error.log();
        error.to_app()
    }
}
