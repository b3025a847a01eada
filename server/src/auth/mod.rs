//! Who is calling: password hashing and session tokens.

pub mod password;
pub mod tokens;
