//! Uploads with `XMLHttpRequest`, whose upload progress events `fetch` does not have.

use js_sys::Promise;
use wasm_bindgen::{JsCast, JsValue, closure::Closure};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Event, FormData, ProgressEvent, XmlHttpRequest};

/// How an upload ended, when it reached the server.
pub struct Answer {
    pub status: u16,
    pub body: String,
}

/// Why an upload did not reach an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    Aborted,
    Network,
}

/// An upload under way; [`Upload::abort`] stops it.
#[derive(Clone)]
pub struct Upload {
    xhr: XmlHttpRequest,
}

impl Upload {
    /// Starts posting `form` to `url`, reporting `(bytes sent, bytes in all)`.
    pub fn start(
        url: &str,
        form: &FormData,
        on_progress: impl FnMut(f64, f64) + 'static,
    ) -> Result<(Self, Progress), JsValue> {
        let xhr = XmlHttpRequest::new()?;
        xhr.open("POST", url)?;
        xhr.set_request_header("Accept", "application/json")?;
        let mut on_progress = on_progress;
        let progress = Closure::<dyn FnMut(ProgressEvent)>::new(move |event: ProgressEvent| {
            if event.length_computable() {
                on_progress(event.loaded(), event.total());
            }
        });
        xhr.upload()?
            .set_onprogress(Some(progress.as_ref().unchecked_ref()));
        xhr.send_with_opt_form_data(Some(form))?;
        Ok((Self { xhr }, Progress(progress)))
    }

    /// Waits for the answer.
    pub async fn finish(&self) -> Result<Answer, Failure> {
        let xhr = self.xhr.clone();
        let done = Promise::new(&mut |resolve, reject| {
            xhr.set_onload(Some(&resolve));
            xhr.set_onerror(Some(&reject));
            xhr.set_onabort(Some(&reject));
        });
        match JsFuture::from(done).await {
            Ok(_) => Ok(Answer {
                status: self.xhr.status().unwrap_or(0),
                body: self.xhr.response_text().ok().flatten().unwrap_or_default(),
            }),
            Err(event) => {
                let aborted = event
                    .dyn_ref::<Event>()
                    .is_some_and(|e| e.type_() == "abort");
                Err(if aborted {
                    Failure::Aborted
                } else {
                    Failure::Network
                })
            }
        }
    }

    pub fn abort(&self) {
        let _ = self.xhr.abort();
    }
}

/// Keeps the progress handler alive while the upload runs.
pub struct Progress(#[allow(dead_code)] Closure<dyn FnMut(ProgressEvent)>);
