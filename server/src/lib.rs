//! The imgbatch server: the service layer (accounts, presets, settings, batches), the durable
//! queue and the AI providers it calls, SQLite and file storage, the REST API for scripts and the
//! host of the Leptos UI.

pub mod accounts;
pub mod auth;
pub mod backend;
pub mod batch;
pub mod cli;
pub mod config;
pub mod db;
pub mod error;
pub mod images;
pub mod keys;
pub mod presets;
pub mod providers;
pub mod queue;
pub mod rest;
pub mod secret;
pub mod security;
pub mod settings;
pub mod startup;
pub mod state;
pub mod storage;
pub mod store;
pub mod telemetry;
pub mod wakeups;

pub use error::{Error, Result};
