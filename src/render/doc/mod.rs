//! `privet doc`: the policy as a document for legal review, in Markdown and
//! as one self-contained HTML file (inline style, inline SVG, no script, no
//! fetch of any kind; a Content-Security-Policy forbids both).
//!
//! The document is built once as a list of blocks and written in each
//! language by its own writer, so every user string is escaped in one
//! place per language: [`crate::render::markup::xml`] for HTML and SVG,
//! [`crate::render::markup::markdown_inert`] and [`crate::render::markup::markdown_code`] for Markdown
//! (a mention or a bare address in user text is written as code, so the
//! document pasted where GitHub renders it pings and links nothing).
//!
//! Sections follow a privacy notice: what is collected and why, purposes
//! and their limits, sharing and its exceptions, retention, storage and
//! transfers, safeguards, cookies and tracking, rights and obligations,
//! principles, and the data map (a table and a picture laid out by
//! [`crate::render::layout`]). Every rule appears once, with its citation and doc
//! comment.

mod html;
mod markdown;
mod model;
mod picture;
mod record;
mod svg;
mod words;

pub use html::html;
pub use markdown::markdown;
pub use model::{Block, Document, Entry, Inline, Picture};
pub use model::{PictureNode, Summary};
pub use picture::{PICTURE_LABEL_CHARS, PICTURE_MAX_ARROWS, PICTURE_MAX_BOXES, PICTURE_NAME_CHARS};
pub use record::{RECORD_HEAD, record_csv};
pub use svg::svg;

use super::graph::violations;
use crate::check::FlowFinding;
use crate::describe;
use crate::diagnostic::Diagnostic;
use crate::model::*;
use model::{code, text};
use std::collections::{BTreeMap, BTreeSet};
use words::*;

/// A table of the declared names of a namespace: name, label, citation,
/// and the doc comment.
fn glossary(
    program: &Program,
    namespace: Namespace,
    extra: fn(&Program, NameId) -> String,
) -> Block {
    let vocabulary = program.vocabulary(namespace);
    let rows = vocabulary
        .iter()
        .filter_map(|(id, entry)| {
            let declared = entry.declared.as_ref()?;
            let mut label = declared.label.clone().unwrap_or_default();
            let more = extra(program, id);
            if !more.is_empty() {
                if label.is_empty() {
                    label = more;
                } else {
                    label = format!("{label} ({more})");
                }
            }
            Some(vec![
                vec![code(entry.name.clone())],
                vec![text(label)],
                vec![text(declared.meta.cite_text().unwrap_or(""))],
                vec![text(declared.meta.doc.clone().unwrap_or_default())],
            ])
        })
        .collect();
    Block::Table {
        head: vec!["name", "meaning", "cite", "notes"],
        rows,
    }
}

fn no_extra(_: &Program, _: NameId) -> String {
    String::new()
}

fn category_flags(program: &Program, id: NameId) -> String {
    let Some(entry) = program.categories().get(id) else {
        return String::new();
    };
    let mut flags = Vec::new();
    if entry.sensitive {
        flags.push("sensitive");
    }
    if entry.identifier {
        flags.push("identifies you");
    }
    flags.join(", ")
}

fn basis_kind(program: &Program, id: NameId) -> String {
    let exemption = program
        .bases()
        .get(id)
        .and_then(|e| e.declared.as_ref())
        .is_some_and(|d| d.exemption);
    let mut kind = Vec::new();
    if exemption {
        kind.push(match program.exemption_purposes.get(&id) {
            Some(purposes) => format!(
                "an exemption: no consent needed, for {} only",
                describe::join_or(&describe::sorted_names(program.purposes(), &purposes.names))
            ),
            None => "an exemption: no consent needed".to_string(),
        });
    }
    if let Some(notice) = program.basis_notices.get(&id) {
        kind.push(format!(
            "counts only once {} is given",
            program.vocabulary(Namespace::Obligation).name(*notice)
        ));
    }
    if program.new_purpose_bases.contains(&id) {
        kind.push("accepted for a new purpose".to_string());
    }
    kind.join("; ")
}

/// "also for data collected for a or b", for a purpose declared
/// `compatible with` others.
fn compatible_purposes(program: &Program, id: NameId) -> String {
    let commercial = program.purposes().get(id).is_some_and(|e| e.commercial);
    let with = program.compatible_with(id);
    let compatible = (!with.is_empty()).then(|| {
        format!(
            "also for data collected for {}",
            crate::describe::join_or(&crate::describe::sorted_names(program.purposes(), &with))
        )
    });
    commercial
        .then(|| "commercial".to_string())
        .into_iter()
        .chain(compatible)
        .collect::<Vec<_>>()
        .join("; ")
}

fn audience_age(program: &Program, id: NameId) -> String {
    program
        .audience_ages
        .get(&id)
        .map(|age| format!("under age {age}"))
        .unwrap_or_default()
}

fn duration_value(program: &Program, id: NameId) -> String {
    program
        .duration(id)
        .map(|d| d.to_string())
        .unwrap_or_default()
}

/// Which section a rule belongs in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Collection,
    Purposes,
    Sharing,
    Storage,
    Tracking,
}

fn section_of(rule: &Rule) -> Section {
    match rule.kind {
        RuleKind::Restrict => Section::Purposes,
        RuleKind::Confine => Section::Storage,
        RuleKind::HonourDnt | RuleKind::OptOut(_) => Section::Tracking,
        RuleKind::Allow | RuleKind::Deny => {
            if rule.actions.contains(Action::Collect) {
                Section::Collection
            } else if rule.actions.iter().all(Action::is_onward) {
                Section::Sharing
            } else {
                Section::Purposes
            }
        }
    }
}

fn rules_in(program: &Program, section: Section) -> Block {
    Block::Entries(
        program
            .rules
            .iter()
            // An `except allow` clause is shown with its rule.
            .filter(|rule| rule.exception_of.is_none() && section_of(rule) == section)
            .map(|rule| rule_entry(program, rule))
            .collect(),
    )
}

/// The id of a flow's row in the table of flows, for links to it.
fn flow_anchor(id: FlowId) -> String {
    format!("flow-{}", id.0 + 1)
}

/// A diagnostic's message as words: its user text, between backticks, as
/// code.
fn message_words(message: &str) -> Vec<Inline> {
    message
        .split('`')
        .enumerate()
        .filter(|(_, part)| !part.is_empty())
        .map(|(i, part)| if i % 2 == 1 { code(part) } else { text(part) })
        .collect()
}

/// The flows that break the policy, at the top of the document: how many,
/// and each with what it breaks (the diagnostic's message) and the rules at
/// stake with their citations, linked to its row in the table of flows.
fn broken_flows(
    program: &Program,
    findings: &BTreeSet<FlowFinding>,
    diagnostics: &[Diagnostic],
) -> Vec<Block> {
    let by_flow = violations(findings);
    if by_flow.is_empty() {
        return Vec::new();
    }
    let node_names = program.node_names();
    let count = by_flow.len();
    let heading = if count == 1 {
        "1 flow breaks this policy".to_string()
    } else {
        format!("{count} flows break this policy")
    };
    let entries = by_flow
        .iter()
        .filter_map(|(id, names)| {
            let flow = program.flow(*id)?;
            let extent = flow.meta.span.to(flow.from_span).to(flow.to_span);
            let words = vec![Inline::Link(
                format!(
                    "{} to {}",
                    node_names.name(flow.from),
                    node_names.name(flow.to)
                ),
                flow_anchor(*id),
            )];
            let found = diagnostics.iter().filter(|d| {
                names.contains(&d.name)
                    && d.primary.span.file == extent.file
                    && d.primary.span.start >= extent.start
                    && d.primary.span.end <= extent.end
            });
            // A line per way the flow breaks the policy: what, and the rule
            // at stake with its citation.
            let mut exceptions = Vec::new();
            for diagnostic in found {
                let mut line = message_words(&diagnostic.message);
                line.push(text(format!(" ({})", diagnostic.name.as_str())));
                let mut cited = diagnostic.labels.iter().filter(|l| l.cite.is_some());
                let first = cited.next();
                if let Some(label) = first {
                    line.push(text(": "));
                    line.extend(message_words(&label.message));
                }
                for label in cited {
                    line.push(text("; "));
                    line.extend(message_words(&label.message));
                    line.push(text(format!(
                        " (cite \"{}\")",
                        label.cite.as_deref().unwrap_or_default()
                    )));
                }
                exceptions.push((line, first.and_then(|l| l.cite.clone())));
            }
            if exceptions.is_empty() {
                let list: Vec<&str> = names.iter().map(|n| n.as_str()).collect();
                exceptions.push((vec![text(list.join(", "))], None));
            }
            Some(Entry {
                text: words,
                cite: flow.meta.cite_text().map(str::to_string),
                doc: None,
                exceptions,
            })
        })
        .collect();
    vec![
        Block::Heading(2, heading),
        Block::Paragraph(vec![text(
            "The data map has flows the policy forbids. Each is listed with what it breaks and the rules at stake, with their citations, and is marked in the table of flows.",
        )]),
        Block::Entries(entries),
    ]
}

/// The document of a program: `findings` marks the flows that break the
/// policy, and `diagnostics` says how (the document lists them at the top).
pub fn document(
    program: &Program,
    findings: &BTreeSet<FlowFinding>,
    diagnostics: &[Diagnostic],
) -> Document {
    let title = program
        .policy
        .as_ref()
        .map(|p| p.title.clone().unwrap_or_else(|| p.name.clone()))
        .unwrap_or_else(|| "Privacy policy".to_string());
    let mut blocks = vec![Block::Heading(1, title.clone())];
    if let Some(policy) = &program.policy {
        let mut line = vec![text("Policy "), code(policy.name.clone())];
        if let Some(updated) = policy.updated {
            line.push(text(format!(", last updated {updated}")));
        }
        if let Some(cite) = policy.meta.cite_text() {
            line.push(text(format!(" (cite \"{cite}\")")));
        }
        line.push(text("."));
        blocks.push(Block::Paragraph(line));
        if let Some(doc) = &policy.meta.doc {
            blocks.push(Block::Paragraph(vec![text(doc.clone())]));
        }
    }
    blocks.push(Block::Paragraph(vec![text(
        "This document is generated by privet from the policy's source. Each rule is followed by the section of the notice it encodes (its citation) and its explanation. Names in code are the policy's own terms, defined in the tables.",
    )]));

    blocks.extend(broken_flows(program, findings, diagnostics));
    blocks.extend(outline(program));

    blocks.push(Block::Heading(2, "What we collect and why".to_string()));
    blocks.push(glossary(program, Namespace::Category, category_flags));
    blocks.push(rules_in(program, Section::Collection));
    if !program.audiences().is_empty() {
        blocks.push(Block::Heading(3, "Whose information".to_string()));
        blocks.push(Block::Paragraph(vec![text(
            "The kinds of people the information is about. A rule about some of them holds for their information wherever it goes; a rule that names none holds for everyone's.",
        )]));
        blocks.push(glossary(program, Namespace::Audience, audience_age));
    }

    blocks.push(Block::Heading(2, "Purposes and their limits".to_string()));
    blocks.push(glossary(program, Namespace::Purpose, compatible_purposes));
    blocks.push(rules_in(program, Section::Purposes));

    blocks.push(Block::Heading(
        2,
        "Sharing, transfer and disclosure, and their exceptions".to_string(),
    ));
    blocks.push(rules_in(program, Section::Sharing));
    blocks.push(Block::Heading(3, "Legal bases and exemptions".to_string()));
    blocks.push(glossary(program, Namespace::Basis, basis_kind));

    blocks.push(Block::Heading(
        2,
        "How long we keep your information".to_string(),
    ));
    blocks.push(Block::Entries(
        program
            .retentions
            .iter()
            .map(|retention| {
                let mut words =
                    kept_for(program, &retention.categories, retention.purposes.as_ref());
                words.extend(lifecycle(program, &retention.lifecycle));
                words.push(text("."));
                entry(words, &retention.meta)
            })
            .chain(program.floors.iter().map(|floor| {
                let mut words = kept_for(program, &floor.categories, floor.purposes.as_ref());
                words.extend(minimum(program, &floor.minimum));
                words.push(text("."));
                entry(words, &floor.meta)
            }))
            .chain(program.legal_holds.iter().map(|hold| {
                let mut words = kept_for(program, &hold.categories, hold.purposes.as_ref());
                words.push(text("never erased while "));
                words.extend(named(program.vocabulary(Namespace::State), hold.state));
                words.push(text("."));
                entry(words, &hold.meta)
            }))
            .collect(),
    ));
    blocks.push(Block::Heading(3, "Periods".to_string()));
    blocks.push(glossary(program, Namespace::Duration, duration_value));
    blocks.push(Block::Heading(3, "States and events".to_string()));
    blocks.push(glossary(program, Namespace::State, no_extra));
    blocks.push(glossary(program, Namespace::Event, no_extra));

    blocks.push(Block::Heading(
        2,
        "Where we store it, and transfers".to_string(),
    ));
    blocks.push(glossary(program, Namespace::Region, no_extra));
    blocks.push(rules_in(program, Section::Storage));

    blocks.push(Block::Heading(2, "How we protect it".to_string()));
    blocks.push(glossary(program, Namespace::Safeguard, no_extra));
    blocks.push(Block::Entries(
        program
            .requirements
            .iter()
            .map(|requirement| {
                let mut words = vec![
                    Inline::Strong("Required:".to_string()),
                    text(match requirement.target {
                        crate::ast::RequireTarget::Stores => " every store holding ",
                        crate::ast::RequireTarget::Flows => " every flow carrying ",
                    }),
                ];
                words.extend(scope(program.categories(), &requirement.categories));
                words.push(text(" has "));
                words.extend(names(&describe::sorted_names(
                    program.safeguards(),
                    &requirement.safeguards,
                )));
                entry(words, &requirement.meta)
            })
            .collect(),
    ));

    blocks.push(Block::Heading(2, "Cookies and tracking".to_string()));
    let technologies = program.vocabulary(Namespace::Technology);
    blocks.push(Block::Table {
        head: vec!["technology", "meaning", "for", "how to opt out", "cite"],
        rows: program
            .technologies
            .iter()
            .map(|technology| {
                let entry = technologies.get(technology.id);
                vec![
                    vec![code(technologies.name(technology.id))],
                    vec![text(entry.and_then(|e| e.label()).unwrap_or(""))],
                    names(&describe::sorted_names(
                        program.purposes(),
                        &technology.purposes,
                    )),
                    match technology.opt_out_name {
                        // A declared opt-out: its words, then its name.
                        Some(opt_out) => {
                            let opt_outs = program.vocabulary(Namespace::OptOut);
                            let label = opt_outs
                                .get(opt_out)
                                .and_then(|e| e.label())
                                .unwrap_or_default();
                            vec![
                                text(format!("{label} (")),
                                code(opt_outs.name(opt_out)),
                                text(")"),
                            ]
                        }
                        None => vec![text(technology.opt_out.clone().unwrap_or_default())],
                    },
                    vec![text(
                        entry
                            .and_then(|e| e.meta())
                            .and_then(|m| m.cite_text())
                            .unwrap_or(""),
                    )],
                ]
            })
            .collect(),
    });
    blocks.push(rules_in(program, Section::Tracking));

    blocks.push(Block::Heading(
        2,
        "Your rights and our obligations".to_string(),
    ));
    blocks.push(Block::Heading(3, "Your rights".to_string()));
    blocks.push(statements(program, Namespace::Right));
    blocks.push(Block::Heading(3, "Our obligations".to_string()));
    let obligations = program.vocabulary(Namespace::Obligation);
    blocks.push(Block::Entries(
        program
            .obligations
            .iter()
            .filter_map(|obligation| {
                let meta = obligations.get(obligation.id)?.meta()?;
                let mut words = vec![code(obligations.name(obligation.id)), text(": ")];
                words.push(text(obligation.text.clone()));
                words.push(text(", "));
                words.extend(trigger(program, obligation.trigger.as_ref()));
                words.push(text("."));
                Some(entry(words, meta))
            })
            .collect(),
    ));

    blocks.push(Block::Heading(2, "Principles".to_string()));
    blocks.push(statements(program, Namespace::Principle));

    blocks.push(Block::Heading(2, "Data map".to_string()));
    blocks.push(Block::Paragraph(vec![text(
        "The systems, stores and recipients the policy governs, and the flows of information between them. Flows that break the policy are marked.",
    )]));
    let picture = picture::picture(program, findings);
    if let Some((how, nodes, flows)) = picture.summary {
        blocks.push(Block::Paragraph(vec![text(summary_words(
            how, nodes, flows,
        ))]));
    }
    blocks.push(Block::Picture(picture));
    blocks.push(Block::Heading(
        3,
        "Systems, stores and recipients".to_string(),
    ));
    let node_names = program.node_names();
    blocks.push(Block::Table {
        head: vec![
            "name",
            "kind",
            "meaning",
            "recipient",
            "where",
            "protected by",
        ],
        rows: program
            .nodes
            .iter()
            .map(|node| {
                let mut meaning = label_of(node_names, node.id).unwrap_or_default();
                if !node.audiences.is_empty() {
                    let kinds = describe::sorted_names(program.audiences(), &node.audiences);
                    let kinds = format!("is {}", kinds.join(", "));
                    meaning = if meaning.is_empty() {
                        kinds
                    } else {
                        format!("{meaning} ({kinds})")
                    };
                }
                vec![
                    vec![code(node_names.name(node.id))],
                    vec![text(node.kind.keyword())],
                    vec![text(meaning)],
                    vec![text(node.party.as_str())],
                    names(&describe::sorted_names(program.regions(), &node.regions)),
                    names(&describe::sorted_names(
                        program.safeguards(),
                        &node.protection,
                    )),
                ]
            })
            .collect(),
    });
    blocks.push(Block::Heading(3, "Flows".to_string()));
    let by_flow = violations(findings);
    blocks.push(Block::Table {
        head: vec!["from", "to", "carries", "for", "under", "breaks"],
        rows: program
            .flows
            .iter()
            .enumerate()
            .map(|(index, flow)| {
                let id = FlowId(crate::source::offset_u32(index));
                let categories: Vec<NameId> = flow.categories.iter().map(|(c, _)| *c).collect();
                let purposes: Vec<NameId> = flow.purposes.iter().map(|(p, _)| *p).collect();
                let mut carries = Vec::new();
                match flow.transform {
                    Some(crate::ast::Transform::Anonymized) => carries.push(text("anonymized ")),
                    Some(crate::ast::Transform::Pseudonymized) => {
                        carries.push(text("pseudonymized "))
                    }
                    None => {}
                }
                carries.extend(names(&describe::sorted_names(
                    program.categories(),
                    &categories,
                )));
                let broken: Vec<String> = by_flow
                    .get(&id)
                    .map(|found| found.iter().map(|n| n.as_str().to_string()).collect())
                    .unwrap_or_default();
                vec![
                    {
                        // Broken flows are linked to from the top.
                        let mut from = vec![code(node_names.name(flow.from))];
                        if !broken.is_empty() {
                            from.insert(0, Inline::Anchor(flow_anchor(id)));
                        }
                        from
                    },
                    vec![code(node_names.name(flow.to))],
                    carries,
                    names(&describe::sorted_names(program.purposes(), &purposes)),
                    names(&describe::sorted_names(program.bases(), &flow.bases)),
                    if broken.is_empty() {
                        vec![text("")]
                    } else {
                        vec![Inline::Strong(broken.join(", "))]
                    },
                ]
            })
            .collect(),
    });
    let record = record::record(program);
    blocks.push(Block::Heading(
        2,
        "Record of processing activities".to_string(),
    ));
    blocks.push(Block::Paragraph(vec![text(
        "Each purpose the data map's flows serve, as a processing activity: the categories they carry, whose information it is, the recipients outside the first party, the regions it goes to (a transfer abroad shows there), how long the stores it reaches keep it, and the safeguards on the way. The same record is written as a CSV file beside this document.",
    )]));
    blocks.push(Block::Table {
        head: RECORD_HEAD.to_vec(),
        rows: record.clone(),
    });
    Document {
        title,
        blocks: fill_empty_sections(blocks),
        record,
    }
}

/// What a summarised picture leaves out, and where to find it.
fn summary_words(how: model::Summary, nodes: usize, flows: usize) -> String {
    let drawn = match how {
        model::Summary::GroupedByKind => {
            "one box per kind of node, each arrow the flows between two kinds"
        }
        _ => {
            "each chain of nodes of one kind, where each is the only way into the next, as one box"
        }
    };
    format!(
        "The data map has {nodes} systems, stores and recipients and {flows} flows, more than a picture can show legibly (at most {} boxes and {} arrows), so the picture is summarised: it draws {drawn}. Every node and every flow is in the tables below.",
        picture::PICTURE_MAX_BOXES,
        picture::PICTURE_MAX_ARROWS
    )
}

/// "2 rules and 1 declaration": how many items of each kind cite a section.
fn cited_by(counts: &BTreeMap<crate::outline::Citer, usize>) -> String {
    let parts: Vec<String> = counts
        .iter()
        .map(|(by, count)| {
            let (one, many) = match by {
                crate::outline::Citer::Rule => ("rule", "rules"),
                crate::outline::Citer::Declaration => ("declaration", "declarations"),
                crate::outline::Citer::DataMap => {
                    ("entry of the data map", "entries of the data map")
                }
            };
            format!("{count} {}", if *count == 1 { one } else { many })
        })
        .collect();
    match parts.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => parts.join(""),
    }
}

/// The notice's table of contents, when the policy declares it: each
/// section with its title and what cites it, so a reader sees which parts
/// of the notice the policy encodes.
fn outline(program: &Program) -> Vec<Block> {
    let outline = &program.outline;
    if outline.is_empty() {
        return Vec::new();
    }
    let mut counts: Vec<BTreeMap<crate::outline::Citer, usize>> =
        vec![BTreeMap::new(); outline.sections.len()];
    for citation in &outline.citations {
        for index in &citation.sections {
            if let Some(count) = counts.get_mut(*index) {
                *count.entry(citation.by).or_default() += 1;
            }
        }
    }
    // Whether a section, or one inside it, is cited: parents are shorter
    // ids, so walking up from each cited section marks them all.
    let mut covered = vec![false; outline.sections.len()];
    for (index, count) in counts.iter().enumerate() {
        let mut at = (!count.is_empty()).then_some(index);
        let mut hops = 0;
        while let Some(section) = at {
            if let Some(flag) = covered.get_mut(section) {
                *flag = true;
            }
            at = outline.section(section).and_then(|s| s.parent);
            hops += 1;
            if hops > outline.sections.len() {
                break;
            }
        }
    }
    let rows = outline
        .sections
        .iter()
        .enumerate()
        .map(|(index, section)| {
            let count = counts.get(index).cloned().unwrap_or_default();
            let cited = if !count.is_empty() {
                cited_by(&count)
            } else if covered.get(index).copied().unwrap_or(false) {
                "its subsections".to_string()
            } else {
                "nothing".to_string()
            };
            let indent = "\u{a0}\u{a0}".repeat(outline.depth(index));
            vec![
                vec![text(indent), code(section.id.clone())],
                vec![text(section.title.clone())],
                vec![text(cited)],
            ]
        })
        .collect();
    vec![
        Block::Heading(2, "The notice".to_string()),
        Block::Paragraph(vec![text(
            "The sections of the notice, as its table of contents lists them, and what in this policy cites each.",
        )]),
        Block::Table {
            head: vec!["section", "title", "cited by"],
            rows,
        },
    ]
}

/// Drops empty lists and tables, and says "Nothing is declared." under a
/// heading left with nothing below it.
fn fill_empty_sections(blocks: Vec<Block>) -> Vec<Block> {
    let blocks: Vec<Block> = blocks
        .into_iter()
        .filter(|block| match block {
            Block::Entries(entries) => !entries.is_empty(),
            Block::Table { rows, .. } => !rows.is_empty(),
            _ => true,
        })
        .collect();
    let mut out = Vec::with_capacity(blocks.len());
    let mut iter = blocks.into_iter().peekable();
    while let Some(block) = iter.next() {
        let level = match &block {
            Block::Heading(level, _) if *level > 1 => Some(*level),
            _ => None,
        };
        out.push(block);
        if let Some(level) = level {
            let empty = match iter.peek() {
                None => true,
                Some(Block::Heading(next, _)) => *next <= level,
                Some(_) => false,
            };
            if empty {
                out.push(Block::Paragraph(vec![text("Nothing is declared.")]));
            }
        }
    }
    out
}

/// Principles or rights: their statement and citation.
fn statements(program: &Program, namespace: Namespace) -> Block {
    let vocabulary = program.vocabulary(namespace);
    Block::Entries(
        vocabulary
            .iter()
            .filter_map(|(_, e)| {
                let declared = e.declared.as_ref()?;
                let words = vec![
                    code(e.name.clone()),
                    text(": "),
                    text(declared.label.clone().unwrap_or_default()),
                ];
                Some(entry(words, &declared.meta))
            })
            .collect(),
    )
}
