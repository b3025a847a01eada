//! Server functions: the browser's calls into the service layer.

mod auth;
#[cfg(feature = "ssr")]
mod context;

pub use auth::*;
