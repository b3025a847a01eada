//! Deciding what an uploaded file is from its bytes, bounding its size, and removing metadata.

use std::io::Cursor;

use bytes::Bytes;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, metadata::Orientation};

mod metadata;

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
    #[error(
        "{width}×{height} pixels in {bytes} bytes: images over {} megapixels need at least one byte per {PACKED_PIXELS_PER_BYTE} pixels",
        PACKED_FROM_PIXELS / 1_000_000
    )]
    PackedTooTightly { width: u32, height: u32, bytes: u64 },
}

/// Above this many pixels, a file must bring at least one byte per [`PACKED_PIXELS_PER_BYTE`]:
/// a real picture that large never packs tighter, while a few hundred bytes claiming tens of
/// megapixels would otherwise cost seconds of decoding, turning and encoding.
pub const PACKED_FROM_PIXELS: u64 = 16_000_000;
pub const PACKED_PIXELS_PER_BYTE: u64 = 1_000;

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
            Self::PackedTooTightly {
                width,
                height,
                bytes,
            } => P::PackedTooTightly {
                file,
                width: *width,
                height: *height,
                bytes: *bytes,
                from_megapixels: PACKED_FROM_PIXELS / 1_000_000,
                pixels_per_byte: PACKED_PIXELS_PER_BYTE,
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

/// Full checks running at once, about one per core: decoding is CPU- and memory-bound, so more
/// at once only adds memory (up to `MAX_ALLOC` each) without finishing sooner.
static DECODES: std::sync::LazyLock<tokio::sync::Semaphore> = std::sync::LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    tokio::sync::Semaphore::new(cores.max(1))
});

/// [`check`] on the blocking pool, waiting its turn among the checks running at once.
pub async fn check_in_turn(bytes: Bytes) -> Result<Checked, ImageError> {
    let _turn = DECODES
        .acquire()
        .await
        .map_err(|_| ImageError::Corrupt("the server is shutting down".to_owned()))?;
    tokio::task::spawn_blocking(move || check(bytes))
        .await
        .map_err(|e| ImageError::Corrupt(format!("the check crashed: {e}")))?
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
    let pixels = u64::from(width) * u64::from(height);
    if width > MAX_SIDE || height > MAX_SIDE || pixels > MAX_PIXELS {
        return Err(ImageError::TooLarge { width, height });
    }
    let len = bytes.len() as u64;
    if pixels > PACKED_FROM_PIXELS && pixels > len.saturating_mul(PACKED_PIXELS_PER_BYTE) {
        return Err(ImageError::PackedTooTightly {
            width,
            height,
            bytes: len,
        });
    }
    // A full decode catches truncated or malformed data that a header read does not.
    let mut reader = ImageReader::with_format(Cursor::new(&bytes[..]), format);
    reader.limits(limits());
    let judge = |e: image::ImageError| match e {
        image::ImageError::Limits(_) => ImageError::TooLarge { width, height },
        other => ImageError::Corrupt(other.to_string()),
    };
    let mut decoder = reader.into_decoder().map_err(judge)?;
    // Unreadable orientation data is no reason to refuse the picture.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let decoded = DynamicImage::from_decoder(decoder).map_err(judge)?;

    // A photo's EXIF may say it was taken turned; once the EXIF is gone, only turned pixels keep
    // it upright.
    if orientation != Orientation::NoTransforms {
        let mut decoded = decoded;
        decoded.apply_orientation(orientation);
        let (width, height) = (decoded.width(), decoded.height());
        let (bytes, mime, extension) = if format == ImageFormat::Jpeg {
            (encode_jpeg(&decoded)?, "image/jpeg", "jpg")
        } else {
            (encode_png(&decoded)?, "image/png", "png")
        };
        return Ok(Checked {
            bytes,
            mime,
            extension,
            width,
            height,
        });
    }
    let bytes = match format {
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
        _ => metadata::strip(bytes, format)?,
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

/// Encodes a decoded photo as JPEG (quality 90).
fn encode_jpeg(image: &DynamicImage) -> Result<Bytes, ImageError> {
    let mut out = Cursor::new(Vec::new());
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90);
    image
        .to_rgb8()
        .write_with_encoder(encoder)
        .map_err(|e| ImageError::Corrupt(e.to_string()))?;
    Ok(Bytes::from(out.into_inner()))
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
