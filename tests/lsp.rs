//! The language server, in process: each feature's response as an insta
//! snapshot, cross-file diagnostics, UTF-16 positions with non-ASCII text,
//! and malformed requests that must not stop the server.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "support/lsp.rs"]
mod client;
mod support;

use client::{Client, at};
use serde_json::{Value, json};

const POLICY: &str = "file:///workspace/policy.privet";
const SYSTEMS: &str = "file:///workspace/systems/app.privet";

const POLICY_TEXT: &str = r#"// The policy of a small shop.

/// Contact details, used to deliver orders.
category customer.contact.email "e-mail address" identifier
    cite "1(1)"
category customer.order "order history"
purpose orders "deliver your orders"
purpose marketing "send you offers"
basis consent "your consent"
basis consent.explicit "your explicit consent"
event closed "the account is closed 𝄞"

allow collect of customer for orders under consent
    cite "1(1)"
allow use, store of customer for orders
allow share of customer to processor for orders with consent.explicit
deny share of customer.contact.email
    except with consent.explicit
"#;

const SYSTEMS_TEXT: &str = r#"subject shopper "a customer"
system shop "the web shop"
vendor courier "the courier" is processor

flow shopper -> shop carries customer for orders under consent
flow shop -> courier carries customer.order, customer.contact.email for orders
    with consent.explicit
"#;

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap()
}

/// A server with both documents open and their first diagnostics read.
fn started() -> Client {
    let mut client = Client::start(None);
    client.open(POLICY, POLICY_TEXT);
    client.open(SYSTEMS, SYSTEMS_TEXT);
    client.drain_publications();
    client
}

#[test]
fn initialize_announces_the_capabilities() {
    let client = Client::start(None);
    insta::assert_snapshot!(pretty(&client.initialize_result));
    assert_eq!(client.shutdown(), Ok(true));
}

#[test]
fn diagnostics_follow_edits_across_files() {
    let mut client = Client::start(None);
    client.open(POLICY, POLICY_TEXT);
    client.open(SYSTEMS, SYSTEMS_TEXT);
    let first = client.drain_publications();
    // Both files are clean (the policy's `marketing` and the event are
    // unused: warnings in the policy file only).
    let systems = first.iter().find(|p| p["uri"] == SYSTEMS).unwrap();
    assert_eq!(systems["diagnostics"], json!([]));

    // Collecting for marketing instead of orders, in the policy, breaks
    // the flow that collects in the other file.
    let broken = POLICY_TEXT.replace(
        "allow collect of customer for orders",
        "allow collect of customer for marketing",
    );
    client.change(POLICY, 2, &broken);
    let publications = client.drain_publications();
    insta::assert_snapshot!(
        "cross_file_after_breaking_edit",
        pretty(&json!(publications))
    );
    let systems = publications.iter().find(|p| p["uri"] == SYSTEMS).unwrap();
    assert!(!systems["diagnostics"].as_array().unwrap().is_empty());

    // Putting it back clears them.
    client.change(POLICY, 3, POLICY_TEXT);
    let publications = client.drain_publications();
    let systems = publications.iter().find(|p| p["uri"] == SYSTEMS).unwrap();
    assert_eq!(systems["diagnostics"], json!([]));
    assert_eq!(client.shutdown(), Ok(true));
}

#[test]
fn a_diagnostic_shows_the_citation_of_the_rule_it_breaks() {
    let mut client = Client::start(None);
    client.open(
        POLICY,
        &POLICY_TEXT.replace(
            "deny share of customer.contact.email\n",
            "deny share of customer.contact.email\n    cite \"3(1)\"\n",
        ),
    );
    client.open(
        SYSTEMS,
        &SYSTEMS_TEXT.replace("    with consent.explicit\n", ""),
    );
    let publications = client.drain_publications();
    let systems = publications.iter().find(|p| p["uri"] == SYSTEMS).unwrap();
    insta::assert_snapshot!(pretty(&systems["diagnostics"]));
    assert_eq!(client.shutdown(), Ok(true));
}

#[test]
fn hover_shows_doc_citation_and_what_the_policy_permits() {
    let mut client = started();
    // `customer` in `flow shopper -> shop carries customer` (line 4).
    let broad = client.request("textDocument/hover", at(SYSTEMS, 4, 32));
    // `customer.contact.email` on its declaration (line 3, after `category `).
    let email = client.request("textDocument/hover", at(POLICY, 3, 12));
    // `courier` in the second flow.
    let node = client.request("textDocument/hover", at(SYSTEMS, 5, 16));
    insta::assert_snapshot!(format!(
        "{}\n\n{}\n\n{}",
        pretty(&broad),
        pretty(&email),
        pretty(&node)
    ));
    // Nothing to say about a keyword.
    assert_eq!(
        client.request("textDocument/hover", at(SYSTEMS, 4, 1)),
        Value::Null
    );
    assert_eq!(client.shutdown(), Ok(true));
}

/// Hover on the One Touch policy's categories stays a short summary by
/// rule, with citations: on a leaf it was 7,644 characters of repeated
/// "under ... or ...", and on `user` it said "nothing" and "no one else",
/// which read as wrong (no purpose is permitted for every kind of user data
/// alike, which is another thing).
#[test]
fn hover_on_the_one_touch_categories_summarises_by_rule() {
    let root = support::root()
        .join("policies/one-touch")
        .canonicalize()
        .unwrap();
    let root_uri = privet::lsp::position::path_to_uri(&root).unwrap();
    let vocabulary = root.join("vocabulary.privet");
    let uri = privet::lsp::position::path_to_uri(&vocabulary).unwrap();
    let text = std::fs::read_to_string(&vocabulary).unwrap();
    let mut client = Client::start(Some(root_uri.as_str()));
    client.drain_publications();
    let hover_on = |client: &mut Client, declaration: &str| {
        let (line, content) = text
            .lines()
            .enumerate()
            .find(|(_, line)| line.starts_with(declaration))
            .unwrap();
        let column = content.find(' ').unwrap() as u32 + 2;
        let hover = client.request("textDocument/hover", at(uri.as_str(), line as u32, column));
        hover["contents"]["value"].as_str().unwrap().to_string()
    };
    let leaf = hover_on(&mut client, "category user.contact.email");
    assert!(leaf.len() < 2_500, "{} characters:\n{leaf}", leaf.len());
    assert!(leaf.contains("**Rules about it:**\n- `"), "{leaf}");
    assert!(leaf.contains("(cites \""), "{leaf}");
    assert!(leaf.contains("**May be used for:** `"), "{leaf}");
    let broad = hover_on(&mut client, "category user ");
    assert!(broad.len() < 2_500, "{} characters:\n{broad}", broad.len());
    assert!(
        broad.contains("*a broad category of ")
            && broad.contains(" kinds of data, which rules may treat differently"),
        "{broad}"
    );
    assert!(!broad.contains("nothing (no rule allows it)"), "{broad}");
    assert!(!broad.contains("no one else"), "{broad}");
    assert!(
        broad.contains("**Every kind of it may be used for:**"),
        "{broad}"
    );
    assert_eq!(client.shutdown(), Ok(true));
}

const AUDIENCES: &str = "file:///workspace/audiences.privet";

const AUDIENCES_TEXT: &str = r#"category user.email "e-mail address"
purpose orders "deliver your orders"
purpose ads "send you offers"
audience customer.child "children" under age 14
audience customer.adult "customers aged 14 or over"

allow collect, use of user for orders
allow use of user for ads about customer.adult

subject shopper "a customer aged 14 or over" is customer.adult
subject visitor "a visitor"
system shop "the web shop"

flow shopper -> shop carries user for orders
flow visitor -> shop carries user for orders
"#;

#[test]
fn hover_tells_audiences_apart() {
    let mut client = Client::start(None);
    client.open(AUDIENCES, AUDIENCES_TEXT);
    client.drain_publications();
    // `user` in the first flow (line 13): what holds whoever the data is
    // about, then about each audience the rules tell apart.
    let category = client.request("textDocument/hover", at(AUDIENCES, 13, 30));
    // `customer.child` on its declaration (line 3): its age bound.
    let child = client.request("textDocument/hover", at(AUDIENCES, 3, 12));
    // The two subjects (lines 9 and 10): the kinds they are.
    let shopper = client.request("textDocument/hover", at(AUDIENCES, 9, 9));
    let visitor = client.request("textDocument/hover", at(AUDIENCES, 10, 9));
    insta::assert_snapshot!(format!(
        "{}\n\n{}\n\n{}\n\n{}",
        pretty(&category),
        pretty(&child),
        pretty(&shopper),
        pretty(&visitor)
    ));
    assert_eq!(client.shutdown(), Ok(true));
}

#[test]
fn positions_count_utf16_units() {
    let mut client = Client::start(None);
    // `𝄞` is two UTF-16 units and four bytes; `é` one unit and two bytes.
    let text = "event 𝄞closed \"é\"\nobligation notify \"𝄞 é\" after 𝄞closed\n";
    let text = text.replace("𝄞closed", "closed");
    client.open(POLICY, &text);
    client.drain_publications();
    // `closed` after the label `"𝄞 é"`: line 1, UTF-16 column 32.
    let line = text.lines().nth(1).unwrap();
    let byte = line.find("after closed").unwrap() + "after ".len();
    let units: u32 = line[..byte].chars().map(|c| c.len_utf16() as u32).sum();
    assert_eq!(
        units as usize,
        byte - 3,
        "𝄞 is 4 bytes and 2 units, é 2 bytes and 1 unit"
    );
    let hover = client.request("textDocument/hover", at(POLICY, 1, units + 2));
    assert_eq!(
        hover["range"],
        json!({
            "start": { "line": 1, "character": units },
            "end": { "line": 1, "character": units + 6 }
        })
    );
    let definition = client.request("textDocument/definition", at(POLICY, 1, units));
    assert_eq!(
        definition[0]["range"]["start"],
        json!({ "line": 0, "character": 6 })
    );
    assert_eq!(client.shutdown(), Ok(true));
}

#[test]
fn definition_and_references() {
    let mut client = started();
    // `customer.order` in the second flow.
    let definition = client.request("textDocument/definition", at(SYSTEMS, 5, 35));
    // The implied `customer`: its declared descendants.
    let implied = client.request("textDocument/definition", at(SYSTEMS, 4, 32));
    let mut references = client.request(
        "textDocument/references",
        json!({
            "textDocument": { "uri": POLICY },
            "position": { "line": 6, "character": 10 },
            "context": { "includeDeclaration": true }
        }),
    );
    if let Some(list) = references.as_array_mut() {
        list.sort_by_key(|l| l.to_string());
    }
    insta::assert_snapshot!(format!(
        "{}\n\n{}\n\n{}",
        pretty(&definition),
        pretty(&implied),
        pretty(&references)
    ));
    assert_eq!(client.shutdown(), Ok(true));
}

const OUTLINE: &str = "file:///workspace/outline.privet";

const OUTLINE_TEXT: &str = r#"/// The part of the notice about what is collected.
section "1" "what we collect"
section "1(1)" "contact details and orders"
section "2" "who we share it with"
"#;

#[test]
fn a_citation_shows_its_section_and_leads_to_it() {
    let mut client = started();
    client.open(OUTLINE, OUTLINE_TEXT);
    let publications = client.drain_publications();
    // Every citation of the policy names a declared section.
    assert!(
        publications
            .iter()
            .all(|p| !p.to_string().contains("unknown-section")),
        "{publications:?}"
    );
    // Inside `cite "1(1)"` of the category (line 4).
    let hover = client.request("textDocument/hover", at(POLICY, 4, 12));
    let definition = client.request("textDocument/definition", at(POLICY, 4, 12));
    let completion = client.request("textDocument/completion", at(POLICY, 4, 10));
    // The category's hover gives the section's title with its citation.
    let category = client.request("textDocument/hover", at(POLICY, 3, 12));
    insta::assert_snapshot!(format!(
        "{}\n\n{}\n\ncompletion in the string: {:?}\n\n{}",
        pretty(&hover),
        pretty(&definition),
        labels(&completion),
        category["contents"]["value"].as_str().unwrap()
    ));
    assert_eq!(client.shutdown(), Ok(true));
}

fn labels(completion: &Value) -> Vec<String> {
    let mut labels: Vec<String> = completion
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["label"].as_str().unwrap().to_string())
        .collect();
    labels.sort();
    labels
}

#[test]
fn completion_fits_the_context() {
    let mut client = started();
    let text = format!(
        "{SYSTEMS_TEXT}flow shop -> \nflow shop -> courier carries customer.o for \n    under \nstor"
    );
    client.change(SYSTEMS, 2, &text);
    client.drain_publications();
    let nodes = client.request("textDocument/completion", at(SYSTEMS, 7, 13));
    let categories = client.request("textDocument/completion", at(SYSTEMS, 8, 39));
    let purposes = client.request("textDocument/completion", at(SYSTEMS, 8, 44));
    let bases = client.request("textDocument/completion", at(SYSTEMS, 9, 10));
    let items = client.request("textDocument/completion", at(SYSTEMS, 10, 4));
    insta::assert_snapshot!(format!(
        "after `->`: {:?}\nafter `carries`: {:?}\nafter `for`: {:?}\nafter `under`: {:?}\nat line start: {:?}",
        labels(&nodes),
        labels(&categories),
        labels(&purposes),
        labels(&bases),
        labels(&items),
    ));
    // The partial `customer.o` is what a completion replaces.
    let order = categories
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["label"] == "customer.order")
        .unwrap();
    assert_eq!(
        order["textEdit"]["range"]["start"],
        json!({ "line": 8, "character": 29 })
    );
    assert_eq!(order["detail"], "category \"order history\"");
    assert_eq!(client.shutdown(), Ok(true));
}

#[test]
fn hover_and_completion_know_purpose_binding() {
    let mut client = Client::start(None);
    let text = "purpose orders \"deliver your orders\"\n\
                purpose support \"answer your questions\" compatible with orders\n\
                basis consent.new_purpose \"your consent after notice\" for new purpose\n\
                purpose help compatible with \n\
                basis consent \n";
    client.open(POLICY, text);
    client.drain_publications();
    // `support` on its declaration, `consent.new_purpose` on its own.
    let support = client.request("textDocument/hover", at(POLICY, 1, 10));
    let basis = client.request("textDocument/hover", at(POLICY, 2, 8));
    let support = support["contents"]["value"].as_str().unwrap().to_string();
    let basis = basis["contents"]["value"].as_str().unwrap().to_string();
    assert!(support.contains("*compatible with `orders`*"), "{support}");
    assert!(basis.contains("*accepted for a new purpose*"), "{basis}");
    // After `compatible with`, purposes; after a basis's label, its clauses.
    let purposes = client.request("textDocument/completion", at(POLICY, 3, 29));
    let clauses = client.request("textDocument/completion", at(POLICY, 4, 14));
    assert_eq!(labels(&purposes), vec!["help", "orders", "support"]);
    assert_eq!(
        labels(&clauses),
        vec!["after notice", "cite", "for new purpose"]
    );
    assert_eq!(client.shutdown(), Ok(true));
}

#[test]
fn document_symbols_list_the_items() {
    let mut client = started();
    let symbols = client.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": POLICY } }),
    );
    insta::assert_snapshot!(pretty(&symbols));
    assert_eq!(client.shutdown(), Ok(true));
}

#[test]
fn formatting_goes_through_fmt() {
    let mut client = started();
    let messy = "category a   \"A\" cite \"1\"\n\n\n\nallow use of a\n  for b";
    client.change(POLICY, 2, messy);
    client.drain_publications();
    let edits = client.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": POLICY }, "options": { "tabSize": 4, "insertSpaces": true } }),
    );
    insta::assert_snapshot!(pretty(&edits));
    // A file with a syntax error gets no edits.
    client.change(POLICY, 3, "categroy a\n");
    let edits = client.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": POLICY }, "options": { "tabSize": 4, "insertSpaces": true } }),
    );
    assert_eq!(edits, json!([]));
    assert_eq!(client.shutdown(), Ok(true));
}

#[test]
fn quick_fix_applies_the_suggestion() {
    let mut client = started();
    let text = SYSTEMS_TEXT.replace("carries customer.order", "carries customer.ordr");
    client.change(SYSTEMS, 2, &text);
    let published = client.diagnostics_for(SYSTEMS);
    let diagnostic = published["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "unknown-name")
        .unwrap()
        .clone();
    let actions = client.request(
        "textDocument/codeAction",
        json!({
            "textDocument": { "uri": SYSTEMS },
            "range": diagnostic["range"],
            "context": { "diagnostics": [diagnostic] }
        }),
    );
    insta::assert_snapshot!(pretty(&actions));
    assert_eq!(client.shutdown(), Ok(true));
}

#[test]
fn malformed_requests_get_errors_and_the_server_carries_on() {
    let mut client = started();
    let bad_params = client.request_raw("textDocument/hover", json!({ "textDocument": 7 }));
    let unknown = client.request_raw("privet/unknown", json!({}));
    let far = client.request("textDocument/hover", at(POLICY, 9999, 9999));
    let unopened = client.request("textDocument/hover", at("file:///nowhere.privet", 0, 0));
    // Notifications with bad parameters, a change to a document never
    // opened, half-typed items: logged or reported, never fatal.
    client.notify("textDocument/didChange", json!({ "nonsense": true }));
    client.notify("textDocument/didOpen", json!([]));
    client.change("untitled:Untitled-1", 1, "allow use of\ncategory");
    client.change(POLICY, 2, "allow use, of for\n\"unterminated\nflow -> ->");
    let completion = client.request("textDocument/completion", at(POLICY, 0, 11));
    assert_eq!(bad_params.response_result.unwrap_err().code, -32602);
    assert_eq!(unknown.response_result.unwrap_err().code, -32601);
    assert_eq!(far, Value::Null);
    assert_eq!(unopened, Value::Null);
    assert!(completion.is_array());
    let untitled = client.diagnostics_for("untitled:Untitled-1");
    assert_eq!(untitled["diagnostics"][0]["code"], "syntax-error");
    // Still answering.
    let symbols = client.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": SYSTEMS } }),
    );
    assert!(symbols.as_array().is_some_and(|s| !s.is_empty()));
    assert_eq!(client.shutdown(), Ok(true));
}

#[test]
fn requests_after_shutdown_are_refused_and_exit_without_shutdown_is_unclean() {
    let mut client = Client::start(None);
    assert_eq!(client.request("shutdown", Value::Null), Value::Null);
    let late = client.request_raw("textDocument/hover", at(POLICY, 0, 0));
    assert_eq!(late.response_result.unwrap_err().code, -32600);
    client.notify("exit", Value::Null);

    let (server_end, client_end) = lsp_server::Connection::memory();
    let server = std::thread::spawn(move || privet::lsp::serve(&server_end));
    client_end
        .sender
        .send(
            lsp_server::Request::new(1.into(), "initialize".into(), json!({ "capabilities": {} }))
                .into(),
        )
        .unwrap();
    client_end
        .sender
        .send(lsp_server::Notification::new("exit".into(), Value::Null).into())
        .unwrap();
    assert_eq!(server.join().unwrap(), Ok(false));
}

#[test]
fn workspace_files_are_read_from_disk_and_open_documents_override_them() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::write(root.join("policy.privet"), POLICY_TEXT).unwrap();
    std::fs::create_dir(root.join("systems")).unwrap();
    std::fs::write(root.join("systems/app.privet"), SYSTEMS_TEXT).unwrap();
    let root_uri = privet::lsp::position::path_to_uri(&root).unwrap();
    let policy_uri = privet::lsp::position::path_to_uri(&root.join("policy.privet")).unwrap();
    let systems_uri = privet::lsp::position::path_to_uri(&root.join("systems/app.privet")).unwrap();

    let mut client = Client::start(Some(root_uri.as_str()));
    let first = client.drain_publications();
    let uris: Vec<&str> = first.iter().map(|p| p["uri"].as_str().unwrap()).collect();
    assert!(uris.contains(&policy_uri.as_str()), "{uris:?}");
    // The flows on disk are clean until the open policy takes `orders` away.
    let broken = POLICY_TEXT.replace(
        "allow collect of customer for orders",
        "allow collect of customer for marketing",
    );
    client.open(policy_uri.as_str(), &broken);
    let systems = client.diagnostics_for(systems_uri.as_str());
    assert!(
        systems["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["code"] == "purpose-not-allowed"),
        "{systems}"
    );
    // Closing the document goes back to the file on disk.
    client.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": policy_uri.as_str() } }),
    );
    let systems = client.diagnostics_for(systems_uri.as_str());
    assert_eq!(systems["diagnostics"], json!([]));
    assert_eq!(client.shutdown(), Ok(true));
}

/// Batches of publications, one line each: the URI (with the scratch
/// folder's URI as `ROOT`) and the diagnostics' codes; `---` between
/// batches.
fn summary(batches: &[Vec<Value>], root: &str) -> String {
    let batches: Vec<String> = batches
        .iter()
        .map(|batch| batch_summary(batch, root))
        .collect();
    batches.join("\n---\n")
}

fn batch_summary(publications: &[Value], root: &str) -> String {
    if publications.is_empty() {
        return "(nothing)".to_string();
    }
    publications
        .iter()
        .map(|p| {
            let codes: Vec<&str> = p["diagnostics"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["code"].as_str().unwrap())
                .collect();
            format!(
                "{} {codes:?}",
                p["uri"].as_str().unwrap().replace(root, "ROOT")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn files_are_published_under_the_clients_spelling_of_their_uri() {
    let dir = tempfile::tempdir().unwrap();
    let parent = dir.path().canonicalize().unwrap();
    let root = parent.join("w+s");
    std::fs::create_dir(&root).unwrap();
    let text = "purpose orders \"deliver your orders\"\nallow use of nobody for orders\n";
    std::fs::write(root.join("a.privet"), text).unwrap();
    let parent_uri = privet::lsp::position::path_to_uri(&parent).unwrap();
    let parent_uri = parent_uri.as_str();
    // VS Code escapes `+`; the server's own spelling would not.
    let root_uri = format!("{parent_uri}/w%2Bs");
    let file_uri = format!("{root_uri}/a.privet");

    let mut client = Client::start(Some(&root_uri));
    let mut batches = vec![client.drain_publications()];
    // Opening the file must not clear its diagnostics under another
    // spelling of its URI.
    client.open(&file_uri, text);
    batches.push(client.drain_publications());
    client.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": file_uri } }),
    );
    batches.push(client.drain_publications());
    // A client that spells the file differently from its folder: the old
    // spelling is cleared before the new one is published.
    let other_spelling = format!("{parent_uri}/w+s/a.privet");
    client.open(&other_spelling, text);
    batches.push(client.drain_publications());
    insta::assert_snapshot!(summary(&batches, parent_uri));
    assert_eq!(client.shutdown(), Ok(true));
}

#[test]
fn a_marker_file_makes_a_folder_its_own_program() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    // Two programs in one workspace folder, each declaring `orders`: merged,
    // they would clash.
    let program = "purpose orders \"deliver your orders\"\ncategory contact \"contact details\"\nallow use of contact for orders\n";
    std::fs::create_dir(root.join("shop")).unwrap();
    std::fs::write(root.join("shop/.privet-root"), "").unwrap();
    std::fs::write(root.join("shop/policy.privet"), program).unwrap();
    std::fs::create_dir(root.join("examples")).unwrap();
    std::fs::write(root.join("examples/policy.privet"), program).unwrap();
    let root_uri = privet::lsp::position::path_to_uri(&root).unwrap();
    let root_uri = root_uri.as_str();
    let shop = format!("{root_uri}/shop/policy.privet");
    let example = format!("{root_uri}/examples/policy.privet");

    let mut client = Client::start(Some(root_uri));
    // Nothing open: the workspace folder's program, without `shop`.
    let mut batches = vec![client.drain_publications()];
    // Opening a file of `shop` checks `shop` alone.
    client.open(&shop, program);
    batches.push(client.drain_publications());
    // A question about the other program checks that one.
    client.request("textDocument/hover", at(&example, 0, 9));
    batches.push(client.drain_publications());
    // Without the marker, `shop` joins the folder's program, and the two
    // copies clash.
    std::fs::remove_file(root.join("shop/.privet-root")).unwrap();
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": format!("{root_uri}/shop/.privet-root"), "type": 3 }] }),
    );
    batches.push(client.drain_publications());
    insta::assert_snapshot!(summary(&batches, root_uri));
    assert_eq!(client.shutdown(), Ok(true));
}

/// A file opened with no workspace folder (an editor started on one file)
/// is checked with the rest of its program: the files under the marker
/// above it, or, with no marker, the directories of `.privet` files around
/// it. It used to be checked alone, every name from the other files an
/// `unknown-name`.
#[test]
fn a_file_opened_outside_any_workspace_folder_finds_its_program() {
    let vocabulary =
        "category contact \"contact details\"\npurpose orders \"deliver your orders\"\n";
    let rules = "allow use of contact for orders\n";
    for marked in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        // A directory of no `.privet` files above the program: the program
        // ends below it.
        let program = root.join("policies/shop");
        std::fs::create_dir_all(program.join("rules")).unwrap();
        std::fs::write(root.join("policies/README.md"), "policies").unwrap();
        if marked {
            std::fs::write(program.join(".privet-root"), "").unwrap();
        }
        std::fs::write(program.join("vocabulary.privet"), vocabulary).unwrap();
        let opened = program.join("rules/rules.privet");
        std::fs::write(&opened, rules).unwrap();
        let uri = privet::lsp::position::path_to_uri(&opened).unwrap();

        let mut client = Client::start(None);
        client.open(uri.as_str(), rules);
        let published = client.diagnostics_for(uri.as_str());
        assert_eq!(
            published["diagnostics"],
            json!([]),
            "marker: {marked}: {published}"
        );
        // The program's other file is checked too: a name it lacks is found.
        client.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": uri.as_str(), "version": 2 },
                "contentChanges": [{ "text": "allow use of contact for shipping\n" }]
            }),
        );
        let published = client.diagnostics_for(uri.as_str());
        let codes: Vec<&str> = published["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["code"].as_str().unwrap())
            .collect();
        assert_eq!(codes, ["unknown-name"], "marker: {marked}: {published}");
        assert_eq!(client.shutdown(), Ok(true));
    }
}

/// A client that can be asked to watch files (Neovim, Helix) is asked,
/// once initialized, to report `.privet` files and `.privet-root` markers
/// changed on disk; one that cannot is not asked.
#[test]
fn the_server_asks_a_capable_client_to_watch_the_programs_files() {
    let capable =
        json!({ "workspace": { "didChangeWatchedFiles": { "dynamicRegistration": true } } });
    let mut client = Client::start_with(None, capable);
    client.drain_publications();
    let requests: Vec<_> = client.requests.drain(..).collect();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0].method, "client/registerCapability");
    insta::assert_snapshot!(pretty(&requests[0].params));
    client.shutdown().unwrap();

    let mut client = Client::start(None);
    client.drain_publications();
    assert!(client.requests.is_empty());
    client.shutdown().unwrap();
}

/// A FIFO named `*.privet` in the workspace would block the server's read
/// forever, and a link to a file inside it would load the file twice
/// (false `duplicate-definition`s): the server skips the one and reads the
/// other once, like `privet check`.
#[cfg(unix)]
#[test]
fn a_fifo_in_the_workspace_is_skipped_and_a_linked_file_read_once() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::write(root.join("policy.privet"), POLICY_TEXT).unwrap();
    std::fs::create_dir(root.join("systems")).unwrap();
    std::fs::write(root.join("systems/app.privet"), SYSTEMS_TEXT).unwrap();
    std::os::unix::fs::symlink("policy.privet", root.join("same.privet")).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(root.join("pipe.privet"))
        .status()
        .unwrap();
    assert!(made.success());
    let root_uri = privet::lsp::position::path_to_uri(&root).unwrap();
    let (sender, receiver) = std::sync::mpsc::channel();
    let root_text = root_uri.as_str().to_string();
    std::thread::spawn(move || {
        let mut client = Client::start(Some(root_text.as_str()));
        let published = client.drain_publications();
        let _ = sender.send((published, client.shutdown()));
    });
    let (published, shutdown) = receiver
        .recv_timeout(client::WAIT)
        .expect("the server hung on a FIFO in the workspace");
    assert_eq!(
        batch_summary(&published, root_uri.as_str()),
        // The policy's own warnings, once each: no `duplicate-definition`.
        "ROOT/policy.privet [\"unused-declaration\", \"unused-declaration\"]\n\
         ROOT/systems/app.privet []"
    );
    assert_eq!(shutdown, Ok(true));
}
