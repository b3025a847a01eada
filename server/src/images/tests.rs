use std::io::Cursor;

use bytes::Bytes;
use image::{DynamicImage, ImageFormat, RgbImage};
use img_parts::ImageEXIF;

use super::*;

fn encoded(width: u32, height: u32, format: ImageFormat) -> Bytes {
    let image = DynamicImage::ImageRgb8(RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    }));
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format).expect("encode");
    Bytes::from(out.into_inner())
}

#[test]
fn accepts_each_supported_format_by_its_bytes() {
    for (format, mime) in [
        (ImageFormat::Png, "image/png"),
        (ImageFormat::Jpeg, "image/jpeg"),
        (ImageFormat::Gif, "image/gif"),
        (ImageFormat::WebP, "image/webp"),
        (ImageFormat::Bmp, "image/bmp"),
        (ImageFormat::Tiff, "image/png"),
    ] {
        let checked = check(encoded(8, 6, format)).unwrap_or_else(|e| panic!("{format:?}: {e}"));
        assert_eq!(checked.mime, mime, "{format:?}");
        assert_eq!((checked.width, checked.height), (8, 6));
    }
}

#[test]
fn rejects_what_is_not_an_image() {
    let svg = Bytes::from_static(
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
    );
    let html = Bytes::from_static(b"<!DOCTYPE html><html><body>hi</body></html>");
    for bytes in [svg, html, Bytes::new(), Bytes::from_static(b"GIF89a")] {
        assert!(check(bytes).is_err());
    }
}

#[test]
fn rejects_truncated_files() {
    let png = encoded(64, 64, ImageFormat::Png);
    let truncated = png.slice(..png.len() / 2);
    assert!(matches!(check(truncated), Err(ImageError::Corrupt(_))));
}

#[test]
fn rejects_oversized_dimensions_from_the_header() {
    let wide = encoded(MAX_SIDE + 1, 1, ImageFormat::Png);
    assert_eq!(
        check(wide).err(),
        Some(ImageError::TooLarge {
            width: MAX_SIDE + 1,
            height: 1
        })
    );
}

#[test]
fn strips_exif_from_jpeg() {
    let jpeg = encoded(16, 16, ImageFormat::Jpeg);
    let mut parts = img_parts::jpeg::Jpeg::from_bytes(jpeg).expect("jpeg");
    parts.set_exif(Some(Bytes::from_static(b"Exif\0\0MM\0*GPS-secret")));
    let with_exif = parts.encoder().bytes();
    assert!(with_exif.windows(10).any(|w| w == b"GPS-secret"));

    let checked = check(with_exif).expect("accepted");
    assert!(!checked.bytes.windows(10).any(|w| w == b"GPS-secret"));
    assert!(decode(&checked.bytes).is_ok(), "still a valid JPEG");
}

/// CRC-32 (IEEE), for hand-made PNG chunks.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(&body).to_be_bytes());
    out
}

#[test]
fn rejects_a_decompression_bomb_from_its_header_alone() {
    // A 100-byte file claiming 11,000 × 11,000 pixels (363 MB decoded), within the per-side
    // limit. Its pixel data is not even valid, so TooLarge (not Corrupt) shows it was refused
    // from the header, before any decoding.
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&11_000u32.to_be_bytes());
    ihdr.extend_from_slice(&11_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(chunk(b"IHDR", &ihdr));
    png.extend(chunk(
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    ));
    png.extend(chunk(b"IEND", &[]));
    assert_eq!(
        check(Bytes::from(png)).err(),
        Some(ImageError::TooLarge {
            width: 11_000,
            height: 11_000
        })
    );
}
