//! `api_tokens`: sessions and API tokens, by the digest of the token (never the token itself).

use crate::{
    Result,
    db::{self, Db},
};

pub async fn insert(db: &Db, user_id: i64, digest: &str, expires_at: i64) -> Result<()> {
    db::query("INSERT INTO api_tokens (user_id, token_hash, expires_at) VALUES ($1, $2, $3)")
        .bind(user_id)
        .bind(digest)
        .bind(expires_at)
        .execute(db)
        .await?;
    Ok(())
}

/// The owner of a token and when it expires (Unix seconds).
pub async fn find(db: &Db, digest: &str) -> Result<Option<(i64, i64)>> {
    Ok(
        db::query("SELECT user_id, expires_at FROM api_tokens WHERE token_hash = $1")
            .bind(digest)
            .fetch_optional(db)
            .await?,
    )
}

pub async fn delete(db: &Db, digest: &str) -> Result<()> {
    db::query("DELETE FROM api_tokens WHERE token_hash = $1")
        .bind(digest)
        .execute(db)
        .await?;
    Ok(())
}

/// Deletes every token of a user; answers how many there were.
pub async fn delete_for_user(db: &Db, user_id: i64) -> Result<u64> {
    Ok(db::query("DELETE FROM api_tokens WHERE user_id = $1")
        .bind(user_id)
        .execute(db)
        .await?)
}

/// Deletes the tokens expired at `now` (Unix seconds); answers how many.
pub async fn delete_expired(db: &Db, now: i64) -> Result<u64> {
    Ok(db::query("DELETE FROM api_tokens WHERE expires_at <= $1")
        .bind(now)
        .execute(db)
        .await?)
}
