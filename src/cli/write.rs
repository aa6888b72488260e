//! Writing an output directory (`privet build --out`, `privet doc --out`)
//! so that nothing of the user's is ever lost, and a reader, or a failed
//! run, never sees a mix of two outputs.
//!
//! - The directory is privet's alone. It holds a marker, [`MARKER`], whose
//!   content says which command wrote it and lists every file written.
//!   An existing directory is replaced only when it is empty, or carries a
//!   marker written by the same command and holds nothing but what that
//!   marker lists: a file of the user's (even one named like privet's),
//!   a directory of theirs with a `privet.json` of theirs, or a link, makes
//!   privet refuse and change nothing.
//! - An output directory equal to, inside or above an input path is
//!   refused before anything is compiled ([`refuse_overlap`]).
//! - Everything is written into a new sibling directory
//!   `.NAME.privet-new-PID` first (the marker first of all). Only when every
//!   file is written, and made durable ([`make_durable`]), is the previous
//!   output renamed aside to
//!   `.NAME.privet-old-PID`, the new one renamed into its place, and the old
//!   one removed. Between the two renames (two system calls) the directory
//!   is absent; at no moment does it hold part of one output and part of
//!   another. A run that fails before the renames leaves the previous output
//!   as it was and removes its staging directory. After the renames the
//!   parent directory is synced, so the swap itself survives a crash.
//! - A run killed midway leaves a staging directory behind; the next run
//!   for the same output removes those of privet's own naming whose process
//!   is gone and which hold nothing but what their marker lists.

use crate::files::{display_path, io_message};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::fs;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

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

fn error(path: &Path, message: impl Into<String>) -> WriteError {
    WriteError {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

fn io_error(path: &Path, failure: &std::io::Error) -> WriteError {
    error(path, io_message(failure))
}

/// The file that marks a directory as privet's output.
pub const MARKER: &str = ".privet-output";

/// The marker's content.
#[derive(Serialize, Deserialize, Debug, PartialEq, Eq)]
struct Marker {
    /// Says, for a person who opens the file, what the directory is.
    about: String,
    /// The command that wrote the directory: `privet build` or `privet doc`.
    written_by: String,
    /// Every file written, relative, with forward slashes; the marker aside.
    files: BTreeSet<String>,
}

impl Marker {
    fn new(command: &str, files: &BTreeMap<String, Vec<u8>>) -> Marker {
        Marker {
            about: format!(
                "This directory was written by `{command}`, which replaces it as a whole \
                 on its next run. Keep no files of your own here: privet refuses to replace \
                 a directory that holds anything this list does not name."
            ),
            written_by: command.to_string(),
            files: files.keys().cloned().collect(),
        }
    }

    fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }
}

/// Where an output directory goes: its parent, canonical, and its name.
struct Location {
    parent: PathBuf,
    name: OsString,
}

impl Location {
    fn of(out: &Path) -> Result<Location, WriteError> {
        // `.`, `..` and `dir/..` name a directory only once resolved.
        let resolved;
        let out = match out.components().next_back() {
            Some(Component::Normal(_)) => out,
            _ => match fs::canonicalize(out) {
                Ok(path) => {
                    resolved = path;
                    resolved.as_path()
                }
                Err(_) => out,
            },
        };
        let name = match out.components().next_back() {
            Some(Component::Normal(name)) => name.to_os_string(),
            _ => {
                return Err(error(
                    out,
                    "does not name a directory privet can write into; name the output \
                     directory itself, such as `build`",
                ));
            }
        };
        let parent = match out.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let parent = fs::canonicalize(parent).map_err(|failure| {
            let message = match failure.kind() {
                std::io::ErrorKind::NotFound => {
                    "no such directory; privet creates the output directory, not its parents"
                        .to_string()
                }
                _ => io_message(&failure),
            };
            error(parent, message)
        })?;
        if !parent.is_dir() {
            return Err(error(&parent, "is not a directory"));
        }
        Ok(Location { parent, name })
    }

    fn target(&self) -> PathBuf {
        self.parent.join(&self.name)
    }

    /// A sibling of privet's own naming: `.NAME.privet-KIND-PID`.
    fn sibling(&self, kind: &str, pid: u32) -> PathBuf {
        let mut name = OsString::from(".");
        name.push(&self.name);
        name.push(format!(".privet-{kind}-{pid}"));
        self.parent.join(name)
    }
}

/// Refuses an output directory that is an input, inside one, or holds one:
/// replacing it could delete the program's own files, and a later run would
/// read the output as input.
pub fn refuse_overlap(out: &Path, inputs: &[PathBuf]) -> Result<(), WriteError> {
    let target = Location::of(out)?.target();
    for input in inputs {
        let Ok(input_path) = fs::canonicalize(input) else {
            continue;
        };
        let relation = if target == input_path {
            "is the input"
        } else if target.starts_with(&input_path) {
            "is inside the input"
        } else if input_path.starts_with(&target) {
            "holds the input"
        } else {
            continue;
        };
        return Err(error(
            out,
            format!(
                "{relation} `{}`; privet replaces its output directory as a whole, so it \
                 must be outside every input path: choose another directory",
                display_path(input)
            ),
        ));
    }
    Ok(())
}

/// Replaces `out` with a directory holding exactly `files` (relative paths
/// with forward slashes, each made of plain components) and the marker
/// naming `command`.
pub fn replace_dir(
    out: &Path,
    command: &str,
    files: &BTreeMap<String, Vec<u8>>,
) -> Result<(), WriteError> {
    let location = Location::of(out)?;
    let target = location.target();
    remove_stale_staging(&location, command);
    let previous = match fs::symlink_metadata(&target) {
        Ok(metadata) if metadata.is_dir() => {
            if let Err(refusal) = owned_output(&target, command) {
                return Err(error(out, refusal));
            }
            true
        }
        Ok(metadata) if metadata.file_type().is_symlink() => {
            return Err(error(
                out,
                "is a symbolic link; privet replaces its output directory as a whole, so name \
                 a directory, not a link",
            ));
        }
        Ok(_) => return Err(error(out, "exists and is not a directory")),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => return Err(io_error(out, &e)),
    };

    let pid = std::process::id();
    let staging = location.sibling("new", pid);
    let aside = location.sibling("old", pid);
    // A leftover of an earlier run with the same process id (this one is
    // running now, so that run is over).
    let _ = fs::remove_dir_all(&staging);
    let marker = Marker::new(command, files);
    if let Err(failure) = write_tree(&staging, &marker, files) {
        let _ = fs::remove_dir_all(&staging);
        return Err(failure);
    }

    // The renames fail in these ways when another run writes the same
    // directory at the same moment: it took the old output away, or put
    // its own in place first.
    let swap_failed = |e: std::io::Error| {
        let message = match e.kind() {
            std::io::ErrorKind::NotFound
            | std::io::ErrorKind::AlreadyExists
            | std::io::ErrorKind::DirectoryNotEmpty => CONCURRENT.to_string(),
            _ => io_message(&e),
        };
        error(out, message)
    };
    if previous {
        let _ = fs::remove_dir_all(&aside);
        if let Err(e) = fs::rename(&target, &aside) {
            let _ = fs::remove_dir_all(&staging);
            return Err(swap_failed(e));
        }
    }
    if let Err(e) = fs::rename(&staging, &target) {
        if previous {
            let _ = fs::rename(&aside, &target);
        }
        let _ = fs::remove_dir_all(&staging);
        return Err(swap_failed(e));
    }
    // The swap is durable once the parent directory's entries are.
    sync_directory(&location.parent)?;
    if previous {
        fs::remove_dir_all(&aside).map_err(|e| io_error(&aside, &e))?;
    }
    Ok(())
}

/// What a run says when another run wrote the same directory at the same
/// moment.
const CONCURRENT: &str = "was being written by another process at the same time; this run replaced nothing, run it again";

/// Whether `dir` is privet's output of `command` that may be replaced: empty,
/// or a marker of `command` and nothing but the files it lists (and the
/// directories holding them). The reason it may not be, otherwise.
fn owned_output(dir: &Path, command: &str) -> Result<(), String> {
    let entries = list_tree(dir).map_err(|failure| match failure.kind() {
        std::io::ErrorKind::NotFound => CONCURRENT.to_string(),
        _ => io_message(&failure),
    })?;
    if entries.is_empty() {
        return Ok(());
    }
    let advice = "remove it yourself or choose another directory";
    let marker: Marker = match fs::read(dir.join(MARKER)) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map_err(|_| format!("exists and its `{MARKER}` is not one privet wrote; {advice}"))?,
        Err(_) => {
            return Err(format!(
                "exists and is not privet's output (it has no `{MARKER}` marker); {advice}"
            ));
        }
    };
    if marker.written_by != command {
        return Err(format!(
            "is the output of `{}`, not of `{command}`; {advice}",
            marker.written_by
        ));
    }
    // The directories privet made: every proper prefix of a listed file.
    let directories: BTreeSet<&str> = marker
        .files
        .iter()
        .flat_map(|file| {
            file.match_indices('/')
                .filter_map(move |(at, _)| file.get(..at))
        })
        .collect();
    for (relative, kind) in &entries {
        let known = match kind {
            EntryKind::File => relative == MARKER || marker.files.contains(relative),
            EntryKind::Directory => directories.contains(relative.as_str()),
            EntryKind::Other => false,
        };
        if !known {
            return Err(format!(
                "holds `{relative}`, which privet did not write; privet replaces the directory \
                 as a whole and never deletes a file of yours: move it elsewhere, or choose \
                 another directory"
            ));
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum EntryKind {
    File,
    Directory,
    /// A link, a FIFO, a device: never privet's.
    Other,
}

/// Every entry under `dir`, relative, with forward slashes, without
/// following links. An iterative walk.
fn list_tree(dir: &Path) -> std::io::Result<Vec<(String, EntryKind)>> {
    let mut entries = Vec::new();
    let mut pending = vec![(dir.to_path_buf(), String::new())];
    while let Some((path, relative)) = pending.pop() {
        for entry in fs::read_dir(&path)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let child = if relative.is_empty() {
                name
            } else {
                format!("{relative}/{name}")
            };
            let kind = entry.file_type()?;
            if kind.is_dir() {
                entries.push((child.clone(), EntryKind::Directory));
                pending.push((entry.path(), child));
            } else if kind.is_file() {
                entries.push((child, EntryKind::File));
            } else {
                entries.push((child, EntryKind::Other));
            }
        }
    }
    entries.sort();
    Ok(entries)
}

/// Removes the staging and set-aside directories that a killed run of
/// `command` left beside the output: of privet's naming, of a process that
/// is gone, and holding nothing but what their marker lists (or nothing).
fn remove_stale_staging(location: &Location, command: &str) {
    let Ok(entries) = fs::read_dir(&location.parent) else {
        return;
    };
    let mut prefix = OsString::from(".");
    prefix.push(&location.name);
    prefix.push(".privet-");
    let prefix = prefix.to_string_lossy().into_owned();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(&prefix) else {
            continue;
        };
        let Some(pid) = rest
            .strip_prefix("new-")
            .or_else(|| rest.strip_prefix("old-"))
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        let path = entry.path();
        let is_dir = entry.file_type().is_ok_and(|kind| kind.is_dir());
        if !is_dir || pid == std::process::id() || process_alive(pid) {
            continue;
        }
        if owned_output(&path, command).is_ok() {
            let _ = fs::remove_dir_all(&path);
        } else {
            eprintln!(
                "privet: warning: left `{}` alone: it looks like a leftover of an interrupted run, \
                 but holds files privet did not write",
                display_path(&path)
            );
        }
    }
}

/// Whether a process is running. Where that cannot be told, it is taken to
/// be running, so nothing of a running process is removed.
pub(super) fn process_alive(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        Path::new("/proc").join(pid.to_string()).exists()
    } else {
        true
    }
}

/// Writes the staging directory and makes it durable: every file and
/// directory entry in it is on the disk when this returns.
fn write_tree(
    root: &Path,
    marker: &Marker,
    files: &BTreeMap<String, Vec<u8>>,
) -> Result<(), WriteError> {
    fs::create_dir(root).map_err(|e| io_error(root, &e))?;
    // The marker first: a staging directory that holds anything is
    // recognisably privet's.
    let mut written = vec![root.join(MARKER)];
    write_file(&root.join(MARKER), &marker.to_bytes())?;
    for (relative, bytes) in files {
        let mut path = root.to_path_buf();
        for part in relative.split('/') {
            if part.is_empty() || part == "." || part == ".." || part == MARKER {
                return Err(error(root, format!("refusing to write `{relative}`")));
            }
            path.push(part);
        }
        if let Some(directory) = path.parent() {
            fs::create_dir_all(directory).map_err(|e| io_error(directory, &e))?;
        }
        write_file(&path, bytes)?;
        written.push(path);
    }
    make_durable(root, &written)
}

/// Writes a file, without syncing it: [`make_durable`] syncs the whole
/// staging directory once every file is written.
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let mut file = fs::File::create(path).map_err(|e| io_error(path, &e))?;
    file.write_all(bytes).map_err(|e| io_error(path, &e))
}

/// Puts the staging directory `root`, the `written` files and the
/// directories holding them on the disk, before the rename that makes them
/// the output: a crash after the rename must find the files whole, never
/// empty or cut short.
///
/// On Linux this is one `syncfs` of the file system holding the staging
/// directory: one system call and one journal commit however many files
/// there are. Syncing each file costs a journal commit per file (about a
/// millisecond each on the machines the benchmarks ran on: 3 s for the
/// 3,000 retention jobs of a 10 MB program, against under a second for one
/// `syncfs`). The price is that `syncfs` also writes out whatever else is
/// waiting on that file system. Elsewhere each file, then each directory
/// from the deepest up, is synced in one pass once all are written.
fn make_durable(root: &Path, written: &[PathBuf]) -> Result<(), WriteError> {
    #[cfg(target_os = "linux")]
    {
        let _ = written;
        let directory = fs::File::open(root).map_err(|e| io_error(root, &e))?;
        rustix::fs::syncfs(&directory).map_err(|e| io_error(root, &std::io::Error::from(e)))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let mut directories = BTreeSet::new();
        for path in written {
            let file = fs::File::open(path).map_err(|e| io_error(path, &e))?;
            file.sync_all().map_err(|e| io_error(path, &e))?;
            directories.extend(
                path.ancestors()
                    .skip(1)
                    .take_while(|dir| dir.starts_with(root)),
            );
        }
        for directory in directories.iter().rev() {
            sync_directory(directory)?;
        }
        Ok(())
    }
}

/// Syncs a directory's entries (a new name in it, a rename), where the
/// system lets a directory be opened; elsewhere (Windows) it is left to the
/// file system.
fn sync_directory(directory: &Path) -> Result<(), WriteError> {
    if cfg!(unix) {
        let handle = fs::File::open(directory).map_err(|e| io_error(directory, &e))?;
        handle.sync_all().map_err(|e| io_error(directory, &e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    const BUILD: &str = "privet build";

    fn files(content: &str) -> BTreeMap<String, Vec<u8>> {
        let mut files = BTreeMap::new();
        files.insert("privet.json".to_string(), content.as_bytes().to_vec());
        files.insert("a/b/c.txt".to_string(), b"c".to_vec());
        files
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn replaces_a_previous_output_and_leaves_nothing_beside_it() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        replace_dir(&out, BUILD, &files("one")).unwrap();
        replace_dir(&out, BUILD, &files("two")).unwrap();
        assert_eq!(fs::read_to_string(out.join("privet.json")).unwrap(), "two");
        assert_eq!(entries(dir.path()), ["out"]);
        assert_eq!(entries(&out), [MARKER, "a", "privet.json"]);
        let marker: Marker = serde_json::from_slice(&fs::read(out.join(MARKER)).unwrap()).unwrap();
        assert_eq!(marker.written_by, BUILD);
        assert_eq!(
            marker.files.into_iter().collect::<Vec<_>>(),
            ["a/b/c.txt", "privet.json"]
        );
    }

    #[test]
    fn refuses_a_directory_that_is_not_an_output() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("src");
        fs::create_dir(&out).unwrap();
        fs::write(out.join("main.rs"), "fn main() {}").unwrap();
        // A `privet.json` of the user's is not a marker.
        fs::write(out.join("privet.json"), "{}").unwrap();
        let failure = replace_dir(&out, BUILD, &files("one")).unwrap_err();
        assert!(
            failure.message.contains("is not privet's output"),
            "{failure}"
        );
        assert_eq!(entries(&out), ["main.rs", "privet.json"]);
        assert_eq!(entries(dir.path()), ["src"]);
    }

    #[test]
    fn a_marker_privet_did_not_write_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        fs::create_dir(&out).unwrap();
        fs::write(out.join(MARKER), "mine").unwrap();
        let failure = replace_dir(&out, BUILD, &files("one")).unwrap_err();
        assert!(
            failure.message.contains("not one privet wrote"),
            "{failure}"
        );
        assert!(out.join(MARKER).exists());
    }

    #[test]
    fn a_users_file_in_an_old_output_is_never_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        replace_dir(&out, BUILD, &files("one")).unwrap();
        for (extra, named) in [
            ("notes.txt", "notes.txt"),
            ("a/notes.txt", "a/notes.txt"),
            ("a/b/mine/deep.txt", "a/b/mine"),
        ] {
            let path = out.join(extra);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, "mine").unwrap();
            let failure = replace_dir(&out, BUILD, &files("two")).unwrap_err();
            assert!(failure.message.contains(&format!("`{named}`")), "{failure}");
            assert_eq!(fs::read_to_string(&path).unwrap(), "mine");
            assert_eq!(fs::read_to_string(out.join("privet.json")).unwrap(), "one");
            assert_eq!(entries(dir.path()), ["out"]);
            let mine = out.join(named);
            if mine.is_dir() {
                fs::remove_dir_all(&mine).unwrap();
            } else {
                fs::remove_file(&mine).unwrap();
            }
        }
        replace_dir(&out, BUILD, &files("two")).unwrap();
    }

    #[test]
    fn another_commands_output_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        replace_dir(&out, "privet doc", &files("one")).unwrap();
        let failure = replace_dir(&out, BUILD, &files("two")).unwrap_err();
        assert!(
            failure.message.contains("output of `privet doc`"),
            "{failure}"
        );
    }

    #[test]
    fn a_failed_write_leaves_the_previous_output() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        replace_dir(&out, BUILD, &files("one")).unwrap();
        let mut bad = files("two");
        bad.insert("../escape".to_string(), Vec::new());
        assert!(replace_dir(&out, BUILD, &bad).is_err());
        assert_eq!(fs::read_to_string(out.join("privet.json")).unwrap(), "one");
        assert_eq!(entries(dir.path()), ["out"]);
    }

    #[test]
    fn leftovers_of_a_killed_run_are_removed_and_others_kept() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        // A process id that is not running: above the kernel's maximum.
        let gone = 4_194_304 + 17;
        let location = Location::of(&out).unwrap();
        let staging = location.sibling("new", gone);
        write_tree(&staging, &Marker::new(BUILD, &files("x")), &files("x")).unwrap();
        let aside = location.sibling("old", gone);
        fs::create_dir(&aside).unwrap();
        // A directory of the same naming that holds a file of the user's.
        let foreign = location.sibling("new", gone + 1);
        fs::create_dir(&foreign).unwrap();
        fs::write(foreign.join("mine.txt"), "mine").unwrap();
        // Another output's leftovers are not this run's to judge.
        let other = dir.path().join(".other.privet-new-4194400");
        fs::create_dir(&other).unwrap();
        replace_dir(&out, BUILD, &files("one")).unwrap();
        assert_eq!(
            entries(dir.path()),
            [
                ".other.privet-new-4194400".to_string(),
                format!(".out.privet-new-{}", gone + 1),
                "out".to_string()
            ]
        );
        assert!(foreign.join("mine.txt").exists());
    }

    #[test]
    fn outputs_overlapping_the_inputs_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("pol");
        fs::create_dir_all(input.join("sub")).unwrap();
        let inputs = [input.clone()];
        for (out, relation) in [
            (input.clone(), "is the input"),
            (input.join("."), "is the input"),
            (input.join("sub"), "is inside the input"),
            (input.join("new"), "is inside the input"),
            (dir.path().to_path_buf(), "holds the input"),
        ] {
            let failure = refuse_overlap(&out, &inputs).unwrap_err();
            assert!(failure.message.starts_with(relation), "{out:?}: {failure}");
        }
        assert!(refuse_overlap(&dir.path().join("out"), &inputs).is_ok());
        assert!(refuse_overlap(&dir.path().join("pole"), &inputs).is_ok());
    }

    #[test]
    fn an_output_named_by_dot_forms_is_handled() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("o").join(".");
        replace_dir(&out, BUILD, &files("one")).unwrap();
        assert_eq!(entries(dir.path()), ["o"]);
        // `o/..` is the scratch directory itself, which holds `o`, not
        // privet's output.
        let failure = replace_dir(&dir.path().join("o").join(".."), BUILD, &files("one"));
        assert!(
            failure
                .unwrap_err()
                .message
                .contains("is not privet's output"),
            "`o/..` is refused"
        );
        let failure = replace_dir(Path::new("/"), BUILD, &files("one")).unwrap_err();
        assert!(failure.message.contains("name the output"), "{failure}");
    }
}
