use std::io::Cursor;

use bytes::Bytes;
use image::{DynamicImage, ImageFormat, RgbImage};
use img_parts::{ImageEXIF, jpeg::markers};

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

fn contains(bytes: &[u8], needle: &[u8]) -> bool {
    bytes.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn strips_iptc_comments_and_xmp_from_jpeg_keeping_its_jfif_header() {
    let jpeg = encoded(16, 16, ImageFormat::Jpeg);
    let mut parts = img_parts::jpeg::Jpeg::from_bytes(jpeg).expect("jpeg");
    let segment = img_parts::jpeg::JpegSegment::new_with_contents;
    let tagged = [
        segment(
            markers::APP13,
            Bytes::from_static(b"Photoshop 3.0\0IPTC-byline"),
        ),
        segment(markers::COM, Bytes::from_static(b"comment-secret")),
        segment(
            markers::APP1,
            Bytes::from_static(b"http://ns.adobe.com/xap/1.0/\0xmp-secret"),
        ),
    ];
    for (i, s) in tagged.into_iter().enumerate() {
        parts.segments_mut().insert(1 + i, s);
    }
    let with_metadata = parts.encoder().bytes();
    assert!(contains(&with_metadata, b"IPTC-byline"));

    let checked = check(with_metadata).expect("accepted");
    for secret in [&b"IPTC-byline"[..], b"comment-secret", b"xmp-secret"] {
        assert!(
            !contains(&checked.bytes, secret),
            "{}",
            String::from_utf8_lossy(secret)
        );
    }
    assert!(contains(&checked.bytes, b"JFIF"));
    assert!(decode(&checked.bytes).is_ok());
}

#[test]
fn strips_xmp_from_webp() {
    let webp = encoded(16, 16, ImageFormat::WebP);
    let mut parts = img_parts::webp::WebP::from_bytes(webp).expect("webp");
    parts.set_exif(Some(Bytes::from_static(b"MM\0*exif-secret")));
    parts.chunks_mut().push(img_parts::riff::RiffChunk::new(
        *b"XMP ",
        img_parts::riff::RiffContent::Data(Bytes::from_static(
            b"<x:xmpmeta>xmp-secret</x:xmpmeta>",
        )),
    ));
    let with_metadata = parts.encoder().bytes();
    assert!(contains(&with_metadata, b"xmp-secret"));

    let checked = check(with_metadata).expect("accepted");
    assert!(!contains(&checked.bytes, b"xmp-secret"));
    assert!(!contains(&checked.bytes, b"exif-secret"));
    assert!(decode(&checked.bytes).is_ok());
}

#[test]
fn strips_gif_comments_and_keeps_the_animation_loop() {
    let gif = encoded(8, 8, ImageFormat::Gif);
    // After the header, screen descriptor and global colour table: a comment, an XMP
    // application extension and the looping one.
    let table = 3 * (1 << ((gif[10] & 0x07) + 1)) * usize::from(gif[10] >> 7);
    let at = 13 + table;
    let mut extensions = vec![0x21, 0xFE, 14];
    extensions.extend_from_slice(b"comment-secret");
    extensions.push(0);
    extensions.extend_from_slice(&[0x21, 0xFF, 11]);
    extensions.extend_from_slice(b"XMP DataXMP");
    extensions.push(10);
    extensions.extend_from_slice(b"xmp-secret");
    extensions.push(0);
    extensions.extend_from_slice(&[0x21, 0xFF, 11]);
    extensions.extend_from_slice(b"NETSCAPE2.0");
    extensions.extend_from_slice(&[3, 1, 0, 0, 0]);
    let with_metadata = [&gif[..at], &extensions, &gif[at..]].concat();
    assert!(decode(&with_metadata).is_ok());

    let checked = check(Bytes::from(with_metadata)).expect("accepted");
    assert!(!contains(&checked.bytes, b"comment-secret"));
    assert!(!contains(&checked.bytes, b"xmp-secret"));
    assert!(contains(&checked.bytes, b"NETSCAPE2.0"));
    assert!(decode(&checked.bytes).is_ok());
}

#[test]
fn applies_the_exif_orientation_before_removing_it() {
    // 20 × 10, tagged "rotate 90° clockwise to display" (orientation 6).
    let jpeg = encoded(20, 10, ImageFormat::Jpeg);
    let mut parts = img_parts::jpeg::Jpeg::from_bytes(jpeg).expect("jpeg");
    let exif = [
        &b"MM\0*\0\0\0\x08"[..],
        &[0, 1],                                     // one entry
        &[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0], // Orientation, SHORT, 1, value 6
        &[0, 0, 0, 0],                               // no next directory
    ]
    .concat();
    parts.set_exif(Some(Bytes::from(exif)));
    let checked = check(parts.encoder().bytes()).expect("accepted");
    assert_eq!((checked.width, checked.height), (10, 20));
    assert_eq!(checked.mime, "image/jpeg");
    let upright = decode(&checked.bytes).expect("decodes");
    assert_eq!((upright.width(), upright.height()), (10, 20));
    assert!(parts_without_exif(&checked.bytes));
}

fn parts_without_exif(jpeg: &[u8]) -> bool {
    img_parts::jpeg::Jpeg::from_bytes(Bytes::copy_from_slice(jpeg))
        .expect("jpeg")
        .exif()
        .is_none()
}

#[test]
fn refuses_a_file_whose_structure_cannot_be_read() {
    // A GIF whose pixels decode but whose block list is cut short before its trailer.
    let gif = encoded(8, 8, ImageFormat::Gif);
    let mut broken = gif.to_vec();
    broken.pop();
    broken.push(0x99);
    assert!(decode(&broken).is_ok(), "the pixels alone are fine");
    match check(Bytes::from(broken)) {
        Err(ImageError::Corrupt(_)) => {}
        other => panic!("accepted or wrong error: {other:?}"),
    }
}

/// Found by `scripts/fuzz.sh`: 670 bytes of JPEG declaring 8,208 × 9,232 pixels, turned by its
/// EXIF, took 4–7 s to decode, turn and encode again (and was accepted, charged).
#[test]
fn refuses_a_tiny_file_that_claims_tens_of_megapixels() {
    let bytes = Bytes::from_static(include_bytes!("testdata/fuzz-slow-exif-jpeg.jpg"));
    let refused = check(bytes.clone()).err();
    assert_eq!(
        refused,
        Some(ImageError::PackedTooTightly {
            width: 9232,
            height: 8208,
            bytes: bytes.len() as u64
        })
    );
    let message = refused.map(|e| e.problem("trip/beach.jpg".into()).to_string());
    assert!(
        message.is_some_and(|m| m.contains("trip/beach.jpg") && m.contains("decompression bomb")),
        "the message names the file and the reason"
    );
}

#[test]
fn a_large_picture_of_ordinary_size_is_not_a_bomb() {
    // 4,100 × 4,000 (16.4 MP) of texture: far more than one byte per thousand pixels.
    let picture = RgbImage::from_fn(4_100, 4_000, |x, y| {
        image::Rgb([(x * 7 + y) as u8, (y * 13) as u8, (x ^ y) as u8])
    });
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(picture)
        .write_to(&mut out, ImageFormat::Jpeg)
        .expect("encode");
    let checked = check(Bytes::from(out.into_inner())).expect("accepted");
    assert_eq!((checked.width, checked.height), (4_100, 4_000));
}

/// Found by `scripts/fuzz.sh`: stray bytes between a JPEG's segments, which a decoder skips, were
/// accepted; stripped of its EXIF, the stored file no longer decoded.
#[test]
fn refuses_stray_bytes_between_jpeg_segments() {
    let bytes = Bytes::from_static(include_bytes!("testdata/fuzz-stray-bytes.jpg"));
    match check(bytes) {
        Err(ImageError::Corrupt(detail)) => assert!(detail.contains("stray bytes"), "{detail}"),
        other => panic!("accepted or refused for another reason: {other:?}"),
    }
}

#[test]
fn every_accepted_seed_passes_again_after_stripping() {
    for (name, bytes) in [
        (
            "exif",
            include_bytes!("../../../fuzz/corpus/image_check/python-exif-rotated.jpg").as_slice(),
        ),
        (
            "jpeg",
            include_bytes!("../../../fuzz/corpus/image_check/python.jpg").as_slice(),
        ),
        (
            "png",
            include_bytes!("../../../fuzz/corpus/image_check/python-text.png").as_slice(),
        ),
        (
            "gif",
            include_bytes!("../../../fuzz/corpus/image_check/python-comment-loop.gif").as_slice(),
        ),
        (
            "webp",
            include_bytes!("../../../fuzz/corpus/image_check/python.webp").as_slice(),
        ),
    ] {
        let checked =
            check(Bytes::copy_from_slice(bytes)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let again = check(checked.bytes.clone()).unwrap_or_else(|e| panic!("{name} again: {e}"));
        assert_eq!(again.mime, checked.mime, "{name}");
    }
}
