//! The decision function: is one act permitted, and which rules decided it.
//!
//! `check`, `query` and the generated OPA policy all use this one function
//! (the Rego in `codegen::opa` is a transcription of it, and the tests hold
//! the two to the same answers).
//!
//! The semantics:
//! - an act names a category and a purpose, each possibly broad; it stands
//!   for every pair of a leaf category below its category and a leaf purpose
//!   below its purpose (the *atoms*), and is permitted only if every atom is;
//! - an atom is forbidden if a `deny`, `restrict`, `confine` or `honour do
//!   not track` rule applies to it and none of that rule's exceptions holds;
//! - otherwise it is permitted if an `allow` rule covers it; otherwise it is
//!   forbidden by default.
//!
//! So a rule on an ancestor covers every descendant, a deny on
//! `user.contact.email` catches a flow of the broad `user.contact`, and a
//! broad flow is permitted only when its whole subtree is.

use crate::model::*;
use fixedbitset::FixedBitSet;

/// One act of processing, as a flow, a query or an OPA input describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Act {
    pub action: Action,
    pub category: NameId,
    pub purpose: NameId,
    /// Who receives the data; the first party for acts that hand nothing on.
    pub recipient: PartyKind,
    /// The bases the act relies on.
    pub bases: Vec<NameId>,
    /// Where the data is stored or sent, when that is known.
    pub region: Option<NameId>,
    /// Whether the person has Do Not Track on.
    pub do_not_track: bool,
}

/// The outcome of [`decide`].
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Decision {
    pub allowed: bool,
    /// Rules that forbade at least one atom, in rule order.
    pub forbidding: Vec<RuleId>,
    /// Rules that permitted at least one atom not forbidden, in rule order.
    pub allowing: Vec<RuleId>,
    /// Atoms (leaf category, leaf purpose) that nothing forbade and no rule
    /// permits: forbidden by default.
    pub unallowed: Vec<(NameId, NameId)>,
}

impl Decision {
    /// The rules that decided the outcome: the forbidding ones for a denial,
    /// the permitting ones otherwise.
    pub fn deciding_rules(&self) -> &[RuleId] {
        if self.allowed {
            &self.allowing
        } else {
            &self.forbidding
        }
    }
}

/// Whether one of the act's bases is under one of `accepted`.
pub fn bases_satisfy(program: &Program, act_bases: &[NameId], accepted: &[NameId]) -> bool {
    let bases = program.bases();
    act_bases
        .iter()
        .any(|basis| bases.is_under_any(*basis, accepted))
}

/// Whether one of a rule's exceptions holds for the act's bases.
pub fn excepted(program: &Program, rule: &Rule, act_bases: &[NameId]) -> bool {
    rule.exceptions
        .iter()
        .any(|exception| bases_satisfy(program, act_bases, &exception.bases))
}

fn region_within(program: &Program, region: Option<NameId>, regions: &[NameId]) -> bool {
    region.is_some_and(|region| program.regions().is_under_any(region, regions))
}

/// Whether a rule's conditions that do not depend on the atom hold for the
/// act: action, recipient, bases, region, Do Not Track, exceptions.
pub fn rule_engaged(program: &Program, rule: &Rule, act: &Act) -> bool {
    if !rule.actions.contains(act.action) {
        return false;
    }
    if rule
        .recipients
        .is_some_and(|recipients| !recipients.contains(act.recipient))
    {
        return false;
    }
    match rule.kind {
        RuleKind::Allow => {
            (rule.bases.is_empty() || bases_satisfy(program, &act.bases, &rule.bases))
                && (rule.regions.is_empty() || region_within(program, act.region, &rule.regions))
        }
        RuleKind::Deny => {
            (rule.regions.is_empty() || region_within(program, act.region, &rule.regions))
                && !excepted(program, rule, &act.bases)
        }
        RuleKind::Restrict => !excepted(program, rule, &act.bases),
        RuleKind::Confine => {
            act.region.is_some()
                && !region_within(program, act.region, &rule.regions)
                && !excepted(program, rule, &act.bases)
        }
        RuleKind::HonourDnt => act.do_not_track,
    }
}

/// The `confine` rules that keep some atom of an act whose region is not
/// known in their regions, and that no `except` lifts for the act's bases.
/// The decision leaves a `confine` unengaged when the region is unknown
/// (a query or an OPA input that names none); the data map fails closed
/// instead, and judges a node that declares no region as outside every
/// region, so `check::flows` reports these rules.
pub fn confining_unknown_region(program: &Program, act: &Act, categories: &[usize]) -> Vec<RuleId> {
    let purposes = program.purposes().leaves_of(act.purpose);
    program
        .rules
        .iter()
        .enumerate()
        .filter(|(_, rule)| {
            rule.kind == RuleKind::Confine
                && rule.actions.contains(act.action)
                && rule
                    .recipients
                    .is_none_or(|recipients| recipients.contains(act.recipient))
                && !excepted(program, rule, &act.bases)
                && categories.iter().any(|category| {
                    purposes
                        .clone()
                        .any(|purpose| rule_covers(rule, *category, purpose))
                })
        })
        .map(|(index, _)| RuleId(crate::source::offset_u32(index)))
        .collect()
}

/// Whether an engaged rule applies to one atom (leaf indices).
pub fn rule_covers(rule: &Rule, category_leaf: usize, purpose_leaf: usize) -> bool {
    rule.categories.leaves.contains(category_leaf) && covers_purpose(rule, purpose_leaf)
}

/// Whether an engaged rule applies to a leaf purpose, whatever the category.
fn covers_purpose(rule: &Rule, purpose_leaf: usize) -> bool {
    match (rule.kind, &rule.purposes) {
        // `restrict` forbids the purposes it does not list.
        (RuleKind::Restrict, Some(permitted)) => !permitted.leaves.contains(purpose_leaf),
        (RuleKind::Restrict, None) => false,
        (_, Some(purposes)) => purposes.leaves.contains(purpose_leaf),
        (_, None) => true,
    }
}

/// Decides one act.
pub fn decide(program: &Program, act: &Act) -> Decision {
    let categories: Vec<usize> = program.categories().leaves_of(act.category).collect();
    decide_atoms(program, act, &categories)
}

/// Decides an act for some of the leaves below its category only: those a
/// flow really carries (see `graph`).
pub fn decide_atoms(program: &Program, act: &Act, categories: &[usize]) -> Decision {
    let purposes = program.purposes().leaves_of(act.purpose);
    if categories.is_empty() || purposes.is_empty() {
        // Not a name of this program: nothing can permit it.
        return Decision::default();
    }

    // Only the rules that name one of the act's leaf categories can apply,
    // and only those whose purposes meet the act's: a set of rule indices,
    // in order, so a broad category named by many rules costs no sort.
    let mut candidates = FixedBitSet::with_capacity(program.rules.len());
    for id in &program.rule_index.any_category {
        candidates.insert(id.0 as usize);
    }
    for &category in categories {
        for id in program.rule_index.rules_of_leaf(category) {
            candidates.insert(id.0 as usize);
        }
    }

    let mut forbidders = Vec::new();
    let mut allowers = Vec::new();
    for index in candidates.ones() {
        let id = RuleId(crate::source::offset_u32(index));
        let Some(rule) = program.rule(id) else {
            continue;
        };
        let meets_purposes = purposes.clone().any(|p| covers_purpose(rule, p));
        if meets_purposes && rule_engaged(program, rule, act) {
            if rule.kind.forbids() {
                forbidders.push((id, rule));
            } else {
                allowers.push((id, rule));
            }
        }
    }

    let mut forbidding = Vec::new();
    let mut allowing = Vec::new();
    let mut unallowed = Vec::new();
    let mut allowed = true;
    for &category in categories {
        for purpose in purposes.clone() {
            let mut forbidden = false;
            for (id, rule) in &forbidders {
                if rule_covers(rule, category, purpose) {
                    forbidden = true;
                    forbidding.push(*id);
                }
            }
            if forbidden {
                allowed = false;
                continue;
            }
            let mut permitted = false;
            for (id, rule) in &allowers {
                if rule_covers(rule, category, purpose) {
                    permitted = true;
                    allowing.push(*id);
                }
            }
            if !permitted {
                allowed = false;
                if let (Some(c), Some(p)) = (
                    program.categories().leaf(category),
                    program.purposes().leaf(purpose),
                ) {
                    unallowed.push((c, p));
                }
            }
        }
    }
    for ids in [&mut forbidding, &mut allowing] {
        ids.sort_unstable();
        ids.dedup();
    }
    Decision {
        allowed,
        forbidding,
        allowing,
        unallowed,
    }
}
