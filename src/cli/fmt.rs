//! `privet fmt`: rewrite files in the canonical layout, or (`--check`) list
//! the files that are not in it.

use super::{EXIT_FAILURE, EXIT_PROBLEMS, fail};
use crate::files;
use crate::format::{FormatError, format_file};
use crate::render;
use codespan_reporting::term::termcolor::{BufferedStandardStream, ColorChoice};
use std::io::{IsTerminal, Seek, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub(super) struct FmtArgs {
    /// Files and directories; directories are searched for `.privet` files
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Change nothing: list the files that are not formatted, and exit with
    /// 1 if there are any
    #[arg(long)]
    check: bool,
}

pub(super) fn run(args: &FmtArgs) -> ExitCode {
    let files = match files::find_files(&args.paths) {
        Ok(files) => files,
        Err(error) => return fail(error),
    };
    let loaded = match files::read_files(&files) {
        Ok(loaded) => loaded,
        Err(error) => return fail(error),
    };
    let mut problems = loaded.diagnostics.clone();
    let mut unformatted = Vec::new();
    let mut failed = false;
    for ((id, source), path) in loaded.sources.iter().zip(&files) {
        if !args.check {
            remove_stale_temporaries(path);
        }
        if !source.is_parsable() {
            continue;
        }
        match format_file(id, source.text()) {
            Ok(formatted) if formatted == source.text() => {}
            Ok(formatted) => {
                if args.check {
                    unformatted.push(files::display_path(path));
                } else if let Err(error) = write_back(path, source.text(), &formatted) {
                    eprintln!(
                        "privet: error: cannot write `{}`: {error}",
                        render::markup::visible(&files::display_path(path))
                    );
                    failed = true;
                }
            }
            Err(FormatError::Syntax(diagnostics)) => problems.extend(diagnostics),
            Err(error @ FormatError::Unstable(_)) => {
                eprintln!(
                    "privet: error: `{}` was not formatted: {error}",
                    render::markup::visible(&files::display_path(path))
                );
                failed = true;
            }
        }
    }

    // The list is the answer of `--check`: a failure to write it is an
    // I/O error, not a silent success. A file found in a directory may be
    // named with control characters; they are shown, not obeyed.
    let list: String = unformatted
        .iter()
        .map(|path| format!("{}\n", render::markup::visible(path)))
        .collect();
    if !list.is_empty() && super::write_stdout(&list).is_err() {
        failed = true;
    }
    if !problems.is_empty() {
        crate::diagnostic::sort_diagnostics(&mut problems);
        let choice = if std::io::stderr().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        {
            ColorChoice::Auto
        } else {
            ColorChoice::Never
        };
        // Flushed before the line below, which goes to standard error
        // directly.
        let mut stderr = BufferedStandardStream::stderr(choice);
        let _ = render::human::emit(&mut stderr, &loaded.sources, &problems)
            .and_then(|()| stderr.flush());
        eprintln!("privet: files with syntax errors were left as they are");
    }
    if args.check && !unformatted.is_empty() {
        eprintln!(
            "privet: {} file{} not formatted; `privet fmt` formats {}",
            unformatted.len(),
            if unformatted.len() == 1 {
                " is"
            } else {
                "s are"
            },
            if unformatted.len() == 1 { "it" } else { "them" }
        );
    }
    if failed {
        ExitCode::from(EXIT_FAILURE)
    } else if !problems.is_empty() || !unformatted.is_empty() {
        ExitCode::from(EXIT_PROBLEMS)
    } else {
        ExitCode::SUCCESS
    }
}

/// Writes a formatted file back as the same file: with its permissions,
/// its owner and group, and its hard links, as rustfmt does. Returns what
/// went wrong, without the path (the caller names it).
///
/// - A symbolic link is followed: the file it points to is rewritten and
///   the link stays a link.
/// - A read-only file (no write permission bit) is refused, even for root,
///   who could write it: the mode bits say whether the file may change.
/// - A file with one link is replaced through a temporary file beside it
///   and a rename, so a reader sees the old text or the new one, never half
///   of one; the temporary gets the file's owner, group and permissions
///   before it gets any text.
/// - Where a new file could not be the same file to everyone (a file with
///   more than one hard link, a group or owner privet may not give it, a
///   directory it may not write to), the file is written in place: the new
///   text over the old, then cut to its length; should that fail midway,
///   the old text is written back.
fn write_back(path: &Path, original: &str, formatted: &str) -> Result<(), String> {
    let io = |error: std::io::Error| files::io_message(&error);
    let real = std::fs::canonicalize(path).map_err(io)?;
    let metadata = std::fs::metadata(&real).map_err(io)?;
    if metadata.permissions().readonly() {
        return Err("the file is read-only; make it writable to format it".to_string());
    }
    // Opening for writing changes nothing yet, and fails where the user may
    // not write the file, or the file system is read-only.
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&real)
        .map_err(io)?;
    if links(&metadata) == 1 && replace(&real, &metadata, formatted.as_bytes()).map_err(io)? {
        return Ok(());
    }
    overwrite(file, original.as_bytes(), formatted.as_bytes()).map_err(io)
}

/// The temporary file a run with process id `pid` writes beside `path`.
fn temporary_of(path: &Path, pid: u32) -> PathBuf {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{pid}.tmp"))
}

/// Removes the temporary files that killed runs left beside `path`: of
/// privet's naming for this very file (`.NAME.PID.tmp`), regular files, of
/// a process that is gone.
fn remove_stale_temporaries(path: &Path) {
    let Ok(real) = std::fs::canonicalize(path) else {
        return;
    };
    let (Some(directory), Some(name)) = (real.parent(), real.file_name()) else {
        return;
    };
    let prefix = format!(".{}.", name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(directory) else {
        return;
    };
    for entry in entries.flatten() {
        let entry_name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = entry_name
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_suffix(".tmp"))
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        let regular = entry.file_type().is_ok_and(|kind| kind.is_file());
        if regular && pid != std::process::id() && !super::write::process_alive(pid) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// The number of hard links to a file.
#[cfg(unix)]
fn links(metadata: &std::fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::nlink(metadata)
}

#[cfg(not(unix))]
fn links(_: &std::fs::Metadata) -> u64 {
    1
}

/// Replaces the file at `path` by a new one with `contents`, written
/// beside it (`.NAME.PID.tmp`) and renamed over it. Returns false, having
/// changed nothing, when the new file cannot have the old one's owner,
/// group and permissions, or the directory may not be written.
fn replace(path: &Path, metadata: &std::fs::Metadata, contents: &[u8]) -> std::io::Result<bool> {
    let temporary = temporary_of(path, std::process::id());
    // A leftover of an earlier run with the same process id; a link planted
    // under that name is removed, never followed.
    let _ = std::fs::remove_file(&temporary);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let result = options.open(&temporary).and_then(|mut file| {
        if !same_identity(&file, metadata)? {
            return Ok(false);
        }
        file.write_all(contents)?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)?;
        Ok(true)
    });
    let result = match result {
        Err(error) if error.kind() == std::io::ErrorKind::PermissionDenied => Ok(false),
        result => result,
    };
    if !matches!(result, Ok(true)) {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

/// Gives a new, empty file the owner, group and permissions of the file it
/// replaces; false when the system does not let it have them all.
#[cfg(unix)]
fn same_identity(file: &std::fs::File, metadata: &std::fs::Metadata) -> std::io::Result<bool> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let owner = (metadata.uid(), metadata.gid());
    let created = file.metadata()?;
    if (created.uid(), created.gid()) != owner {
        match std::os::unix::fs::fchown(file, Some(owner.0), Some(owner.1)) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::PermissionDenied => {
                return Ok(false);
            }
            Err(error) => return Err(error),
        }
    }
    // After the owner: changing it may clear the set-id bits. The system
    // may also refuse some bits silently (set-group-id outside the group).
    file.set_permissions(metadata.permissions())?;
    let given = file.metadata()?;
    Ok((given.uid(), given.gid()) == owner
        && given.permissions().mode() == metadata.permissions().mode())
}

#[cfg(not(unix))]
fn same_identity(file: &std::fs::File, metadata: &std::fs::Metadata) -> std::io::Result<bool> {
    file.set_permissions(metadata.permissions())?;
    Ok(true)
}

/// Writes `contents` over the open file from its start and cuts it to
/// their length. If that fails midway, `original` (the file's text before)
/// is written back: it fitted in the blocks the file still has.
fn overwrite(mut file: std::fs::File, original: &[u8], contents: &[u8]) -> std::io::Result<()> {
    let write = |file: &mut std::fs::File, bytes: &[u8]| {
        file.seek(std::io::SeekFrom::Start(0))?;
        file.write_all(bytes)?;
        file.set_len(u64::try_from(bytes.len()).unwrap_or(u64::MAX))?;
        file.sync_all()
    };
    let result = write(&mut file, contents);
    if result.is_err() {
        let _ = write(&mut file, original);
    }
    result
}
