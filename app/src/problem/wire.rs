//! Reading a [`Problem`] from JSON in the shape serde's derive writes it (`"prompt_empty"`, or
//! `{"too_many_images":{"max":50}}`). The derive would compile a reader for each of the forty
//! rules into the WebAssembly; this one reads any rule's fields into a list of named values and
//! then picks the rule by its name.

use std::fmt;

use serde::{
    Deserialize, Deserializer,
    de::{self, MapAccess, SeqAccess, Visitor},
};

use super::{PresetField, Problem};
use crate::types::Status;

/// A field's value: every rule's fields are numbers, text or lists of text.
enum Value {
    Number(i64),
    Text(String),
    List(Vec<String>),
}

/// A rule's fields by name, read by hand: a derived struct of every field any rule has would
/// compile a larger reader than this one.
struct Fields(Vec<(String, Value)>);

impl Fields {
    fn get(&self, name: &str) -> Option<&Value> {
        self.0
            .iter()
            .find_map(|(field, value)| (field == name).then_some(value))
    }

    fn num<T: TryFrom<i64>>(&self, name: &str) -> Option<T> {
        match self.get(name)? {
            Value::Number(n) => T::try_from(*n).ok(),
            _ => None,
        }
    }

    fn text(&self, name: &str) -> Option<String> {
        match self.get(name)? {
            Value::Text(text) => Some(text.clone()),
            _ => None,
        }
    }

    fn list(&self, name: &str) -> Option<Vec<String>> {
        match self.get(name)? {
            Value::List(list) => Some(list.clone()),
            _ => None,
        }
    }

    fn status(&self, name: &str) -> Option<Status> {
        self.text(name)?.parse().ok()
    }

    fn preset_field(&self, name: &str) -> Option<PresetField> {
        match self.text(name)?.as_str() {
            "title" => Some(PresetField::Title),
            "content" => Some(PresetField::Content),
            "category" => Some(PresetField::Category),
            _ => None,
        }
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a whole number, text or a list of text")
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Number(n))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Value, E> {
        i64::try_from(n)
            .map(Value::Number)
            .map_err(|_| E::custom("a number out of range"))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Value, E> {
        Ok(Value::Text(text.to_owned()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut list = Vec::new();
        while let Some(item) = seq.next_element::<String>()? {
            list.push(item);
        }
        Ok(Value::List(list))
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct FieldsVisitor;

impl<'de> Visitor<'de> for FieldsVisitor {
    type Value = Fields;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a rule's fields")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields, A::Error> {
        let mut fields = Vec::new();
        while let Some(entry) = map.next_entry::<String, Value>()? {
            fields.push(entry);
        }
        Ok(Fields(fields))
    }
}

impl<'de> Deserialize<'de> for Fields {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(FieldsVisitor)
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
            message: f.text("message")?,
        },
        "prompt_too_long" => PromptTooLong { max: f.num("max")? },
        "unknown_model" => UnknownModel {
            model: f.text("model")?,
            offered: f.list("offered")?,
        },
        "name_too_long" => NameTooLong { max: f.num("max")? },
        "too_many_images" => TooManyImages { max: f.num("max")? },
        "file_too_large" => FileTooLarge {
            file: f.text("file")?,
            max_mb: f.num("max_mb")?,
        },
        "not_an_image" => NotAnImage {
            file: f.text("file")?,
        },
        "damaged_image" => DamagedImage {
            file: f.text("file")?,
            detail: f.text("detail")?,
        },
        "too_many_pixels" => TooManyPixels {
            file: f.text("file")?,
            width: f.num("width")?,
            height: f.num("height")?,
            max_side: f.num("max_side")?,
            max_pixels: f.num("max_pixels")?,
        },
        "packed_too_tightly" => PackedTooTightly {
            file: f.text("file")?,
            width: f.num("width")?,
            height: f.num("height")?,
            bytes: f.num("bytes")?,
            from_megapixels: f.num("from_megapixels")?,
            pixels_per_byte: f.num("pixels_per_byte")?,
        },
        "upload_too_large" => UploadTooLarge {
            max_images: f.num("max_images")?,
            max_mb: f.num("max_mb")?,
        },
        "field_too_long" => FieldTooLong {
            field: f.text("field")?,
        },
        "not_enough_credits" => NotEnoughCredits {
            needed: f.num("needed")?,
            balance: f.num("balance")?,
        },
        "batch_finished" => BatchFinished {
            status: f.status("status")?,
        },
        "not_failed" => NotFailed {
            status: f.status("status")?,
        },
        "retries_used_up" => RetriesUsedUp { max: f.num("max")? },
        "storage_full" => StorageFull {
            used_mb: f.num("used_mb")?,
            quota_mb: f.num("quota_mb")?,
        },
        "uploads_in_flight" => UploadsInFlight { max: f.num("max")? },
        "too_many_streams" => TooManyStreams { max: f.num("max")? },
        "username_taken" => UsernameTaken {
            username: f.text("username")?,
        },
        "key_too_long" => KeyTooLong { max: f.num("max")? },
        "key_not_accepted" => KeyNotAccepted {
            provider: f.text("provider")?,
            accepted: f.list("accepted")?,
        },
        "grant_amount" => GrantAmount { max: f.num("max")? },
        "concurrency" => Concurrency {
            min: f.num("min")?,
            max: f.num("max")?,
        },
        "preset_field_empty" => PresetFieldEmpty {
            field: f.preset_field("field")?,
        },
        "preset_field_too_long" => PresetFieldTooLong {
            field: f.preset_field("field")?,
            max: f.num("max")?,
        },
        "sort_order_range" => SortOrderRange { max: f.num("max")? },
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
