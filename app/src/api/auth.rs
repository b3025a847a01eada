use leptos::prelude::*;

use crate::{AppError, types::UserView};

/// Signs in and stores the session cookie.
#[server(prefix = "/rpc", endpoint = "login", output = super::codec::Json)]
pub async fn login(username: String, password: String) -> Result<UserView, AppError> {
    super::context::with_status(
        async {
            let session = super::context::backend()?
                .login(&username, &password)
                .await?;
            super::context::remember(&session.token, session.max_age_secs);
            Ok(session.user)
        }
        .await,
    )
}

/// Creates an account, signs in and stores the session cookie.
#[server(prefix = "/rpc", endpoint = "register", output = super::codec::Json)]
pub async fn register(username: String, password: String) -> Result<UserView, AppError> {
    super::context::with_status(
        async {
            let session = super::context::backend()?
                .register(&username, &password)
                .await?;
            super::context::remember(&session.token, session.max_age_secs);
            Ok(session.user)
        }
        .await,
    )
}

/// Ends the session (with `everywhere`, every session and API token of the user) and removes
/// the cookie.
#[server(prefix = "/rpc", endpoint = "logout", output = super::codec::Json)]
pub async fn logout(everywhere: Option<bool>) -> Result<(), AppError> {
    if let Some(token) = super::context::request_token() {
        let everywhere = everywhere.unwrap_or(false);
        super::context::backend()?
            .logout(&token, everywhere)
            .await?;
    }
    super::context::forget();
    Ok(())
}

/// The signed-in user, or `None` for a visitor.
#[server(prefix = "/rpc", endpoint = "me", output = super::codec::Json)]
pub async fn current_user() -> Result<Option<UserView>, AppError> {
    let Some(token) = super::context::request_token() else {
        return Ok(None);
    };
    match super::context::backend()?.caller(&token).await {
        Ok(user) => Ok(Some(user)),
        Err(AppError::Unauthorized(_)) => Ok(None),
        Err(other) => Err(other),
    }
}
