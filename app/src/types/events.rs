use serde::{Deserialize, Serialize};

/// The kinds of event in a batch's live-progress stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    /// The whole batch ([`super::BatchDetail`]); first on every connection.
    Snapshot,
    /// The batch row changed ([`super::BatchView`]).
    Queue,
    /// One task changed ([`super::TaskView`]).
    Task,
    /// A running task reported how far it is ([`ProgressUpdate`]).
    Progress,
    /// The batch has finished; the stream closes.
    End,
}

impl EventKind {
    /// The SSE `event:` name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Snapshot => "snapshot",
            Self::Queue => "queue",
            Self::Task => "task",
            Self::Progress => "progress",
            Self::End => "end",
        }
    }
}

/// How far a running task is.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ProgressUpdate {
    pub task_id: i64,
    pub progress: f64,
}
