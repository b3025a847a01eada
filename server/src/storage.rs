//! Where originals and results live: one abstraction over `object_store`, a local directory or
//! an S3-compatible bucket. Keys are always chosen by the server.

use std::{path::Path, sync::Arc};

use bytes::Bytes;
use object_store::{
    ObjectStore, ObjectStoreExt, PutPayload, aws::AmazonS3Builder, local::LocalFileSystem,
    path::Path as Key, prefix::PrefixStore,
};
use rand::RngCore;

use crate::{Error, Result};

#[derive(Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
}

impl Storage {
    /// The store `url` names (`s3://bucket[/prefix]` or `file:///directory`), or the local
    /// directory `default_dir` without one. An S3 store is written to once, so that a wrong
    /// bucket, endpoint or credential stops the start with its reason instead of failing every
    /// upload.
    pub async fn open(url: Option<&str>, default_dir: &Path) -> Result<Self> {
        let url = url.map(str::trim).filter(|u| !u.is_empty());
        let Some(url) = url else {
            return Self::local(default_dir);
        };
        if let Some(dir) = url.strip_prefix("file://") {
            return Self::local(Path::new(dir));
        }
        let Some(rest) = url.strip_prefix("s3://") else {
            return Err(Error::Internal(format!(
                "IMGBATCH_STORAGE_URL must be s3://bucket[/prefix] or file:///directory, not {url}"
            )));
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(Error::Internal(format!(
                "IMGBATCH_STORAGE_URL names no bucket: {url}"
            )));
        }
        // Signing and TLS of the S3 client use ring; a second call finds it installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
        // A request gives up after seconds, not object_store's default of minutes, so that an
        // unreachable store fails the request (or the start) with its reason.
        let retry = object_store::RetryConfig {
            max_retries: 3,
            retry_timeout: std::time::Duration::from_secs(15),
            ..Default::default()
        };
        let s3 = AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .with_retry(retry)
            .build()
            .map_err(|e| Error::Internal(format!("cannot use the object store {url}: {e}")))?;
        let store: Arc<dyn ObjectStore> = match prefix.trim_matches('/') {
            "" => Arc::new(s3),
            prefix => Arc::new(PrefixStore::new(s3, prefix)),
        };
        let probe = Key::from(".imgbatch-probe");
        let written = match store.put(&probe, PutPayload::from_static(b"ok")).await {
            Ok(_) => store.delete(&probe).await,
            Err(error) => Err(error),
        };
        if let Err(error) = written {
            return Err(Error::Internal(format!(
                "cannot write to the object store {url}: {error}"
            )));
        }
        tracing::info!(%url, "images are stored in an S3-compatible bucket");
        Ok(Self { store })
    }

    /// A store rooted at `dir`, created if missing.
    pub fn local(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|e| {
            Error::Internal(format!(
                "cannot create the storage directory {}: {e}",
                dir.display()
            ))
        })?;
        let store = LocalFileSystem::new_with_prefix(dir)
            .map_err(|e| Error::Internal(format!("cannot open storage: {e}")))?;
        Ok(Self {
            store: Arc::new(store),
        })
    }

    /// A fresh, unguessable key such as `originals/3f…9a.png`.
    pub fn new_key(kind: &str, extension: &str) -> String {
        let name = random_hex::<16>();
        format!("{kind}/{}/{name}.{extension}", &name[..2])
    }

    /// A new key for the result of claim `fence` of task `task_id`.
    pub fn result_key(task_id: i64, fence: i64, extension: &str) -> String {
        let name = random_hex::<8>();
        format!(
            "results/{}/{task_id}-{fence}-{name}.{extension}",
            &name[..2]
        )
    }

    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<()> {
        self.store
            .put(&Key::from(key), PutPayload::from(bytes))
            .await
            .map_err(|e| Error::Internal(format!("storing {key} failed: {e}")))?;
        Ok(())
    }

    pub async fn get(&self, key: &str) -> Result<Bytes> {
        let result = self.store.get(&Key::from(key)).await.map_err(|e| match e {
            object_store::Error::NotFound { .. } => Error::NotFound("image"),
            other => Error::Internal(format!("reading {key} failed: {other}")),
        })?;
        result
            .bytes()
            .await
            .map_err(|e| Error::Internal(format!("reading {key} failed: {e}")))
    }

    /// Every stored key last written before `cutoff`.
    pub async fn keys_written_before(&self, cutoff: std::time::SystemTime) -> Result<Vec<String>> {
        use futures::TryStreamExt;
        let cutoff: chrono::DateTime<chrono::Utc> = cutoff.into();
        self.store
            .list(None)
            .try_filter(|meta| futures::future::ready(meta.last_modified < cutoff))
            .map_ok(|meta| meta.location.to_string())
            .try_collect()
            .await
            .map_err(|e| Error::Internal(format!("listing storage failed: {e}")))
    }

    /// Removes objects, logging (not failing on) those that cannot be removed.
    pub async fn delete_all(&self, keys: &[String]) {
        for key in keys {
            if let Err(error) = self.store.delete(&Key::from(key.as_str())).await {
                tracing::warn!(%key, %error, "could not remove a stored file");
            }
        }
    }
}

/// `N` random bytes from the OS as lowercase hex.
fn random_hex<const N: usize>() -> String {
    let mut bytes = [0u8; N];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
