//! `privet fmt`: rewrite files in the canonical layout, or (`--check`) list
//! the files that are not in it.

use super::{EXIT_FAILURE, EXIT_PROBLEMS, fail};
use crate::files;
use crate::format::{FormatError, format_file};
use crate::render;
use codespan_reporting::term::termcolor::{ColorChoice, StandardStream};
use std::io::{IsTerminal, Write};
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
        if !source.is_parsable() {
            continue;
        }
        match format_file(id, source.text()) {
            Ok(formatted) if formatted == source.text() => {}
            Ok(formatted) => {
                if args.check {
                    unformatted.push(files::display_path(path));
                } else if let Err(error) = write_atomically(path, &formatted) {
                    eprintln!(
                        "privet: error: cannot write `{}`: {error}",
                        files::display_path(path)
                    );
                    failed = true;
                }
            }
            Err(FormatError::Syntax(diagnostics)) => problems.extend(diagnostics),
            Err(error @ FormatError::Unstable(_)) => {
                eprintln!(
                    "privet: error: `{}` was not formatted: {error}",
                    files::display_path(path)
                );
                failed = true;
            }
        }
    }

    let mut stdout = std::io::stdout().lock();
    for path in &unformatted {
        let _ = writeln!(stdout, "{path}");
    }
    let _ = stdout.flush();
    if !problems.is_empty() {
        crate::diagnostic::sort_diagnostics(&mut problems);
        let choice = if std::io::stderr().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        {
            ColorChoice::Auto
        } else {
            ColorChoice::Never
        };
        let mut stderr = StandardStream::stderr(choice);
        let _ = render::human::emit(&mut stderr, &loaded.sources, &problems);
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

/// Replaces a file's contents through a temporary file beside it and a
/// rename, so a reader never sees half a file. The file keeps its
/// permissions. A symbolic link is followed: the file it points to is
/// rewritten and the link stays a link.
fn write_atomically(path: &Path, contents: &str) -> std::io::Result<()> {
    let path = &std::fs::canonicalize(path)?;
    let temporary = super::write::stage_beside(path, contents.as_bytes())?;
    let keep_permissions = match std::fs::metadata(path) {
        Ok(metadata) => std::fs::set_permissions(&temporary, metadata.permissions()),
        Err(_) => Ok(()),
    };
    let result = keep_permissions.and_then(|()| std::fs::rename(&temporary, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}
