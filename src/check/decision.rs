//! The decision function: is one act permitted, and which rules decided it.
//!
//! `check`, `query` and the generated OPA policy all use this one function
//! (the Rego in `codegen::opa` is a transcription of it, and the tests hold
//! the two to the same answers).
//!
//! The semantics:
//! - an act names a category and a purpose, each possibly broad, and the
//!   kinds of data subject (audiences) whose data it is, every one when that
//!   is not known; it stands for every triple of a leaf category below its
//!   category, a leaf purpose below its purpose and an audience leaf below
//!   its audiences (the *atoms*), and is permitted only if every atom is
//!   (audience leaves no rule tells apart are decided once, by class: see
//!   [`AudienceClasses`]);
//! - an atom is forbidden if a `deny`, `restrict`, `confine` or `honour do
//!   not track` rule, or an opt-out the person took, applies to it and none
//!   of that rule's exceptions holds for it (an exception holds where
//!   everything it names holds and none of its `except deny` carve-outs
//!   does);
//! - otherwise it is permitted if an `allow` rule covers it (an `except
//!   allow` clause is such a rule, made by the resolver); otherwise it is
//!   forbidden by default;
//! - a basis is accepted by a clause naming it or an ancestor, for the
//!   purposes of its exemption only (`exemption x for p`), and only when
//!   the act gave the notices it needs (`basis b after notice o`): a basis
//!   whose notice the act does not name counts as absent (fail closed);
//! - the data of an act is in some phases (live, or after an event of the
//!   person's lifecycle; every phase when that is not known): an `allow` or
//!   `deny` with `after EVENTS` is about the data after those events only,
//!   so a `deny` engages when some phase of the act is among them, and an
//!   `allow` only when every phase is (fail closed both ways).
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
    /// The kinds of data subject the data is about (audience names, broad
    /// or leaf); empty when that is not known: then every audience, so a
    /// rule about children applies to it (fail closed).
    pub audiences: Vec<NameId>,
    /// The phases the data may be in ([`crate::model::LIVE_PHASE`], or
    /// after an event: see [`Program::phase_count`]); every phase when that
    /// is not known ([`Program::all_phases`]).
    pub phases: FixedBitSet,
    /// The opt-outs the person took (opt-out names): each forbids
    /// what it stops, as Do Not Track does.
    pub opt_outs: Vec<NameId>,
    /// The obligations whose notice was given for the act (`notified by`):
    /// a basis declared `after notice` counts only when its notice is here.
    pub notified: Vec<NameId>,
}

/// Whether a rule's `after` clause engages it for data in some phases: a
/// forbidding rule when one of the phases is after one of its events, an
/// allowing rule when all of them are (no phase given: every phase).
pub fn phases_engage(rule: &Rule, phases: &FixedBitSet) -> bool {
    if rule.after.is_empty() {
        return true;
    }
    let named = |phase: usize| rule.after.iter().any(|event| event_phase(*event) == phase);
    let every = phases.is_clear();
    if rule.kind.forbids() {
        every || phases.ones().any(named)
    } else {
        !every && phases.ones().all(named)
    }
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
    /// permits for some audience of the act: forbidden by default.
    pub unallowed: Vec<(NameId, NameId)>,
    /// The audience classes (see [`AudienceClasses`]) of those atoms, in
    /// order.
    pub unallowed_audiences: Vec<usize>,
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

/// Whether one of the act's bases is under one of `accepted`, for some
/// purpose.
pub fn bases_satisfy(program: &Program, act_bases: &[NameId], accepted: &[NameId]) -> bool {
    !matches!(acceptance(program, act_bases, accepted), Acceptance::None)
}

/// For which leaf purposes an act's bases meet a clause's accepted bases: a
/// basis is accepted when it is under one of them, and holds for the
/// purposes of its exemption (every purpose, for a basis that is no
/// exemption with a `for` clause).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Acceptance {
    /// No basis of the act is accepted.
    None,
    /// One is, for every purpose.
    Any,
    /// Those that are hold for these purpose leaves only.
    Purposes(FixedBitSet),
}

impl Acceptance {
    pub fn holds_for(&self, purpose_leaf: usize) -> bool {
        match self {
            Acceptance::None => false,
            Acceptance::Any => true,
            Acceptance::Purposes(leaves) => leaves.contains(purpose_leaf),
        }
    }
}

/// Which purposes the act's bases are accepted for by `accepted`.
pub fn acceptance(program: &Program, act_bases: &[NameId], accepted: &[NameId]) -> Acceptance {
    let bases = program.bases();
    let mut result = Acceptance::None;
    for basis in act_bases {
        if !bases.is_under_any(*basis, accepted) {
            continue;
        }
        match program.basis_purposes(*basis) {
            None => return Acceptance::Any,
            Some(leaves) => match &mut result {
                Acceptance::Purposes(union) => union.union_with(leaves),
                _ => result = Acceptance::Purposes(leaves.clone()),
            },
        }
    }
    result
}

/// Which purposes the act's bases are accepted for by `accepted`, counting
/// only the bases whose notices the act gave.
fn act_acceptance(program: &Program, act: &Act, accepted: &[NameId]) -> Acceptance {
    if program.basis_notices.is_empty() {
        acceptance(program, &act.bases, accepted)
    } else {
        acceptance(
            program,
            &program.noticed_bases(&act.bases, &act.notified),
            accepted,
        )
    }
}

fn region_within(program: &Program, region: Option<NameId>, regions: &[NameId]) -> bool {
    region.is_some_and(|region| program.regions().is_under_any(region, regions))
}

/// A condition (of an exception or a carve-out) with its act-level parts
/// decided: what is left depends on the atom.
#[derive(Clone, Debug)]
struct HeldCondition<'a> {
    condition: &'a Condition,
    acceptance: Acceptance,
}

impl HeldCondition<'_> {
    /// The condition for one act: `None` when a part that does not depend
    /// on the atom (recipient, region, bases) fails.
    fn of<'a>(program: &Program, condition: &'a Condition, act: &Act) -> Option<HeldCondition<'a>> {
        if condition
            .recipients
            .is_some_and(|recipients| !recipients.contains(act.recipient))
        {
            return None;
        }
        if !condition.regions.is_empty() && !region_within(program, act.region, &condition.regions)
        {
            return None;
        }
        let acceptance = if condition.bases.is_empty() {
            Acceptance::Any
        } else {
            act_acceptance(program, act, &condition.bases)
        };
        (acceptance != Acceptance::None).then_some(HeldCondition {
            condition,
            acceptance,
        })
    }

    fn holds(
        &self,
        classes: &AudienceClasses,
        (category_leaf, purpose_leaf, audience): Atom,
    ) -> bool {
        classes.covered_by(audience, self.condition.audiences.as_ref())
            && self
                .condition
                .categories
                .as_ref()
                .is_none_or(|scope| scope.leaves.contains(category_leaf))
            && self
                .condition
                .purposes
                .as_ref()
                .is_none_or(|scope| scope.leaves.contains(purpose_leaf))
            && self.acceptance.holds_for(purpose_leaf)
    }
}

/// One exception of a rule, for one act.
#[derive(Clone, Debug)]
struct HeldException<'a> {
    /// Its position among the rule's exceptions.
    index: usize,
    condition: HeldCondition<'a>,
    /// The carve-outs whose act-level parts hold, with their positions.
    carve_outs: Vec<(usize, HeldCondition<'a>)>,
}

impl HeldException<'_> {
    /// Whether it holds for every atom of the act: it names nothing that
    /// depends on the atom, and no carve-out of it held at the act's level.
    fn holds_everywhere(&self) -> bool {
        let condition = self.condition.condition;
        self.carve_outs.is_empty()
            && self.condition.acceptance == Acceptance::Any
            && condition.categories.is_none()
            && condition.purposes.is_none()
            && condition.audiences.is_none()
    }

    fn holds(&self, classes: &AudienceClasses, atom: Atom) -> bool {
        self.condition.holds(classes, atom)
            && !self
                .carve_outs
                .iter()
                .any(|(_, carve_out)| carve_out.holds(classes, atom))
    }
}

/// One atom of an act, as leaf indices: a leaf category, a leaf purpose and
/// an audience class.
pub type Atom = (usize, usize, usize);

/// A rule engaged by an act: its conditions that do not depend on the atom
/// hold, and what is left to decide per atom.
#[derive(Clone, Debug)]
pub struct EngagedRule<'a> {
    pub id: RuleId,
    pub rule: &'a Rule,
    classes: &'a AudienceClasses,
    /// For an `allow` with bases: the purposes they are accepted for.
    acceptance: Acceptance,
    /// The exceptions whose act-level parts hold.
    exceptions: Vec<HeldException<'a>>,
}

impl<'a> EngagedRule<'a> {
    /// Whether the rule applies to one atom: it covers it, its bases hold
    /// for the atom's purpose, and none of its exceptions holds.
    pub fn applies(&self, atom: Atom) -> bool {
        let (category_leaf, purpose_leaf, audience) = atom;
        rule_covers(self.rule, category_leaf, purpose_leaf)
            && self
                .classes
                .covered_by(audience, self.rule.audiences.as_ref())
            && self.acceptance.holds_for(purpose_leaf)
            && !self
                .exceptions
                .iter()
                .any(|exception| exception.holds(self.classes, atom))
    }
}

/// The rule, if the act engages it: its action, recipients, and its kind's
/// own conditions that do not depend on the atom (an `allow`'s bases and
/// regions, a `deny`'s regions, a `confine`'s region outside its own, Do Not
/// Track, the opt-out taken) hold. With `unknown_region_outside`, a `confine` treats an act
/// whose region is not known as outside (the data map fails closed).
pub fn engage<'a>(
    program: &'a Program,
    id: RuleId,
    rule: &'a Rule,
    act: &Act,
    unknown_region_outside: bool,
) -> Option<EngagedRule<'a>> {
    if !rule.actions.contains(act.action) {
        return None;
    }
    if rule
        .recipients
        .is_some_and(|recipients| !recipients.contains(act.recipient))
    {
        return None;
    }
    if !phases_engage(rule, &act.phases) {
        return None;
    }
    let mut acceptance = Acceptance::Any;
    let engaged = match rule.kind {
        RuleKind::Allow => {
            if !rule.bases.is_empty() {
                acceptance = act_acceptance(program, act, &rule.bases);
            }
            acceptance != Acceptance::None
                && (rule.regions.is_empty() || region_within(program, act.region, &rule.regions))
        }
        RuleKind::Deny => {
            rule.regions.is_empty() || region_within(program, act.region, &rule.regions)
        }
        RuleKind::Restrict => true,
        RuleKind::Confine => match act.region {
            Some(_) => !region_within(program, act.region, &rule.regions),
            None => unknown_region_outside,
        },
        RuleKind::HonourDnt => act.do_not_track,
        RuleKind::OptOut(opt_out) => act.opt_outs.contains(&opt_out),
    };
    if !engaged {
        return None;
    }
    let exceptions = rule
        .exceptions
        .iter()
        .enumerate()
        .filter_map(|(index, exception)| {
            let condition = HeldCondition::of(program, &exception.condition, act)?;
            let carve_outs = exception
                .carve_outs
                .iter()
                .enumerate()
                .filter_map(|(index, carve_out)| {
                    Some((
                        index,
                        HeldCondition::of(program, &carve_out.condition, act)?,
                    ))
                })
                .collect();
            Some(HeldException {
                index,
                condition,
                carve_outs,
            })
        })
        .collect::<Vec<HeldException<'_>>>();
    // An exception that holds for every atom lifts the rule from the whole
    // act: it is not engaged (the common `except with consent`), which
    // decides the same and spares a test per atom.
    if exceptions.iter().any(HeldException::holds_everywhere) {
        return None;
    }
    Some(EngagedRule {
        id,
        rule,
        classes: &program.audience_classes,
        acceptance,
        exceptions,
    })
}

impl Acceptance {
    fn encode(&self, out: &mut Vec<u32>) {
        match self {
            Acceptance::None => out.push(0),
            Acceptance::Any => out.push(1),
            Acceptance::Purposes(leaves) => {
                out.push(2 + crate::source::offset_u32(leaves.count_ones(..)));
                out.extend(leaves.ones().map(crate::source::offset_u32));
            }
        }
    }
}

impl EngagedRule<'_> {
    /// Appends what this engagement leaves to decide per atom.
    fn encode(&self, out: &mut Vec<u32>) {
        self.acceptance.encode(out);
        out.push(crate::source::offset_u32(self.exceptions.len()));
        for exception in &self.exceptions {
            out.push(crate::source::offset_u32(exception.index));
            exception.condition.acceptance.encode(out);
            out.push(crate::source::offset_u32(exception.carve_outs.len()));
            for (index, carve_out) in &exception.carve_outs {
                out.push(crate::source::offset_u32(*index));
                carve_out.acceptance.encode(out);
            }
        }
    }
}

/// What the decision of an act depends on besides its category and
/// purpose: for each rule, whether the act engages it and what is then left
/// to decide per atom, and the audience classes of the act. Two acts of one
/// program with the same signature are decided alike for every category and
/// purpose (`check::diff` decides one table per signature).
pub fn signature(program: &Program, act: &Act) -> Vec<u32> {
    signature_over(program, act, program.rule_ids())
}

/// [`signature`] over some rules only: two acts with the same signature over
/// every rule that can apply to some categories are decided alike for those
/// categories (`check::diff` decides only the categories a change can
/// affect).
pub fn signature_over(
    program: &Program,
    act: &Act,
    rules: impl IntoIterator<Item = RuleId>,
) -> Vec<u32> {
    let mut out = Vec::new();
    let classes = act_classes(program, act);
    out.push(crate::source::offset_u32(classes.len()));
    out.extend(classes.into_iter().map(crate::source::offset_u32));
    for id in rules {
        match program
            .rule(id)
            .and_then(|rule| engage(program, id, rule, act, false))
        {
            Some(engaged) => {
                out.push(1);
                engaged.encode(&mut out);
            }
            None => out.push(0),
        }
    }
    out
}

/// The `confine` rules that keep some atom of an act whose region is not
/// known in their regions, and that no `except` lifts for it. The decision
/// leaves a `confine` unengaged when the region is unknown (a query or an
/// OPA input that names none); the data map fails closed instead, and
/// judges a node that declares no region as outside every region, so
/// `check::flows` reports these rules.
pub fn confining_unknown_region(program: &Program, act: &Act, categories: &[usize]) -> Vec<RuleId> {
    let purposes = program.purposes().leaves_of(act.purpose);
    let classes = act_classes(program, act);
    // Only the rules that name one of the act's leaf categories can apply.
    let mut candidates = FixedBitSet::with_capacity(program.rules.len());
    for &category in categories {
        for id in program.rule_index.rules_of_leaf(category) {
            candidates.insert(id.index());
        }
    }
    candidates
        .ones()
        .filter_map(|index| {
            let id = RuleId(crate::source::offset_u32(index));
            let rule = program.rule(id)?;
            if rule.kind != RuleKind::Confine {
                return None;
            }
            let engaged = engage(program, id, rule, act, true)?;
            categories
                .iter()
                .any(|category| {
                    purposes.clone().any(|purpose| {
                        classes
                            .iter()
                            .any(|class| engaged.applies((*category, purpose, *class)))
                    })
                })
                .then_some(id)
        })
        .collect()
}

/// The audience classes an act stands for: those of its audiences, or every
/// one when it names none.
pub fn act_classes(program: &Program, act: &Act) -> Vec<usize> {
    program
        .audience_classes
        .of_names(program.audiences(), &act.audiences)
}

/// Whether an engaged rule covers a leaf category and a leaf purpose,
/// whatever the audience.
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
    let classes = act_classes(program, act);

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
        if !purposes.clone().any(|p| covers_purpose(rule, p))
            || !classes.iter().any(|class| {
                program
                    .audience_classes
                    .covered_by(*class, rule.audiences.as_ref())
            })
        {
            continue;
        }
        if let Some(engaged) = engage(program, id, rule, act, false) {
            if rule.kind.forbids() {
                forbidders.push(engaged);
            } else {
                allowers.push(engaged);
            }
        }
    }

    let mut forbidding = Vec::new();
    let mut allowing = Vec::new();
    let mut unallowed = Vec::new();
    let mut unallowed_audiences = Vec::new();
    let mut allowed = true;
    for &category in categories {
        for purpose in purposes.clone() {
            let mut pair_unallowed = false;
            for &class in &classes {
                let atom = (category, purpose, class);
                let mut forbidden = false;
                for engaged in &forbidders {
                    if engaged.applies(atom) {
                        forbidden = true;
                        forbidding.push(engaged.id);
                    }
                }
                if forbidden {
                    allowed = false;
                    continue;
                }
                let mut permitted = false;
                for engaged in &allowers {
                    if engaged.applies(atom) {
                        permitted = true;
                        allowing.push(engaged.id);
                    }
                }
                if !permitted {
                    allowed = false;
                    pair_unallowed = true;
                    unallowed_audiences.push(class);
                }
            }
            if pair_unallowed
                && let (Some(c), Some(p)) = (
                    program.categories().leaf(category),
                    program.purposes().leaf(purpose),
                )
            {
                unallowed.push((c, p));
            }
        }
    }
    for ids in [&mut forbidding, &mut allowing] {
        ids.sort_unstable();
        ids.dedup();
    }
    unallowed_audiences.sort_unstable();
    unallowed_audiences.dedup();
    Decision {
        allowed,
        forbidding,
        allowing,
        unallowed,
        unallowed_audiences,
    }
}
