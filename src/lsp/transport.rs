//! The protocol's framing over standard input and output: a `Content-Length`
//! header, a blank line, and a JSON-RPC message.
//!
//! `lsp-server` has a stdio transport, but it stops reading at the first
//! message that is not valid JSON-RPC. This one logs such a message, answers
//! it with a JSON-RPC error, and reads on. Messages pass to the server
//! through an in-memory [`Connection`].

use lsp_server::{Connection, Message};
use std::io::{BufRead, Read, Write};
use std::thread::JoinHandle;

/// The threads moving messages between the standard streams and the server.
pub struct Transport {
    writer: JoinHandle<()>,
}

impl Transport {
    /// Waits until every message the server sent is written. Call it after
    /// dropping the server's connection. The reader thread is left blocked
    /// on standard input; it ends with the process.
    pub fn finish(self) {
        let _ = self.writer.join();
    }
}

/// The server's end of a connection over standard input and output.
pub fn stdio() -> (Connection, Transport) {
    let (server, client) = Connection::memory();
    let Connection {
        sender: to_server,
        receiver: from_server,
    } = client;
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        let mut input = stdin.lock();
        loop {
            match read_frame(&mut input) {
                Ok(Some(body)) => match parse(&body) {
                    Ok(message) => {
                        if to_server.send(message).is_err() {
                            break;
                        }
                    }
                    Err(reply) => write_raw(&reply),
                },
                Ok(None) => break,
                Err(error) => {
                    eprintln!("privet lsp: cannot read standard input: {error}");
                    break;
                }
            }
        }
    });
    let writer = std::thread::spawn(move || {
        for message in from_server {
            let stdout = std::io::stdout();
            let mut output = stdout.lock();
            if message
                .write(&mut output)
                .and_then(|()| output.flush())
                .is_err()
            {
                break;
            }
        }
    });
    (server, Transport { writer })
}

/// Parses one message, or gives the error reply to write back.
fn parse(body: &[u8]) -> Result<Message, String> {
    match serde_json::from_slice::<Message>(body) {
        Ok(message) => Ok(message),
        Err(error) => {
            let value: Option<serde_json::Value> = serde_json::from_slice(body).ok();
            let (code, what) = match &value {
                None => (-32700, "not JSON"),
                Some(_) => (-32600, "not a JSON-RPC message"),
            };
            eprintln!("privet lsp: ignored a message that is {what}: {error}");
            let id = value
                .as_ref()
                .and_then(|v| v.get("id"))
                .cloned()
                .unwrap_or(serde_json::Value::Null);
            let reply = serde_json::json!({
                "jsonrpc": "2.0",
                "id": id,
                "error": { "code": code, "message": format!("the message is {what}: {error}") },
            });
            Err(reply.to_string())
        }
    }
}

/// Writes a framed message that did not come from the server.
fn write_raw(body: &str) {
    let stdout = std::io::stdout();
    let mut output = stdout.lock();
    let _ = write!(output, "Content-Length: {}\r\n\r\n{body}", body.len());
    let _ = output.flush();
}

/// Reads one framed message body; `None` at the end of the input. A header
/// block without a usable `Content-Length` is logged and skipped.
pub fn read_frame(input: &mut impl BufRead) -> std::io::Result<Option<Vec<u8>>> {
    loop {
        let mut length: Option<u64> = None;
        let mut any_header = false;
        loop {
            let mut line = String::new();
            if input.read_line(&mut line)? == 0 {
                return Ok(None);
            }
            let line = line.trim_end_matches(['\r', '\n']);
            if line.is_empty() {
                if any_header {
                    break;
                }
                continue;
            }
            any_header = true;
            match line.split_once(':') {
                Some((name, value)) if name.trim().eq_ignore_ascii_case("content-length") => {
                    length = value.trim().parse().ok();
                }
                Some(_) => {}
                None => eprintln!("privet lsp: ignored a malformed header line: {line:?}"),
            }
        }
        match length {
            Some(length) => {
                let mut body = Vec::new();
                input.take(length).read_to_end(&mut body)?;
                if (body.len() as u64) < length {
                    return Ok(None);
                }
                return Ok(Some(body));
            }
            None => eprintln!("privet lsp: ignored a message without a valid Content-Length"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_read_and_garbage_is_skipped() {
        let input = b"Content-Length: 2\r\n\r\n{}garbage line\r\n\r\nContent-Length: 3\r\nContent-Type: x\r\n\r\n[1]";
        let mut reader = &input[..];
        assert_eq!(read_frame(&mut reader).unwrap(), Some(b"{}".to_vec()));
        assert_eq!(read_frame(&mut reader).unwrap(), Some(b"[1]".to_vec()));
        assert_eq!(read_frame(&mut reader).unwrap(), None);
        let truncated = b"Content-Length: 10\r\n\r\n{}";
        assert_eq!(read_frame(&mut &truncated[..]).unwrap(), None);
    }

    #[test]
    fn bad_messages_get_error_replies() {
        let reply = parse(b"{not json").unwrap_err();
        assert!(reply.contains("-32700"), "{reply}");
        let reply = parse(br#"{"id": 7, "jsonrpc": "2.0"}"#).unwrap_err();
        assert!(
            reply.contains("\"id\":7") && reply.contains("-32600"),
            "{reply}"
        );
        assert!(parse(br#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#).is_ok());
    }
}
