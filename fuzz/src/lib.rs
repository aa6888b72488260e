//! The properties the fuzz targets check, one function per target (see
//! `docs/reliability.md`). They panic on a violation; libFuzzer reports the
//! panic as a crash and saves the input.
//!
//! This file is also compiled into the main crate's `tests/fuzz_regressions.rs`
//! (by path), which runs every saved crash input under
//! `tests/fuzz-regressions/TARGET/` through the same function. So it uses only
//! crates the main crate depends on, and no libFuzzer.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod codegen;
pub mod lsp;
pub mod parser;
pub mod text;

use privet::diagnostic::{Diagnostic, sort_diagnostics};
use privet::pipeline::{self, Compilation};
use privet::render;
use privet::source::{FileId, SourceMap, Span};

/// A property: panics when the input shows a violation.
pub type Property = fn(&[u8]);

/// The fuzz targets, by name, with the property each checks.
pub const TARGETS: &[(&str, Property)] = &[
    ("pipeline", pipeline),
    ("pipeline_corpus", pipeline),
    ("fmt", fmt),
    ("codegen", codegen::codegen),
    ("lsp", lsp::lsp),
    ("parser", parser::parser),
];

/// Runs the property of a target by its name; `false` for an unknown name.
pub fn run(target: &str, data: &[u8]) -> bool {
    match TARGETS.iter().find(|(name, _)| *name == target) {
        Some((_, property)) => {
            property(data);
            true
        }
        None => false,
    }
}

/// The byte that separates the files of one input: never part of UTF-8
/// text, so a file that is text stays text.
pub const SEPARATOR: u8 = 0xff;

/// The most files an input is split into.
pub const MAX_FILES: usize = 6;

/// The names the files get, in order: the renderers put them in paths,
/// URIs, XML attributes and Markdown, so some are awkward.
const NAMES: [&str; MAX_FILES] = [
    "policy.privet",
    "systems/app.privet",
    "a b/ü & <x> \"q\".privet",
    "C:\\data\\win%20.privet",
    "/abs/path/[z]#.privet",
    "-dash/..privet",
];

/// The input's files: split on [`SEPARATOR`], at most [`MAX_FILES`] (the
/// last takes the rest, separators included).
pub fn split(data: &[u8]) -> Vec<&[u8]> {
    data.splitn(MAX_FILES, |byte| *byte == SEPARATOR).collect()
}

/// Files loaded and compiled as the CLI does: bytes that are not UTF-8 make
/// a `syntax-error` (see [`pipeline::add_file`]).
pub fn compile_files(files: &[(&str, &[u8])]) -> (SourceMap, Compilation) {
    let mut sources = SourceMap::new();
    let mut loading = Vec::new();
    for (name, bytes) in files {
        loading.extend(pipeline::add_file(
            &mut sources,
            (*name).to_string(),
            bytes.to_vec(),
        ));
    }
    let mut compilation = pipeline::compile(&sources);
    compilation.diagnostics.extend(loading);
    sort_diagnostics(&mut compilation.diagnostics);
    (sources, compilation)
}

/// The pieces of an input, named.
fn named<'a>(pieces: &[&'a [u8]], first: usize) -> Vec<(&'static str, &'a [u8])> {
    pieces
        .iter()
        .enumerate()
        .map(|(index, bytes)| (NAMES[(first + index) % MAX_FILES], *bytes))
        .collect()
}

/// Targets `pipeline` and `pipeline_corpus`: the whole pipeline and every
/// renderer on arbitrary bytes split into files, and `diff` between the
/// first half of the files and the rest. No panic; every JSON output parses;
/// JUnit and SVG are well-formed XML, and HTML too (with its void elements);
/// the HTML holds no script; every line of `--format github` is one workflow
/// command; DOT tokenises with every quoted string closed; a program without
/// errors builds (see [`codegen::check_output`]).
pub fn pipeline(data: &[u8]) {
    let pieces = split(data);
    let (sources, compilation) = compile_files(&named(&pieces, 0));
    renderers(&sources, &compilation);

    // A program without errors builds (an empty one too, but the `codegen`
    // target covers that: the archive's compression is most of a run here).
    let items = compilation.files.iter().any(|file| !file.items.is_empty());
    if items && !compilation.has_errors() {
        let output = privet::codegen::build(&sources, &compilation)
            .unwrap_or_else(|errors| panic!("a program without errors fails to build: {errors:?}"));
        codegen::check_output(&output);
    }

    // `privet diff` of the first half of the files against the rest, as the
    // CLI runs it: only versions that load are compared.
    let middle = pieces.len().div_ceil(2);
    let (old_sources, old) = compile_files(&named(&pieces[..middle], 0));
    let (new_sources, new) = compile_files(&named(&pieces[middle..], middle));
    if old.loading_errors() == 0 && new.loading_errors() == 0 {
        let report = pipeline::diff(&old, &new);
        let versions = render::diff::Versions {
            old: &old_sources,
            new: &new_sources,
        };
        render::diff::human(&report, &versions);
        render::diff::markdown(&report, &versions);
        github_lines(&render::diff::github(&report, &versions));
        json(&render::diff::json(&report, &versions));
    }
}

/// Every renderer of `check`, `graph` and `doc` on one compilation.
pub fn renderers(sources: &SourceMap, compilation: &Compilation) {
    let diagnostics = &compilation.diagnostics;
    render::human::render_all_plain(sources, diagnostics);
    let mut coloured = codespan_reporting::term::termcolor::Buffer::ansi();
    render::human::emit(&mut coloured, sources, diagnostics).expect("writing to memory");

    let report = json(&render::json::render(sources, diagnostics));
    assert_eq!(report["format_version"], 1, "{report}");
    // One working directory per run (SARIF's log is large: its rules carry
    // every diagnostic page), chosen by the input.
    let base = [None, Some("/abs/path"), Some("C:/data")][sources.len() % 3];
    json(&render::sarif::render(sources, diagnostics, &[], base));
    github_lines(&render::github::render(sources, diagnostics, &[], base));
    render::github::step_summary(sources, diagnostics, &[], base);
    let deny_warnings = diagnostics.len().is_multiple_of(2);
    xml(
        &render::junit::render(sources, diagnostics, &[], deny_warnings),
        false,
    );

    let program = &compilation.program;
    dot(&render::graph::dot(program, &compilation.findings));
    render::graph::mermaid(program, &compilation.findings);
    json(&render::graph::json(
        program,
        &compilation.graph,
        &compilation.findings,
    ));

    // `privet doc` documents a program that loads.
    if compilation.loading_errors() == 0 {
        let document =
            render::doc::document(program, &compilation.findings, &compilation.diagnostics);
        render::doc::markdown(&document, "data-map.svg");
        let html = render::doc::html(&document);
        assert!(
            !html.to_ascii_lowercase().contains("<script"),
            "a script in the HTML"
        );
        xml(&html, true);
        if let Some(svg) = document.picture_svg() {
            xml(&svg, false);
        }
    }
}

/// Parses JSON output, or panics with the text.
pub fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|error| panic!("invalid JSON ({error}):\n{text}"))
}

/// Each line of GitHub output is a workflow command (or the last one, the
/// summary): user text never starts a line of its own.
fn github_lines(text: &str) {
    assert!(!text.contains('\r'), "a carriage return in:\n{text}");
    let lines: Vec<&str> = text.lines().collect();
    for line in lines.iter().take(lines.len().saturating_sub(1)) {
        assert!(
            ["::error ", "::warning ", "::notice ", "::error title="]
                .iter()
                .any(|start| line.starts_with(start)),
            "a line that is not a workflow command: {line:?}"
        );
    }
}

/// DOT as privet writes it: outside quoted strings only names, numbers,
/// punctuation and whitespace; every string closed.
fn dot(text: &str) {
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => loop {
                match chars.next() {
                    Some('\\') => {
                        chars.next();
                    }
                    Some('"') => break,
                    Some(_) => {}
                    None => panic!("an unclosed string in the DOT:\n{text}"),
                }
            },
            c if c.is_ascii_alphanumeric() || c.is_ascii_whitespace() => {}
            '{' | '}' | '[' | ']' | ';' | '=' | ',' | '-' | '>' | '_' | '.' => {}
            other => panic!("{other:?} outside a string in the DOT:\n{text}"),
        }
    }
}

/// Checks that text is well-formed XML: tags balanced and named,
/// attributes quoted, every `&` an entity, no `<` in text or attribute
/// values. With `html`, the void elements need no end tag and a doctype
/// may open the file.
pub fn xml(text: &str, html: bool) {
    if let Err(why) = xml_problem(text, html) {
        panic!("not well-formed ({why}):\n{text}");
    }
}

const VOID: [&str; 6] = ["meta", "br", "hr", "img", "link", "input"];

fn xml_problem(text: &str, html: bool) -> Result<(), String> {
    let mut open: Vec<String> = Vec::new();
    let mut rest = text;
    let mut root_closed = false;
    while let Some(at) = rest.find(['<', '&']) {
        let (before, after) = rest.split_at(at);
        if !before.trim().is_empty() && open.is_empty() {
            return Err(format!("text outside the root: {before:?}"));
        }
        if after.starts_with('&') {
            rest = entity(after)?;
            continue;
        }
        if let Some(skipped) = skip_markup(after)? {
            rest = skipped;
            continue;
        }
        if let Some(inner) = after.strip_prefix("</") {
            let close = inner.find('>').ok_or("an unclosed end tag")?;
            let name = inner[..close].trim();
            match open.pop() {
                Some(expected) if expected == name => {}
                other => return Err(format!("`</{name}>` closes {other:?}")),
            }
            if open.is_empty() {
                root_closed = true;
            }
            rest = &inner[close + 1..];
            continue;
        }
        let inner = &after[1..];
        if root_closed {
            return Err("a second root element".to_string());
        }
        let name_end = inner
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .ok_or("an unclosed tag")?;
        let name = &inner[..name_end];
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_alphanumeric() || "-_:.".contains(c))
        {
            return Err(format!("a bad tag name {name:?}"));
        }
        let mut tag = &inner[name_end..];
        let self_closing = loop {
            tag = tag.trim_start();
            if let Some(after_tag) = tag.strip_prefix("/>") {
                tag = after_tag;
                break true;
            }
            if let Some(after_tag) = tag.strip_prefix('>') {
                tag = after_tag;
                break false;
            }
            let equals = tag
                .find('=')
                .ok_or(format!("an attribute without a value in <{name}>"))?;
            let attribute = tag[..equals].trim();
            if attribute.is_empty()
                || !attribute
                    .chars()
                    .all(|c| c.is_alphanumeric() || "-_:.".contains(c))
            {
                return Err(format!("a bad attribute name {attribute:?} in <{name}>"));
            }
            let value = tag[equals + 1..].trim_start();
            let quote = value.chars().next().ok_or("a tag cut short")?;
            if quote != '"' && quote != '\'' {
                return Err(format!("an unquoted attribute `{attribute}` in <{name}>"));
            }
            let body = &value[1..];
            let close = body.find(quote).ok_or("an unclosed attribute value")?;
            let mut content = &body[..close];
            if content.contains('<') {
                return Err(format!("`<` in the attribute `{attribute}`"));
            }
            while let Some(amp) = content.find('&') {
                content = entity(&content[amp..])?;
            }
            tag = &body[close + 1..];
        };
        let void = html && VOID.contains(&name.to_ascii_lowercase().as_str());
        if !self_closing && !void {
            open.push(name.to_string());
        } else if open.is_empty() && !void {
            root_closed = true;
        }
        rest = tag;
    }
    if !open.is_empty() {
        return Err(format!("unclosed elements {open:?}"));
    }
    if !rest.trim().is_empty() {
        return Err(format!("text after the root: {rest:?}"));
    }
    Ok(())
}

/// Skips a processing instruction, comment, CDATA section or doctype at the
/// start of `text`; `None` when there is none.
fn skip_markup(text: &str) -> Result<Option<&str>, String> {
    for (start, end) in [
        ("<?", "?>"),
        ("<!--", "-->"),
        ("<![CDATA[", "]]>"),
        ("<!DOCTYPE", ">"),
        ("<!doctype", ">"),
    ] {
        if let Some(inner) = text.strip_prefix(start) {
            let close = inner.find(end).ok_or(format!("an unclosed {start}"))?;
            return Ok(Some(&inner[close + end.len()..]));
        }
    }
    Ok(None)
}

/// Skips an entity reference at the start of `text` (which starts with `&`).
fn entity(text: &str) -> Result<&str, String> {
    let end = text.find(';').filter(|end| *end <= 12).ok_or_else(|| {
        format!(
            "a bare `&`: {:?}",
            text.chars().take(20).collect::<String>()
        )
    })?;
    let name = &text[1..end];
    let known = matches!(name, "amp" | "lt" | "gt" | "quot" | "apos")
        || name
            .strip_prefix("#x")
            .is_some_and(|hex| !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit()))
        || name
            .strip_prefix('#')
            .is_some_and(|dec| !dec.is_empty() && dec.chars().all(|c| c.is_ascii_digit()));
    if !known {
        return Err(format!("an unknown entity `&{name};`"));
    }
    Ok(&text[end + 1..])
}

/// Target `fmt`: on each file of the input that parses, the formatted text
/// parses, formatting it again changes nothing, and the program compiled
/// from the formatted files has the same diagnostics as the original (by
/// name, severity, message, notes, help and suggested replacement, each
/// label on the same item of the same file with the same message): a
/// stronger property than the formatter's own self-check, which compares
/// one file's syntax tree.
pub fn fmt(data: &[u8]) {
    let pieces = split(data);
    let files = named(&pieces, 0);
    let mut formatted: Vec<(&str, Vec<u8>)> = Vec::new();
    let mut any = false;
    for (name, bytes) in &files {
        let Ok(text) = std::str::from_utf8(bytes) else {
            formatted.push((name, bytes.to_vec()));
            continue;
        };
        match privet::format::format_text(text) {
            Ok(once) => {
                any = true;
                // Parses: no syntax error. A `control-character` error in a
                // string or comment is kept with the character (the
                // diagnostics compared below say it is the same one).
                let (_, problems) = privet::syntax::parse_file(FileId(0), &once);
                let errors: Vec<_> = problems
                    .iter()
                    .filter(|problem| problem.name == privet::diagnostic::Name::SyntaxError)
                    .collect();
                assert!(
                    errors.is_empty(),
                    "the formatted text does not parse: {errors:?}\n{once}"
                );
                match privet::format::format_text(&once) {
                    Ok(twice) => assert_eq!(
                        once, twice,
                        "formatting twice differs from once\n--- input\n{text}"
                    ),
                    Err(error) => panic!("the formatted text does not format: {error}\n{once}"),
                }
                formatted.push((name, once.into_bytes()));
            }
            Err(privet::format::FormatError::Syntax(_)) => formatted.push((name, bytes.to_vec())),
            Err(privet::format::FormatError::Unstable(why)) => {
                panic!("the formatter refused its own output: {why}\n--- input\n{text}")
            }
        }
    }
    if !any {
        return;
    }
    let before = compile_files(&files);
    let formatted: Vec<(&str, &[u8])> = formatted
        .iter()
        .map(|(name, bytes)| (*name, bytes.as_slice()))
        .collect();
    let after = compile_files(&formatted);
    let (old, new) = (findings(&before), findings(&after));
    if old != new {
        let (only_old, only_new) = text::differences(&old, &new);
        panic!(
            "formatting changed the diagnostics\n--- before only\n{only_old}\n--- after only\n{only_new}"
        );
    }
}

/// A diagnostic with its spans replaced by (file, item index): what
/// formatting must keep.
type Finding = String;

fn findings((sources, compilation): &(SourceMap, Compilation)) -> Vec<Finding> {
    let place = |span: Span| -> String {
        let item = compilation
            .files
            .iter()
            .find(|file| file.id == span.file)
            .and_then(|file| {
                file.items.iter().position(|item| {
                    let start = item
                        .docs
                        .first()
                        .map_or(item.span.start, |doc| doc.span.start);
                    start <= span.start && span.start <= item.span.end
                })
            });
        let name = sources.get(span.file).map_or("?", |file| file.name());
        match item {
            Some(item) => format!("{name}#{item}"),
            None => format!("{name}#-"),
        }
    };
    let mut found: Vec<Finding> = compilation
        .diagnostics
        .iter()
        .map(|d: &Diagnostic| {
            let labels: Vec<String> = d
                .labels
                .iter()
                .map(|label| format!("{} {}", place(label.span), label.message))
                .collect();
            format!(
                "{} {} at {}: {} / {} / labels {:?} / notes {:?} / help {:?} / replacement {:?}",
                d.severity.as_str(),
                d.name.as_str(),
                place(d.primary.span),
                d.message,
                d.primary.message,
                labels,
                d.notes,
                d.help,
                // The quick fix of a `control-character` is its whole
                // string or comment without the characters: the layout may
                // trim that comment's trailing spaces, which is no change of
                // meaning.
                d.suggestion
                    .as_ref()
                    .filter(|_| d.name != privet::diagnostic::Name::ControlCharacter)
                    .map(|s| &s.replacement),
            )
        })
        .collect();
    found.sort();
    found
}
