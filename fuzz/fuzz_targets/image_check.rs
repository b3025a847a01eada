//! The image check every upload and every provider result goes through: sniffing the type,
//! reading the header, decoding under limits, applying the orientation and stripping metadata.
//! Besides not crashing, what it accepts must pass again unchanged in kind: the stored file is a
//! valid image of the same type and size.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use server::images;

fuzz_target!(|data: &[u8]| {
    let Ok(checked) = images::check(Bytes::copy_from_slice(data)) else {
        return;
    };
    let again = images::check(checked.bytes.clone())
        .unwrap_or_else(|e| panic!("a stored {} does not pass the check again: {e}", checked.mime));
    assert_eq!(again.mime, checked.mime, "the type changed");
    assert_eq!(
        (again.width, again.height),
        (checked.width, checked.height),
        "the dimensions changed"
    );
});
