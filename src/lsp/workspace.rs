//! The program the language server sees: the `.privet` files of one
//! program, read from disk, with the open documents in place of their files.
//! A program is the directory tree of the nearest ancestor holding a
//! [`PROGRAM_MARKER`] file (without the trees of other markers below it),
//! else the workspace folder; a document outside every workspace folder
//! with no marker above it belongs to the directories of `.privet` files
//! around it (the files of such a program are read when it is first
//! opened). The server checks the program of the document last opened,
//! edited or asked about. Compiled again after each batch of edits, reusing
//! the unchanged items.

use super::position::{Lines, Utf16Index, path_to_uri, range, uri_to_path, uri_under};
use crate::diagnostic::{Diagnostic, Name, Severity};
use crate::files;
use crate::pipeline::{Compilation, compile_cached};
use crate::render::markup::visible;
use crate::source::{FileId, SourceMap};
use crate::syntax::cache::ParseCache;
use lsp_types::{
    DiagnosticRelatedInformation, DiagnosticSeverity, DiagnosticTag, Location, NumberOrString,
    PublishDiagnosticsParams, Uri,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// The file that marks the root of a program.
pub const PROGRAM_MARKER: &str = ".privet-root";

/// A workspace folder, with its URI as the client spelled it.
pub struct Root {
    pub path: PathBuf,
    pub uri: Option<Uri>,
}

/// How a document is known: by its path for `file:` URIs (so that a file
/// opened in the editor and found on disk are one), else by its URI.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Key {
    Path(PathBuf),
    Other(String),
}

impl Key {
    pub fn of(uri: &Uri) -> Key {
        match uri_to_path(uri) {
            Some(path) => Key::Path(path),
            None => Key::Other(uri.as_str().to_string()),
        }
    }

    fn name(&self) -> String {
        match self {
            Key::Path(path) => path.to_string_lossy().into_owned(),
            Key::Other(uri) => uri.clone(),
        }
    }
}

struct OpenDocument {
    uri: Uri,
    version: i32,
    text: String,
    /// The file the document is, when it is one on disk: a document opened
    /// under one spelling takes the place of the file found under another.
    canonical: Option<PathBuf>,
}

/// A file read from disk.
struct DiskFile {
    canonical: Option<PathBuf>,
    text: String,
}

/// One compiled state of the program.
pub struct Analysis {
    pub sources: SourceMap,
    pub compilation: Compilation,
    /// The URI of each file, by [`FileId`].
    pub uris: Vec<Uri>,
    versions: Vec<Option<i32>>,
    keys: Vec<Key>,
    /// The non-ASCII characters of each file, by [`FileId`].
    utf16: Vec<Utf16Index>,
}

impl Analysis {
    fn empty() -> Analysis {
        let sources = SourceMap::new();
        let compilation = crate::pipeline::compile(&sources);
        Analysis {
            sources,
            compilation,
            uris: Vec::new(),
            versions: Vec::new(),
            keys: Vec::new(),
            utf16: Vec::new(),
        }
    }

    pub fn file_of(&self, uri: &Uri) -> Option<FileId> {
        let key = Key::of(uri);
        self.keys
            .iter()
            .position(|k| *k == key)
            .map(|index| FileId(crate::source::offset_u32(index)))
    }

    pub fn uri(&self, file: FileId) -> Option<&Uri> {
        self.uris.get(file.0 as usize)
    }

    /// A file with what converting its positions needs.
    pub fn lines(&self, file: FileId) -> Option<Lines<'_>> {
        Some(Lines {
            file: self.sources.get(file)?,
            utf16: self.utf16.get(file.0 as usize)?,
        })
    }

    /// A location for a span, when its file is known.
    pub fn location(&self, span: crate::source::Span) -> Option<Location> {
        Some(Location {
            uri: self.uri(span.file)?.clone(),
            range: range(self.lines(span.file)?, span),
        })
    }

    /// A privet diagnostic in the protocol's shape.
    pub fn to_lsp(&self, diagnostic: &Diagnostic) -> Option<lsp_types::Diagnostic> {
        let file = self.lines(diagnostic.primary.span.file)?;
        let mut message = diagnostic.message.clone();
        let primary = diagnostic.primary.text();
        if !primary.is_empty() {
            message.push_str(&format!("\n{primary}"));
        }
        for note in &diagnostic.notes {
            message.push_str(&format!("\nnote: {note}"));
        }
        if let Some(help) = &diagnostic.help {
            message.push_str(&format!("\nhelp: {help}"));
        }
        let related: Vec<DiagnosticRelatedInformation> = diagnostic
            .labels
            .iter()
            .filter_map(|label| {
                Some(DiagnosticRelatedInformation {
                    location: self.location(label.span)?,
                    message: visible(&label.text()).into_owned(),
                })
            })
            .collect();
        let unnecessary = matches!(diagnostic.name, Name::UnusedDeclaration | Name::DeadRule);
        Some(lsp_types::Diagnostic {
            range: range(file, diagnostic.primary.span),
            severity: Some(match diagnostic.severity {
                Severity::Error => DiagnosticSeverity::ERROR,
                Severity::Warning => DiagnosticSeverity::WARNING,
                Severity::Note => DiagnosticSeverity::INFORMATION,
            }),
            code: Some(NumberOrString::String(diagnostic.name.as_str().to_string())),
            code_description: None,
            source: Some("privet".to_string()),
            message: visible(&message).into_owned(),
            related_information: (!related.is_empty()).then_some(related),
            tags: unnecessary.then(|| vec![DiagnosticTag::UNNECESSARY]),
            data: None,
        })
    }
}

/// Everything the server knows about the files.
pub struct Workspace {
    roots: Vec<Root>,
    disk: BTreeMap<PathBuf, DiskFile>,
    open: BTreeMap<Key, OpenDocument>,
    /// The URI the client last used for each file: the file is published
    /// under it.
    spellings: BTreeMap<Key, Uri>,
    /// The file whose program is checked (see the module's comment); with
    /// none, the first workspace folder's program.
    focus: Option<PathBuf>,
    /// The programs outside the workspace folders whose files were read.
    outside_folders: BTreeSet<PathBuf>,
    cache: ParseCache,
    pub analysis: Analysis,
    dirty: bool,
    /// What was last published for each file, and under which URI.
    published: BTreeMap<Key, (Uri, Vec<lsp_types::Diagnostic>)>,
    /// Documents edited since the last publication: published even when
    /// their diagnostics did not change, so the client sees the new version.
    touched: BTreeSet<Key>,
}

impl Workspace {
    pub fn new(roots: Vec<Root>) -> Workspace {
        let mut workspace = Workspace {
            roots,
            disk: BTreeMap::new(),
            open: BTreeMap::new(),
            spellings: BTreeMap::new(),
            focus: None,
            outside_folders: BTreeSet::new(),
            cache: ParseCache::new(),
            analysis: Analysis::empty(),
            dirty: true,
            published: BTreeMap::new(),
            touched: BTreeSet::new(),
        };
        workspace.scan_disk();
        workspace
    }

    /// Reads every `.privet` file under the workspace folders, each once
    /// (by canonical path). Entries that cannot be read as files are
    /// logged and left out.
    fn scan_disk(&mut self) {
        let mut found = files::Found::new();
        for root in &self.roots {
            if let Err(error) = files::walk(&root.path, &mut found) {
                eprintln!("privet lsp: {error}");
            }
        }
        for problem in &found.problems {
            eprintln!("privet lsp: skipped {problem}");
        }
        self.disk.clear();
        for (path, _) in found.into_sorted() {
            self.read_disk(&path);
        }
        for program in std::mem::take(&mut self.outside_folders) {
            self.read_program_outside_folders(&program);
        }
        self.dirty = true;
    }

    /// Reads (or forgets, when it is gone or cannot be read) one file of the
    /// disk. Only regular files are read, and at most
    /// [`crate::source::MAX_FILE_BYTES`] of one.
    pub fn read_disk(&mut self, path: &Path) {
        match files::read_bytes(path).map(String::from_utf8) {
            Ok(Ok(text)) => {
                let canonical = std::fs::canonicalize(path).ok();
                self.disk
                    .insert(path.to_path_buf(), DiskFile { canonical, text });
            }
            Ok(Err(_)) => {
                eprintln!(
                    "privet lsp: `{}` is not UTF-8 text",
                    files::display_path(path)
                );
                self.disk.remove(path);
            }
            Err(error) => {
                if path.exists() {
                    eprintln!("privet lsp: {error}");
                }
                self.disk.remove(path);
            }
        }
        self.dirty = true;
    }

    /// Whether a path belongs to the workspace folders.
    pub fn in_roots(&self, path: &Path) -> bool {
        self.roots.iter().any(|root| path.starts_with(&root.path))
    }

    /// The root of the program a file belongs to: the nearest folder above
    /// it holding a [`PROGRAM_MARKER`], else its workspace folder. A file
    /// outside every workspace folder (an editor may open one alone) with
    /// no marker above it belongs to the directories of `.privet` files
    /// around it: its own directory and each parent that holds `.privet`
    /// files too, up to the first that holds none.
    fn program_of(&self, path: &Path, markers: &mut HashMap<PathBuf, bool>) -> Option<PathBuf> {
        let folder = self
            .roots
            .iter()
            .filter(|root| path.starts_with(&root.path))
            .map(|root| root.path.as_path())
            .max_by_key(|root| root.components().count());
        for dir in path.ancestors().skip(1) {
            let marked = *markers
                .entry(dir.to_path_buf())
                .or_insert_with(|| dir.join(PROGRAM_MARKER).is_file());
            if marked {
                return Some(dir.to_path_buf());
            }
            if Some(dir) == folder {
                return folder.map(Path::to_path_buf);
            }
        }
        // A document that is no file on disk (an unsaved buffer, a virtual
        // document) has no directories around it to read.
        if !path.is_file() {
            return None;
        }
        let mut program = path.parent()?;
        while let Some(parent) = program.parent() {
            if !holds_privet_files(parent) {
                break;
            }
            program = parent;
        }
        Some(program.to_path_buf())
    }

    /// Reads the files of a program outside the workspace folders the first
    /// time one of its documents is opened, so that its other files are
    /// known (else every name they declare would be an `unknown-name`).
    fn read_program_outside_folders(&mut self, program: &Path) {
        if self.in_roots(program) || !self.outside_folders.insert(program.to_path_buf()) {
            return;
        }
        let mut found = files::Found::new();
        if let Err(error) = files::walk(program, &mut found) {
            eprintln!("privet lsp: {error}");
        }
        for (path, _) in found.into_sorted() {
            if !self.disk.contains_key(&path) {
                self.read_disk(&path);
            }
        }
    }

    /// The root of the program being checked; `None` when there is no
    /// workspace folder and no document in a marked program.
    fn focused_program(&self, markers: &mut HashMap<PathBuf, bool>) -> Option<PathBuf> {
        match &self.focus {
            Some(path) => self.program_of(path, markers),
            None => self.roots.first().map(|root| root.path.clone()),
        }
    }

    /// Checks the program of a document from now on (when it has one).
    pub fn focus_on(&mut self, uri: &Uri) {
        let Key::Path(path) = Key::of(uri) else {
            return;
        };
        let mut markers = HashMap::new();
        let program = self.program_of(&path, &mut markers);
        if let Some(program) = &program {
            self.read_program_outside_folders(program);
        }
        if program.is_some() && program != self.focused_program(&mut markers) {
            self.focus = Some(path);
            self.dirty = true;
        }
    }

    /// A [`PROGRAM_MARKER`] was added or removed.
    pub fn markers_changed(&mut self) {
        self.dirty = true;
    }

    /// Remembers how the client spells a file's URI.
    pub fn spelled(&mut self, uri: &Uri) {
        self.spellings.insert(Key::of(uri), uri.clone());
    }

    pub fn open(&mut self, uri: Uri, version: i32, text: String) {
        let key = Key::of(&uri);
        self.spelled(&uri);
        self.focus_on(&uri);
        self.touched.insert(key.clone());
        let canonical = match &key {
            Key::Path(path) => std::fs::canonicalize(path).ok(),
            Key::Other(_) => None,
        };
        self.open.insert(
            key,
            OpenDocument {
                uri,
                version,
                text,
                canonical,
            },
        );
        self.dirty = true;
    }

    pub fn change(&mut self, uri: Uri, version: i32, text: String) {
        self.open(uri, version, text);
    }

    pub fn close(&mut self, uri: &Uri) {
        let key = Key::of(uri);
        self.spelled(uri);
        self.open.remove(&key);
        if let Key::Path(path) = key
            && (self.in_roots(&path) || self.disk.contains_key(&path))
        {
            self.read_disk(&path);
        }
        self.dirty = true;
    }

    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    /// The URI a file is published under: the client's spelling when it has
    /// used one for the file or for its workspace folder.
    fn uri_of(&self, key: &Key) -> Option<Uri> {
        if let Some(uri) = self.spellings.get(key) {
            return Some(uri.clone());
        }
        let Key::Path(path) = key else {
            return None;
        };
        self.roots
            .iter()
            .filter_map(|root| uri_under(root.uri.as_ref()?, &root.path, path))
            .next()
            .or_else(|| path_to_uri(path))
    }

    /// Compiles the program again if anything changed; returns whether it
    /// did.
    pub fn refresh(&mut self) -> bool {
        if !self.dirty {
            return false;
        }
        self.dirty = false;
        let mut markers = HashMap::new();
        let focus = self.focused_program(&mut markers);
        let mut documents: BTreeMap<Key, (Option<Uri>, &str, Option<i32>)> = BTreeMap::new();
        // One file is one source, however many spellings reach it: an open
        // document first, then the first spelling found on disk.
        let mut files: BTreeSet<&Path> = self
            .open
            .values()
            .filter_map(|document| document.canonical.as_deref())
            .collect();
        for (path, file) in &self.disk {
            let open = self.open.contains_key(&Key::Path(path.clone()));
            if let Some(canonical) = &file.canonical
                && !open
                && !files.insert(canonical)
            {
                continue;
            }
            documents.insert(Key::Path(path.clone()), (None, file.text.as_str(), None));
        }
        for (key, document) in &self.open {
            documents.insert(
                key.clone(),
                (
                    Some(document.uri.clone()),
                    document.text.as_str(),
                    Some(document.version),
                ),
            );
        }
        let mut sources = SourceMap::new();
        let mut uris = Vec::with_capacity(documents.len());
        let mut versions = Vec::with_capacity(documents.len());
        let mut keys = Vec::with_capacity(documents.len());
        let mut utf16 = Vec::with_capacity(documents.len());
        for (key, (uri, text, version)) in documents {
            if let (Key::Path(path), Some(_)) = (&key, &focus) {
                let program = self.program_of(path, &mut markers);
                if program.is_some() && program != focus {
                    continue;
                }
            }
            let Some(uri) = uri.or_else(|| self.uri_of(&key)) else {
                continue;
            };
            sources.add(key.name(), text);
            uris.push(uri);
            versions.push(version);
            keys.push(key);
            utf16.push(Utf16Index::new(text));
        }
        // The last compilation's trees are moved into the new one.
        let previous = std::mem::take(&mut self.analysis.compilation.files);
        let compilation = compile_cached(&sources, &mut self.cache, previous);
        self.analysis = Analysis {
            sources,
            compilation,
            uris,
            versions,
            keys,
            utf16,
        };
        true
    }

    /// The diagnostics to publish: for every file whose diagnostics changed,
    /// every edited document, and every file that has gone (cleared). Files
    /// are known by their paths, and each is published under one URI; the
    /// clears come first, so a client that takes two spellings of a URI for
    /// one file ends with the new diagnostics.
    pub fn publications(&mut self) -> Vec<PublishDiagnosticsParams> {
        let analysis = &self.analysis;
        let mut by_file: Vec<Vec<lsp_types::Diagnostic>> = vec![Vec::new(); analysis.uris.len()];
        for diagnostic in &analysis.compilation.diagnostics {
            let index = diagnostic.primary.span.file.0 as usize;
            if let (Some(list), Some(converted)) =
                (by_file.get_mut(index), analysis.to_lsp(diagnostic))
            {
                list.push(converted);
            }
        }
        let clear = |uri: &Uri| PublishDiagnosticsParams {
            uri: uri.clone(),
            diagnostics: Vec::new(),
            version: None,
        };
        let mut clears = Vec::new();
        let mut news = Vec::new();
        let mut current = BTreeMap::new();
        for (((key, uri), version), diagnostics) in analysis
            .keys
            .iter()
            .zip(&analysis.uris)
            .zip(&analysis.versions)
            .zip(by_file)
        {
            let before = self.published.remove(key);
            let changed = match &before {
                Some((old_uri, old)) if old_uri != uri => {
                    if !old.is_empty() {
                        clears.push(clear(old_uri));
                    }
                    true
                }
                // An edited document is published whatever its diagnostics
                // (so they need not be compared).
                Some((_, old)) => self.touched.contains(key) || *old != diagnostics,
                None => true,
            };
            if changed {
                news.push(PublishDiagnosticsParams {
                    uri: uri.clone(),
                    diagnostics: diagnostics.clone(),
                    version: *version,
                });
            }
            current.insert(key.clone(), (uri.clone(), diagnostics));
        }
        // What is left was published before and is no longer in the program.
        for (uri, diagnostics) in self.published.values() {
            if !diagnostics.is_empty() {
                clears.push(clear(uri));
            }
        }
        self.published = current;
        self.touched.clear();
        clears.extend(news);
        clears
    }
}

/// Whether a directory holds `.privet` files directly (not only in
/// directories below it).
fn holds_privet_files(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries.filter_map(Result::ok).any(|entry| {
            let path = entry.path();
            files::is_privet(&path) && path.is_file()
        })
    })
}
