//! Finding and reading the `.privet` files of a program.

use crate::diagnostic::Diagnostic;
use crate::source::{MAX_FILE_BYTES, SourceMap};
use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

/// A failure to read the input, naming the path. Exit code 2.
#[derive(Debug)]
pub struct LoadError {
    pub path: PathBuf,
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`: {}", display_path(&self.path), self.message)
    }
}

/// A path as shown to users: forward slashes, no leading `./`.
pub fn display_path(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    match text.strip_prefix("./") {
        Some(rest) if !rest.is_empty() => rest.to_string(),
        _ => text,
    }
}

/// The loaded program text, plus diagnostics for files that are not text.
pub struct Loaded {
    pub sources: SourceMap,
    pub diagnostics: Vec<Diagnostic>,
}

/// The `.privet` files under `paths`, sorted, each once. A path that is a
/// file is taken whatever its extension; directories are searched
/// recursively, skipping hidden entries.
pub fn find_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, LoadError> {
    let mut found = BTreeSet::new();
    for path in paths {
        let metadata = std::fs::metadata(path).map_err(|error| LoadError {
            path: path.clone(),
            message: io_message(&error),
        })?;
        if metadata.is_file() {
            found.insert(path.clone());
            continue;
        }
        let before = found.len();
        walk(path, &mut found)?;
        if found.len() == before {
            return Err(LoadError {
                path: path.clone(),
                message: "no `.privet` files in this directory".to_string(),
            });
        }
    }
    Ok(found.into_iter().collect())
}

/// An iterative walk (no recursion), guarding against symlink loops by the
/// canonical path of each directory.
pub(crate) fn walk(root: &Path, found: &mut BTreeSet<PathBuf>) -> Result<(), LoadError> {
    let mut seen = BTreeSet::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(directory) = pending.pop() {
        if let Ok(canonical) = std::fs::canonicalize(&directory)
            && !seen.insert(canonical)
        {
            continue;
        }
        let entries = std::fs::read_dir(&directory).map_err(|error| LoadError {
            path: directory.clone(),
            message: io_message(&error),
        })?;
        for entry in entries {
            let entry = entry.map_err(|error| LoadError {
                path: directory.clone(),
                message: io_message(&error),
            })?;
            let name = entry.file_name();
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            let path = entry.path();
            let Ok(metadata) = std::fs::metadata(&path) else {
                continue;
            };
            if metadata.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "privet") {
                found.insert(path);
            }
        }
    }
    Ok(())
}

/// An I/O error as privet says it: lowercase, without the " (os error N)"
/// suffix; the caller names the path.
pub fn io_message(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => {
            let text = error.to_string();
            // Drop the " (os error N)" suffix: the path says enough.
            let text = text.split(" (os error").next().unwrap_or(&text).to_string();
            let mut chars = text.chars();
            match chars.next() {
                Some(first) => first.to_lowercase().chain(chars).collect(),
                None => text,
            }
        }
    }
}

/// Reads the files. Text that is not UTF-8 becomes a `syntax-error` at the
/// first bad byte (and the file is left empty), not an I/O error.
pub fn read_files(files: &[PathBuf]) -> Result<Loaded, LoadError> {
    let mut sources = SourceMap::new();
    let mut diagnostics = Vec::new();
    for path in files {
        let error = |message: String| LoadError {
            path: path.clone(),
            message,
        };
        let metadata = std::fs::metadata(path).map_err(|e| error(io_message(&e)))?;
        if metadata.len() > MAX_FILE_BYTES {
            return Err(error(format!(
                "the file is {} bytes long; privet reads files of at most {} bytes",
                metadata.len(),
                MAX_FILE_BYTES
            )));
        }
        let bytes = std::fs::read(path).map_err(|e| error(io_message(&e)))?;
        let name = display_path(path);
        diagnostics.extend(crate::pipeline::add_file(&mut sources, name, bytes));
    }
    Ok(Loaded {
        sources,
        diagnostics,
    })
}
