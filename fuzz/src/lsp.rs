//! Target `lsp`: the language server over an in-memory connection.
//!
//! The input picks a sequence of messages: documents opened, changed
//! (whole text, and ranged changes the server must refuse), closed and
//! saved; hover, completion, definition, references, symbols, formatting
//! and code actions at positions in range, past the end of a line or of the
//! document, and inside UTF-16 surrogate pairs; requests with parameters of
//! the wrong shape. The texts are edits of small programs, with characters
//! outside the Basic Multilingual Plane, CRLF line ends and broken items.
//! The whole sequence, then `shutdown` and `exit`, is queued before the
//! server runs on this thread, so a run is deterministic.
//!
//! Properties: the server exits cleanly; every request gets exactly one
//! response and none is an internal error; every range it sends (published
//! diagnostics, hover, definition and references, completion and
//! formatting edits) lies inside the text it is about, on UTF-16 character
//! boundaries; formatting edits applied to the document give what
//! `privet::format` gives.

use super::text::Bytes;
use lsp_server::{Connection, Message, Notification, Request, RequestId};
use serde_json::{Value, json};
use std::collections::BTreeMap;

const URIS: [&str; 3] = [
    "untitled:one.privet",
    "file:///privet-fuzz-nonexistent/two.privet",
    "file:///privet-fuzz-nonexistent/sub%20dir/thr%C3%A9e.privet",
];

const SEEDS: [&str; 4] = [
    "",
    "category user.email \"e-mail 𝄞\" identifier\npurpose mail \"mailing\"\n\nallow collect, use of user for mail\n",
    "/// A shop 𝄞.\r\nsubject shopper \"a customer\"\r\nsystem shop \"the web shop\"\r\nflow shopper -> shop carries user for mail\r\n",
    "policy p \"P\" updated 2024-01-01\ncategory a \"a\"\ncategory a.b \"𝄞𝄞\" sensitive\nstore s \"s\" backed by postgres table \"t\" timestamp \"c\"\n    retain a for 3 years\ndeny share of a.b\n    cite \"1(1)\"\n",
];

const FRAGMENTS: &[&str] = &[
    "category ",
    "purpose ",
    "allow ",
    "deny ",
    "restrict ",
    "flow ",
    "store ",
    "system ",
    "subject ",
    "vendor ",
    " is processor",
    "collect",
    "use",
    "share",
    ", ",
    " of ",
    " for ",
    " to ",
    " carries ",
    " -> ",
    "user",
    "user.email",
    "mail",
    "a.b",
    " \"label 𝄞\"",
    "\"",
    "\n",
    "\r\n",
    "\r",
    "𝄞",
    "é",
    "\t",
    "    ",
    "/// doc\n",
    "// c 𝄞\n",
    " cite \"1\"",
    " sensitive",
    " identifier",
    "retain ",
    " for 3 years",
    "backed by ",
    "catgory ",
    "{",
    "\u{0}",
];

/// The document texts and versions the client has sent.
#[derive(Default)]
struct Documents {
    /// The current text of each open document, by URI index.
    open: BTreeMap<usize, String>,
    /// Every text sent, by URI and version.
    versions: BTreeMap<(String, i64), String>,
    version: i64,
}

impl Documents {
    /// Records a whole text sent for a document; its new version.
    fn sent(&mut self, which: usize, text: &str) -> i64 {
        self.version += 1;
        self.versions
            .insert((URIS[which].to_string(), self.version), text.to_string());
        self.open.insert(which, text.to_string());
        self.version
    }
}

/// What a request was, to judge its response.
enum Asked {
    /// A question about a place in a document: its URI, and the text of
    /// every open document when it was asked.
    At(String, BTreeMap<String, String>),
    /// Formatting of a document with this text (if open).
    Formatting(Option<String>),
    Other,
}

pub fn lsp(data: &[u8]) {
    let mut bytes = Bytes::new(data);
    let (server, client) = Connection::memory();
    let mut asked: BTreeMap<i32, (String, Asked)> = BTreeMap::new();
    let mut next_id = 0;
    let mut request = |method: &str, params: Value, what: Asked| {
        next_id += 1;
        asked.insert(next_id, (method.to_string(), what));
        let message = Request::new(RequestId::from(next_id), method.to_string(), params);
        client
            .sender
            .send(message.into())
            .expect("the server's end is here");
    };
    let notify = |method: &str, params: Value| {
        let message = Notification::new(method.to_string(), params);
        client
            .sender
            .send(message.into())
            .expect("the server's end is here");
    };
    request("initialize", json!({ "capabilities": {} }), Asked::Other);
    notify("initialized", json!({}));

    let mut documents = Documents::default();
    for _ in 0..1 + bytes.below(24) {
        let which = bytes.below(URIS.len());
        let uri = URIS[which];
        let current = documents.open.get(&which).cloned();
        let document = json!({ "uri": uri });
        match bytes.below(14) {
            0 | 1 => {
                let text = edited(&mut bytes, current.as_deref());
                let version = documents.sent(which, &text);
                notify(
                    "textDocument/didOpen",
                    json!({ "textDocument": {
                        "uri": uri, "languageId": "privet", "version": version, "text": text } }),
                );
            }
            2 | 3 => {
                // The server asked for whole texts: a change to a document
                // it does not know is taken as the document, like an open.
                let text = edited(&mut bytes, current.as_deref());
                let version = documents.sent(which, &text);
                notify(
                    "textDocument/didChange",
                    json!({ "textDocument": { "uri": uri, "version": version },
                            "contentChanges": [{ "text": text }] }),
                );
            }
            4 => {
                // A ranged change: refused (logged), the text stays.
                let range = range(&mut bytes, current.as_deref());
                documents.version += 1;
                notify(
                    "textDocument/didChange",
                    json!({ "textDocument": { "uri": uri, "version": documents.version },
                            "contentChanges": [{ "range": range, "text": "x𝄞" }] }),
                );
            }
            5 => {
                documents.open.remove(&which);
                notify("textDocument/didClose", json!({ "textDocument": document }));
            }
            6 => notify("textDocument/didSave", json!({ "textDocument": document })),
            7..=11 => {
                let method = *bytes.pick(&[
                    "textDocument/hover",
                    "textDocument/completion",
                    "textDocument/definition",
                    "textDocument/references",
                    "textDocument/codeAction",
                ]);
                let position = position(&mut bytes, current.as_deref());
                let mut params = json!({ "textDocument": document, "position": position,
                    "context": { "includeDeclaration": bytes.chance(50), "diagnostics": [] } });
                if method == "textDocument/codeAction" {
                    params["range"] = range(&mut bytes, current.as_deref());
                }
                let open = documents
                    .open
                    .iter()
                    .map(|(index, text)| (URIS[*index].to_string(), text.clone()))
                    .collect();
                request(method, params, Asked::At(uri.to_string(), open));
            }
            12 => {
                let method =
                    *bytes.pick(&["textDocument/formatting", "textDocument/documentSymbol"]);
                let params = json!({ "textDocument": document,
                    "options": { "tabSize": 4, "insertSpaces": true } });
                let what = if method == "textDocument/formatting" {
                    Asked::Formatting(current)
                } else {
                    Asked::Other
                };
                request(method, params, what);
            }
            _ => {
                // Parameters of the wrong shape, or an unknown method.
                let method = *bytes.pick(&[
                    "textDocument/hover",
                    "textDocument/didOpen",
                    "textDocument/didChange",
                    "workspace/didChangeWatchedFiles",
                    "privet/unknown",
                ]);
                let params = bytes.pick(&[
                    json!(null),
                    json!([]),
                    json!({ "textDocument": { "uri": "not a uri" } }),
                    json!({ "textDocument": document, "position": { "line": -1, "character": 0 } }),
                    json!({ "changes": [{ "uri": URIS[1], "type": 3 }] }),
                ])
                .clone();
                if bytes.chance(50) {
                    request(method, params, Asked::Other);
                } else {
                    notify(method, params);
                }
            }
        }
    }
    request("shutdown", json!(null), Asked::Other);
    notify("exit", json!(null));

    let outcome = privet::lsp::serve(&server);
    assert_eq!(outcome, Ok(true), "the server did not shut down cleanly");
    drop(server);

    let mut answered: BTreeMap<i32, usize> = BTreeMap::new();
    for message in client.receiver.try_iter() {
        match message {
            Message::Response(response) => {
                let id: i32 =
                    response.id.to_string().parse().unwrap_or_else(|_| {
                        panic!("a response to an id never sent: {}", response.id)
                    });
                *answered.entry(id).or_default() += 1;
                let Some((method, what)) = asked.get(&id) else {
                    panic!("a response to an id never sent: {id}");
                };
                match &response.response_result {
                    Err(error) => assert_ne!(
                        error.code, -32603,
                        "an internal error on `{method}`: {}",
                        error.message
                    ),
                    Ok(result) => judge(method, what, result),
                }
            }
            Message::Notification(notification)
                if notification.method == "textDocument/publishDiagnostics" =>
            {
                let params = &notification.params;
                let uri = params["uri"].as_str().unwrap_or_default();
                let Some(version) = params["version"].as_i64() else {
                    continue;
                };
                let Some(text) = documents.versions.get(&(uri.to_string(), version)) else {
                    panic!("diagnostics for a version never sent: {uri} {version}");
                };
                for diagnostic in params["diagnostics"].as_array().into_iter().flatten() {
                    valid_range(&diagnostic["range"], text, "a published diagnostic");
                }
            }
            _ => {}
        }
    }
    for id in asked.keys() {
        assert_eq!(
            answered.get(id).copied().unwrap_or(0),
            1,
            "request {id} (`{}`) was not answered exactly once",
            asked[id].0
        );
    }
}

/// Checks the result of one request.
fn judge(method: &str, what: &Asked, result: &Value) {
    match what {
        Asked::At(uri, open) => {
            if let Some(text) = open.get(uri) {
                if method == "textDocument/hover" && !result["range"].is_null() {
                    valid_range(&result["range"], text, "a hover");
                }
                let items = result
                    .as_array()
                    .or_else(|| result["items"].as_array())
                    .cloned()
                    .unwrap_or_default();
                for item in items.iter().filter(|_| method == "textDocument/completion") {
                    if let Some(range) = item["textEdit"].get("range") {
                        valid_range(range, text, "a completion edit");
                    }
                }
            }
            if matches!(
                method,
                "textDocument/definition" | "textDocument/references"
            ) {
                for location in result.as_array().into_iter().flatten() {
                    let target = location["uri"].as_str().unwrap_or_default();
                    if let Some(text) = open.get(target) {
                        valid_range(&location["range"], text, "a location");
                    }
                }
            }
        }
        Asked::Formatting(Some(text)) => {
            let Some(edits) = result.as_array() else {
                return;
            };
            let mut formatted = text.clone();
            // Apply from the last edit back, so earlier positions hold.
            let mut ranged: Vec<(usize, usize, String)> = edits
                .iter()
                .map(|edit| {
                    valid_range(&edit["range"], text, "a formatting edit");
                    let start = offset(text, &edit["range"]["start"]);
                    let end = offset(text, &edit["range"]["end"]);
                    (
                        start,
                        end,
                        edit["newText"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect();
            ranged.sort_by_key(|edit| std::cmp::Reverse(edit.0));
            for (start, end, new_text) in ranged {
                formatted.replace_range(start..end, &new_text);
            }
            match privet::format::format_text(text) {
                Ok(expected) => assert_eq!(formatted, expected, "formatting edits differ from fmt"),
                Err(_) => assert!(edits.is_empty(), "edits for a file fmt refuses"),
            }
        }
        _ => {}
    }
}

/// A document text: a seed or the current text, edited.
fn edited(bytes: &mut Bytes<'_>, current: Option<&str>) -> String {
    let mut text = match current {
        Some(current) if bytes.chance(70) => current.to_string(),
        _ => bytes.pick(&SEEDS).to_string(),
    };
    for _ in 0..bytes.below(6) {
        let boundaries: Vec<usize> = text
            .char_indices()
            .map(|(index, _)| index)
            .chain(std::iter::once(text.len()))
            .collect();
        let at = *bytes.pick(&boundaries);
        if bytes.chance(30) {
            let end = *bytes.pick(&boundaries);
            let (start, end) = (at.min(end), at.max(end));
            text.replace_range(start..end, "");
        } else if bytes.chance(85) {
            let fragment: &&str = bytes.pick(FRAGMENTS);
            text.insert_str(at, fragment);
        } else {
            let raw = bytes.take(8);
            text.insert_str(at, &String::from_utf8_lossy(raw));
        }
    }
    text
}

/// The lines of a text as the protocol counts them here (split on `\n`),
/// each as its UTF-16 units.
fn lines(text: &str) -> Vec<Vec<u16>> {
    text.split('\n')
        .map(|line| line.encode_utf16().collect())
        .collect()
}

/// A position: in range, past the end of a line or of the text, or inside a
/// surrogate pair.
fn position(bytes: &mut Bytes<'_>, text: Option<&str>) -> Value {
    let lines = lines(text.unwrap_or(""));
    let (line, character) = match bytes.below(5) {
        0 => (u32::MAX, u32::MAX),
        1 => (
            lines.len() as u32 + bytes.below(3) as u32,
            bytes.below(4) as u32,
        ),
        2 => {
            // Inside a surrogate pair, when the text has one.
            let inside: Vec<(usize, usize)> = lines
                .iter()
                .enumerate()
                .flat_map(|(line, units)| {
                    units
                        .iter()
                        .enumerate()
                        .filter(|(_, unit)| (0xd800..0xdc00).contains(*unit))
                        .map(move |(column, _)| (line, column + 1))
                })
                .collect();
            if inside.is_empty() {
                (0, 1)
            } else {
                let (line, column) = *bytes.pick(&inside);
                (line as u32, column as u32)
            }
        }
        _ => {
            let line = bytes.below(lines.len());
            let width = lines[line].len();
            (line as u32, bytes.below(width + 3) as u32)
        }
    };
    json!({ "line": line, "character": character })
}

fn range(bytes: &mut Bytes<'_>, text: Option<&str>) -> Value {
    json!({ "start": position(bytes, text), "end": position(bytes, text) })
}

/// A range the server sent lies inside the text, on character boundaries,
/// its start not after its end.
fn valid_range(range: &Value, text: &str, what: &str) {
    let lines = lines(text);
    let point = |position: &Value| -> (u64, u64) {
        let line = position["line"].as_u64();
        let character = position["character"].as_u64();
        let (Some(line), Some(character)) = (line, character) else {
            panic!("{what}: a malformed position {position}");
        };
        let Some(units) = lines.get(line as usize) else {
            panic!(
                "{what}: line {line} of a text of {} lines: {range}\n{text:?}",
                lines.len()
            );
        };
        assert!(
            character as usize <= units.len(),
            "{what}: character {character} of a line of {} units: {range}\n{text:?}",
            units.len()
        );
        let inside_pair = units
            .get(character as usize)
            .is_some_and(|unit| (0xdc00..0xe000).contains(unit));
        assert!(
            !inside_pair,
            "{what}: a position inside a surrogate pair: {range}\n{text:?}"
        );
        (line, character)
    };
    let start = point(&range["start"]);
    let end = point(&range["end"]);
    assert!(
        start <= end,
        "{what}: a range that ends before it starts: {range}"
    );
}

/// The byte offset of a valid position.
fn offset(text: &str, position: &Value) -> usize {
    let line = position["line"].as_u64().unwrap_or(0) as usize;
    let character = position["character"].as_u64().unwrap_or(0) as usize;
    let start: usize = text.split('\n').take(line).map(|l| l.len() + 1).sum();
    let line_text = text[start..].split('\n').next().unwrap_or("");
    let mut units = 0;
    for (index, c) in line_text.char_indices() {
        if units >= character {
            return start + index;
        }
        units += c.len_utf16();
    }
    start + line_text.len()
}
