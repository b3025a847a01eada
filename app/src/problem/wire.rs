//! Reading a [`Problem`] from JSON in the shape serde's derive writes it (`"prompt_empty"`, or
//! `{"too_many_images":{"max":50}}`). The derive would compile a reader for each of the forty
//! rules into the WebAssembly; this one reads any rule's fields into one bag of optional values
//! and then picks the rule by its name.

use std::fmt;

use serde::{
    Deserialize, Deserializer,
    de::{self, MapAccess, Visitor},
};

use super::{PresetField, Problem};
use crate::types::Status;

/// Every field any rule has, by its name on the wire.
#[derive(Default, Deserialize)]
struct Fields {
    message: Option<String>,
    max: Option<i64>,
    min: Option<i64>,
    model: Option<String>,
    offered: Option<Vec<String>>,
    file: Option<String>,
    detail: Option<String>,
    max_mb: Option<i64>,
    max_images: Option<i64>,
    width: Option<i64>,
    height: Option<i64>,
    max_side: Option<i64>,
    max_pixels: Option<i64>,
    bytes: Option<i64>,
    from_megapixels: Option<i64>,
    pixels_per_byte: Option<i64>,
    field: Option<String>,
    needed: Option<i64>,
    balance: Option<i64>,
    status: Option<Status>,
    used_mb: Option<i64>,
    quota_mb: Option<i64>,
    username: Option<String>,
    provider: Option<String>,
    accepted: Option<Vec<String>>,
}

fn num<T: TryFrom<i64>>(value: Option<i64>) -> Option<T> {
    value.and_then(|n| T::try_from(n).ok())
}

fn preset_field(name: Option<String>) -> Option<PresetField> {
    match name?.as_str() {
        "title" => Some(PresetField::Title),
        "content" => Some(PresetField::Content),
        "category" => Some(PresetField::Category),
        _ => None,
    }
}

/// The rule without fields named `code`.
fn unit(code: &str) -> Option<Problem> {
    use Problem::*;
    Some(match code {
        "prompt_empty" => PromptEmpty,
        "no_images" => NoImages,
        "still_processing" => StillProcessing,
        "no_result_yet" => NoResultYet,
        "changed_meanwhile" => ChangedMeanwhile,
        "streams_full" => StreamsFull,
        "wrong_credentials" => WrongCredentials,
        "registration_closed" => RegistrationClosed,
        "username_rules" => UsernameRules,
        "password_rules" => PasswordRules,
        "negative_credits" => NegativeCredits,
        "key_empty" => KeyEmpty,
        "own_admin_role" => OwnAdminRole,
        _ => return None,
    })
}

/// The rule with fields named `code`, when `f` holds every field it needs.
fn with_fields(code: &str, f: Fields) -> Option<Problem> {
    use Problem::*;
    Some(match code {
        "text" => Text {
            message: f.message?,
        },
        "prompt_too_long" => PromptTooLong { max: num(f.max)? },
        "unknown_model" => UnknownModel {
            model: f.model?,
            offered: f.offered?,
        },
        "name_too_long" => NameTooLong { max: num(f.max)? },
        "too_many_images" => TooManyImages { max: num(f.max)? },
        "file_too_large" => FileTooLarge {
            file: f.file?,
            max_mb: num(f.max_mb)?,
        },
        "not_an_image" => NotAnImage { file: f.file? },
        "damaged_image" => DamagedImage {
            file: f.file?,
            detail: f.detail?,
        },
        "too_many_pixels" => TooManyPixels {
            file: f.file?,
            width: num(f.width)?,
            height: num(f.height)?,
            max_side: num(f.max_side)?,
            max_pixels: num(f.max_pixels)?,
        },
        "packed_too_tightly" => PackedTooTightly {
            file: f.file?,
            width: num(f.width)?,
            height: num(f.height)?,
            bytes: num(f.bytes)?,
            from_megapixels: num(f.from_megapixels)?,
            pixels_per_byte: num(f.pixels_per_byte)?,
        },
        "upload_too_large" => UploadTooLarge {
            max_images: num(f.max_images)?,
            max_mb: num(f.max_mb)?,
        },
        "field_too_long" => FieldTooLong { field: f.field? },
        "not_enough_credits" => NotEnoughCredits {
            needed: f.needed?,
            balance: f.balance?,
        },
        "batch_finished" => BatchFinished { status: f.status? },
        "not_failed" => NotFailed { status: f.status? },
        "retries_used_up" => RetriesUsedUp { max: f.max? },
        "storage_full" => StorageFull {
            used_mb: num(f.used_mb)?,
            quota_mb: num(f.quota_mb)?,
        },
        "uploads_in_flight" => UploadsInFlight { max: num(f.max)? },
        "too_many_streams" => TooManyStreams { max: num(f.max)? },
        "username_taken" => UsernameTaken {
            username: f.username?,
        },
        "key_too_long" => KeyTooLong { max: num(f.max)? },
        "key_not_accepted" => KeyNotAccepted {
            provider: f.provider?,
            accepted: f.accepted?,
        },
        "grant_amount" => GrantAmount { max: f.max? },
        "concurrency" => Concurrency {
            min: num(f.min)?,
            max: num(f.max)?,
        },
        "preset_field_empty" => PresetFieldEmpty {
            field: preset_field(f.field)?,
        },
        "preset_field_too_long" => PresetFieldTooLong {
            field: preset_field(f.field)?,
            max: num(f.max)?,
        },
        "sort_order_range" => SortOrderRange { max: f.max? },
        _ => return None,
    })
}

struct ProblemVisitor;

impl<'de> Visitor<'de> for ProblemVisitor {
    type Value = Problem;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a rule's name, or an object of one rule's name and its fields")
    }

    fn visit_str<E: de::Error>(self, code: &str) -> Result<Problem, E> {
        unit(code).ok_or_else(|| E::custom(format_args!("unknown rule `{code}`")))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Problem, A::Error> {
        let Some(code) = map.next_key::<String>()? else {
            return Err(de::Error::custom("a rule without a name"));
        };
        let fields: Fields = map.next_value()?;
        if map.next_key::<de::IgnoredAny>()?.is_some() {
            return Err(de::Error::custom("more than one rule"));
        }
        with_fields(&code, fields)
            .ok_or_else(|| de::Error::custom(format_args!("unknown rule `{code}` or its fields")))
    }
}

impl<'de> Deserialize<'de> for Problem {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ProblemVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One of each rule, with values unlike each other's.
    fn every_rule() -> Vec<Problem> {
        use Problem::*;
        let file = || "trip/a.png".to_owned();
        vec![
            Text {
                message: "bad field".into(),
            },
            PromptEmpty,
            PromptTooLong { max: 2000 },
            UnknownModel {
                model: "m".into(),
                offered: vec!["demo".into(), "gpt-image-1".into()],
            },
            NoImages,
            NameTooLong { max: 100 },
            TooManyImages { max: 50 },
            FileTooLarge {
                file: file(),
                max_mb: 10,
            },
            NotAnImage { file: file() },
            DamagedImage {
                file: file(),
                detail: "truncated".into(),
            },
            TooManyPixels {
                file: file(),
                width: 9000,
                height: 8000,
                max_side: 8192,
                max_pixels: 40_000_000,
            },
            PackedTooTightly {
                file: file(),
                width: 20_000,
                height: 20_000,
                bytes: 4096,
                from_megapixels: 16,
                pixels_per_byte: 64,
            },
            UploadTooLarge {
                max_images: 50,
                max_mb: 10,
            },
            FieldTooLong {
                field: "batchName".into(),
            },
            NotEnoughCredits {
                needed: 6,
                balance: 2,
            },
            BatchFinished {
                status: Status::Cancelled,
            },
            NotFailed {
                status: Status::Processing,
            },
            RetriesUsedUp { max: 5 },
            StillProcessing,
            NoResultYet,
            ChangedMeanwhile,
            StorageFull {
                used_mb: 900,
                quota_mb: 1024,
            },
            UploadsInFlight { max: 2 },
            TooManyStreams { max: 8 },
            StreamsFull,
            WrongCredentials,
            RegistrationClosed,
            UsernameRules,
            PasswordRules,
            UsernameTaken {
                username: "ada".into(),
            },
            NegativeCredits,
            KeyEmpty,
            KeyTooLong { max: 512 },
            KeyNotAccepted {
                provider: "x".into(),
                accepted: vec!["openai".into()],
            },
            OwnAdminRole,
            GrantAmount { max: 1_000_000 },
            Concurrency { min: 1, max: 10 },
            PresetFieldEmpty {
                field: PresetField::Title,
            },
            PresetFieldTooLong {
                field: PresetField::Category,
                max: 50,
            },
            SortOrderRange { max: 1_000_000 },
        ]
    }

    /// Which rule `problem` is; without a catch-all arm, a new rule does not compile here until
    /// it is in [`every_rule`] and read by [`with_fields`] or [`unit`].
    fn rule_number(problem: &Problem) -> usize {
        use Problem::*;
        match problem {
            Text { .. } => 0,
            PromptEmpty => 1,
            PromptTooLong { .. } => 2,
            UnknownModel { .. } => 3,
            NoImages => 4,
            NameTooLong { .. } => 5,
            TooManyImages { .. } => 6,
            FileTooLarge { .. } => 7,
            NotAnImage { .. } => 8,
            DamagedImage { .. } => 9,
            TooManyPixels { .. } => 10,
            PackedTooTightly { .. } => 11,
            UploadTooLarge { .. } => 12,
            FieldTooLong { .. } => 13,
            NotEnoughCredits { .. } => 14,
            BatchFinished { .. } => 15,
            NotFailed { .. } => 16,
            RetriesUsedUp { .. } => 17,
            StillProcessing => 18,
            NoResultYet => 19,
            ChangedMeanwhile => 20,
            StorageFull { .. } => 21,
            UploadsInFlight { .. } => 22,
            TooManyStreams { .. } => 23,
            StreamsFull => 24,
            WrongCredentials => 25,
            RegistrationClosed => 26,
            UsernameRules => 27,
            PasswordRules => 28,
            UsernameTaken { .. } => 29,
            NegativeCredits => 30,
            KeyEmpty => 31,
            KeyTooLong { .. } => 32,
            KeyNotAccepted { .. } => 33,
            OwnAdminRole => 34,
            GrantAmount { .. } => 35,
            Concurrency { .. } => 36,
            PresetFieldEmpty { .. } => 37,
            PresetFieldTooLong { .. } => 38,
            SortOrderRange { .. } => 39,
        }
    }

    #[test]
    fn every_rule_reads_back_as_written() {
        let rules = every_rule();
        let mut numbers: Vec<usize> = rules.iter().map(rule_number).collect();
        numbers.sort_unstable();
        numbers.dedup();
        assert_eq!(numbers, (0..40).collect::<Vec<_>>());
        for rule in rules {
            let json = serde_json::to_string(&rule).expect("a rule serializes");
            let read: Problem = serde_json::from_str(&json).expect(&json);
            assert_eq!(read, rule, "{json}");
        }
    }

    #[test]
    fn refuses_what_no_rule_looks_like() {
        for json in [
            r#""no_such_rule""#,
            r#"{"no_such_rule":{}}"#,
            r#"{"too_many_images":{}}"#,
            r#"{"too_many_images":{"max":-1}}"#,
            r#"{"preset_field_empty":{"field":"colour"}}"#,
            r#"{"prompt_empty":{},"no_images":{}}"#,
            r#"{}"#,
            "42",
        ] {
            assert!(serde_json::from_str::<Problem>(json).is_err(), "{json}");
        }
    }
}
