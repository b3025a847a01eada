//! The credit ledger: every balance change is one row, written in the caller's transaction.

use crate::{Error, Result, db::Tx};

/// Changes a balance by `delta` and records it; fails without change if the balance would go
/// below zero. Returns the new balance.
pub async fn apply(tx: &mut Tx, user_id: i64, delta: i64, reason: &str) -> Result<i64> {
    let balance: Option<(i64,)> = sqlx::query_as(
        "UPDATE users SET credits = credits + ?1 WHERE id = ?2 AND credits + ?1 >= 0 RETURNING credits",
    )
    .bind(delta)
    .bind(user_id)
    .fetch_optional(&mut **tx)
    .await?;
    let (balance,) =
        balance.ok_or_else(|| Error::Invalid("not enough credits for this change".into()))?;
    sqlx::query(
        "INSERT INTO credit_ledger (user_id, delta, balance_after, reason) VALUES (?, ?, ?, ?)",
    )
    .bind(user_id)
    .bind(delta)
    .bind(balance)
    .bind(reason)
    .execute(&mut **tx)
    .await?;
    Ok(balance)
}
