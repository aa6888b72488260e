//! The stages run in order over a set of files: parse each file, resolve
//! them together, check the result. Callers (the CLI, the language server,
//! tests) load the files; nothing here does I/O.

use crate::ast;
use crate::check::{self, FlowFinding};
use crate::diagnostic::{Diagnostic, Name, sort_diagnostics};
use crate::graph::DataGraph;
use crate::model::Program;
use crate::resolve;
use crate::source::{FileId, SourceMap, Span, offset_u32};
use crate::syntax;
use crate::syntax::cache::ParseCache;
use std::collections::{BTreeMap, BTreeSet};

/// A compiled program and everything found on the way.
#[derive(Clone, Debug)]
pub struct Compilation {
    /// Each file's syntax tree; empty when compiled with [`Trees::Drop`].
    pub files: Vec<ast::File>,
    pub program: Program,
    pub graph: DataGraph,
    /// Sorted by position; see [`Diagnostic::sort_key`].
    pub diagnostics: Vec<Diagnostic>,
    /// (flow, name) for each diagnostic about a flow.
    pub findings: BTreeSet<FlowFinding>,
}

impl Compilation {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The number of errors of loading (see [`crate::diagnostic::Name::is_loading`]):
    /// with any, the program is not whole and `doc` and `diff` refuse it.
    pub fn loading_errors(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.is_error() && d.name.is_loading())
            .count()
    }
}

/// Adds a file given as bytes, as it was read. Text that is not UTF-8 is
/// not parsed: the file keeps its valid text up to the first bad byte and a
/// replacement character (to show where the bad byte is), and the returned
/// `syntax-error` points there.
pub fn add_file(sources: &mut SourceMap, name: String, bytes: Vec<u8>) -> Option<Diagnostic> {
    let not_utf8 = match String::from_utf8(bytes) {
        Ok(text) => {
            sources.add(name, text);
            return None;
        }
        Err(not_utf8) => not_utf8,
    };
    let valid_up_to = not_utf8.utf8_error().valid_up_to();
    let bytes = not_utf8.into_bytes();
    let prefix = String::from_utf8_lossy(bytes.get(..valid_up_to).unwrap_or(&[]));
    let shown = format!("{prefix}\u{fffd}");
    let at = offset_u32(prefix.len());
    let id = sources.add_unparsable(name, shown);
    Some(
        Diagnostic::new(
            Name::SyntaxError,
            Span::new(id, at, at + 3),
            "this file is not valid UTF-8 text",
        )
        .primary_message(format!("byte {valid_up_to} is not UTF-8"))
        .help("privet reads UTF-8 text; re-save the file as UTF-8"),
    )
}

/// What a compilation keeps of the syntax trees.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trees {
    /// [`Compilation::files`] holds every file's tree.
    Keep,
    /// The trees are dropped as soon as the program is resolved, before
    /// the graph and the checks, so they never share the peak of memory
    /// with them; [`Compilation::files`] is empty. For the commands that
    /// need only the model and the diagnostics (`check`, `build`, `doc`,
    /// `graph`, `query`): `diff` compiles each version again from its trees,
    /// and the language server and the formatter keep theirs.
    Drop,
}

/// Parses, resolves and checks every file of the map as one program.
pub fn compile(sources: &SourceMap) -> Compilation {
    compile_with(sources, Trees::Keep)
}

/// [`compile`], keeping the syntax trees or not.
pub fn compile_with(sources: &SourceMap, trees: Trees) -> Compilation {
    let mut diagnostics = Vec::new();
    let mut files = Vec::with_capacity(sources.len());
    for (id, file) in sources.iter().filter(|(_, file)| file.is_parsable()) {
        let (parsed, found) = syntax::parse_file(id, file.text());
        diagnostics.extend(found);
        files.push(parsed);
    }
    let mut compilation = compile_parsed(files, diagnostics, trees);
    quiet_cascades(sources, &mut compilation.diagnostics);
    compilation
}

/// [`compile`], reusing the items of each file (by file name) whose text
/// an edit left alone since the cache last saw it: what the language server
/// runs on every edit. `previous` is the files of the last compilation made
/// with this cache, given back so that their unchanged items are moved into
/// the new one instead of being parsed (or cloned) again; with any other
/// files (or none) every file is parsed.
pub fn compile_cached(
    sources: &SourceMap,
    cache: &mut ParseCache,
    previous: Vec<ast::File>,
) -> Compilation {
    let mut previous: Vec<Option<ast::File>> = previous.into_iter().map(Some).collect();
    let mut diagnostics = Vec::new();
    let mut files = Vec::with_capacity(sources.len());
    for (id, file) in sources.iter().filter(|(_, file)| file.is_parsable()) {
        let (parsed, found, _) = cache.parse_file(file.name(), id, file.text(), {
            let name = file.name();
            cache
                .file_id(name)
                .and_then(|old| {
                    previous
                        .iter_mut()
                        .find(|f| f.as_ref().is_some_and(|f| f.id == old))
                })
                .and_then(Option::take)
        });
        diagnostics.extend(found);
        files.push(parsed);
    }
    let names: Vec<&str> = sources.iter().map(|(_, file)| file.name()).collect();
    cache.retain_files(&names);
    let mut compilation = compile_parsed(files, diagnostics, Trees::Keep);
    quiet_cascades(sources, &mut compilation.diagnostics);
    compilation
}

/// Drops the `unused-declaration` warnings of declarations that an item
/// which did not parse names: that item may well use them, and the one
/// `syntax-error` is what the reader needs to see.
fn quiet_cascades(sources: &SourceMap, diagnostics: &mut Vec<Diagnostic>) {
    let mut broken: BTreeMap<FileId, Vec<u32>> = BTreeMap::new();
    for diagnostic in diagnostics.iter().filter(|d| d.name == Name::SyntaxError) {
        let span = diagnostic.primary.span;
        broken.entry(span.file).or_default().push(span.start);
    }
    if broken.is_empty() {
        return;
    }
    let mut names = BTreeSet::new();
    for (file, offsets) in &broken {
        if let Some(file) = sources.get(*file) {
            names.extend(syntax::mentions::names_in_broken_items(
                file.text(),
                offsets,
            ));
        }
    }
    diagnostics.retain(|diagnostic| {
        diagnostic.name != Name::UnusedDeclaration
            || !syntax::mentions::mentioned(&names, sources.snippet(diagnostic.primary.span))
    });
}

/// Resolves and checks parsed files.
fn compile_parsed(
    mut files: Vec<ast::File>,
    mut diagnostics: Vec<Diagnostic>,
    trees: Trees,
) -> Compilation {
    let (program, found) = resolve::resolve(&files);
    diagnostics.extend(found);
    if trees == Trees::Drop {
        files = Vec::new();
    }
    let graph = DataGraph::build(&program);
    let report = check::check(&program, &graph);
    diagnostics.extend(report.diagnostics);
    sort_diagnostics(&mut diagnostics);
    Compilation {
        files,
        program,
        graph,
        diagnostics,
        findings: report.findings,
    }
}

/// `privet diff` of two compiled versions (see [`check::diff`]). Each
/// version's permissions are decided on the version compiled again with the
/// categories, purposes, bases and regions only the other version has
/// declared, in a file made in memory (`category NAME` and the like, with no
/// label or flag): a name missing from a version stands there for a new leaf
/// under its nearest declared ancestor.
pub fn diff(old: &Compilation, new: &Compilation) -> check::diff::DiffReport {
    diff_with(old, new, check::diff::diff)
}

/// [`diff`] deciding every act of the union domain in each version (see
/// [`check::diff::diff_exhaustive`]): the reference of the differential
/// test and the benchmarks.
pub fn diff_exhaustive(old: &Compilation, new: &Compilation) -> check::diff::DiffReport {
    diff_with(old, new, check::diff::diff_exhaustive)
}

fn diff_with(
    old: &Compilation,
    new: &Compilation,
    compare: fn(check::diff::Versions<'_>) -> check::diff::DiffReport,
) -> check::diff::DiffReport {
    let old_decided = sharing(old, &new.program);
    let new_decided = sharing(new, &old.program);
    compare(check::diff::Versions {
        old: &old.program,
        new: &new.program,
        old_decided: old_decided.as_ref().unwrap_or(&old.program),
        new_decided: new_decided.as_ref().unwrap_or(&new.program),
    })
}

/// A version compiled with the names only `other` declares, or `None` when
/// it lacks none.
fn sharing(version: &Compilation, other: &Program) -> Option<Program> {
    let names = check::diff::missing_names(&version.program, other);
    if names.is_empty() {
        return None;
    }
    let text: String = names
        .iter()
        .map(|(namespace, name)| format!("{} {name}\n", namespace.noun()))
        .collect();
    // An id no loaded file has: the file's spans are never shown.
    let (synthetic, _) = syntax::parse_file(FileId(u32::MAX), &text);
    let mut files = version.files.clone();
    files.push(synthetic);
    Some(resolve::resolve(&files).0)
}
