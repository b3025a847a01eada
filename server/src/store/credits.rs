//! The credit ledger: every balance change is one row, written in the caller's transaction.

use crate::{
    Error, Result,
    db::{self, Tx},
};
use app::Problem;

/// One change of a balance.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    pub user_id: i64,
    pub delta: i64,
    /// `signup`, `admin grant`, `batch`, `edit` or `refund`.
    pub reason: &'a str,
    pub queue_id: Option<i64>,
    pub task_id: Option<i64>,
}

impl<'a> Entry<'a> {
    pub fn new(user_id: i64, delta: i64, reason: &'a str) -> Self {
        Self {
            user_id,
            delta,
            reason,
            queue_id: None,
            task_id: None,
        }
    }
}

/// Changes a balance and records it, with one conditional update so that concurrent changes can
/// never take it below zero. Fails without change if they would. Returns the new balance.
pub async fn apply(tx: &mut Tx, entry: Entry<'_>) -> Result<i64> {
    let balance: Option<(i64,)> = db::query(
        "UPDATE users SET credits = credits + $1 WHERE id = $2 AND credits + $1 >= 0 RETURNING credits",
    )
    .bind(entry.delta)
    .bind(entry.user_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((balance,)) = balance else {
        let (current,): (i64,) = db::query("SELECT credits FROM users WHERE id = $1")
            .bind(entry.user_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(Error::NotFound("user"))?;
        return Err(Error::PaymentRequired(Problem::NotEnoughCredits {
            needed: -entry.delta,
            balance: current,
        }));
    };
    db::query(
        "INSERT INTO credit_ledger (user_id, delta, balance_after, reason, queue_id, task_id) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(entry.user_id)
    .bind(entry.delta)
    .bind(balance)
    .bind(entry.reason)
    .bind(entry.queue_id)
    .bind(entry.task_id)
    .execute(&mut *tx)
    .await?;
    Ok(balance)
}

/// A ledger row: id, delta, balance after, reason, batch, task, time.
type LedgerRow = (i64, i64, i64, String, Option<i64>, Option<i64>, String);

/// A user's balance changes, newest first.
pub async fn history(
    db: &crate::db::Db,
    user_id: i64,
    limit: i64,
    offset: i64,
) -> Result<Vec<app::types::LedgerEntry>> {
    let rows: Vec<LedgerRow> = db::query(
        "SELECT id, delta, balance_after, reason, queue_id, task_id, created_at FROM credit_ledger
         WHERE user_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3",
    )
    .bind(user_id)
    .bind(limit.clamp(1, 200))
    .bind(offset.max(0))
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, delta, balance_after, reason, queue_id, task_id, created_at)| {
                app::types::LedgerEntry {
                    id,
                    delta,
                    balance_after,
                    reason: app::types::LedgerReason::parse(&reason),
                    queue_id,
                    task_id,
                    created_at,
                }
            },
        )
        .collect())
}
