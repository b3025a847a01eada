//! An in-process fake of the AI image services `imgbatch` talks to, speaking their real wire
//! protocols over HTTP: OpenAI's images edit API and the Stable Diffusion WebUI (AUTOMATIC1111)
//! img2img API. Tests script how each call behaves (success, rate limit, hang, …) and then
//! inspect what the mock received and how many calls overlapped.

mod openai;
mod sdwebui;

use std::{
    collections::{HashMap, VecDeque},
    net::SocketAddr,
    sync::{
        Arc, Mutex, MutexGuard,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use axum::{
    Router,
    extract::DefaultBodyLimit,
    routing::{get, post},
};
use bytes::Bytes;
use image::{DynamicImage, ImageFormat};
use rand::Rng;
use tokio::{net::TcpListener, task::JoinHandle};

/// Large enough for any image a test uploads; the real OpenAI limit is 50 MB per image.
const BODY_LIMIT: usize = 64 * 1024 * 1024;

/// How the mock answers one call. Each protocol renders it in its own error format.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Behavior {
    /// Answers with an image derived from the input (colours inverted).
    #[default]
    Success,
    /// OpenAI: answers with `data[0].url` instead of `b64_json`. SD WebUI: same as `Success`.
    SuccessUrl,
    /// 429 with a `Retry-After` header (OpenAI code `rate_limit_exceeded`, type `requests`).
    RateLimited {
        /// Value of the `Retry-After` header.
        retry_after_secs: u64,
    },
    /// 429 with OpenAI code and type `insufficient_quota`: retrying will not help.
    QuotaExhausted,
    /// 500 (OpenAI type `server_error`).
    ServerError,
    /// 400 (SD WebUI: 422) with this message.
    BadRequest(String),
    /// 400 with OpenAI code `content_policy_violation`.
    ContentPolicy,
    /// 401 with OpenAI code `invalid_api_key`.
    Unauthorized,
    /// Never answers; the call stays in flight until the client disconnects.
    Hang,
    /// 200 with a truncated JSON body and `Content-Type: application/json`.
    MalformedJson,
}

/// Which API a recorded call used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// `POST /v1/images/edits`.
    OpenAi,
    /// `POST /sdapi/v1/img2img`.
    SdWebUi,
}

/// One call as the mock received it.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    /// The API the call used.
    pub protocol: Protocol,
    /// The prompt, empty when the request had none.
    pub prompt: String,
    /// The `model` form field (OpenAI) or `override_settings.sd_model_checkpoint` (SD WebUI).
    pub model: Option<String>,
    /// The image part's content type (OpenAI) or the data-URL / sniffed type (SD WebUI).
    pub image_mime: Option<String>,
    /// Size in bytes of the (first) uploaded image after any base64 decoding; 0 without one.
    pub image_len: usize,
    /// The raw `Authorization` header.
    pub authorization: Option<String>,
    /// When the call arrived.
    pub at: Instant,
}

/// A running mock server. Dropping it stops accepting connections.
pub struct MockAi {
    shared: Arc<Shared>,
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl MockAi {
    /// Starts the mock on `127.0.0.1` with a random port, served by a background tokio task.
    pub async fn start() -> MockAi {
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("binding the mock AI server to a random local port")
    }

    /// Starts the mock on a given address (port 0 picks a free one).
    pub async fn start_on(addr: SocketAddr) -> std::io::Result<MockAi> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            base_url: format!("http://{addr}"),
            inner: Mutex::new(Inner::default()),
            in_flight: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
            next_id: AtomicU64::new(1),
        });
        let app = Router::new()
            .route("/v1/images/edits", post(openai::edits))
            .route("/files/{name}", get(openai::file))
            .route("/sdapi/v1/img2img", post(sdwebui::img2img))
            .route("/sdapi/v1/progress", get(sdwebui::progress))
            .fallback(openai::not_found)
            .layer(DefaultBodyLimit::max(BODY_LIMIT))
            .with_state(shared.clone());
        let task = tokio::spawn(async move {
            // Only fails when the listener itself breaks, which no test can recover from.
            if let Err(err) = axum::serve(listener, app).await {
                eprintln!("mock AI server stopped: {err}");
            }
        });
        Ok(MockAi { shared, addr, task })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// The OpenAI API base, `base_url() + "/v1"`.
    pub fn openai_base(&self) -> String {
        format!("{}/v1", self.shared.base_url)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Makes every call take `mean * (1 ± uniform(jitter))` before answering, e.g. `jitter` 0.2
    /// for ±20 %. Calls rejected by request validation answer at once, as the real APIs do.
    pub fn set_latency(&self, mean: Duration, jitter: f64) {
        let mut inner = self.shared.lock();
        inner.latency = mean;
        inner.jitter = if jitter.is_finite() {
            jitter.abs()
        } else {
            0.0
        };
    }

    /// The behaviour used once the scripts are empty (initially [`Behavior::Success`]).
    pub fn set_default(&self, b: Behavior) {
        self.shared.lock().default = b;
    }

    /// Queues behaviours consumed one per valid call, first in first out, before the default.
    pub fn script(&self, bs: impl IntoIterator<Item = Behavior>) {
        self.shared.lock().script.extend(bs);
    }

    /// Queues behaviours for calls whose prompt contains `prompt_contains`; they take priority
    /// over [`MockAi::script`]. Scripting the same text again appends to its queue.
    pub fn script_for_prompt(&self, prompt_contains: &str, bs: impl IntoIterator<Item = Behavior>) {
        let mut inner = self.shared.lock();
        match inner
            .prompt_scripts
            .iter_mut()
            .find(|(text, _)| text == prompt_contains)
        {
            Some((_, queue)) => queue.extend(bs),
            None => inner
                .prompt_scripts
                .push((prompt_contains.to_owned(), bs.into_iter().collect())),
        }
    }

    /// Calls currently being handled, latency and hanging calls included.
    pub fn in_flight(&self) -> usize {
        self.shared.in_flight.load(Ordering::SeqCst)
    }

    /// The most calls ever in flight at once since start or [`MockAi::reset_peak`].
    pub fn peak_in_flight(&self) -> usize {
        self.shared.peak.load(Ordering::SeqCst)
    }

    /// Restarts peak tracking from the calls in flight right now.
    pub fn reset_peak(&self) {
        self.shared.peak.store(
            self.shared.in_flight.load(Ordering::SeqCst),
            Ordering::SeqCst,
        );
    }

    /// Calls received on both APIs (progress polls and file downloads are not counted).
    pub fn calls(&self) -> usize {
        self.shared.lock().requests.len()
    }

    /// Every call received, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().requests.clone()
    }
}

impl Drop for MockAi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// State shared by the handle and the handlers.
pub(crate) struct Shared {
    base_url: String,
    // A std mutex because it is never held across an await.
    inner: Mutex<Inner>,
    in_flight: AtomicUsize,
    peak: AtomicUsize,
    next_id: AtomicU64,
}

#[derive(Default)]
struct Inner {
    latency: Duration,
    jitter: f64,
    default: Behavior,
    script: VecDeque<Behavior>,
    prompt_scripts: Vec<(String, VecDeque<Behavior>)>,
    requests: Vec<RecordedRequest>,
    /// Generated images served by `GET /files/{name}`.
    files: HashMap<String, Bytes>,
    /// Calls waiting out their latency: id -> (start, planned duration), for `/progress`.
    working: HashMap<u64, (Instant, Duration)>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panicking test thread must not take every later assertion down with it.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Marks a call as in flight until the returned guard drops, which also happens when hyper
    /// drops the handler because the client went away.
    fn enter(self: &Arc<Self>) -> CallGuard {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        CallGuard {
            shared: self.clone(),
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
        }
    }

    fn record(&self, request: RecordedRequest) {
        self.lock().requests.push(request);
    }

    fn next_behavior(&self, prompt: &str) -> Behavior {
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

    fn store_file(&self, png: Bytes) -> String {
        let name = format!(
            "img-{}-{:08x}.png",
            self.next_id.fetch_add(1, Ordering::Relaxed),
            rand::random::<u32>()
        );
        self.lock().files.insert(name.clone(), png);
        format!("{}/files/{name}", self.base_url)
    }

    fn file(&self, name: &str) -> Option<Bytes> {
        self.lock().files.get(name).cloned()
    }

    /// Progress of the oldest call still waiting out its latency, its remaining seconds, and
    /// the number of calls in flight.
    fn progress(&self) -> (f64, f64, usize) {
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
    async fn simulate_latency(&self) {
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

/// Why no image could be generated.
enum ImageError {
    /// The upload is not an image the `image` crate can read: the client's fault.
    Decode,
    /// The mock itself failed.
    Internal(String),
}

/// The "generated" image: the input with its colours inverted, as PNG. Runs on the blocking
/// pool so that a large image does not stall the other calls on a small machine.
async fn invert_to_png(input: Bytes) -> Result<Bytes, ImageError> {
    tokio::task::spawn_blocking(move || {
        let mut img = image::load_from_memory(&input).map_err(|_| ImageError::Decode)?;
        // PNG cannot hold floating-point pixels.
        if matches!(
            img,
            DynamicImage::ImageRgb32F(_) | DynamicImage::ImageRgba32F(_)
        ) {
            img = DynamicImage::ImageRgba8(img.to_rgba8());
        }
        img.invert();
        let mut png = std::io::Cursor::new(Vec::new());
        img.write_to(&mut png, ImageFormat::Png)
            .map_err(|err| ImageError::Internal(format!("could not encode image: {err}")))?;
        Ok(Bytes::from(png.into_inner()))
    })
    .await
    .map_err(|err| ImageError::Internal(format!("image worker failed: {err}")))?
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
