//! `privet lsp`: the language server, over standard input and output.
//!
//! Synchronous: one thread reads messages, one writes them, and the server
//! handles them one at a time. After a batch of edits (the messages already
//! waiting) it compiles the whole program again, reusing the items that did
//! not change, and publishes the diagnostics of every file that changed.
//! Malformed input is logged on standard error and answered with an error;
//! the server carries on. This module is the only one that knows the
//! protocol's types.

mod completion;
mod features;
pub mod position;
mod transport;
mod workspace;

use features::{Found, locate, name_at};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidChangeWatchedFiles, DidCloseTextDocument, DidOpenTextDocument,
    DidSaveTextDocument, Notification as _, PublishDiagnostics,
};
use lsp_types::request::{
    CodeActionRequest, Completion, DocumentSymbolRequest, Formatting, GotoDefinition, HoverRequest,
    References, Request as _,
};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability, CompletionOptions,
    DocumentSymbolResponse, FileChangeType, GotoDefinitionResponse, InitializeParams,
    InitializeResult, OneOf, SaveOptions, ServerCapabilities, ServerInfo,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions,
};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::process::ExitCode;
use workspace::{Key, Root, Workspace};

/// Runs the server on standard input and output. Exit code 0 after a
/// `shutdown` request and an `exit` notification, 1 otherwise.
pub fn run() -> ExitCode {
    let (connection, transport) = transport::stdio();
    let clean = match serve(&connection) {
        Ok(clean) => clean,
        Err(error) => {
            eprintln!("privet lsp: {error}");
            false
        }
    };
    drop(connection);
    transport.finish();
    if clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// What the server can do.
pub fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::FULL),
                save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                    include_text: Some(false),
                })),
                ..TextDocumentSyncOptions::default()
            },
        )),
        hover_provider: Some(lsp_types::HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        completion_provider: Some(CompletionOptions::default()),
        document_symbol_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..CodeActionOptions::default()
        })),
        ..ServerCapabilities::default()
    }
}

/// The workspace folders of the client, as paths with their URIs.
fn roots(params: &InitializeParams) -> Vec<Root> {
    let root = |uri: &lsp_types::Uri| {
        Some(Root {
            path: position::uri_to_path(uri)?,
            uri: Some(uri.clone()),
        })
    };
    if let Some(folders) = &params.workspace_folders {
        return folders
            .iter()
            .filter_map(|folder| root(&folder.uri))
            .collect();
    }
    #[allow(deprecated)]
    params
        .root_uri
        .as_ref()
        .and_then(root)
        .into_iter()
        .collect()
}

/// Serves one client until it exits. Returns whether it shut down cleanly
/// (`shutdown`, then `exit`).
pub fn serve(connection: &Connection) -> Result<bool, String> {
    let (id, params) = connection
        .initialize_start()
        .map_err(|error| format!("no initialize request: {error}"))?;
    let params: InitializeParams = serde_json::from_value(params).unwrap_or_else(|error| {
        eprintln!("privet lsp: malformed initialize parameters ({error}); using none");
        InitializeParams::default()
    });
    let result = InitializeResult {
        capabilities: capabilities(),
        server_info: Some(ServerInfo {
            name: "privet".to_string(),
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
        }),
    };
    send(connection, Response::new_ok(id, result).into());
    let watch = params
        .capabilities
        .workspace
        .as_ref()
        .and_then(|workspace| workspace.did_change_watched_files.as_ref())
        .and_then(|files| files.dynamic_registration)
        .unwrap_or(false);
    let mut server = Server {
        connection,
        workspace: Workspace::new(roots(&params)),
        shutdown: false,
        watch,
    };
    server.main_loop()
}

fn send(connection: &Connection, message: Message) {
    if connection.sender.send(message).is_err() {
        eprintln!("privet lsp: the client is gone");
    }
}

struct Server<'a> {
    connection: &'a Connection,
    workspace: Workspace,
    shutdown: bool,
    /// Whether to ask the client to watch the program's files on disk
    /// (it said it can be asked, dynamically).
    watch: bool,
}

/// Asks the client to report `.privet` files and `.privet-root` markers
/// created, changed or deleted on disk (a `git pull`, a branch switch), so
/// that editors without an extension of their own keep the program true.
fn watch_files(connection: &Connection) {
    let watcher = |glob: &str| lsp_types::FileSystemWatcher {
        glob_pattern: lsp_types::GlobPattern::String(glob.to_string()),
        kind: None,
    };
    let options = lsp_types::DidChangeWatchedFilesRegistrationOptions {
        watchers: vec![watcher("**/*.privet"), watcher("**/.privet-root")],
    };
    let registration = lsp_types::Registration {
        id: "privet-watched-files".to_string(),
        method: DidChangeWatchedFiles::METHOD.to_string(),
        register_options: serde_json::to_value(options).ok(),
    };
    let params = lsp_types::RegistrationParams {
        registrations: vec![registration],
    };
    let request = Request::new(
        RequestId::from("privet/watch-files".to_string()),
        "client/registerCapability".to_string(),
        params,
    );
    send(connection, request.into());
}

/// Why a request got no result.
struct Failure {
    code: ErrorCode,
    message: String,
}

fn invalid_params(error: impl std::fmt::Display) -> Failure {
    Failure {
        code: ErrorCode::InvalidParams,
        message: format!("invalid parameters: {error}"),
    }
}

type Answer = Result<serde_json::Value, Failure>;

fn params<P: serde::de::DeserializeOwned>(request: &Request) -> Result<P, Failure> {
    serde_json::from_value(request.params.clone()).map_err(invalid_params)
}

fn json(value: impl serde::Serialize) -> Answer {
    serde_json::to_value(value).map_err(|error| Failure {
        code: ErrorCode::InternalError,
        message: error.to_string(),
    })
}

impl Server<'_> {
    fn main_loop(&mut self) -> Result<bool, String> {
        self.publish();
        while let Ok(message) = self.connection.receiver.recv() {
            let mut next = Some(message);
            // Handle every message already waiting before compiling again.
            while let Some(message) = next.take() {
                match message {
                    Message::Request(request) => self.request(request),
                    Message::Notification(notification) if notification.method == "exit" => {
                        return Ok(self.shutdown);
                    }
                    Message::Notification(notification) => self.notification(notification),
                    Message::Response(_) => {}
                }
                next = self.connection.receiver.try_recv().ok();
            }
            self.publish();
        }
        Ok(false)
    }

    /// Compiles again if needed, and publishes what changed (nothing when
    /// nothing was compiled).
    fn publish(&mut self) {
        if !self.workspace.refresh() {
            return;
        }
        for params in self.workspace.publications() {
            let notification = Notification::new(PublishDiagnostics::METHOD.to_string(), params);
            send(self.connection, notification.into());
        }
    }

    fn request(&mut self, request: Request) {
        let id = request.id.clone();
        let answer = if self.shutdown {
            Err(Failure {
                code: ErrorCode::InvalidRequest,
                message: "the server is shutting down".to_string(),
            })
        } else if request.method == "shutdown" {
            self.shutdown = true;
            Ok(serde_json::Value::Null)
        } else {
            // A question about a file of another program checks that one.
            let uri = request
                .params
                .get("textDocument")
                .and_then(|document| document.get("uri"))
                .and_then(serde_json::Value::as_str);
            if let Some(uri) = uri.and_then(|uri| uri.parse::<lsp_types::Uri>().ok()) {
                self.workspace.focus_on(&uri);
            }
            if self.workspace.is_dirty() {
                self.publish();
            }
            let method = request.method.clone();
            match catch_unwind(AssertUnwindSafe(|| self.answer(&request))) {
                Ok(answer) => answer,
                Err(_) => Err(Failure {
                    code: ErrorCode::InternalError,
                    message: format!("privet failed on `{method}`: this is a bug in privet"),
                }),
            }
        };
        self.respond(id, answer);
    }

    fn respond(&self, id: RequestId, answer: Answer) {
        let response = match answer {
            Ok(value) => Response {
                id,
                response_result: Ok(value),
            },
            Err(failure) => {
                eprintln!("privet lsp: {}", failure.message);
                Response::new_err(id, failure.code as i32, failure.message)
            }
        };
        send(self.connection, response.into());
    }

    fn answer(&mut self, request: &Request) -> Answer {
        let analysis = &self.workspace.analysis;
        let found_at = |uri, position| -> Option<Found> {
            let (file, at) = locate(analysis, uri, position)?;
            name_at(analysis, file, at)
        };
        match request.method.as_str() {
            HoverRequest::METHOD => {
                let p: lsp_types::HoverParams = params(request)?;
                let at = &p.text_document_position_params;
                let cited = || {
                    let (file, offset) = locate(analysis, &at.text_document.uri, at.position)?;
                    features::citation_hover(analysis, file, offset)
                };
                json(
                    found_at(&at.text_document.uri, at.position)
                        .and_then(|f| features::hover(analysis, f))
                        .or_else(cited),
                )
            }
            GotoDefinition::METHOD => {
                let p: lsp_types::GotoDefinitionParams = params(request)?;
                let at = &p.text_document_position_params;
                let cited = || {
                    let (file, offset) = locate(analysis, &at.text_document.uri, at.position)?;
                    features::citation_definition(analysis, file, offset)
                };
                json(
                    found_at(&at.text_document.uri, at.position)
                        .map(|f| features::definition(analysis, f))
                        .or_else(cited)
                        .map(GotoDefinitionResponse::Array),
                )
            }
            References::METHOD => {
                let p: lsp_types::ReferenceParams = params(request)?;
                let at = &p.text_document_position;
                json(
                    found_at(&at.text_document.uri, at.position)
                        .map(|f| features::references(analysis, f, p.context.include_declaration)),
                )
            }
            Completion::METHOD => {
                let p: lsp_types::CompletionParams = params(request)?;
                let at = &p.text_document_position;
                json(
                    locate(analysis, &at.text_document.uri, at.position)
                        .map(|(file, offset)| completion::complete(analysis, file, offset)),
                )
            }
            DocumentSymbolRequest::METHOD => {
                let p: lsp_types::DocumentSymbolParams = params(request)?;
                json(analysis.file_of(&p.text_document.uri).map(|file| {
                    DocumentSymbolResponse::Nested(features::document_symbols(analysis, file))
                }))
            }
            Formatting::METHOD => {
                let p: lsp_types::DocumentFormattingParams = params(request)?;
                json(
                    analysis
                        .file_of(&p.text_document.uri)
                        .map(|file| features::formatting(analysis, file)),
                )
            }
            CodeActionRequest::METHOD => {
                let p: lsp_types::CodeActionParams = params(request)?;
                let uri = &p.text_document.uri;
                json(
                    analysis
                        .file_of(uri)
                        .map(|file| features::quick_fixes(analysis, uri, file, p.range)),
                )
            }
            method => Err(Failure {
                code: ErrorCode::MethodNotFound,
                message: format!("privet does not answer `{method}`"),
            }),
        }
    }

    fn notification(&mut self, mut notification: Notification) {
        let result = catch_unwind(AssertUnwindSafe(|| self.notified(&mut notification)));
        match result {
            Ok(Ok(())) => {}
            Ok(Err(problem)) => eprintln!("privet lsp: `{}`: {problem}", notification.method),
            Err(_) => eprintln!(
                "privet lsp: failed on `{}`: this is a bug in privet",
                notification.method
            ),
        }
    }

    fn notified(&mut self, notification: &mut Notification) -> Result<(), String> {
        /// The parameters, moved out (a change carries the whole text).
        fn take<P: serde::de::DeserializeOwned>(n: &mut Notification) -> Result<P, String> {
            serde_json::from_value(std::mem::take(&mut n.params))
                .map_err(|e| format!("invalid parameters: {e}"))
        }
        match notification.method.as_str() {
            "initialized" if self.watch => watch_files(self.connection),
            DidOpenTextDocument::METHOD => {
                let p: lsp_types::DidOpenTextDocumentParams = take(notification)?;
                let document = p.text_document;
                self.workspace
                    .open(document.uri, document.version, document.text);
            }
            DidChangeTextDocument::METHOD => {
                let p: lsp_types::DidChangeTextDocumentParams = take(notification)?;
                // Full sync: the last change holds the whole text.
                let Some(change) = p.content_changes.into_iter().last() else {
                    return Err("no content in the change".to_string());
                };
                if change.range.is_some() {
                    return Err("a ranged change, but the server asked for full text".to_string());
                }
                let document = p.text_document;
                self.workspace
                    .change(document.uri, document.version, change.text);
            }
            DidCloseTextDocument::METHOD => {
                let p: lsp_types::DidCloseTextDocumentParams = take(notification)?;
                self.workspace.close(&p.text_document.uri);
            }
            DidSaveTextDocument::METHOD => {
                let p: lsp_types::DidSaveTextDocumentParams = take(notification)?;
                if let Key::Path(path) = Key::of(&p.text_document.uri) {
                    self.workspace.read_disk(&path);
                }
            }
            DidChangeWatchedFiles::METHOD => {
                let p: lsp_types::DidChangeWatchedFilesParams = take(notification)?;
                for change in p.changes {
                    let Key::Path(path) = Key::of(&change.uri) else {
                        continue;
                    };
                    if !self.workspace.in_roots(&path) {
                        continue;
                    }
                    if path
                        .file_name()
                        .is_some_and(|name| name == workspace::PROGRAM_MARKER)
                    {
                        // The programs' bounds moved: sort the files again.
                        self.workspace.markers_changed();
                        continue;
                    }
                    if change.typ == FileChangeType::DELETED
                        || path.extension().is_some_and(|e| e == "privet")
                    {
                        self.workspace.read_disk(&path);
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }
}
