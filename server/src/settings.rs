//! Runtime settings kept in `system_config`, changed by the admin without a restart.

use app::Problem;
use serde_json::Value;
use tokio::sync::watch;

use crate::{
    Error, Result,
    db::{self, Db},
    wakeups::{self, Wakeup},
};

pub const CONCURRENCY_KEY: &str = "batch_concurrency";
pub const DEFAULT_CONCURRENCY: u32 = 3;
pub const CONCURRENCY_RANGE: std::ops::RangeInclusive<u32> = 1..=10;

#[derive(Clone)]
pub struct Settings {
    db: Db,
    concurrency: watch::Sender<u32>,
}

impl Settings {
    /// Loads the settings; the stored concurrency is what the queue starts with.
    pub async fn load(db: Db) -> Result<Self> {
        let settings = Self {
            db,
            concurrency: watch::Sender::new(DEFAULT_CONCURRENCY),
        };
        let stored = settings.stored_concurrency().await?;
        settings.concurrency.send_replace(stored);
        Ok(settings)
    }

    /// The global concurrency limit as stored now.
    pub async fn concurrency(&self) -> Result<u32> {
        let value = self.stored_concurrency().await?;
        self.concurrency.send_if_modified(|current| {
            let changed = *current != value;
            *current = value;
            changed
        });
        Ok(value)
    }

    /// Follows changes of the concurrency limit made through this process.
    pub fn watch_concurrency(&self) -> watch::Receiver<u32> {
        self.concurrency.subscribe()
    }

    /// Sets the global concurrency limit from a JSON value, which must be a whole number 1–10.
    #[tracing::instrument(skip_all, err(level = "info", Display))]
    pub async fn set_concurrency(&self, value: &Value) -> Result<u32> {
        let limit = parse_concurrency(value)?;
        db::query(
            "INSERT INTO system_config (config_key, config_value, description) VALUES ($1, $2, '') \
             ON CONFLICT (config_key) DO UPDATE SET config_value = excluded.config_value, \
             updated_at = $3",
        )
        .bind(CONCURRENCY_KEY)
        .bind(limit.to_string())
        .bind(db::now_iso())
        .execute(&self.db)
        .await?;
        self.concurrency.send_replace(limit);
        wakeups::send(&self.db, Wakeup::Limit).await;
        tracing::info!(concurrency = limit, "global concurrency changed");
        Ok(limit)
    }

    async fn stored_concurrency(&self) -> Result<u32> {
        stored_concurrency(&self.db).await
    }
}

/// The global concurrency limit as stored, read on `on` so that the queue's claim sees it
/// inside its own transaction.
pub(crate) async fn stored_concurrency<'a>(on: impl Into<db::On<'a>>) -> Result<u32> {
    let row: Option<(String,)> =
        db::query("SELECT config_value FROM system_config WHERE config_key = $1")
            .bind(CONCURRENCY_KEY)
            .fetch_optional(on)
            .await?;
    Ok(row
        .and_then(|(v,)| v.trim().parse::<u32>().ok())
        .filter(|v| CONCURRENCY_RANGE.contains(v))
        .unwrap_or(DEFAULT_CONCURRENCY))
}

fn parse_concurrency(value: &Value) -> Result<u32> {
    let message = || {
        Error::BadRequest(Problem::Concurrency {
            min: *CONCURRENCY_RANGE.start(),
            max: *CONCURRENCY_RANGE.end(),
        })
    };
    let number = value.as_u64().ok_or_else(message)?;
    u32::try_from(number)
        .ok()
        .filter(|n| CONCURRENCY_RANGE.contains(n))
        .ok_or_else(message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn accepts_only_whole_numbers_in_range() {
        for ok in [1, 3, 10] {
            assert_eq!(parse_concurrency(&json!(ok)).ok(), Some(ok));
        }
        for bad in [
            json!(0),
            json!(11),
            json!(-1),
            json!(2.5),
            json!("5"),
            json!(null),
        ] {
            assert!(parse_concurrency(&bad).is_err(), "{bad} was accepted");
        }
    }
}
