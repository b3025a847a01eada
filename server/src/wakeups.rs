//! Wake-ups between processes sharing a PostgreSQL database, through `LISTEN`/`NOTIFY`: new
//! work, a claim ended (a cancel) and a changed limit reach every dispatcher at once instead of
//! at its next poll. Notifications carry a word, never data; a missed one costs only the wait for
//! the poll, which stays the fallback. On SQLite, processes share one machine and the poll alone
//! serves.

use std::time::Duration;

use sqlx::postgres::PgListener;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::db::{self, Db};

const CHANNEL: &str = "imgbatch_queue";

/// Why a dispatcher should look again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wakeup {
    /// Tasks became due: a new batch, a retry, an edit.
    Work,
    /// Claims ended: a cancel; the process running them aborts their calls.
    Ended,
    /// The global limit changed.
    Limit,
}

impl Wakeup {
    const ALL: [Wakeup; 3] = [Wakeup::Work, Wakeup::Ended, Wakeup::Limit];

    fn as_str(self) -> &'static str {
        match self {
            Wakeup::Work => "work",
            Wakeup::Ended => "ended",
            Wakeup::Limit => "limit",
        }
    }

    fn parse(word: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|w| w.as_str() == word)
    }
}

/// Tells every process's dispatcher (on PostgreSQL; a no-op on SQLite). A failure is logged,
/// not returned: the change it announces is already committed and the poll will find it.
pub async fn send(db: &Db, wakeup: Wakeup) {
    if db.backend() != db::Backend::Postgres {
        return;
    }
    let sent = db::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(wakeup.as_str())
        .execute(db)
        .await;
    if let Err(error) = sent {
        tracing::warn!(%error, wakeup = wakeup.as_str(), "could not notify the other processes");
    }
}

/// Forwards the notifications of every process (this one's too) to `to` until `shutdown`;
/// returns at once on SQLite. When the connection drops, notifications may have been missed,
/// so every kind is forwarded once after it is back.
pub async fn listen(db: Db, to: mpsc::Sender<Wakeup>, shutdown: CancellationToken) {
    let Db::Postgres(pool) = db else {
        return;
    };
    let mut listener = loop {
        let connected = async {
            let mut listener = PgListener::connect_with(&pool).await?;
            listener.listen(CHANNEL).await?;
            Ok::<_, sqlx::Error>(listener)
        };
        tokio::select! {
            () = shutdown.cancelled() => return,
            connected = connected => match connected {
                Ok(listener) => break listener,
                Err(error) => {
                    tracing::warn!(%error, "cannot listen for other processes' wake-ups; retrying");
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
            },
        }
    };
    loop {
        let received = tokio::select! {
            () = shutdown.cancelled() => return,
            received = listener.try_recv() => received,
        };
        let wakeups: Vec<Wakeup> = match received {
            Ok(Some(notification)) => Wakeup::parse(notification.payload()).into_iter().collect(),
            Ok(None) => {
                tracing::warn!("the wake-up connection dropped and was restored: looking again");
                Wakeup::ALL.to_vec()
            }
            Err(error) => {
                tracing::warn!(%error, "listening for wake-ups failed; retrying");
                tokio::time::sleep(Duration::from_secs(2)).await;
                continue;
            }
        };
        for wakeup in wakeups {
            // A full channel already holds wake-ups the dispatcher has yet to act on.
            let _ = to.try_send(wakeup);
        }
    }
}
