//! See `privet_fuzz::parser::parser` and docs/reliability.md.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    privet_fuzz::parser::parser(data);
});
