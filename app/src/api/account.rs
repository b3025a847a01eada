use leptos::prelude::*;

use crate::{
    AppError,
    types::{KeyStatus, LedgerEntry},
};

/// The caller's balance changes, newest first.
#[server(prefix = "/rpc", endpoint = "ledger", output = super::codec::Json)]
pub async fn ledger(limit: i64, offset: i64) -> Result<Vec<LedgerEntry>, AppError> {
    super::context::as_caller(|b, me| async move { b.ledger(&me, limit, offset).await }).await
}

/// The caller's own provider keys (masked).
#[server(prefix = "/rpc", endpoint = "keys", output = super::codec::Json)]
pub async fn keys() -> Result<Vec<KeyStatus>, AppError> {
    super::context::as_caller(|b, me| async move { b.keys(&me).await }).await
}

/// Stores or replaces the caller's key for a provider.
#[server(prefix = "/rpc", endpoint = "set_key", output = super::codec::Json)]
pub async fn set_key(provider: String, api_key: String) -> Result<(), AppError> {
    super::context::as_caller(|b, me| async move { b.set_key(&me, &provider, &api_key).await })
        .await
}

/// Removes the caller's key for a provider.
#[server(prefix = "/rpc", endpoint = "delete_key", output = super::codec::Json)]
pub async fn delete_key(provider: String) -> Result<(), AppError> {
    super::context::as_caller(|b, me| async move { b.delete_key(&me, &provider).await }).await
}
