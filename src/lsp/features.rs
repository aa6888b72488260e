//! Answers to the editor's questions about the compiled program: hover,
//! definition, references, document symbols, formatting and quick fixes.
//! Every answer reads the model; privacy judgements come from
//! [`check`](crate::check) alone.

use super::position::{offset, range};
use super::workspace::Analysis;
use crate::ast::{Item, ItemKind};
use crate::check::permissions::{
    CategoryPermissions, Permitted, audience_permissions, category_permissions,
};
use crate::model::{NameId, Namespace, Program};
use crate::render::markup::visible;
use crate::source::{FileId, Span};
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, DocumentSymbol, Hover, HoverContents,
    Location, MarkupContent, MarkupKind, Position, Range, SymbolKind, TextEdit, Uri, WorkspaceEdit,
};
use std::collections::HashMap;

/// A declared (or implied) name found at a position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Found {
    pub namespace: Namespace,
    pub id: NameId,
    /// The name's text in the source at the position.
    pub span: Span,
}

/// The file and byte offset of a protocol position.
pub fn locate(analysis: &Analysis, uri: &Uri, position: Position) -> Option<(FileId, u32)> {
    let file = analysis.file_of(uri)?;
    let at = offset(analysis.lines(file)?, position);
    Some((file, at))
}

fn contains(span: Span, file: FileId, at: u32) -> bool {
    span.file == file && span.start <= at && at <= span.end
}

/// The name under the cursor: a use of a name, or its declaration.
pub fn name_at(analysis: &Analysis, file: FileId, at: u32) -> Option<Found> {
    let program = &analysis.compilation.program;
    if let Some(reference) = program
        .references
        .iter()
        .find(|reference| contains(reference.span, file, at))
    {
        return Some(Found {
            namespace: reference.namespace,
            id: reference.id,
            span: reference.span,
        });
    }
    for namespace in Namespace::ALL {
        for (id, entry) in program.vocabulary(namespace).iter() {
            if let Some(declared) = &entry.declared
                && contains(declared.name_span, file, at)
            {
                return Some(Found {
                    namespace,
                    id,
                    span: declared.name_span,
                });
            }
        }
    }
    None
}

pub fn definition(analysis: &Analysis, found: Found) -> Vec<Location> {
    let vocabulary = analysis.compilation.program.vocabulary(found.namespace);
    let Some(entry) = vocabulary.get(found.id) else {
        return Vec::new();
    };
    if let Some(declared) = &entry.declared {
        return analysis.location(declared.name_span).into_iter().collect();
    }
    // An implied name (`user` of `user.contact`): its declared descendants.
    (found.id.0..entry.end)
        .filter_map(|id| vocabulary.get(NameId(id)))
        .filter_map(|entry| entry.declared.as_ref())
        .filter_map(|declared| analysis.location(declared.name_span))
        .collect()
}

pub fn references(analysis: &Analysis, found: Found, with_declaration: bool) -> Vec<Location> {
    let program = &analysis.compilation.program;
    let mut spans: Vec<Span> = Vec::new();
    if with_declaration
        && let Some(declared) = program
            .vocabulary(found.namespace)
            .get(found.id)
            .and_then(|entry| entry.declared.as_ref())
    {
        spans.push(declared.name_span);
    }
    spans.extend(
        program
            .references
            .iter()
            .filter(|r| r.namespace == found.namespace && r.id == found.id)
            .map(|r| r.span),
    );
    spans.sort();
    spans.dedup();
    spans
        .into_iter()
        .filter_map(|span| analysis.location(span))
        .collect()
}

fn code(name: &str) -> String {
    format!("`{name}`")
}

/// The names of some ids of a vocabulary, each in backticks.
fn codes(vocabulary: &crate::model::Vocabulary, ids: &[crate::model::NameId]) -> Vec<String> {
    ids.iter().map(|id| code(vocabulary.name(*id))).collect()
}

/// At most this many names in one list of a hover; the rest are counted.
const SHOWN_NAMES: usize = 3;
/// At most this many purposes or rules in a hover.
const SHOWN_ITEMS: usize = 6;

/// Some names, the first few written out and the rest counted:
/// `` `a`, `b` or 4 more ``.
fn few(names: Vec<String>, word: &str) -> String {
    let total = names.len();
    let shown = names.into_iter().take(SHOWN_NAMES).collect();
    crate::describe::join_counted(shown, total, word)
}

/// `` `security.login` ``, or `` `marketing` (under `consent`) ``: at most
/// [`SHOWN_ITEMS`] purposes, each with at most [`SHOWN_NAMES`] bases, so a
/// hover stays a summary however many bases the policy accepts.
fn permitted_text(program: &Program, permitted: &[Permitted]) -> String {
    let parts: Vec<String> = permitted
        .iter()
        .take(SHOWN_ITEMS)
        .map(|p| {
            let purpose = code(program.purposes().name(p.purpose));
            if p.bases.is_empty() {
                purpose
            } else {
                let bases = codes(program.bases(), &p.bases);
                format!("{purpose} (under {})", few(bases, "or"))
            }
        })
        .collect();
    let more = permitted.len().saturating_sub(SHOWN_ITEMS);
    if more > 0 {
        format!("{} and {more} more", parts.join(", "))
    } else {
        parts.join(", ")
    }
}

/// The rules whose categories include some of `category`, each on one
/// line with its citation: what decides the category, as a reader would
/// look it up.
fn rules_about(program: &Program, category: crate::model::NameId) -> Option<String> {
    let leaves = program.categories().leaves_of(category);
    let rules: Vec<&crate::model::Rule> = program
        .rules
        .iter()
        .filter(|rule| {
            leaves
                .clone()
                .any(|leaf| rule.categories.leaves.contains(leaf))
        })
        .collect();
    if rules.is_empty() {
        return None;
    }
    let mut lines: Vec<String> = rules
        .iter()
        .take(SHOWN_ITEMS)
        .map(|rule| {
            let text = crate::describe::rule_text(program, rule);
            let text = match text.char_indices().nth(72) {
                Some((cut, _)) => format!("{}…", text.get(..cut).unwrap_or("")),
                None => text,
            };
            match rule.meta.cite_text() {
                Some(cite) => format!("- `{text}` (cites \"{cite}\")"),
                None => format!("- `{text}`"),
            }
        })
        .collect();
    if rules.len() > SHOWN_ITEMS {
        lines.push(format!(
            "- and {} more (`privet query` says which decide an act)",
            rules.len() - SHOWN_ITEMS
        ));
    }
    Some(format!("**Rules about it:**\n{}", lines.join("\n")))
}

/// The hover text of a name: what it is, its label and flags, its doc
/// comment, its citation; for a category, what the policy lets it be used
/// for and who may receive it.
pub fn hover(analysis: &Analysis, found: Found) -> Option<Hover> {
    let program = &analysis.compilation.program;
    let vocabulary = program.vocabulary(found.namespace);
    let entry = vocabulary.get(found.id)?;
    let noun = match program.node(found.id) {
        Some(node) if found.namespace == Namespace::Node => node.kind.keyword(),
        _ => found.namespace.noun(),
    };
    let mut heading = format!("{noun} {}", code(&entry.name));
    if let Some(label) = entry.label() {
        heading.push_str(&format!(": \"{label}\""));
    }
    let mut sections = vec![heading];
    let mut facts: Vec<String> = Vec::new();
    if found.namespace == Namespace::Category {
        if entry.sensitive {
            facts.push("sensitive".to_string());
        }
        if entry.identifier {
            facts.push("identifier".to_string());
        }
    }
    if found.namespace == Namespace::Basis && entry.declared.as_ref().is_some_and(|d| d.exemption) {
        facts.push("an exemption".to_string());
    }
    if found.namespace == Namespace::Basis && program.new_purpose_bases.contains(&found.id) {
        facts.push("accepted for a new purpose".to_string());
    }
    if found.namespace == Namespace::Purpose {
        let with: Vec<String> = program
            .compatible_with(found.id)
            .into_iter()
            .map(|id| code(program.purposes().name(id)))
            .collect();
        if !with.is_empty() {
            facts.push(format!("compatible with {}", with.join(", ")));
        }
    }
    if found.namespace == Namespace::Duration
        && let Some(value) = program.duration(found.id)
    {
        facts.push(format!("{value}"));
    }
    if found.namespace == Namespace::Node
        && let Some(node) = program.node(found.id)
    {
        facts.push(format!("kind of party: {}", code(node.party.as_str())));
        if node.kind == crate::ast::NodeKind::Subject && program.audiences().leaf_count() > 0 {
            facts.push(if node.audiences.is_empty() {
                "of every audience (it names no kind of data subject)".to_string()
            } else {
                format!(
                    "is {}",
                    codes(program.audiences(), &node.audiences).join(", ")
                )
            });
        }
    }
    if found.namespace == Namespace::Audience
        && let Some(age) = program.audience_ages.get(&found.id)
    {
        facts.push(format!("under age {age}"));
    }
    if entry.declared.is_none() {
        facts.push("implied by the names declared below it".to_string());
    }
    let broad = found.namespace == Namespace::Category
        && program.categories().leaves_of(found.id).len() > 1;
    if broad {
        facts.push(format!(
            "a broad category of {} kinds of data, which rules may treat differently",
            program.categories().leaves_of(found.id).len()
        ));
    }
    if !facts.is_empty() {
        sections.push(format!("*{}*", facts.join(", ")));
    }
    if let Some(doc) = entry.meta().and_then(|meta| meta.doc.clone()) {
        sections.push(doc);
    }
    if let Some(cite) = entry.meta().and_then(|meta| meta.cite_text()) {
        sections.push(cites_text(program, cite));
    }
    if found.namespace == Namespace::Category {
        sections.extend(rules_about(program, found.id));
        // Where rules tell kinds of data subject apart, what holds
        // whoever the data is about, then what holds about each.
        let about_some = audience_permissions(program, found.id);
        if !about_some.is_empty() {
            sections.push("**Whoever the data is about:**".to_string());
        }
        permissions_sections(
            program,
            &category_permissions(program, found.id),
            broad,
            &mut sections,
        );
        for (leaves, permissions) in about_some {
            sections.push(format!(
                "**About {}:**",
                codes(program.audiences(), &leaves).join(", ")
            ));
            permissions_sections(program, &permissions, broad, &mut sections);
        }
    }
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            // A label, doc comment or citation may hold control characters
            // (reported as `control-character`); they are shown, not obeyed.
            value: visible(&sections.join("\n\n")).into_owned(),
        }),
        range: analysis.location(found.span).map(|l| l.range),
    })
}

/// What a category may be used for and who may receive it. For a broad
/// category that is what holds for every kind of data in it, and the words
/// say so: an empty list there means the kinds differ, not that nothing is
/// permitted.
fn permissions_sections(
    program: &Program,
    permissions: &CategoryPermissions,
    broad: bool,
    sections: &mut Vec<String>,
) {
    let (used, received) = if broad {
        (
            "**Every kind of it may be used for:**",
            "**Every kind of it may be received by:**",
        )
    } else {
        ("**May be used for:**", "**May be received by:**")
    };
    if permissions.uses.is_empty() {
        sections.push(if broad {
            format!(
                "{used} no purpose is permitted for all of them alike (hover one kind for its own)"
            )
        } else {
            format!("{used} nothing (no rule allows it)")
        });
    } else {
        sections.push(format!(
            "{used} {}",
            permitted_text(program, &permissions.uses)
        ));
    }
    if permissions.recipients.is_empty() {
        sections.push(if broad {
            format!("{received} no recipient is permitted all of them alike")
        } else {
            format!("{received} no one else (no rule allows handing it on)")
        });
    } else {
        // Recipients permitted the same purposes share a line; the bases
        // each needs are the uses' business, said once.
        let mut groups: Vec<(Vec<String>, Vec<String>, &str)> = Vec::new();
        for (party, action, permitted) in &permissions.recipients {
            let purposes: Vec<String> = permitted
                .iter()
                .map(|p| code(program.purposes().name(p.purpose)))
                .collect();
            let with_basis = permitted.iter().filter(|p| !p.bases.is_empty()).count();
            let needs_basis = if with_basis == 0 {
                ""
            } else if with_basis == permitted.len() {
                ", each under a basis only"
            } else {
                ", some under a basis only"
            };
            let who = format!("{} (`{action}`)", code(party.as_str()));
            match groups.iter_mut().find(|(_, names, _)| *names == purposes) {
                Some((parties, _, _)) => parties.push(who),
                None => groups.push((vec![who], purposes, needs_basis)),
            }
        }
        let lines: Vec<String> = groups
            .into_iter()
            .map(|(parties, purposes, needs_basis)| {
                let more = purposes.len().saturating_sub(SHOWN_ITEMS);
                let mut shown = purposes
                    .into_iter()
                    .take(SHOWN_ITEMS)
                    .collect::<Vec<String>>()
                    .join(", ");
                if more > 0 {
                    shown.push_str(&format!(" and {more} more"));
                }
                format!("- {} for {}{}", parties.join(", "), shown, needs_basis)
            })
            .collect();
        sections.push(format!("{received}\n{}", lines.join("\n")));
    }
}

/// `Cites "1(2) 1 a" (section 1(2) 1: "information retention period").`:
/// a citation, with the titles of the sections it names when the program
/// declares the outline of its notice.
fn cites_text(program: &Program, cite: &str) -> String {
    let outline = &program.outline;
    let titles: Vec<String> = outline
        .named_by(cite)
        .into_iter()
        .filter_map(|index| outline.section(index))
        .map(|section| format!("section {}: \"{}\"", section.id, section.title))
        .collect();
    if titles.is_empty() {
        format!("Cites \"{cite}\".")
    } else {
        format!("Cites \"{cite}\" ({}).", titles.join("; "))
    }
}

/// The hover text of a citation: the sections of the notice it names, each
/// with its title and the sections it is inside.
pub fn citation_hover(analysis: &Analysis, file: FileId, at: u32) -> Option<Hover> {
    let outline = &analysis.compilation.program.outline;
    let citation = outline.citation_at(file, at)?;
    let mut lines = Vec::new();
    for index in &citation.sections {
        let Some(section) = outline.section(*index) else {
            continue;
        };
        let mut line = format!("section {}: \"{}\"", code(&section.id), section.title);
        let mut parent = section.parent;
        let mut hops = 0;
        while let Some(outer) = parent.and_then(|p| outline.section(p)) {
            line.push_str(&format!(", in {} \"{}\"", code(&outer.id), outer.title));
            parent = outer.parent;
            hops += 1;
            if hops > outline.sections.len() {
                break;
            }
        }
        if let Some(doc) = &section.meta.doc {
            line.push_str(&format!("\n\n{doc}"));
        }
        lines.push(line);
    }
    if lines.is_empty() {
        return None;
    }
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: visible(&lines.join("\n\n")).into_owned(),
        }),
        range: analysis.location(citation.span).map(|l| l.range),
    })
}

/// The declarations of the sections a citation names.
pub fn citation_definition(analysis: &Analysis, file: FileId, at: u32) -> Option<Vec<Location>> {
    let outline = &analysis.compilation.program.outline;
    let citation = outline.citation_at(file, at)?;
    let found: Vec<Location> = citation
        .sections
        .iter()
        .filter_map(|index| outline.section(*index))
        .filter_map(|section| analysis.location(section.id_span))
        .collect();
    (!found.is_empty()).then_some(found)
}

/// The name an item declares, or a summary of a rule.
fn symbol_name(item: &Item, text: &str) -> (String, Option<Span>, SymbolKind) {
    let head = text
        .get(item.head.range())
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    match &item.kind {
        ItemKind::Policy(p) => (p.name.text.clone(), Some(p.name.span), SymbolKind::MODULE),
        ItemKind::Declaration(d) => (
            format!("{} {}", d.kind.keyword(), d.name.text),
            Some(d.name.span),
            SymbolKind::CONSTANT,
        ),
        ItemKind::Duration(d) => (
            format!("duration {}", d.name.text),
            Some(d.name.span),
            SymbolKind::CONSTANT,
        ),
        ItemKind::Technology(t) => (
            format!("technology {}", t.name.text),
            Some(t.name.span),
            SymbolKind::INTERFACE,
        ),
        ItemKind::Obligation(o) => (
            format!("obligation {}", o.name.text),
            Some(o.name.span),
            SymbolKind::EVENT,
        ),
        ItemKind::Node(n) => (
            format!("{} {}", n.kind.keyword(), n.name.text),
            Some(n.name.span),
            if n.kind == crate::ast::NodeKind::Store {
                SymbolKind::STRUCT
            } else {
                SymbolKind::CLASS
            },
        ),
        ItemKind::Flow(_) => (head, None, SymbolKind::EVENT),
        ItemKind::Section(s) => (
            format!("section {}", s.id.value),
            Some(s.id.span),
            SymbolKind::NAMESPACE,
        ),
        _ => (head, None, SymbolKind::FUNCTION),
    }
}

pub fn document_symbols(analysis: &Analysis, file: FileId) -> Vec<DocumentSymbol> {
    let Some(lines) = analysis.lines(file) else {
        return Vec::new();
    };
    let source = lines.file;
    let Some(tree) = analysis.compilation.files.iter().find(|f| f.id == file) else {
        return Vec::new();
    };
    tree.items
        .iter()
        .map(|item| {
            let (name, name_span, kind) = symbol_name(item, source.text());
            let start = item.docs.first().map_or(item.span.start, |d| d.span.start);
            let end = crate::syntax::split::content_end(
                source.text(),
                item.span.start as usize,
                item.span.end as usize,
            );
            let whole = Span::new(file, start, crate::source::offset_u32(end));
            let label = match &item.kind {
                ItemKind::Declaration(d) => d.label.as_ref().map(|l| l.value.clone()),
                ItemKind::Node(n) => n.label.as_ref().map(|l| l.value.clone()),
                ItemKind::Technology(t) => t.label.as_ref().map(|l| l.value.clone()),
                ItemKind::Obligation(o) => Some(o.label.value.clone()),
                ItemKind::Section(s) => Some(s.title.value.clone()),
                _ => None,
            };
            #[allow(deprecated)]
            DocumentSymbol {
                name: if name.is_empty() {
                    "item".to_string()
                } else {
                    name
                },
                detail: label.map(|label| visible(&label).into_owned()),
                kind,
                tags: None,
                deprecated: None,
                range: range(lines, whole),
                selection_range: range(lines, name_span.unwrap_or(item.keyword)),
                children: None,
            }
        })
        .collect()
}

/// The edits that format a document: none when it is formatted, or when it
/// has syntax errors (which the diagnostics already show).
pub fn formatting(analysis: &Analysis, file: FileId) -> Vec<TextEdit> {
    let Some(lines) = analysis.lines(file) else {
        return Vec::new();
    };
    let source = lines.file;
    match crate::format::format_file(file, source.text()) {
        Ok(formatted) if formatted != source.text() => vec![TextEdit {
            range: range(
                lines,
                Span::new(file, 0, crate::source::offset_u32(source.text().len())),
            ),
            new_text: formatted,
        }],
        Ok(_) => Vec::new(),
        Err(error) => {
            eprintln!("privet lsp: not formatting `{}`: {error}", source.name());
            Vec::new()
        }
    }
}

/// Quick fixes: the suggestion of each diagnostic in the range that has one
/// ("did you mean" for an unknown name).
// `Uri` caches its parse in a cell, but its hash and order use its text only.
#[allow(clippy::mutable_key_type)]
pub fn quick_fixes(
    analysis: &Analysis,
    uri: &Uri,
    file: FileId,
    wanted: Range,
) -> Vec<CodeActionOrCommand> {
    let Some(lines) = analysis.lines(file) else {
        return Vec::new();
    };
    let start = offset(lines, wanted.start);
    let end = offset(lines, wanted.end);
    analysis
        .compilation
        .diagnostics
        .iter()
        .filter(|d| d.primary.span.file == file)
        .filter(|d| d.primary.span.start <= end && start <= d.primary.span.end)
        .filter_map(|d| {
            let suggestion = d.suggestion.as_ref()?;
            if suggestion.span.file != file {
                return None;
            }
            let edit = TextEdit {
                range: range(lines, suggestion.span),
                new_text: suggestion.replacement.clone(),
            };
            let mut changes = HashMap::new();
            changes.insert(uri.clone(), vec![edit]);
            Some(CodeActionOrCommand::CodeAction(CodeAction {
                title: format!("replace with `{}`", suggestion.replacement),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: analysis.to_lsp(d).map(|converted| vec![converted]),
                edit: Some(WorkspaceEdit {
                    changes: Some(changes),
                    ..WorkspaceEdit::default()
                }),
                command: None,
                is_preferred: Some(true),
                disabled: None,
                data: None,
            }))
        })
        .collect()
}
