//! `privet doc`: the policy as a document for legal review, in Markdown and
//! as one self-contained HTML file (inline style, inline SVG, no script, no
//! fetch of any kind; a Content-Security-Policy forbids both).
//!
//! The document is built once as a list of blocks and written in each
//! language by its own writer, so every user string is escaped in one
//! place per language: [`markup::xml`] for HTML and SVG,
//! [`markup::markdown_inert`] and [`markup::markdown_code`] for Markdown
//! (a mention or a bare address in user text is written as code, so the
//! document pasted where GitHub renders it pings and links nothing).
//!
//! Sections follow a privacy notice: what is collected and why, purposes
//! and their limits, sharing and its exceptions, retention, storage and
//! transfers, safeguards, cookies and tracking, rights and obligations,
//! principles, and the data map (a table and a picture laid out by
//! [`super::layout`]). Every rule appears once, with its citation and doc
//! comment.

use super::graph::{TOOLTIP_CHARS, flow_label, is_error, violations};
use super::layout;
use super::markup;
use crate::ast::{EndAction, Hold};
use crate::check::FlowFinding;
use crate::describe;
use crate::model::*;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// A run of text inside a block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inline {
    Text(String),
    /// A name of the program, shown as code.
    Code(String),
    Strong(String),
}

/// One rule or statement, with what traces it to the notice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub text: Vec<Inline>,
    pub cite: Option<String>,
    pub doc: Option<String>,
    /// Exceptions: their text and citation.
    pub exceptions: Vec<(Vec<Inline>, Option<String>)>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    Heading(u8, String),
    Paragraph(Vec<Inline>),
    Entries(Vec<Entry>),
    Table {
        head: Vec<&'static str>,
        rows: Vec<Vec<Vec<Inline>>>,
    },
    /// The data-map picture.
    Picture(Picture),
}

/// The data map, laid out: boxes and polylines.
#[derive(Clone, Debug, PartialEq)]
pub struct Picture {
    pub layout: layout::Layout,
    /// Per node: the name it shows (abbreviated to [`PICTURE_NAME_CHARS`]),
    /// its kind, and its tooltip (its label, or its name; with the whole
    /// name when the shown one is abbreviated), at most
    /// [`TOOLTIP_CHARS`] characters.
    pub nodes: Vec<(String, &'static str, String)>,
    /// Per arrow (the flows between two nodes): its tooltip, a line per
    /// flow, and whether one of them breaks the policy (`Some(true)` an
    /// error, `Some(false)` a warning).
    pub flows: Vec<(String, Option<bool>)>,
}

/// The rendered document.
pub struct Document {
    pub title: String,
    pub blocks: Vec<Block>,
}

fn text(s: impl Into<String>) -> Inline {
    Inline::Text(s.into())
}

fn code(s: impl Into<String>) -> Inline {
    Inline::Code(s.into())
}

/// Names as code, joined with commas and "and".
fn names(list: &[String]) -> Vec<Inline> {
    joined(list, " and ")
}

/// Names as code, joined with commas and "or": alternatives, such as the
/// bases any one of which will do.
fn alternatives(list: &[String]) -> Vec<Inline> {
    joined(list, " or ")
}

fn joined(list: &[String], last: &str) -> Vec<Inline> {
    let mut out = Vec::new();
    for (index, name) in list.iter().enumerate() {
        if index > 0 {
            out.push(text(if index + 1 == list.len() { last } else { ", " }));
        }
        out.push(code(name.clone()));
    }
    out
}

fn scope(vocabulary: &Vocabulary, scope: &Scope) -> Vec<Inline> {
    let mut out = Vec::new();
    if let Some(flag) = scope.filter {
        out.push(text(format!("the {} data in ", flag.keyword())));
    }
    out.extend(names(&describe::sorted_names(vocabulary, &scope.names)));
    out
}

fn label_of(vocabulary: &Vocabulary, id: NameId) -> Option<String> {
    vocabulary
        .get(id)
        .and_then(|e| e.label())
        .map(str::to_string)
}

/// A name with its label: "you use our services (`account.active`)".
fn named(vocabulary: &Vocabulary, id: NameId) -> Vec<Inline> {
    match label_of(vocabulary, id) {
        Some(label) => vec![
            text(format!("{label} (")),
            code(vocabulary.name(id)),
            text(")"),
        ],
        None => vec![code(vocabulary.name(id))],
    }
}

/// "about children (`customer.child`)": an `about` clause in words, each
/// audience with its label.
fn about_words(program: &Program, scope: &Scope) -> Vec<Inline> {
    let audiences = program.audiences();
    let mut ids = scope.names.clone();
    ids.sort_by(|a, b| audiences.name(*a).cmp(audiences.name(*b)));
    ids.dedup();
    let mut out = vec![text("about ")];
    for (index, id) in ids.iter().enumerate() {
        if index > 0 {
            out.push(text(if index + 1 == ids.len() { " or " } else { ", " }));
        }
        out.extend(named(audiences, *id));
    }
    out
}

fn entry(text: Vec<Inline>, meta: &Meta) -> Entry {
    Entry {
        text,
        cite: meta.cite_text().map(str::to_string),
        doc: meta.doc.clone(),
        exceptions: Vec::new(),
    }
}

fn actions_words(actions: ActionSet) -> String {
    if actions == ActionSet::ALL {
        return "process".to_string();
    }
    let list: Vec<String> = actions.iter().map(|a| a.as_str().to_string()).collect();
    describe::join_and(&list)
}

/// What a condition names, in words: "for `a`, to `processor`, under `b`".
fn condition_words(program: &Program, condition: &Condition) -> Vec<Inline> {
    let mut parts: Vec<Vec<Inline>> = Vec::new();
    if let Some(categories) = &condition.categories {
        let mut words = vec![text("of ")];
        words.extend(scope(program.categories(), categories));
        parts.push(words);
    }
    if let Some(audiences) = &condition.audiences {
        parts.push(about_words(program, audiences));
    }
    let parties: Vec<String> = condition
        .recipients
        .map(|parties| parties.iter().map(|p| p.as_str().to_string()).collect())
        .unwrap_or_default();
    let named = |vocabulary: &Vocabulary, ids: &[NameId]| describe::sorted_names(vocabulary, ids);
    let purposes = condition
        .purposes
        .as_ref()
        .map(|scope| named(program.purposes(), &scope.names))
        .unwrap_or_default();
    for (word, names) in [
        ("for ", purposes),
        ("to ", parties),
        ("in ", named(program.regions(), &condition.regions)),
        ("under ", named(program.bases(), &condition.bases)),
    ] {
        if !names.is_empty() {
            let mut words = vec![text(word)];
            words.extend(alternatives(&names));
            parts.push(words);
        }
    }
    let mut out = Vec::new();
    for (index, part) in parts.into_iter().enumerate() {
        if index > 0 {
            out.push(text(", "));
        }
        out.extend(part);
    }
    out
}

fn exceptions(program: &Program, rule: &Rule) -> Vec<(Vec<Inline>, Option<String>)> {
    let mut out = Vec::new();
    for exception in &rule.exceptions {
        let mut words = vec![text(if exception.permits.is_some() {
            "allowed as an exception "
        } else {
            "except "
        })];
        words.extend(condition_words(program, &exception.condition));
        out.push((words, exception.cite.as_ref().map(|c| c.value.clone())));
        for carve_out in &exception.carve_outs {
            let mut words = vec![text("but not, in that exception, ")];
            words.extend(condition_words(program, &carve_out.condition));
            out.push((words, carve_out.cite.as_ref().map(|c| c.value.clone())));
        }
    }
    out
}

/// A rule in words.
fn rule_entry(program: &Program, rule: &Rule) -> Entry {
    let categories = scope(program.categories(), &rule.categories);
    let purposes = rule
        .purposes
        .as_ref()
        .map(|s| names(&describe::sorted_names(program.purposes(), &s.names)));
    let mut words = Vec::new();
    match rule.kind {
        RuleKind::Allow | RuleKind::Deny => {
            words.push(Inline::Strong(
                if rule.kind == RuleKind::Allow {
                    "Allowed:"
                } else {
                    "Forbidden:"
                }
                .to_string(),
            ));
            words.push(text(format!(" {} ", actions_words(rule.actions))));
            words.extend(categories);
            if let Some(audiences) = &rule.audiences {
                words.push(text(" "));
                words.extend(about_words(program, audiences));
            }
            let commercial = rule
                .purposes
                .as_ref()
                .is_some_and(|s| s.filter == Some(crate::ast::CategoryFlag::Commercial));
            match purposes {
                Some(purposes) if commercial && purposes.is_empty() => {
                    words.push(text(" for any commercial purpose"));
                }
                Some(purposes) if commercial => {
                    words.push(text(" for the commercial purposes of "));
                    words.extend(purposes);
                }
                Some(purposes) => {
                    words.push(text(" for "));
                    words.extend(purposes);
                }
                None => words.push(text(" for any purpose")),
            }
            if let Some(parties) = rule.recipients {
                words.push(text(" to "));
                let parties: Vec<String> = parties.iter().map(|p| p.as_str().to_string()).collect();
                words.extend(alternatives(&parties));
            }
            if rule.kind == RuleKind::Allow && !rule.bases.is_empty() {
                words.push(text(", under "));
                words.extend(alternatives(&describe::sorted_names(
                    program.bases(),
                    &rule.bases,
                )));
            }
            if !rule.regions.is_empty() {
                words.push(text(", in "));
                words.extend(alternatives(&describe::sorted_names(
                    program.regions(),
                    &rule.regions,
                )));
            }
            if !rule.after.is_empty() {
                words.push(text(", after "));
                words.extend(alternatives(&describe::sorted_names(
                    program.vocabulary(Namespace::Event),
                    &rule.after,
                )));
            }
        }
        RuleKind::Restrict => {
            words.push(Inline::Strong("Only for:".to_string()));
            words.push(text(" "));
            words.extend(categories);
            words.push(text(" is used only for "));
            words.extend(purposes.unwrap_or_default());
            if let Some(audiences) = &rule.audiences {
                words.push(text(", "));
                words.extend(about_words(program, audiences));
            }
        }
        RuleKind::Confine => {
            words.push(Inline::Strong("Stays in:".to_string()));
            words.push(text(" "));
            words.extend(categories);
            words.push(text(" is stored and used only in "));
            words.extend(names(&describe::sorted_names(
                program.regions(),
                &rule.regions,
            )));
            if let Some(audiences) = &rule.audiences {
                words.push(text(", "));
                words.extend(about_words(program, audiences));
            }
        }
        RuleKind::HonourDnt => {
            words.push(Inline::Strong("Do Not Track:".to_string()));
            words.push(text(
                " when your browser sends Do Not Track, nothing is processed for ",
            ));
            words.extend(purposes.unwrap_or_default());
        }
        RuleKind::OptOut(id) => {
            words.push(Inline::Strong("Your choice:".to_string()));
            words.push(text(" when you opt out ("));
            words.push(code(program.vocabulary(Namespace::OptOut).name(id)));
            words.push(text("), we no longer "));
            if rule.categories.names.is_empty() {
                words.push(text("process your information"));
            } else {
                words.push(text(format!("{} ", actions_words(rule.actions))));
                words.extend(categories);
            }
            if let Some(purposes) = purposes {
                words.push(text(" for "));
                words.extend(purposes);
            }
        }
    }
    let mut out = entry(words, &rule.meta);
    out.exceptions = exceptions(program, rule);
    out
}

fn duration(program: &Program, value: &DurationValue) -> Vec<Inline> {
    let mut out = vec![text(value.value.to_string())];
    if let Some(name) = value.name {
        out.push(text(" ("));
        out.push(code(program.vocabulary(Namespace::Duration).name(name)));
        out.push(text(")"));
    }
    out
}

fn archive_words(encrypted: bool, isolated: bool) -> String {
    match (encrypted, isolated) {
        (true, true) => "archived, encrypted and isolated,".to_string(),
        (true, false) => "archived and encrypted".to_string(),
        (false, true) => "archived and isolated".to_string(),
        (false, false) => "archived".to_string(),
    }
}

/// A lifecycle in words.
fn lifecycle(program: &Program, lifecycle: &Lifecycle) -> Vec<Inline> {
    let Lifecycle::Phased {
        while_state,
        hold,
        end,
        ..
    } = lifecycle
    else {
        return vec![text("kept permanently")];
    };
    let mut out = Vec::new();
    if let Some(state) = while_state {
        out.push(text("kept while "));
        out.extend(named(program.vocabulary(Namespace::State), *state));
        out.push(text("; then "));
    }
    if let Some(hold) = hold {
        out.extend(hold_words(program, hold, "kept for "));
        if hold.without_commercial_use {
            out.push(text(" without commercial use"));
        }
        out.push(text("; then "));
    }
    out.push(text(match end {
        EndAction::Delete => "deleted".to_string(),
        EndAction::Anonymize => "anonymized".to_string(),
        EndAction::Archive {
            encrypted,
            isolated,
        } => archive_words(*encrypted, *isolated)
            .trim_end_matches(',')
            .to_string(),
    }));
    out
}

/// "`user`, kept for `p`: ", the start of an entry on retention.
fn kept_for(program: &Program, categories: &Scope, purposes: Option<&Scope>) -> Vec<Inline> {
    let mut words = scope(program.categories(), categories);
    if let Some(purposes) = purposes {
        words.push(text(", kept for "));
        words.extend(names(&describe::sorted_names(
            program.purposes(),
            &purposes.names,
        )));
    }
    words.push(text(": "));
    words
}

/// A floor in words: "kept at least while ...; then after ..., kept for
/// ...".
fn minimum(program: &Program, minimum: &Minimum) -> Vec<Inline> {
    let Minimum::Kept {
        while_state, hold, ..
    } = minimum
    else {
        return vec![text("kept permanently, at least")];
    };
    let mut out = vec![text("kept at least ")];
    if let Some(state) = while_state {
        out.push(text("while "));
        out.extend(named(program.vocabulary(Namespace::State), *state));
        if hold.is_some() {
            out.push(text("; then "));
        }
    }
    if let Some(hold) = hold {
        out.extend(hold_words(program, hold, "for "));
    }
    out
}

/// A hold in words: "after EVENT, kept for DURATION" (`keep` in the words
/// given), or "archived, encrypted and isolated, for DURATION".
fn hold_words(program: &Program, hold: &HoldPhase, keep: &str) -> Vec<Inline> {
    let mut out = Vec::new();
    if let Some(event) = hold.after {
        out.push(text("after "));
        out.extend(named(program.vocabulary(Namespace::Event), event));
        out.push(text(", "));
    }
    out.push(text(match hold.hold {
        Hold::Keep => keep.to_string(),
        Hold::Archive {
            encrypted,
            isolated,
        } => format!("{} for ", archive_words(encrypted, isolated)),
    }));
    out.extend(duration(program, &hold.duration));
    out
}

fn trigger(program: &Program, trigger: Option<&Trigger>) -> Vec<Inline> {
    let events = program.vocabulary(Namespace::Event);
    match trigger {
        None => vec![text("at all times")],
        Some(Trigger::When(event)) => [vec![text("when ")], named(events, *event)].concat(),
        Some(Trigger::After { event, within }) => {
            let mut out = [vec![text("after ")], named(events, *event)].concat();
            if let Some(within) = within {
                out.push(text(", within "));
                out.extend(duration(program, within));
            }
            out
        }
        Some(Trigger::AtLeastBefore { lead, event }) => {
            let mut out = vec![text("at least ")];
            out.extend(duration(program, lead));
            out.push(text(" before "));
            out.extend(named(events, *event));
            out
        }
        Some(Trigger::Before(event)) => [vec![text("before ")], named(events, *event)].concat(),
        Some(Trigger::BeforeNewPurpose) => vec![text(
            "before your information is used for a purpose this policy does not name",
        )],
    }
}

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
                describe::sorted_names(program.purposes(), &purposes.names).join(", ")
            ),
            None => "an exemption: no consent needed".to_string(),
        });
    }
    if let Some(notice) = program.basis_notices.get(&id) {
        kind.push(format!(
            "counts only after the notice {}",
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

/// The most characters of a node's name the data-map picture shows; the
/// tooltip has the whole name. A node is as wide as its name, so this bounds
/// the picture's width.
pub const PICTURE_NAME_CHARS: usize = 40;

fn picture(program: &Program, findings: &BTreeSet<FlowFinding>) -> Picture {
    let node_names = program.node_names();
    let nodes: Vec<(String, &'static str, String)> = program
        .nodes
        .iter()
        .map(|node| {
            let name = node_names.name(node.id);
            let shown = markup::abbreviate(name, PICTURE_NAME_CHARS);
            let tooltip = match (label_of(node_names, node.id), &shown) {
                (Some(label), std::borrow::Cow::Owned(_)) => format!("{name}: {label}"),
                (Some(label), std::borrow::Cow::Borrowed(_)) => label,
                (None, _) => name.to_string(),
            };
            (
                shown.into_owned(),
                node.kind.keyword(),
                markup::abbreviate(&tooltip, TOOLTIP_CHARS).into_owned(),
            )
        })
        .collect();
    let widths: Vec<f64> = nodes
        .iter()
        .map(|(name, kind, _)| {
            let chars = name.chars().count().max(kind.chars().count()) as f64;
            (chars * 7.2 + 24.0).max(90.0)
        })
        .collect();
    // Flows between the same two nodes are drawn as one arrow, so none
    // hides another; its tooltip lists each flow, and its colour is the
    // worst of theirs.
    let by_flow = violations(findings);
    let mut edges: Vec<(usize, usize)> = Vec::new();
    let mut flows: Vec<(String, Option<bool>)> = Vec::new();
    let mut drawn: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    for (index, flow) in program.flows.iter().enumerate() {
        let id = FlowId(crate::source::offset_u32(index));
        let (what, why) = flow_label(program, id);
        let found = by_flow.get(&id);
        let mut tip = format!("{what} {why}");
        if let Some(found) = found {
            let list: Vec<&str> = found.iter().map(|n| n.as_str()).collect();
            let _ = write!(tip, " ({})", list.join(", "));
        }
        let broken = found.map(|found| is_error(found));
        let pair = (flow.from.index(), flow.to.index());
        match drawn.get(&pair).and_then(|&edge| flows.get_mut(edge)) {
            Some((tips, worst)) => {
                tips.push('\n');
                tips.push_str(&tip);
                *worst = (*worst).max(broken);
            }
            None => {
                drawn.insert(pair, edges.len());
                edges.push(pair);
                flows.push((tip, broken));
            }
        }
    }
    for (tips, _) in &mut flows {
        if let std::borrow::Cow::Owned(short) = markup::abbreviate(tips, TOOLTIP_CHARS) {
            *tips = short;
        }
    }
    Picture {
        layout: layout::layout(&widths, &edges),
        nodes,
        flows,
    }
}

/// The document of a program.
pub fn document(program: &Program, findings: &BTreeSet<FlowFinding>) -> Document {
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
    blocks.push(Block::Picture(picture(program, findings)));
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
                    vec![code(node_names.name(flow.from))],
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
    Document {
        title,
        blocks: fill_empty_sections(blocks),
    }
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

// ---- Markdown

fn md_inlines(inlines: &[Inline]) -> String {
    inlines
        .iter()
        .map(|inline| match inline {
            Inline::Text(t) => markup::markdown_inert(t),
            Inline::Code(c) => markup::markdown_code(c),
            Inline::Strong(s) => format!("**{}**", markup::markdown_inert(s)),
        })
        .collect()
}

fn md_cite(cite: &Option<String>) -> String {
    match cite {
        Some(cite) => format!(" *(cite \"{}\")*", markup::markdown_inert(cite)),
        None => String::new(),
    }
}

/// The document as Markdown. `picture` names the SVG file written beside
/// it.
pub fn markdown(document: &Document, picture: &str) -> String {
    let mut out = String::new();
    for block in &document.blocks {
        match block {
            Block::Heading(level, title) => {
                let _ = writeln!(
                    out,
                    "{} {}\n",
                    "#".repeat(usize::from(*level)),
                    markup::markdown_inert(title)
                );
            }
            Block::Paragraph(inlines) => {
                let _ = writeln!(out, "{}\n", md_inlines(inlines));
            }
            Block::Entries(entries) => {
                if entries.is_empty() {
                    continue;
                }
                for entry in entries {
                    let _ = writeln!(out, "- {}{}", md_inlines(&entry.text), md_cite(&entry.cite));
                    for (words, cite) in &entry.exceptions {
                        let _ = writeln!(out, "  - {}{}", md_inlines(words), md_cite(cite));
                    }
                    if let Some(doc) = &entry.doc {
                        for line in doc.lines() {
                            let _ = writeln!(out, "  > {}", markup::markdown_inert(line));
                        }
                    }
                }
                out.push('\n');
            }
            Block::Table { head, rows } => {
                if rows.is_empty() {
                    continue;
                }
                let _ = writeln!(out, "| {} |", head.join(" | "));
                let _ = writeln!(out, "|{}", "---|".repeat(head.len()));
                for row in rows {
                    let cells: Vec<String> = row.iter().map(|cell| md_inlines(cell)).collect();
                    let _ = writeln!(out, "| {} |", cells.join(" | "));
                }
                out.push('\n');
            }
            Block::Picture(_) => {
                let _ = writeln!(out, "![the data map]({picture})\n");
            }
        }
    }
    out
}

// ---- HTML and SVG

fn html_inlines(inlines: &[Inline]) -> String {
    inlines
        .iter()
        .map(|inline| match inline {
            Inline::Text(t) => markup::xml(t),
            Inline::Code(c) => format!("<code>{}</code>", markup::xml(c)),
            Inline::Strong(s) => format!("<strong>{}</strong>", markup::xml(s)),
        })
        .collect()
}

fn html_cite(cite: &Option<String>) -> String {
    match cite {
        Some(cite) => format!(" <span class=\"cite\">cite “{}”</span>", markup::xml(cite)),
        None => String::new(),
    }
}

fn number(value: f64) -> String {
    let rounded = (value * 10.0).round() / 10.0;
    if rounded.fract() == 0.0 {
        format!("{rounded:.0}")
    } else {
        format!("{rounded:.1}")
    }
}

impl Document {
    /// The data-map picture as SVG, when the document has one.
    pub fn picture_svg(&self) -> Option<String> {
        self.blocks.iter().find_map(|block| match block {
            Block::Picture(picture) => Some(svg(picture)),
            _ => None,
        })
    }
}

/// The data map as a standalone SVG element.
pub fn svg(picture: &Picture) -> String {
    let layout = &picture.layout;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"data-map\" role=\"img\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\">\n<title>the data map</title>\n",
        w = number(layout.width),
        h = number(layout.height)
    );
    out.push_str("<defs>");
    for (id, colour) in [
        ("arrow", "#555"),
        ("arrow-error", "#c00"),
        ("arrow-warning", "#d80"),
    ] {
        let _ = write!(
            out,
            "<marker id=\"{id}\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" markerHeight=\"8\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"{colour}\"/></marker>"
        );
    }
    out.push_str("</defs>\n");
    for (path, (tip, broken)) in layout.edges.iter().zip(&picture.flows) {
        let Some(((x0, y0), rest)) = path.points.split_first() else {
            continue;
        };
        let mut d = format!("M{},{}", number(*x0), number(*y0));
        if path.backward {
            if let Some((x1, y1)) = rest.last() {
                let dip = y0.max(*y1) + 36.0;
                let _ = write!(
                    d,
                    " C{},{} {},{} {},{}",
                    number(*x0),
                    number(dip),
                    number(*x1),
                    number(dip),
                    number(*x1),
                    number(*y1)
                );
            }
        } else {
            for (x, y) in rest {
                let _ = write!(d, " L{},{}", number(*x), number(*y));
            }
        }
        let (class, marker, colour) = match broken {
            Some(true) => ("flow error", "arrow-error", "#c00"),
            Some(false) => ("flow warning", "arrow-warning", "#d80"),
            None => ("flow", "arrow", "#555"),
        };
        let width = if broken.is_some() { "2.5" } else { "1.2" };
        let _ = writeln!(
            out,
            "<path class=\"{class}\" d=\"{d}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"{width}\" marker-end=\"url(#{marker})\"><title>{}</title></path>",
            markup::xml(tip)
        );
    }
    for (placed, (name, kind, tooltip)) in layout.nodes.iter().zip(&picture.nodes) {
        let fill = match *kind {
            "subject" => "#e8f0fe",
            "store" => "#fef7e0",
            "vendor" | "authority" => "#fce8e6",
            _ => "#e6f4ea",
        };
        let _ = writeln!(
            out,
            "<g class=\"node {kind}\"><title>{}</title><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"6\" fill=\"{fill}\" stroke=\"#555\"/><text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"12\">{}</text><text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"10\" fill=\"#555\">{kind}</text></g>",
            markup::xml(tooltip),
            number(placed.x),
            number(placed.y),
            number(placed.width),
            number(layout::NODE_HEIGHT),
            number(placed.x + placed.width / 2.0),
            number(placed.y + 19.0),
            markup::xml(name),
            number(placed.x + placed.width / 2.0),
            number(placed.y + 34.0),
        );
    }
    out.push_str("</svg>\n");
    out
}

const STYLE: &str = "body{font-family:Georgia,serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#222}\
h1,h2,h3{font-family:sans-serif}h2{border-bottom:1px solid #ccc;margin-top:2.5rem}\
code{font-size:.9em;background:#f3f3f3;padding:0 .2em;border-radius:3px}\
table{border-collapse:collapse;margin:1rem 0;font-size:.9em}td,th{border:1px solid #ccc;padding:.3em .5em;vertical-align:top;text-align:left}\
.cite{color:#666;font-size:.85em;white-space:nowrap}blockquote{margin:.3em 0 .3em 1em;color:#444;font-style:italic}\
li{margin:.4em 0}.picture{overflow-x:auto}";

/// The document as one self-contained HTML file.
pub fn html(document: &Document) -> String {
    let mut out =
        String::from("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n",
    );
    let _ = writeln!(out, "<title>{}</title>", markup::xml(&document.title));
    let _ = writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>");
    for block in &document.blocks {
        match block {
            Block::Heading(level, title) => {
                let id: String = title
                    .chars()
                    .map(|c| {
                        if c.is_ascii_alphanumeric() {
                            c.to_ascii_lowercase()
                        } else {
                            '-'
                        }
                    })
                    .collect();
                let _ = writeln!(
                    out,
                    "<h{level} id=\"{}\">{}</h{level}>",
                    markup::xml(&id),
                    markup::xml(title)
                );
            }
            Block::Paragraph(inlines) => {
                let _ = writeln!(out, "<p>{}</p>", html_inlines(inlines));
            }
            Block::Entries(entries) => {
                if entries.is_empty() {
                    continue;
                }
                out.push_str("<ul class=\"rules\">\n");
                for entry in entries {
                    let _ = write!(
                        out,
                        "<li>{}{}",
                        html_inlines(&entry.text),
                        html_cite(&entry.cite)
                    );
                    if !entry.exceptions.is_empty() {
                        out.push_str("<ul>");
                        for (words, cite) in &entry.exceptions {
                            let _ =
                                write!(out, "<li>{}{}</li>", html_inlines(words), html_cite(cite));
                        }
                        out.push_str("</ul>");
                    }
                    if let Some(doc) = &entry.doc {
                        let _ = write!(out, "<blockquote>{}</blockquote>", markup::xml(doc));
                    }
                    out.push_str("</li>\n");
                }
                out.push_str("</ul>\n");
            }
            Block::Table { head, rows } => {
                if rows.is_empty() {
                    continue;
                }
                out.push_str("<table>\n<thead><tr>");
                for cell in head {
                    let _ = write!(out, "<th>{}</th>", markup::xml(cell));
                }
                out.push_str("</tr></thead>\n<tbody>\n");
                for row in rows {
                    out.push_str("<tr>");
                    for cell in row {
                        let _ = write!(out, "<td>{}</td>", html_inlines(cell));
                    }
                    out.push_str("</tr>\n");
                }
                out.push_str("</tbody>\n</table>\n");
            }
            Block::Picture(picture) => {
                let _ = write!(out, "<div class=\"picture\">\n{}</div>\n", svg(picture));
            }
        }
    }
    out.push_str("</body>\n</html>\n");
    out
}
