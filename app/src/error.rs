//! The error every server function returns, shared by server and browser.

use serde::{Deserialize, Serialize};
use server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};

/// What went wrong, phrased for the person using the app.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum AppError {
    /// No session, or it expired.
    #[error("please sign in")]
    Unauthorized,
    /// Signed in, but not allowed.
    #[error("you are not allowed to do this")]
    Forbidden,
    /// The thing asked for does not exist (or is not the caller's).
    #[error("{0}")]
    NotFound(String),
    /// The input broke a rule; the message says which.
    #[error("{0}")]
    Invalid(String),
    /// The input clashes with what exists, e.g. a taken username.
    #[error("{0}")]
    Conflict(String),
    /// Something failed on the server; details are in the server log.
    #[error("something went wrong on the server, please try again")]
    Internal,
    /// The call itself failed (network, encoding).
    #[error("{0}")]
    ServerFn(ServerFnErrorErr),
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        Self::ServerFn(value)
    }
}
