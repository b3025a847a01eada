//! Accounts: registration, login, sessions and the credit balance.

mod admin;
pub use admin::MAX_GRANT;
mod backoff;
mod validate;

use app::Problem;
use std::time::Duration;

use backoff::LoginBackoff;

use crate::{
    Error, Result,
    auth::{password, tokens},
    db::{self, Db},
    store::{credits, tokens as sessions, users},
};

pub use crate::store::users::User;

impl From<User> for app::types::UserView {
    fn from(user: User) -> Self {
        Self {
            id: user.id,
            username: user.username,
            is_admin: user.is_admin,
            credits: user.credits,
        }
    }
}

/// A user with a freshly issued token.
#[derive(Debug, Clone)]
pub struct Session {
    pub token: String,
    pub user: User,
    pub ttl: Duration,
}

/// Credentials of the account created on first start.
pub struct BootstrapAdmin {
    pub username: String,
    pub password: String,
}

/// A session (by its token's digest) or every session of an account that has just ended, so
/// that what it keeps open (live streams) ends with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignedOut {
    Token(String),
    User(i64),
}

impl SignedOut {
    /// Whether this ends the session of `token` (held by `user_id`).
    pub fn ends(&self, token: &str, user_id: i64) -> bool {
        match self {
            Self::Token(digest) => *digest == tokens::digest(token),
            Self::User(id) => *id == user_id,
        }
    }
}

#[derive(Clone)]
pub struct Accounts {
    db: Db,
    signup_credits: i64,
    token_ttl: Duration,
    /// Whether anyone may create an account (else only administrators, with the CLI).
    registration_open: bool,
    signed_out: tokio::sync::broadcast::Sender<SignedOut>,
    backoff: LoginBackoff,
}

impl Accounts {
    pub fn new(db: Db, signup_credits: i64, token_ttl: Duration) -> Self {
        Self {
            db,
            signup_credits,
            token_ttl,
            registration_open: true,
            signed_out: tokio::sync::broadcast::channel(64).0,
            backoff: LoginBackoff::default(),
        }
    }

    /// Closes (or opens) self-service registration.
    pub fn with_registration(mut self, open: bool) -> Self {
        self.registration_open = open;
        self
    }

    /// Creates a regular account with the sign-up credits and opens a session for it.
    #[tracing::instrument(skip_all, fields(username = %username), err(level = "info", Display))]
    pub async fn register(&self, username: &str, password: &str) -> Result<Session> {
        if !self.registration_open {
            return Err(Error::RegistrationClosed);
        }
        let user = self
            .create_user(username, password, false, self.signup_credits)
            .await?;
        self.open_session(user).await
    }

    /// Checks a username and password and opens a session.
    #[tracing::instrument(skip_all, fields(username = %username), err(level = "info", Display))]
    pub async fn login(&self, username: &str, password: &str) -> Result<Session> {
        if let Err(wait) = self.backoff.check(username) {
            tracing::warn!(username, "sign-in refused: the account is backing off");
            return Err(Error::TooManyRequests(wait.as_secs().max(1)));
        }
        let result = self.check_password(username, password).await;
        match &result {
            Err(Error::BadCredentials) => self.backoff.failed(username),
            Ok(_) => self.backoff.succeeded(username),
            Err(_) => {}
        }
        let user = result?;
        self.open_session(user).await
    }

    async fn check_password(&self, username: &str, password: &str) -> Result<User> {
        let Some((id, hash)) = users::credentials(&self.db, username.trim()).await? else {
            // Spend the same time as a real check so that response times don't reveal usernames.
            password::verify(
                password.to_owned(),
                password::dummy_hash().await?.to_owned(),
            )
            .await?;
            return Err(Error::BadCredentials);
        };
        if !password::verify(password.to_owned(), hash).await? {
            return Err(Error::BadCredentials);
        }
        self.user_by_id(id).await
    }

    /// The user a token belongs to; `SessionExpired` for an expired one.
    pub async fn user_for_token(&self, token: &str) -> Result<User> {
        let (user_id, expires_at) = sessions::find(&self.db, &tokens::digest(token))
            .await?
            .ok_or(Error::Unauthorized)?;
        if expires_at <= db::now_secs() {
            return Err(Error::SessionExpired);
        }
        self.user_by_id(user_id).await
    }

    /// Revokes a token; unknown tokens are ignored.
    pub async fn logout(&self, token: &str) -> Result<()> {
        let digest = tokens::digest(token);
        sessions::delete(&self.db, &digest).await?;
        // Nobody listening is fine.
        let _ = self.signed_out.send(SignedOut::Token(digest));
        Ok(())
    }

    /// Sessions ending from now on.
    pub fn sign_outs(&self) -> tokio::sync::broadcast::Receiver<SignedOut> {
        self.signed_out.subscribe()
    }

    /// Revokes every session and API token of the token's owner ("sign out everywhere");
    /// answers how many there were.
    pub async fn logout_everywhere(&self, token: &str) -> Result<u64> {
        let user = self.user_for_token(token).await?;
        let done = sessions::delete_for_user(&self.db, user.id).await?;
        tracing::info!(user_id = user.id, sessions = done, "signed out everywhere");
        let _ = self.signed_out.send(SignedOut::User(user.id));
        Ok(done)
    }

    /// Deletes tokens that have expired; answers how many.
    pub async fn sweep_expired_tokens(&self) -> Result<u64> {
        sessions::delete_expired(&self.db, db::now_secs()).await
    }

    /// Creates an account with `credits` recorded in the ledger.
    #[tracing::instrument(skip_all, fields(username = %username, is_admin), err(level = "info", Display))]
    pub async fn create_user(
        &self,
        username: &str,
        password: &str,
        is_admin: bool,
        credits: i64,
    ) -> Result<User> {
        let username = validate::username(username)?;
        validate::password(password)?;
        if credits < 0 {
            return Err(Error::Invalid(Problem::NegativeCredits));
        }
        let hash = password::hash(password.to_owned()).await?;
        let mut tx = db::begin_write(&self.db).await?;
        let id = users::insert(&mut tx, &username, &hash, is_admin)
            .await?
            .ok_or_else(|| {
                Error::Conflict(Problem::UsernameTaken {
                    username: username.to_owned(),
                })
            })?;
        if credits > 0 {
            credits::apply(&mut tx, credits::Entry::new(id, credits, "signup")).await?;
        }
        tx.commit().await?;
        self.user_by_id(id).await
    }

    /// Adds `amount` (possibly negative) to a user's balance, never going below zero, and
    /// returns the user with the new balance.
    #[tracing::instrument(skip_all, fields(username = %username, amount), err(level = "info", Display))]
    pub async fn grant_credits(&self, username: &str, amount: i64, reason: &str) -> Result<User> {
        let mut tx = db::begin_write(&self.db).await?;
        let (id, balance) = users::balance_by_name(&mut tx, username.trim())
            .await?
            .ok_or(Error::NotFound("user"))?;
        let delta = amount.max(-balance);
        if delta != 0 {
            credits::apply(&mut tx, credits::Entry::new(id, delta, reason)).await?;
        }
        tx.commit().await?;
        self.user_by_id(id).await
    }

    /// Creates the `admin` account with a random password when no administrator exists yet.
    pub async fn ensure_admin(&self) -> Result<Option<BootstrapAdmin>> {
        if users::count_admins(&self.db).await? > 0 {
            return Ok(None);
        }
        let password = tokens::random_password();
        let user = match self.create_user("admin", &password, true, 100).await {
            // Another instance starting beside this one made it first.
            Err(Error::Conflict(Problem::UsernameTaken { .. })) => return Ok(None),
            created => created?,
        };
        Ok(Some(BootstrapAdmin {
            username: user.username,
            password,
        }))
    }

    pub async fn user_by_id(&self, id: i64) -> Result<User> {
        users::get(&self.db, id)
            .await?
            .ok_or(Error::NotFound("user"))
    }

    async fn open_session(&self, user: User) -> Result<Session> {
        let token = tokens::random_token();
        let expires_at = db::now_secs().saturating_add(self.token_ttl.as_secs() as i64);
        sessions::insert(&self.db, user.id, &tokens::digest(&token), expires_at).await?;
        Ok(Session {
            token,
            user,
            ttl: self.token_ttl,
        })
    }
}
