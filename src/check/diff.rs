//! `privet diff`: what changed between two versions of a program, in
//! meaning rather than in text, and whether each change widens or narrows
//! what users agreed to.
//!
//! Declarations are matched by name; rules, retentions, requirements and
//! flows by their normalized text (see [`crate::describe`]), so moving,
//! reformatting and re-commenting change nothing. Each change is
//! classified:
//! - widening: users' data can be used, shared or kept more than before (a
//!   new permission, a longer retention or a weaker end, a removed
//!   safeguard, restriction, deny or obligation, a category no longer
//!   sensitive, ...);
//! - narrowing: the converse;
//! - neutral: labels, citations, doc comments and other wording.
//!
//! Permissions are computed with the decision function on the acts of a
//! domain built from the names of both versions: every action, leaf
//! category, leaf purpose and kind of recipient, with no basis or each
//! single basis, no region or each region, Do Not Track off and on, about
//! each audience leaf (when either version declares audiences). A
//! category, purpose, basis or region missing from one version stands, there,
//! for a new leaf under its nearest declared ancestor, with no flags of its
//! own: exactly that version's rules naming the ancestor (or one of its
//! ancestors) cover it, and rules naming its siblings do not. So a category
//! split into finer ones keeps its old permissions, and a new purpose beside
//! others is allowed only by rules on it or on an ancestor. Each version is
//! decided as compiled with the names only the other declares added as
//! declarations ([`missing_names`]; [`crate::pipeline::diff`] does this), so
//! both share one vocabulary. The decision of an act depends on its context
//! (action, recipient, basis, region, Do Not Track) only through the rules
//! the context engages and what their exceptions leave to decide per atom
//! ([`signature`]), so each version decides the category and purpose pairs
//! once per distinct signature.

use super::decision::{Act, decide, signature};
use super::retention::{RetentionProblem, compare_lifecycles, floor_covers};
use crate::describe;
use crate::model::*;
use crate::source::Span;
use fixedbitset::FixedBitSet;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// How a change moves what users agreed to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    Widening,
    Narrowing,
    Neutral,
}

impl Class {
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Widening => "widening",
            Class::Narrowing => "narrowing",
            Class::Neutral => "neutral",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Changed => "changed",
        }
    }
}

/// One declaration, rule, retention, requirement, node or flow added,
/// removed or changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub class: Class,
    pub kind: ChangeKind,
    /// What it is: `category`, `rule`, `retention`, `flow`, ...
    pub subject: String,
    /// Its name, or for rules and the like its normalized text.
    pub name: String,
    /// What changed, one fact a line.
    pub details: Vec<String>,
    /// False for a change of doc comment only: it rewords the rendered
    /// policy but changes nothing a rule decides.
    pub semantic: bool,
    /// Where it is in the old version and in the new one.
    pub old: Option<Span>,
    pub new: Option<Span>,
}

/// A set of acts whose decision changed: the product of its dimensions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PermissionChange {
    /// True: permitted now and not before (widening); false: the converse.
    pub gained: bool,
    pub actions: Vec<Action>,
    /// Category names, a name standing for every leaf below it.
    pub categories: Vec<String>,
    /// The category names of the domain not included.
    pub categories_excluded: Vec<String>,
    pub purposes: Vec<String>,
    pub purposes_excluded: Vec<String>,
    pub recipients: Vec<PartyKind>,
    /// The bases (`None`: an act relying on no basis); `None` for all.
    pub bases: Option<Vec<Option<String>>>,
    /// The named bases of the domain not included, when the set is all
    /// but a few: an easier read.
    pub bases_excluded: Vec<String>,
    /// The regions (`None`: region not known); `None` for all.
    pub regions: Option<Vec<Option<String>>>,
    /// `None` whether or not Do Not Track is on.
    pub do_not_track: Option<bool>,
    /// The audiences (kinds of data subject) whose data it is about, a name
    /// standing for every leaf below it; `None` for every audience (and in
    /// programs that declare none).
    pub audiences: Option<Vec<String>>,
}

/// Purposes newly allowed for a category: each needs notice and consent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPurpose {
    pub categories: Vec<String>,
    pub purposes: Vec<String>,
    /// The purposes of the domain not included.
    pub purposes_excluded: Vec<String>,
}

/// The obligation the policy declares for a new purpose.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPurposeObligation {
    pub name: String,
    pub text: String,
    pub cite: Option<String>,
    /// Declared in the new version (else in the old one).
    pub in_new: bool,
    pub span: Span,
}

/// Everything `privet diff` found.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct DiffReport {
    pub changes: Vec<Change>,
    pub permissions: Vec<PermissionChange>,
    pub new_purposes: Vec<NewPurpose>,
    pub new_purpose_obligation: Option<NewPurposeObligation>,
    /// The number of acts decided in each version.
    pub acts: u64,
    /// The number of (category, purpose) tables each version decided: one
    /// per distinct set of engaged rules.
    pub tables: usize,
}

impl DiffReport {
    /// No change of meaning: only order, layout, comments and doc comments.
    pub fn is_semantically_empty(&self) -> bool {
        self.changes.iter().all(|change| !change.semantic)
            && self.permissions.is_empty()
            && self.new_purposes.is_empty()
    }

    /// Whether any change, or any permission, widens.
    pub fn widens(&self) -> bool {
        self.changes
            .iter()
            .any(|change| change.class == Class::Widening)
            || self.permissions.iter().any(|p| p.gained)
            || !self.new_purposes.is_empty()
    }

    /// The number of widening, narrowing and neutral items (changes and
    /// permission groups).
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut counts = (0, 0, 0);
        let classes = self
            .changes
            .iter()
            .filter(|change| change.semantic)
            .map(|change| change.class)
            .chain(self.permissions.iter().map(|p| {
                if p.gained {
                    Class::Widening
                } else {
                    Class::Narrowing
                }
            }));
        for class in classes {
            match class {
                Class::Widening => counts.0 += 1,
                Class::Narrowing => counts.1 += 1,
                Class::Neutral => counts.2 += 1,
            }
        }
        counts
    }
}

/// The namespaces whose names the permissions range over.
pub const DECIDED: [Namespace; 5] = [
    Namespace::Category,
    Namespace::Purpose,
    Namespace::Basis,
    Namespace::Region,
    Namespace::Audience,
];

/// The names of the [`DECIDED`] namespaces that `other` has and `program`
/// lacks: what `program` must also declare for the two to share one
/// vocabulary.
pub fn missing_names(program: &Program, other: &Program) -> Vec<(Namespace, String)> {
    DECIDED
        .iter()
        .flat_map(|&namespace| {
            let have = program.vocabulary(namespace);
            other
                .vocabulary(namespace)
                .names()
                .filter(move |name| have.lookup(name).is_none())
                .map(move |name| (namespace, name.to_string()))
        })
        .collect()
}

/// Two versions of a program, each with the program its permissions are
/// decided on: the version itself, compiled with the [`missing_names`] of
/// the other version also declared (the version itself when it lacks none).
#[derive(Clone, Copy, Debug)]
pub struct Versions<'p> {
    pub old: &'p Program,
    pub new: &'p Program,
    pub old_decided: &'p Program,
    pub new_decided: &'p Program,
}

/// Compares two versions of a program. Both must have loaded without
/// errors; the caller says which does not. See [`crate::pipeline::diff`],
/// which builds the [`Versions`].
pub fn diff(versions: Versions<'_>) -> DiffReport {
    let Versions { old, new, .. } = versions;
    let mut changes = Vec::new();
    policy_header(old, new, &mut changes);
    outline(old, new, &mut changes);
    vocabularies(old, new, &mut changes);
    rules(old, new, &mut changes);
    retentions(old, new, &mut changes);
    floors(old, new, &mut changes);
    legal_holds(old, new, &mut changes);
    requirements(old, new, &mut changes);
    flows(old, new, &mut changes);
    changes.sort_by(|a, b| {
        (
            a.class,
            !a.semantic,
            subject_rank(&a.subject),
            &a.name,
            a.kind,
        )
            .cmp(&(
                b.class,
                !b.semantic,
                subject_rank(&b.subject),
                &b.name,
                b.kind,
            ))
    });
    let permissions = Permissions::compute(versions.old_decided, versions.new_decided);
    DiffReport {
        changes,
        permissions: permissions.changes,
        new_purposes: permissions.new_purposes,
        new_purpose_obligation: new_purpose_obligation(new, true)
            .or_else(|| new_purpose_obligation(old, false)),
        acts: permissions.acts,
        tables: permissions.tables,
    }
}

const SUBJECTS: [&str; 26] = [
    "policy",
    "section",
    "category",
    "purpose",
    "basis",
    "exemption",
    "region",
    "safeguard",
    "state",
    "event",
    "duration",
    "technology",
    "obligation",
    "principle",
    "right",
    "audience",
    "rule",
    "retention",
    "floor",
    "legal hold",
    "requirement",
    "subject",
    "system",
    "store",
    "vendor",
    "flow",
];

fn subject_rank(subject: &str) -> usize {
    SUBJECTS
        .iter()
        .position(|s| *s == subject)
        .unwrap_or(SUBJECTS.len())
}

fn new_purpose_obligation(program: &Program, in_new: bool) -> Option<NewPurposeObligation> {
    let vocabulary = program.vocabulary(Namespace::Obligation);
    program
        .obligations
        .iter()
        .find(|o| o.trigger == Some(Trigger::BeforeNewPurpose))
        .map(|obligation| {
            let entry = vocabulary.get(obligation.id);
            NewPurposeObligation {
                name: vocabulary.name(obligation.id).to_string(),
                text: obligation.text.clone(),
                cite: entry
                    .and_then(|e| e.meta())
                    .and_then(|m| m.cite_text())
                    .map(str::to_string),
                in_new,
                span: entry
                    .and_then(|e| e.declared.as_ref())
                    .map(|d| d.meta.head)
                    .unwrap_or_default(),
            }
        })
}

fn quoted(text: Option<&str>) -> String {
    match text {
        Some(text) => format!("\"{text}\""),
        None => "none".to_string(),
    }
}

/// Neutral changes of wording: the citation (semantic: it traces the rule to
/// the notice) and the doc comment (not semantic).
fn meta_changes(
    subject: &str,
    name: &str,
    old: (Option<&str>, Option<&str>, Span),
    new: (Option<&str>, Option<&str>, Span),
    out: &mut Vec<Change>,
) {
    let (old_cite, old_doc, old_span) = old;
    let (new_cite, new_doc, new_span) = new;
    if old_cite != new_cite {
        out.push(Change {
            class: Class::Neutral,
            kind: ChangeKind::Changed,
            subject: subject.to_string(),
            name: name.to_string(),
            details: vec![format!(
                "citation {} -> {}",
                quoted(old_cite),
                quoted(new_cite)
            )],
            semantic: true,
            old: Some(old_span),
            new: Some(new_span),
        });
    }
    if old_doc != new_doc {
        out.push(Change {
            class: Class::Neutral,
            kind: ChangeKind::Changed,
            subject: subject.to_string(),
            name: name.to_string(),
            details: vec!["doc comment changed".to_string()],
            semantic: false,
            old: Some(old_span),
            new: Some(new_span),
        });
    }
}

/// The sections of the notice's outline, matched by id: added, removed or
/// retitled, all neutral (they trace rules to the notice, as citations do).
fn outline(old: &Program, new: &Program, out: &mut Vec<Change>) {
    let sections = |program: &Program| -> BTreeMap<String, (String, Option<String>, Span)> {
        program
            .outline
            .sections
            .iter()
            .map(|s| {
                (
                    s.id.clone(),
                    (s.title.clone(), s.meta.doc.clone(), s.meta.head),
                )
            })
            .collect()
    };
    let (before, after) = (sections(old), sections(new));
    let ids: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    for id in ids {
        let change = |kind, details: Vec<String>, old: Option<Span>, new: Option<Span>| Change {
            class: Class::Neutral,
            kind,
            subject: "section".to_string(),
            name: id.clone(),
            details,
            semantic: true,
            old,
            new,
        };
        match (before.get(id), after.get(id)) {
            (None, Some((title, _, span))) => out.push(change(
                ChangeKind::Added,
                vec![quoted(Some(title))],
                None,
                Some(*span),
            )),
            (Some((title, _, span)), None) => out.push(change(
                ChangeKind::Removed,
                vec![quoted(Some(title))],
                Some(*span),
                None,
            )),
            (Some((was, old_doc, old_span)), Some((is, new_doc, new_span))) => {
                if was != is {
                    out.push(change(
                        ChangeKind::Changed,
                        vec![format!(
                            "title {} -> {}",
                            quoted(Some(was)),
                            quoted(Some(is))
                        )],
                        Some(*old_span),
                        Some(*new_span),
                    ));
                }
                meta_changes(
                    "section",
                    id,
                    (None, old_doc.as_deref(), *old_span),
                    (None, new_doc.as_deref(), *new_span),
                    out,
                );
            }
            (None, None) => {}
        }
    }
}

fn policy_header(old: &Program, new: &Program, out: &mut Vec<Change>) {
    let text = |p: &Option<PolicyInfo>| {
        p.as_ref().map(|p| {
            let mut text = p.name.clone();
            if let Some(title) = &p.title {
                text.push_str(&format!(" \"{title}\""));
            }
            if let Some(updated) = p.updated {
                text.push_str(&format!(" updated {updated}"));
            }
            text
        })
    };
    let (old_text, new_text) = (text(&old.policy), text(&new.policy));
    let span = |p: &Option<PolicyInfo>| p.as_ref().map(|p| p.meta.head);
    let name = new_text
        .as_ref()
        .or(old_text.as_ref())
        .and_then(|t| t.split(' ').next())
        .unwrap_or("")
        .to_string();
    if old_text != new_text {
        let kind = match (&old_text, &new_text) {
            (None, _) => ChangeKind::Added,
            (_, None) => ChangeKind::Removed,
            _ => ChangeKind::Changed,
        };
        out.push(Change {
            class: Class::Neutral,
            kind,
            subject: "policy".to_string(),
            name: name.clone(),
            details: vec![format!(
                "{} -> {}",
                old_text.unwrap_or_else(|| "none".to_string()),
                new_text.unwrap_or_else(|| "none".to_string())
            )],
            semantic: true,
            old: span(&old.policy),
            new: span(&new.policy),
        });
    }
    if let (Some(o), Some(n)) = (&old.policy, &new.policy) {
        meta_changes(
            "policy",
            &name,
            (o.meta.cite_text(), o.meta.doc.as_deref(), o.meta.head),
            (n.meta.cite_text(), n.meta.doc.as_deref(), n.meta.head),
            out,
        );
    }
}

fn subject_of(namespace: Namespace, declared: &Declared, node: Option<&Node>) -> String {
    if namespace == Namespace::Basis && declared.exemption {
        return "exemption".to_string();
    }
    if let Some(node) = node {
        return node.kind.keyword().to_string();
    }
    namespace.noun().to_string()
}

fn declared_names(vocabulary: &Vocabulary) -> BTreeMap<&str, (NameId, &Declared)> {
    vocabulary
        .iter()
        .filter_map(|(id, entry)| {
            entry
                .declared
                .as_ref()
                .map(|d| (entry.name.as_str(), (id, d)))
        })
        .collect()
}

/// The class of a change that adds or removes protection: adding it
/// narrows, removing it widens, both widen (something is no longer there).
fn protection_class(added: bool, removed: bool) -> Class {
    if removed {
        Class::Widening
    } else if added {
        Class::Narrowing
    } else {
        Class::Neutral
    }
}

/// The class of a change that adds or removes permission.
fn permission_class(added: bool, removed: bool) -> Class {
    if added {
        Class::Widening
    } else if removed {
        Class::Narrowing
    } else {
        Class::Neutral
    }
}

/// Joins classes: any widening widens, else any narrowing narrows.
fn join(classes: &[Class]) -> Class {
    if classes.contains(&Class::Widening) {
        Class::Widening
    } else if classes.contains(&Class::Narrowing) {
        Class::Narrowing
    } else {
        Class::Neutral
    }
}

/// Names in `new` not in `old`, and in `old` not in `new`.
fn set_changes(old: &[String], new: &[String]) -> (Vec<String>, Vec<String>) {
    let old_set: BTreeSet<&String> = old.iter().collect();
    let new_set: BTreeSet<&String> = new.iter().collect();
    (
        new_set
            .difference(&old_set)
            .map(|s| s.to_string())
            .collect(),
        old_set
            .difference(&new_set)
            .map(|s| s.to_string())
            .collect(),
    )
}

/// [`list_change`] over the names of some ids of each version.
fn ids_change(
    what: &str,
    old: (&Vocabulary, &[NameId]),
    new: (&Vocabulary, &[NameId]),
    class_of: fn(bool, bool) -> Class,
    details: &mut Vec<String>,
    classes: &mut Vec<Class>,
) {
    list_change(
        what,
        &describe::sorted_names(old.0, old.1),
        &describe::sorted_names(new.0, new.1),
        class_of,
        details,
        classes,
    );
}

fn code_list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The facts and classes of a changed set of names.
fn list_change(
    what: &str,
    old: &[String],
    new: &[String],
    class_of: fn(bool, bool) -> Class,
    details: &mut Vec<String>,
    classes: &mut Vec<Class>,
) {
    let (added, removed) = set_changes(old, new);
    if !added.is_empty() {
        details.push(format!("{what} added: {}", code_list(&added)));
    }
    if !removed.is_empty() {
        details.push(format!("{what} removed: {}", code_list(&removed)));
    }
    classes.push(class_of(!added.is_empty(), !removed.is_empty()));
}

/// The names of some leaves of a vocabulary.
fn leaf_names(vocabulary: &Vocabulary, leaves: &FixedBitSet) -> BTreeSet<String> {
    leaves
        .ones()
        .filter_map(|leaf| vocabulary.leaf(leaf))
        .map(|id| vocabulary.name(id).to_string())
        .collect()
}

/// Names written in a rule, with the leaves they cover.
type Covered = (Vec<String>, BTreeSet<String>);

/// A rule's names in one scope, with their leaves.
fn scope_covered(vocabulary: &Vocabulary, scope: &Scope) -> Covered {
    (
        describe::sorted_names(vocabulary, &scope.names),
        leaf_names(vocabulary, &scope.leaves),
    )
}

/// A rule's regions, with their leaves.
fn regions_covered(program: &Program, regions: &[NameId]) -> Covered {
    let vocabulary = program.regions();
    (
        describe::sorted_names(vocabulary, regions),
        leaf_names(vocabulary, &vocabulary.leaf_set(regions, None)),
    )
}

/// [`list_change`] of names that stand for leaves: other names for the
/// same leaves change nothing a rule decides, so the change is neutral.
fn covered_change(
    what: &str,
    old: &Covered,
    new: &Covered,
    class_of: fn(bool, bool) -> Class,
    details: &mut Vec<String>,
    classes: &mut Vec<Class>,
) {
    list_change(what, &old.0, &new.0, class_of, details, classes);
    if old.1 == new.1
        && let Some(last) = classes.last_mut()
    {
        *last = Class::Neutral;
    }
}

fn node_facts(program: &Program, node: &Node) -> BTreeMap<&'static str, Vec<String>> {
    let mut facts = BTreeMap::new();
    facts.insert("party", vec![node.party.as_str().to_string()]);
    facts.insert(
        "regions",
        describe::sorted_names(program.regions(), &node.regions),
    );
    facts.insert(
        "safeguards",
        describe::sorted_names(program.safeguards(), &node.protection),
    );
    facts.insert(
        "technologies",
        describe::sorted_names(
            program.vocabulary(Namespace::Technology),
            &node.technologies,
        ),
    );
    let mut retentions: Vec<String> = node
        .retentions
        .iter()
        .map(|r| {
            format!(
                "retain {} {}",
                describe::scope_text(program.categories(), &r.categories),
                describe::lifecycle_text(program, &r.lifecycle)
            )
        })
        .collect();
    retentions.sort();
    facts.insert("retentions", retentions);
    if let Some(backing) = &node.backing {
        let mut text = backing.technology.as_str().to_string();
        for (key, value) in &backing.settings {
            text.push_str(&format!(" {key} \"{value}\""));
        }
        facts.insert("backing", vec![text]);
    }
    facts.insert("honours do not track", vec![node.honours_dnt.to_string()]);
    if !node.honours_opt_outs.is_empty() {
        facts.insert(
            "honours opt out",
            describe::sorted_names(
                program.vocabulary(Namespace::OptOut),
                &node.honours_opt_outs,
            ),
        );
    }
    if node.kind == crate::ast::NodeKind::Subject {
        facts.insert(
            "kinds of data subject",
            describe::sorted_names(program.audiences(), &node.audiences),
        );
    }
    facts
}

/// The purposes a purpose is declared `compatible with`, sorted.
fn compatible_names(program: &Program, purpose: NameId) -> Vec<String> {
    describe::sorted_names(program.purposes(), &program.compatible_with(purpose))
}

/// Whether a declaration lets data be used for more than it was collected
/// for: a purpose `compatible with` others, a basis `for new purpose`.
fn widens_purpose_binding(program: &Program, namespace: Namespace, id: NameId) -> bool {
    match namespace {
        Namespace::Purpose => !compatible_names(program, id).is_empty(),
        Namespace::Basis => program.new_purpose_bases.contains(&id),
        _ => false,
    }
}

/// The changes of one declaration present in both versions, beyond label
/// and citation.
fn declaration_changes(
    namespace: Namespace,
    (old, old_id): (&Program, NameId),
    (new, new_id): (&Program, NameId),
    details: &mut Vec<String>,
    classes: &mut Vec<Class>,
) {
    match namespace {
        Namespace::Category => {
            let flags = |p: &Program, id: NameId| {
                p.categories()
                    .get(id)
                    .and_then(|e| e.declared.as_ref())
                    .map(|d| d.flags.clone())
                    .unwrap_or_default()
            };
            let (before, after) = (flags(old, old_id), flags(new, new_id));
            for (flag, word) in [
                (crate::ast::CategoryFlag::Sensitive, "sensitive"),
                (crate::ast::CategoryFlag::Identifier, "identifier"),
            ] {
                let (was, is) = (before.contains(&flag), after.contains(&flag));
                if was == is {
                    continue;
                }
                details.push(format!(
                    "{} `{word}`",
                    if is {
                        "now flagged"
                    } else {
                        "no longer flagged"
                    }
                ));
                // A sensitive category is protected more; an identifier
                // flag only selects leaves for rules, whose effect the
                // permissions show.
                classes.push(match (flag, is) {
                    (crate::ast::CategoryFlag::Sensitive, true) => Class::Narrowing,
                    (crate::ast::CategoryFlag::Sensitive, false) => Class::Widening,
                    _ => Class::Neutral,
                });
            }
        }
        Namespace::Purpose => {
            list_change(
                "compatible with",
                &compatible_names(old, old_id),
                &compatible_names(new, new_id),
                permission_class,
                details,
                classes,
            );
            // Which rules name it (`for commercial`) the rules' own changes
            // and the permissions show.
            let commercial =
                |p: &Program, id: NameId| p.purposes().get(id).is_some_and(|e| e.commercial);
            let (was, is) = (commercial(old, old_id), commercial(new, new_id));
            if was != is {
                details.push(
                    if is {
                        "now flagged `commercial`"
                    } else {
                        "no longer flagged `commercial`"
                    }
                    .to_string(),
                );
                classes.push(Class::Neutral);
            }
        }
        Namespace::Basis => {
            let (was, is) = (
                old.new_purpose_bases.contains(&old_id),
                new.new_purpose_bases.contains(&new_id),
            );
            if was != is {
                details.push(if is {
                    "now accepted for a new purpose".to_string()
                } else {
                    "no longer accepted for a new purpose".to_string()
                });
                classes.push(permission_class(is, was));
            }
            // `after notice`: the notice the basis needs. The permission
            // diff decides acts with every notice given, so a notice added
            // or removed shows here.
            let notice = |p: &Program, id: NameId| {
                p.basis_notices
                    .get(&id)
                    .map(|o| p.vocabulary(Namespace::Obligation).name(*o).to_string())
            };
            let (was, is) = (notice(old, old_id), notice(new, new_id));
            if was != is {
                details.push(format!(
                    "after notice {} -> {}",
                    quoted(was.as_deref()),
                    quoted(is.as_deref())
                ));
                classes.push(match (&was, &is) {
                    (Some(_), None) => Class::Widening,
                    (None, Some(_)) => Class::Narrowing,
                    _ => Class::Neutral,
                });
            }
            let exemption = |p: &Program, id: NameId| {
                p.bases()
                    .get(id)
                    .and_then(|e| e.declared.as_ref())
                    .is_some_and(|d| d.exemption)
            };
            if exemption(old, old_id) != exemption(new, new_id) {
                details.push(if exemption(new, new_id) {
                    "now declared an exemption".to_string()
                } else {
                    "now declared a basis, not an exemption".to_string()
                });
                classes.push(Class::Neutral);
            }
        }
        Namespace::Audience => {
            let (before, after) = (
                old.audience_ages.get(&old_id),
                new.audience_ages.get(&new_id),
            );
            if before != after {
                let bound = |age: Option<&u32>| match age {
                    Some(age) => format!("under age {age}"),
                    None => "no age bound".to_string(),
                };
                details.push(format!("{} -> {}", bound(before), bound(after)));
                classes.push(Class::Neutral);
            }
        }
        Namespace::Duration => {
            let (before, after) = (old.duration(old_id), new.duration(new_id));
            if before != after {
                details.push(format!(
                    "value {} -> {} (the retentions that use it say whether that widens)",
                    before.map(|d| d.to_string()).unwrap_or_default(),
                    after.map(|d| d.to_string()).unwrap_or_default()
                ));
                classes.push(Class::Neutral);
            }
        }
        Namespace::Technology => {
            let technology = |p: &Program, id: NameId| {
                p.technologies
                    .iter()
                    .find(|t| t.id == id)
                    .map(|t| {
                        (
                            describe::sorted_names(p.purposes(), &t.purposes),
                            t.opt_out.clone().or_else(|| {
                                t.opt_out_name
                                    .map(|o| p.vocabulary(Namespace::OptOut).name(o).to_string())
                            }),
                        )
                    })
                    .unwrap_or_default()
            };
            let (before, after) = (technology(old, old_id), technology(new, new_id));
            list_change(
                "purposes",
                &before.0,
                &after.0,
                permission_class,
                details,
                classes,
            );
            if before.1 != after.1 {
                details.push(format!(
                    "opt out {} -> {}",
                    quoted(before.1.as_deref()),
                    quoted(after.1.as_deref())
                ));
                classes.push(match (&before.1, &after.1) {
                    (Some(_), None) => Class::Widening,
                    (None, Some(_)) => Class::Narrowing,
                    _ => Class::Neutral,
                });
            }
        }
        Namespace::Obligation => {
            let (Some(before), Some(after)) = (
                old.obligations.iter().find(|o| o.id == old_id),
                new.obligations.iter().find(|o| o.id == new_id),
            ) else {
                return;
            };
            let (was, is) = (
                describe::trigger_text(old, before.trigger.as_ref()),
                describe::trigger_text(new, after.trigger.as_ref()),
            );
            if was != is {
                details.push(format!(
                    "applies {} -> {}",
                    if was.is_empty() { "always" } else { &was },
                    if is.is_empty() { "always" } else { &is }
                ));
                classes.push(trigger_class(
                    before.trigger.as_ref(),
                    after.trigger.as_ref(),
                ));
            }
        }
        Namespace::Node => {
            let (Some(before), Some(after)) = (old.node(old_id), new.node(new_id)) else {
                return;
            };
            if before.kind != after.kind {
                details.push(format!(
                    "now a `{}`, was a `{}`",
                    after.kind.keyword(),
                    before.kind.keyword()
                ));
                classes.push(Class::Neutral);
            }
            let (was, is) = (node_facts(old, before), node_facts(new, after));
            for (fact, values) in &is {
                let previous = was.get(fact).cloned().unwrap_or_default();
                if previous == *values {
                    continue;
                }
                match *fact {
                    "safeguards" => list_change(
                        "safeguards",
                        &previous,
                        values,
                        protection_class,
                        details,
                        classes,
                    ),
                    "honours do not track" => {
                        let now = values.first().is_some_and(|v| v == "true");
                        details.push(if now {
                            "now honours Do Not Track".to_string()
                        } else {
                            "no longer honours Do Not Track".to_string()
                        });
                        classes.push(protection_class(now, !now));
                    }
                    _ => {
                        details.push(format!(
                            "{fact}: {} -> {}",
                            if previous.is_empty() {
                                "none".to_string()
                            } else {
                                previous.join("; ")
                            },
                            if values.is_empty() {
                                "none".to_string()
                            } else {
                                values.join("; ")
                            }
                        ));
                        classes.push(Class::Neutral);
                    }
                }
            }
        }
        _ => {}
    }
}

/// Whether an obligation's new trigger gives users less: a shorter notice
/// before an event, or a longer delay after one.
fn trigger_class(old: Option<&Trigger>, new: Option<&Trigger>) -> Class {
    match (old, new) {
        (
            Some(Trigger::AtLeastBefore { lead: was, .. }),
            Some(Trigger::AtLeastBefore { lead: is, .. }),
        ) => {
            if !was.value.never_longer_than(is.value) {
                Class::Widening
            } else if was.value != is.value {
                Class::Narrowing
            } else {
                Class::Neutral
            }
        }
        (
            Some(Trigger::After {
                within: Some(was), ..
            }),
            Some(Trigger::After {
                within: Some(is), ..
            }),
        ) => {
            if !is.value.never_longer_than(was.value) {
                Class::Widening
            } else if was.value != is.value {
                Class::Narrowing
            } else {
                Class::Neutral
            }
        }
        (
            Some(Trigger::After {
                within: Some(_), ..
            }),
            Some(Trigger::After { within: None, .. }),
        ) => Class::Widening,
        _ => Class::Neutral,
    }
}

fn vocabularies(old: &Program, new: &Program, out: &mut Vec<Change>) {
    for namespace in Namespace::ALL {
        // An opt-out is compared as its rule (what it stops), once.
        if namespace == Namespace::OptOut {
            continue;
        }
        let (before, after) = (
            declared_names(old.vocabulary(namespace)),
            declared_names(new.vocabulary(namespace)),
        );
        let names: BTreeSet<&str> = before.keys().chain(after.keys()).copied().collect();
        for name in names {
            match (before.get(name), after.get(name)) {
                (None, Some((id, declared))) => {
                    let subject = subject_of(
                        namespace,
                        declared,
                        new.node(*id).filter(|_| namespace == Namespace::Node),
                    );
                    out.push(Change {
                        class: match namespace {
                            Namespace::Obligation | Namespace::Right => Class::Narrowing,
                            Namespace::Technology => Class::Widening,
                            _ if widens_purpose_binding(new, namespace, *id) => Class::Widening,
                            _ => Class::Neutral,
                        },
                        kind: ChangeKind::Added,
                        subject,
                        name: name.to_string(),
                        details: declared.label.iter().map(|l| format!("\"{l}\"")).collect(),
                        semantic: true,
                        old: None,
                        new: Some(declared.meta.head),
                    });
                }
                (Some((id, declared)), None) => {
                    let subject = subject_of(
                        namespace,
                        declared,
                        old.node(*id).filter(|_| namespace == Namespace::Node),
                    );
                    out.push(Change {
                        class: match namespace {
                            Namespace::Obligation | Namespace::Right => Class::Widening,
                            Namespace::Technology => Class::Narrowing,
                            _ if widens_purpose_binding(old, namespace, *id) => Class::Narrowing,
                            _ => Class::Neutral,
                        },
                        kind: ChangeKind::Removed,
                        subject,
                        name: name.to_string(),
                        details: declared.label.iter().map(|l| format!("\"{l}\"")).collect(),
                        semantic: true,
                        old: Some(declared.meta.head),
                        new: None,
                    });
                }
                (Some((old_id, was)), Some((new_id, is))) => {
                    let subject = subject_of(
                        namespace,
                        is,
                        new.node(*new_id).filter(|_| namespace == Namespace::Node),
                    );
                    let mut details = Vec::new();
                    let mut classes = Vec::new();
                    if was.label != is.label {
                        details.push(format!(
                            "label {} -> {}",
                            quoted(was.label.as_deref()),
                            quoted(is.label.as_deref())
                        ));
                        classes.push(Class::Neutral);
                    }
                    declaration_changes(
                        namespace,
                        (old, *old_id),
                        (new, *new_id),
                        &mut details,
                        &mut classes,
                    );
                    if !details.is_empty() {
                        out.push(Change {
                            class: join(&classes),
                            kind: ChangeKind::Changed,
                            subject: subject.clone(),
                            name: name.to_string(),
                            details,
                            semantic: true,
                            old: Some(was.meta.head),
                            new: Some(is.meta.head),
                        });
                    }
                    meta_changes(
                        &subject,
                        name,
                        (was.meta.cite_text(), was.meta.doc.as_deref(), was.meta.head),
                        (is.meta.cite_text(), is.meta.doc.as_deref(), is.meta.head),
                        out,
                    );
                }
                (None, None) => {}
            }
        }
    }
}

/// An item of one version, ready to be matched with the other's.
struct Keyed<'p, T> {
    /// What identifies it across versions.
    key: String,
    /// What pairs it with an item of another key when both would otherwise
    /// be added and removed: a rule whose categories changed is one changed
    /// rule.
    coarse: String,
    /// Its whole meaning: equal content, equal item.
    content: String,
    item: &'p T,
    meta: &'p Meta,
}

/// Items of the old and the new version under one key.
type Groups<'p, T> = BTreeMap<String, (Vec<Keyed<'p, T>>, Vec<Keyed<'p, T>>)>;

/// Items of the old and the new version matched: both, or one alone.
type Pairs<'p, T> = Vec<(Option<Keyed<'p, T>>, Option<Keyed<'p, T>>)>;

/// Pairs the items of two versions: by key, first those of equal content,
/// then the rest in order; what is left was added or removed.
fn pair<'p, T>(old: Vec<Keyed<'p, T>>, new: Vec<Keyed<'p, T>>) -> Pairs<'p, T> {
    let mut groups: Groups<'p, T> = BTreeMap::new();
    for item in old {
        groups.entry(item.key.clone()).or_default().0.push(item);
    }
    for item in new {
        groups.entry(item.key.clone()).or_default().1.push(item);
    }
    let mut pairs = Vec::new();
    let mut singles: Groups<'p, T> = BTreeMap::new();
    for (_, (olds, news)) in groups {
        let mut olds: Vec<Option<Keyed<'p, T>>> = olds.into_iter().map(Some).collect();
        let mut unmatched = Vec::new();
        for item in news {
            let found = olds
                .iter_mut()
                .find(|old| old.as_ref().is_some_and(|o| o.content == item.content))
                .and_then(Option::take);
            match found {
                Some(old) => pairs.push((Some(old), Some(item))),
                None => unmatched.push(item),
            }
        }
        let mut olds = olds.into_iter().flatten();
        let mut news = unmatched.into_iter();
        loop {
            match (olds.next(), news.next()) {
                (None, None) => break,
                (Some(o), Some(n)) => pairs.push((Some(o), Some(n))),
                (Some(o), None) => singles.entry(o.coarse.clone()).or_default().0.push(o),
                (None, Some(n)) => singles.entry(n.coarse.clone()).or_default().1.push(n),
            }
        }
    }
    for (_, (olds, news)) in singles {
        let mut olds = olds.into_iter();
        let mut news = news.into_iter();
        loop {
            match (olds.next(), news.next()) {
                (None, None) => break,
                (o, n) => pairs.push((o, n)),
            }
        }
    }
    pairs
}

/// The changes of a pairing: added and removed items with their classes,
/// changed ones through `compare`, citations and doc comments throughout.
fn report_pairs<T>(
    subject: &str,
    pairs: Pairs<'_, T>,
    added: Class,
    removed: Class,
    mut compare: impl FnMut(&T, &T, &mut Vec<String>, &mut Vec<Class>),
    out: &mut Vec<Change>,
) {
    for (before, after) in pairs {
        match (before, after) {
            (Some(before), Some(after)) => {
                if before.content != after.content {
                    let mut details = Vec::new();
                    let mut classes = Vec::new();
                    compare(before.item, after.item, &mut details, &mut classes);
                    details.push(format!("was: `{}`", before.content));
                    out.push(Change {
                        class: join(&classes),
                        kind: ChangeKind::Changed,
                        subject: subject.to_string(),
                        name: after.content.clone(),
                        details,
                        semantic: true,
                        old: Some(before.meta.head),
                        new: Some(after.meta.head),
                    });
                }
                meta_changes(
                    subject,
                    &after.content,
                    (
                        before.meta.cite_text(),
                        before.meta.doc.as_deref(),
                        before.meta.head,
                    ),
                    (
                        after.meta.cite_text(),
                        after.meta.doc.as_deref(),
                        after.meta.head,
                    ),
                    out,
                );
            }
            (Some(before), None) => out.push(Change {
                class: removed,
                kind: ChangeKind::Removed,
                subject: subject.to_string(),
                name: before.content,
                details: Vec::new(),
                semantic: true,
                old: Some(before.meta.head),
                new: None,
            }),
            (None, Some(after)) => out.push(Change {
                class: added,
                kind: ChangeKind::Added,
                subject: subject.to_string(),
                name: after.content,
                details: Vec::new(),
                semantic: true,
                old: None,
                new: Some(after.meta.head),
            }),
            (None, None) => {}
        }
    }
}

fn rule_key(program: &Program, rule: &Rule) -> String {
    let categories = describe::scope_text(program.categories(), &rule.categories);
    match rule.kind {
        RuleKind::Allow | RuleKind::Deny => describe::rule_head(program, rule),
        RuleKind::Restrict => format!("restrict {categories}"),
        RuleKind::Confine => format!("confine {categories}"),
        RuleKind::HonourDnt => "honour do not track".to_string(),
        RuleKind::OptOut(id) => {
            format!("opt out {}", program.vocabulary(Namespace::OptOut).name(id))
        }
    }
}

/// The allow rules (or the forbidding ones) of a program, keyed. The two
/// are matched apart: turning an allow into a deny is a removal and an
/// addition.
fn rule_items(program: &Program, forbids: bool) -> Vec<Keyed<'_, Rule>> {
    program
        .rules
        .iter()
        // An `except allow` clause is compared as part of its rule.
        .filter(|rule| rule.kind.forbids() == forbids && rule.exception_of.is_none())
        .map(|rule| Keyed {
            key: rule_key(program, rule),
            coarse: format!(
                "{} {}",
                rule.kind.keyword(),
                describe::actions_text(rule.actions)
            ),
            content: describe::rule_text(program, rule),
            item: rule,
            meta: &rule.meta,
        })
        .collect()
}

fn rules(old: &Program, new: &Program, out: &mut Vec<Change>) {
    let first = out.len();
    for forbids in [false, true] {
        let pairs = pair(rule_items(old, forbids), rule_items(new, forbids));
        // Citations of exceptions count as the rule's.
        for (before, after) in &pairs {
            if let (Some(before), Some(after)) = (before, after) {
                let (was, is) = (
                    describe::rule_cites(old, before.item),
                    describe::rule_cites(new, after.item),
                );
                if before.meta.cite_text() == after.meta.cite_text() && was != is {
                    out.push(Change {
                        class: Class::Neutral,
                        kind: ChangeKind::Changed,
                        subject: "rule".to_string(),
                        name: after.content.clone(),
                        details: vec![format!("citations \"{was}\" -> \"{is}\"")],
                        semantic: true,
                        old: Some(before.meta.head),
                        new: Some(after.meta.head),
                    });
                }
            }
        }
        let (added, removed) = if forbids {
            (Class::Narrowing, Class::Widening)
        } else {
            (Class::Widening, Class::Narrowing)
        };
        report_pairs(
            "rule",
            pairs,
            added,
            removed,
            |before, after, details, classes| {
                let bases = |p: &Program, r: &Rule| describe::sorted_names(p.bases(), &r.bases);
                let exceptions = |p: &Program, r: &Rule| describe::exception_texts(p, r);
                if matches!(after.kind, RuleKind::Allow | RuleKind::Deny) {
                    head_changes(old, before, new, after, details, classes);
                }
                match after.kind {
                    RuleKind::Allow => {
                        let (was, is) = (bases(old, before), bases(new, after));
                        if was.is_empty() && !is.is_empty() {
                            details.push(format!("now needs one of the bases {}", code_list(&is)));
                            classes.push(Class::Narrowing);
                        } else if !was.is_empty() && is.is_empty() {
                            details.push("no longer needs a basis".to_string());
                            classes.push(Class::Widening);
                        } else {
                            list_change("bases", &was, &is, permission_class, details, classes);
                        }
                    }
                    RuleKind::Deny | RuleKind::Restrict | RuleKind::Confine => {
                        list_change(
                            "exceptions",
                            &exceptions(old, before),
                            &exceptions(new, after),
                            permission_class,
                            details,
                            classes,
                        );
                        let scope = |p: &Program, r: &Rule| {
                            r.purposes
                                .as_ref()
                                .map(|s| scope_covered(p.purposes(), s))
                                .unwrap_or_default()
                        };
                        if after.kind != RuleKind::Deny {
                            optional_change(
                                "audiences",
                                audiences_covered(old, before),
                                audiences_covered(new, after),
                                protection_class,
                                details,
                                classes,
                            );
                        }
                        if after.kind == RuleKind::Restrict {
                            covered_change(
                                "permitted purposes",
                                &scope(old, before),
                                &scope(new, after),
                                permission_class,
                                details,
                                classes,
                            );
                        }
                        if after.kind == RuleKind::Confine {
                            covered_change(
                                "permitted regions",
                                &regions_covered(old, &before.regions),
                                &regions_covered(new, &after.regions),
                                permission_class,
                                details,
                                classes,
                            );
                        }
                    }
                    RuleKind::HonourDnt | RuleKind::OptOut(_) => {
                        let scope = |p: &Program, r: &Rule| {
                            r.purposes
                                .as_ref()
                                .map(|s| scope_covered(p.purposes(), s))
                                .unwrap_or_default()
                        };
                        covered_change(
                            "purposes",
                            &scope(old, before),
                            &scope(new, after),
                            protection_class,
                            details,
                            classes,
                        );
                        // What an opt-out stops: more categories or actions
                        // narrow what is permitted once it is taken.
                        if matches!(after.kind, RuleKind::OptOut(_)) {
                            covered_change(
                                "categories",
                                &scope_covered(old.categories(), &before.categories),
                                &scope_covered(new.categories(), &after.categories),
                                protection_class,
                                details,
                                classes,
                            );
                            let actions = |r: &Rule| {
                                r.actions
                                    .iter()
                                    .map(|a| a.as_str().to_string())
                                    .collect::<Vec<_>>()
                            };
                            list_change(
                                "actions",
                                &actions(before),
                                &actions(after),
                                protection_class,
                                details,
                                classes,
                            );
                        }
                    }
                }
            },
            out,
        );
    }
    decided_nothing(old, new, out.get_mut(first..).unwrap_or_default());
}

/// A rule added or removed that decides nothing in its version (a
/// `dead-rule`) changes no permission: neutral, whatever its kind.
fn decided_nothing(old: &Program, new: &Program, changes: &mut [Change]) {
    let dead = |program: &Program| -> BTreeSet<Span> {
        super::lints::dead_rules(program)
            .into_iter()
            .map(|diagnostic| diagnostic.primary.span)
            .collect()
    };
    let (dead_old, dead_new) = (dead(old), dead(new));
    for change in changes {
        let dead = match change.kind {
            ChangeKind::Removed => change.old.is_some_and(|span| dead_old.contains(&span)),
            ChangeKind::Added => change.new.is_some_and(|span| dead_new.contains(&span)),
            _ => false,
        };
        if dead {
            change.class = Class::Neutral;
            change
                .details
                .push("it decides nothing (a `dead-rule`), so no permission changes".to_string());
        }
    }
}

/// The changes of what an `allow` or `deny` applies to: its categories,
/// purposes, recipients and regions. More for an allow widens; more for a
/// deny narrows. A missing clause means "any".
fn head_changes(
    old: &Program,
    before: &Rule,
    new: &Program,
    after: &Rule,
    details: &mut Vec<String>,
    classes: &mut Vec<Class>,
) {
    let widens: fn(bool, bool) -> Class = if after.kind == RuleKind::Allow {
        permission_class
    } else {
        protection_class
    };
    // With a flag the selection is compared whole: `sensitive user`.
    let categories = |p: &Program, r: &Rule| -> Covered {
        let (names, leaves) = scope_covered(p.categories(), &r.categories);
        match r.categories.filter {
            Some(_) => (
                vec![describe::scope_text(p.categories(), &r.categories)],
                leaves,
            ),
            None => (names, leaves),
        }
    };
    let recipients = |r: &Rule| -> Option<Covered> {
        r.recipients.map(|set| {
            let names: Vec<String> = set.iter().map(|k| k.as_str().to_string()).collect();
            let leaves = names.iter().cloned().collect();
            (names, leaves)
        })
    };
    let regions =
        |p: &Program, r: &Rule| (!r.regions.is_empty()).then(|| regions_covered(p, &r.regions));
    // (what, old names, new names); `None` for "any".
    type Dimension<'a> = (&'a str, Option<Covered>, Option<Covered>);
    let dimensions: [Dimension; 5] = [
        (
            "categories",
            Some(categories(old, before)),
            Some(categories(new, after)),
        ),
        (
            "purposes",
            before
                .purposes
                .as_ref()
                .map(|s| scope_covered(old.purposes(), s)),
            after
                .purposes
                .as_ref()
                .map(|s| scope_covered(new.purposes(), s)),
        ),
        ("recipients", recipients(before), recipients(after)),
        ("regions", regions(old, before), regions(new, after)),
        (
            "audiences",
            audiences_covered(old, before),
            audiences_covered(new, after),
        ),
    ];
    for (what, was, is) in dimensions {
        optional_change(what, was, is, widens, details, classes);
    }
    if before.actions != after.actions {
        let (was, is): (Vec<String>, Vec<String>) = (
            before
                .actions
                .iter()
                .map(|a| a.as_str().to_string())
                .collect(),
            after
                .actions
                .iter()
                .map(|a| a.as_str().to_string())
                .collect(),
        );
        list_change("actions", &was, &is, widens, details, classes);
    }
}

/// A rule's `about` clause, with its leaves; `None` for every audience.
fn audiences_covered(program: &Program, rule: &Rule) -> Option<Covered> {
    rule.audiences
        .as_ref()
        .map(|scope| scope_covered(program.audiences(), scope))
}

/// [`covered_change`] of a clause that may be missing, meaning "any".
fn optional_change(
    what: &str,
    was: Option<Covered>,
    is: Option<Covered>,
    widens: fn(bool, bool) -> Class,
    details: &mut Vec<String>,
    classes: &mut Vec<Class>,
) {
    match (was, is) {
        (Some(was), Some(is)) => covered_change(what, &was, &is, widens, details, classes),
        (Some(was), None) => {
            details.push(format!("{what}: any, was {}", code_list(&was.0)));
            classes.push(widens(true, false));
        }
        (None, Some(is)) => {
            details.push(format!("{what}: only {}, was any", code_list(&is.0)));
            classes.push(widens(false, true));
        }
        (None, None) => {}
    }
}

/// A lifecycle of `old` with its names looked up in `new`, or the name that
/// `new` does not declare.
fn translate(old: &Program, new: &Program, lifecycle: &Lifecycle) -> Result<Lifecycle, String> {
    let map = |namespace: Namespace, id: NameId| -> Result<NameId, String> {
        let name = old.vocabulary(namespace).name(id);
        new.vocabulary(namespace).lookup(name).ok_or_else(|| {
            format!(
                "{} `{name}` is not declared in the new version",
                namespace.noun()
            )
        })
    };
    match lifecycle {
        Lifecycle::Forever { span } => Ok(Lifecycle::Forever { span: *span }),
        Lifecycle::Phased {
            while_state,
            hold,
            end,
            end_span,
            span,
        } => {
            let while_state = match while_state {
                Some(state) => Some(map(Namespace::State, *state)?),
                None => None,
            };
            let hold = match hold {
                Some(hold) => {
                    let mut hold = hold.clone();
                    hold.after = match hold.after {
                        Some(event) => Some(map(Namespace::Event, event)?),
                        None => None,
                    };
                    hold.duration.name = hold
                        .duration
                        .name
                        .and_then(|name| map(Namespace::Duration, name).ok());
                    Some(hold)
                }
                None => None,
            };
            Ok(Lifecycle::Phased {
                while_state,
                hold,
                end: *end,
                end_span: *end_span,
                span: *span,
            })
        }
    }
}

fn problem_text(problem: &RetentionProblem) -> &str {
    match problem {
        RetentionProblem::Longer(text)
        | RetentionProblem::Counted(text)
        | RetentionProblem::Weaker(text) => text,
    }
}

fn retention_items(program: &Program) -> Vec<Keyed<'_, Retention>> {
    program
        .retentions
        .iter()
        .map(|retention| Keyed {
            key: describe::retention_head(program, retention),
            coarse: describe::retention_head(program, retention),
            content: format!(
                "{} {}",
                describe::retention_head(program, retention),
                describe::lifecycle_text(program, &retention.lifecycle)
            ),
            item: retention,
            meta: &retention.meta,
        })
        .collect()
}

fn retentions(old: &Program, new: &Program, out: &mut Vec<Change>) {
    let pairs = pair(retention_items(old), retention_items(new));
    report_pairs(
        "retention",
        pairs,
        Class::Narrowing,
        Class::Widening,
        |before, after, details, classes| match translate(old, new, &before.lifecycle) {
            Err(reason) => {
                details.push(format!(
                    "cannot be compared ({reason}), so it may keep data longer"
                ));
                classes.push(Class::Widening);
            }
            Ok(was) => {
                // `forever` is a floor as well as a ceiling: leaving it
                // drops a promise to keep.
                if matches!(was, Lifecycle::Forever { .. })
                    && !matches!(after.lifecycle, Lifecycle::Forever { .. })
                {
                    details.push("no longer promises to keep data forever".to_string());
                    classes.push(Class::Widening);
                }
                let longer = compare_lifecycles(new, &after.lifecycle, &was);
                let shorter = compare_lifecycles(new, &was, &after.lifecycle);
                match (&longer, &shorter) {
                    (Some(problem), _) => {
                        details.push(format!(
                            "keeps data longer or ends it more weakly: it {}",
                            problem_text(problem).replace("the policy", "the old version")
                        ));
                        classes.push(Class::Widening);
                    }
                    (None, Some(_)) => {
                        details
                            .push("keeps data for less time or ends it more strongly".to_string());
                        classes.push(Class::Narrowing);
                    }
                    (None, None) => {
                        details.push("the same in effect".to_string());
                        classes.push(Class::Neutral);
                    }
                }
            }
        },
        out,
    );
}

fn floor_items(program: &Program) -> Vec<Keyed<'_, Floor>> {
    program
        .floors
        .iter()
        .map(|floor| {
            let head = describe::floor_head(program, floor);
            Keyed {
                content: format!("{head} {}", describe::minimum_text(program, &floor.minimum)),
                coarse: head.clone(),
                key: head,
                item: floor,
                meta: &floor.meta,
            }
        })
        .collect()
}

/// A floor of the old version in the new version's names.
fn translate_minimum(old: &Program, new: &Program, minimum: &Minimum) -> Result<Minimum, String> {
    let Minimum::Kept {
        while_state,
        hold,
        span,
    } = minimum
    else {
        return Ok(Minimum::Forever);
    };
    let as_lifecycle = Lifecycle::Phased {
        while_state: *while_state,
        hold: hold.clone(),
        end: crate::ast::EndAction::Delete,
        end_span: *span,
        span: *span,
    };
    match translate(old, new, &as_lifecycle)? {
        Lifecycle::Phased {
            while_state, hold, ..
        } => Ok(Minimum::Kept {
            while_state,
            hold,
            span: *span,
        }),
        Lifecycle::Forever { .. } => Ok(Minimum::Forever),
    }
}

/// A floor is a promise to keep: a new floor narrows what the data map may
/// do, a removed or lower one widens it.
fn floors(old: &Program, new: &Program, out: &mut Vec<Change>) {
    let pairs = pair(floor_items(old), floor_items(new));
    report_pairs(
        "floor",
        pairs,
        Class::Narrowing,
        Class::Widening,
        |before, after, details, classes| match translate_minimum(old, new, &before.minimum) {
            Err(reason) => {
                details.push(format!(
                    "cannot be compared ({reason}), so it may promise to keep data for less time"
                ));
                classes.push(Class::Widening);
            }
            Ok(was) => {
                // Lower: keeping data as the new floor says does not keep
                // it as the old one did.
                let lower = floor_covers(new, &after.minimum, &was);
                let higher = floor_covers(new, &was, &after.minimum);
                match (&lower, &higher) {
                    (Some(problem), _) => {
                        details.push(format!(
                            "promises to keep data for less time: it {}",
                            problem
                                .replace("the policy's floor", "the old floor")
                                .replace("the policy", "the old version")
                        ));
                        classes.push(Class::Widening);
                    }
                    (None, Some(_)) => {
                        details.push("promises to keep data longer".to_string());
                        classes.push(Class::Narrowing);
                    }
                    (None, None) => {
                        details.push("the same in effect".to_string());
                        classes.push(Class::Neutral);
                    }
                }
            }
        },
        out,
    );
}

fn legal_hold_items(program: &Program) -> Vec<Keyed<'_, LegalHold>> {
    program
        .legal_holds
        .iter()
        .map(|hold| {
            let text = describe::legal_hold_text(program, hold);
            Keyed {
                content: text.clone(),
                coarse: text.clone(),
                key: text,
                item: hold,
                meta: &hold.meta,
            }
        })
        .collect()
}

/// A legal hold forbids erasure: a new one narrows, a removed one widens.
/// A hold is identified by its whole text, so a changed hold is one removed
/// and one added.
fn legal_holds(old: &Program, new: &Program, out: &mut Vec<Change>) {
    let pairs = pair(legal_hold_items(old), legal_hold_items(new));
    report_pairs(
        "legal hold",
        pairs,
        Class::Narrowing,
        Class::Widening,
        |_, _, _, _| {},
        out,
    );
}

fn requirement_items(program: &Program) -> Vec<Keyed<'_, Requirement>> {
    program
        .requirements
        .iter()
        .map(|requirement| {
            let head = describe::requirement_head(program, requirement);
            let safeguards = describe::sorted_names(program.safeguards(), &requirement.safeguards);
            Keyed {
                content: head.replacen("require", &format!("require {}", safeguards.join(", ")), 1),
                coarse: head.clone(),
                key: head,
                item: requirement,
                meta: &requirement.meta,
            }
        })
        .collect()
}

fn requirements(old: &Program, new: &Program, out: &mut Vec<Change>) {
    let pairs = pair(requirement_items(old), requirement_items(new));
    report_pairs(
        "requirement",
        pairs,
        Class::Narrowing,
        Class::Widening,
        |before, after, details, classes| {
            ids_change(
                "safeguards",
                (old.safeguards(), &before.safeguards),
                (new.safeguards(), &after.safeguards),
                protection_class,
                details,
                classes,
            );
        },
        out,
    );
}

fn flow_key(program: &Program, flow: &Flow) -> String {
    let nodes = program.node_names();
    let categories: Vec<NameId> = flow.categories.iter().map(|(id, _)| *id).collect();
    let purposes: Vec<NameId> = flow.purposes.iter().map(|(id, _)| *id).collect();
    let transform = match flow.transform {
        Some(crate::ast::Transform::Anonymized) => "anonymized ",
        Some(crate::ast::Transform::Pseudonymized) => "pseudonymized ",
        None => "",
    };
    format!(
        "flow {} -> {} carries {transform}{} for {}",
        nodes.name(flow.from),
        nodes.name(flow.to),
        describe::sorted_names(program.categories(), &categories).join(", "),
        describe::sorted_names(program.purposes(), &purposes).join(", ")
    )
}

fn flow_text(program: &Program, flow: &Flow) -> String {
    let mut text = flow_key(program, flow);
    if !flow.bases.is_empty() {
        text.push_str(&format!(
            " under {}",
            describe::sorted_names(program.bases(), &flow.bases).join(", ")
        ));
    }
    if !flow.protection.is_empty() {
        text.push_str(&format!(
            " protected by {}",
            describe::sorted_names(program.safeguards(), &flow.protection).join(", ")
        ));
    }
    if flow.honours_dnt {
        text.push_str(" honours do not track");
    }
    if let Some(phase) = flow_phase_text(program, flow) {
        text.push(' ');
        text.push_str(&phase);
    }
    for (clause, namespace, ids) in [
        ("honours opt out", Namespace::OptOut, &flow.honours_opt_outs),
        ("notified by", Namespace::Obligation, &flow.notified),
    ] {
        if !ids.is_empty() {
            text.push_str(&format!(
                " {clause} {}",
                describe::sorted_names(program.vocabulary(namespace), ids).join(", ")
            ));
        }
    }
    text
}

/// A flow's `while` or `after` clause, normalized.
fn flow_phase_text(program: &Program, flow: &Flow) -> Option<String> {
    let phase = flow.phase.as_ref()?;
    Some(match phase.state {
        Some(state) => format!("while {}", program.vocabulary(Namespace::State).name(state)),
        None => format!(
            "after {}",
            describe::sorted_names(program.vocabulary(Namespace::Event), &phase.events).join(", ")
        ),
    })
}

fn flow_items(program: &Program) -> Vec<Keyed<'_, Flow>> {
    program
        .flows
        .iter()
        .map(|flow| Keyed {
            key: flow_key(program, flow),
            coarse: flow_key(program, flow),
            content: flow_text(program, flow),
            item: flow,
            meta: &flow.meta,
        })
        .collect()
}

fn flows(old: &Program, new: &Program, out: &mut Vec<Change>) {
    let pairs = pair(flow_items(old), flow_items(new));
    report_pairs(
        "flow",
        pairs,
        Class::Widening,
        Class::Narrowing,
        |before, after, details, classes| {
            ids_change(
                "safeguards",
                (old.safeguards(), &before.protection),
                (new.safeguards(), &after.protection),
                protection_class,
                details,
                classes,
            );
            ids_change(
                "bases",
                (old.bases(), &before.bases),
                (new.bases(), &after.bases),
                |_, _| Class::Neutral,
                details,
                classes,
            );
            if before.honours_dnt != after.honours_dnt {
                details.push(if after.honours_dnt {
                    "now honours Do Not Track".to_string()
                } else {
                    "no longer honours Do Not Track".to_string()
                });
                classes.push(protection_class(after.honours_dnt, before.honours_dnt));
            }
            let (was, is) = (flow_phase_text(old, before), flow_phase_text(new, after));
            if was != is {
                let shown = |text: &Option<String>| {
                    text.as_ref()
                        .map_or("every phase of its source".to_string(), |t| {
                            format!("`{t}`")
                        })
                };
                details.push(format!("phases: {} -> {}", shown(&was), shown(&is)));
                // Reading every phase of its source reads more.
                classes.push(match (&was, &is) {
                    (Some(_), None) => Class::Widening,
                    (None, Some(_)) => Class::Narrowing,
                    _ => Class::Neutral,
                });
            }
            ids_change(
                "opt-outs honoured",
                (old.vocabulary(Namespace::OptOut), &before.honours_opt_outs),
                (new.vocabulary(Namespace::OptOut), &after.honours_opt_outs),
                protection_class,
                details,
                classes,
            );
            ids_change(
                "notices given",
                (old.vocabulary(Namespace::Obligation), &before.notified),
                (new.vocabulary(Namespace::Obligation), &after.notified),
                protection_class,
                details,
                classes,
            );
        },
        out,
    );
}

// ---- permissions

/// A name that stands for nothing in a version: no rule covers it and no
/// region is under it.
const NOTHING: NameId = NameId(u32::MAX);

/// The names of a hierarchy across both versions that have no descendant
/// in either: the finest leaves.
fn union_leaves(old: &Vocabulary, new: &Vocabulary) -> Vec<String> {
    let mut names: BTreeSet<&str> = BTreeSet::new();
    for vocabulary in [old, new] {
        for (_, entry) in vocabulary.iter() {
            if entry.is_leaf() {
                names.insert(entry.name.as_str());
            }
        }
    }
    let has_descendant = |name: &str| {
        let prefix = format!("{name}.");
        [old, new]
            .iter()
            .any(|v| v.names().any(|other| other.starts_with(&prefix)))
    };
    names
        .into_iter()
        .filter(|name| !has_descendant(name))
        .map(str::to_string)
        .collect()
}

/// Every name of both versions, sorted.
fn union_names(old: &Vocabulary, new: &Vocabulary) -> Vec<String> {
    let names: BTreeSet<&str> = old.names().chain(new.names()).collect();
    names.into_iter().map(str::to_string).collect()
}

/// The leaves of the union (indices into `leaves`) grouped by their
/// audience class in each version, in the order of their first leaf.
fn audience_groups(old: &Program, new: &Program, leaves: &[String]) -> Vec<Vec<usize>> {
    let class = |program: &Program, name: &String| {
        let vocabulary = program.audiences();
        vocabulary
            .lookup(name)
            .map(|id| vocabulary.leaves_of(id).start)
            .map(|leaf| program.audience_classes.of_leaf(leaf))
    };
    let mut position: BTreeMap<(Option<usize>, Option<usize>), usize> = BTreeMap::new();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (index, name) in leaves.iter().enumerate() {
        let key = (class(old, name), class(new, name));
        let at = *position.entry(key).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        if let Some(members) = groups.get_mut(at) {
            members.push(index);
        }
    }
    groups
}

/// The id of a name in a version, or [`NOTHING`]: every name of the domain
/// is in both versions' decided programs, so only a basis or region of
/// neither is nothing.
fn id_of(vocabulary: &Vocabulary, name: &str) -> NameId {
    vocabulary.lookup(name).unwrap_or(NOTHING)
}

/// One context of an act: everything but its category and purpose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Context {
    action: usize,
    recipient: usize,
    /// 0: no basis; i + 1: the i-th basis of the union.
    basis: usize,
    /// 0: no region; i + 1: the i-th region of the union.
    region: usize,
    dnt: usize,
    /// The i-th group of audience leaves that neither version tells apart
    /// (0 alone when neither version declares audiences).
    audience: usize,
}

/// The domain and each version's view of it.
struct Domain {
    categories: Vec<String>,
    purposes: Vec<String>,
    bases: Vec<String>,
    regions: Vec<String>,
    audiences: Vec<String>,
    /// The audience leaves (indices into `audiences`) in groups that are
    /// one audience class in each version: every act is decided alike for
    /// the leaves of a group, so the domain has one context per group.
    audience_groups: Vec<Vec<usize>>,
    contexts: Vec<Context>,
}

impl Domain {
    fn new(old: &Program, new: &Program) -> Domain {
        let bases = union_names(old.bases(), new.bases());
        let regions = union_names(old.regions(), new.regions());
        let audiences = union_leaves(old.audiences(), new.audiences());
        let audience_groups = audience_groups(old, new, &audiences);
        let mut contexts = Vec::new();
        for action in 0..Action::ALL.len() {
            for recipient in 0..PartyKind::ALL.len() {
                for basis in 0..=bases.len() {
                    for region in 0..=regions.len() {
                        for dnt in 0..2 {
                            for audience in 0..audience_groups.len().max(1) {
                                contexts.push(Context {
                                    action,
                                    recipient,
                                    basis,
                                    region,
                                    dnt,
                                    audience,
                                });
                            }
                        }
                    }
                }
            }
        }
        Domain {
            categories: union_leaves(old.categories(), new.categories()),
            purposes: union_leaves(old.purposes(), new.purposes()),
            bases,
            regions,
            audiences,
            audience_groups,
            contexts,
        }
    }

    fn pairs(&self) -> usize {
        self.categories.len() * self.purposes.len()
    }
}

/// One version's decisions over the domain.
struct Version<'p> {
    program: &'p Program,
    categories: Vec<NameId>,
    purposes: Vec<NameId>,
    bases: Vec<Option<NameId>>,
    regions: Vec<NameId>,
    audiences: Vec<NameId>,
    /// The (category, purpose) table of each distinct set of engaged rules.
    tables: BTreeMap<Vec<u32>, FixedBitSet>,
}

impl<'p> Version<'p> {
    fn new(program: &'p Program, domain: &Domain) -> Version<'p> {
        Version {
            program,
            categories: domain
                .categories
                .iter()
                .map(|n| id_of(program.categories(), n))
                .collect(),
            purposes: domain
                .purposes
                .iter()
                .map(|n| id_of(program.purposes(), n))
                .collect(),
            bases: domain
                .bases
                .iter()
                .map(|n| program.bases().lookup(n))
                .collect(),
            regions: domain
                .regions
                .iter()
                .map(|n| id_of(program.regions(), n))
                .collect(),
            audiences: domain
                .audience_groups
                .iter()
                .map(|group| {
                    group
                        .first()
                        .and_then(|leaf| domain.audiences.get(*leaf))
                        .map_or(NOTHING, |n| id_of(program.audiences(), n))
                })
                .collect(),
            tables: BTreeMap::new(),
        }
    }

    fn act(&self, context: Context, category: NameId, purpose: NameId) -> Act {
        let basis = context
            .basis
            .checked_sub(1)
            .and_then(|i| self.bases.get(i).copied().flatten());
        Act {
            action: Action::ALL
                .get(context.action)
                .copied()
                .unwrap_or(Action::Use),
            category,
            purpose,
            recipient: PartyKind::ALL
                .get(context.recipient)
                .copied()
                .unwrap_or(PartyKind::FirstParty),
            bases: basis.into_iter().collect(),
            region: context
                .region
                .checked_sub(1)
                .map(|i| self.regions.get(i).copied().unwrap_or(NOTHING)),
            do_not_track: context.dnt == 1,
            // Permissions are compared for live data; a rule's `after`
            // clause is part of its text, compared with the rules.
            phases: self.program.phase_set(crate::model::LIVE_PHASE),
            // Opt-outs are compared as declarations (a new one narrows);
            // notices are taken as given, so that what a basis `after
            // notice` permits is compared too.
            opt_outs: Vec::new(),
            notified: self.program.basis_notices.values().copied().collect(),
            audiences: self
                .audiences
                .get(context.audience)
                .copied()
                .into_iter()
                .collect(),
        }
    }

    /// The permitted (category, purpose) pairs of a context, as a bitset
    /// indexed `category * purposes + purpose`.
    fn table(&mut self, context: Context) -> FixedBitSet {
        let probe = self.act(context, NOTHING, NOTHING);
        let engaged = signature(self.program, &probe);
        if let Some(table) = self.tables.get(&engaged) {
            return table.clone();
        }
        let width = self.purposes.len();
        let mut table = FixedBitSet::with_capacity(self.categories.len() * width);
        for (c, category) in self.categories.iter().enumerate() {
            for (p, purpose) in self.purposes.iter().enumerate() {
                if decide(self.program, &self.act(context, *category, *purpose)).allowed {
                    table.insert(c * width + p);
                }
            }
        }
        self.tables.insert(engaged, table.clone());
        table
    }
}

/// A product of sets of indices, one set per dimension: action, recipient,
/// basis, region, dnt, category, purpose, audience.
type Rect = [Vec<usize>; 8];

const ACTION: usize = 0;
const RECIPIENT: usize = 1;
const BASIS: usize = 2;
const REGION: usize = 3;
const DNT: usize = 4;
const CATEGORY: usize = 5;
const PURPOSE: usize = 6;
const AUDIENCE: usize = 7;

/// Merges rectangles that differ only in dimension `dim`. The result covers
/// exactly the same points.
fn merge(rects: Vec<Rect>, dim: usize) -> Vec<Rect> {
    let mut groups: BTreeMap<Vec<Vec<usize>>, BTreeSet<usize>> = BTreeMap::new();
    for rect in rects {
        let key: Vec<Vec<usize>> = rect
            .iter()
            .enumerate()
            .map(|(d, values)| if d == dim { Vec::new() } else { values.clone() })
            .collect();
        let values = rect.get(dim).cloned().unwrap_or_default();
        groups.entry(key).or_default().extend(values);
    }
    groups
        .into_iter()
        .map(|(key, values)| {
            let mut rect: Rect = Default::default();
            for (d, slot) in rect.iter_mut().enumerate() {
                *slot = if d == dim {
                    values.iter().copied().collect()
                } else {
                    key.get(d).cloned().unwrap_or_default()
                };
            }
            rect
        })
        .collect()
}

fn merge_all(mut rects: Vec<Rect>, order: &[usize]) -> Vec<Rect> {
    for _ in 0..2 {
        for &dim in order {
            rects = merge(rects, dim);
        }
    }
    rects
}

struct Permissions {
    changes: Vec<PermissionChange>,
    new_purposes: Vec<NewPurpose>,
    acts: u64,
    tables: usize,
}

impl Permissions {
    fn compute(old: &Program, new: &Program) -> Permissions {
        let domain = Domain::new(old, new);
        let mut before = Version::new(old, &domain);
        let mut after = Version::new(new, &domain);
        let pairs = domain.pairs();
        // Contexts grouped by what they gain and what they lose.
        let mut gained: BTreeMap<Vec<usize>, Vec<Context>> = BTreeMap::new();
        let mut lost: BTreeMap<Vec<usize>, Vec<Context>> = BTreeMap::new();
        // (category, purpose) pairs permitted in some context without an
        // exemption, in each version.
        let mut ordinary_before = FixedBitSet::with_capacity(pairs);
        let mut ordinary_after = FixedBitSet::with_capacity(pairs);
        let is_exemption = |name: &String| {
            [old, new].iter().any(|p| {
                p.bases()
                    .lookup(name)
                    .and_then(|id| p.bases().get(id))
                    .and_then(|e| e.declared.as_ref())
                    .is_some_and(|d| d.exemption)
            })
        };
        let exemption: Vec<bool> = domain.bases.iter().map(is_exemption).collect();
        for &context in &domain.contexts {
            let was = before.table(context);
            let is = after.table(context);
            // The purposes data may be collected, used and kept for under
            // the ordinary rules: not under an exemption, and not handed on
            // (a purpose a share names is the recipient's).
            let onward = Action::ALL
                .get(context.action)
                .is_some_and(|action| action.is_onward());
            let ordinary = !onward
                && match context.basis.checked_sub(1) {
                    Some(index) => !exemption.get(index).copied().unwrap_or(false),
                    None => true,
                };
            if ordinary {
                ordinary_before.union_with(&was);
                ordinary_after.union_with(&is);
            }
            if was == is {
                continue;
            }
            let mut plus = is.clone();
            plus.difference_with(&was);
            let mut minus = was;
            minus.difference_with(&is);
            if !plus.is_clear() {
                gained
                    .entry(plus.ones().collect())
                    .or_default()
                    .push(context);
            }
            if !minus.is_clear() {
                lost.entry(minus.ones().collect())
                    .or_default()
                    .push(context);
            }
        }

        let width = domain.purposes.len().max(1);
        let rectangles = |groups: BTreeMap<Vec<usize>, Vec<Context>>| -> Vec<Rect> {
            let mut all = Vec::new();
            for (points, contexts) in groups {
                let context_rects = merge_all(
                    contexts
                        .iter()
                        .map(|c| {
                            [
                                vec![c.action],
                                vec![c.recipient],
                                vec![c.basis],
                                vec![c.region],
                                vec![c.dnt],
                                Vec::new(),
                                Vec::new(),
                                vec![c.audience],
                            ]
                        })
                        .collect(),
                    &[AUDIENCE, DNT, REGION, BASIS, RECIPIENT, ACTION],
                );
                let pair_rects = merge_all(
                    points
                        .iter()
                        .map(|point| {
                            let mut rect: Rect = Default::default();
                            rect[CATEGORY] = vec![point / width];
                            rect[PURPOSE] = vec![point % width];
                            rect
                        })
                        .collect(),
                    &[PURPOSE, CATEGORY],
                );
                for context in &context_rects {
                    for pair in &pair_rects {
                        let mut rect = context.clone();
                        rect[CATEGORY] = pair[CATEGORY].clone();
                        rect[PURPOSE] = pair[PURPOSE].clone();
                        all.push(rect);
                    }
                }
            }
            merge_all(
                all,
                &[
                    AUDIENCE, DNT, REGION, BASIS, PURPOSE, CATEGORY, RECIPIENT, ACTION,
                ],
            )
        };
        let mut changes: Vec<PermissionChange> = rectangles(gained)
            .into_iter()
            .map(|rect| describe_rect(&domain, true, &rect))
            .chain(
                rectangles(lost)
                    .into_iter()
                    .map(|rect| describe_rect(&domain, false, &rect)),
            )
            .collect();
        changes.sort_by(|a, b| {
            (!a.gained, &a.categories, &a.purposes, &a.actions).cmp(&(
                !b.gained,
                &b.categories,
                &b.purposes,
                &b.actions,
            ))
        });

        let mut fresh = ordinary_after;
        fresh.difference_with(&ordinary_before);
        let new_purposes = merge_all(
            fresh
                .ones()
                .map(|point| {
                    let mut rect: Rect = Default::default();
                    rect[CATEGORY] = vec![point / width];
                    rect[PURPOSE] = vec![point % width];
                    rect
                })
                .collect(),
            &[CATEGORY, PURPOSE],
        )
        .into_iter()
        .map(|rect| NewPurpose {
            categories: compress(&domain.categories, &rect[CATEGORY]),
            purposes: compress(&domain.purposes, &rect[PURPOSE]),
            purposes_excluded: compress(
                &domain.purposes,
                &complement(domain.purposes.len(), &rect[PURPOSE]),
            ),
        })
        .collect();

        Permissions {
            changes,
            new_purposes,
            acts: (domain.contexts.len() * pairs) as u64,
            tables: before.tables.len().max(after.tables.len()),
        }
    }
}

/// The names standing for a set of leaves: the broadest names all of whose
/// leaves are in the set.
fn compress(leaves: &[String], chosen: &[usize]) -> Vec<String> {
    let chosen: BTreeSet<&str> = chosen
        .iter()
        .filter_map(|i| leaves.get(*i).map(String::as_str))
        .collect();
    let mut prefixes: BTreeSet<String> = BTreeSet::new();
    for leaf in leaves {
        let mut end = 0;
        for (index, c) in leaf.char_indices() {
            if c == '.' {
                prefixes.insert(leaf.get(..index).unwrap_or("").to_string());
            }
            end = index + c.len_utf8();
        }
        prefixes.insert(leaf.get(..end).unwrap_or("").to_string());
    }
    let under = |prefix: &str, leaf: &str| {
        leaf == prefix
            || leaf
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with('.'))
    };
    let covered = |prefix: &str| {
        leaves
            .iter()
            .filter(|leaf| under(prefix, leaf))
            .all(|leaf| chosen.contains(leaf.as_str()))
    };
    // A name with a single leaf below it is shown as that leaf: the
    // declared name says more than an implied ancestor.
    let single = |prefix: &str| leaves.iter().filter(|leaf| under(prefix, leaf)).count() == 1;
    let mut names = BTreeSet::new();
    for prefix in &prefixes {
        if !covered(prefix) {
            continue;
        }
        let parent_covered = prefix
            .rfind('.')
            .and_then(|dot| prefix.get(..dot))
            .is_some_and(covered);
        if parent_covered {
            continue;
        }
        match leaves
            .iter()
            .find(|leaf| single(prefix) && under(prefix, leaf))
        {
            Some(leaf) => names.insert(leaf.clone()),
            None => names.insert(prefix.clone()),
        };
    }
    names.into_iter().collect()
}

/// The indices below `len` not in `chosen`.
fn complement(len: usize, chosen: &[usize]) -> Vec<usize> {
    let chosen: BTreeSet<usize> = chosen.iter().copied().collect();
    (0..len).filter(|i| !chosen.contains(i)).collect()
}

fn describe_rect(domain: &Domain, gained: bool, rect: &Rect) -> PermissionChange {
    let bases_all = rect[BASIS].len() == domain.bases.len() + 1;
    let chosen_bases: BTreeSet<usize> = rect[BASIS].iter().copied().collect();
    let regions_all = rect[REGION].len() == domain.regions.len() + 1;
    PermissionChange {
        gained,
        actions: rect[ACTION]
            .iter()
            .filter_map(|i| Action::ALL.get(*i).copied())
            .collect(),
        categories: compress(&domain.categories, &rect[CATEGORY]),
        categories_excluded: compress(
            &domain.categories,
            &complement(domain.categories.len(), &rect[CATEGORY]),
        ),
        purposes: compress(&domain.purposes, &rect[PURPOSE]),
        purposes_excluded: compress(
            &domain.purposes,
            &complement(domain.purposes.len(), &rect[PURPOSE]),
        ),
        recipients: rect[RECIPIENT]
            .iter()
            .filter_map(|i| PartyKind::ALL.get(*i).copied())
            .collect(),
        bases: (!bases_all).then(|| {
            rect[BASIS]
                .iter()
                .map(|i| i.checked_sub(1).and_then(|i| domain.bases.get(i)).cloned())
                .collect()
        }),
        bases_excluded: domain
            .bases
            .iter()
            .enumerate()
            .filter(|(i, _)| !chosen_bases.contains(&(i + 1)))
            .map(|(_, name)| name.clone())
            .collect(),
        regions: (!regions_all).then(|| {
            rect[REGION]
                .iter()
                .map(|i| {
                    i.checked_sub(1)
                        .and_then(|i| domain.regions.get(i))
                        .cloned()
                })
                .collect()
        }),
        do_not_track: match rect[DNT].as_slice() {
            [only] => Some(*only == 1),
            _ => None,
        },
        audiences: (rect[AUDIENCE].len() < domain.audience_groups.len()).then(|| {
            let leaves: Vec<usize> = rect[AUDIENCE]
                .iter()
                .filter_map(|group| domain.audience_groups.get(*group))
                .flatten()
                .copied()
                .collect();
            compress(&domain.audiences, &leaves)
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compress_names_the_broadest_covered_subtrees() {
        let leaves: Vec<String> = ["a.x", "a.y", "b.z", "c"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(compress(&leaves, &[0, 1, 2]), vec!["a", "b.z"]);
        assert_eq!(compress(&leaves, &[0, 3]), vec!["a.x", "c"]);
        // `b` has one leaf: the leaf is named.
        assert_eq!(compress(&leaves, &[2]), vec!["b.z"]);
        assert_eq!(compress(&leaves, &[0, 1, 2, 3]), vec!["a", "b.z", "c"]);
    }

    #[test]
    fn merging_keeps_exactly_the_points() {
        let points: Vec<Rect> = [(0, 0), (0, 1), (1, 0), (1, 1), (2, 0)]
            .iter()
            .map(|(c, p)| {
                let mut rect: Rect = Default::default();
                rect[CATEGORY] = vec![*c];
                rect[PURPOSE] = vec![*p];
                rect
            })
            .collect();
        let merged = merge_all(points, &[PURPOSE, CATEGORY]);
        let mut covered = Vec::new();
        for rect in &merged {
            for c in &rect[CATEGORY] {
                for p in &rect[PURPOSE] {
                    covered.push((*c, *p));
                }
            }
        }
        covered.sort();
        assert_eq!(covered, vec![(0, 0), (0, 1), (1, 0), (1, 1), (2, 0)]);
        assert_eq!(merged.len(), 2);
    }
}
