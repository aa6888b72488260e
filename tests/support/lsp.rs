//! An in-process language client for the tests: the server runs on a thread
//! behind `lsp_server::Connection::memory()`.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use lsp_server::{Connection, Message, Notification, Request, RequestId, Response};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::thread::JoinHandle;
use std::time::Duration;

pub const WAIT: Duration = Duration::from_secs(60);

pub struct Client {
    connection: Connection,
    server: Option<JoinHandle<Result<bool, String>>>,
    next_id: i32,
    /// Notifications received while waiting for something else.
    pub notifications: VecDeque<Notification>,
    /// Requests the server sent to the client.
    pub requests: VecDeque<Request>,
    pub initialize_result: Value,
}

impl Client {
    /// Starts a server and initializes it, with the given workspace folder
    /// URI (or none).
    pub fn start(root_uri: Option<&str>) -> Client {
        Client::start_with(root_uri, json!({}))
    }

    /// Starts a server and initializes it with the given client
    /// capabilities.
    pub fn start_with(root_uri: Option<&str>, capabilities: Value) -> Client {
        let (server_end, client_end) = Connection::memory();
        let server = std::thread::spawn(move || privet::lsp::serve(&server_end));
        let mut client = Client {
            connection: client_end,
            server: Some(server),
            next_id: 0,
            notifications: VecDeque::new(),
            requests: VecDeque::new(),
            initialize_result: Value::Null,
        };
        let folders = root_uri.map(|uri| json!([{ "uri": uri, "name": "workspace" }]));
        client.initialize_result = client.request(
            "initialize",
            json!({ "capabilities": capabilities, "workspaceFolders": folders }),
        );
        client.notify("initialized", json!({}));
        client
    }

    pub fn notify(&self, method: &str, params: Value) {
        self.connection
            .sender
            .send(Notification::new(method.to_string(), params).into())
            .unwrap();
    }

    /// Sends a request and returns its whole response (result or error).
    pub fn request_raw(&mut self, method: &str, params: Value) -> Response {
        self.next_id += 1;
        let id = RequestId::from(self.next_id);
        self.connection
            .sender
            .send(Request::new(id.clone(), method.to_string(), params).into())
            .unwrap();
        loop {
            match self
                .connection
                .receiver
                .recv_timeout(WAIT)
                .expect("no response")
            {
                Message::Response(response) if response.id == id => return response,
                Message::Notification(notification) => self.notifications.push_back(notification),
                Message::Request(request) => self.requests.push_back(request),
                other => panic!("unexpected message {other:?}"),
            }
        }
    }

    /// Sends a request and returns its result; panics on an error.
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let response = self.request_raw(method, params);
        match response.response_result {
            Ok(value) => value,
            Err(error) => panic!("`{method}` failed: {error:?}"),
        }
    }

    /// The next publication of diagnostics for a URI (skipping those for
    /// other files, which stay queued).
    pub fn diagnostics_for(&mut self, uri: &str) -> Value {
        if let Some(index) = self
            .notifications
            .iter()
            .position(|n| n.method == "textDocument/publishDiagnostics" && n.params["uri"] == uri)
        {
            return self.notifications.remove(index).unwrap().params;
        }
        loop {
            match self
                .connection
                .receiver
                .recv_timeout(WAIT)
                .expect("no diagnostics")
            {
                Message::Notification(n)
                    if n.method == "textDocument/publishDiagnostics" && n.params["uri"] == uri =>
                {
                    return n.params;
                }
                Message::Notification(n) => self.notifications.push_back(n),
                other => panic!("unexpected message {other:?}"),
            }
        }
    }

    /// Every publication waiting now (after a round trip, so the server has
    /// handled everything sent before).
    pub fn drain_publications(&mut self) -> Vec<Value> {
        let _ = self.request_raw("privet/ping", Value::Null);
        self.notifications
            .drain(..)
            .filter(|n| n.method == "textDocument/publishDiagnostics")
            .map(|n| n.params)
            .collect()
    }

    pub fn open(&self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "privet", "version": 1, "text": text } }),
        );
    }

    pub fn change(&self, uri: &str, version: i32, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": uri, "version": version },
                "contentChanges": [{ "text": text }]
            }),
        );
    }

    /// `shutdown`, then `exit`; returns what the server returned.
    pub fn shutdown(mut self) -> Result<bool, String> {
        let result = self.request("shutdown", Value::Null);
        assert_eq!(result, Value::Null);
        self.notify("exit", Value::Null);
        self.server.take().unwrap().join().unwrap()
    }
}

/// A position parameter.
pub fn at(uri: &str, line: u32, character: u32) -> Value {
    json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": character } })
}
