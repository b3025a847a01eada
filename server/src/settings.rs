//! Runtime settings kept in `system_config`, changed by the admin without a restart.

use app::Problem;
use serde_json::Value;
use tokio::sync::watch;

use crate::{
    Error, Result,
    db::Db,
    store::settings as store,
    wakeups::{self, Wakeup},
};

pub use crate::store::settings::{CONCURRENCY_RANGE, DEFAULT_CONCURRENCY};

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
        store::store_concurrency(&self.db, limit).await?;
        self.concurrency.send_replace(limit);
        wakeups::send(&self.db, Wakeup::Limit).await;
        tracing::info!(concurrency = limit, "global concurrency changed");
        Ok(limit)
    }

    async fn stored_concurrency(&self) -> Result<u32> {
        store::concurrency(&self.db).await
    }
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
