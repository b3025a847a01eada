//! What every request handler can reach.

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use crate::{accounts::Accounts, db::Db, presets::Presets, settings::Settings};

#[derive(Clone, FromRef)]
pub struct AppState {
    pub db: Db,
    pub accounts: Accounts,
    pub presets: Presets,
    pub settings: Settings,
    pub leptos_options: LeptosOptions,
}
