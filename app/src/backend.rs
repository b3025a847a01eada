//! What the server functions need from the server. The server implements this trait over its
//! service layer and provides it as context, so this crate never touches SQL or files.

use std::sync::Arc;

use async_trait::async_trait;

use crate::{AppError, types::UserView};

/// A freshly created session.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub max_age_secs: i64,
    pub user: UserView,
}

/// The service layer as the UI sees it.
#[async_trait]
pub trait Backend: Send + Sync + 'static {
    /// Checks the password and opens a session.
    async fn login(&self, username: &str, password: &str) -> Result<NewSession, AppError>;
    /// Creates an account and opens a session.
    async fn register(&self, username: &str, password: &str) -> Result<NewSession, AppError>;
    /// The user a session token belongs to, if it is valid.
    async fn user_for_token(&self, token: &str) -> Result<UserView, AppError>;
    /// Ends a session.
    async fn logout(&self, token: &str) -> Result<(), AppError>;
}

/// How the backend travels through Leptos context.
pub type SharedBackend = Arc<dyn Backend>;
