//! Deciding what an uploaded file is from its bytes, bounding its size, and removing metadata.

use std::io::Cursor;

use bytes::Bytes;
use image::{ImageFormat, ImageReader, Limits};

/// Largest accepted width or height.
pub const MAX_SIDE: u32 = 12_000;
/// Largest accepted pixel count (width × height), which bounds decoding memory.
pub const MAX_PIXELS: u64 = 100_000_000;
/// Largest allocation a decoder may make.
const MAX_ALLOC: u64 = 512 * 1024 * 1024;

/// Why a file is not accepted.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ImageError {
    #[error("not a supported image (JPEG, PNG, GIF, WebP, BMP or TIFF)")]
    Unsupported,
    #[error("the image is damaged or incomplete: {0}")]
    Corrupt(String),
    #[error(
        "the image is {width}×{height} pixels; at most {MAX_SIDE} pixels a side and {MAX_PIXELS} pixels in all are accepted"
    )]
    TooLarge { width: u32, height: u32 },
}

impl ImageError {
    /// The same refusal, naming the file, as the client is told it.
    pub fn problem(&self, file: String) -> app::Problem {
        use app::Problem as P;
        match self {
            Self::Unsupported => P::NotAnImage { file },
            Self::Corrupt(detail) => P::DamagedImage {
                file,
                detail: detail.clone(),
            },
            Self::TooLarge { width, height } => P::TooManyPixels {
                file,
                width: *width,
                height: *height,
                max_side: MAX_SIDE,
                max_pixels: MAX_PIXELS,
            },
        }
    }
}

/// An accepted image, ready to store.
#[derive(Debug, Clone)]
pub struct Checked {
    pub bytes: Bytes,
    pub mime: &'static str,
    pub extension: &'static str,
    pub width: u32,
    pub height: u32,
}

/// Types of the formats this server accepts, by `ImageFormat`.
fn describe(format: ImageFormat) -> Option<(&'static str, &'static str)> {
    Some(match format {
        ImageFormat::Jpeg => ("image/jpeg", "jpg"),
        ImageFormat::Png => ("image/png", "png"),
        ImageFormat::Gif => ("image/gif", "gif"),
        ImageFormat::WebP => ("image/webp", "webp"),
        ImageFormat::Bmp => ("image/bmp", "bmp"),
        ImageFormat::Tiff => ("image/tiff", "tiff"),
        _ => return None,
    })
}

/// The MIME type of stored image bytes, sniffed again (never trusted from a name or header).
pub fn sniff_mime(bytes: &[u8]) -> Option<&'static str> {
    image::guess_format(bytes)
        .ok()
        .and_then(describe)
        .map(|(mime, _)| mime)
}

/// Checks a whole file: its type from the magic bytes, a successful header decode within the
/// size limits, and a full decode under an allocation limit. Strips EXIF (GPS included) and
/// other metadata. CPU-bound: call from `spawn_blocking`.
pub fn check(bytes: Bytes) -> Result<Checked, ImageError> {
    let format = image::guess_format(&bytes).map_err(|_| ImageError::Unsupported)?;
    let (mime, extension) = describe(format).ok_or(ImageError::Unsupported)?;

    // Only the header is read here, so the size is known (and judged) before any decoding.
    let (width, height) = ImageReader::with_format(Cursor::new(&bytes[..]), format)
        .into_dimensions()
        .map_err(|e| ImageError::Corrupt(e.to_string()))?;
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(ImageError::TooLarge { width, height });
    }
    // A full decode catches truncated or malformed data that a header read does not.
    let mut reader = ImageReader::with_format(Cursor::new(&bytes[..]), format);
    reader.limits(limits());
    let decoded = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => ImageError::TooLarge { width, height },
        other => ImageError::Corrupt(other.to_string()),
    })?;

    let bytes = match format {
        ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP => strip_metadata(bytes, format),
        // TIFF carries its metadata in the same structure as the pixels: re-encode as PNG.
        ImageFormat::Tiff => {
            return Ok(Checked {
                bytes: encode_png(&decoded)?,
                mime: "image/png",
                extension: "png",
                width,
                height,
            });
        }
        _ => bytes,
    };
    Ok(Checked {
        bytes,
        mime,
        extension,
        width,
        height,
    })
}

fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    limits
}

fn strip_metadata(bytes: Bytes, format: ImageFormat) -> Bytes {
    use img_parts::ImageEXIF;
    let stripped = match format {
        ImageFormat::Jpeg => {
            img_parts::jpeg::Jpeg::from_bytes(bytes.clone())
                .ok()
                .map(|mut jpeg| {
                    jpeg.set_exif(None);
                    // XMP lives in APP1 segments too and may carry GPS.
                    jpeg.segments_mut()
                        .retain(|s| s.marker() != img_parts::jpeg::markers::APP1);
                    jpeg.encoder().bytes()
                })
        }
        ImageFormat::Png => img_parts::png::Png::from_bytes(bytes.clone())
            .ok()
            .map(|mut png| {
                png.set_exif(None);
                png.chunks_mut()
                    .retain(|c| !matches!(&c.kind(), b"tEXt" | b"zTXt" | b"iTXt" | b"eXIf"));
                png.encoder().bytes()
            }),
        ImageFormat::WebP => {
            img_parts::webp::WebP::from_bytes(bytes.clone())
                .ok()
                .map(|mut webp| {
                    webp.set_exif(None);
                    webp.encoder().bytes()
                })
        }
        _ => None,
    };
    stripped.unwrap_or(bytes)
}

/// Encodes a decoded image as PNG.
pub fn encode_png(image: &image::DynamicImage) -> Result<Bytes, ImageError> {
    let mut out = Cursor::new(Vec::new());
    image
        .write_to(&mut out, ImageFormat::Png)
        .map_err(|e| ImageError::Corrupt(e.to_string()))?;
    Ok(Bytes::from(out.into_inner()))
}

/// Decodes stored image bytes (already checked once) under the same limits.
pub fn decode(bytes: &[u8]) -> Result<image::DynamicImage, ImageError> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| ImageError::Corrupt(e.to_string()))?;
    reader.limits(limits());
    reader
        .decode()
        .map_err(|e| ImageError::Corrupt(e.to_string()))
}

#[cfg(test)]
mod tests;
