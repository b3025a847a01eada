//! The imgbatch server: the service layer (accounts, presets, settings), its SQLite storage, the
//! REST API for scripts and the host of the Leptos UI.

pub mod accounts;
pub mod auth;
pub mod backend;
pub mod cli;
pub mod config;
pub mod db;
pub mod error;
pub mod presets;
pub mod rest;
pub mod settings;
pub mod startup;
pub mod state;
pub mod telemetry;

pub use error::{Error, Result};
