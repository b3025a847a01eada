//! OpenAI-compatible `POST {base}/images/edits` (OpenAI and the many gateways that copy it).

use async_trait::async_trait;
use base64::{Engine, engine::general_purpose::STANDARD};
use bytes::Bytes;
use reqwest::multipart::{Form, Part};
use serde::Deserialize;

use super::{
    GenerateRequest, ProgressFn, Provider, ProviderError,
    answer::{self, MAX_ANSWER_BYTES, transport},
    classify::{classify_openai, retry_after},
};
use crate::secret::Secret;

pub struct OpenAi {
    client: reqwest::Client,
    base_url: String,
    /// The service's address, which result URLs over plain HTTP must share.
    origin: Option<reqwest::Url>,
    api_key: Option<Secret<String>>,
    size: String,
}

impl OpenAi {
    pub fn new(
        client: reqwest::Client,
        base_url: &str,
        api_key: Option<Secret<String>>,
        size: String,
    ) -> Self {
        Self {
            client,
            origin: reqwest::Url::parse(base_url).ok(),
            base_url: base_url.trim_end_matches('/').to_owned(),
            api_key,
            size,
        }
    }
}

#[derive(Deserialize)]
struct EditResponse {
    data: Vec<ImageData>,
}

#[derive(Deserialize)]
struct ImageData {
    b64_json: Option<String>,
    url: Option<String>,
}

#[async_trait]
impl Provider for OpenAi {
    fn id(&self) -> &'static str {
        "openai"
    }

    fn accepts_user_keys(&self) -> bool {
        true
    }

    async fn generate(
        &self,
        request: GenerateRequest,
        _progress: ProgressFn,
    ) -> Result<Bytes, ProviderError> {
        let key = request
            .api_key
            .as_ref()
            .or(self.api_key.as_ref())
            .ok_or_else(|| ProviderError::permanent("no API key is configured for OpenAI"))?;
        let (image, mime, file_name) = upload_form(request.image, request.mime)?;
        let part = Part::bytes(image.to_vec())
            .file_name(file_name)
            .mime_str(mime)
            .map_err(|e| ProviderError::permanent(format!("bad image type: {e}")))?;
        let form = Form::new()
            .part("image", part)
            .text("prompt", request.prompt)
            .text("model", request.upstream_model)
            .text("n", "1")
            .text("size", self.size.clone());
        let response = self
            .client
            .post(format!("{}/images/edits", self.base_url))
            .bearer_auth(key.expose())
            .multipart(form)
            .send()
            .await
            .map_err(|e| transport(&e))?;
        let status = response.status();
        let wait = retry_after(response.headers());
        if !status.is_success() {
            return Err(classify_openai(
                status,
                &answer::read_error(response).await,
                wait,
            ));
        }
        let body = answer::read_body(response, MAX_ANSWER_BYTES).await?;
        let parsed: EditResponse = serde_json::from_slice(&body).map_err(|e| {
            ProviderError::retryable(format!("the image service sent an unreadable answer: {e}"))
        })?;
        let first = parsed
            .data
            .into_iter()
            .next()
            .ok_or_else(|| ProviderError::retryable("the image service sent no image"))?;
        match (first.b64_json, first.url) {
            (Some(b64), _) => STANDARD.decode(b64.trim()).map(Bytes::from).map_err(|e| {
                ProviderError::retryable(format!("the image service sent bad base64: {e}"))
            }),
            (None, Some(url)) => self.download(&url).await,
            (None, None) => Err(ProviderError::retryable("the image service sent no image")),
        }
    }
}

impl OpenAi {
    /// Provider URLs expire, so the result is fetched at once.
    async fn download(&self, url: &str) -> Result<Bytes, ProviderError> {
        let origin = self
            .origin
            .as_ref()
            .ok_or_else(|| ProviderError::permanent("the image service's address is not a URL"))?;
        let url = answer::result_url(url, origin)?;
        let response = self
            .client
            .get(url)
            .send()
            .await
            .map_err(|e| transport(&e))?;
        let status = response.status();
        if !status.is_success() {
            return Err(classify_openai(status, "", retry_after(response.headers())));
        }
        answer::read_body(response, MAX_ANSWER_BYTES).await
    }
}

/// The API takes PNG, JPEG and WebP with their real type; other formats are converted to PNG.
fn upload_form(
    image: Bytes,
    mime: &'static str,
) -> Result<(Bytes, &'static str, &'static str), ProviderError> {
    match mime {
        "image/png" => Ok((image, mime, "image.png")),
        "image/jpeg" => Ok((image, mime, "image.jpg")),
        "image/webp" => Ok((image, mime, "image.webp")),
        _ => {
            let decoded = crate::images::decode(&image)
                .map_err(|e| ProviderError::permanent(format!("cannot convert the image: {e}")))?;
            let png = crate::images::encode_png(&decoded)
                .map_err(|e| ProviderError::permanent(format!("cannot convert the image: {e}")))?;
            Ok((png, "image/png", "image.png"))
        }
    }
}
