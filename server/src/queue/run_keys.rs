//! The seam through which a run reaches its user's own API key, which the keys service above the
//! queue keeps encrypted.

use async_trait::async_trait;

use crate::{Result, secret::Secret};

/// Where a run made free by its user's own key finds that key.
#[async_trait]
pub trait RunKeys: Send + Sync + 'static {
    /// The user's stored key for `provider`, if any.
    async fn user_key(&self, user_id: i64, provider: &str) -> Result<Option<Secret<String>>>;
}
