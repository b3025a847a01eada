//! `users`: accounts, looked up by id or by name whatever its case.

use crate::{
    Result,
    db::{self, Db, Tx},
};

/// A user as the services see it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub is_admin: bool,
    pub credits: i64,
}

pub async fn get(db: &Db, id: i64) -> Result<Option<User>> {
    Ok(
        db::query("SELECT id, username, is_admin, credits FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(db)
            .await?,
    )
}

/// The id and password hash of the account named `username` (any case).
pub async fn credentials(db: &Db, username: &str) -> Result<Option<(i64, String)>> {
    Ok(
        db::query("SELECT id, password_hash FROM users WHERE lower(username) = lower($1)")
            .bind(username)
            .fetch_optional(db)
            .await?,
    )
}

/// The id and balance of the account named `username` (any case), read in `tx`.
pub async fn balance_by_name(tx: &mut Tx, username: &str) -> Result<Option<(i64, i64)>> {
    Ok(
        db::query("SELECT id, credits FROM users WHERE lower(username) = lower($1)")
            .bind(username)
            .fetch_optional(tx)
            .await?,
    )
}

/// Adds an account; `None` when the name is taken (whatever its case).
pub async fn insert(
    tx: &mut Tx,
    username: &str,
    password_hash: &str,
    is_admin: bool,
) -> Result<Option<i64>> {
    let inserted: std::result::Result<(i64,), sqlx::Error> = db::query(
        "INSERT INTO users (username, password_hash, is_admin) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(username)
    .bind(password_hash)
    .bind(is_admin)
    .fetch_one(tx)
    .await;
    match inserted {
        Ok((id,)) => Ok(Some(id)),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(None),
        Err(e) => Err(e.into()),
    }
}

pub async fn count_admins(db: &Db) -> Result<i64> {
    let (admins,): (i64,) = db::query("SELECT COUNT(*) FROM users WHERE is_admin = TRUE")
        .fetch_one(db)
        .await?;
    Ok(admins)
}
