//! The bodies the REST API answers with, as types, so that what is sent and what
//! `/api/openapi.json` describes are the same thing.

use app::types::UserView;
use axum::{
    Json,
    response::{IntoResponse, Response},
};
use serde::Serialize;
use utoipa::ToSchema;

/// `{"success":true,"data":…}`
#[derive(Serialize, ToSchema)]
pub struct Data<T> {
    /// Always `true`.
    pub success: bool,
    pub data: T,
}

impl<T: Serialize> IntoResponse for Data<T> {
    fn into_response(self) -> Response {
        Json(self).into_response()
    }
}

pub fn data<T: Serialize>(data: T) -> Data<T> {
    Data {
        success: true,
        data,
    }
}

/// `{"success":true,"message":…}`
#[derive(Serialize, ToSchema)]
pub struct Message {
    /// Always `true`.
    pub success: bool,
    pub message: String,
}

pub fn message(message: impl Into<String>) -> Message {
    Message {
        success: true,
        message: message.into(),
    }
}

/// Every refusal and failure: `{"success":false,"error":…}`.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// Always `false`.
    pub success: bool,
    /// What went wrong, in words meant for a person.
    pub error: String,
    /// A stable word for programs, where the failure has one (e.g. `insufficient_credits`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// A new session: the token for scripts (also set as an HttpOnly cookie for browsers).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionAnswer {
    pub success: bool,
    /// Send it as `Authorization: Bearer <token>`.
    pub token: String,
    /// Seconds until the token expires.
    pub expires_in: u64,
    pub user: UserView,
}

/// The answer to signing out everywhere.
#[derive(Serialize, ToSchema)]
pub struct SignedOutEverywhere {
    pub success: bool,
    pub message: String,
    /// Sessions and tokens ended, this one included.
    pub ended: u64,
}

/// A batch accepted: its images are queued and its credits charged.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BatchAccepted {
    pub success: bool,
    pub queue_id: i64,
    pub total_images: i64,
    /// Whether the images run on the caller's own provider key (then they cost no credits).
    pub used_user_key: bool,
    pub credits_charged: i64,
}

/// A batch cancelled or deleted.
#[derive(Serialize, ToSchema)]
pub struct Refunded {
    pub success: bool,
    pub message: String,
    /// Credits given back for images that had not started.
    pub refunded: i64,
}

/// A failed task queued again.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Retried {
    pub success: bool,
    pub message: String,
    /// Manual retries this task has left.
    pub retries_left: i64,
}

/// An edit queued as the task's next version.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EditQueued {
    pub success: bool,
    pub message: String,
    pub credits_charged: i64,
}

/// How many provider calls run at once, on the whole server.
#[derive(Serialize, ToSchema)]
pub struct Concurrency {
    /// 1 to 10.
    pub concurrency: u32,
}

macro_rules! json_answers {
    ($($name:ident),*) => {$(
        impl IntoResponse for $name {
            fn into_response(self) -> Response {
                Json(self).into_response()
            }
        }
    )*};
}

json_answers!(
    Message,
    SessionAnswer,
    SignedOutEverywhere,
    BatchAccepted,
    Refunded,
    Retried,
    EditQueued
);
