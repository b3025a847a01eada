//! What the server functions need from the server, one seam per domain. The server implements
//! these traits over its service layer (the same services the REST API calls) and provides the
//! whole as context, so this crate never touches SQL or files and no rule is written twice.
//! Every method that acts for someone takes the caller, already resolved from the session.

use std::sync::Arc;

use async_trait::async_trait;

use crate::{
    AppError,
    types::{
        AdminBatch, AdminUser, BatchCreated, BatchDetail, BatchSummary, EditSource, KeyStatus,
        LedgerEntry, ModelView, PresetChanges, PresetView, QueueFilter, QueueNow, Stats, UserView,
    },
};

/// A freshly created session.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub max_age_secs: i64,
    pub user: UserView,
}

/// Accounts: sessions, the credit ledger and the caller's own provider keys.
#[async_trait]
pub trait AccountBackend: Send + Sync + 'static {
    /// Whether session cookies must be `Secure` (the app is served over HTTPS).
    fn secure_cookies(&self) -> bool;
    /// Checks the password and opens a session.
    async fn login(&self, username: &str, password: &str) -> Result<NewSession, AppError>;
    /// Creates an account and opens a session.
    async fn register(&self, username: &str, password: &str) -> Result<NewSession, AppError>;
    /// The user a session token belongs to, if it is valid.
    async fn caller(&self, token: &str) -> Result<UserView, AppError>;
    /// Ends a session, or every session and API token of its owner.
    async fn logout(&self, token: &str, everywhere: bool) -> Result<(), AppError>;
    /// The caller's balance changes, newest first.
    async fn ledger(
        &self,
        caller: &UserView,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<LedgerEntry>, AppError>;
    /// Which providers take an own key, and whether the caller stored one.
    async fn keys(&self, caller: &UserView) -> Result<Vec<KeyStatus>, AppError>;
    /// Stores (or replaces) the caller's key for a provider.
    async fn set_key(&self, caller: &UserView, provider: &str, key: &str) -> Result<(), AppError>;
    /// Removes the caller's key for a provider.
    async fn delete_key(&self, caller: &UserView, provider: &str) -> Result<(), AppError>;
}

/// Batches: models and presets to choose from, creating, watching, cancelling, retrying, editing.
#[async_trait]
pub trait BatchBackend: Send + Sync + 'static {
    /// The models on offer, with whether the caller's own key makes them free.
    async fn models(&self, caller: &UserView) -> Result<Vec<ModelView>, AppError>;
    /// Active presets in display order.
    async fn presets(&self, caller: &UserView) -> Result<Vec<PresetView>, AppError>;
    /// Reads a multipart upload (`images`, `prompt`, `model`, `batchName`) and creates the batch,
    /// exactly as the REST endpoint does.
    async fn create_batch(
        &self,
        caller: &UserView,
        upload: multer::Multipart<'static>,
    ) -> Result<BatchCreated, AppError>;
    /// A batch with its tasks (the owner's, or any for an admin).
    async fn batch(&self, caller: &UserView, id: i64) -> Result<BatchDetail, AppError>;
    /// The caller's batches, newest first.
    async fn history(
        &self,
        caller: &UserView,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<BatchSummary>, AppError>;
    /// Cancels a batch; returns the credits refunded.
    async fn cancel_batch(&self, caller: &UserView, id: i64) -> Result<i64, AppError>;

    /// Deletes a batch with its images (cancelling it first if it runs); answers the refund.
    async fn delete_batch(&self, caller: &UserView, id: i64) -> Result<i64, AppError>;
    /// Puts a failed task back in the queue.
    /// Re-runs a failed task; answers how many manual retries it has left.
    async fn retry_task(&self, caller: &UserView, id: i64) -> Result<i64, AppError>;
    /// Queues the next version of a task; returns the credits charged.
    async fn edit_task(
        &self,
        caller: &UserView,
        id: i64,
        prompt: &str,
        source: EditSource,
    ) -> Result<i64, AppError>;
}

/// Administration; every method answers `Forbidden` for a caller who is not an admin.
#[async_trait]
pub trait AdminBackend: Send + Sync + 'static {
    /// The queue now, with the concurrency limit.
    async fn queue_now(&self, caller: &UserView) -> Result<QueueNow, AppError>;
    /// Changes the global concurrency (1–10); returns the new value.
    async fn set_concurrency(&self, caller: &UserView, value: u32) -> Result<u32, AppError>;
    /// Every preset, active or not, in display order.
    async fn all_presets(&self, caller: &UserView) -> Result<Vec<PresetView>, AppError>;
    async fn create_preset(
        &self,
        caller: &UserView,
        preset: PresetChanges,
    ) -> Result<PresetView, AppError>;
    async fn update_preset(
        &self,
        caller: &UserView,
        id: i64,
        changes: PresetChanges,
    ) -> Result<PresetView, AppError>;
    async fn delete_preset(&self, caller: &UserView, id: i64) -> Result<(), AppError>;
    /// Every user's batches, filtered.
    async fn monitor(
        &self,
        caller: &UserView,
        filter: QueueFilter,
    ) -> Result<Vec<AdminBatch>, AppError>;
    async fn stats(&self, caller: &UserView) -> Result<Stats, AppError>;
    async fn users(&self, caller: &UserView) -> Result<Vec<AdminUser>, AppError>;
    /// Adds (or with a negative amount takes away) credits, written to the ledger.
    async fn grant_credits(
        &self,
        caller: &UserView,
        user_id: i64,
        amount: i64,
    ) -> Result<AdminUser, AppError>;
    /// Makes a user an administrator or revokes it.
    async fn set_admin(
        &self,
        caller: &UserView,
        user_id: i64,
        is_admin: bool,
    ) -> Result<AdminUser, AppError>;
}

/// The whole service layer as the UI sees it.
pub trait Backend: AccountBackend + BatchBackend + AdminBackend {}

impl<T: AccountBackend + BatchBackend + AdminBackend> Backend for T {}

/// How the backend travels through Leptos context.
pub type SharedBackend = Arc<dyn Backend>;
