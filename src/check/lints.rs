//! Lints on the policy itself: `unused-declaration` and `dead-rule`.

use crate::diagnostic::{Diagnostic, Name};
use crate::model::*;
use fixedbitset::FixedBitSet;

/// The namespaces whose unused names are worth a warning. Obligations,
/// principles, rights and technologies are statements in their own right,
/// rendered for readers; nothing needs to refer to them.
const LINTED: [Namespace; 10] = [
    Namespace::Category,
    Namespace::Purpose,
    Namespace::Basis,
    Namespace::Region,
    Namespace::Safeguard,
    Namespace::State,
    Namespace::Event,
    Namespace::Duration,
    Namespace::Audience,
    Namespace::Node,
];

pub fn unused_declarations(program: &Program) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for namespace in LINTED {
        let vocabulary = program.vocabulary(namespace);
        let mut referenced = FixedBitSet::with_capacity(vocabulary.len());
        for reference in &program.references {
            if reference.namespace == namespace {
                referenced.insert(reference.id.index());
            }
        }
        for (suggested_in, id) in &program.suggested {
            if *suggested_in == namespace {
                referenced.insert(id.index());
            }
        }
        if namespace == Namespace::Node {
            for flow in &program.flows {
                referenced.insert(flow.from.index());
                referenced.insert(flow.to.index());
            }
        }
        // In a hierarchy a name is used when it, an ancestor or a descendant
        // is: a rule on `user` covers `user.contact.email`.
        let mut used = referenced.clone();
        if namespace.is_hierarchical() {
            let ids: Vec<NameId> = vocabulary.ids().collect();
            // Ancestors first (depth-first order): inherit from the parent.
            for id in &ids {
                let parent_used = vocabulary
                    .get(*id)
                    .and_then(|entry| entry.parent)
                    .is_some_and(|parent| used.contains(parent.index()));
                if parent_used {
                    used.insert(id.index());
                }
            }
            // Any referenced descendant marks its ancestors.
            for id in referenced.ones() {
                let mut ancestor = vocabulary
                    .get(NameId(crate::source::offset_u32(id)))
                    .and_then(|e| e.parent);
                while let Some(parent) = ancestor {
                    used.insert(parent.index());
                    ancestor = vocabulary.get(parent).and_then(|entry| entry.parent);
                }
            }
        }
        for (id, entry) in vocabulary.iter() {
            let Some(declared) = &entry.declared else {
                continue;
            };
            if used.contains(id.index()) || declared.recovered {
                continue;
            }
            let noun = if declared.exemption {
                "exemption"
            } else {
                namespace.noun()
            };
            diagnostics.push(
                Diagnostic::new(
                    Name::UnusedDeclaration,
                    declared.name_span,
                    format!("{noun} `{}` is declared but never used", entry.name),
                )
                .primary_message("no rule or flow refers to it")
                .help("use it in a rule, or remove the declaration"),
            );
        }
    }
    diagnostics
}

/// A set of (action, recipient) pairs, one bit each.
fn act_mask(actions: ActionSet, recipients: Option<PartySet>) -> u64 {
    let recipients = recipients.unwrap_or(PartySet::ALL);
    let mut mask = 0u64;
    for action in actions.iter() {
        for recipient in recipients.iter() {
            mask |= 1 << (action as u64 * 6 + recipient as u64);
        }
    }
    mask
}

/// Whether an `about` clause covers every audience another does (`None`
/// is every audience).
fn audiences_within(inner: Option<&Scope>, outer: Option<&Scope>) -> bool {
    match (inner, outer) {
        (_, None) => true,
        (None, Some(_)) => false,
        (Some(inner), Some(outer)) => inner.leaves.is_subset(&outer.leaves),
    }
}

/// Whether every name of `inner` is under some name of `outer`.
fn all_under(vocabulary: &Vocabulary, inner: &[NameId], outer: &[NameId]) -> bool {
    inner.iter().all(|id| vocabulary.is_under_any(*id, outer))
}

/// Whether `wide` is engaged by the phases of every act `narrow` is: it
/// names no phase, or `narrow` names some, all among `wide`'s (a `deny`
/// engages when a phase of the act is among its own, an `allow` when every
/// phase is).
fn phases_within(narrow: &Rule, wide: &Rule) -> bool {
    wide.after.is_empty()
        || (!narrow.after.is_empty() && narrow.after.iter().all(|e| wide.after.contains(e)))
}

/// Whether a forbidding rule forbids, whatever the act's bases and Do Not
/// Track, every act of `allow` whose action and recipient it names.
fn forbids_unconditionally(program: &Program, forbid: &Rule, allow: &Rule) -> bool {
    if !forbid.exceptions.is_empty()
        || !audiences_within(allow.audiences.as_ref(), forbid.audiences.as_ref())
        || !phases_within(allow, forbid)
    {
        return false;
    }
    match forbid.kind {
        RuleKind::Deny => {
            forbid.regions.is_empty()
                || (!allow.regions.is_empty()
                    && all_under(program.regions(), &allow.regions, &forbid.regions))
        }
        RuleKind::Restrict => true,
        RuleKind::Confine => {
            !allow.regions.is_empty()
                && allow
                    .regions
                    .iter()
                    .all(|region| !program.regions().is_under_any(*region, &forbid.regions))
        }
        RuleKind::HonourDnt | RuleKind::OptOut(_) | RuleKind::Allow => false,
    }
}

/// What the dead-rule lint knows of the rules: each rule's purpose leaves
/// (every purpose when it names none), computed once.
struct Rules<'p> {
    program: &'p Program,
    purposes: Vec<FixedBitSet>,
    all_purposes: FixedBitSet,
}

impl<'p> Rules<'p> {
    fn new(program: &'p Program) -> Self {
        let all_purposes = program.purposes().all_leaves();
        let purposes = program
            .rules
            .iter()
            .map(|rule| match &rule.purposes {
                Some(scope) => scope.leaves.clone(),
                None => all_purposes.clone(),
            })
            .collect();
        Rules {
            program,
            purposes,
            all_purposes,
        }
    }

    fn rule(&self, index: usize) -> Option<&'p Rule> {
        self.program.rules.get(index)
    }

    fn purposes(&self, index: usize) -> &FixedBitSet {
        self.purposes.get(index).unwrap_or(&self.all_purposes)
    }

    /// Whether `wide`'s scope holds `narrow`'s: actions, categories,
    /// purposes, recipients and regions.
    fn scope_covers(&self, wide: usize, narrow: usize) -> bool {
        let (Some(w), Some(n)) = (self.rule(wide), self.rule(narrow)) else {
            return false;
        };
        let program = self.program;
        w.actions.is_superset(n.actions)
            && n.categories.leaves.is_subset(&w.categories.leaves)
            && self.purposes(narrow).is_subset(self.purposes(wide))
            && w.recipients
                .unwrap_or(PartySet::ALL)
                .is_superset(n.recipients.unwrap_or(PartySet::ALL))
            && (w.regions.is_empty()
                || (!n.regions.is_empty() && all_under(program.regions(), &n.regions, &w.regions)))
            && audiences_within(n.audiences.as_ref(), w.audiences.as_ref())
            && phases_within(n, w)
    }

    /// Whether the rule `wide` decides everything the rule `narrow` does,
    /// the same way: it permits (or forbids) at least as much.
    fn subsumes(&self, wide: usize, narrow: usize) -> bool {
        let (Some(w), Some(n)) = (self.rule(wide), self.rule(narrow)) else {
            return false;
        };
        let program = self.program;
        if w.kind != n.kind {
            return false;
        }
        if w.kind == RuleKind::Allow {
            // An `except allow` with carve-outs permits less than its scope.
            return w.exceptions.is_empty()
                && self.scope_covers(wide, narrow)
                && (w.bases.is_empty()
                    || (!n.bases.is_empty() && all_under(program.bases(), &n.bases, &w.bases)));
        }
        if !exceptions_within(program, w, n) {
            return false;
        }
        let categories = n.categories.leaves.is_subset(&w.categories.leaves)
            && audiences_within(n.audiences.as_ref(), w.audiences.as_ref());
        match w.kind {
            RuleKind::Deny => self.scope_covers(wide, narrow),
            // Fewer permitted purposes or regions forbid more.
            RuleKind::Restrict => {
                categories && self.purposes(wide).is_subset(self.purposes(narrow))
            }
            RuleKind::Confine => categories && all_under(program.regions(), &w.regions, &n.regions),
            RuleKind::HonourDnt => self.purposes(narrow).is_subset(self.purposes(wide)),
            RuleKind::OptOut(_) | RuleKind::Allow => false,
        }
    }

    /// The rules that could subsume a rule: those naming its first leaf
    /// category (a wider rule names all of its leaves).
    fn candidates(&self, index: usize) -> Vec<usize> {
        let Some(rule) = self.rule(index) else {
            return Vec::new();
        };
        let index_of = |id: &RuleId| id.index();
        if rule.kind == RuleKind::HonourDnt {
            return self
                .program
                .rule_index
                .any_category
                .iter()
                .map(index_of)
                .collect();
        }
        match rule.categories.leaves.ones().next() {
            Some(first) => self
                .program
                .rule_index
                .rules_of_leaf(first)
                .iter()
                .map(index_of)
                .collect(),
            None => Vec::new(),
        }
    }
}

/// Whether every act excepted from `wide` is excepted from `narrow` too, so
/// that `wide` forbids at least what `narrow` forbids: each exception of
/// `wide` is implied by one of `narrow` that names no more and has no
/// carve-out (a sufficient test, not a complete one).
fn exceptions_within(program: &Program, wide: &Rule, narrow: &Rule) -> bool {
    wide.exceptions.iter().all(|exception| {
        narrow.exceptions.iter().any(|n| {
            n.carve_outs.is_empty()
                && condition_implies(program, &exception.condition, &n.condition)
        })
    })
}

/// Whether `a` holding for an atom implies `b` holding for it.
fn condition_implies(program: &Program, a: &Condition, b: &Condition) -> bool {
    let scope_within = |a: &Option<Scope>, b: &Option<Scope>| match (a, b) {
        (_, None) => true,
        (None, Some(_)) => false,
        (Some(a), Some(b)) => a.leaves.is_subset(&b.leaves),
    };
    scope_within(&a.categories, &b.categories)
        && scope_within(&a.purposes, &b.purposes)
        && scope_within(&a.audiences, &b.audiences)
        && match (a.recipients, b.recipients) {
            (_, None) => true,
            (None, Some(_)) => false,
            (Some(a), Some(b)) => b.is_superset(a),
        }
        && (b.regions.is_empty()
            || (!a.regions.is_empty() && all_under(program.regions(), &a.regions, &b.regions)))
        && (b.bases.is_empty()
            || (!a.bases.is_empty() && all_under(program.bases(), &a.bases, &b.bases)))
}

fn dead(rule: &Rule, message: String, primary: &str) -> Diagnostic {
    Diagnostic::new(Name::DeadRule, rule.meta.head, message)
        .primary_message(primary)
        .primary_cite(rule.meta.cite_text())
}

pub fn dead_rules(program: &Program) -> Vec<Diagnostic> {
    let rules = Rules::new(program);
    let mut diagnostics = Vec::new();
    for (index, rule) in program.rules.iter().enumerate() {
        let keyword = rule.kind.keyword();
        if rule.categories.leaves.is_clear() && rule.kind != RuleKind::HonourDnt {
            let flag = rule.categories.filter.map_or("", |flag| flag.keyword());
            diagnostics.push(
                dead(
                    rule,
                    format!("this `{keyword}` rule covers no category"),
                    "it can never apply",
                )
                .note(format!("none of its categories is flagged `{flag}`")),
            );
            continue;
        }
        if let Some(purposes) = &rule.purposes
            && purposes.filter.is_some()
            && purposes.leaves.is_clear()
        {
            diagnostics.push(
                dead(
                    rule,
                    format!("this `{keyword}` rule covers no purpose"),
                    "it can never apply",
                )
                .note("none of its purposes is flagged `commercial`")
                .help("flag the commercial purposes where they are declared, as in `purpose marketing \"...\" commercial`"),
            );
            continue;
        }
        if rule.kind == RuleKind::Restrict && rules.all_purposes.is_subset(rules.purposes(index)) {
            diagnostics.push(
                dead(
                    rule,
                    "this `restrict` rule permits every purpose".to_string(),
                    "it can never forbid anything",
                )
                .help("list only the purposes the categories may be used for"),
            );
            continue;
        }

        // A rule subsumed by another of its kind: report the narrower one,
        // or the later of two equal ones.
        let subsumed_by = rules.candidates(index).into_iter().find(|other| {
            *other != index
                && rules.subsumes(*other, index)
                && (!rules.subsumes(index, *other) || *other < index)
        });
        if let Some(other) = subsumed_by.and_then(|other| rules.rule(other)) {
            let what = if rule.kind == RuleKind::Allow {
                "permits"
            } else {
                "forbids"
            };
            diagnostics.push(
                dead(
                    rule,
                    format!("this `{keyword}` rule is shadowed by another"),
                    "it can never decide anything",
                )
                .cited_label(
                    other.meta.head,
                    format!("this rule already {what} everything it does"),
                    other.meta.cite_text(),
                )
                .help("remove it, or narrow the other rule"),
            );
            continue;
        }

        if rule.kind == RuleKind::Allow
            && let Some(overriders) = overridden(&rules, index)
        {
            let mut diagnostic = dead(
                rule,
                "this `allow` rule is overridden everywhere it applies".to_string(),
                "it can never permit anything",
            );
            for overrider in overriders {
                if let Some(other) = program.rules.get(overrider) {
                    diagnostic = diagnostic.cited_label(
                        other.meta.head,
                        format!("this `{}` rule forbids it", other.kind.keyword()),
                        other.meta.cite_text(),
                    );
                }
            }
            diagnostics
                .push(diagnostic.help("remove it, or add an exception to the forbidding rule"));
        }
    }
    diagnostics
}

/// If every act the allow rule covers is forbidden without exception, the
/// rules that forbid them. Leaf by leaf, giving up at the first act that
/// nothing forbids, which for most rules is the first.
fn overridden(rules: &Rules<'_>, allow_index: usize) -> Option<Vec<usize>> {
    let program = rules.program;
    let allow = rules.rule(allow_index)?;
    let wanted = act_mask(allow.actions, allow.recipients);
    let purposes = rules.purposes(allow_index);
    let mut used = std::collections::BTreeSet::new();
    for category in allow.categories.leaves.ones() {
        let forbidders: Vec<(usize, &Rule, u64)> = program
            .rule_index
            .rules_of_leaf(category)
            .iter()
            .filter_map(|id| Some((id.index(), program.rule(*id)?)))
            .filter(|(_, rule)| {
                rule.kind.forbids() && forbids_unconditionally(program, rule, allow)
            })
            .map(|(index, rule)| (index, rule, act_mask(rule.actions, rule.recipients)))
            .filter(|(_, _, mask)| mask & wanted != 0)
            .collect();
        if forbidders.is_empty() {
            return None;
        }
        for purpose in purposes.ones() {
            let mut covered = 0u64;
            for (index, rule, mask) in &forbidders {
                if super::decision::rule_covers(rule, category, purpose) {
                    covered |= mask;
                    used.insert(*index);
                }
            }
            if covered & wanted != wanted {
                return None;
            }
        }
    }
    Some(used.into_iter().collect())
}
