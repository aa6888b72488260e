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

use super::decision::{Act, decide, signature, signature_over};
use super::retention::{RetentionProblem, compare_lifecycles, floor_covers};
use crate::describe;
use crate::model::*;
use crate::source::Span;
use fixedbitset::FixedBitSet;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

mod affected;
mod classify;
mod declarations;
mod flows;
mod lifecycles;
mod matching;
mod permissions;
mod rules;

use affected::*;
use classify::*;
use declarations::*;
use flows::*;
use lifecycles::*;
use matching::*;
use permissions::*;
use rules::*;

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
    let (old, new) = (versions.old_decided, versions.new_decided);
    let domain = Domain::new(old, new);
    let permissions = match affected(old, new, &domain) {
        Affected::Nothing => Permissions::unchanged(&domain),
        Affected::Part(plan) => Permissions::compute(old, new, &domain, plan),
        Affected::Everything => Permissions::exhaustive(old, new),
    };
    report(versions, permissions)
}

/// [`diff`] with every act of the union domain decided in each version:
/// the reference the targeted comparison must equal (in everything but the
/// number of tables it decided), and its fallback.
pub fn diff_exhaustive(versions: Versions<'_>) -> DiffReport {
    report(
        versions,
        Permissions::exhaustive(versions.old_decided, versions.new_decided),
    )
}

/// The report: the changes of the program as written, and the permissions.
fn report(versions: Versions<'_>, permissions: Permissions) -> DiffReport {
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
