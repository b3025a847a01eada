//! What the handle and the handlers share: scripts, recordings, in-flight accounting.

use std::{
    collections::{HashMap, VecDeque},
    sync::{
        Arc, Mutex, MutexGuard,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use bytes::Bytes;
use rand::Rng;

use super::{Behavior, RecordedRequest};

/// State shared by the handle and the handlers.
pub(crate) struct Shared {
    pub(super) base_url: String,
    // A std mutex because it is never held across an await.
    inner: Mutex<Inner>,
    pub(super) in_flight: AtomicUsize,
    pub(super) peak: AtomicUsize,
    next_id: AtomicU64,
}

#[derive(Default)]
pub(super) struct Inner {
    pub(super) latency: Duration,
    pub(super) jitter: f64,
    pub(super) default: Behavior,
    pub(super) script: VecDeque<Behavior>,
    pub(super) prompt_scripts: Vec<(String, VecDeque<Behavior>)>,
    pub(super) requests: Vec<RecordedRequest>,
    /// Generated images served by `GET /files/{name}`.
    files: HashMap<String, Bytes>,
    /// Calls waiting out their latency: id -> (start, planned duration), for `/progress`.
    working: HashMap<u64, (Instant, Duration)>,
}

impl Shared {
    pub(super) fn new(base_url: String) -> Self {
        Shared {
            base_url,
            inner: Mutex::new(Inner::default()),
            in_flight: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
            next_id: AtomicU64::new(1),
        }
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panicking test thread must not take every later assertion down with it.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Marks a call as in flight until the returned guard drops, which also happens when hyper
    /// drops the handler because the client went away.
    pub(super) fn enter(self: &Arc<Self>) -> CallGuard {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        CallGuard {
            shared: self.clone(),
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
        }
    }

    pub(super) fn record(&self, request: RecordedRequest) {
        self.lock().requests.push(request);
    }

    pub(super) fn next_behavior(&self, prompt: &str) -> Behavior {
        let mut inner = self.lock();
        let scripted = inner
            .prompt_scripts
            .iter_mut()
            .filter(|(text, _)| prompt.contains(text.as_str()))
            .find_map(|(_, queue)| queue.pop_front());
        scripted
            .or_else(|| inner.script.pop_front())
            .unwrap_or_else(|| inner.default.clone())
    }

    pub(super) fn store_file(&self, png: Bytes) -> String {
        let name = format!(
            "img-{}-{:08x}.png",
            self.next_id.fetch_add(1, Ordering::Relaxed),
            rand::random::<u32>()
        );
        self.lock().files.insert(name.clone(), png);
        format!("{}/files/{name}", self.base_url)
    }

    pub(super) fn file(&self, name: &str) -> Option<Bytes> {
        self.lock().files.get(name).cloned()
    }

    /// Progress of the oldest call still waiting out its latency, its remaining seconds, and
    /// the number of calls in flight.
    pub(super) fn progress(&self) -> (f64, f64, usize) {
        let in_flight = self.in_flight.load(Ordering::SeqCst);
        let inner = self.lock();
        let Some((start, planned)) = inner.working.values().min_by_key(|(start, _)| *start) else {
            return (0.0, 0.0, in_flight);
        };
        let elapsed = start.elapsed();
        let progress = if planned.is_zero() {
            1.0
        } else {
            (elapsed.as_secs_f64() / planned.as_secs_f64()).min(1.0)
        };
        let eta = planned.saturating_sub(elapsed).as_secs_f64();
        (progress, eta, in_flight)
    }
}

/// Keeps a call counted as in flight while alive.
pub(crate) struct CallGuard {
    shared: Arc<Shared>,
    id: u64,
}

impl CallGuard {
    /// Sleeps for the configured latency, visible to `/sdapi/v1/progress` meanwhile.
    pub(super) async fn simulate_latency(&self) {
        let planned = {
            let mut inner = self.shared.lock();
            let jitter = inner.jitter;
            let factor = if jitter > 0.0 {
                1.0 + rand::thread_rng().gen_range(-jitter..=jitter)
            } else {
                1.0
            };
            let planned = inner.latency.mul_f64(factor.max(0.0));
            inner.working.insert(self.id, (Instant::now(), planned));
            planned
        };
        tokio::time::sleep(planned).await;
    }
}

impl Drop for CallGuard {
    fn drop(&mut self) {
        self.shared.lock().working.remove(&self.id);
        self.shared.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}
