//! Removing what a picture says besides its pixels: camera and location data (EXIF, XMP), IPTC
//! captions and names, comments and text chunks. A file whose structure cannot be read is
//! refused rather than stored as it came.

use bytes::Bytes;
use image::ImageFormat;
use img_parts::{ImageEXIF, jpeg::markers};

use super::ImageError;

/// The file without its metadata.
pub fn strip(bytes: Bytes, format: ImageFormat) -> Result<Bytes, ImageError> {
    let unreadable =
        |e: img_parts::Error| ImageError::Corrupt(format!("its structure cannot be read ({e})"));
    Ok(match format {
        ImageFormat::Jpeg => {
            if !jpeg_segments_follow_each_other(&bytes) {
                return Err(ImageError::Corrupt(
                    "its structure cannot be read (stray bytes between its segments)".to_owned(),
                ));
            }
            let mut jpeg = img_parts::jpeg::Jpeg::from_bytes(bytes).map_err(unreadable)?;
            jpeg.segments_mut()
                .retain(|s| keeps_jpeg_segment(s.marker(), s.contents()));
            jpeg.encoder().bytes()
        }
        ImageFormat::Png => {
            let mut png = img_parts::png::Png::from_bytes(bytes).map_err(unreadable)?;
            png.chunks_mut()
                .retain(|c| !matches!(&c.kind(), b"tEXt" | b"zTXt" | b"iTXt" | b"eXIf" | b"tIME"));
            png.encoder().bytes()
        }
        ImageFormat::WebP => {
            let mut webp = img_parts::webp::WebP::from_bytes(bytes).map_err(unreadable)?;
            webp.set_exif(None);
            webp.remove_chunks_by_id(*b"XMP ");
            webp.encoder().bytes()
        }
        ImageFormat::Gif => strip_gif(&bytes)?,
        _ => bytes,
    })
}

/// Whether every segment before the first scan starts right where the one before it ends. A
/// decoder skips stray bytes between them; rewritten without some segments, such a file can stop
/// decoding at all.
fn jpeg_segments_follow_each_other(bytes: &[u8]) -> bool {
    let mut at = 2; // After the start-of-image marker.
    loop {
        if bytes.get(at) != Some(&0xFF) {
            return false;
        }
        // Fill bytes (more 0xFF) may come before a marker.
        while bytes.get(at) == Some(&0xFF) {
            at += 1;
        }
        let Some(&marker) = bytes.get(at) else {
            return false;
        };
        at += 1;
        match marker {
            // The start of scan: entropy-coded data follows.
            markers::SOS => return true,
            // Markers without a length.
            0x01 | 0xD0..=0xD8 => {}
            markers::EOI | 0x00 => return false,
            _ => {
                let Some(&[high, low]) = bytes.get(at..at + 2) else {
                    return false;
                };
                let length = usize::from(u16::from_be_bytes([high, low]));
                if length < 2 {
                    return false;
                }
                at += length;
            }
        }
    }
}

/// JPEG keeps its JFIF header, colour profile and Adobe colour transform; every other
/// application segment (EXIF, XMP, IPTC, maker notes…) and comments go.
fn keeps_jpeg_segment(marker: u8, contents: &[u8]) -> bool {
    match marker {
        markers::APP0 | markers::APP14 => true,
        markers::APP2 => contents.starts_with(b"ICC_PROFILE\0"),
        markers::APP1..=markers::APP15 | markers::COM => false,
        _ => true,
    }
}

/// GIF without comment and application extensions (XMP lives in one), keeping the one that
/// makes an animation loop.
fn strip_gif(bytes: &[u8]) -> Result<Bytes, ImageError> {
    let corrupt = || ImageError::Corrupt("its structure cannot be read".to_owned());
    let mut out = Vec::with_capacity(bytes.len());
    // Header (6) and logical screen descriptor (7), then the global colour table if flagged.
    let screen = bytes.get(..13).ok_or_else(corrupt)?;
    let mut at = 13 + colour_table_len(screen[10]);
    out.extend_from_slice(bytes.get(..at).ok_or_else(corrupt)?);
    loop {
        match *bytes.get(at).ok_or_else(corrupt)? {
            // Trailer.
            0x3B => {
                out.push(0x3B);
                return Ok(Bytes::from(out));
            }
            // Image: descriptor (10 with its introducer), local colour table, LZW code size,
            // then data sub-blocks.
            0x2C => {
                let descriptor = bytes.get(at..at + 10).ok_or_else(corrupt)?;
                let start = at;
                at += 10 + colour_table_len(descriptor[9]) + 1;
                at = skip_sub_blocks(bytes, at).ok_or_else(corrupt)?;
                out.extend_from_slice(&bytes[start..at]);
            }
            0x21 => {
                let label = *bytes.get(at + 1).ok_or_else(corrupt)?;
                let start = at;
                at = skip_sub_blocks(bytes, at + 2).ok_or_else(corrupt)?;
                let keep = match label {
                    0xFE => false,
                    0xFF => bytes
                        .get(start + 3..start + 14)
                        .is_some_and(|id| id == b"NETSCAPE2.0" || id == b"ANIMEXTS1.0"),
                    _ => true,
                };
                if keep {
                    out.extend_from_slice(&bytes[start..at]);
                }
            }
            _ => return Err(corrupt()),
        }
    }
}

fn colour_table_len(flags: u8) -> usize {
    if flags & 0x80 == 0 {
        0
    } else {
        3 * (1 << ((flags & 0x07) + 1))
    }
}

/// The position after the sub-blocks starting at `at` (each a length byte and that many bytes,
/// ended by a zero length).
fn skip_sub_blocks(bytes: &[u8], mut at: usize) -> Option<usize> {
    loop {
        let len = usize::from(*bytes.get(at)?);
        at += 1;
        if len == 0 {
            return Some(at);
        }
        at += len;
        if at > bytes.len() {
            return None;
        }
    }
}
