//! The service layer offered to the UI's server functions: one adapter per seam of
//! `app::backend`, each calling the same services as the REST API.

mod account;
mod admin;
mod batches;

use app::{AppError, types::UserView};

use crate::accounts::User;

/// The server's user for a caller the backend resolved itself from the session.
fn user(caller: &UserView) -> User {
    User {
        id: caller.id,
        username: caller.username.clone(),
        is_admin: caller.is_admin,
        credits: caller.credits,
    }
}

/// The caller, who must be an administrator.
fn admin(caller: &UserView) -> Result<User, AppError> {
    if caller.is_admin {
        Ok(user(caller))
    } else {
        Err(crate::Error::Forbidden.into())
    }
}
