//! Time limits on requests, so that a stuck database, a slow dependency or a slow client cannot
//! hold a connection (and what it has taken) without end.
//!
//! Every request is answered within the request timeout, except uploads, whose time grows with
//! their size; instead, no request body may go quiet for longer than the timeout (see
//! `tower_http::timeout::RequestBodyTimeoutLayer` in the router). Streams that have answered
//! (live progress, downloads) are not cut: the deadline is for the answer's start.

use std::time::Duration;

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::Response,
};
use http::Method;

use crate::Error;

/// How long a request may take to be answered.
#[derive(Debug, Clone, Copy)]
pub struct Deadline(pub Duration);

pub async fn answer_in_time(
    State(Deadline(limit)): State<Deadline>,
    request: Request,
    next: Next,
) -> Response {
    if is_upload(&request) {
        return next.run(request).await;
    }
    let path = request.uri().path().to_owned();
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(
                path,
                limit_ms = limit.as_millis() as u64,
                "request timed out"
            );
            Error::TimedOut.into_response_for(&path)
        }
    }
}

/// The requests that carry a batch's pictures (REST for scripts, the server function for the UI).
fn is_upload(request: &Request) -> bool {
    request.method() == Method::POST
        && matches!(
            request.uri().path(),
            "/api/batch/create" | "/rpc/create_batch"
        )
}
