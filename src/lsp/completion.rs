//! Completion: the keywords and declared names that fit where the cursor is.
//!
//! The context is read from the text of the item before the cursor (so that
//! it works on half-typed items that do not parse): the last keyword before
//! the current list of names says which namespace the names come from.

use super::position::range;
use super::workspace::Analysis;
use crate::model::{Action, Namespace, PartyKind, StoreTechnology};
use crate::render::markup::visible;
use crate::source::{FileId, Span, offset_u32};
use crate::syntax::split::{ITEM_KEYWORDS, comment_start, starts_item};
use lsp_types::{
    CompletionItem, CompletionItemKind, CompletionTextEdit, Documentation, MarkupContent,
    MarkupKind, TextEdit,
};

/// What may come next.
#[derive(Debug, PartialEq, Eq)]
enum Want {
    Names(Namespace),
    Words(Vec<&'static str>),
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.'
}

/// The tokens of an item's text: words, `,`, `->`, `=`, and `""` for a
/// string; comments dropped.
fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.split('\n') {
        let line = match comment_start(line) {
            Some(at) => line.get(..at).unwrap_or(line),
            None => line,
        };
        if crate::syntax::split::is_doc_comment(line.trim_start()) {
            continue;
        }
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '"' {
                // Skip to the closing quote.
                let mut escaped = false;
                for s in chars.by_ref() {
                    if escaped {
                        escaped = false;
                    } else if s == '\\' {
                        escaped = true;
                    } else if s == '"' {
                        break;
                    }
                }
                out.push("\"\"".to_string());
            } else if is_name_char(c) {
                let mut word = c.to_string();
                while let Some(&next) = chars.peek() {
                    if !is_name_char(next) {
                        break;
                    }
                    word.push(next);
                    chars.next();
                }
                out.push(word);
            } else if c == '-' && chars.peek() == Some(&'>') {
                chars.next();
                out.push("->".to_string());
            } else if c == ',' || c == '=' {
                out.push(c.to_string());
            }
        }
    }
    out
}

/// The clause keywords that may follow a finished list in an item.
fn clause_words(item: &str) -> Vec<&'static str> {
    match item {
        "allow" => vec!["about", "for", "to", "under", "with", "in", "after", "cite"],
        // An exception's clauses too.
        "deny" => vec![
            "about", "for", "to", "in", "after", "under", "with", "cite", "except",
        ],
        "restrict" | "confine" => {
            vec![
                "about", "for", "to", "in", "under", "with", "cite", "except",
            ]
        }
        "audience" => vec!["under age", "cite"],
        "subject" => vec!["is", "cite"],
        "exemption" => vec!["for", "for new purpose", "cite"],
        "retain" => vec![
            "for", "at least", "while", "after", "keep", "archive", "forever", "then", "cite",
        ],
        "hold" => vec!["for", "while", "cite"],
        "require" => vec!["for", "stores", "flows", "of", "cite"],
        "honour" => vec!["for", "cite"],
        "flow" => vec![
            "carries",
            "for",
            "under",
            "with",
            "protected by",
            "honours do not track",
            "while",
            "after",
            "honours opt out",
            "notified by",
            "cite",
        ],
        "store" => vec!["in", "protected by", "backed by", "retain", "cite"],
        "system" | "authority" => vec!["in", "cite"],
        "vendor" => vec!["is", "in", "cite"],
        "tracker" => vec![
            "using",
            "honours do not track",
            "honours opt out",
            "in",
            "cite",
        ],
        "opt" => vec!["stops", "of", "for", "cite"],
        "category" => vec!["sensitive", "identifier", "cite"],
        "purpose" => vec!["commercial", "compatible with", "cite"],
        "basis" => vec!["for new purpose", "after notice", "cite"],
        "technology" => vec!["for", "opt out by", "cite"],
        "obligation" => vec!["when", "after", "before", "at least", "cite"],
        "policy" => vec!["updated", "cite"],
        "section" => Vec::new(),
        _ => vec!["cite"],
    }
}

fn is_word(token: &str) -> bool {
    token
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
}

/// Inside a store's `backed by TECH` clause: after the technology or a
/// setting's value, the settings of the technology not given yet (those it
/// requires first), then the store's other clauses; after a setting's name,
/// nothing (its value is a string). `None` outside the clause.
fn backing_settings(tokens: &[String]) -> Option<Want> {
    let backed = tokens.windows(2).rposition(|pair| {
        pair.first().is_some_and(|t| t == "backed") && pair.get(1).is_some_and(|t| t == "by")
    })?;
    let technology = tokens.get(backed + 2)?;
    let technology = StoreTechnology::ALL
        .iter()
        .find(|known| known.as_str() == technology)?;
    let (required, optional) = technology.settings();
    let settings = tokens.get(backed + 3..).unwrap_or(&[]);
    let mut given = Vec::new();
    let mut pairs = settings.chunks(2);
    for pair in pairs.by_ref() {
        match pair {
            [name, value]
                if value == "\"\"" && required.iter().chain(optional).any(|s| s == name) =>
            {
                given.push(name.as_str());
            }
            [name] if required.iter().chain(optional).any(|s| s == name) => {
                return Some(Want::Words(Vec::new()));
            }
            // Past the clause: another clause of the store.
            _ => return None,
        }
    }
    let mut words: Vec<&'static str> = required
        .iter()
        .chain(optional)
        .copied()
        .filter(|setting| !given.contains(setting))
        .collect();
    if required.iter().all(|setting| given.contains(setting)) {
        words.extend(clause_words("store"));
    }
    Some(Want::Words(words))
}

/// What fits after the tokens of an item (the first is its keyword).
fn want(tokens: &[String]) -> Want {
    let item = tokens.first().map_or("", String::as_str);
    if item == "store"
        && let Some(settings) = backing_settings(tokens)
    {
        return settings;
    }
    let Some(last) = tokens.last() else {
        return Want::Words(ITEM_KEYWORDS.to_vec());
    };
    // The keyword that opens the list the cursor is in.
    let mut at = tokens.len().saturating_sub(1);
    if last == "," {
        // Back over `name ,` pairs to the keyword before the list.
        while at >= 2
            && tokens.get(at).is_some_and(|t| t == ",")
            && tokens.get(at - 1).is_some_and(|t| is_word(t))
        {
            at -= 2;
        }
    } else if tokens.len() > 1 && !is_keyword_here(tokens, at) {
        // A finished list or value: what may come next.
        return Want::Words(clause_words(item));
    }
    let keyword = tokens.get(at).map_or("", String::as_str);
    let before = at
        .checked_sub(1)
        .and_then(|i| tokens.get(i))
        .map_or("", String::as_str);
    let names = Want::Names;
    let in_exception = tokens.iter().take(at).any(|token| token == "except");
    match keyword {
        "of" => names(Namespace::Category),
        "sensitive" | "identifier" if before == "of" => names(Namespace::Category),
        "commercial" if before == "for" => names(Namespace::Purpose),
        "for" if matches!(before, "keep" | "archive" | "encrypted" | "isolated") => {
            names(Namespace::Duration)
        }
        "for" if item == "require" => Want::Words(vec!["stores", "flows"]),
        "for" if matches!(item, "basis" | "exemption") => Want::Words(vec!["new purpose"]),
        "with" if before == "compatible" => names(Namespace::Purpose),
        "compatible" => Want::Words(vec!["with"]),
        "for" => names(Namespace::Purpose),
        "stores" | "flows" => Want::Words(vec!["of"]),
        // In an exception, `to` names kinds of recipient, as in a rule.
        "to" if item == "confine" && !in_exception => names(Namespace::Region),
        "to" if item == "restrict" && !in_exception => names(Namespace::Purpose),
        "is" if item == "subject" => names(Namespace::Audience),
        "to" | "is" => Want::Words(PartyKind::ALL.iter().map(|p| p.as_str()).collect()),
        "under" if item == "audience" => Want::Words(vec!["age"]),
        "about" => names(Namespace::Audience),
        "under" | "with" => names(Namespace::Basis),
        "in" => names(Namespace::Region),
        "carries" | "anonymized" | "pseudonymized" => names(Namespace::Category),
        "by" if before == "protected" => names(Namespace::Safeguard),
        "by" if before == "backed" => {
            Want::Words(StoreTechnology::ALL.iter().map(|t| t.as_str()).collect())
        }
        "using" => names(Namespace::Technology),
        // `opt out NAME` declares a name; `honours opt out` and `opt out
        // by` name opt-outs.
        "opt" if at == 0 => Want::Words(vec!["out"]),
        "out" if at == 1 => Want::Words(Vec::new()),
        "out" => names(Namespace::OptOut),
        "by" if before == "out" => names(Namespace::OptOut),
        "by" if before == "notified" => names(Namespace::Obligation),
        "notified" => Want::Words(vec!["by"]),
        "notice" if before == "after" => names(Namespace::Obligation),
        "after" if item == "basis" => Want::Words(vec!["notice"]),
        "stops" => names(Namespace::Purpose),
        "while" => names(Namespace::State),
        "after" | "when" => names(Namespace::Event),
        "before" => names(Namespace::Event),
        "least" if item == "retain" => Want::Words(vec!["while", "after", "keep", "archive"]),
        "within" | "least" => names(Namespace::Duration),
        "->" => names(Namespace::Node),
        "flow" if at == 0 => names(Namespace::Node),
        "retain" | "hold" | "restrict" | "confine" => names(Namespace::Category),
        "require" if at == 0 => names(Namespace::Safeguard),
        "allow" | "deny" if at == 0 => Want::Words(
            Action::ALL
                .iter()
                .map(|a| a.as_str())
                .chain(["process"])
                .collect(),
        ),
        "honour" => Want::Words(vec!["do not track"]),
        "then" => Want::Words(vec!["after", "keep", "archive", "delete", "anonymize"]),
        "except" => Want::Words(vec![
            "allow", "deny", "of", "about", "for", "to", "under", "with", "in",
        ]),
        "allow" | "deny" if before == "except" => {
            Want::Words(vec!["of", "about", "for", "to", "under", "with", "in"])
        }
        _ => Want::Words(Vec::new()),
    }
}

/// Whether the token at `at` is a keyword that opens a list (rather than a
/// name that ends one).
fn is_keyword_here(tokens: &[String], at: usize) -> bool {
    let token = tokens.get(at).map_or("", String::as_str);
    let before = at
        .checked_sub(1)
        .and_then(|i| tokens.get(i))
        .map_or("", String::as_str);
    match token {
        "of" | "to" | "under" | "with" | "in" | "carries" | "using" | "while" | "when"
        | "within" | "least" | "->" | "then" | "except" | "anonymized" | "pseudonymized"
        | "stores" | "flows" | "is" | "about" | "compatible" | "stops" | "notified" => true,
        "out" => before == "opt",
        "notice" => before == "after",
        "for" | "after" | "before" => true,
        "by" => matches!(before, "protected" | "backed" | "notified" | "out"),
        "sensitive" | "identifier" => before == "of",
        "commercial" => before == "for",
        "allow" | "deny" => at == 0 || before == "except",
        // A store's `retain` clause opens its list of categories.
        "retain" => at == 0 || tokens.first().is_some_and(|item| item == "store"),
        _ => at == 0,
    }
}

/// Where the part of a citation being typed starts, when the cursor is in
/// the string of a `cite` (after its quote, or after a `;` in it).
fn cite_part_start(line: &str) -> Option<usize> {
    let open = line.rfind("cite")?;
    // The word `cite`, outside any string before it.
    let before = line.get(..open)?;
    let quotes = before.matches('"').count() - before.matches("\\\"").count();
    if !(before.is_empty() || before.ends_with([' ', '\t'])) || quotes % 2 == 1 {
        return None;
    }
    let rest = line.get(open + "cite".len()..)?;
    let quote = rest.len() - rest.trim_start().len();
    let inside = rest.get(quote..)?.strip_prefix('"')?;
    if inside.contains(['"', '\\']) {
        return None;
    }
    let part = inside.rfind(';').map_or(0, |at| at + 1);
    let spaces = inside.get(part..)?.len() - inside.get(part..)?.trim_start().len();
    Some(line.len() - inside.len() + part + spaces)
}

/// The sections of the notice, offered inside the string of a `cite` when
/// the program declares an outline.
fn sections(
    analysis: &Analysis,
    file: FileId,
    text: &str,
    at: usize,
) -> Option<Vec<CompletionItem>> {
    let outline = &analysis.compilation.program.outline;
    let line_start = text.get(..at)?.rfind('\n').map_or(0, |i| i + 1);
    let start = line_start + cite_part_start(text.get(line_start..at)?)?;
    if outline.is_empty() {
        return Some(Vec::new());
    }
    let replace = range(
        analysis.lines(file)?,
        Span::new(file, offset_u32(start), offset_u32(at)),
    );
    Some(
        outline
            .sections
            .iter()
            .map(|section| CompletionItem {
                label: section.id.clone(),
                kind: Some(CompletionItemKind::REFERENCE),
                detail: Some(format!("section \"{}\"", visible(&section.title))),
                text_edit: Some(CompletionTextEdit::Edit(TextEdit {
                    range: replace,
                    new_text: section.id.clone(),
                })),
                ..CompletionItem::default()
            })
            .collect(),
    )
}

/// The completions at a byte offset of a file.
pub fn complete(analysis: &Analysis, file: FileId, at: u32) -> Vec<CompletionItem> {
    let Some(lines) = analysis.lines(file) else {
        return Vec::new();
    };
    let text = lines.file.text();
    let at = (at as usize).min(text.len());
    if let Some(sections) = sections(analysis, file, text, at) {
        return sections;
    }
    let before = text.get(..at).unwrap_or("");
    let prefix_len = before
        .chars()
        .rev()
        .take_while(|c| is_name_char(*c))
        .map(char::len_utf8)
        .sum::<usize>();
    let word_start = at - prefix_len;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let replace = range(
        lines,
        Span::new(file, offset_u32(word_start), offset_u32(at)),
    );

    let want = if word_start == line_start {
        Want::Words(ITEM_KEYWORDS.to_vec())
    } else {
        // Back to the line that starts the item.
        let mut item_start = line_start;
        loop {
            let line = text.get(item_start..).unwrap_or("");
            if starts_item(line) || item_start == 0 {
                break;
            }
            item_start = text
                .get(..item_start.saturating_sub(1))
                .and_then(|t| t.rfind('\n'))
                .map_or(0, |i| i + 1);
        }
        let tokens = tokens(text.get(item_start..word_start).unwrap_or(""));
        if tokens.first().is_some_and(|t| !starts_item(t)) {
            Want::Words(Vec::new())
        } else {
            want(&tokens)
        }
    };

    let edit = |label: &str| {
        Some(CompletionTextEdit::Edit(TextEdit {
            range: replace,
            new_text: label.to_string(),
        }))
    };
    match want {
        Want::Words(words) => words
            .into_iter()
            .map(|word| CompletionItem {
                label: word.to_string(),
                kind: Some(CompletionItemKind::KEYWORD),
                text_edit: edit(word),
                ..CompletionItem::default()
            })
            .collect(),
        Want::Names(namespace) => {
            let vocabulary = analysis.compilation.program.vocabulary(namespace);
            vocabulary
                .iter()
                .map(|(_, entry)| {
                    let detail = match entry.label() {
                        Some(label) => format!("{} \"{}\"", namespace.noun(), visible(label)),
                        None => namespace.noun().to_string(),
                    };
                    CompletionItem {
                        label: entry.name.clone(),
                        kind: Some(match namespace {
                            Namespace::Node => CompletionItemKind::CLASS,
                            Namespace::Duration => CompletionItemKind::CONSTANT,
                            Namespace::Category => CompletionItemKind::FIELD,
                            _ => CompletionItemKind::VALUE,
                        }),
                        detail: Some(detail),
                        documentation: entry.meta().and_then(|m| m.doc.clone()).map(|doc| {
                            Documentation::MarkupContent(MarkupContent {
                                kind: MarkupKind::Markdown,
                                value: visible(&doc).into_owned(),
                            })
                        }),
                        text_edit: edit(&entry.name),
                        ..CompletionItem::default()
                    }
                })
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn want_after(text: &str) -> Want {
        want(&tokens(text))
    }

    #[test]
    fn a_cite_string_being_typed_is_found() {
        assert_eq!(cite_part_start("    cite \""), Some(10));
        assert_eq!(cite_part_start("    cite \"1(2) in"), Some(10));
        assert_eq!(cite_part_start("cite \"preamble;  1("), Some(17));
        assert_eq!(cite_part_start("    cite \"1(2)\" "), None);
        assert_eq!(cite_part_start("    cite "), None);
        assert_eq!(cite_part_start("allow use of a for "), None);
        assert_eq!(cite_part_start("purpose p \"to excite \""), None);
        assert_eq!(cite_part_start("purpose p \"a cite \""), None);
    }

    #[test]
    fn a_backing_completes_its_settings_then_the_store_clauses() {
        let store = |words: &[&'static str]| {
            let mut all = words.to_vec();
            all.extend(["in", "protected by", "backed by", "retain", "cite"]);
            Want::Words(all)
        };
        assert_eq!(
            want_after("store s\n    backed by postgres "),
            Want::Words(vec!["table", "timestamp", "columns", "hold"])
        );
        assert_eq!(
            want_after("store s\n    backed by postgres table "),
            Want::Words(Vec::new())
        );
        assert_eq!(
            want_after("store s\n    backed by postgres table \"t\" timestamp \"c\" "),
            store(&["columns", "hold"])
        );
        assert_eq!(
            want_after("store s backed by s3 bucket \"b\" "),
            store(&["prefix"])
        );
        assert_eq!(
            want_after("store s\n    backed by postgres table \"t\" timestamp \"c\"\n    retain "),
            Want::Names(Namespace::Category)
        );
    }

    #[test]
    fn opt_outs_and_notices_complete_their_names() {
        assert_eq!(
            want_after("tracker t using c\n    honours opt out "),
            Want::Names(Namespace::OptOut)
        );
        assert_eq!(
            want_after("technology c for p\n    opt out by "),
            Want::Names(Namespace::OptOut)
        );
        assert_eq!(
            want_after("flow a -> b carries c for p\n    notified by "),
            Want::Names(Namespace::Obligation)
        );
        assert_eq!(
            want_after("basis b \"B\"\n    after "),
            Want::Words(vec!["notice"])
        );
        assert_eq!(
            want_after("basis b \"B\"\n    after notice "),
            Want::Names(Namespace::Obligation)
        );
        assert_eq!(
            want_after("opt out u \"U\"\n    stops "),
            Want::Names(Namespace::Purpose)
        );
        assert_eq!(want_after("opt "), Want::Words(vec!["out"]));
        assert_eq!(want_after("opt out "), Want::Words(Vec::new()));
    }

    #[test]
    fn the_keyword_before_the_list_picks_the_namespace() {
        assert_eq!(
            want_after("allow use of "),
            Want::Names(Namespace::Category)
        );
        assert_eq!(
            want_after("allow use of a, b, "),
            Want::Names(Namespace::Category)
        );
        assert_eq!(
            want_after("allow use of a for commercial "),
            Want::Names(Namespace::Purpose)
        );
        assert_eq!(
            want_after("deny use of a for commercial after "),
            Want::Names(Namespace::Event)
        );
        assert_eq!(
            want_after("allow use of sensitive "),
            Want::Names(Namespace::Category)
        );
        assert_eq!(
            want_after("allow use of a for "),
            Want::Names(Namespace::Purpose)
        );
        assert_eq!(
            want_after("allow use of a\n    under "),
            Want::Names(Namespace::Basis)
        );
        assert_eq!(want_after("confine a to "), Want::Names(Namespace::Region));
        assert_eq!(
            want_after("restrict a to b, "),
            Want::Names(Namespace::Purpose)
        );
        assert_eq!(
            want_after("confine a to b\n    except allow to "),
            Want::Words(PartyKind::ALL.iter().map(|p| p.as_str()).collect())
        );
        assert_eq!(
            want_after("restrict a to b\n    except for "),
            Want::Names(Namespace::Purpose)
        );
        assert_eq!(
            want_after("deny share of a\n    except "),
            Want::Words(vec![
                "allow", "deny", "of", "about", "for", "to", "under", "with", "in"
            ])
        );
        assert_eq!(
            want_after("deny share of a\n    except allow "),
            Want::Words(vec!["of", "about", "for", "to", "under", "with", "in"])
        );
        assert_eq!(
            want_after("deny share of a about "),
            Want::Names(Namespace::Audience)
        );
        assert_eq!(
            want_after("deny share of a\n    except allow about b, "),
            Want::Names(Namespace::Audience)
        );
        assert_eq!(
            want_after("subject shopper \"a customer\" is "),
            Want::Names(Namespace::Audience)
        );
        assert_eq!(
            want_after("audience customer.child \"children\" under "),
            Want::Words(vec!["age"])
        );
        assert_eq!(
            want_after("audience customer.child \"children\" "),
            Want::Words(vec!["under age", "cite"])
        );
        assert_eq!(
            want_after("exemption x \"y\" "),
            Want::Words(vec!["for", "for new purpose", "cite"])
        );
        assert_eq!(want_after("flow a -> "), Want::Names(Namespace::Node));
        assert_eq!(want_after("flow "), Want::Names(Namespace::Node));
        assert_eq!(
            want_after("store s protected by "),
            Want::Names(Namespace::Safeguard)
        );
        assert_eq!(
            want_after("retain a after e keep for "),
            Want::Names(Namespace::Duration)
        );
        assert_eq!(want_after("retain a while "), Want::Names(Namespace::State));
        assert_eq!(
            want_after("retain a at least "),
            Want::Words(vec!["while", "after", "keep", "archive"])
        );
        assert_eq!(
            want_after("retain a at least after e keep for "),
            Want::Names(Namespace::Duration)
        );
        assert_eq!(
            want_after("obligation o \"x\" at least "),
            Want::Names(Namespace::Duration)
        );
        assert_eq!(want_after("hold "), Want::Names(Namespace::Category));
        assert_eq!(want_after("hold a, "), Want::Names(Namespace::Category));
        assert_eq!(want_after("hold a for "), Want::Names(Namespace::Purpose));
        assert_eq!(want_after("hold a while "), Want::Names(Namespace::State));
        assert_eq!(
            want_after("hold a "),
            Want::Words(vec!["for", "while", "cite"])
        );
        assert_eq!(
            want_after("category a \"x, for y\" // in z\n    cite \"q\" // to\n  "),
            Want::Words(vec!["sensitive", "identifier", "cite"])
        );
        assert_eq!(
            want_after("purpose a \"x\" compatible with "),
            Want::Names(Namespace::Purpose)
        );
        assert_eq!(
            want_after("purpose a compatible with b, "),
            Want::Names(Namespace::Purpose)
        );
        assert_eq!(
            want_after("purpose a \"x\" compatible "),
            Want::Words(vec!["with"])
        );
        assert_eq!(
            want_after("purpose a \"x\" "),
            Want::Words(vec!["commercial", "compatible with", "cite"])
        );
        assert_eq!(
            want_after("basis a \"x\" "),
            Want::Words(vec!["for new purpose", "after notice", "cite"])
        );
        assert_eq!(
            want_after("exemption a \"x\"\n    for "),
            Want::Words(vec!["new purpose"])
        );
        match want_after("allow use of a ") {
            Want::Words(words) => assert!(words.contains(&"for") && words.contains(&"under")),
            other => panic!("{other:?}"),
        }
        match want_after("deny share of a to ") {
            Want::Words(words) => assert!(words.contains(&"third_party")),
            other => panic!("{other:?}"),
        }
    }
}
