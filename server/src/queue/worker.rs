use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use app::types::ProgressUpdate;
use tokio::{
    sync::{mpsc, watch},
    task::JoinSet,
};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::{Events, MAX_ATTEMPTS, QueueState, RetryPolicy, RunKeys, lease::Lease, relay::Relay};
use crate::{
    Result,
    db::{self, Db},
    images,
    providers::{GenerateRequest, Models, ProviderError},
    storage::Storage,
    store::tasks::{self as store, Claimed, Outcome},
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
        Self {
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
        // The limit the last claim read. While this process alone fills it, a finished run's
        // wake-up is the only reason to look; the tick and a local change look regardless.
        let mut known_limit = usize::MAX;
        let mut look_anyway = true;

        loop {
            while let Some(done) = runs.try_join_next() {
                if let Err(error) = done {
                    tracing::error!(%error, "a task run panicked");
                }
            }
            let room = self.state.running_count() < known_limit;
            if !shutdown.is_cancelled()
                && (room || look_anyway)
                && let Some(limit) = self.claim_and_start(&mut runs, &runs_cancel).await
            {
                known_limit = limit as usize;
            }
            look_anyway = false;
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = self.state.woken() => {}
                changed = limit.changed() => {
                    if changed.is_err() { break; }
                    look_anyway = true;
                }
                Some(done) = runs.join_next(), if !runs.is_empty() => {
                    if let Err(error) = done {
                        tracing::error!(%error, "a task run panicked");
                    }
                }
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
        loop {
            tokio::select! {
                next = runs.join_next() => if next.is_none() { break },
                () = &mut grace => {
                    tracing::warn!(running = runs.len(), "grace period over: handing unfinished tasks back");
                    runs_cancel.cancel();
                    while runs.join_next().await.is_some() {}
                    break;
                }
            }
        }
    }

    /// Claims what the global limit leaves room for and starts a run for each; returns the limit
    /// the claim read.
    async fn claim_and_start(
        &self,
        runs: &mut JoinSet<()>,
        runs_cancel: &CancellationToken,
    ) -> Option<u32> {
        let granted = Instant::now();
        let claims = match store::claim(&self.db, &self.owner, self.lease_ms(), MAX_ATTEMPTS).await
        {
            Ok(claims) => claims,
            Err(error) => {
                tracing::error!(%error, "claiming tasks failed");
                return None;
            }
        };
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

    async fn run_task(self, task: Claimed, lease: Arc<Lease>, cancel: CancellationToken) {
        let started = Instant::now();
        self.events.changed(task.queue_id);
        let (progress, reported) = watch::channel(None);
        let result = tokio::select! {
            result = self.generate(&task, progress) => Some(result),
            () = cancel.cancelled() => None,
            () = self.keep_lease(&task, &lease, &cancel) => None,
            () = self.keep_progress(&task, reported) => None,
        };
        let outcome = match result {
            Some(_) if !lease.is_held() => {
                tracing::warn!("the lease lapsed during the call: its outcome is dropped");
                Ok(())
            }
            Some(Ok(bytes)) => self.finish(&task, &lease, bytes, started.elapsed()).await,
            Some(Err(error)) => self.failed(&task, error).await,
            None => self.interrupted(&task).await,
        };
        if let Err(error) = outcome {
            tracing::error!(%error, "recording the task's outcome failed");
        }
        self.state.unregister(task.id, task.fence);
        self.events.changed(task.queue_id);
        self.state.wake();
    }

    /// Writes the progress the provider reports, at most once a second, so that live streams on
    /// other processes show it too; never returns while the run goes on.
    async fn keep_progress(&self, task: &Claimed, mut reported: watch::Receiver<Option<f64>>) {
        while reported.changed().await.is_ok() {
            let Some(progress) = *reported.borrow_and_update() else {
                continue;
            };
            match store::record_progress(&self.db, task, progress).await {
                // The claim is over; the lease keeper and the cancel end the run.
                Ok(false) => break,
                Ok(true) => {}
                Err(error) => tracing::warn!(%error, "recording progress failed"),
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        std::future::pending().await
    }

    /// Renews the lease; returns (ending the run) once the claim is over, or once the lease has
    /// not been renewed for so long that another process may take the task.
    async fn keep_lease(&self, task: &Claimed, lease: &Lease, cancel: &CancellationToken) {
        let every = self.config.lease / 3;
        loop {
            tokio::time::sleep(every.min(lease.remaining())).await;
            if !lease.is_held() {
                tracing::warn!("the lease could not be renewed in time: stopping the run");
                cancel.cancel();
                return;
            }
            let sent = Instant::now();
            match store::heartbeat(&self.db, task, self.lease_ms()).await {
                Ok(true) => lease.renewed(sent),
                Ok(false) => {
                    cancel.cancel();
                    return;
                }
                Err(error) => tracing::warn!(%error, "renewing a lease failed"),
            }
        }
    }

    async fn generate(
        &self,
        task: &Claimed,
        reported: watch::Sender<Option<f64>>,
    ) -> Result<bytes::Bytes, ProviderError> {
        let model = self.models.get(&task.model).ok_or_else(|| {
            ProviderError::permanent(format!("the model '{}' is no longer offered", task.model))
        })?;
        let provider = self.models.provider(&model.provider).ok_or_else(|| {
            ProviderError::permanent(format!(
                "the provider '{}' is not configured",
                model.provider
            ))
        })?;
        let api_key = if task.used_user_key {
            let key = self
                .keys
                .user_key(task.user_id, &model.provider)
                .await
                .map_err(|e| {
                    ProviderError::retryable(format!("reading your API key failed: {e}"))
                })?;
            Some(key.ok_or_else(|| {
                ProviderError::permanent(format!(
                    "your own API key for {} was removed; this run was free because of it, so it \
                     does not run on the server's key: store the key again or edit the image",
                    model.provider
                ))
            })?)
        } else {
            None
        };
        let source_key = match (task.source.as_str(), &task.generated_image_url) {
            ("result", Some(key)) => key.as_str(),
            _ => task.original_image_url.as_str(),
        };
        let image =
            self.storage.get(source_key).await.map_err(|e| {
                ProviderError::permanent(format!("the source image is missing: {e}"))
            })?;
        let mime = images::sniff_mime(&image).unwrap_or("image/png");
        let request = GenerateRequest {
            image,
            mime,
            prompt: task.prompt.clone(),
            upstream_model: model.upstream().to_owned(),
            api_key,
        };
        let state = self.state.clone();
        let events = self.events.clone();
        let (task_id, queue_id, fence) = (task.id, task.queue_id, task.fence);
        let progress = Arc::new(move |fraction: f32| {
            let Some(fraction) = state.set_progress(task_id, fence, fraction) else {
                return;
            };
            events.progress(
                queue_id,
                ProgressUpdate {
                    task_id,
                    progress: fraction,
                },
            );
            reported.send_replace(Some(fraction));
        });
        match tokio::time::timeout(
            self.config.call_timeout,
            provider.generate(request, progress),
        )
        .await
        {
            Ok(result) => result,
            Err(_) => Err(ProviderError::retryable(
                "the image service did not answer in time",
            )),
        }
    }

    async fn finish(
        &self,
        task: &Claimed,
        lease: &Lease,
        bytes: bytes::Bytes,
        elapsed: Duration,
    ) -> Result<()> {
        // A result is checked like an upload: its type from its bytes, its size, a full decode,
        // and its metadata stripped.
        let checked = match images::check_in_turn(bytes).await {
            Ok(checked) => checked,
            Err(error) => {
                let message = match error {
                    images::ImageError::Unsupported => {
                        "the image service sent something that is not an image".to_owned()
                    }
                    other => format!("the image service sent an unusable image: {other}"),
                };
                return self.failed(task, ProviderError::retryable(message)).await;
            }
        };
        let (bytes, mime, extension) = (checked.bytes, checked.mime, checked.extension);
        let image_bytes = bytes.len() as i64;
        if !lease.is_held() {
            tracing::warn!("the lease lapsed while checking the result: it is dropped");
            return Ok(());
        }
        // Under a key of its own claim: a stale run can never overwrite the result another
        // claim made visible, and this one becomes visible only through the fenced update.
        let key = Storage::result_key(task.id, task.fence, extension);
        self.storage.put(&key, bytes).await?;
        let outcome = Outcome {
            image_key: &key,
            image_mime: mime,
            image_bytes,
            duration_ms: elapsed.as_millis() as i64,
        };
        if store::complete(&self.db, task, outcome).await? {
            tracing::info!(elapsed_ms = elapsed.as_millis() as u64, "task completed");
        } else {
            tracing::info!(
                "the claim ended while running (cancelled or taken over); its result is dropped"
            );
            self.storage.delete_all(&[key]).await;
        }
        Ok(())
    }

    async fn failed(&self, task: &Claimed, error: ProviderError) -> Result<()> {
        let message = error.to_string();
        match error {
            ProviderError::Retryable { retry_after, .. } if task.attempts < MAX_ATTEMPTS => {
                let delay = self.config.retry.delay(task.attempts, retry_after);
                tracing::warn!(%message, retry_in_ms = delay.as_millis() as u64, "attempt failed, will retry");
                let run_at = db::now_millis() + delay.as_millis() as i64;
                store::retry_later(&self.db, task, &message, run_at).await?;
            }
            _ => {
                tracing::warn!(%message, "task failed");
                store::fail(&self.db, task, &message).await?;
            }
        }
        Ok(())
    }

    /// Cancelled by the owner (the database already says so) or stopped by shutdown.
    async fn interrupted(&self, task: &Claimed) -> Result<()> {
        store::release(&self.db, task).await.map(drop)
    }
}
