//! The error every server function returns, shared by server and browser, and the one table that
//! maps each kind of failure to its HTTP status for the REST API and the server functions alike.

use http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::problem::Problem;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

/// What went wrong, phrased for the person using the app.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum AppError {
    /// No session, an expired one, or wrong credentials.
    #[error("{0}")]
    Unauthorized(Problem),
    /// Signed in, but not allowed.
    #[error("{0}")]
    Forbidden(Problem),
    /// The thing asked for does not exist (or is not the caller's).
    #[error("{0}")]
    NotFound(String),
    /// The request could not be read.
    #[error("{0}")]
    BadRequest(Problem),
    /// The endpoint does not take that method.
    #[error("{0}")]
    MethodNotAllowed(String),
    /// The input broke a rule; the message says which.
    #[error("{0}")]
    Invalid(Problem),
    /// The input clashes with what exists, e.g. a taken username or a finished batch.
    #[error("{0}")]
    Conflict(Problem),
    /// Not enough credits.
    #[error("{0}")]
    PaymentRequired(Problem),
    /// Too many files, or a file or field too large.
    #[error("{0}")]
    TooLarge(Problem),
    /// A limit on what may be open at once (live streams) is reached.
    #[error("{0}")]
    Limited(Problem),
    /// Too many attempts; try again after this many seconds.
    #[error("too many attempts; try again in {0} s")]
    TooManyRequests(u64),
    /// Something failed on the server; details are in the server log.
    #[error("something went wrong on the server, please try again")]
    Internal,
    /// The server did not answer in time (it is busy or something is stuck); nothing was done.
    #[error("the server took too long to answer, please try again")]
    TimedOut,
    /// The call itself failed (network, encoding).
    #[error("{0}")]
    ServerFn(ServerFnErrorErr),
}

impl AppError {
    /// The HTTP status of this kind of failure.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PaymentRequired(_) => StatusCode::PAYMENT_REQUIRED,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::TooManyRequests(_) | Self::Limited(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal | Self::ServerFn(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::TimedOut => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The rule the request broke, if that is what went wrong.
    pub fn problem(&self) -> Option<&Problem> {
        match self {
            Self::Unauthorized(p)
            | Self::Forbidden(p)
            | Self::BadRequest(p)
            | Self::Invalid(p)
            | Self::Conflict(p)
            | Self::PaymentRequired(p)
            | Self::TooLarge(p)
            | Self::Limited(p) => Some(p),
            _ => None,
        }
    }

    /// Whether signing in again would help.
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, Self::Unauthorized(_))
    }
}

impl FromServerFnError for AppError {
    type Encoder = crate::api::codec::JsonText;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        Self::ServerFn(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credits_sizes_and_throttling_keep_their_status() {
        assert_eq!(
            AppError::PaymentRequired(Problem::from("")).status(),
            StatusCode::PAYMENT_REQUIRED
        );
        assert_eq!(
            AppError::TooLarge(Problem::from("")).status(),
            StatusCode::PAYLOAD_TOO_LARGE
        );
        assert_eq!(
            AppError::TooManyRequests(6).status(),
            StatusCode::TOO_MANY_REQUESTS
        );
    }
}
