//! What every request handler can reach.

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use crate::{
    accounts::Accounts,
    batch::Batches,
    db::Db,
    keys::UserKeys,
    presets::Presets,
    providers::Models,
    security::{Site, client_ip::TrustedProxies, deadline::Deadline},
    settings::Settings,
};

#[derive(Clone, FromRef)]
pub struct AppState {
    pub db: Db,
    pub accounts: Accounts,
    pub presets: Presets,
    pub settings: Settings,
    pub batches: Batches,
    pub models: Models,
    pub keys: UserKeys,
    pub site: Site,
    /// How long a request may take to be answered.
    pub deadline: Deadline,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub proxies: TrustedProxies,
    pub leptos_options: LeptosOptions,
    /// Fires when the server begins to shut down; long-lived responses end on it.
    pub shutdown: tokio_util::sync::CancellationToken,
}
