//! A batch as one zip file, written while it is downloaded: every task's latest result under the
//! uploaded folder path (with the extension of the result's real type), and `manifest.json`
//! describing every image, finished or not.
//!
//! The zip is written on a blocking thread into a bounded channel that the response body drains,
//! so at most one image and a few chunks are in memory, and a client that goes away stops it.

use std::{
    collections::HashSet,
    io::{self, Write},
};

use bytes::Bytes;
use serde::Serialize;
use tokio::{runtime::Handle, sync::mpsc};
use zip::{CompressionMethod, DateTime, ZipWriter, write::SimpleFileOptions};

use super::{Access, Batches};
use crate::{
    Error, Result,
    accounts::User,
    db,
    storage::Storage,
    store::batches::{self as store, TaskFiles},
};

/// Size of the pieces the body is sent in.
const CHUNK: usize = 64 * 1024;
/// Pieces waiting for the client before the writer pauses.
const CHANNEL_CHUNKS: usize = 4;
const MANIFEST: &str = "manifest.json";

/// A batch's download: the name to offer and the zip's bytes as they are written. An `Err` item
/// means the zip could not be finished (the response should then break off, not end cleanly).
pub struct Archive {
    pub batch_name: String,
    pub chunks: mpsc::Receiver<io::Result<Bytes>>,
}

/// One image in `manifest.json`.
#[derive(Debug, Serialize)]
struct ManifestEntry {
    /// The uploaded file's name with its folder path, as the client sent it.
    path: String,
    /// Where its result is in the zip; null without a result.
    file: Option<String>,
    prompt: String,
    model: String,
    status: String,
    attempts: i64,
    error: Option<String>,
    version: i64,
}

impl Batches {
    /// Starts writing a zip of a batch's results (owner or admin, as for reading it).
    #[tracing::instrument(skip_all, fields(user_id = user.id, queue_id), err(level = "info", Display))]
    pub async fn archive(&self, user: &User, queue_id: i64) -> Result<Archive> {
        let queue = self.owned_queue(user, queue_id, Access::Read).await?;
        let tasks = store::task_files(&self.db, queue_id).await?;
        let (tx, chunks) = mpsc::channel(CHANNEL_CHUNKS);
        let storage = self.storage.clone();
        let runtime = Handle::current();
        tokio::task::spawn_blocking(move || {
            let sink = ChannelWriter::new(tx.clone());
            match write_zip(&runtime, &storage, tasks, sink) {
                Ok(()) => tracing::debug!(queue_id, "zip download written"),
                Err(error) if error.kind() == io::ErrorKind::BrokenPipe => {
                    tracing::debug!(queue_id, "zip download abandoned by the client");
                }
                Err(error) => {
                    tracing::warn!(queue_id, %error, "zip download broken off");
                    let _ = tx.blocking_send(Err(error));
                }
            }
        });
        Ok(Archive {
            batch_name: queue.batch_name,
            chunks,
        })
    }
}

/// Writes the whole zip into `sink`. Runs on a blocking thread; `runtime` reads stored images.
fn write_zip(
    runtime: &Handle,
    storage: &Storage,
    tasks: Vec<TaskFiles>,
    sink: ChannelWriter,
) -> io::Result<()> {
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .last_modified_time(zip_time(db::now_secs()));
    let mut zip = ZipWriter::new_stream(sink);
    let mut names = Names::default();
    names.reserve(MANIFEST);
    let mut manifest = Vec::with_capacity(tasks.len());
    for task in tasks {
        let mut file = None;
        if let Some(key) = &task.generated_image_url {
            match runtime.block_on(storage.get(key)) {
                Ok(bytes) => {
                    let extension = crate::images::sniff_mime(&bytes).map(extension_for);
                    let name = names.claim(&entry_path(&task.original_filename, extension));
                    zip.start_file(name.as_str(), options)
                        .map_err(io::Error::other)?;
                    zip.write_all(&bytes)?;
                    file = Some(name);
                }
                Err(Error::NotFound(_)) => {
                    tracing::warn!(
                        task_id = task.id,
                        "a result is missing from storage; left out of the zip"
                    );
                }
                Err(error) => return Err(io::Error::other(error.to_string())),
            }
        }
        manifest.push(ManifestEntry {
            path: task.original_filename,
            file,
            prompt: task.prompt,
            model: task.model,
            status: task.status,
            attempts: task.attempts,
            error: task.error_message,
            version: task.version,
        });
    }
    zip.start_file(MANIFEST, options)
        .map_err(io::Error::other)?;
    serde_json::to_writer_pretty(&mut zip, &manifest)?;
    let mut sink = zip.finish().map_err(io::Error::other)?.into_inner();
    sink.flush()
}

/// A `Write` that hands fixed-size pieces to the response body, waiting while the client is
/// behind; a closed channel (the client went away) is a `BrokenPipe`.
struct ChannelWriter {
    tx: mpsc::Sender<io::Result<Bytes>>,
    buffer: Vec<u8>,
}

impl ChannelWriter {
    fn new(tx: mpsc::Sender<io::Result<Bytes>>) -> Self {
        Self {
            tx,
            buffer: Vec::with_capacity(CHUNK),
        }
    }

    fn send(&mut self) -> io::Result<()> {
        let chunk = std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK));
        self.tx
            .blocking_send(Ok(Bytes::from(chunk)))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client went away"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let taken = data.len().min(CHUNK - self.buffer.len());
        self.buffer.extend_from_slice(&data[..taken]);
        if self.buffer.len() >= CHUNK {
            self.send()?;
        }
        Ok(taken)
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            Ok(())
        } else {
            self.send()
        }
    }
}

/// The file extension for a sniffed image type.
/// The file extension for an image type this server stores.
pub fn extension_for(mime: &str) -> &'static str {
    match mime {
        "image/jpeg" => "jpg",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "image/bmp" => "bmp",
        "image/tiff" => "tiff",
        _ => "png",
    }
}

/// An uploaded name's file name without folders and extension ("trip/beach.jpg" → "beach").
pub fn file_stem(original: &str) -> String {
    let path = entry_path(original, None);
    let file = path.rsplit('/').next().unwrap_or(&path);
    match file.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem.to_owned(),
        _ => file.to_owned(),
    }
}

/// A safe relative path for an uploaded name: backslashes become `/`; empty, `.` and `..`
/// segments and control characters are dropped; characters Windows refuses in names become `_`
/// (so `C:/x.png` unpacks as `C_/x.png`). Without a known `extension` the name keeps its
/// own; with one, the name's extension is replaced (or added).
fn entry_path(original: &str, extension: Option<&str>) -> String {
    let cleaned = original.replace('\\', "/");
    let mut segments: Vec<String> = cleaned
        .split('/')
        .map(|s| {
            s.chars()
                .filter(|c| !c.is_control())
                .map(|c| if "<>:\"|?*".contains(c) { '_' } else { c })
                .collect::<String>()
        })
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty() && s != "." && s != "..")
        .collect();
    let file = segments.pop().unwrap_or_else(|| "image".to_owned());
    let file = match extension {
        Some(extension) => {
            let stem = match file.rsplit_once('.') {
                Some((stem, _)) if !stem.is_empty() => stem,
                _ => file.as_str(),
            };
            format!("{stem}.{extension}")
        }
        None => file,
    };
    segments.push(file);
    segments.join("/")
}

/// The names already in the zip, compared without case (as Windows and macOS unpack them); a
/// clashing file gets ` (2)`, ` (3)`, … before its extension. A file and a folder never share a
/// name: a folder whose name is already a file is numbered the same way.
#[derive(Default)]
struct Names {
    files: HashSet<String>,
    folders: HashSet<String>,
}

impl Names {
    fn reserve(&mut self, name: &str) {
        self.files.insert(name.to_lowercase());
    }

    fn claim(&mut self, wanted: &str) -> String {
        let mut segments: Vec<&str> = wanted.split('/').collect();
        let file = segments.pop().unwrap_or_default();
        let mut folder = String::new();
        for segment in segments {
            let mut name = format!("{folder}{segment}");
            let mut n = 2;
            while self.files.contains(&name.to_lowercase()) {
                name = format!("{folder}{segment} ({n})");
                n += 1;
            }
            self.folders.insert(name.to_lowercase());
            folder = format!("{name}/");
        }
        let (stem, extension) = match file.rsplit_once('.') {
            Some((stem, extension)) if !stem.is_empty() => (stem, format!(".{extension}")),
            _ => (file, String::new()),
        };
        let mut name = format!("{folder}{file}");
        let mut n = 2;
        while self.files.contains(&name.to_lowercase())
            || self.folders.contains(&name.to_lowercase())
        {
            name = format!("{folder}{stem} ({n}){extension}");
            n += 1;
        }
        self.files.insert(name.to_lowercase());
        name
    }
}

/// `Content-Disposition` (`inline` or `attachment`) for a file named `stem.extension`: an ASCII
/// `filename` for every client and, when the name is not plain ASCII, the exact name as
/// `filename*` (RFC 6266).
pub fn content_disposition(kind: &str, stem: &str, extension: &str) -> String {
    let base: String = stem
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| if matches!(c, '/' | '\\') { '-' } else { c })
        .collect::<String>()
        .trim()
        .trim_matches('.')
        .to_owned();
    let base = if base.is_empty() {
        "batch".to_owned()
    } else {
        base
    };
    let ascii: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.' | '(' | ')') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let ascii = if ascii.chars().all(|c| c == '_' || c == ' ') {
        "batch".to_owned()
    } else {
        ascii
    };
    let mut value = format!("{kind}; filename=\"{ascii}.{extension}\"");
    if ascii != base {
        value.push_str("; filename*=UTF-8''");
        for byte in format!("{base}.{extension}").bytes() {
            if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
                value.push(char::from(byte));
            } else {
                value.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    value
}

/// A zip timestamp (UTC) for Unix seconds; 1980-01-01 if out of the format's range.
fn zip_time(unix_secs: i64) -> DateTime {
    let days = unix_secs.div_euclid(86_400);
    let secs = unix_secs.rem_euclid(86_400);
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let parts = (
        u16::try_from(year),
        u8::try_from(month),
        u8::try_from(day),
        u8::try_from(secs / 3_600),
        u8::try_from(secs % 3_600 / 60),
        u8::try_from(secs % 60),
    );
    match parts {
        (Ok(y), Ok(mo), Ok(d), Ok(h), Ok(mi), Ok(s)) => {
            DateTime::from_date_and_time(y, mo, d, h, mi, s).unwrap_or_default()
        }
        _ => DateTime::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_made_safe_and_take_the_result_type() {
        assert_eq!(
            entry_path("photos/2024/cat.jpg", Some("png")),
            "photos/2024/cat.png"
        );
        assert_eq!(entry_path("a\\b\\c.jpeg", Some("jpg")), "a/b/c.jpg");
        assert_eq!(
            entry_path("/../../etc/./passwd", Some("png")),
            "etc/passwd.png"
        );
        assert_eq!(
            entry_path("trip//day1/ x.tar.gz", Some("png")),
            "trip/day1/x.tar.png"
        );
        assert_eq!(entry_path(".hidden", Some("png")), ".hidden.png");
        assert_eq!(entry_path("noext", Some("webp")), "noext.webp");
        assert_eq!(entry_path("../..", Some("png")), "image.png");
        assert_eq!(entry_path("a/b.gif", None), "a/b.gif");
        assert_eq!(entry_path("照片/猫.jpg", Some("png")), "照片/猫.png");
        assert_eq!(entry_path("C:/x/b?.png", Some("png")), "C_/x/b_.png");
    }

    #[test]
    fn clashing_names_are_numbered() {
        let mut names = Names::default();
        names.reserve(MANIFEST);
        assert_eq!(names.claim("a/cat.png"), "a/cat.png");
        assert_eq!(names.claim("a/cat.png"), "a/cat (2).png");
        assert_eq!(names.claim("A/Cat.png"), "A/Cat (3).png");
        assert_eq!(names.claim("manifest.json"), "manifest (2).json");
        assert_eq!(names.claim("noext"), "noext");
        assert_eq!(names.claim("noext"), "noext (2)");
        // A file and a folder never share a name, in either order.
        assert_eq!(names.claim("a"), "a (2)");
        let mut names = Names::default();
        assert_eq!(names.claim("shots"), "shots");
        assert_eq!(names.claim("shots/x.png"), "shots (2)/x.png");
        assert_eq!(names.claim("Shots/y.png"), "Shots (2)/y.png");
        assert_eq!(names.claim("shots (2)"), "shots (2) (2)");
    }

    #[test]
    fn download_names_are_safe_in_ascii_and_exact_in_utf8() {
        assert_eq!(
            content_disposition("attachment", "holiday 2024", "zip"),
            "attachment; filename=\"holiday 2024.zip\""
        );
        assert_eq!(
            content_disposition("attachment", "猫的照片", "zip"),
            "attachment; filename=\"batch.zip\"; filename*=UTF-8''%E7%8C%AB%E7%9A%84%E7%85%A7%E7%89%87.zip"
        );
        assert_eq!(
            content_disposition("attachment", "a\"b/c\r\n", "zip"),
            "attachment; filename=\"a_b-c.zip\"; filename*=UTF-8''a%22b-c.zip"
        );
        assert_eq!(
            content_disposition("attachment", "  ", "zip"),
            "attachment; filename=\"batch.zip\""
        );
        assert_eq!(
            content_disposition("attachment", "trip 猫", "zip"),
            "attachment; filename=\"trip _.zip\"; filename*=UTF-8''trip%20%E7%8C%AB.zip"
        );
    }

    #[test]
    fn single_images_are_named_after_the_upload() {
        assert_eq!(file_stem("trip/day 1/beach.jpg"), "beach");
        assert_eq!(file_stem("..\\猫.png"), "猫");
        assert_eq!(file_stem(".hidden"), ".hidden");
        assert_eq!(
            content_disposition("inline", "beach-result", "png"),
            "inline; filename=\"beach-result.png\""
        );
    }

    #[test]
    fn zip_times_are_utc_dates() {
        let time = zip_time(1_709_210_096); // 2024-02-29T12:34:56Z
        assert_eq!((time.year(), time.month(), time.day()), (2024, 2, 29));
        assert_eq!((time.hour(), time.minute(), time.second()), (12, 34, 56));
        assert_eq!(zip_time(0).year(), 1980);
    }

    #[test]
    fn the_writer_sends_whole_chunks_then_the_rest() {
        let (tx, mut rx) = mpsc::channel(16);
        let mut writer = ChannelWriter::new(tx);
        writer.write_all(&vec![7u8; CHUNK * 2 + 10]).unwrap();
        writer.flush().unwrap();
        drop(writer);
        let mut sizes = Vec::new();
        while let Ok(chunk) = rx.try_recv() {
            sizes.push(chunk.unwrap().len());
        }
        assert_eq!(sizes, vec![CHUNK, CHUNK, 10]);
    }

    #[test]
    fn a_closed_channel_is_a_broken_pipe() {
        let (tx, rx) = mpsc::channel(1);
        drop(rx);
        let mut writer = ChannelWriter::new(tx);
        let error = writer.write_all(&vec![0u8; CHUNK]).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::BrokenPipe);
    }
}
