//! The server functions' wire encoding: JSON, read from text.
//!
//! Resources hydrate with `serde_json::from_str`, while server_fn's own JSON encoding reads with
//! `serde_json::from_slice`; each reader is a separate copy of every wire type's deserializer in
//! the WebAssembly. Reading server-function answers (and errors) from text as well keeps one copy.

use serde::{Serialize, de::DeserializeOwned};
use server_fn::{Bytes, ContentType, Decodes, Encodes, Format, FormatType, codec::Post};

/// JSON in a `POST` body, decoded from UTF-8 text.
pub type Json = Post<JsonText>;

/// The encoding behind [`Json`], also the encoding of [`crate::AppError`] on the wire.
pub struct JsonText;

impl ContentType for JsonText {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl FormatType for JsonText {
    const FORMAT_TYPE: Format = Format::Text;
}

impl<T: Serialize> Encodes<T> for JsonText {
    type Error = serde_json::Error;

    fn encode(output: &T) -> Result<Bytes, Self::Error> {
        serde_json::to_vec(output).map(Bytes::from)
    }
}

impl<T: DeserializeOwned> Decodes<T> for JsonText {
    type Error = serde_json::Error;

    fn decode(bytes: Bytes) -> Result<T, Self::Error> {
        let text = std::str::from_utf8(&bytes).map_err(serde::de::Error::custom)?;
        serde_json::from_str(text)
    }
}
