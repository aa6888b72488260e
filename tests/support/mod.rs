//! Helpers shared by the integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use privet::pipeline::{Compilation, compile};
use privet::render::human::render_all_plain;
use privet::source::SourceMap;
use std::path::{Path, PathBuf};

/// The `.privet` files under a directory (or the file itself), sorted, with
/// paths relative to the crate root so snapshots do not depend on the
/// machine.
pub fn privet_files(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_path_buf()];
    }
    let mut found = Vec::new();
    let mut pending = vec![path.to_path_buf()];
    while let Some(directory) = pending.pop() {
        for entry in std::fs::read_dir(&directory).unwrap() {
            let entry = entry.unwrap().path();
            if entry.is_dir() {
                pending.push(entry);
            } else if entry.extension().is_some_and(|e| e == "privet") {
                found.push(entry);
            }
        }
    }
    found.sort();
    found
}

/// Path of a file relative to the crate root, with forward slashes.
pub fn relative(path: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let relative = path.strip_prefix(root).unwrap_or(path);
    relative.to_string_lossy().replace('\\', "/")
}

/// Compiles files from disk.
pub fn compile_files(files: &[PathBuf]) -> (SourceMap, Compilation) {
    let mut sources = SourceMap::new();
    for file in files {
        sources.add(relative(file), std::fs::read_to_string(file).unwrap());
    }
    let compilation = compile(&sources);
    (sources, compilation)
}

/// Compiles one in-memory file named `case.privet`.
pub fn compile_text(text: &str) -> (SourceMap, Compilation) {
    let mut sources = SourceMap::new();
    sources.add("case.privet", text);
    let compilation = compile(&sources);
    (sources, compilation)
}

/// The source of every file, then the rendered diagnostics: what a
/// snapshot shows, so a reviewer sees both together.
pub fn source_and_diagnostics(sources: &SourceMap, compilation: &Compilation) -> String {
    let mut out = String::new();
    for (_, file) in sources.iter() {
        out.push_str(&format!("----- SOURCE {}\n", file.name()));
        out.push_str(file.text());
        if !file.text().ends_with('\n') {
            out.push('\n');
        }
        out.push('\n');
    }
    out.push_str("----- DIAGNOSTICS\n");
    out.push_str(&render_all_plain(sources, &compilation.diagnostics));
    out
}

/// The names of the diagnostics, in report order.
pub fn names(compilation: &Compilation) -> Vec<&'static str> {
    compilation
        .diagnostics
        .iter()
        .map(|d| d.name.as_str())
        .collect()
}

/// Runs the `privet` binary in the crate root.
pub fn privet(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_privet"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .unwrap()
}
