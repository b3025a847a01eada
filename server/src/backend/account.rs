use app::{
    AppError,
    backend::{AccountBackend, NewSession},
    types::{KeyStatus, LedgerEntry, UserView},
};
use async_trait::async_trait;

use super::user;
use crate::{accounts::Session, state::AppState};

fn new_session(session: Session) -> NewSession {
    NewSession {
        token: session.token,
        max_age_secs: session.ttl.as_secs() as i64,
        user: session.user.into(),
    }
}

#[async_trait]
impl AccountBackend for AppState {
    fn secure_cookies(&self) -> bool {
        self.site.is_https()
    }

    async fn login(&self, username: &str, password: &str) -> Result<NewSession, AppError> {
        Ok(new_session(self.accounts.login(username, password).await?))
    }

    async fn register(&self, username: &str, password: &str) -> Result<NewSession, AppError> {
        Ok(new_session(
            self.accounts.register(username, password).await?,
        ))
    }

    async fn caller(&self, token: &str) -> Result<UserView, AppError> {
        Ok(self.accounts.user_for_token(token).await?.into())
    }

    async fn logout(&self, token: &str, everywhere: bool) -> Result<(), AppError> {
        if everywhere {
            self.accounts.logout_everywhere(token).await?;
        } else {
            self.accounts.logout(token).await?;
        }
        Ok(())
    }

    async fn ledger(
        &self,
        caller: &UserView,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<LedgerEntry>, AppError> {
        Ok(crate::store::credits::history(&self.db, caller.id, limit, offset).await?)
    }

    async fn keys(&self, caller: &UserView) -> Result<Vec<KeyStatus>, AppError> {
        Ok(self.keys.statuses(&user(caller), &self.models).await?)
    }

    async fn set_key(&self, caller: &UserView, provider: &str, key: &str) -> Result<(), AppError> {
        Ok(self
            .keys
            .set_checked(&user(caller), &self.models, provider, key)
            .await?)
    }

    async fn delete_key(&self, caller: &UserView, provider: &str) -> Result<(), AppError> {
        Ok(self.keys.delete(caller.id, provider).await?)
    }
}
