//! Helpers shared by the integration tests.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod chain;

use privet::check::decision::Act;
use privet::model::{Action, NameId, PartyKind, Program};
use privet::pipeline::{Compilation, compile};
use privet::render::human::render_all_plain;
use privet::source::SourceMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::mpsc;
use std::time::Duration;

/// Runs the `privet` binary in a directory, without a step summary file.
pub fn privet_in(dir: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_privet"))
        .args(args)
        .current_dir(dir)
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .unwrap()
}

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
        // Control characters as privet shows them (`<U+001B>`), so that a
        // snapshot neither acts on a terminal nor reorders itself.
        out.push_str(&privet::render::markup::visible(file.text()));
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

/// The sections of `privet doc`, as its headings title them.
pub const DOC_SECTIONS: [&str; 10] = [
    "What we collect and why",
    "Purposes and their limits",
    "Sharing, transfer and disclosure, and their exceptions",
    "How long we keep your information",
    "Where we store it, and transfers",
    "How we protect it",
    "Cookies and tracking",
    "Your rights and our obligations",
    "Principles",
    "Data map",
];

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

    /// [`Run::assert_failure`] for `--format json`: exit code 2, the message
    /// on standard error, and on standard output a report with no
    /// diagnostics whose `errors` name `path` and say `problem`.
    pub fn assert_json_failure(&self, path: &str, problem: &str) {
        assert_eq!(self.code, 2, "{}{}", self.stdout, self.stderr);
        assert!(self.stderr.contains(path), "{}", self.stderr);
        let report = self.json();
        assert_eq!(report["diagnostics"], serde_json::json!([]));
        assert_eq!(report["errors"][0]["path"], path, "{report}");
        let message = report["errors"][0]["message"].as_str().unwrap_or("");
        assert!(message.contains(problem), "{report}");
    }

    /// [`Run::assert_json_failure`] for `json`, else [`Run::assert_failure`].
    pub fn assert_failure_in(&self, format: &str, path: &str, problem: &str) {
        if format == "json" {
            self.assert_json_failure(path, problem);
        } else {
            self.assert_failure(path, problem);
        }
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

/// Every context (action, recipient, no basis or one, no region or one, Do
/// Not Track) of a program, each an act of its first category and purpose.
pub fn contexts(program: &Program) -> Vec<Act> {
    // Each basis alone, and a basis that needs a notice (`after notice`)
    // both without and with it.
    let mut bases: Vec<(Vec<NameId>, Vec<NameId>)> = vec![(Vec::new(), Vec::new())];
    for id in program.bases().ids() {
        bases.push((vec![id], Vec::new()));
        let notices = program.basis_notices(id);
        if !notices.is_empty() {
            bases.push((vec![id], notices));
        }
    }
    // Do Not Track off and on; each opt-out alone; all of them with Do Not
    // Track (a forbidding rule of each choice applies alone, so these
    // decide every combination).
    let opt_outs: Vec<NameId> = program.opt_outs.iter().map(|o| o.id).collect();
    let mut choices: Vec<(bool, Vec<NameId>)> = vec![(false, Vec::new()), (true, Vec::new())];
    choices.extend(opt_outs.iter().map(|o| (false, vec![*o])));
    if !opt_outs.is_empty() {
        choices.push((true, opt_outs.clone()));
    }
    let mut regions: Vec<Option<NameId>> = vec![None];
    regions.extend(program.regions().ids().map(Some));
    let any = program.categories().ids().next().unwrap();
    let any_purpose = program.purposes().ids().next().unwrap();
    let mut out = Vec::new();
    for action in Action::ALL {
        for recipient in PartyKind::ALL {
            for (basis, notified) in &bases {
                for region in &regions {
                    for (do_not_track, opt_outs) in &choices {
                        out.push(Act {
                            action,
                            category: any,
                            purpose: any_purpose,
                            recipient,
                            bases: basis.clone(),
                            region: *region,
                            do_not_track: *do_not_track,
                            audiences: Vec::new(),
                            // Live data, as `diff` compares permissions.
                            phases: program.phase_set(privet::model::LIVE_PHASE),
                            opt_outs: opt_outs.clone(),
                            notified: notified.clone(),
                        });
                    }
                }
            }
        }
    }
    out
}

/// What a Markdown text shows outside its code spans (CommonMark's rule: a
/// run of backticks opens a span that the next run of the same length
/// closes; a backslash escapes the character after it), where GitHub makes
/// mentions, links and issue references. Each code span becomes a space.
pub fn outside_code_spans(markdown: &str) -> String {
    let chars: Vec<char> = markdown.chars().collect();
    let run_at = |at: usize| chars[at..].iter().take_while(|&&c| c == '`').count();
    let mut out = String::new();
    let mut at = 0;
    while at < chars.len() {
        match chars[at] {
            '\\' if at + 1 < chars.len() && chars[at + 1].is_ascii_punctuation() => {
                out.push(chars[at + 1]);
                at += 2;
            }
            '`' => {
                let run = run_at(at);
                let mut close = at + run;
                let mut found = None;
                while close < chars.len() {
                    if chars[close] == '`' {
                        let length = run_at(close);
                        if length == run {
                            found = Some(close + length);
                            break;
                        }
                        close += length;
                    } else {
                        close += 1;
                    }
                }
                match found {
                    Some(end) => {
                        out.push(' ');
                        at = end;
                    }
                    None => {
                        out.extend(&chars[at..at + run]);
                        at += run;
                    }
                }
            }
            c => {
                out.push(c);
                at += 1;
            }
        }
    }
    out
}

/// Text that GitHub would turn into mentions, links and an issue reference,
/// as a hostile contributor writes it into labels, citations and strings.
pub const GITHUB_BAIT: &str = "ping @octocat and @github/security, see https://evil.example/x, www.evil.example or a@evil.example, fixes #1";

/// Panics when `text`, rendered by GitHub, would show something of
/// [`GITHUB_BAIT`] as a mention, a link or a reference (outside code).
pub fn assert_inert_on_github(text: &str) {
    let shown = outside_code_spans(text);
    for live in ["@", "://", "www.", "#1"] {
        assert!(!shown.contains(live), "`{live}` is live in:\n{text}");
    }
}

/// `head`, then `count` lines made by `line` from their index.
pub fn with_lines(head: &str, count: usize, line: impl Fn(usize) -> String) -> String {
    let mut text = head.to_string();
    for index in 0..count {
        text.push_str(&line(index));
        text.push('\n');
    }
    text
}

/// Says loudly that (part of) a test did not run because a tool is
/// missing, and fails the test under `CI=true`: `.ci/run` installs every
/// tool the tests use, so there a missing tool is a broken machine, never a
/// silent skip. Written to the process's standard error directly, so the
/// harness does not swallow it when the test passes.
pub fn tool_missing(why: &str) {
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "under CI every part of every test runs, but {why}"
    );
    use std::io::Write;
    let line = "=".repeat(72);
    let _ = writeln!(std::io::stderr(), "\n{line}\nSKIPPED: {why}\n{line}\n");
}
