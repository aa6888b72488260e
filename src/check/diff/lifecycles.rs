//! Retentions, floors and legal holds of two versions: how long data is
//! kept, compared through the retention check's lifecycle comparison.

use super::*;

/// A lifecycle of `old` with its names looked up in `new`, or the name that
/// `new` does not declare.
pub(super) fn translate(
    old: &Program,
    new: &Program,
    lifecycle: &Lifecycle,
) -> Result<Lifecycle, String> {
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

pub(super) fn problem_text(problem: &RetentionProblem) -> &str {
    match problem {
        RetentionProblem::Longer(text)
        | RetentionProblem::Counted(text)
        | RetentionProblem::Weaker(text) => text,
    }
}

pub(super) fn retention_items(program: &Program) -> Vec<Keyed<'_, Retention>> {
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

pub(super) fn retentions(old: &Program, new: &Program, out: &mut Vec<Change>) {
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

pub(super) fn floor_items(program: &Program) -> Vec<Keyed<'_, Floor>> {
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
pub(super) fn translate_minimum(
    old: &Program,
    new: &Program,
    minimum: &Minimum,
) -> Result<Minimum, String> {
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
pub(super) fn floors(old: &Program, new: &Program, out: &mut Vec<Change>) {
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

pub(super) fn legal_hold_items(program: &Program) -> Vec<Keyed<'_, LegalHold>> {
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
pub(super) fn legal_holds(old: &Program, new: &Program, out: &mut Vec<Change>) {
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
