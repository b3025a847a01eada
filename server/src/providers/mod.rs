//! AI image services behind one trait, and the configured list of models that use them.

mod answer;
mod classify;
pub mod demo;
pub mod models;
pub mod openai;
pub mod sdwebui;

use std::{sync::Arc, time::Duration};

use async_trait::async_trait;
use bytes::Bytes;

pub use classify::ProviderError;
pub use models::{Model, Models};

use crate::secret::Secret;

/// One image-to-image call.
pub struct GenerateRequest {
    pub image: Bytes,
    pub mime: &'static str,
    pub prompt: String,
    /// The provider's own name for the model.
    pub upstream_model: String,
    /// The user's own key, when the batch runs on it; otherwise the provider's system key.
    pub api_key: Option<Secret<String>>,
}

/// Reports how far a running call is (0.0–1.0), for providers that can tell.
pub type ProgressFn = Arc<dyn Fn(f32) + Send + Sync>;

/// An AI image service.
#[async_trait]
pub trait Provider: Send + Sync + 'static {
    /// The provider's id as used in model configuration (`demo`, `openai`, `sdwebui`).
    fn id(&self) -> &'static str;

    /// Whether this provider takes a user's own API key.
    fn accepts_user_keys(&self) -> bool {
        false
    }

    /// Transforms the image; the answer's bytes are an image in any common format.
    async fn generate(
        &self,
        request: GenerateRequest,
        progress: ProgressFn,
    ) -> Result<Bytes, ProviderError>;
}

pub type SharedProvider = Arc<dyn Provider>;

/// An HTTP client for provider calls with the configured timeout.
pub fn http_client(timeout: Duration) -> Result<reqwest::Client, crate::Error> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(Duration::from_secs(10))
        .user_agent(concat!("imgbatch/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| crate::Error::Internal(format!("cannot build the HTTP client: {e}")))
}
