//! The program the language server sees: every `.privet` file under the
//! workspace folders, read from disk, with the open documents in place of
//! their files (and open documents outside the folders added). Compiled
//! again after each batch of edits, reusing the unchanged items.

use super::position::{path_to_uri, range, uri_to_path};
use crate::diagnostic::{Diagnostic, Name, Severity};
use crate::pipeline::{Compilation, compile_cached};
use crate::source::{FileId, MAX_FILE_BYTES, SourceFile, SourceMap};
use crate::syntax::cache::ParseCache;
use lsp_types::{
    DiagnosticRelatedInformation, DiagnosticSeverity, DiagnosticTag, Location, NumberOrString,
    PublishDiagnosticsParams, Uri,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

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
}

/// One compiled state of the program.
pub struct Analysis {
    pub sources: SourceMap,
    pub compilation: Compilation,
    /// The URI of each file, by [`FileId`].
    pub uris: Vec<Uri>,
    versions: Vec<Option<i32>>,
    keys: Vec<Key>,
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

    pub fn source(&self, file: FileId) -> Option<&SourceFile> {
        self.sources.get(file)
    }

    /// A location for a span, when its file is known.
    pub fn location(&self, span: crate::source::Span) -> Option<Location> {
        Some(Location {
            uri: self.uri(span.file)?.clone(),
            range: range(self.source(span.file)?, span),
        })
    }

    /// A privet diagnostic in the protocol's shape.
    pub fn to_lsp(&self, diagnostic: &Diagnostic) -> Option<lsp_types::Diagnostic> {
        let file = self.source(diagnostic.primary.span.file)?;
        let mut message = diagnostic.message.clone();
        if !diagnostic.primary.message.is_empty() {
            message.push_str(&format!("\n{}", diagnostic.primary.message));
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
                    message: label.message.clone(),
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
            message,
            related_information: (!related.is_empty()).then_some(related),
            tags: unnecessary.then(|| vec![DiagnosticTag::UNNECESSARY]),
            data: None,
        })
    }
}

/// Everything the server knows about the files.
pub struct Workspace {
    roots: Vec<PathBuf>,
    disk: BTreeMap<PathBuf, String>,
    open: BTreeMap<Key, OpenDocument>,
    cache: ParseCache,
    pub analysis: Analysis,
    dirty: bool,
    /// What was last published, by URI.
    published: HashMap<String, Vec<lsp_types::Diagnostic>>,
    /// Documents edited since the last publication: published even when
    /// their diagnostics did not change, so the client sees the new version.
    touched: BTreeSet<String>,
}

impl Workspace {
    pub fn new(roots: Vec<PathBuf>) -> Workspace {
        let mut workspace = Workspace {
            roots,
            disk: BTreeMap::new(),
            open: BTreeMap::new(),
            cache: ParseCache::new(),
            analysis: Analysis::empty(),
            dirty: true,
            published: HashMap::new(),
            touched: BTreeSet::new(),
        };
        workspace.scan_disk();
        workspace
    }

    /// Reads every `.privet` file under the workspace folders.
    fn scan_disk(&mut self) {
        let mut found = BTreeSet::new();
        for root in &self.roots {
            if let Err(error) = crate::cli::load::walk(root, &mut found) {
                eprintln!("privet lsp: {error}");
            }
        }
        self.disk.clear();
        for path in found {
            self.read_disk(&path);
        }
        self.dirty = true;
    }

    /// Reads (or forgets, when it is gone) one file of the disk.
    pub fn read_disk(&mut self, path: &Path) {
        let too_large = std::fs::metadata(path).is_ok_and(|m| m.len() > MAX_FILE_BYTES);
        match std::fs::read(path) {
            Ok(_) if too_large => {
                eprintln!("privet lsp: `{}` is too large to read", path.display());
                self.disk.remove(path);
            }
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => {
                    self.disk.insert(path.to_path_buf(), text);
                }
                Err(_) => {
                    eprintln!("privet lsp: `{}` is not UTF-8 text", path.display());
                    self.disk.remove(path);
                }
            },
            Err(_) => {
                self.disk.remove(path);
            }
        }
        self.dirty = true;
    }

    /// Whether a path belongs to the workspace folders.
    pub fn in_roots(&self, path: &Path) -> bool {
        self.roots.iter().any(|root| path.starts_with(root))
    }

    pub fn open(&mut self, uri: Uri, version: i32, text: String) {
        self.touched.insert(uri.as_str().to_string());
        self.open
            .insert(Key::of(&uri), OpenDocument { uri, version, text });
        self.dirty = true;
    }

    pub fn change(&mut self, uri: Uri, version: i32, text: String) {
        self.open(uri, version, text);
    }

    pub fn close(&mut self, uri: &Uri) {
        let key = Key::of(uri);
        self.open.remove(&key);
        if let Key::Path(path) = key {
            if self.in_roots(&path) || self.disk.contains_key(&path) {
                self.read_disk(&path);
            }
        }
        self.dirty = true;
    }

    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    /// Compiles the program again if anything changed.
    pub fn refresh(&mut self) {
        if !self.dirty {
            return;
        }
        self.dirty = false;
        let mut documents: BTreeMap<Key, (Option<Uri>, &str, Option<i32>)> = BTreeMap::new();
        for (path, text) in &self.disk {
            documents.insert(Key::Path(path.clone()), (None, text.as_str(), None));
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
        for (key, (uri, text, version)) in documents {
            let uri = match (uri, &key) {
                (Some(uri), _) => Some(uri),
                (None, Key::Path(path)) => path_to_uri(path),
                (None, Key::Other(_)) => None,
            };
            let Some(uri) = uri else {
                continue;
            };
            sources.add(key.name(), text);
            uris.push(uri);
            versions.push(version);
            keys.push(key);
        }
        let compilation = compile_cached(&sources, &mut self.cache);
        self.analysis = Analysis {
            sources,
            compilation,
            uris,
            versions,
            keys,
        };
    }

    /// The diagnostics to publish: for every file whose diagnostics changed,
    /// every edited document, and every file that has gone (cleared).
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
        let mut out = Vec::new();
        let mut current: HashMap<String, Vec<lsp_types::Diagnostic>> = HashMap::new();
        for ((uri, version), diagnostics) in
            analysis.uris.iter().zip(&analysis.versions).zip(by_file)
        {
            let name = uri.as_str().to_string();
            let changed = self.published.get(&name) != Some(&diagnostics);
            if changed || self.touched.contains(&name) {
                out.push(PublishDiagnosticsParams {
                    uri: uri.clone(),
                    diagnostics: diagnostics.clone(),
                    version: *version,
                });
            }
            current.insert(name, diagnostics);
        }
        let mut gone: Vec<&String> = self
            .published
            .iter()
            .filter(|(name, diagnostics)| !current.contains_key(*name) && !diagnostics.is_empty())
            .map(|(name, _)| name)
            .collect();
        gone.sort();
        for name in gone {
            if let Ok(uri) = name.parse::<Uri>() {
                out.push(PublishDiagnosticsParams {
                    uri,
                    diagnostics: Vec::new(),
                    version: None,
                });
            }
        }
        self.published = current;
        self.touched.clear();
        out
    }
}
