//! The protocol's framing over standard input and output: a `Content-Length`
//! header, a blank line, and a JSON-RPC message.
//!
//! `lsp-server` has a stdio transport, but it stops reading at the first
//! message that is not valid JSON-RPC, and at the first header line that is
//! not UTF-8. This one logs such input on standard error, answers a body
//! that is not JSON-RPC with a JSON-RPC error, and reads on. Messages pass to
//! the server through an in-memory [`Connection`].
//!
//! Whatever the input, reading costs memory bounded by these limits and time
//! linear in the input:
//!
//! - a header line holds at most [`MAX_HEADER_LINE`] bytes; a longer one is
//!   read through to its line break in buffer-sized pieces and dropped (a
//!   line that never ends is read and dropped until the input ends);
//! - a message has at most [`MAX_HEADERS`] header lines;
//! - a body holds at most [`MAX_BODY`] bytes. A longer one whose
//!   `Content-Length` is valid is read and discarded, exactly that many
//!   bytes in bounded pieces: the framing is intact, so the message after it
//!   is read as usual (resynchronising instead would take a `Content-Length`
//!   written inside the big body, a document about the protocol say, for a
//!   header).
//!
//! Any other malformed framing (a header line that is not UTF-8, is too long
//! or is not `Name: value`, a missing, invalid or repeated `Content-Length`,
//! too many header lines) drops the message: the reader logs it and
//! resynchronises, skipping lines until one holding `Content-Length:` (in any
//! case), and reads the next message from there, so garbage glued in front
//! of a header line costs the garbage alone.

use lsp_server::{Connection, Message};
use std::io::{BufRead, ErrorKind, Read, Write};
use std::thread::JoinHandle;

/// The longest header line read, in bytes without its line break.
pub const MAX_HEADER_LINE: usize = 8 * 1024;

/// The most header lines one message may have (the protocol defines two).
pub const MAX_HEADERS: usize = 32;

/// The largest message body read, in bytes: 256 MiB, far above any
/// document the server can check interactively (a 10 MB program takes a
/// second and a third of a gigabyte to check; see `docs/performance.md`).
pub const MAX_BODY: u64 = 256 * 1024 * 1024;

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

/// The bounds of [`read_frame_within`].
#[derive(Clone, Copy, Debug)]
struct Limits {
    line: usize,
    headers: usize,
    body: u64,
}

const LIMITS: Limits = Limits {
    line: MAX_HEADER_LINE,
    headers: MAX_HEADERS,
    body: MAX_BODY,
};

/// The header that says how long the body is, lowercase: what
/// resynchronising looks for.
const CONTENT_LENGTH: &[u8] = b"content-length:";

/// Reads one framed message body; `None` at the end of the input. Malformed
/// framing is logged and skipped (see the module's comment); only a failure
/// to read is an error.
pub fn read_frame(input: &mut impl BufRead) -> std::io::Result<Option<Vec<u8>>> {
    read_frame_within(input, LIMITS)
}

fn read_frame_within(input: &mut impl BufRead, limits: Limits) -> std::io::Result<Option<Vec<u8>>> {
    // The first line of the next header block, when resynchronising found
    // it inside a line already read.
    let mut first: Option<Vec<u8>> = None;
    loop {
        match read_headers(input, first.take(), limits)? {
            Headers::End => return Ok(None),
            Headers::Length(length) if length <= limits.body => {
                let mut body = Vec::with_capacity(length.min(64 * 1024) as usize);
                input.take(length).read_to_end(&mut body)?;
                if (body.len() as u64) < length {
                    return Ok(None);
                }
                return Ok(Some(body));
            }
            Headers::Length(length) => {
                eprintln!(
                    "privet lsp: ignored a message of {length} bytes; the limit is {} bytes",
                    limits.body
                );
                let skipped = std::io::copy(&mut input.take(length), &mut std::io::sink())?;
                if skipped < length {
                    return Ok(None);
                }
            }
            Headers::Malformed { why, line } => {
                eprintln!(
                    "privet lsp: ignored malformed framing ({why}); skipping to the next `Content-Length` header"
                );
                match resynchronise(input, line, limits)? {
                    Some(line) => first = Some(line),
                    None => return Ok(None),
                }
            }
        }
    }
}

/// What a header block says.
enum Headers {
    /// The input ended.
    End,
    /// A well-formed block with its body's length.
    Length(u64),
    /// A block to drop: why, and the offending line when it was kept.
    Malformed { why: String, line: Option<Vec<u8>> },
}

/// Reads a header block through its blank line, starting with `first` when
/// given. Blank lines before it are skipped.
fn read_headers(
    input: &mut impl BufRead,
    mut first: Option<Vec<u8>>,
    limits: Limits,
) -> std::io::Result<Headers> {
    let mut length: Option<u64> = None;
    let mut count = 0usize;
    loop {
        let line = match first.take() {
            Some(line) => Line::Text(line),
            None => match read_line(input, limits.line)? {
                Some(line) => line,
                None => return Ok(Headers::End),
            },
        };
        let line = match line {
            Line::Text(line) => line,
            Line::TooLong => {
                return Ok(Headers::Malformed {
                    why: format!("a header line over {} bytes", limits.line),
                    line: None,
                });
            }
        };
        if line.is_empty() {
            if count == 0 {
                continue;
            }
            return Ok(match length {
                Some(length) => Headers::Length(length),
                None => Headers::Malformed {
                    why: "a message without a `Content-Length` header".to_string(),
                    line: None,
                },
            });
        }
        count += 1;
        if count > limits.headers {
            return Ok(Headers::Malformed {
                why: format!("more than {} header lines", limits.headers),
                line: Some(line),
            });
        }
        match header(&line) {
            Ok(None) => {}
            Ok(Some(value)) if length.is_some_and(|known| known != value) => {
                return Ok(Headers::Malformed {
                    why: "two different `Content-Length` headers".to_string(),
                    line: Some(line),
                });
            }
            Ok(Some(value)) => length = Some(value),
            Err(why) => {
                return Ok(Headers::Malformed {
                    why,
                    line: Some(line),
                });
            }
        }
    }
}

/// The value of a `Content-Length` header line, `None` for another header,
/// or why the line is not a header.
fn header(line: &[u8]) -> Result<Option<u64>, String> {
    let shown = || {
        let text = String::from_utf8_lossy(line);
        let short: String = text.chars().take(60).collect();
        format!(
            "{short:?}{}",
            if short.len() < text.len() { "…" } else { "" }
        )
    };
    let Ok(text) = std::str::from_utf8(line) else {
        return Err(format!("a header line that is not UTF-8: {}", shown()));
    };
    let Some((name, value)) = text.split_once(':') else {
        return Err(format!("a header line without `:`: {}", shown()));
    };
    let name = name.trim();
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if name.is_empty() || !name.chars().all(token) {
        return Err(format!("a header line without a header name: {}", shown()));
    }
    if !name.eq_ignore_ascii_case("content-length") {
        return Ok(None);
    }
    match value.trim().parse::<u64>() {
        Ok(length) => Ok(Some(length)),
        Err(_) => Err(format!("an invalid `Content-Length`: {}", shown())),
    }
}

/// Skips input until a line holding `Content-Length:` and gives that line
/// from the header on; `None` at the end of the input. The offending line
/// is searched first, after its first byte (a malformed line that starts
/// with the header must not be found again).
fn resynchronise(
    input: &mut impl BufRead,
    offending: Option<Vec<u8>>,
    limits: Limits,
) -> std::io::Result<Option<Vec<u8>>> {
    if let Some(line) = offending
        && let Some(found) = line.get(1..).and_then(content_length_at)
    {
        return Ok(line.get(found + 1..).map(<[u8]>::to_vec));
    }
    loop {
        match read_line(input, limits.line)? {
            None => return Ok(None),
            Some(Line::TooLong) => {}
            Some(Line::Text(line)) => {
                if let Some(found) = content_length_at(&line) {
                    return Ok(line.get(found..).map(<[u8]>::to_vec));
                }
            }
        }
    }
}

/// Where `Content-Length:` (in any case) starts in a line.
fn content_length_at(line: &[u8]) -> Option<usize> {
    line.windows(CONTENT_LENGTH.len())
        .position(|window| window.eq_ignore_ascii_case(CONTENT_LENGTH))
}

/// One line of input.
enum Line {
    /// Its bytes, without the line break (`\n`, and a `\r` before it).
    Text(Vec<u8>),
    /// A line longer than the limit: read through its line break, not kept.
    TooLong,
}

/// Reads a line of at most `limit` bytes (a longer one is consumed to its
/// line break in buffer-sized pieces); `None` when the input ends first.
fn read_line(input: &mut impl BufRead, limit: usize) -> std::io::Result<Option<Line>> {
    let mut line = Vec::new();
    let mut too_long = false;
    loop {
        let available = match input.fill_buf() {
            Ok(available) => available,
            Err(error) if error.kind() == ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        if available.is_empty() {
            return Ok(None);
        }
        let end = available.iter().position(|byte| *byte == b'\n');
        let piece = available
            .get(..end.unwrap_or(available.len()))
            .unwrap_or(available);
        // One byte more than the limit: room for the `\r` of a CRLF.
        if !too_long && line.len() + piece.len() <= limit + 1 {
            line.extend_from_slice(piece);
        } else if !too_long {
            too_long = true;
            line = Vec::new();
        }
        let used = piece.len() + usize::from(end.is_some());
        input.consume(used);
        if end.is_some() {
            break;
        }
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    if too_long || line.len() > limit {
        return Ok(Some(Line::TooLong));
    }
    Ok(Some(Line::Text(line)))
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

    /// Every body `read_frame_within` finds in the input, in order.
    fn frames(input: &[u8], limits: Limits) -> Vec<Vec<u8>> {
        let mut reader = input;
        let mut found = Vec::new();
        while let Some(body) = read_frame_within(&mut reader, limits).unwrap() {
            found.push(body);
        }
        found
    }

    fn frames_of(input: &[u8]) -> Vec<Vec<u8>> {
        frames(input, LIMITS)
    }

    const NEXT: &[u8] = b"Content-Length: 2\r\n\r\n{}";

    #[test]
    fn a_header_line_that_is_not_utf8_is_skipped() {
        // It used to end the reader: `read_line` into a `String` fails.
        let input = [&b"Content-Length: \xff\xfe2\r\n\r\n[]"[..], NEXT].concat();
        assert_eq!(frames_of(&input), vec![b"{}".to_vec()]);
        let input = [&b"\xc3\x28 garbage\r\n"[..], NEXT].concat();
        assert_eq!(frames_of(&input), vec![b"{}".to_vec()]);
    }

    #[test]
    fn garbage_glued_before_a_header_is_dropped_alone() {
        let input = [&b"junk\xff{\"id\":1}"[..], NEXT, NEXT].concat();
        assert_eq!(frames_of(&input), vec![b"{}".to_vec(), b"{}".to_vec()]);
        // The case of the header does not matter.
        assert_eq!(
            frames_of(b"x: \x80 CONTENT-LENGTH: 2\r\n\r\n{}"),
            vec![b"{}".to_vec()]
        );
    }

    #[test]
    fn a_missing_invalid_or_repeated_length_drops_the_message() {
        let cases: [&[u8]; 5] = [
            b"Content-Type: x\r\n\r\n{\"a\": 1}",
            b"Content-Length: two\r\n\r\n{}",
            b"Content-Length: -2\r\n\r\n{}",
            b"Content-Length: 99999999999999999999999\r\n\r\n{}",
            b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
        ];
        for case in cases {
            let input = [case, NEXT].concat();
            assert_eq!(
                frames_of(&input),
                vec![b"{}".to_vec()],
                "{}",
                String::from_utf8_lossy(case)
            );
        }
        // The same length twice is one length.
        assert_eq!(
            frames_of(b"Content-Length: 2\r\ncontent-length: 2\r\n\r\n{}"),
            vec![b"{}".to_vec()]
        );
    }

    #[test]
    fn an_endless_header_line_is_read_in_bounded_pieces() {
        let long = vec![b'x'; 10 * MAX_HEADER_LINE];
        // Ended by a line break: dropped, and the next message is read.
        let input = [&long[..], b"\r\n", NEXT].concat();
        assert_eq!(frames_of(&input), vec![b"{}".to_vec()]);
        // A header line that never ends: nothing, and no error.
        let input = [&b"Content-Length: 2\r\nX-Long: "[..], &long].concat();
        assert_eq!(frames_of(&input), Vec::<Vec<u8>>::new());
        // A line over the limit by one byte is too long; at the limit it is
        // read.
        let limits = Limits { line: 17, ..LIMITS };
        assert_eq!(frames(NEXT, limits), vec![b"{}".to_vec()]);
        let limits = Limits { line: 16, ..LIMITS };
        assert_eq!(frames(NEXT, limits), Vec::<Vec<u8>>::new());
    }

    #[test]
    fn endless_headers_are_bounded() {
        let many = b"X-Header: value\r\n".repeat(MAX_HEADERS + 1);
        let input = [&many[..], b"\r\ngarbage", NEXT].concat();
        assert_eq!(frames_of(&input), vec![b"{}".to_vec()]);
        // Headers that never end: read to the end of the input, nothing
        // found.
        let endless = b"X-Header: value\r\n".repeat(100_000);
        assert_eq!(frames_of(&endless), Vec::<Vec<u8>>::new());
        // At the limit, the message is read.
        let most = b"X-Header: value\r\n".repeat(MAX_HEADERS - 1);
        let input = [&most[..], NEXT].concat();
        assert_eq!(frames_of(&input), vec![b"{}".to_vec()]);
    }

    #[test]
    fn a_body_over_the_limit_is_skipped_exactly() {
        let limits = Limits { body: 8, ..LIMITS };
        // The big body holds a header of its own: skipped with the rest.
        let big = b"Content-Length: 22\r\n\r\nContent-Length: 1\r\n\r\nX";
        let input = [&big[..], NEXT].concat();
        assert_eq!(frames(&input, limits), vec![b"{}".to_vec()]);
        // At the limit, the body is read.
        let input = b"Content-Length: 8\r\n\r\n[1,2,34]";
        assert_eq!(frames(input, limits), vec![b"[1,2,34]".to_vec()]);
        // Cut short: the end.
        assert_eq!(
            frames(b"Content-Length: 9999\r\n\r\nabc", limits),
            Vec::<Vec<u8>>::new()
        );
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
