//! Wake-ups between processes sharing a PostgreSQL database, through `LISTEN`/`NOTIFY`: new
//! work, a claim ended (a cancel), a changed limit and a changed batch reach every process at
//! once instead of at its next poll. Notifications carry a word and at most an id, never data; a
//! missed one costs only the wait for the poll, which stays the fallback. On SQLite, processes
//! share one machine and the poll alone serves.

use std::time::Duration;

use sqlx::postgres::PgListener;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::{
    Result,
    db::{self, Db, Tx},
};

pub(crate) const CHANNEL: &str = "imgbatch_queue";

/// Why a process should look again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wakeup {
    /// Tasks became due: a new batch, a retry, an edit.
    Work,
    /// Claims ended: a cancel; the process running them aborts their calls.
    Ended,
    /// The global limit changed.
    Limit,
    /// A batch or one of its tasks changed: live streams watching it read what is new.
    Changed(i64),
}

impl Wakeup {
    /// What a process looks at again after missing notifications (a batch's changes are found by
    /// the live streams' own poll).
    const AFTER_A_GAP: [Wakeup; 3] = [Wakeup::Work, Wakeup::Ended, Wakeup::Limit];

    pub(crate) fn payload(self) -> String {
        match self {
            Wakeup::Work => "work".into(),
            Wakeup::Ended => "ended".into(),
            Wakeup::Limit => "limit".into(),
            Wakeup::Changed(queue_id) => format!("changed:{queue_id}"),
        }
    }

    fn parse(payload: &str) -> Option<Self> {
        match payload {
            "work" => Some(Wakeup::Work),
            "ended" => Some(Wakeup::Ended),
            "limit" => Some(Wakeup::Limit),
            _ => payload
                .strip_prefix("changed:")?
                .parse()
                .ok()
                .map(Wakeup::Changed),
        }
    }
}

/// Tells every process (on PostgreSQL; a no-op on SQLite). A failure is logged, not returned:
/// the change it announces is already committed and the poll will find it.
pub async fn send(db: &Db, wakeup: Wakeup) {
    if db.backend() != db::Backend::Postgres {
        return;
    }
    let sent = db::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(wakeup.payload())
        .execute(db)
        .await;
    if let Err(error) = sent {
        tracing::warn!(%error, ?wakeup, "could not notify the other processes");
    }
}

/// Tells every process once `tx` commits, and not at all if it rolls back (PostgreSQL delivers
/// a transaction's notifications at its commit, the same one once; a no-op on SQLite).
pub async fn send_on_commit(tx: &mut Tx, wakeup: Wakeup) -> Result<()> {
    if tx.backend() == db::Backend::Postgres {
        db::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(wakeup.payload())
            .execute(tx)
            .await?;
    }
    Ok(())
}

/// Forwards the notifications of every process (this one's too) until `shutdown`: a changed
/// batch's id to `changed`, the others to `to`; returns at once on SQLite. When the connection
/// drops, notifications may have been missed, so each of [`Wakeup::AFTER_A_GAP`] is forwarded
/// once after it is back.
pub async fn listen(
    db: Db,
    to: mpsc::Sender<Wakeup>,
    changed: impl Fn(i64) + Send + 'static,
    shutdown: CancellationToken,
) {
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
                Wakeup::AFTER_A_GAP.to_vec()
            }
            Err(error) => {
                tracing::warn!(%error, "listening for wake-ups failed; retrying");
                tokio::time::sleep(Duration::from_secs(2)).await;
                continue;
            }
        };
        for wakeup in wakeups {
            if let Wakeup::Changed(queue_id) = wakeup {
                changed(queue_id);
                continue;
            }
            // A full channel already holds wake-ups the dispatcher has yet to act on.
            let _ = to.try_send(wakeup);
        }
    }
}
