//! `system_config`: the runtime settings the admin changes without a restart.

use crate::{
    Result,
    db::{self, Db},
};

pub(crate) const CONCURRENCY_KEY: &str = "batch_concurrency";
pub const DEFAULT_CONCURRENCY: u32 = 3;
pub const CONCURRENCY_RANGE: std::ops::RangeInclusive<u32> = 1..=10;

/// The global concurrency limit as stored (the default when missing or out of range), read on
/// `on` so that the queue's claim sees it inside its own transaction.
pub async fn concurrency<'a>(on: impl Into<db::On<'a>>) -> Result<u32> {
    let row: Option<(String,)> =
        db::query("SELECT config_value FROM system_config WHERE config_key = $1")
            .bind(CONCURRENCY_KEY)
            .fetch_optional(on)
            .await?;
    Ok(concurrency_from(row.map(|(value,)| value)))
}

/// The limit a stored value means: the default when it is missing or out of range.
pub fn concurrency_from(stored: Option<String>) -> u32 {
    stored
        .and_then(|v| v.trim().parse::<u32>().ok())
        .filter(|v| CONCURRENCY_RANGE.contains(v))
        .unwrap_or(DEFAULT_CONCURRENCY)
}

pub async fn store_concurrency(db: &Db, limit: u32) -> Result<()> {
    db::query(
        "INSERT INTO system_config (config_key, config_value, description) VALUES ($1, $2, '') \
         ON CONFLICT (config_key) DO UPDATE SET config_value = excluded.config_value, \
         updated_at = $3",
    )
    .bind(CONCURRENCY_KEY)
    .bind(limit.to_string())
    .bind(db::now_iso())
    .execute(db)
    .await?;
    Ok(())
}
