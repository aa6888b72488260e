//! The rules of two versions compared as written: matched by their head,
//! and each change of categories, purposes, recipients, regions, bases or
//! exceptions classified. What the rules decide together is the
//! permissions' part (`permissions`).

use super::*;

pub(super) fn rule_key(program: &Program, rule: &Rule) -> String {
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
pub(super) fn rule_items(program: &Program, forbids: bool) -> Vec<Keyed<'_, Rule>> {
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

pub(super) fn rules(old: &Program, new: &Program, out: &mut Vec<Change>) {
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
pub(super) fn decided_nothing(old: &Program, new: &Program, changes: &mut [Change]) {
    let dead = |program: &Program| -> BTreeSet<Span> {
        crate::check::lints::dead_rules(program)
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
pub(super) fn head_changes(
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
pub(super) fn audiences_covered(program: &Program, rule: &Rule) -> Option<Covered> {
    rule.audiences
        .as_ref()
        .map(|scope| scope_covered(program.audiences(), scope))
}

/// [`covered_change`] of a clause that may be missing, meaning "any".
pub(super) fn optional_change(
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
