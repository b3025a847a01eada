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
    assert!(matches!(
        check(wide),
        Err(ImageError::TooLarge { .. }) | Err(ImageError::Corrupt(_))
    ));
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
