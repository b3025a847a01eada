//! Files chosen by the pickers or dropped (folders walked recursively), and a look at their first
//! bytes to tell real images from files that only carry an image's name.

use js_sys::{Array, Promise, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    DataTransfer, File, FileList, FileSystemDirectoryEntry, FileSystemEntry, FileSystemFileEntry,
};

/// A file and the path it had under the chosen or dropped folder (its name for loose files).
#[derive(Clone)]
pub struct Picked {
    pub file: File,
    pub path: String,
}

/// Files of a file input: `webkitRelativePath` for a folder picker (web-sys has no getter).
pub fn from_file_list(list: &FileList) -> Vec<Picked> {
    (0..list.length())
        .filter_map(|i| list.item(i))
        .map(|file| {
            let relative = Reflect::get(&file, &JsValue::from_str("webkitRelativePath"))
                .ok()
                .and_then(|v| v.as_string())
                .filter(|p| !p.is_empty());
            let path = relative.unwrap_or_else(|| file.name());
            Picked { file, path }
        })
        .collect()
}

/// Everything dropped: loose files and whole folders. The entries must be taken while the drop
/// event runs; reading them may go on afterwards.
pub fn dropped_entries(data: &DataTransfer) -> Vec<FileSystemEntry> {
    let items = data.items();
    (0..items.length())
        .filter_map(|i| items.get(i))
        .filter_map(|item| item.webkit_get_as_entry().ok().flatten())
        .collect()
}

/// Walks dropped entries into files with their paths.
pub async fn read_entries(entries: Vec<FileSystemEntry>) -> Vec<Picked> {
    let mut found = Vec::new();
    let mut stack: Vec<FileSystemEntry> = entries.into_iter().rev().collect();
    while let Some(entry) = stack.pop() {
        if entry.is_directory() {
            let children = read_directory(entry.unchecked_ref::<FileSystemDirectoryEntry>()).await;
            stack.extend(children.into_iter().rev());
        } else if entry.is_file()
            && let Some(file) = entry_file(entry.unchecked_ref::<FileSystemFileEntry>()).await
        {
            let path = entry.full_path().trim_start_matches('/').to_owned();
            let path = if path.is_empty() { file.name() } else { path };
            found.push(Picked { file, path });
        }
    }
    found
}

/// Every entry of a folder: `readEntries` hands them out in portions (Chromium gives at most
/// 100 a call), so it is called until it answers with none.
async fn read_directory(directory: &FileSystemDirectoryEntry) -> Vec<FileSystemEntry> {
    let reader = directory.create_reader();
    let mut all = Vec::new();
    loop {
        let portion = Promise::new(&mut |resolve, reject| {
            if let Err(error) = reader.read_entries_with_callback_and_callback(&resolve, &reject) {
                let _ = reject.call1(&JsValue::NULL, &error);
            }
        });
        let Ok(portion) = JsFuture::from(portion).await else {
            break;
        };
        let portion: Array = portion.unchecked_into();
        if portion.length() == 0 {
            break;
        }
        all.extend(
            portion
                .iter()
                .map(|e| e.unchecked_into::<FileSystemEntry>()),
        );
    }
    all
}

async fn entry_file(entry: &FileSystemFileEntry) -> Option<File> {
    let promise = Promise::new(&mut |resolve, reject| {
        entry.file_with_callback_and_callback(&resolve, &reject);
    });
    JsFuture::from(promise)
        .await
        .ok()
        .map(JsCast::unchecked_into)
}

/// Whether a file's first bytes are those of an image type the server accepts.
pub async fn looks_like_image(file: &File) -> bool {
    let Ok(head) = file.slice_with_f64_and_f64(0.0, 16.0) else {
        return false;
    };
    let Ok(buffer) = JsFuture::from(head.array_buffer()).await else {
        return false;
    };
    is_image(&Uint8Array::new(&buffer).to_vec())
}

/// JPEG, PNG, GIF, WebP, BMP or TIFF by magic number.
pub fn is_image(head: &[u8]) -> bool {
    head.starts_with(&[0xFF, 0xD8, 0xFF])
        || head.starts_with(b"\x89PNG\r\n\x1a\n")
        || head.starts_with(b"GIF87a")
        || head.starts_with(b"GIF89a")
        || (head.len() >= 12 && head.starts_with(b"RIFF") && &head[8..12] == b"WEBP")
        || head.starts_with(b"BM")
        || head.starts_with(b"II*\0")
        || head.starts_with(b"MM\0*")
}

#[cfg(test)]
mod tests {
    use super::is_image;

    #[test]
    fn magic_numbers_decide() {
        assert!(is_image(b"\x89PNG\r\n\x1a\n\0\0"));
        assert!(is_image(&[0xFF, 0xD8, 0xFF, 0xE0]));
        assert!(is_image(b"RIFF\x10\0\0\0WEBPVP8 "));
        assert!(is_image(b"GIF89a"));
        assert!(!is_image(b"this is not a png"));
        assert!(!is_image(b""));
    }
}
