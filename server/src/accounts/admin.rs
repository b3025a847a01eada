//! Administration of accounts: the user list, credit grants by id and the admin role.

use app::Problem;
use app::types::AdminUser;

use super::{Accounts, User, credits};
use crate::{
    Error, Result,
    db::{self, Db},
    store::users,
};

/// Largest credit grant (either way) in one go.
pub const MAX_GRANT: i64 = 1_000_000;

impl Accounts {
    /// Every user with their balance, role and number of batches, oldest account first.
    pub async fn list_users(&self) -> Result<Vec<AdminUser>> {
        users::list_for_admin(&self.db).await
    }

    /// Adds `amount` (negative to take away, stopping at zero) to a user's balance, written to
    /// the ledger as an admin grant.
    #[tracing::instrument(skip_all, fields(user_id, amount), err(level = "info", Display))]
    pub async fn grant_credits_to(&self, user_id: i64, amount: i64) -> Result<AdminUser> {
        check_grant(amount)?;
        let mut tx = db::begin_write(&self.db).await?;
        let balance = users::balance(&mut tx, user_id)
            .await?
            .ok_or(Error::NotFound("user"))?;
        let delta = amount.max(-balance);
        if delta != 0 {
            credits::apply(&mut tx, credits::Entry::new(user_id, delta, "admin grant")).await?;
        }
        tx.commit().await?;
        tracing::info!(user_id, delta, "credits granted");
        admin_user(&self.db, user_id).await
    }

    /// Makes a user an administrator or revokes it. Nobody revokes their own role, so there is
    /// always an administrator left.
    #[tracing::instrument(skip_all, fields(by = by.id, user_id, is_admin), err(level = "info", Display))]
    pub async fn set_admin(&self, by: &User, user_id: i64, is_admin: bool) -> Result<AdminUser> {
        if by.id == user_id && !is_admin {
            return Err(Error::Conflict(Problem::OwnAdminRole));
        }
        // Writers take turns, so two administrators revoking each other at the same moment
        // cannot both succeed: the second is no longer an administrator when its turn comes.
        let mut tx = db::begin_write(&self.db).await?;
        if !users::is_admin(&mut tx, by.id).await? {
            return Err(Error::Forbidden);
        }
        if !users::set_admin(&mut tx, user_id, is_admin).await? {
            return Err(Error::NotFound("user"));
        }
        tx.commit().await?;
        tracing::info!(user_id, is_admin, "administrator role changed");
        admin_user(&self.db, user_id).await
    }

    /// Reads a grant amount sent as JSON: a whole number within the bounds, not 0.
    pub fn grant_amount(value: &serde_json::Value) -> Result<i64> {
        let amount = value.as_i64().ok_or_else(grant_rule)?;
        check_grant(amount)?;
        Ok(amount)
    }
}

/// A grant must change something and stay within bounds.
fn check_grant(amount: i64) -> Result<()> {
    if amount == 0 || !(-MAX_GRANT..=MAX_GRANT).contains(&amount) {
        return Err(grant_rule());
    }
    Ok(())
}

fn grant_rule() -> Error {
    Error::Invalid(Problem::GrantAmount { max: MAX_GRANT })
}

async fn admin_user(db: &Db, user_id: i64) -> Result<AdminUser> {
    users::get_for_admin(db, user_id)
        .await?
        .ok_or(Error::NotFound("user"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_are_bounded_and_not_zero() {
        assert!(check_grant(1).is_ok());
        assert!(check_grant(-MAX_GRANT).is_ok());
        assert!(check_grant(MAX_GRANT).is_ok());
        for bad in [0, MAX_GRANT + 1, -MAX_GRANT - 1, i64::MIN] {
            assert!(matches!(check_grant(bad), Err(Error::Invalid(_))), "{bad}");
        }
        assert_eq!(
            Accounts::grant_amount(&serde_json::json!(-5)).ok(),
            Some(-5)
        );
        for bad in [
            serde_json::json!(1.5),
            serde_json::json!("10"),
            serde_json::json!(null),
            serde_json::json!(0),
        ] {
            assert!(Accounts::grant_amount(&bad).is_err(), "{bad}");
        }
    }
}
