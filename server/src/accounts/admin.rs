//! Administration of accounts: the user list, credit grants by id and the admin role.

use app::types::AdminUser;

use super::{Accounts, User};
use crate::{Error, Result};

impl Accounts {
    /// Every user with their balance, role and number of batches.
    pub async fn list_users(&self) -> Result<Vec<AdminUser>> {
        Err(Error::Internal("not yet".into()))
    }

    /// Adds `amount` (negative to take away, stopping at zero) to a user's balance.
    pub async fn grant_credits_to(&self, _user_id: i64, _amount: i64) -> Result<AdminUser> {
        Err(Error::Internal("not yet".into()))
    }

    /// Makes a user an administrator or revokes it.
    pub async fn set_admin(&self, _by: &User, _user_id: i64, _is_admin: bool) -> Result<AdminUser> {
        Err(Error::Internal("not yet".into()))
    }
}
