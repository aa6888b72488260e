//! Writing a build's output directory so that a reader, or a failed build,
//! never sees a mix of two builds.
//!
//! Everything is written into a new sibling directory `.NAME.privet-new-PID`
//! first. Only when every file is written (and synced) is the previous
//! output renamed aside to `.NAME.privet-old-PID`, the new one renamed into
//! its place, and the old one removed. Between the two renames (two system
//! calls) the directory is absent; at no moment does it hold part of one
//! build and part of another. A build that fails before the renames leaves
//! the previous output as it was and removes its temporary directory. If
//! the process is killed between the two renames, the previous output is
//! left in `.NAME.privet-old-PID`.

use super::load::display_path;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A failure, naming the path.
#[derive(Debug)]
pub struct WriteError {
    pub path: PathBuf,
    pub message: String,
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}`: {}", display_path(&self.path), self.message)
    }
}

fn error(path: &Path, error: impl std::fmt::Display) -> WriteError {
    WriteError {
        path: path.to_path_buf(),
        message: error.to_string(),
    }
}

/// Writes `contents` into a temporary file beside `target`
/// (`.NAME.PID.tmp`), synced to disk, and returns its path: the caller
/// renames it over the target, so a reader sees the old file or the new one,
/// never half of one. Nothing is left behind on failure.
pub fn stage_beside(target: &Path, contents: &[u8]) -> std::io::Result<PathBuf> {
    let name = target
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = target.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let result = fs::File::create(&temporary).and_then(|mut file| {
        file.write_all(contents)?;
        file.sync_all()
    });
    match result {
        Ok(()) => Ok(temporary),
        Err(error) => {
            let _ = fs::remove_file(&temporary);
            Err(error)
        }
    }
}

/// The file that marks a directory as privet's build output: a previous
/// output is replaced only when it has this file, or is empty.
pub const MARKER: &str = "privet.json";

/// Replaces `out` with a directory holding exactly `files` (relative paths
/// with forward slashes, each made of plain components).
pub fn replace_dir(
    out: &Path,
    files: &std::collections::BTreeMap<String, Vec<u8>>,
) -> Result<(), WriteError> {
    let name = out
        .file_name()
        .ok_or_else(|| error(out, "not a directory name that can be replaced"))?
        .to_string_lossy()
        .to_string();
    let parent = match out.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !parent.is_dir() {
        return Err(error(&parent, "no such directory"));
    }
    let previous = match fs::symlink_metadata(out) {
        Ok(metadata) if metadata.is_dir() => {
            let empty = fs::read_dir(out)
                .map_err(|e| error(out, e))?
                .next()
                .is_none();
            if !empty && !out.join(MARKER).is_file() {
                return Err(error(
                    out,
                    format!(
                        "exists and is not the output of `privet build` (it has no `{MARKER}`); \
                         remove it or choose another directory"
                    ),
                ));
            }
            true
        }
        Ok(_) => return Err(error(out, "exists and is not a directory")),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => return Err(error(out, e)),
    };

    let pid = std::process::id();
    let staging = parent.join(format!(".{name}.privet-new-{pid}"));
    let aside = parent.join(format!(".{name}.privet-old-{pid}"));
    // A leftover of an earlier run with the same process id.
    let _ = fs::remove_dir_all(&staging);
    if let Err(failure) = write_tree(&staging, files) {
        let _ = fs::remove_dir_all(&staging);
        return Err(failure);
    }

    if previous {
        let _ = fs::remove_dir_all(&aside);
        if let Err(e) = fs::rename(out, &aside) {
            let _ = fs::remove_dir_all(&staging);
            return Err(error(out, e));
        }
    }
    if let Err(e) = fs::rename(&staging, out) {
        if previous {
            let _ = fs::rename(&aside, out);
        }
        let _ = fs::remove_dir_all(&staging);
        return Err(error(out, e));
    }
    if previous {
        fs::remove_dir_all(&aside).map_err(|e| error(&aside, e))?;
    }
    Ok(())
}

fn write_tree(
    root: &Path,
    files: &std::collections::BTreeMap<String, Vec<u8>>,
) -> Result<(), WriteError> {
    fs::create_dir(root).map_err(|e| error(root, e))?;
    for (relative, bytes) in files {
        let mut path = root.to_path_buf();
        for part in relative.split('/') {
            if part.is_empty() || part == "." || part == ".." {
                return Err(error(root, format!("refusing to write `{relative}`")));
            }
            path.push(part);
        }
        if let Some(directory) = path.parent() {
            fs::create_dir_all(directory).map_err(|e| error(directory, e))?;
        }
        let mut file = fs::File::create(&path).map_err(|e| error(&path, e))?;
        file.write_all(bytes).map_err(|e| error(&path, e))?;
        file.sync_all().map_err(|e| error(&path, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn files(content: &str) -> BTreeMap<String, Vec<u8>> {
        let mut files = BTreeMap::new();
        files.insert(MARKER.to_string(), content.as_bytes().to_vec());
        files.insert("a/b.txt".to_string(), b"b".to_vec());
        files
    }

    #[test]
    fn replaces_a_previous_output_and_leaves_nothing_beside_it() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        replace_dir(&out, &files("one")).unwrap();
        fs::write(out.join("stale.txt"), "x").unwrap();
        replace_dir(&out, &files("two")).unwrap();
        assert_eq!(fs::read_to_string(out.join(MARKER)).unwrap(), "two");
        assert!(!out.join("stale.txt").exists());
        let entries: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(entries.len(), 1);
    }

    #[test]
    fn refuses_a_directory_that_is_not_an_output() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("src");
        fs::create_dir(&out).unwrap();
        fs::write(out.join("main.rs"), "fn main() {}").unwrap();
        let failure = replace_dir(&out, &files("one")).unwrap_err();
        assert!(failure.message.contains("not the output"), "{failure}");
        assert!(out.join("main.rs").exists());
    }

    #[test]
    fn a_failed_write_leaves_the_previous_output() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        replace_dir(&out, &files("one")).unwrap();
        let mut bad = files("two");
        bad.insert("../escape".to_string(), Vec::new());
        assert!(replace_dir(&out, &bad).is_err());
        assert_eq!(fs::read_to_string(out.join(MARKER)).unwrap(), "one");
        let entries: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(entries.len(), 1);
    }
}
