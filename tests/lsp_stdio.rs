//! The real `privet lsp` binary over standard input and output, with the
//! protocol's `Content-Length` framing: initialize, open a clean file, break
//! it, fix it, shut down and exit with code 0.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(60);
const URI: &str = "file:///project/policy.privet";

const CLEAN: &str = "category user.email \"e-mail\"\npurpose mail \"mailing\"\n\nallow collect, use of user for mail\n";
const BROKEN: &str = "category user.email \"e-mail\"\npurpose mail \"mailing\"\n\nallow collect, use of user for mail\ncategroy user.phone\n";

fn send(stdin: &mut ChildStdin, message: &Value) {
    let body = message.to_string();
    write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
    stdin.flush().unwrap();
}

/// Reads framed messages from the server's standard output into a channel.
fn reader(stdout: impl Read + Send + 'static) -> Receiver<Value> {
    let (sender, receiver) = channel();
    std::thread::spawn(move || {
        let mut stdout = BufReader::new(stdout);
        loop {
            let mut length = None;
            loop {
                let mut line = String::new();
                if stdout.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                if let Some(value) = line.strip_prefix("Content-Length: ") {
                    length = Some(value.parse::<usize>().unwrap());
                }
            }
            let mut body = vec![0; length.expect("a Content-Length header")];
            stdout.read_exact(&mut body).unwrap();
            if sender.send(serde_json::from_slice(&body).unwrap()).is_err() {
                return;
            }
        }
    });
    receiver
}

/// The next message that satisfies `wanted`.
fn next(messages: &Receiver<Value>, wanted: impl Fn(&Value) -> bool) -> Value {
    loop {
        let message = messages.recv_timeout(WAIT).expect("the server went quiet");
        if wanted(&message) {
            return message;
        }
    }
}

fn diagnostics(messages: &Receiver<Value>) -> Vec<Value> {
    let published = next(messages, |m| {
        m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == URI
    });
    published["params"]["diagnostics"]
        .as_array()
        .unwrap()
        .clone()
}

/// `privet lsp` started and sent `initialize`: the process, its input, the
/// messages it sends, and its answer to `initialize`.
fn started() -> (Child, ChildStdin, Receiver<Value>, Value) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_privet"))
        .arg("lsp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let messages = reader(child.stdout.take().unwrap());
    send(
        &mut stdin,
        &json!({ "jsonrpc": "2.0", "id": 1, "method": "initialize", "params": { "capabilities": {} } }),
    );
    let initialized = next(&messages, |m| m["id"] == 1);
    (child, stdin, messages, initialized)
}

#[test]
fn the_binary_speaks_the_protocol_over_stdio() {
    let (mut child, mut stdin, messages, initialized) = started();
    assert_eq!(initialized["result"]["serverInfo"]["name"], "privet");
    send(
        &mut stdin,
        &json!({ "jsonrpc": "2.0", "method": "initialized", "params": {} }),
    );

    // A frame that is not JSON: answered with a parse error, and ignored.
    write!(stdin, "Content-Length: 9\r\n\r\n{{not json").unwrap();
    stdin.flush().unwrap();
    let parse_error = next(&messages, |m| m.get("error").is_some());
    assert_eq!(parse_error["error"]["code"], -32700);

    // Open a clean file: no errors.
    send(
        &mut stdin,
        &json!({ "jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
        "textDocument": { "uri": URI, "languageId": "privet", "version": 1, "text": CLEAN } } }),
    );
    let clean = diagnostics(&messages);
    assert!(
        clean.iter().all(|d| d["severity"] != 1),
        "errors in the clean file: {clean:?}"
    );

    // Break it: the syntax error is on the fifth line (line 4, 0-based).
    send(
        &mut stdin,
        &json!({ "jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
        "textDocument": { "uri": URI, "version": 2 }, "contentChanges": [{ "text": BROKEN }] } }),
    );
    let broken = diagnostics(&messages);
    let errors: Vec<&Value> = broken.iter().filter(|d| d["severity"] == 1).collect();
    assert_eq!(errors.len(), 1, "{broken:?}");
    assert_eq!(errors[0]["code"], "syntax-error");
    assert_eq!(errors[0]["range"]["start"]["line"], 4);

    // Fix it: cleared.
    send(
        &mut stdin,
        &json!({ "jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
        "textDocument": { "uri": URI, "version": 3 }, "contentChanges": [{ "text": CLEAN } ] } }),
    );
    let fixed = diagnostics(&messages);
    assert!(fixed.iter().all(|d| d["severity"] != 1), "{fixed:?}");

    // Shut down and exit: exit code 0.
    send(
        &mut stdin,
        &json!({ "jsonrpc": "2.0", "id": 2, "method": "shutdown" }),
    );
    let shutdown = next(&messages, |m| m["id"] == 2);
    assert_eq!(shutdown["result"], Value::Null);
    send(&mut stdin, &json!({ "jsonrpc": "2.0", "method": "exit" }));
    let status = wait(&mut child);
    assert_eq!(status.code(), Some(0));
}

#[test]
fn the_binary_keeps_answering_after_malformed_framing() {
    let (mut child, mut stdin, messages, _) = started();
    let stderr = child.stderr.take().unwrap();

    // A header line that is not UTF-8 (it used to end the reader thread,
    // and every later request went unanswered), a header line without a
    // colon, an invalid and a missing Content-Length, a header line far
    // over the limit, and garbage glued in front of the next header.
    let garbage: &[&[u8]] = &[
        b"Content-Length: \xff\xfe\r\n\r\n",
        b"\xc3\x28\r\n\r\n",
        b"no colon here\r\n\r\n",
        b"Content-Length: many\r\n\r\n{}",
        b"Content-Type: x\r\n\r\n{\"jsonrpc\": \"2.0\", \"id\": 9, \"method\": \"shutdown\"}",
        &[b'x'; 100_000],
        b"\r\n\x80\x81 junk ",
    ];
    for bytes in garbage {
        stdin.write_all(bytes).unwrap();
    }
    stdin.flush().unwrap();

    // A request after the garbage is answered.
    send(
        &mut stdin,
        &json!({ "jsonrpc": "2.0", "id": 2, "method": "textDocument/documentSymbol",
                 "params": { "textDocument": { "uri": URI } } }),
    );
    let answer = next(&messages, |m| m.get("id").is_some());
    assert_eq!(answer["id"], 2, "{answer}");
    assert_eq!(answer["result"], Value::Null, "{answer}");

    send(
        &mut stdin,
        &json!({ "jsonrpc": "2.0", "id": 3, "method": "shutdown" }),
    );
    let shutdown = next(&messages, |m| m.get("id").is_some());
    assert_eq!(shutdown["id"], 3, "{shutdown}");
    send(&mut stdin, &json!({ "jsonrpc": "2.0", "method": "exit" }));
    assert_eq!(wait(&mut child).code(), Some(0));
    let mut log = String::new();
    BufReader::new(stderr).read_to_string(&mut log).unwrap();
    assert!(
        log.contains("privet lsp: ignored malformed framing (a header line that is not UTF-8"),
        "{log}"
    );
}

/// Waits for the process, killing it after a while rather than hanging.
fn wait(child: &mut std::process::Child) -> std::process::ExitStatus {
    let start = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > WAIT {
            let _ = child.kill();
            panic!("the server did not exit");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
