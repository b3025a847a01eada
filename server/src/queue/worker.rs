//! The dispatcher: in turns, writes how runs ended and claims due tasks while the global limit
//! leaves room, starts a run for each, and follows wake-ups, the poll and the shutdown.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use tokio::{
    sync::{mpsc, watch},
    task::JoinSet,
};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

mod run;

use super::{
    Events, MAX_ATTEMPTS, QueueState, RetryPolicy, RunKeys,
    endings::{self, EndedRuns, Endings},
    lease::Lease,
    relay::Relay,
};
use crate::{
    db::Db,
    providers::Models,
    storage::Storage,
    store::tasks::{self as store, Claimer},
    wakeups::{self, Wakeup},
};

/// How the worker behaves; from configuration.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub lease: Duration,
    pub retry: RetryPolicy,
    /// Bound on one provider call, on top of the HTTP client's own timeout.
    pub call_timeout: Duration,
    /// How long running calls may finish after a shutdown signal.
    pub shutdown_grace: Duration,
    /// How often the dispatcher looks for work and for claims ended elsewhere without being told.
    pub poll: Duration,
}

/// Runs queued tasks. Clone-cheap; one dispatcher per process.
#[derive(Clone)]
pub struct Worker {
    db: Db,
    storage: Storage,
    models: Models,
    keys: Arc<dyn RunKeys>,
    /// Changes of the global limit made through this process.
    limit: watch::Receiver<u32>,
    events: Events,
    /// Where runs record how they ended, for the dispatcher's next turn.
    endings: Endings,
    /// The dispatcher's end of `endings`, taken when it starts.
    ended_runs: Arc<std::sync::Mutex<Option<EndedRuns>>>,
    state: QueueState,
    config: Arc<WorkerConfig>,
    owner: Arc<str>,
}

impl Worker {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        db: Db,
        storage: Storage,
        models: Models,
        keys: Arc<dyn RunKeys>,
        limit: watch::Receiver<u32>,
        events: Events,
        state: QueueState,
        config: WorkerConfig,
    ) -> Self {
        let owner = format!(
            "{}-{}",
            std::process::id(),
            crate::auth::tokens::random_token()
        );
        let (endings, ended_runs) = endings::channel();
        Self {
            endings,
            ended_runs: Arc::new(std::sync::Mutex::new(Some(ended_runs))),
            db,
            storage,
            models,
            keys,
            limit,
            events,
            state,
            config: Arc::new(config),
            owner: owner.into(),
        }
    }

    fn lease_ms(&self) -> i64 {
        self.config.lease.as_millis() as i64
    }

    /// Claims and runs tasks until `shutdown` fires, then lets running calls finish for the grace
    /// period and hands the rest back to the queue.
    pub async fn run(self, shutdown: CancellationToken) {
        let taken = self.ended_runs.lock().ok().and_then(|mut runs| runs.take());
        let Some(mut ended_runs) = taken else {
            tracing::error!("the queue's dispatcher was started twice");
            return;
        };
        let relay = Relay::new(self.db.clone(), self.events.clone());
        tokio::spawn(relay.run(shutdown.clone()));
        let mut limit = self.limit.clone();
        let (wakeup_tx, mut wakeups) = mpsc::channel(16);
        let events = self.events.clone();
        tokio::spawn(wakeups::listen(
            self.db.clone(),
            wakeup_tx,
            move |queue_id| events.changed(queue_id),
            shutdown.clone(),
        ));
        // Other processes sharing the database finish tasks and change the limit too.
        let mut tick = tokio::time::interval(self.config.poll);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let runs_cancel = CancellationToken::new();
        let mut runs = JoinSet::new();
        let mut ended = Vec::new();
        // The limit the last claim read. While this process alone fills it, a finished run is
        // the only reason to look; the tick and a local change look regardless.
        let mut known_limit = usize::MAX;
        let mut look_anyway = true;

        loop {
            while let Some(done) = runs.try_join_next() {
                log_panic(done);
            }
            ended_runs.take_waiting(&mut ended);
            let room = self.state.running_count() < known_limit;
            let claim = !shutdown.is_cancelled() && (room || look_anyway || !ended.is_empty());
            if let Some(limit) = self
                .take_turn(std::mem::take(&mut ended), claim, &mut runs, &runs_cancel)
                .await
            {
                known_limit = limit as usize;
            }
            look_anyway = false;
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = self.state.woken() => {}
                () = ended_runs.wait(&mut ended) => {}
                changed = limit.changed() => {
                    if changed.is_err() { break; }
                    look_anyway = true;
                }
                Some(done) = runs.join_next(), if !runs.is_empty() => log_panic(done),
                Some(wakeup) = wakeups.recv() => match wakeup {
                    Wakeup::Work => look_anyway = true,
                    // The listener hands batch changes to the live streams itself.
                    Wakeup::Changed(queue_id) => self.events.changed(queue_id),
                    Wakeup::Ended => self.abort_ended_runs().await,
                    // The claim reads the limit afresh.
                    Wakeup::Limit => look_anyway = true,
                },
                _ = tick.tick() => {
                    look_anyway = true;
                    self.abort_ended_runs().await;
                }
            }
        }

        tracing::info!(
            running = runs.len(),
            "queue stopping: no new tasks are claimed"
        );
        let grace = tokio::time::sleep(self.config.shutdown_grace);
        tokio::pin!(grace);
        let mut handing_back = false;
        // The runs still record how they ended (those cut off at the end of the grace period as
        // handed back) through this loop's turns.
        loop {
            self.take_turn(std::mem::take(&mut ended), false, &mut runs, &runs_cancel)
                .await;
            tokio::select! {
                next = runs.join_next() => match next {
                    Some(done) => log_panic(done),
                    None => break,
                },
                () = ended_runs.wait(&mut ended) => {}
                () = &mut grace, if !handing_back => {
                    tracing::warn!(running = runs.len(), "grace period over: handing unfinished tasks back");
                    runs_cancel.cancel();
                    handing_back = true;
                }
            }
        }
    }

    /// Writes the ends of `ended` and, if `claim`, claims what the global limit leaves room for
    /// and starts a run for each, all in one turn; returns the limit the claim read.
    async fn take_turn(
        &self,
        ended: Vec<endings::Ended>,
        claim: bool,
        runs: &mut JoinSet<()>,
        runs_cancel: &CancellationToken,
    ) -> Option<u32> {
        if ended.is_empty() && !claim {
            return None;
        }
        let granted = Instant::now();
        let claimer = Claimer {
            owner: &self.owner,
            lease_ms: self.lease_ms(),
            max_attempts: MAX_ATTEMPTS,
        };
        let claims = match endings::write_turn(&self.db, ended, claim.then_some(&claimer)).await {
            Ok(claims) => claims,
            Err(error) => {
                tracing::error!(%error, "a turn of the queue failed");
                return None;
            }
        };
        if !claim {
            return None;
        }
        if !claims.tasks.is_empty() {
            tracing::debug!(
                claimed = claims.tasks.len(),
                limit = claims.limit,
                owner = %self.owner,
                "claimed tasks"
            );
        }
        for queue_id in claims.reaped {
            tracing::warn!(
                queue_id,
                "took back tasks whose lease expired (their process stopped or stalled)"
            );
            self.events.changed(queue_id);
        }
        for task in claims.tasks {
            let cancel = self
                .state
                .register(task.id, task.queue_id, task.fence, runs_cancel);
            let lease = Arc::new(Lease::new(self.config.lease, granted));
            let span = tracing::info_span!(
                "task",
                task_id = task.id,
                queue_id = task.queue_id,
                attempt = task.attempts,
                fence = task.fence
            );
            runs.spawn(self.clone().run_task(task, lease, cancel).instrument(span));
        }
        Some(claims.limit)
    }

    /// Aborts the runs whose claim ended elsewhere: a cancel made through another process, or a
    /// task taken over after its lease lapsed. (A cancel made here aborts at once.)
    async fn abort_ended_runs(&self) {
        let running = self.state.running_claims();
        match store::still_held(&self.db, &running).await {
            Ok(held) => {
                for (task_id, fence) in running.into_iter().filter(|c| !held.contains(c)) {
                    tracing::info!(
                        task_id,
                        fence,
                        "the task's claim ended elsewhere: aborting its run"
                    );
                    self.state.abort(task_id, fence);
                }
            }
            Err(error) => tracing::warn!(%error, "checking running tasks failed"),
        }
    }
}

fn log_panic(done: Result<(), tokio::task::JoinError>) {
    if let Err(error) = done {
        tracing::error!(%error, "a task run panicked");
    }
}
