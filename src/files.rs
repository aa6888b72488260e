//! Finding and reading the `.privet` files of a program: the one place the
//! command line and the language server do it, so both see the same files.
//!
//! - Only regular files are read. A FIFO, a socket or a device (or a link
//!   to one) would block a reader forever or never end, so it is never
//!   opened for reading: a file opened here is opened without blocking and
//!   checked again once open, and every read is bounded by
//!   [`MAX_FILE_BYTES`]. Under a directory, an entry named `*.privet` that
//!   is not a regular file (or a link that leads nowhere) is a
//!   [`LoadError`]: the command line stops with it (exit 2) rather than
//!   check a program with a file missing, and the language server logs it
//!   and goes on with the rest.
//! - A file is identified by its canonical path: the same file reached by
//!   two spellings (`dir` and `./dir`, a relative and an absolute path, a
//!   symbolic link inside the tree) is read once, and shown under the first
//!   spelling the user gave.

use crate::diagnostic::Diagnostic;
use crate::source::{MAX_FILE_BYTES, SourceMap};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

/// A failure to read the input, naming the path. Exit code 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub path: PathBuf,
    pub message: String,
}

impl LoadError {
    fn new(path: &Path, message: impl Into<String>) -> LoadError {
        LoadError {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }

    fn io(path: &Path, error: &std::io::Error) -> LoadError {
        LoadError::new(path, io_message(error))
    }
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

/// An I/O error as privet says it: lowercase, without the " (os error N)"
/// suffix; the caller names the path.
pub fn io_message(error: &std::io::Error) -> String {
    use std::io::ErrorKind;
    let known = match error.kind() {
        ErrorKind::NotFound => Some("no such file or directory"),
        ErrorKind::PermissionDenied => Some("permission denied"),
        ErrorKind::StorageFull => Some("no space left on the device"),
        ErrorKind::QuotaExceeded => Some("the disk quota is exceeded"),
        ErrorKind::ReadOnlyFilesystem => Some("the file system is read-only"),
        ErrorKind::AlreadyExists => Some("it already exists"),
        ErrorKind::DirectoryNotEmpty => Some("the directory is not empty"),
        ErrorKind::NotADirectory => Some("a part of the path is not a directory"),
        ErrorKind::IsADirectory => Some("it is a directory"),
        ErrorKind::CrossesDevices => Some("it is on another file system"),
        ErrorKind::BrokenPipe => Some("the reader went away (broken pipe)"),
        _ => None,
    };
    if let Some(known) = known {
        return known.to_string();
    }
    let text = error.to_string();
    // Drop the " (os error N)" suffix: the path says enough.
    let text = text.split(" (os error").next().unwrap_or(&text).trim();
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => "an unknown I/O error".to_string(),
    }
}

/// The files found under the input paths, each once, by canonical path.
#[derive(Debug, Default)]
pub struct Found {
    /// Canonical path to the path as the user spelled it (the first
    /// spelling met).
    files: BTreeMap<PathBuf, PathBuf>,
    /// Entries named `*.privet` that cannot be read as files.
    pub problems: Vec<LoadError>,
}

impl Found {
    pub fn new() -> Found {
        Found::default()
    }

    /// Adds a file under its spelling, unless its canonical path is known.
    fn add(&mut self, shown: PathBuf, canonical: PathBuf) {
        self.files.entry(canonical).or_insert(shown);
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The files as spelled, sorted, each with its canonical path.
    pub fn into_sorted(self) -> Vec<(PathBuf, PathBuf)> {
        let mut files: Vec<(PathBuf, PathBuf)> = self
            .files
            .into_iter()
            .map(|(canonical, shown)| (shown, canonical))
            .collect();
        files.sort();
        files
    }
}

/// Whether a path names a `.privet` file.
pub fn is_privet(path: &Path) -> bool {
    path.extension().is_some_and(|ext| ext == "privet")
}

/// What kind of thing a non-regular file is, for messages.
fn kind_of(metadata: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let kind = metadata.file_type();
        if kind.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
    }
    if metadata.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

fn not_regular(path: &Path, metadata: &std::fs::Metadata) -> LoadError {
    LoadError::new(
        path,
        format!(
            "is {}, not a regular file; privet reads only regular files",
            kind_of(metadata)
        ),
    )
}

/// The `.privet` files under `paths`, sorted, each once. A path that is a
/// regular file is taken whatever its extension; directories are searched
/// recursively, skipping hidden entries. Any problem is an error.
pub fn find_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, LoadError> {
    let mut found = Found::new();
    for path in paths {
        let metadata = std::fs::metadata(path).map_err(|error| LoadError::io(path, &error))?;
        if metadata.is_file() {
            let canonical =
                std::fs::canonicalize(path).map_err(|error| LoadError::io(path, &error))?;
            found.add(path.clone(), canonical);
            continue;
        }
        if !metadata.is_dir() {
            return Err(not_regular(path, &metadata));
        }
        let before = found.len();
        walk(path, &mut found)?;
        if let Some(problem) = found.problems.first() {
            return Err(problem.clone());
        }
        if found.len() == before && !has_privet_files(path, &found) {
            return Err(LoadError::new(path, "no `.privet` files in this directory"));
        }
    }
    Ok(found
        .into_sorted()
        .into_iter()
        .map(|(shown, _)| shown)
        .collect())
}

/// Whether a directory holds a file already found under another spelling
/// (`privet check dir ./dir` names files, not an empty directory).
fn has_privet_files(directory: &Path, found: &Found) -> bool {
    std::fs::canonicalize(directory)
        .is_ok_and(|canonical| found.files.keys().any(|file| file.starts_with(&canonical)))
}

/// An iterative walk (no recursion) adding the `.privet` files under
/// `root` to `found`, guarding against symlink loops by the canonical path
/// of each directory. Entries named `*.privet` that are not regular files
/// go to `found.problems`; an unreadable directory is an error.
pub fn walk(root: &Path, found: &mut Found) -> Result<(), LoadError> {
    let mut seen = BTreeSet::new();
    let mut pending = vec![root.to_path_buf()];
    // Added in sorted order once the walk is over, so that of two spellings
    // of one file under `root` the smaller is shown, on every machine.
    let mut files = Vec::new();
    while let Some(directory) = pending.pop() {
        if let Ok(canonical) = std::fs::canonicalize(&directory)
            && !seen.insert(canonical)
        {
            continue;
        }
        let entries =
            std::fs::read_dir(&directory).map_err(|error| LoadError::io(&directory, &error))?;
        for entry in entries {
            let entry = entry.map_err(|error| LoadError::io(&directory, &error))?;
            let path = entry.path();
            if path
                .file_name()
                .is_some_and(|name| name.to_string_lossy().starts_with('.'))
            {
                continue;
            }
            match std::fs::metadata(&path) {
                Ok(metadata) if metadata.is_dir() => pending.push(path),
                Ok(metadata) if is_privet(&path) => {
                    if !metadata.is_file() {
                        found.problems.push(not_regular(&path, &metadata));
                        continue;
                    }
                    match std::fs::canonicalize(&path) {
                        Ok(canonical) => files.push((path, canonical)),
                        Err(error) => found.problems.push(LoadError::io(&path, &error)),
                    }
                }
                Ok(_) => {}
                Err(error) if is_privet(&path) => {
                    let message = if std::fs::symlink_metadata(&path).is_ok() {
                        "is a symbolic link that leads nowhere".to_string()
                    } else {
                        io_message(&error)
                    };
                    found.problems.push(LoadError::new(&path, message));
                }
                // A dangling link not named `.privet` is not ours to judge.
                Err(_) => {}
            }
        }
    }
    files.sort();
    for (path, canonical) in files {
        found.add(path, canonical);
    }
    found.problems.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(())
}

/// Opens a file for reading without waiting: opening a FIFO for reading
/// blocks until a writer comes, which is exactly the hang to avoid.
fn open_without_blocking(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

/// Reads one regular file, at most [`MAX_FILE_BYTES`] of it.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, LoadError> {
    let metadata = std::fs::metadata(path).map_err(|error| LoadError::io(path, &error))?;
    if !metadata.is_file() {
        return Err(not_regular(path, &metadata));
    }
    let file = open_without_blocking(path).map_err(|error| LoadError::io(path, &error))?;
    // Checked again on what was opened: the path may have changed since.
    let opened = file
        .metadata()
        .map_err(|error| LoadError::io(path, &error))?;
    if !opened.is_file() {
        return Err(not_regular(path, &opened));
    }
    let too_large = |length: u64| {
        LoadError::new(
            path,
            format!(
                "the file is {length} bytes long or more; privet reads files of at most {MAX_FILE_BYTES} bytes"
            ),
        )
    };
    if opened.len() > MAX_FILE_BYTES {
        return Err(too_large(opened.len()));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(opened.len()).unwrap_or(0));
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| LoadError::io(path, &error))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// The loaded program text, plus diagnostics for files that are not text.
pub struct Loaded {
    pub sources: SourceMap,
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads the files. Text that is not UTF-8 becomes a `syntax-error` at the
/// first bad byte (and the file is left empty), not an I/O error.
pub fn read_files(files: &[PathBuf]) -> Result<Loaded, LoadError> {
    let mut sources = SourceMap::new();
    let mut diagnostics = Vec::new();
    for path in files {
        let bytes = read_bytes(path)?;
        diagnostics.extend(crate::pipeline::add_file(
            &mut sources,
            display_path(path),
            bytes,
        ));
    }
    Ok(Loaded {
        sources,
        diagnostics,
    })
}
