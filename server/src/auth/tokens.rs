//! Session and API tokens: random, shown once, stored only as a SHA-256 digest.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A new random token (256 bits), prefixed so that it is recognisable in a secret scanner.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("ib_{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// The digest stored for `token`. Tokens carry full entropy, so a fast hash is enough.
pub fn digest(token: &str) -> String {
    let hash = Sha256::digest(token.as_bytes());
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

/// A random password for generated accounts: 20 characters, letters and digits.
pub fn random_password() -> String {
    use rand::{Rng, distributions::Alphanumeric};
    rand::rngs::OsRng
        .sample_iter(&Alphanumeric)
        .take(20)
        .map(char::from)
        .collect()
}
