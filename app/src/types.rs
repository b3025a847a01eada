//! Data shapes shared by the server and the browser.

use serde::{Deserialize, Serialize};

/// The signed-in user as the UI and the REST API show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub is_admin: bool,
    pub credits: i64,
}
