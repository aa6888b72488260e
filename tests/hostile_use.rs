//! privet used as a hostile user (or an unlucky one) would: output
//! directories that hold the user's files, inputs that are FIFOs or devices,
//! the same file reached by two spellings, standard output that cannot be
//! written. Nothing of the user's is lost and nothing hangs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{HANG_LIMIT, Run, root, write};

/// Runs privet in `dir` with its standard output going to `stdout`,
/// killing it if it takes longer than [`HANG_LIMIT`].
fn privet_with_stdout(dir: &Path, args: &[&str], stdout: Stdio) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_privet"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_STEP_SUMMARY")
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > HANG_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("privet {args:?} did not finish within {HANG_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap().into()
}

fn privet_in(dir: &Path, args: &[&str]) -> Run {
    privet_with_stdout(dir, args, Stdio::piped())
}

const POLICY: &str = "category user.email \"e-mail address\"\n\
purpose service.account \"keeping your account\"\n\
allow collect, use of user.email for service.account\n    cite \"1\"\n";

/// A scratch directory holding a policy in `pol/`.
fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pol/policy.privet", POLICY);
    dir
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn build_into_its_own_input_is_refused_and_deletes_nothing() {
    let dir = scratch();
    // The policy directory holds a `privet.json` of the user's: the old
    // build took it for a previous output and deleted the sources.
    write(dir.path(), "pol/privet.json", "{\"mine\": true}");
    for out in ["pol", "pol/.", "./pol", "pol/build", "."] {
        let run = privet_in(dir.path(), &["build", "pol", "--out", out]);
        assert_eq!(run.code, 2, "--out {out}: {}", run.stderr);
        assert!(
            run.stderr.contains("input `pol`")
                && run.stderr.contains("must be outside every input path"),
            "--out {out}: {}",
            run.stderr
        );
        assert!(!run.stderr.contains("os error"), "{}", run.stderr);
    }
    assert_eq!(
        listing(&dir.path().join("pol")),
        ["policy.privet", "privet.json"]
    );
    assert_eq!(listing(dir.path()), ["pol"]);
    // The same for a file given as input.
    let run = privet_in(dir.path(), &["doc", "pol/policy.privet", "--out", "pol"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("holds the input"), "{}", run.stderr);
}

#[test]
fn build_never_replaces_a_directory_of_the_users() {
    let dir = scratch();
    write(dir.path(), "out/privet.json", "{\"mine\": true}");
    write(dir.path(), "out/notes.txt", "my notes");
    let run = privet_in(dir.path(), &["build", "pol", "--out", "out"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("is not privet's output"),
        "{}",
        run.stderr
    );
    assert_eq!(
        listing(&dir.path().join("out")),
        ["notes.txt", "privet.json"]
    );
    assert_eq!(listing(dir.path()), ["out", "pol"]);
}

#[test]
fn a_file_added_to_an_old_output_stops_the_next_build() {
    let dir = scratch();
    let first = privet_in(dir.path(), &["build", "pol", "--out", "out"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let marker = fs::read_to_string(dir.path().join("out/.privet-output")).unwrap();
    assert!(
        marker.contains("\"written_by\": \"privet build\""),
        "{marker}"
    );
    write(dir.path(), "out/bundle/mine.rego", "package mine");
    let run = privet_in(dir.path(), &["build", "pol", "--out", "out"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("`bundle/mine.rego`"), "{}", run.stderr);
    assert!(dir.path().join("out/bundle/mine.rego").exists());
    fs::remove_file(dir.path().join("out/bundle/mine.rego")).unwrap();
    let again = privet_in(dir.path(), &["build", "pol", "--out", "out"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(listing(dir.path()), ["out", "pol"]);
}

#[test]
fn doc_never_overwrites_a_users_policy_md() {
    let dir = scratch();
    write(dir.path(), "notes/policy.md", "# my own policy notes");
    let run = privet_in(dir.path(), &["doc", "pol", "--out", "notes"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(
        fs::read_to_string(dir.path().join("notes/policy.md")).unwrap(),
        "# my own policy notes"
    );
    // Its own output it replaces; a build's it does not.
    let first = privet_in(dir.path(), &["doc", "pol", "--out", "document"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let again = privet_in(dir.path(), &["doc", "pol", "--out", "document"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(
        listing(&dir.path().join("document")),
        [
            ".privet-output",
            "data-map.svg",
            "policy.html",
            "policy.md",
            "processing-activities.csv"
        ]
    );
    let build = privet_in(dir.path(), &["build", "pol", "--out", "document"]);
    assert_eq!(build.code, 2, "{}", build.stderr);
    assert!(
        build.stderr.contains("output of `privet doc`"),
        "{}",
        build.stderr
    );
}

#[test]
fn doc_into_a_missing_parent_creates_nothing() {
    let dir = scratch();
    let run = privet_in(dir.path(), &["doc", "pol", "--out", "missing/deeper/doc"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("no such directory"), "{}", run.stderr);
    assert_eq!(listing(dir.path()), ["pol"]);
}

#[test]
fn an_output_named_with_a_trailing_dot_works_and_dot_dot_is_refused() {
    let dir = scratch();
    let run = privet_in(dir.path(), &["build", "pol", "--out", "o/."]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(dir.path().join("o/.privet-output").is_file());
    fs::create_dir(dir.path().join("sub")).unwrap();
    let run = privet_in(&dir.path().join("sub"), &["build", "../pol", "--out", ".."]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("holds the input `../pol`"),
        "{}",
        run.stderr
    );
}

#[cfg(unix)]
#[test]
fn a_fifo_or_a_device_named_privet_is_an_error_not_a_hang() {
    let dir = scratch();
    let fifo = dir.path().join("pol/pipe.privet");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    for command in ["check", "graph", "fmt"] {
        let run = privet_in(dir.path(), &[command, "pol"]);
        assert_eq!(run.code, 2, "{command}: {}", run.stderr);
        assert!(
            run.stderr
                .contains("`pol/pipe.privet`: is a named pipe (FIFO), not a regular file"),
            "{command}: {}",
            run.stderr
        );
    }
    // Named on the command line, too.
    let run = privet_in(dir.path(), &["check", "pol/pipe.privet"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    fs::remove_file(&fifo).unwrap();

    std::os::unix::fs::symlink("/dev/zero", dir.path().join("pol/zero.privet")).unwrap();
    let run = privet_in(dir.path(), &["check", "pol"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("`pol/zero.privet`: is a device"),
        "{}",
        run.stderr
    );
    fs::remove_file(dir.path().join("pol/zero.privet")).unwrap();

    std::os::unix::fs::symlink("nowhere.privet", dir.path().join("pol/dangling.privet")).unwrap();
    let run = privet_in(dir.path(), &["check", "pol"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("leads nowhere"), "{}", run.stderr);
}

#[test]
fn one_file_reached_by_two_spellings_is_read_once() {
    let one_touch = root().join("policies/one-touch");
    let absolute = one_touch.display().to_string();
    let once = privet_in(root(), &["check", "policies/one-touch"]);
    assert_eq!(once.code, 0, "{}", once.stdout);
    for spellings in [
        vec!["policies/one-touch", "./policies/one-touch"],
        vec!["policies/one-touch", absolute.as_str()],
        vec!["policies/one-touch", "policies/one-touch/policy.privet"],
    ] {
        let mut args = vec!["check"];
        args.extend(&spellings);
        let run = privet_in(root(), &args);
        assert_eq!(run.code, 0, "{spellings:?}: {}", run.stdout);
        assert_eq!(run.stdout, once.stdout, "{spellings:?}");
    }
}

#[cfg(unix)]
#[test]
fn a_symlinked_file_inside_the_tree_counts_once_under_the_name_given_first() {
    let dir = scratch();
    std::os::unix::fs::symlink("policy.privet", dir.path().join("pol/alias.privet")).unwrap();
    let run = privet_in(dir.path(), &["check", "--format", "json", "pol"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.json()["summary"]["files"], 1, "{}", run.stdout);
    // Sorted, `alias.privet` is met first: it is the name shown.
    write(
        dir.path(),
        "pol/policy.privet",
        format!("{POLICY}category user.email \"again\"\n"),
    );
    let run = privet_in(dir.path(), &["check", "pol"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stdout.contains("pol/alias.privet"), "{}", run.stdout);
    assert!(!run.stdout.contains("pol/policy.privet"), "{}", run.stdout);
}

#[cfg(unix)]
#[test]
fn a_full_disk_on_standard_output_is_an_io_error_for_every_command() {
    let dir = scratch();
    let full = || Stdio::from(fs::File::create("/dev/full").unwrap());
    let cases: [&[&str]; 7] = [
        &["explain", "dead-rule"],
        &["--help"],
        &["check", "pol"],
        &["check", "--format", "json", "pol"],
        &["graph", "pol"],
        &[
            "query",
            "pol",
            "--action",
            "use",
            "--category",
            "user.email",
            "--purpose",
            "service.account",
        ],
        &["build", "pol", "--out", "out"],
    ];
    for args in cases {
        let run = privet_with_stdout(dir.path(), args, full());
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains(
                "privet: error: cannot write to standard output: no space left on the device"
            ),
            "{args:?}: {}",
            run.stderr
        );
        assert!(!run.stderr.contains("panicked"), "{args:?}: {}", run.stderr);
    }
}

#[cfg(unix)]
#[test]
fn a_closed_pipe_is_an_io_error_not_a_panic() {
    let dir = scratch();
    for args in [["explain", "dead-rule"], ["check", "pol"]] {
        // A pipe whose reading end is closed before privet starts.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let output = Command::new(env!("CARGO_BIN_EXE_privet"))
            .args(args)
            .current_dir(dir.path())
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("broken pipe"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn concurrent_builds_into_one_directory_end_with_one_whole_output() {
    let dir = scratch();
    let children: Vec<_> = (0..4)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_privet"))
                .args(["build", "pol", "--out", "out"])
                .current_dir(dir.path())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut succeeded = 0;
    for child in children {
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        match output.status.code() {
            Some(0) => succeeded += 1,
            Some(2) => assert!(
                stderr.contains("at the same time") || stderr.contains("is not privet's output"),
                "{stderr}"
            ),
            other => panic!("exit {other:?}: {stderr}"),
        }
        assert!(!stderr.contains("os error"), "{stderr}");
    }
    assert!(succeeded >= 1);
    assert_eq!(listing(dir.path()), ["out", "pol"]);
    let again = privet_in(dir.path(), &["build", "pol", "--out", "out"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
}
