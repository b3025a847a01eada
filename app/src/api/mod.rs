//! Server functions: the browser's calls into the service layer. Each is a one-line adapter over
//! a seam of [`crate::backend`].

mod account;
mod admin;
mod auth;
mod batches;
pub mod codec;
#[cfg(feature = "ssr")]
mod context;

pub use account::*;
pub use admin::*;
pub use auth::*;
pub use batches::*;
