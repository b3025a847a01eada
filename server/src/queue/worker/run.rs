//! One run of a claimed task: the provider call under its lease, its progress, and the write of
//! its outcome, each conditional on the claim's fence.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use app::types::ProgressUpdate;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::Worker;
use crate::{
    Result, db, images,
    providers::{GenerateRequest, ProviderError},
    queue::{MAX_ATTEMPTS, lease::Lease},
    storage::Storage,
    store::tasks::{self as store, Claimed, Ending, Outcome},
};

impl Worker {
    pub(super) async fn run_task(
        self,
        task: Claimed,
        lease: Arc<Lease>,
        cancel: CancellationToken,
    ) {
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
            image_key: key.clone(),
            image_mime: mime,
            image_bytes,
            duration_ms: elapsed.as_millis() as i64,
        };
        if self
            .endings
            .record(task, Ending::Completed(outcome))
            .await?
        {
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
                let ending = Ending::RetryAt { message, run_at };
                self.endings.record(task, ending).await?;
            }
            _ => {
                tracing::warn!(%message, "task failed");
                self.endings.record(task, Ending::Failed(message)).await?;
            }
        }
        Ok(())
    }

    /// Cancelled by the owner (the database already says so) or stopped by shutdown.
    async fn interrupted(&self, task: &Claimed) -> Result<()> {
        self.endings.record(task, Ending::Released).await.map(drop)
    }
}
