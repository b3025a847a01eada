//! Test images in every format, and multipart bodies for `POST /api/batch/create`.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, RgbImage};
use reqwest::multipart::{Form, Part};

/// A small picture encoded as `format`.
pub fn image(format: ImageFormat, width: u32, height: u32) -> Vec<u8> {
    let picture = DynamicImage::ImageRgb8(RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([
            (x * 7 % 256) as u8,
            (y * 5 % 256) as u8,
            ((x + y) % 256) as u8,
        ])
    }));
    let mut out = Cursor::new(Vec::new());
    picture
        .write_to(&mut out, format)
        .expect("encode test image");
    out.into_inner()
}

pub fn png() -> Vec<u8> {
    image(ImageFormat::Png, 24, 16)
}

/// A create form: `files` as (name, bytes) `images` parts, then the text fields.
pub fn batch_form(files: &[(&str, Vec<u8>)], prompt: &str, model: &str) -> Form {
    let mut form = Form::new();
    for (name, bytes) in files {
        // The server must decide the type from the bytes, so the declared type is deliberately vague.
        let part = Part::bytes(bytes.clone())
            .file_name((*name).to_owned())
            .mime_str("application/octet-stream")
            .expect("mime");
        form = form.part("images", part);
    }
    form.text("prompt", prompt.to_owned())
        .text("model", model.to_owned())
        .text("batchName", "test batch")
}

/// `count` PNG files named `img-N.png`.
pub fn pngs(count: usize) -> Vec<(String, Vec<u8>)> {
    (0..count)
        .map(|i| (format!("img-{i}.png"), png()))
        .collect()
}

/// Borrowed view of owned files, for `batch_form`.
pub fn borrowed(files: &[(String, Vec<u8>)]) -> Vec<(&str, Vec<u8>)> {
    files.iter().map(|(n, b)| (n.as_str(), b.clone())).collect()
}
