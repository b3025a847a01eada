//! A self-hosted Stable Diffusion WebUI (AUTOMATIC1111 / Forge): `POST /sdapi/v1/img2img`, with
//! `/sdapi/v1/progress` polled while the call runs.

use std::{convert::Infallible, time::Duration};

use async_trait::async_trait;
use base64::{Engine, engine::general_purpose::STANDARD};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::json;

use super::{
    GenerateRequest, ProgressFn, Provider, ProviderError,
    answer::{self, MAX_ANSWER_BYTES, transport},
    classify::{classify_sdwebui, retry_after},
};

pub struct SdWebUi {
    client: reqwest::Client,
    base_url: String,
    denoising_strength: f32,
    steps: u32,
}

impl SdWebUi {
    pub fn new(client: reqwest::Client, base_url: &str) -> Self {
        Self {
            client,
            base_url: base_url.trim_end_matches('/').to_owned(),
            denoising_strength: 0.6,
            steps: 25,
        }
    }

    async fn poll_progress(&self, progress: ProgressFn) -> Infallible {
        let url = format!(
            "{}/sdapi/v1/progress?skip_current_image=true",
            self.base_url
        );
        loop {
            tokio::time::sleep(Duration::from_millis(500)).await;
            let Ok(response) = self
                .client
                .get(&url)
                .timeout(Duration::from_secs(5))
                .send()
                .await
            else {
                continue;
            };
            if let Ok(value) = response.json::<serde_json::Value>().await
                && let Some(fraction) = value["progress"].as_f64()
            {
                progress(fraction.clamp(0.0, 1.0) as f32);
            }
        }
    }
}

#[derive(Deserialize)]
struct Img2ImgResponse {
    images: Vec<String>,
}

#[async_trait]
impl Provider for SdWebUi {
    fn id(&self) -> &'static str {
        "sdwebui"
    }

    async fn generate(
        &self,
        request: GenerateRequest,
        progress: ProgressFn,
    ) -> Result<Bytes, ProviderError> {
        let body = json!({
            "init_images": [STANDARD.encode(&request.image)],
            "prompt": request.prompt,
            "denoising_strength": self.denoising_strength,
            "steps": self.steps,
            "batch_size": 1,
            "n_iter": 1,
        });
        let call = async {
            let response = self
                .client
                .post(format!("{}/sdapi/v1/img2img", self.base_url))
                .json(&body)
                .send()
                .await
                .map_err(|e| transport(&e))?;
            let status = response.status();
            let wait = retry_after(response.headers());
            if !status.is_success() {
                return Err(classify_sdwebui(
                    status,
                    &answer::read_error(response).await,
                    wait,
                ));
            }
            let body = answer::read_body(response, MAX_ANSWER_BYTES).await?;
            let parsed: Img2ImgResponse = serde_json::from_slice(&body).map_err(|e| {
                ProviderError::retryable(format!(
                    "Stable Diffusion WebUI sent an unreadable answer: {e}"
                ))
            })?;
            let first =
                parsed.images.into_iter().next().ok_or_else(|| {
                    ProviderError::retryable("Stable Diffusion WebUI sent no image")
                })?;
            // Some versions prefix a data URL.
            let b64 = first
                .rsplit_once(',')
                .map_or(first.as_str(), |(_, data)| data);
            STANDARD.decode(b64.trim()).map(Bytes::from).map_err(|e| {
                ProviderError::retryable(format!("Stable Diffusion WebUI sent bad base64: {e}"))
            })
        };
        tokio::select! {
            result = call => result,
            never = self.poll_progress(progress) => match never {},
        }
    }
}
