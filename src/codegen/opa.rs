//! The OPA bundle: a Rego v1 policy (`policy.rego`, fixed text: the
//! decision function transcribed rule for rule) and `data.json`, the
//! program compiled into tables the policy reads. Every name and every
//! user-written text goes into the JSON, never into the Rego source; the
//! only program text in the Rego file is a header comment, escaped.

use super::{comment_text, json_bytes};
use crate::model::{
    Action, Condition, NameId, Namespace, PartyKind, Program, RuleKind, Scope, Vocabulary,
};
use crate::query::RuleInfo;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The bundle's only root: the package and the data live under
/// `data.privet`.
pub const ROOT: &str = "privet";

/// The path of the policy inside the bundle.
pub const POLICY_PATH: &str = "privet/policy.rego";

/// The Rego rules, the same for every program.
const POLICY_BODY: &str = include_str!("policy.rego");

/// `data.json`: `{"privet": {"tables": ...}}`.
#[derive(Serialize)]
struct DataDocument<'a> {
    privet: DataRoot<'a>,
}

#[derive(Serialize)]
struct DataRoot<'a> {
    tables: Tables<'a>,
}

/// The compiled program, as the Rego policy reads it.
#[derive(Serialize)]
struct Tables<'a> {
    /// The policy header's name, or null.
    policy: Option<&'a str>,
    actions: Vec<&'static str>,
    recipients: Vec<&'static str>,
    /// Every category name, inner or leaf, to the leaves below it.
    categories: BTreeMap<&'a str, Vec<&'a str>>,
    /// Every purpose name to the leaves below it.
    purposes: BTreeMap<&'a str, Vec<&'a str>>,
    /// Every basis to itself and its ancestors: an act's basis satisfies
    /// an accepted one when the accepted one is in its list.
    bases: BTreeMap<&'a str, Vec<&'a str>>,
    /// Every basis that holds for some purposes only to those purpose
    /// leaves: an exemption holds for its own purposes.
    basis_purposes: BTreeMap<&'a str, Vec<&'a str>>,
    /// Purpose binding: each declared compatibility as the purpose leaves
    /// that may be used for data collected for the `with` leaves.
    compatibilities: Vec<CompatibilityTable<'a>>,
    /// The bases accepted `for new purpose`.
    new_purpose_bases: Vec<&'a str>,
    /// Every basis declared `after notice` (or below one) to the
    /// obligations whose notice it needs: it counts only for an act whose
    /// `notified` lists them all.
    basis_notices: BTreeMap<&'a str, Vec<&'a str>>,
    /// The declared opt-outs: an act's `opt_outs` names some of them.
    opt_outs: Vec<&'a str>,
    /// The declared obligations: an act's `notified` names some of them.
    obligations: Vec<&'a str>,
    /// Every region to itself and its ancestors.
    regions: BTreeMap<&'a str, Vec<&'a str>>,
    /// The classes of audience leaves that no rule tells apart (see
    /// `model::AudienceClasses`), by number: the leaves of each (one class
    /// with none when the program declares no audience). An act is decided
    /// once per class, for the classes of its subject.
    audience_classes: Vec<Vec<&'a str>>,
    /// Every audience name to the numbers of the classes of the leaves
    /// below it.
    audiences: BTreeMap<&'a str, Vec<usize>>,
    /// The events: an act's `phase` is `live` or one of them.
    events: Vec<&'a str>,
    /// The decision rules, in program order (the index is the rule's
    /// number in `reasons`).
    rules: Vec<RuleTable<'a>>,
    /// Every action to the numbers of the rules that name it, in order: an
    /// index, so that an act is matched against its action's rules only.
    rules_by_action: BTreeMap<&'static str, Vec<usize>>,
}

#[derive(Serialize)]
struct RuleTable<'a> {
    kind: &'static str,
    /// For `opt out`: the opt-out, which engages the rule when the act's
    /// `opt_outs` names it; absent for other kinds.
    #[serde(skip_serializing_if = "Option::is_none")]
    opt_out: Option<&'a str>,
    actions: Vec<&'static str>,
    /// The category leaves it covers, after its `sensitive` or `identifier`
    /// filter.
    categories: Vec<&'a str>,
    /// The purpose leaves it names (for `restrict`, the permitted ones);
    /// null for any purpose.
    purposes: Option<Vec<&'a str>>,
    /// null for any recipient.
    recipients: Option<Vec<&'static str>>,
    /// For `allow`: the act needs one of these (none needed if empty).
    bases: Vec<&'a str>,
    /// For `allow` and `deny`: the act's region must be under one (any if
    /// empty); for `confine`: the permitted regions.
    regions: Vec<&'a str>,
    /// The audience classes it is about; null for every audience.
    audiences: Option<Vec<usize>>,
    /// For `allow` and `deny`: the events after which the data it is about
    /// is (any phase if empty).
    after: Vec<&'a str>,
    exceptions: Vec<ExceptionTable<'a>>,
    location: &'a str,
    text: &'a str,
    cite: Option<&'a str>,
    doc: Option<&'a str>,
}

/// `purpose P compatible with W`: data collected for a leaf of `with` may be
/// used for a leaf of `purpose`.
#[derive(Serialize)]
struct CompatibilityTable<'a> {
    purpose: Vec<&'a str>,
    with: Vec<&'a str>,
}

/// What an exception or a carve-out names; each part given must hold.
#[derive(Serialize)]
struct ConditionTable<'a> {
    /// Category leaves, or null for any.
    categories: Option<Vec<&'a str>>,
    /// Purpose leaves, or null for any.
    purposes: Option<Vec<&'a str>>,
    /// null for any recipient.
    recipients: Option<Vec<&'static str>>,
    /// The act's region must be known and under one (any if empty).
    regions: Vec<&'a str>,
    /// One of the act's bases must be under one, for the atom's purpose
    /// (none needed if empty).
    bases: Vec<&'a str>,
    /// Audience classes, or null for any.
    audiences: Option<Vec<usize>>,
}

#[derive(Serialize)]
struct ExceptionTable<'a> {
    #[serde(flatten)]
    condition: ConditionTable<'a>,
    /// The `except deny` clauses: where one holds, the exception does not.
    carve_outs: Vec<ConditionTable<'a>>,
    /// For `except allow`: the number of the rule that permits what it
    /// covers.
    permits: Option<usize>,
    cite: Option<&'a str>,
}

fn condition_table<'a>(program: &'a Program, condition: &Condition) -> ConditionTable<'a> {
    ConditionTable {
        categories: condition
            .categories
            .as_ref()
            .map(|scope| leaf_names(program.categories(), scope.leaves.ones())),
        purposes: condition
            .purposes
            .as_ref()
            .map(|scope| leaf_names(program.purposes(), scope.leaves.ones())),
        recipients: condition
            .recipients
            .map(|set| set.iter().map(PartyKind::as_str).collect()),
        regions: names(program.regions(), &condition.regions),
        bases: names(program.bases(), &condition.bases),
        audiences: audience_classes(program, condition.audiences.as_ref()),
    }
}

/// The audience classes an `about` clause covers; `None` for every one.
fn audience_classes(program: &Program, scope: Option<&Scope>) -> Option<Vec<usize>> {
    let classes = &program.audience_classes;
    scope.map(|scope| {
        (0..classes.count())
            .filter(|class| classes.covered_by(*class, Some(scope)))
            .collect()
    })
}

/// Every basis that holds for some purposes only (an exemption with a `for`
/// clause, or a name below one) to those purpose leaves.
fn basis_purpose_table(program: &Program) -> BTreeMap<&str, Vec<&str>> {
    program
        .bases()
        .iter()
        .filter_map(|(id, entry)| {
            let leaves = program.basis_purposes(id)?;
            Some((
                entry.name.as_str(),
                leaf_names(program.purposes(), leaves.ones()),
            ))
        })
        .collect()
}

/// Every basis that needs notices (`after notice`, on it or an ancestor) to
/// those obligations.
fn basis_notice_table(program: &Program) -> BTreeMap<&str, Vec<&str>> {
    let obligations = program.vocabulary(Namespace::Obligation);
    program
        .bases()
        .iter()
        .filter_map(|(id, entry)| {
            let notices = program.basis_notices(id);
            (!notices.is_empty()).then(|| (entry.name.as_str(), names(obligations, &notices)))
        })
        .collect()
}

/// The declared names of a vocabulary, in its order.
fn declared(vocabulary: &Vocabulary) -> Vec<&str> {
    vocabulary
        .iter()
        .filter(|(_, entry)| entry.declared.is_some())
        .map(|(_, entry)| entry.name.as_str())
        .collect()
}

fn leaf_names(vocabulary: &Vocabulary, leaves: impl IntoIterator<Item = usize>) -> Vec<&str> {
    leaves
        .into_iter()
        .filter_map(|leaf| vocabulary.leaf(leaf))
        .map(|id| vocabulary.name(id))
        .collect()
}

/// Every name to the leaves below it.
fn leaf_table(vocabulary: &Vocabulary) -> BTreeMap<&str, Vec<&str>> {
    vocabulary
        .iter()
        .map(|(id, entry)| {
            (
                entry.name.as_str(),
                leaf_names(vocabulary, vocabulary.leaves_of(id)),
            )
        })
        .collect()
}

/// Every name to itself and its ancestors, nearest first.
fn ancestor_table(vocabulary: &Vocabulary) -> BTreeMap<&str, Vec<&str>> {
    vocabulary
        .iter()
        .map(|(id, entry)| {
            let mut chain = Vec::new();
            let mut next = Some(id);
            // Each step goes to a parent, which has a smaller id: bounded.
            while let Some(current) = next {
                chain.push(vocabulary.name(current));
                next = vocabulary
                    .get(current)
                    .and_then(|e| e.parent)
                    .filter(|parent| parent.0 < current.0);
            }
            (entry.name.as_str(), chain)
        })
        .collect()
}

fn names<'a>(vocabulary: &'a Vocabulary, ids: &[NameId]) -> Vec<&'a str> {
    ids.iter().map(|id| vocabulary.name(*id)).collect()
}

/// `data.json` of the bundle.
pub fn data_json(program: &Program, infos: &[RuleInfo]) -> Vec<u8> {
    let categories = program.categories();
    let purposes = program.purposes();
    let rules = program
        .rules
        .iter()
        .zip(infos)
        .map(|(rule, info)| RuleTable {
            kind: rule.kind.keyword(),
            opt_out: match rule.kind {
                RuleKind::OptOut(id) => Some(program.vocabulary(Namespace::OptOut).name(id)),
                _ => None,
            },
            actions: rule.actions.iter().map(Action::as_str).collect(),
            categories: leaf_names(categories, rule.categories.leaves.ones()),
            purposes: rule
                .purposes
                .as_ref()
                .map(|scope| leaf_names(purposes, scope.leaves.ones())),
            recipients: rule
                .recipients
                .map(|set| set.iter().map(PartyKind::as_str).collect()),
            bases: names(program.bases(), &rule.bases),
            regions: names(program.regions(), &rule.regions),
            audiences: audience_classes(program, rule.audiences.as_ref()),
            after: names(program.vocabulary(Namespace::Event), &rule.after),
            exceptions: rule
                .exceptions
                .iter()
                .map(|exception| ExceptionTable {
                    condition: condition_table(program, &exception.condition),
                    carve_outs: exception
                        .carve_outs
                        .iter()
                        .map(|carve_out| condition_table(program, &carve_out.condition))
                        .collect(),
                    permits: exception.permits.map(|id| id.index()),
                    cite: exception.cite.as_ref().map(|cite| cite.value.as_str()),
                })
                .collect(),
            location: &info.location,
            text: &info.text,
            cite: info.cite.as_deref(),
            doc: info.doc.as_deref(),
        })
        .collect();
    let rules_by_action = Action::ALL
        .iter()
        .map(|action| {
            let numbers = program
                .rules
                .iter()
                .enumerate()
                .filter(|(_, rule)| rule.actions.contains(*action))
                .map(|(index, _)| index)
                .collect();
            (action.as_str(), numbers)
        })
        .collect();
    let document = DataDocument {
        privet: DataRoot {
            tables: Tables {
                policy: program.policy.as_ref().map(|policy| policy.name.as_str()),
                actions: Action::ALL.iter().map(|action| action.as_str()).collect(),
                recipients: PartyKind::ALL.iter().map(|party| party.as_str()).collect(),
                categories: leaf_table(categories),
                purposes: leaf_table(purposes),
                bases: ancestor_table(program.bases()),
                basis_purposes: basis_purpose_table(program),
                compatibilities: program
                    .compatibilities
                    .iter()
                    .map(|c| CompatibilityTable {
                        purpose: leaf_names(purposes, purposes.leaves_of(c.purpose)),
                        with: leaf_names(purposes, purposes.leaf_set(&c.with, None).ones()),
                    })
                    .collect(),
                new_purpose_bases: names(program.bases(), &program.new_purpose_bases),
                basis_notices: basis_notice_table(program),
                opt_outs: declared(program.vocabulary(Namespace::OptOut)),
                obligations: declared(program.vocabulary(Namespace::Obligation)),
                regions: ancestor_table(program.regions()),
                audience_classes: (0..program.audience_classes.count())
                    .map(|class| {
                        leaf_names(program.audiences(), program.audience_classes.leaves(class))
                    })
                    .collect(),
                audiences: program
                    .audiences()
                    .iter()
                    .map(|(id, entry)| {
                        (
                            entry.name.as_str(),
                            program
                                .audience_classes
                                .of_names(program.audiences(), &[id]),
                        )
                    })
                    .collect(),
                events: program.vocabulary(Namespace::Event).names().collect(),
                rules,
                rules_by_action,
            },
        },
    };
    json_bytes(&document)
}

/// The Rego policy: a header naming the program, then the fixed rules.
pub fn policy_rego(program: &Program) -> Vec<u8> {
    let mut out =
        String::from("# Generated by privet; do not edit. Rebuild with `privet build`.\n");
    if let Some(policy) = &program.policy {
        out.push_str(&format!("# policy: {}", comment_text(&policy.name)));
        if let Some(title) = &policy.title {
            out.push_str(&format!(" {}", comment_text(title)));
        }
        if let Some(updated) = &policy.updated {
            out.push_str(&format!(", updated {updated}"));
        }
        out.push('\n');
    }
    out.push_str("#\n");
    out.push_str(POLICY_BODY);
    out.into_bytes()
}

#[derive(Serialize)]
struct Manifest<'a> {
    revision: String,
    roots: [&'a str; 1],
    metadata: ManifestMetadata<'a>,
}

#[derive(Serialize)]
struct ManifestMetadata<'a> {
    generator: &'a str,
    policy: Option<&'a str>,
}

/// The revision of a bundle: the SHA-256 of its roots and of every other
/// file, path and content, in path order.
pub fn revision(files: &BTreeMap<String, Vec<u8>>) -> String {
    let mut hash = Sha256::new();
    hash.update(b"privet bundle\0roots\0");
    hash.update(ROOT.as_bytes());
    for (path, bytes) in files {
        hash.update(b"\0file\0");
        hash.update(path.as_bytes());
        hash.update(b"\0");
        hash.update((bytes.len() as u64).to_be_bytes());
        hash.update(bytes);
    }
    hash.finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// `.manifest`, given the revision.
pub fn manifest(program: &Program, revision: &str) -> Vec<u8> {
    json_bytes(&Manifest {
        revision: revision.to_string(),
        roots: [ROOT],
        metadata: ManifestMetadata {
            generator: "privet",
            policy: program.policy.as_ref().map(|policy| policy.name.as_str()),
        },
    })
}
