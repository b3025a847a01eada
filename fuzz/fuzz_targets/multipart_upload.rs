//! The multipart reader of `POST /api/batch/create`, fed arbitrary bodies in arbitrary chunks:
//! it must not crash, and whatever it refuses leaves no file behind.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use server::{
    Result,
    batch::{Draft, gate::Admission, upload},
    storage::Storage,
};

/// Lets everything through, so that the reader itself is what is exercised.
struct Open;

impl Admission for Open {
    async fn before_image(&mut self, _: usize, _: Option<&str>, _: Option<&str>) -> Result<()> {
        Ok(())
    }

    fn room_for(&self, _: usize) -> Result<()> {
        Ok(())
    }
}

const BOUNDARY: &str = "imgbatchfuzz";

fuzz_target!(|data: &[u8]| {
    // The first byte sets the chunk size the body arrives in.
    let Some((&size, body)) = data.split_first() else {
        return;
    };
    let size = usize::from(size).max(1);
    let chunks: Vec<std::result::Result<Bytes, std::io::Error>> = body
        .chunks(size)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    let dir = tempfile::tempdir().expect("temp dir");
    let storage = Storage::local(dir.path()).expect("storage");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let multipart = multer::Multipart::new(futures::stream::iter(chunks), BOUNDARY);
        match upload::read(multipart, Draft::new(storage), Open).await {
            Ok(upload) => upload.draft.discard().await,
            Err(_) => {}
        }
    });
    let left = walk(dir.path());
    assert!(left.is_empty(), "files left behind: {left:?}");
});

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
