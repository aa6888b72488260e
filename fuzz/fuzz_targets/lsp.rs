//! See `privet_fuzz::lsp::lsp` and docs/reliability.md.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    privet_fuzz::lsp::lsp(data);
});
