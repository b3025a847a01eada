//! Users' own provider API keys, encrypted at rest with AES-256-GCM under a server key that
//! lives outside the database (a file in the data directory, or the environment).

use app::Problem;
use std::path::Path;

use aes_gcm::{
    Aes256Gcm, Key, KeyInit, Nonce,
    aead::{Aead, AeadCore, OsRng},
};
use base64::{Engine, engine::general_purpose::STANDARD};

use app::types::KeyStatus;

use crate::{
    Error, Result, accounts::User, db::Db, providers::Models, secret::Secret, store::keys as store,
};

#[derive(Clone)]
pub struct UserKeys {
    db: Db,
    cipher: Aes256Gcm,
}

impl UserKeys {
    /// Uses the configured key, else `<data dir>/secret.key` (created with owner-only access).
    pub fn load(db: Db, configured: Option<&Secret<String>>, data_dir: &Path) -> Result<Self> {
        let key = match configured {
            Some(secret) => STANDARD
                .decode(secret.expose().trim())
                .map_err(|_| Error::Internal("IMGBATCH_SECRET_KEY is not valid base64".into()))?,
            None => key_file(&data_dir.join("secret.key"))?,
        };
        if key.len() != 32 {
            return Err(Error::Internal("the secret key must be 32 bytes".into()));
        }
        Ok(Self {
            db,
            cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&key)),
        })
    }

    /// Stores (or replaces) a user's key for `provider`.
    pub async fn set(&self, user_id: i64, provider: &str, api_key: &str) -> Result<()> {
        // The length counts what was sent, spaces included, as the OpenAPI document says.
        let too_long = api_key.chars().count() > 500;
        let api_key = api_key.trim();
        if api_key.is_empty() {
            return Err(Error::Invalid(Problem::KeyEmpty));
        }
        if too_long {
            return Err(Error::Invalid(Problem::KeyTooLong { max: 500 }));
        }
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let ciphertext = self
            .cipher
            .encrypt(&nonce, aad(user_id, provider, api_key.as_bytes()).as_ref())
            .map_err(|_| Error::Internal("encrypting the API key failed".into()))?;
        store::put(&self.db, user_id, provider, nonce.as_slice(), ciphertext).await
    }

    /// Stores a key for a provider that takes users' own keys; any other is refused by name.
    pub async fn set_checked(
        &self,
        user: &User,
        models: &Models,
        provider: &str,
        api_key: &str,
    ) -> Result<()> {
        let accepted = models.key_providers();
        if !accepted.contains(&provider) {
            return Err(Error::Invalid(Problem::KeyNotAccepted {
                provider: provider.to_owned(),
                accepted: accepted.iter().map(|p| (*p).to_owned()).collect(),
            }));
        }
        self.set(user.id, provider, api_key).await
    }

    /// Each provider that takes an own key, whether the user stored one and its last characters.
    pub async fn statuses(&self, user: &User, models: &Models) -> Result<Vec<KeyStatus>> {
        let mut statuses = Vec::new();
        for provider in models.key_providers() {
            let masked = self
                .get(user.id, provider)
                .await?
                .map(|key| mask(key.expose()));
            statuses.push(KeyStatus {
                provider: provider.to_owned(),
                has_key: masked.is_some(),
                masked,
            });
        }
        Ok(statuses)
    }

    /// Removes a user's key; `NotFound` if there was none.
    pub async fn delete(&self, user_id: i64, provider: &str) -> Result<()> {
        if !store::delete(&self.db, user_id, provider).await? {
            return Err(Error::NotFound("API key"));
        }
        Ok(())
    }

    /// Providers for which the user stored a key.
    pub async fn providers(&self, user_id: i64) -> Result<Vec<String>> {
        store::providers(&self.db, user_id).await
    }

    pub async fn has(&self, user_id: i64, provider: &str) -> Result<bool> {
        Ok(self.providers(user_id).await?.iter().any(|p| p == provider))
    }

    /// The user's decrypted key for `provider`, if stored.
    pub async fn get(&self, user_id: i64, provider: &str) -> Result<Option<Secret<String>>> {
        let Some((nonce, ciphertext)) = store::get(&self.db, user_id, provider).await? else {
            return Ok(None);
        };
        if nonce.len() != 12 {
            return Err(Error::Internal("a stored API key is damaged".into()));
        }
        let plain = self
            .cipher
            .decrypt(Nonce::from_slice(&nonce), ciphertext.as_ref())
            .map_err(|_| {
                Error::Internal("a stored API key cannot be decrypted with this server key".into())
            })?;
        let plain = strip_aad(user_id, provider, &plain)
            .ok_or_else(|| Error::Internal("a stored API key belongs to another user".into()))?;
        String::from_utf8(plain.to_vec())
            .map(|key| Some(Secret::new(key)))
            .map_err(|_| Error::Internal("a stored API key is damaged".into()))
    }
}

/// Binds the plaintext to its owner and provider so that a row copied to another user does not
/// decrypt into a usable key for them.
/// The last four characters of a key behind dots; short keys show nothing of themselves.
fn mask(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    if chars.len() < 12 {
        return "••••".to_owned();
    }
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("••••{tail}")
}

fn aad(user_id: i64, provider: &str, key: &[u8]) -> Vec<u8> {
    let mut out = format!("{user_id}:{provider}:").into_bytes();
    out.extend_from_slice(key);
    out
}

fn strip_aad<'a>(user_id: i64, provider: &str, plain: &'a [u8]) -> Option<&'a [u8]> {
    plain.strip_prefix(format!("{user_id}:{provider}:").as_bytes())
}

fn key_file(path: &Path) -> Result<Vec<u8>> {
    match std::fs::read(path) {
        Ok(bytes) => STANDARD
            .decode(String::from_utf8_lossy(&bytes).trim())
            .map_err(|_| Error::Internal(format!("{} is not valid base64", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = Aes256Gcm::generate_key(&mut OsRng);
            write_private(path, STANDARD.encode(key).as_bytes())?;
            tracing::info!(path = %path.display(), "created the key that encrypts users' API keys");
            Ok(key.to_vec())
        }
        Err(e) => Err(Error::Internal(format!(
            "cannot read {}: {e}",
            path.display()
        ))),
    }
}

fn write_private(path: &Path, contents: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .map_err(|e| Error::Internal(format!("cannot create {}: {e}", path.display())))?;
    file.write_all(contents)
        .map_err(|e| Error::Internal(format!("cannot write {}: {e}", path.display())))
}

#[async_trait::async_trait]
impl crate::queue::RunKeys for UserKeys {
    async fn user_key(&self, user_id: i64, provider: &str) -> Result<Option<Secret<String>>> {
        self.get(user_id, provider).await
    }
}
