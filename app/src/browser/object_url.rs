use web_sys::{Blob, Url};

/// An object URL for a blob, revoked when dropped so that removed thumbnails free their memory.
#[derive(Debug)]
pub struct ObjectUrl(String);

impl ObjectUrl {
    pub fn new(blob: &Blob) -> Option<Self> {
        Url::create_object_url_with_blob(blob).ok().map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Drop for ObjectUrl {
    fn drop(&mut self) {
        let _ = Url::revoke_object_url(&self.0);
    }
}
