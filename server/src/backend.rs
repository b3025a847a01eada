//! The service layer offered to the UI's server functions.

use app::{
    AppError,
    backend::{Backend, NewSession},
};
use async_trait::async_trait;

use crate::{accounts::Session, state::AppState};

fn new_session(session: Session) -> NewSession {
    NewSession {
        token: session.token,
        max_age_secs: session.ttl.as_secs() as i64,
        user: session.user.into(),
    }
}

#[async_trait]
impl Backend for AppState {
    async fn login(&self, username: &str, password: &str) -> Result<NewSession, AppError> {
        Ok(new_session(self.accounts.login(username, password).await?))
    }

    async fn register(&self, username: &str, password: &str) -> Result<NewSession, AppError> {
        Ok(new_session(
            self.accounts.register(username, password).await?,
        ))
    }

    async fn user_for_token(&self, token: &str) -> Result<app::types::UserView, AppError> {
        Ok(self.accounts.user_for_token(token).await?.into())
    }

    async fn logout(&self, token: &str) -> Result<(), AppError> {
        Ok(self.accounts.logout(token).await?)
    }
}
