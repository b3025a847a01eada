//! Who is calling: password hashing, session tokens and the extractors that guard routes.

mod extract;
pub mod password;
pub mod tokens;

pub use extract::{AdminUser, CurrentUser};
