//! An in-process fake of the AI image services `imgbatch` talks to, speaking their real wire
//! protocols over HTTP: OpenAI's images edit API and the Stable Diffusion WebUI (AUTOMATIC1111)
//! img2img API. Tests script how each call behaves (success, rate limit, hang, …) and then
//! inspect what the mock received and how many calls overlapped.

mod openai;
mod sdwebui;
mod state;

use std::{
    net::SocketAddr,
    sync::{Arc, atomic::Ordering},
    time::{Duration, Instant},
};

use axum::{
    Router,
    extract::DefaultBodyLimit,
    routing::{get, post},
};
use bytes::Bytes;
use image::{DynamicImage, ImageFormat};
use state::Shared;
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
    /// 200 whose image is these bytes, whatever they are.
    ResultBytes(Vec<u8>),
    /// OpenAI: 200 whose `data[0].url` is this address. SD WebUI: same as `Success`.
    ResultUrl(String),
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
        let shared = Arc::new(Shared::new(format!("http://{addr}")));
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
