//! Rules for usernames and passwords.

use crate::{Error, Result};
use app::Problem;

/// A trimmed username of 3–32 letters, digits, `_`, `-` or `.`.
pub fn username(raw: &str) -> Result<String> {
    let name = raw.trim();
    let valid_chars = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if !(3..=32).contains(&name.chars().count()) || !valid_chars {
        return Err(Error::Invalid(Problem::UsernameRules));
    }
    Ok(name.to_owned())
}

/// A password of 8–128 characters.
pub fn password(raw: &str) -> Result<()> {
    if !(8..=128).contains(&raw.chars().count()) {
        return Err(Error::Invalid(Problem::PasswordRules));
    }
    Ok(())
}
