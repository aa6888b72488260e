//! Helpers shared by `tests/cli.rs` and `tests/bad_inputs.rs`: running the
//! real binary, scratch files, and a guard against hangs.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use privet::pipeline::{Compilation, compile};
use privet::source::SourceMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::mpsc;
use std::time::Duration;

/// The crate root, where `policies/` lives.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// What one run of the binary did.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(output: Output) -> Self {
        Run {
            code: output.status.code().expect("privet was killed by a signal"),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl Run {
    /// Standard output as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|error| panic!("not JSON ({error}):\n{}", self.stdout))
    }
}

impl Run {
    /// Asserts a usage or I/O error: exit code 2, nothing on standard
    /// output, and a message naming `path` and saying `problem`.
    pub fn assert_failure(&self, path: &str, problem: &str) {
        assert_eq!(self.code, 2, "{}{}", self.stdout, self.stderr);
        assert_eq!(self.stdout, "");
        assert!(self.stderr.contains(path), "{}", self.stderr);
        assert!(self.stderr.contains(problem), "{}", self.stderr);
    }
}

impl Run {
    /// Asserts that standard output holds every one of `texts`.
    pub fn assert_shows(&self, texts: &[&str]) {
        for text in texts {
            assert!(
                self.stdout.contains(text),
                "no {text:?} in:\n{}",
                self.stdout
            );
        }
    }
}

/// The `.privet` files under a directory, sorted.
pub fn privet_files(directory: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![directory.to_path_buf()];
    while let Some(directory) = pending.pop() {
        for entry in std::fs::read_dir(directory).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "privet") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// Runs `privet ARGS` in the crate root, without colour.
pub fn privet<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Run {
    Command::new(env!("CARGO_BIN_EXE_privet"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("cannot run the privet binary")
        .into()
}

/// Runs `privet check [--format FORMAT] PATH EXTRA...`.
pub fn check(path: &Path, format: &str, extra: &[&str]) -> Run {
    let mut args: Vec<std::ffi::OsString> = vec!["check".into(), "--format".into(), format.into()];
    args.extend(extra.iter().map(Into::into));
    args.push(path.into());
    privet(&args)
}

/// Writes a file in a scratch directory and returns its path.
pub fn write(dir: &Path, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, contents).unwrap();
    path
}

/// Compiles one in-memory file named `case.privet`.
pub fn compile_text(text: &str) -> (SourceMap, Compilation) {
    let mut sources = SourceMap::new();
    sources.add("case.privet", text);
    let compilation = compile(&sources);
    (sources, compilation)
}

/// The names of the diagnostics, in report order.
pub fn names(compilation: &Compilation) -> Vec<&'static str> {
    compilation
        .diagnostics
        .iter()
        .map(|d| d.name.as_str())
        .collect()
}

/// How long a case may run before it is taken to hang. Generous on
/// purpose: this guards against hangs and exponential blow-ups, it is not a
/// speed claim (the benchmarks measure speed).
pub const HANG_LIMIT: Duration = Duration::from_secs(60);

/// Runs `work` on its own thread and fails if it has not finished within
/// [`HANG_LIMIT`]; a panic in `work` fails the test with its message.
pub fn within_limit<T: Send + 'static>(what: &str, work: impl FnOnce() -> T + Send + 'static) -> T {
    let (sender, receiver) = mpsc::channel();
    let handle = std::thread::spawn(move || {
        let _ = sender.send(work());
    });
    match receiver.recv_timeout(HANG_LIMIT) {
        Ok(value) => value,
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what}: did not finish within {HANG_LIMIT:?}")
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => match handle.join() {
            Err(payload) => std::panic::resume_unwind(payload),
            Ok(()) => panic!("{what}: the worker ended without a result"),
        },
    }
}
