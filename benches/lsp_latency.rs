//! The language server's latency: from a one-character change of a
//! generated program (10,000 lines, or the sizes in lines given after
//! `--`) to the published diagnostics of the changed file, through the
//! server's real message loop (in process, over
//! `lsp_server::Connection::memory()`). Prints p50 and p95 (the targets:
//! 30 ms at 50,000 lines, 100 ms at 100,000) and where an edit's time goes
//! outside the server. For comparison it also times a full compilation
//! without the parse cache. `-- edits=N LINES` makes N untimed edits only,
//! for callgrind.
//!
//! The program comes from `privet::generate` (seeded). `cargo bench --bench
//! lsp_latency` measures; `cargo test --all-targets` runs it as a smoke
//! test on a small program.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use lsp_server::{Connection, Message, Notification, Request, RequestId};
use serde_json::json;
use std::time::{Duration, Instant};

const URI: &str = "file:///bench/program.privet";

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn report(what: &str, mut times: Vec<Duration>) {
    times.sort();
    println!(
        "{what}: p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms ({} runs)",
        percentile(&times, 0.50).as_secs_f64() * 1000.0,
        percentile(&times, 0.95).as_secs_f64() * 1000.0,
        times.last().unwrap().as_secs_f64() * 1000.0,
        times.len()
    );
}

/// Sends a hover request and waits for its answer.
fn hover(
    client: &Connection,
    id: i32,
    uri: &str,
    line: usize,
    character: usize,
) -> serde_json::Value {
    let id = RequestId::from(id);
    client
        .sender
        .send(
            Request::new(
                id.clone(),
                "textDocument/hover".into(),
                json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": character } }),
            )
            .into(),
        )
        .unwrap();
    loop {
        if let Message::Response(response) = client
            .receiver
            .recv_timeout(Duration::from_secs(600))
            .unwrap()
            && response.id == id
        {
            return response.response_result.unwrap();
        }
    }
}

/// One very long line: `allow use of n0, ..., nN for p`, every name
/// unknown, so each of its diagnostics sits far along the line. Position
/// conversions used to walk the line for each diagnostic (quadratic).
fn long_line(client: &Connection, names: usize, rounds: i32) {
    const LONG: &str = "file:///bench/long-line.privet";
    let list: Vec<String> = (0..names).map(|n| format!("n{n}")).collect();
    let text = format!("purpose p \"p\"\nallow use of {} for p\n", list.join(", "));
    println!(
        "long line: {names} unknown names on one line of {} bytes",
        text.lines().nth(1).unwrap().len()
    );
    let notify = |method: &str, params: serde_json::Value| {
        client
            .sender
            .send(Notification::new(method.into(), params).into())
            .unwrap();
    };
    let start = Instant::now();
    notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": LONG, "languageId": "privet", "version": 1, "text": text } }),
    );
    let problems = published_for(client, LONG, 1);
    report(
        "long line: open to published diagnostics",
        vec![start.elapsed()],
    );
    assert!(problems >= names);
    let mut times = Vec::new();
    for round in 0..rounds {
        let edited = text.replace(
            "purpose p \"p\"",
            if round % 2 == 0 {
                "purpose p \"q\""
            } else {
                "purpose p \"p\""
            },
        );
        let version = round + 2;
        let start = Instant::now();
        notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": LONG, "version": version }, "contentChanges": [{ "text": edited }] }),
        );
        published_for(client, LONG, version);
        times.push(start.elapsed());
    }
    report("long line: change to published diagnostics", times);
    let mut times = Vec::new();
    for round in 0..rounds {
        let start = Instant::now();
        // On the last name of the line.
        let end = text.lines().nth(1).unwrap().len() - 8;
        hover(client, 1_000 + round, LONG, 1, end);
        times.push(start.elapsed());
    }
    report("long line: hover at the end of the line", times);
}

/// Waits for the publication of the document's diagnostics at a version.
fn published(client: &Connection, version: i32) -> usize {
    published_for(client, URI, version)
}

/// Waits for the publication of a document's diagnostics at a version.
fn published_for(client: &Connection, uri: &str, version: i32) -> usize {
    loop {
        match client
            .receiver
            .recv_timeout(Duration::from_secs(600))
            .unwrap()
        {
            Message::Notification(n)
                if n.method == "textDocument/publishDiagnostics"
                    && n.params["uri"] == uri
                    && n.params["version"] == version =>
            {
                return n.params["diagnostics"].as_array().map_or(0, Vec::len);
            }
            _ => {}
        }
    }
}

/// A generated program of at least `wanted_lines` lines.
fn program_of_lines(wanted_lines: usize) -> String {
    // Scale the generated program to the lines wanted, then grow it to them.
    let sample = privet::generate::program(7, 1_000);
    let per_item = sample.lines().count() as f64 / 1_000.0;
    let mut items = (wanted_lines as f64 / per_item) as usize;
    loop {
        let text = privet::generate::program(7, items);
        if text.lines().count() >= wanted_lines {
            return text;
        }
        items += items / 100 + 1;
    }
}

/// Where an edit's time goes, outside the server: the cached parse, then
/// resolving, the graph and the checks of the whole program (as a full
/// compilation runs them), each the median of a few runs.
fn stages(text: &str, at: usize, rounds: usize) {
    let mut cache = privet::syntax::cache::ParseCache::new();
    let (mut parse, mut resolve, mut graph, mut check) = (vec![], vec![], vec![], vec![]);
    let mut previous = None;
    for round in 0..rounds {
        let mut edited = text.to_string();
        edited.replace_range(at..at + 1, if round % 2 == 0 { "#" } else { "%" });
        let start = Instant::now();
        let (file, _, _) = cache.parse_file(
            "program.privet",
            privet::source::FileId(0),
            &edited,
            previous.take(),
        );
        parse.push(start.elapsed());
        let files = vec![file];
        let start = Instant::now();
        let (program, _) = privet::resolve::resolve(&files);
        resolve.push(start.elapsed());
        let start = Instant::now();
        let data = privet::graph::DataGraph::build(&program);
        graph.push(start.elapsed());
        let start = Instant::now();
        std::hint::black_box(privet::check::check(&program, &data));
        check.push(start.elapsed());
        previous = files.into_iter().next();
    }
    let median = |mut v: Vec<Duration>| {
        v.sort();
        v[v.len() / 2].as_secs_f64() * 1000.0
    };
    println!(
        "stages (median of {rounds}): cached parse {:.1} ms, resolve {:.1} ms, graph {:.1} ms, check {:.1} ms",
        median(parse),
        median(resolve),
        median(graph),
        median(check)
    );
}

/// The edits of one program of `wanted_lines` lines, through the server.
fn measure_program(wanted_lines: usize, rounds: i32) {
    let text = program_of_lines(wanted_lines);
    let lines = text.lines().count();
    println!("program: {lines} lines, {} bytes", text.len());
    // Before the cache: a full compilation per edit.
    let mut full = Vec::new();
    for _ in 0..rounds.min(40) {
        let mut sources = privet::source::SourceMap::new();
        sources.add("program.privet", text.clone());
        let start = Instant::now();
        let compilation = privet::pipeline::compile(&sources);
        full.push(start.elapsed());
        std::hint::black_box(compilation);
    }
    report("full compilation (no cache)", full);

    let (client, server) = start_server();
    let notify = |method: &str, params: serde_json::Value| send(&client, method, params);
    notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": URI, "languageId": "privet", "version": 1, "text": text } }),
    );
    let problems = published(&client, 1);
    println!("diagnostics of the program: {problems}");

    // One character of the first string after the middle of the file,
    // changed back and forth: the items below it do not move, its item is
    // parsed again, and the whole program is resolved and checked again.
    let middle = text.len() / 2;
    let at = text[middle..].find(" \"").unwrap() + middle + 2;
    let mut times = Vec::new();
    for round in 0..rounds + 5 {
        let mut edited = text.clone();
        let letter = if round % 2 == 0 { "#" } else { "%" };
        edited.replace_range(at..at + 1, letter);
        let version = round + 2;
        let start = Instant::now();
        notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": URI, "version": version }, "contentChanges": [{ "text": edited }] }),
        );
        published(&client, version);
        if round >= 5 {
            times.push(start.elapsed());
        }
    }
    report("one-character change to published diagnostics", times);

    // A change at the top of the file: every item moves.
    let mut times = Vec::new();
    for round in 0..rounds.min(40) {
        let edited = format!("{}{text}", if round % 2 == 0 { "\n" } else { "" });
        let version = 10_000 + round;
        let start = Instant::now();
        notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": URI, "version": version }, "contentChanges": [{ "text": edited }] }),
        );
        published(&client, version);
        times.push(start.elapsed());
    }
    report("a line added at the top (every item moves)", times);

    // Back to the text as generated.
    notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": URI, "version": 20_000 }, "contentChanges": [{ "text": text }] }),
    );
    published(&client, 20_000);

    // Hover on a category: what the policy permits for it, asked of the
    // decision function for every purpose and basis.
    let line = text
        .lines()
        .position(|line| line.starts_with("category "))
        .unwrap();
    let mut times = Vec::new();
    for round in 0..rounds.min(20) {
        let start = Instant::now();
        let answer = hover(&client, 100 + round, URI, line, 10);
        assert!(!answer.is_null());
        times.push(start.elapsed());
    }
    report("hover on a category", times);

    // Closed: the next program starts from nothing.
    notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": URI } }),
    );
    stop_server(&client, server);
    stages(&text, at, if common::smoke() { 2 } else { 21 });
}

/// Opens a program and makes `edits` one-character changes, untimed.
fn count_edits(wanted_lines: usize, edits: i32) {
    let text = program_of_lines(wanted_lines);
    let (client, server) = start_server();
    send(
        &client,
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": URI, "languageId": "privet", "version": 1, "text": text } }),
    );
    published(&client, 1);
    let middle = text.len() / 2;
    let at = text[middle..].find(" \"").unwrap() + middle + 2;
    for round in 0..edits {
        let mut edited = text.clone();
        edited.replace_range(at..at + 1, if round % 2 == 0 { "#" } else { "%" });
        send(
            &client,
            "textDocument/didChange",
            json!({ "textDocument": { "uri": URI, "version": round + 2 }, "contentChanges": [{ "text": edited }] }),
        );
        published(&client, round + 2);
    }
    stop_server(&client, server);
}

/// A server in process, initialized.
fn start_server() -> (Connection, std::thread::JoinHandle<Result<bool, String>>) {
    let (server_end, client) = Connection::memory();
    let server = std::thread::spawn(move || privet::lsp::serve(&server_end));
    client
        .sender
        .send(
            Request::new(
                RequestId::from(1),
                "initialize".into(),
                json!({ "capabilities": {} }),
            )
            .into(),
        )
        .unwrap();
    send(&client, "initialized", json!({}));
    (client, server)
}

fn send(client: &Connection, method: &str, params: serde_json::Value) {
    client
        .sender
        .send(Notification::new(method.into(), params).into())
        .unwrap();
}

fn stop_server(client: &Connection, server: std::thread::JoinHandle<Result<bool, String>>) {
    client
        .sender
        .send(Request::new(RequestId::from(2), "shutdown".into(), json!(null)).into())
        .unwrap();
    send(client, "exit", json!(null));
    assert_eq!(server.join().unwrap(), Ok(true));
}

fn main() {
    let smoke = common::smoke();
    let rounds = if smoke { 3 } else { 200 };
    // `cargo bench --bench lsp_latency -- 10000 50000 100000`: the sizes in
    // lines (10,000 when none is given).
    let mut sizes: Vec<usize> = std::env::args()
        .filter_map(|arg| arg.parse().ok())
        .collect();
    if sizes.is_empty() {
        sizes.push(10_000);
    }
    if smoke {
        sizes = vec![500];
    }
    println!("machine: {}", common::machine());
    // `-- edits=N LINES`: only open the program and make N edits, untimed,
    // for `valgrind --tool=callgrind` (instructions per edit are the count
    // with N edits less the count with none, over N), which a loaded
    // machine does not disturb.
    if let Some(edits) = std::env::args().find_map(|arg| {
        arg.strip_prefix("edits=")
            .and_then(|n| n.parse::<i32>().ok())
    }) {
        for lines in sizes {
            count_edits(lines, edits);
        }
        return;
    }
    for lines in sizes {
        // Fewer edits of the larger programs (at least 60).
        let scaled = (rounds as usize * 10_000 / lines.max(1))
            .clamp(60.min(rounds as usize), rounds as usize);
        measure_program(lines, scaled as i32);
    }
    // The long line on its own, in a server of its own.
    let (client, server) = start_server();
    long_line(&client, if smoke { 500 } else { 20_000 }, rounds.min(5));
    stop_server(&client, server);
}
