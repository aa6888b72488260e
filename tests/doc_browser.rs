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
//! The One Touch data map fits the window on screen and prints whole on A4
//! and Letter (read back from the PDF with poppler's `pdftotext -bbox`).
//!
//! Needs Debian's `chromium` and `poppler-utils` (`.ci/run` installs them);
//! without them the tests print SKIPPED and return, and fail under `CI=true`.

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
    run_chromium(browser, &["--dump-dom".to_string()], page)
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

/// Runs Chromium headless with a fresh profile and the given arguments on a
/// local page, and returns its standard output.
fn run_chromium(browser: &Path, args: &[String], page: &Path) -> String {
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
        .args(args)
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

/// The names the data map's boxes show, read from its SVG.
fn node_names(svg: &str) -> Vec<String> {
    svg.split("<g class=\"node ")
        .skip(1)
        .map(|node| {
            let name = node.split("font-size=\"12\">").nth(1).unwrap();
            name.split('<').next().unwrap().to_string()
        })
        .collect()
}

/// The words of a PDF with their boxes, per page, as `pdftotext -bbox`
/// gives them: (page width, page height, [(word, x min, y min, x max, y max)]).
type PdfPage = (f64, f64, Vec<(String, f64, f64, f64, f64)>);

fn pdf_words(pdf: &Path) -> Option<Vec<PdfPage>> {
    let output = Command::new("pdftotext")
        .arg("-bbox")
        .arg(pdf)
        .arg("-")
        .output()
        .ok()?;
    assert!(output.status.success(), "{output:?}");
    let html = String::from_utf8(output.stdout).unwrap();
    let attribute = |tag: &str, name: &str| -> f64 {
        let start = tag.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        tag[start..].split('"').next().unwrap().parse().unwrap()
    };
    let mut pages = Vec::new();
    for page in html.split("<page ").skip(1) {
        let words = page
            .split("<word ")
            .skip(1)
            .map(|word| {
                let (tag, rest) = word.split_once('>').unwrap();
                let text = rest.split("</word>").next().unwrap().to_string();
                (
                    text,
                    attribute(tag, "xMin"),
                    attribute(tag, "yMin"),
                    attribute(tag, "xMax"),
                    attribute(tag, "yMax"),
                )
            })
            .collect();
        pages.push((attribute(page, "width"), attribute(page, "height"), words));
    }
    Some(pages)
}

/// The page, on screen at several window widths, keeps every box of the
/// data map inside the window: the picture scales to the page, and on a
/// desktop window nothing scrolls sideways. A script added to a copy (the document itself runs
/// none) measures each box and writes the result into the DOM.
#[test]
fn the_one_touch_data_map_fits_the_screen() {
    let browser = require_chromium!();
    let out = tempfile::tempdir().unwrap();
    let html = write_doc(&[&root().join("policies/one-touch")], out.path());
    let names = node_names(&std::fs::read_to_string(out.path().join("data-map.svg")).unwrap());
    assert_eq!(names.len(), 17, "{names:?}");
    assert!(names.iter().any(|n| n == "investigators"));
    let csp = html
        .find("<meta http-equiv=\"Content-Security-Policy\"")
        .unwrap();
    let csp_end = csp + html[csp..].find('>').unwrap() + 1;
    let measured = format!(
        "{}{}",
        &html[..csp],
        html[csp_end..].replace(
            "</body>",
            r#"<script>
const width = document.documentElement.clientWidth;
const lines = [];
for (const node of document.querySelectorAll('svg.data-map g.node')) {
  const box = node.getBoundingClientRect();
  const name = node.querySelector('text').textContent;
  const inside = box.left >= 0 && box.right <= width && box.width > 0;
  lines.push(name + (inside ? ' inside' : ' outside ' + box.left + '..' + box.right + ' of ' + width));
}
const wide = document.documentElement.scrollWidth;
const page = wide <= width ? 'no sideways scroll' : 'scrolls sideways: ' + wide + ' in ' + width;
const result = document.createElement('pre');
result.id = 'fit';
result.textContent = page + '\n' + lines.join('\n');
document.body.appendChild(result);
</script></body>"#,
        )
    );
    let page = out.path().join("measured.html");
    std::fs::write(&page, measured).unwrap();
    for window in ["1280,900", "800,900", "480,900"] {
        let dom = run_chromium(
            &browser,
            &[format!("--window-size={window}"), "--dump-dom".to_string()],
            &page,
        );
        let fit = dom.split("<pre id=\"fit\">").nth(1).unwrap();
        let fit = fit.split("</pre>").next().unwrap();
        // A wide table may scroll on a narrow window; the picture never does.
        if window == "1280,900" {
            assert!(fit.starts_with("no sideways scroll"), "{window}: {fit}");
        }
        for name in &names {
            assert!(
                fit.lines().any(|line| line == format!("{name} inside")),
                "{window}: {name} is not inside the window:\n{fit}"
            );
        }
    }
}

/// Printed to PDF on A4 and on Letter, every word of the document is inside
/// its page, the data map is on a page of its own (landscape), and every
/// box's name is on it.
#[test]
fn the_one_touch_data_map_prints_whole_on_a4_and_letter() {
    let browser = require_chromium!();
    let out = tempfile::tempdir().unwrap();
    let html = write_doc(&[&root().join("policies/one-touch")], out.path());
    let names = node_names(&std::fs::read_to_string(out.path().join("data-map.svg")).unwrap());
    // (paper, its short and long side in points)
    for (paper, short, long) in [("A4", 595.0, 842.0), ("letter", 612.0, 792.0)] {
        let page = out.path().join(format!("{paper}.html"));
        std::fs::write(
            &page,
            html.replace(
                "</head>",
                &format!(
                    "<style>@page{{size:{paper}}}@page map{{size:{paper} landscape}}</style></head>"
                ),
            ),
        )
        .unwrap();
        let pdf = out.path().join(format!("{paper}.pdf"));
        run_chromium(
            &browser,
            &[
                "--no-pdf-header-footer".to_string(),
                format!("--print-to-pdf={}", pdf.display()),
            ],
            &page,
        );
        let Some(pages) = pdf_words(&pdf) else {
            support::tool_missing(
                "pdftotext is not installed (apt-get install -y poppler-utils); the print test did not run",
            );
            return;
        };
        assert!(pages.len() > 3, "{paper}: {} pages", pages.len());
        let near = |a: f64, b: f64| (a - b).abs() < 1.5;
        for (number, (width, height, words)) in pages.iter().enumerate() {
            assert!(
                (near(*width, short) && near(*height, long))
                    || (near(*width, long) && near(*height, short)),
                "{paper}: page {} is {width} x {height}",
                number + 1
            );
            for (word, x0, y0, x1, y1) in words {
                assert!(
                    *x0 >= 0.0 && *y0 >= 0.0 && *x1 <= *width && *y1 <= *height,
                    "{paper}: `{word}` on page {} is outside it ({x0}, {y0})..({x1}, {y1})",
                    number + 1
                );
            }
        }
        // The picture's page: the landscape one, holding every box's name.
        let landscape: Vec<&PdfPage> = pages.iter().filter(|(w, h, _)| w > h).collect();
        assert_eq!(
            landscape.len(),
            1,
            "{paper}: the picture has no page of its own"
        );
        let (_, _, words) = landscape[0];
        for name in &names {
            assert!(
                words.iter().any(|(word, ..)| word == name),
                "{paper}: `{name}` is not on the picture's page"
            );
        }
    }
}
