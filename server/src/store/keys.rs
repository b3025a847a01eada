//! `user_provider_keys`: users' own provider API keys, as nonce and ciphertext (the keys service
//! above encrypts and decrypts).

use crate::{
    Result,
    db::{self, Db},
};

/// Stores (or replaces) the sealed key of a user for `provider`.
pub async fn put(
    db: &Db,
    user_id: i64,
    provider: &str,
    nonce: &[u8],
    ciphertext: Vec<u8>,
) -> Result<()> {
    db::query(
        "INSERT INTO user_provider_keys (user_id, provider, nonce, ciphertext) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id, provider) DO UPDATE SET nonce = excluded.nonce, \
         ciphertext = excluded.ciphertext, created_at = $5",
    )
    .bind(user_id)
    .bind(provider)
    .bind(nonce)
    .bind(ciphertext)
    .bind(db::now_iso())
    .execute(db)
    .await?;
    Ok(())
}

/// The sealed key (nonce, ciphertext) of a user for `provider`.
pub async fn get(db: &Db, user_id: i64, provider: &str) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
    Ok(db::query(
        "SELECT nonce, ciphertext FROM user_provider_keys WHERE user_id = $1 AND provider = $2",
    )
    .bind(user_id)
    .bind(provider)
    .fetch_optional(db)
    .await?)
}

/// False when the user had no key for `provider`.
pub async fn delete(db: &Db, user_id: i64, provider: &str) -> Result<bool> {
    let done = db::query("DELETE FROM user_provider_keys WHERE user_id = $1 AND provider = $2")
        .bind(user_id)
        .bind(provider)
        .execute(db)
        .await?;
    Ok(done == 1)
}

/// The providers for which the user stored a key, by name.
pub async fn providers(db: &Db, user_id: i64) -> Result<Vec<String>> {
    let rows: Vec<(String,)> =
        db::query("SELECT provider FROM user_provider_keys WHERE user_id = $1 ORDER BY provider")
            .bind(user_id)
            .fetch_all(db)
            .await?;
    Ok(rows.into_iter().map(|(p,)| p).collect())
}
