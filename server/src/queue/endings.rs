//! How runs ended, handed to the dispatcher, which writes them in its next turn together with
//! the claims that take their places: under load one transaction (one commit, one lock and
//! recount per batch) ends many runs and claims as many, and with little load each run's end
//! still goes at once.

use tokio::sync::{mpsc, oneshot};

use crate::{
    Error, Result,
    db::Db,
    store::tasks::{self as store, Claimed, Claimer, Claims, Ending},
};

/// At most this many runs end in one turn.
const MAX_TURN: usize = 64;

/// One run's end, waiting for the dispatcher's next turn.
pub struct Ended {
    task: Claimed,
    ending: Ending,
    held: oneshot::Sender<Result<bool>>,
}

/// Where runs record how they ended. Clone-cheap.
#[derive(Clone)]
pub struct Endings {
    sender: mpsc::UnboundedSender<Ended>,
}

/// The dispatcher's side: the ends waiting to be written.
pub struct EndedRuns {
    receiver: mpsc::UnboundedReceiver<Ended>,
}

pub fn channel() -> (Endings, EndedRuns) {
    let (sender, receiver) = mpsc::unbounded_channel();
    (Endings { sender }, EndedRuns { receiver })
}

impl Endings {
    /// Records how `task`'s run ended; false, and nothing written, when its claim was over.
    pub async fn record(&self, task: &Claimed, ending: Ending) -> Result<bool> {
        let (held, answer) = oneshot::channel();
        let ended = Ended {
            task: task.clone(),
            ending,
            held,
        };
        self.sender.send(ended).map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

fn stopped() -> Error {
    Error::Internal("the queue's dispatcher has stopped".to_owned())
}

impl EndedRuns {
    /// Adds the ends waiting now to `into`, without waiting.
    pub fn take_waiting(&mut self, into: &mut Vec<Ended>) {
        while into.len() < MAX_TURN {
            match self.receiver.try_recv() {
                Ok(ended) => into.push(ended),
                Err(_) => break,
            }
        }
    }

    /// Waits for at least one end and adds what is waiting to `into`. Cancel-safe.
    pub async fn wait(&mut self, into: &mut Vec<Ended>) {
        // Never closed while the dispatcher (which holds a sender through its runs' worker) lives.
        self.receiver
            .recv_many(into, MAX_TURN.saturating_sub(into.len()).max(1))
            .await;
    }
}

/// Writes one turn (the ends of `ended`, then the claim of `claimer`), answers each run, and
/// returns what was claimed. When the turn cannot be written, each end is written alone and the
/// claim after them, so that one write that fails does not cost the others theirs.
pub async fn write_turn(
    db: &Db,
    ended: Vec<Ended>,
    claimer: Option<&Claimer<'_>>,
) -> Result<Claims> {
    let written = {
        let runs: Vec<(&Claimed, &Ending)> = ended.iter().map(|e| (&e.task, &e.ending)).collect();
        store::turn(db, &runs, claimer).await
    };
    match written {
        Ok(turn) => {
            for (ended, held) in ended.into_iter().zip(turn.held) {
                // A run that stopped waiting has nothing left to do with the answer.
                let _ = ended.held.send(Ok(held));
            }
            Ok(turn.claims)
        }
        Err(error) if !ended.is_empty() => {
            tracing::warn!(%error, runs = ended.len(), "a turn of the queue failed: ending each run alone");
            for ended in ended {
                let held = store::end_run(db, &ended.task, &ended.ending).await;
                let _ = ended.held.send(held);
            }
            match claimer {
                Some(claimer) => store::claim(db, claimer).await,
                None => Ok(Claims::default()),
            }
        }
        Err(error) => Err(error),
    }
}
