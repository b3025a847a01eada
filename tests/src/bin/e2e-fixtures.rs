//! Writes the picture folders the browser tests upload: nested folders of JPEG, PNG, WebP and
//! GIF files, one file with an image's name that is not an image, and a larger flat folder.
//!
//! `cargo run -p integration-tests --bin e2e-fixtures -- DIR`

use std::{fs, path::Path};

use image::ImageFormat;
use integration_tests::fixtures::image;

fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::write(path, bytes)
}

fn main() -> std::io::Result<()> {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: e2e-fixtures DIR");
        std::process::exit(2);
    };
    let root = Path::new(&dir);
    let trip = root.join("trip");
    write(&trip.join("beach.jpg"), &image(ImageFormat::Jpeg, 96, 64))?;
    write(
        &trip.join("day1/harbour.png"),
        &image(ImageFormat::Png, 80, 80),
    )?;
    write(
        &trip.join("day1/market.webp"),
        &image(ImageFormat::WebP, 64, 96),
    )?;
    write(
        &trip.join("day2/night/lights.gif"),
        &image(ImageFormat::Gif, 72, 48),
    )?;
    write(
        &trip.join("day2/notes.png"),
        b"this file only has an image's name",
    )?;
    for i in 0..3 {
        write(
            &root.join(format!("small/img-{i}.png")),
            &image(ImageFormat::Png, 40 + i, 40),
        )?;
    }
    for i in 0..12 {
        write(
            &root.join(format!("twelve/photo-{i:02}.png")),
            &image(ImageFormat::Png, 32, 32 + i),
        )?;
    }
    Ok(())
}
