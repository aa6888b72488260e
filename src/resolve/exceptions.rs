//! `except` clauses: each into the condition it names, the `except deny`
//! clauses that narrow it, and, for `except allow`, the `allow` rule it adds
//! to the program right after its own rule (docs/language.md §6 and §7).

use super::Resolver;
use crate::ast::{self, ExceptEffect};
use crate::diagnostic::{Diagnostic, Name};
use crate::model::*;
use crate::source::offset_u32;
use fixedbitset::FixedBitSet;

impl Resolver {
    /// Pushes a forbidding rule and, after it, the rules its `except allow`
    /// clauses add.
    pub(super) fn push_with_exceptions(&mut self, mut rule: Rule, clauses: &[ast::Exception]) {
        let own = RuleId(offset_u32(self.program.rules.len()));
        let mut added = Vec::new();
        let mut exceptions: Vec<ExceptionRule> = Vec::new();
        // For each exception, its clause, to make its `allow` once its
        // carve-outs are known.
        let mut permitting: Vec<(usize, &ast::Exception)> = Vec::new();
        for clause in clauses {
            if clause.is_empty() {
                self.diagnostics.push(
                    Diagnostic::new(
                        Name::InvalidValue,
                        clause.keyword,
                        "this exception names nothing, so it would lift the whole rule",
                    )
                    .primary_message("an exception with no condition")
                    .label(rule.meta.head, "the rule it would lift")
                    .help("say what the exception covers, as in `except with consent.explicit` or `except for legal.compliance`"),
                );
                continue;
            }
            let condition = self.condition(clause);
            if !self.meets_rule(&rule, &condition, clause) {
                continue;
            }
            match clause.effect {
                ExceptEffect::Deny => match exceptions.last_mut() {
                    Some(exception) => exception.carve_outs.push(CarveOut {
                        condition,
                        cite: clause.cite.clone(),
                        span: clause.span,
                    }),
                    None => self.diagnostics.push(
                        Diagnostic::new(
                            Name::InvalidValue,
                            clause.keyword,
                            "an `except deny` narrows the exception before it, and none comes before this one",
                        )
                        .primary_message("no exception to narrow")
                        .label(rule.meta.head, "the rule")
                        .help("write the exception it narrows first, as in `except allow with consent.explicit` then `except deny of user.device`"),
                    ),
                },
                ExceptEffect::Lift | ExceptEffect::Allow => {
                    if clause.effect == ExceptEffect::Allow {
                        permitting.push((exceptions.len(), clause));
                    }
                    exceptions.push(ExceptionRule {
                        condition,
                        permits: None,
                        carve_outs: Vec::new(),
                        cite: clause.cite.clone(),
                        span: clause.span,
                    });
                }
            }
        }
        for (index, clause) in permitting {
            let Some(exception) = exceptions.get_mut(index) else {
                continue;
            };
            let id = RuleId(offset_u32(self.program.rules.len() + 1 + added.len()));
            exception.permits = Some(id);
            added.push(permitting_rule(
                self.program.regions(),
                &rule,
                own,
                index,
                exception,
                clause,
            ));
        }
        rule.exceptions = exceptions;
        self.program.rules.push(rule);
        self.program.rules.extend(added);
    }

    fn condition(&mut self, clause: &ast::Exception) -> Condition {
        let categories = (!clause.categories.names.is_empty()).then(|| {
            self.scope(
                Namespace::Category,
                &clause.categories.names,
                clause.categories.filter.map(|f| f.flag),
            )
        });
        Condition {
            categories,
            purposes: self.rule_purpose_scope(&clause.purposes, clause.purpose_filter),
            recipients: self.recipients(&clause.recipients),
            regions: self.lookup_all(Namespace::Region, &clause.regions),
            bases: clause
                .bases
                .as_ref()
                .map(|b| self.lookup_all(Namespace::Basis, &b.bases))
                .unwrap_or_default(),
            audiences: self.audience_scope(&clause.audiences),
        }
    }

    /// Whether an exception names something its rule covers; if it names
    /// only categories or purposes outside the rule, it is reported, since
    /// it could never hold (and an `except allow` would permit outside its
    /// rule).
    fn meets_rule(&mut self, rule: &Rule, condition: &Condition, clause: &ast::Exception) -> bool {
        let mut outside = None;
        if let Some(categories) = &condition.categories
            && !categories.leaves.is_clear()
            && categories.leaves.is_disjoint(&rule.categories.leaves)
        {
            outside = Some(("categories", "category"));
        }
        if let (Some(purposes), Some(own)) = (&condition.purposes, rule_purposes(rule))
            && !purposes.leaves.is_clear()
            && purposes.leaves.is_disjoint(&own)
        {
            outside = Some(("purposes", "purpose"));
        }
        if let (Some(audiences), Some(own)) = (&condition.audiences, &rule.audiences)
            && !audiences.leaves.is_clear()
            && audiences.leaves.is_disjoint(&own.leaves)
        {
            outside = Some(("audiences", "audience"));
        }
        if rule.kind == RuleKind::Deny
            && !rule.regions.is_empty()
            && !condition.regions.is_empty()
            && shared_regions(self.program.regions(), &rule.regions, &condition.regions).is_empty()
        {
            outside = Some(("regions", "region"));
        }
        let Some((plural, noun)) = outside else {
            return true;
        };
        let names: &[ast::Ident] = match noun {
            "category" => &clause.categories.names,
            "purpose" => &clause.purposes,
            "audience" => &clause.audiences,
            _ => &clause.regions,
        };
        let span = match (names.first(), names.last()) {
            (Some(first), Some(last)) => first.span.to(last.span),
            _ => clause.head,
        };
        self.diagnostics.push(
            Diagnostic::new(
                Name::InvalidValue,
                span,
                format!("this exception names {plural} its rule does not cover, so it never holds"),
            )
            .primary_message(format!("no {noun} of the rule"))
            .label(rule.meta.head, "the rule")
            .label(clause.keyword, "in this exception")
            .help(format!(
                "name {plural} the rule covers, or make it a rule of its own"
            )),
        );
        false
    }
}

/// The purpose leaves a forbidding rule applies to: `None` for any.
fn rule_purposes(rule: &Rule) -> Option<FixedBitSet> {
    match (rule.kind, &rule.purposes) {
        (RuleKind::Restrict, Some(listed)) => {
            let mut others = FixedBitSet::with_capacity(listed.leaves.len());
            others.insert_range(..);
            others.difference_with(&listed.leaves);
            Some(others)
        }
        (_, Some(purposes)) => Some(purposes.leaves.clone()),
        (_, None) => None,
    }
}

/// The regions two lists share: each region of one under a region of the
/// other.
fn shared_regions(regions: &Vocabulary, a: &[NameId], b: &[NameId]) -> Vec<NameId> {
    let mut shared: Vec<NameId> = a
        .iter()
        .filter(|r| regions.is_under_any(**r, b))
        .chain(b.iter().filter(|r| regions.is_under_any(**r, a)))
        .copied()
        .collect();
    shared.sort_unstable();
    shared.dedup();
    shared
}

fn intersect(scope: &Scope, leaves: &FixedBitSet) -> FixedBitSet {
    let mut both = scope.leaves.clone();
    both.intersect_with(leaves);
    both
}

/// The `allow` an `except allow` clause adds: the rule's acts, narrowed to
/// what the clause names, under the clause's bases, less its carve-outs.
fn permitting_rule(
    regions: &Vocabulary,
    rule: &Rule,
    own: RuleId,
    index: usize,
    exception: &ExceptionRule,
    clause: &ast::Exception,
) -> Rule {
    let condition = &exception.condition;
    let categories = match &condition.categories {
        Some(named) => Scope {
            names: named.names.clone(),
            filter: named.filter,
            leaves: intersect(named, &rule.categories.leaves),
        },
        None => rule.categories.clone(),
    };
    let purposes = match (&condition.purposes, rule_purposes(rule)) {
        (Some(named), Some(own)) => Some(Scope {
            names: named.names.clone(),
            filter: named.filter,
            leaves: intersect(named, &own),
        }),
        (Some(named), None) => Some(named.clone()),
        (None, Some(own)) => Some(Scope {
            names: rule
                .purposes
                .as_ref()
                .map(|p| p.names.clone())
                .unwrap_or_default(),
            filter: None,
            leaves: own,
        }),
        (None, None) => None,
    };
    let audiences = match (&condition.audiences, &rule.audiences) {
        (Some(named), Some(own)) => Some(Scope {
            names: named.names.clone(),
            filter: None,
            leaves: intersect(named, &own.leaves),
        }),
        (named, own) => named.clone().or_else(|| own.clone()),
    };
    let recipients = match (rule.recipients, condition.recipients) {
        (Some(a), Some(b)) => Some(a.intersection(b)),
        (a, b) => a.or(b),
    };
    let regions = match (
        rule.kind,
        rule.regions.is_empty(),
        condition.regions.is_empty(),
    ) {
        (RuleKind::Deny, false, false) => {
            shared_regions(regions, &rule.regions, &condition.regions)
        }
        (RuleKind::Deny, false, true) => rule.regions.clone(),
        _ => condition.regions.clone(),
    };
    Rule {
        kind: RuleKind::Allow,
        actions: rule.actions,
        categories,
        purposes,
        recipients,
        bases: condition.bases.clone(),
        regions,
        audiences,
        // It permits the rule's acts: of the data in the rule's phases.
        after: rule.after.clone(),
        exceptions: exception
            .carve_outs
            .iter()
            .map(|carve_out| ExceptionRule {
                condition: carve_out.condition.clone(),
                permits: None,
                carve_outs: Vec::new(),
                cite: carve_out.cite.clone(),
                span: carve_out.span,
            })
            .collect(),
        exception_of: Some(ExceptionOf {
            rule: own,
            exception: index,
        }),
        meta: Meta {
            span: clause.span,
            keyword: clause.keyword,
            head: clause.head,
            cite: clause.cite.clone(),
            doc: None,
        },
    }
}
