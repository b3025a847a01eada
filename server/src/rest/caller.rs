//! Axum extractors that resolve the caller of a REST route from a bearer token or the session
//! cookie.

use axum::{extract::FromRequestParts, http::request::Parts};

use crate::{Error, accounts::User, state::AppState};

/// The signed-in caller; rejects the request with 401 otherwise.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub User);

/// The signed-in caller, who must be an administrator (403 otherwise).
#[derive(Debug, Clone)]
pub struct AdminUser(pub User);

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let token = app::session::token_from_headers(&parts.headers).ok_or(Error::Unauthorized)?;
        let user = state.accounts.user_for_token(&token).await?;
        tracing::Span::current().record("user_id", user.id);
        Ok(Self(user))
    }
}

impl FromRequestParts<AppState> for AdminUser {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let CurrentUser(user) = CurrentUser::from_request_parts(parts, state).await?;
        if user.is_admin {
            Ok(Self(user))
        } else {
            Err(Error::Forbidden)
        }
    }
}
