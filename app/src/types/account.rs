use serde::{Deserialize, Serialize};

/// A user as the UI and the REST API show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub is_admin: bool,
    pub credits: i64,
}

/// Why a balance changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum LedgerReason {
    /// Starting credits of a new account.
    Signup,
    /// Granted (or taken away) by an administrator.
    #[serde(rename = "admin grant")]
    AdminGrant,
    /// A new batch, one credit per image.
    Batch,
    /// A new version of one image.
    Edit,
    /// Images cancelled before they started.
    Refund,
}

impl LedgerReason {
    /// The word stored in the ledger.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Signup => "signup",
            Self::AdminGrant => "admin grant",
            Self::Batch => "batch",
            Self::Edit => "edit",
            Self::Refund => "refund",
        }
    }

    /// The reason a stored word stands for; unknown words count as an administrator's change.
    pub fn parse(word: &str) -> Self {
        match word {
            "signup" => Self::Signup,
            "batch" => Self::Batch,
            "edit" => Self::Edit,
            "refund" => Self::Refund,
            _ => Self::AdminGrant,
        }
    }
}

/// One change of a balance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LedgerEntry {
    pub id: i64,
    pub delta: i64,
    pub balance_after: i64,
    pub reason: LedgerReason,
    pub queue_id: Option<i64>,
    pub task_id: Option<i64>,
    pub created_at: String,
}

/// Whether the caller has stored an API key of their own for a provider (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct KeyStatus {
    pub provider: String,
    pub has_key: bool,
    /// The key's last four characters, e.g. `…a1B2`, when one is stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub masked: Option<String>,
}
