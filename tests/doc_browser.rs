#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! The HTML of `privet doc`, opened in headless Chromium: the sections and
//! the data-map SVG are in the DOM, and a policy string holding `<script>`
//! stays inert text. A control page checks that this harness does run
//! scripts, so the inertness is not an artefact of the harness.
//!
//! Needs Debian's `chromium` (`.ci/run` installs it); without it the tests
//! print SKIPPED and return.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::root;

fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("PRIVET_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    for name in ["chromium", "chromium-browser"] {
        let found = Command::new("which").arg(name).output().ok()?;
        if found.status.success() {
            let path = String::from_utf8_lossy(&found.stdout).trim().to_string();
            if !path.is_empty() {
                return Some(PathBuf::from(path));
            }
        }
    }
    None
}

/// The DOM of a local page after it loaded, as Chromium serializes it.
fn dump_dom(browser: &Path, page: &Path) -> String {
    let profile = tempfile::tempdir().unwrap();
    let output = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

macro_rules! require_chromium {
    () => {
        match chromium() {
            Some(path) => path,
            None => {
                support::tool_missing(
                    "chromium is not installed (apt-get install -y chromium); the browser test did not run",
                );
                return;
            }
        }
    };
}

fn write_doc(paths: &[&Path], out: &Path) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_privet"));
    command.arg("doc").args(paths).arg("--out").arg(out);
    let output = command.output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    std::fs::read_to_string(out.join("policy.html")).unwrap()
}

#[test]
fn the_one_touch_document_renders_with_its_sections_and_picture() {
    let browser = require_chromium!();
    let out = tempfile::tempdir().unwrap();
    write_doc(&[&root().join("policies/one-touch")], out.path());
    let dom = dump_dom(&browser, &out.path().join("policy.html"));
    for section in support::DOC_SECTIONS {
        assert!(
            dom.contains(&format!(">{section}</h2>")),
            "{section} missing from the DOM"
        );
    }
    assert!(dom.contains("<svg"), "no SVG in the DOM");
    assert!(dom.matches("<g class=\"node ").count() >= 10);
    assert!(dom.contains("<title>One Touch online store privacy policy</title>"));
}

#[test]
fn a_script_in_a_policy_string_stays_text() {
    let browser = require_chromium!();
    let dir = tempfile::tempdir().unwrap();

    // The control: this harness runs a page's scripts.
    let control = dir.path().join("control.html");
    std::fs::write(
        &control,
        "<!DOCTYPE html><html><head><title>before</title></head><body><script>document.title='ran'</script></body></html>",
    )
    .unwrap();
    let dom = dump_dom(&browser, &control);
    assert!(
        dom.contains("<title>ran</title>"),
        "the control script did not run: {dom}"
    );

    let source = dir.path().join("hostile.privet");
    std::fs::write(
        &source,
        r#"policy hostile "</title><script>document.title='pwned'</script>"
category user.x "<script>document.title='pwned'</script>"
purpose p "<img src=x onerror=\"document.title='pwned'\">"
basis consent "consent"
allow collect, use of user for p under consent cite "<script>document.title='pwned'</script>"
subject someone "<script>document.title='pwned'</script>"
system app "</text><script>document.title='pwned'</script>"
flow someone -> app carries user.x for p under consent
"#,
    )
    .unwrap();
    let out = dir.path().join("doc");
    let html = write_doc(&[&source], &out);
    assert!(!html.contains("<script"));
    let dom = dump_dom(&browser, &out.join("policy.html"));
    assert!(!dom.contains("<script"), "a script element reached the DOM");
    assert!(!dom.contains("<img"), "an image element reached the DOM");
    assert!(!dom.contains("<title>pwned</title>"), "a script ran");
    assert!(
        dom.contains(
            "<title>&lt;/title&gt;&lt;script&gt;document.title='pwned'&lt;/script&gt;</title>"
        ),
        "{dom}"
    );
    assert!(dom.contains("&lt;script&gt;document.title='pwned'&lt;/script&gt;"));
}
