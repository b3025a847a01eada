//! The built-in `demo` provider: needs no network or key, and really changes the picture
//! according to keywords in the prompt (English or Chinese), after a configurable delay.
//!
//! Two more keywords make it fail, so that failures and retries can be tried out: `fail once`
//! (失败一次) fails each distinct image (its bytes and the prompt) the first time it is seen and
//! succeeds from then on, so a manual retry completes; `always fail` (总是失败) fails every time.
//! Both failures are permanent, so the queue does not retry them by itself.
//!
//! A call that is cancelled or runs out of time stops its picture work at the next effect.

use std::{
    collections::HashSet,
    hash::{DefaultHasher, Hash, Hasher},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use async_trait::async_trait;
use bytes::Bytes;
use image::{DynamicImage, imageops};

use super::{GenerateRequest, ProgressFn, Provider, ProviderError};

/// A picture effect and the words that ask for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Grayscale,
    Sepia,
    Blur,
    Sharpen,
    Invert,
    Pixelate,
    Posterize,
    Upscale,
    Rotate,
    Flip,
    Brighten,
    Darken,
    Contrast,
}

const KEYWORDS: &[(Effect, &[&str])] = &[
    (
        Effect::Grayscale,
        &[
            "grayscale",
            "greyscale",
            "black and white",
            "monochrome",
            "黑白",
            "灰度",
        ],
    ),
    (
        Effect::Sepia,
        &["sepia", "vintage", "old photo", "复古", "怀旧", "老照片"],
    ),
    (Effect::Blur, &["blur", "soft", "dreamy", "模糊", "柔焦"]),
    (
        Effect::Sharpen,
        &[
            "sharpen",
            "sharp",
            "enhance",
            "detailed",
            "high quality",
            "清晰",
            "锐化",
            "高清",
            "增强",
        ],
    ),
    (Effect::Invert, &["invert", "negative", "反色", "负片"]),
    (
        Effect::Pixelate,
        &["pixel", "8-bit", "8bit", "mosaic", "像素", "马赛克"],
    ),
    (
        Effect::Posterize,
        &[
            "poster", "cartoon", "comic", "pop art", "卡通", "漫画", "海报",
        ],
    ),
    (
        Effect::Upscale,
        &["upscale", "enlarge", "2x", "放大", "超分"],
    ),
    (Effect::Rotate, &["rotate", "旋转"]),
    (Effect::Flip, &["flip", "mirror", "镜像", "翻转"]),
    (
        Effect::Brighten,
        &["bright", "light", "sunny", "明亮", "提亮"],
    ),
    (Effect::Darken, &["dark", "night", "moody", "暗", "夜"]),
    (
        Effect::Contrast,
        &["contrast", "vivid", "vibrant", "对比", "鲜艳"],
    ),
];

/// The effects a prompt asks for, in the order of the table; a prompt without any keyword gets
/// a gentle enhancement so that every run visibly changes the picture.
pub fn effects_for(prompt: &str) -> Vec<Effect> {
    let prompt = prompt.to_lowercase();
    let found: Vec<Effect> = KEYWORDS
        .iter()
        .filter(|(_, words)| words.iter().any(|w| prompt.contains(w)))
        .map(|(effect, _)| *effect)
        .collect();
    if found.is_empty() {
        vec![Effect::Contrast, Effect::Sharpen]
    } else {
        found
    }
}

/// Applies one effect.
pub fn apply(image: DynamicImage, effect: Effect) -> DynamicImage {
    match effect {
        Effect::Grayscale => DynamicImage::ImageLuma8(image.to_luma8())
            .into_rgba8()
            .into(),
        Effect::Sepia => {
            let mut rgba = image.into_rgba8();
            for pixel in rgba.pixels_mut() {
                let [r, g, b, a] = pixel.0.map(f32::from);
                let tone = |x: f32, y: f32, z: f32| (r * x + g * y + b * z).min(255.0) as u8;
                pixel.0 = [
                    tone(0.393, 0.769, 0.189),
                    tone(0.349, 0.686, 0.168),
                    tone(0.272, 0.534, 0.131),
                    a as u8,
                ];
            }
            rgba.into()
        }
        Effect::Blur => image.blur(3.0),
        Effect::Sharpen => image.unsharpen(2.0, 4),
        Effect::Invert => {
            let mut image = image;
            image.invert();
            image
        }
        Effect::Pixelate => {
            let (w, h) = (image.width(), image.height());
            let block = (w.max(h) / 48).max(2);
            image
                .resize_exact(
                    (w / block).max(1),
                    (h / block).max(1),
                    imageops::FilterType::Triangle,
                )
                .resize_exact(w, h, imageops::FilterType::Nearest)
        }
        Effect::Posterize => {
            let mut rgba = image.into_rgba8();
            for pixel in rgba.pixels_mut() {
                for channel in &mut pixel.0[..3] {
                    *channel = (*channel / 64) * 64 + 32;
                }
            }
            rgba.into()
        }
        Effect::Upscale => {
            let (w, h) = (image.width(), image.height());
            // Bounded so that repeated edits cannot grow an image without end.
            if w.max(h) <= 2_048 {
                image.resize(w * 2, h * 2, imageops::FilterType::Lanczos3)
            } else {
                image
            }
        }
        Effect::Rotate => image.rotate90(),
        Effect::Flip => image.fliph(),
        Effect::Brighten => image.brighten(40),
        Effect::Darken => image.brighten(-50),
        Effect::Contrast => image.adjust_contrast(25.0),
    }
}

const FAIL_ONCE: &[&str] = &["fail once", "失败一次"];
const ALWAYS_FAIL: &[&str] = &["always fail", "总是失败"];
/// Images remembered for `fail once`; past this the memory starts over.
const REMEMBERED: usize = 10_000;

/// The failure a prompt asks for, with the keyword that asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    Once(&'static str),
    Always(&'static str),
}

/// Whether the prompt asks the demo to fail (`always fail` wins over `fail once`).
pub fn failure_for(prompt: &str) -> Option<Failure> {
    let prompt = prompt.to_lowercase();
    let find = |words: &[&'static str]| words.iter().copied().find(|w| prompt.contains(w));
    find(ALWAYS_FAIL)
        .map(Failure::Always)
        .or_else(|| find(FAIL_ONCE).map(Failure::Once))
}

pub struct Demo {
    delay: Duration,
    /// Hashes of (image, prompt) that `fail once` has already failed.
    failed_once: Mutex<HashSet<u64>>,
    /// Effects applied so far, to see that a dropped call stops its work.
    #[cfg(test)]
    applied: Arc<std::sync::atomic::AtomicUsize>,
}

/// Raised when the call that started a blocking job is dropped (cancelled, or out of time), so
/// the job stops at its next step instead of running on outside the concurrency limit.
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

fn stopped() -> ProviderError {
    ProviderError::permanent("the demo run was stopped")
}

impl Demo {
    pub fn new(delay: Duration) -> Self {
        Self {
            delay,
            failed_once: Mutex::new(HashSet::new()),
            #[cfg(test)]
            applied: Arc::default(),
        }
    }

    /// The error the prompt asks for on this call, if any.
    fn planned_failure(&self, image: &[u8], prompt: &str) -> Option<ProviderError> {
        match failure_for(prompt)? {
            Failure::Always(word) => Some(ProviderError::permanent(format!(
                "the demo model was asked to fail every time (prompt contains '{word}')"
            ))),
            Failure::Once(word) => {
                let mut hasher = DefaultHasher::new();
                image.hash(&mut hasher);
                prompt.hash(&mut hasher);
                let key = hasher.finish();
                // A poisoned lock only means another call panicked while holding it; the set
                // itself is still usable.
                let mut seen = self
                    .failed_once
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                if seen.len() >= REMEMBERED {
                    seen.clear();
                }
                seen.insert(key).then(|| {
                    ProviderError::permanent(format!(
                        "the demo model was asked to fail this image once (prompt contains \
                         '{word}'); retry it"
                    ))
                })
            }
        }
    }
}

#[async_trait]
impl Provider for Demo {
    fn id(&self) -> &'static str {
        "demo"
    }

    async fn generate(
        &self,
        request: GenerateRequest,
        progress: ProgressFn,
    ) -> Result<Bytes, ProviderError> {
        let steps = 10u32;
        for step in 0..steps {
            tokio::time::sleep(self.delay / steps).await;
            progress((step + 1) as f32 / steps as f32 * 0.9);
        }
        if let Some(error) = self.planned_failure(&request.image, &request.prompt) {
            return Err(error);
        }
        let effects = effects_for(&request.prompt);
        let stop = Arc::new(AtomicBool::new(false));
        let _stop_on_drop = StopOnDrop(stop.clone());
        #[cfg(test)]
        let applied = self.applied.clone();
        tokio::task::spawn_blocking(move || {
            let is_stopped = || stop.load(Ordering::Relaxed);
            let mut image = crate::images::decode(&request.image)
                .map_err(|e| ProviderError::permanent(format!("cannot read the image: {e}")))?;
            for effect in effects {
                if is_stopped() {
                    return Err(stopped());
                }
                image = apply(image, effect);
                #[cfg(test)]
                applied.fetch_add(1, Ordering::Relaxed);
            }
            if is_stopped() {
                return Err(stopped());
            }
            crate::images::encode_png(&image)
                .map_err(|e| ProviderError::permanent(format!("cannot write the image: {e}")))
        })
        .await
        .map_err(|e| ProviderError::retryable(format!("the demo effect crashed: {e}")))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::RgbaImage;

    #[test]
    fn keywords_in_english_and_chinese_pick_effects() {
        assert_eq!(
            effects_for("make it Black and White"),
            vec![Effect::Grayscale]
        );
        assert_eq!(
            effects_for("黑白 复古"),
            vec![Effect::Grayscale, Effect::Sepia]
        );
        assert_eq!(effects_for("像素风格"), vec![Effect::Pixelate]);
        assert_eq!(
            effects_for("something else"),
            vec![Effect::Contrast, Effect::Sharpen]
        );
    }

    #[test]
    fn failure_keywords_in_english_and_chinese() {
        assert_eq!(
            failure_for("Fail Once please"),
            Some(Failure::Once("fail once"))
        );
        assert_eq!(
            failure_for("黑白 失败一次"),
            Some(Failure::Once("失败一次"))
        );
        assert_eq!(
            failure_for("always fail"),
            Some(Failure::Always("always fail"))
        );
        assert_eq!(
            failure_for("fail once, 总是失败"),
            Some(Failure::Always("总是失败"))
        );
        assert_eq!(failure_for("black and white"), None);
    }

    fn request(image: &[u8], prompt: &str) -> GenerateRequest {
        GenerateRequest {
            image: Bytes::copy_from_slice(image),
            mime: "image/png",
            prompt: prompt.to_owned(),
            upstream_model: "demo".to_owned(),
            api_key: None,
        }
    }

    fn png() -> Vec<u8> {
        let picture: DynamicImage = RgbaImage::from_fn(8, 8, |x, y| {
            image::Rgba([(x * 30) as u8, (y * 30) as u8, 90, 255])
        })
        .into();
        crate::images::encode_png(&picture).unwrap().to_vec()
    }

    #[tokio::test]
    async fn fail_once_fails_each_image_once_then_succeeds() {
        let demo = Demo::new(Duration::ZERO);
        let progress: ProgressFn = std::sync::Arc::new(|_| {});
        let (a, b) = (png(), b"other bytes".to_vec());

        let first = demo
            .generate(request(&a, "sepia, fail once"), progress.clone())
            .await
            .unwrap_err();
        assert!(!first.is_retryable());
        assert!(
            first.to_string().contains("fail this image once"),
            "{first}"
        );
        assert!(first.to_string().contains("retry it"), "{first}");
        // The same image and prompt now succeeds, and keeps succeeding.
        for _ in 0..2 {
            let result = demo
                .generate(request(&a, "sepia, fail once"), progress.clone())
                .await
                .unwrap();
            assert!(crate::images::decode(&result).is_ok());
        }
        // Another image, or the same image with another prompt, fails its first time too.
        assert!(demo.planned_failure(&b, "sepia, fail once").is_some());
        assert!(demo.planned_failure(&a, "blur, 失败一次").is_some());
        assert!(demo.planned_failure(&a, "blur, 失败一次").is_none());
        assert!(demo.planned_failure(&a, "blur").is_none());
    }

    #[tokio::test]
    async fn always_fail_fails_every_time() {
        let demo = Demo::new(Duration::ZERO);
        let progress: ProgressFn = std::sync::Arc::new(|_| {});
        for _ in 0..3 {
            let error = demo
                .generate(request(&png(), "总是失败"), progress.clone())
                .await
                .unwrap_err();
            assert!(!error.is_retryable());
            assert!(error.to_string().contains("fail every time"), "{error}");
        }
    }

    #[test]
    fn the_memory_of_failed_images_is_bounded() {
        let demo = Demo::new(Duration::ZERO);
        for i in 0..REMEMBERED + 5 {
            assert!(
                demo.planned_failure(&i.to_le_bytes(), "fail once")
                    .is_some()
            );
        }
        let remembered = demo.failed_once.lock().unwrap().len();
        assert!(remembered <= REMEMBERED, "{remembered}");
    }

    #[tokio::test]
    async fn a_dropped_call_stops_its_work() {
        let demo = Demo::new(Duration::ZERO);
        let progress: ProgressFn = std::sync::Arc::new(|_| {});
        let large: DynamicImage = RgbaImage::from_fn(1_500, 1_500, |x, y| {
            image::Rgba([(x % 251) as u8, (y % 241) as u8, 90, 255])
        })
        .into();
        let bytes = crate::images::encode_png(&large).unwrap();
        // Every effect: far more work than the wait below.
        let prompt: Vec<&str> = KEYWORDS.iter().map(|(_, words)| words[0]).collect();
        let call = demo.generate(request(&bytes, &prompt.join(", ")), progress);
        // Run the call until its blocking work has applied a first effect, then drop it.
        let waiting = async {
            while demo.applied.load(Ordering::Relaxed) == 0 {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        };
        tokio::select! {
            _ = call => panic!("the call finished before it could be dropped"),
            () = waiting => {}
        }
        // The blocking job ends at its next step; without the stop it would apply all effects.
        let settled = async {
            let mut last = usize::MAX;
            loop {
                tokio::time::sleep(Duration::from_millis(500)).await;
                let now = demo.applied.load(Ordering::Relaxed);
                if now == last {
                    return now;
                }
                last = now;
            }
        };
        let applied = settled.await;
        assert!(
            applied < KEYWORDS.len() - 1,
            "{applied} effects applied after the drop"
        );
    }

    #[test]
    fn effects_change_the_picture() {
        let source: DynamicImage = RgbaImage::from_fn(32, 16, |x, y| {
            image::Rgba([(x * 8) as u8, (y * 16) as u8, 90, 255])
        })
        .into();
        for (effect, _) in KEYWORDS {
            let result = apply(source.clone(), *effect);
            assert_ne!(
                result.to_rgba8().into_raw(),
                source.to_rgba8().into_raw(),
                "{effect:?}"
            );
        }
        let grey = apply(source.clone(), Effect::Grayscale).to_rgba8();
        assert!(grey.pixels().all(|p| p[0] == p[1] && p[1] == p[2]));
        assert_eq!(apply(source.clone(), Effect::Rotate).width(), 16);
        assert_eq!(apply(source, Effect::Upscale).width(), 64);
    }
}
