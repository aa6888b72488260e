//! Items of the model written back as text: rules, retention lifecycles,
//! obligation triggers and requirements, in a normalized privet syntax
//! (names sorted within each list), for `diff` and `doc`. Two items with
//! the same meaning and layout-only differences get the same text.

use crate::ast::{CategoryFlag, EndAction, Hold, RequireTarget};
use crate::model::*;

/// "a, b and c"
pub fn join_and(items: &[String]) -> String {
    join_last(items, "and")
}

/// "a, b or c"
pub fn join_or(items: &[String]) -> String {
    join_last(items, "or")
}

/// Part of a list, the rest counted: "a, b and 3 more" (`word` "and"), or
/// "a, b or 3 more". `shown` are the first items, written out; `total` is
/// how many the list has.
pub fn join_counted(mut shown: Vec<String>, total: usize, word: &str) -> String {
    let more = total.saturating_sub(shown.len());
    if more > 0 {
        shown.push(format!("{more} more"));
    }
    join_last(&shown, word)
}

fn join_last(items: &[String], word: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} {word} {}", init.join(", "), last),
    }
}

/// The names of some ids of a vocabulary, sorted and deduplicated.
pub fn sorted_names(vocabulary: &Vocabulary, ids: &[NameId]) -> Vec<String> {
    let mut names: Vec<String> = ids
        .iter()
        .map(|id| vocabulary.name(*id).to_string())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The actions of a rule as written: `process` for all six.
pub fn actions_text(actions: ActionSet) -> String {
    if actions == ActionSet::ALL {
        return "process".to_string();
    }
    actions
        .iter()
        .map(Action::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

fn flag_text(filter: Option<CategoryFlag>) -> &'static str {
    match filter {
        Some(CategoryFlag::Sensitive) => "sensitive ",
        Some(CategoryFlag::Identifier) => "identifier ",
        Some(CategoryFlag::Commercial) => "commercial ",
        None => "",
    }
}

/// `sensitive user.contact, user.device`
pub fn scope_text(vocabulary: &Vocabulary, scope: &Scope) -> String {
    let text = format!(
        "{}{}",
        flag_text(scope.filter),
        sorted_names(vocabulary, &scope.names).join(", ")
    );
    // `for commercial` names no purpose.
    text.trim_end().to_string()
}

/// The kinds of party of a set, in their fixed order.
pub fn parties_text(parties: PartySet) -> String {
    parties
        .iter()
        .map(PartyKind::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a condition names, in the order of the clauses of a rule: `of
/// user.contact about customer for legal.compliance to authority in site
/// with consent`.
pub fn condition_text(program: &Program, condition: &Condition) -> String {
    let mut parts = Vec::new();
    if let Some(categories) = &condition.categories {
        parts.push(format!(
            "of {}",
            scope_text(program.categories(), categories)
        ));
    }
    if let Some(audiences) = &condition.audiences {
        parts.push(format!(
            "about {}",
            scope_text(program.audiences(), audiences)
        ));
    }
    if let Some(purposes) = &condition.purposes {
        parts.push(format!("for {}", scope_text(program.purposes(), purposes)));
    }
    if let Some(parties) = condition.recipients {
        parts.push(format!("to {}", parties_text(parties)));
    }
    if !condition.regions.is_empty() {
        parts.push(format!(
            "in {}",
            sorted_names(program.regions(), &condition.regions).join(", ")
        ));
    }
    if !condition.bases.is_empty() {
        parts.push(format!(
            "with {}",
            sorted_names(program.bases(), &condition.bases).join(", ")
        ));
    }
    parts.join(" ")
}

/// One exception with its carve-outs, normalized (carve-outs sorted):
/// `except allow with consent.explicit except deny of user.device.imei`.
pub fn exception_text(program: &Program, exception: &ExceptionRule) -> String {
    let effect = if exception.permits.is_some() {
        "except allow"
    } else {
        "except"
    };
    let mut text = format!("{effect} {}", condition_text(program, &exception.condition));
    let mut carve_outs: Vec<String> = exception
        .carve_outs
        .iter()
        .map(|carve_out| condition_text(program, &carve_out.condition))
        .collect();
    carve_outs.sort();
    for carve_out in carve_outs {
        text.push_str(&format!(" except deny {carve_out}"));
    }
    text
}

/// The exceptions of a rule, each normalized, sorted: their order never
/// matters.
pub fn exception_texts(program: &Program, rule: &Rule) -> Vec<String> {
    let mut texts: Vec<String> = rule
        .exceptions
        .iter()
        .map(|exception| exception_text(program, exception))
        .collect();
    texts.sort();
    texts
}

/// The head of a rule: everything but its citations, exceptions and, for
/// `allow`, its bases.
pub fn rule_head(program: &Program, rule: &Rule) -> String {
    let categories = scope_text(program.categories(), &rule.categories);
    let purposes = rule
        .purposes
        .as_ref()
        .map(|scope| scope_text(program.purposes(), scope));
    let regions = sorted_names(program.regions(), &rule.regions).join(", ");
    let about = rule
        .audiences
        .as_ref()
        .map(|scope| format!(" about {}", scope_text(program.audiences(), scope)))
        .unwrap_or_default();
    match rule.kind {
        RuleKind::Allow | RuleKind::Deny => {
            let mut text = format!(
                "{} {} of {categories}{about}",
                rule.kind.keyword(),
                actions_text(rule.actions)
            );
            if let Some(purposes) = purposes {
                text.push_str(&format!(" for {purposes}"));
            }
            if let Some(parties) = rule.recipients {
                text.push_str(&format!(" to {}", parties_text(parties)));
            }
            if !rule.regions.is_empty() {
                text.push_str(&format!(" in {regions}"));
            }
            if !rule.after.is_empty() {
                text.push_str(&format!(
                    " after {}",
                    sorted_names(program.vocabulary(Namespace::Event), &rule.after).join(", ")
                ));
            }
            text
        }
        RuleKind::Restrict => format!(
            "restrict {categories} to {}{about}",
            purposes.unwrap_or_default()
        ),
        RuleKind::Confine => format!("confine {categories} to {regions}{about}"),
        RuleKind::HonourDnt => format!("honour do not track for {}", purposes.unwrap_or_default()),
        RuleKind::OptOut(id) => {
            let name = program.vocabulary(crate::model::Namespace::OptOut).name(id);
            match (rule.categories.names.is_empty(), purposes) {
                (true, purposes) => {
                    format!("opt out {name} stops {}", purposes.unwrap_or_default())
                }
                (false, None) => format!(
                    "opt out {name} stops {} of {categories}",
                    actions_text(rule.actions)
                ),
                (false, Some(purposes)) => format!(
                    "opt out {name} stops {} of {categories} for {purposes}",
                    actions_text(rule.actions)
                ),
            }
        }
    }
}

/// A whole rule in normalized syntax, without citations. The `allow` an
/// `except allow` clause makes is written as its rule's head and the clause.
pub fn rule_text(program: &Program, rule: &Rule) -> String {
    if let Some(origin) = rule.exception_of
        && let Some((parent, exception)) = program
            .rule(origin.rule)
            .and_then(|parent| Some((parent, parent.exceptions.get(origin.exception)?)))
    {
        return format!(
            "{} {}",
            rule_head(program, parent),
            exception_text(program, exception)
        );
    }
    let mut text = rule_head(program, rule);
    if rule.kind == RuleKind::Allow && !rule.bases.is_empty() {
        text.push_str(&format!(
            " under {}",
            sorted_names(program.bases(), &rule.bases).join(", ")
        ));
    }
    for exception in exception_texts(program, rule) {
        text.push(' ');
        text.push_str(&exception);
    }
    text
}

/// A duration, with its name when it was written as one: `3 years
/// (legal_minimum)`.
pub fn duration_text(program: &Program, value: &DurationValue) -> String {
    match value.name {
        Some(name) => format!(
            "{} ({})",
            value.value,
            program.vocabulary(Namespace::Duration).name(name)
        ),
        None => value.value.to_string(),
    }
}

fn archive_text(encrypted: bool, isolated: bool) -> String {
    let mut text = "archive".to_string();
    if encrypted {
        text.push_str(" encrypted");
    }
    if isolated {
        text.push_str(" isolated");
    }
    text
}

/// `delete`, `anonymize`, `archive encrypted isolated`
pub fn end_text(end: EndAction) -> String {
    match end {
        EndAction::Delete => "delete".to_string(),
        EndAction::Anonymize => "anonymize".to_string(),
        EndAction::Archive {
            encrypted,
            isolated,
        } => archive_text(encrypted, isolated),
    }
}

/// A lifecycle in privet syntax: `while account.active then after
/// account.closed keep for 3 years (legal_minimum) then anonymize`.
pub fn lifecycle_text(program: &Program, lifecycle: &Lifecycle) -> String {
    let Lifecycle::Phased {
        while_state,
        hold,
        end,
        ..
    } = lifecycle
    else {
        return "forever".to_string();
    };
    let mut phases = phase_texts(program, *while_state, hold.as_ref(), false);
    phases.push(end_text(*end));
    phases.join(" then ")
}

/// A floor in privet syntax: `at least while account.active then after
/// account.closed keep for 3 years (legal_minimum)`, or `forever`.
pub fn minimum_text(program: &Program, minimum: &Minimum) -> String {
    match minimum {
        Minimum::Forever => "forever".to_string(),
        Minimum::Kept {
            while_state, hold, ..
        } => format!(
            "at least {}",
            phase_texts(program, *while_state, hold.as_ref(), false).join(" then ")
        ),
    }
}

/// The phases of a store's lifecycle that meet a floor, as written in
/// privet (a named duration by its name): `while account.active then after
/// account.closed keep for legal_minimum`, or `forever`.
pub fn minimum_syntax(program: &Program, minimum: &Minimum) -> String {
    match minimum {
        Minimum::Forever => "forever".to_string(),
        Minimum::Kept {
            while_state, hold, ..
        } => phase_texts(program, *while_state, hold.as_ref(), true).join(" then "),
    }
}

/// The `while` and hold phases of a lifecycle or a floor; a named duration
/// by its name alone when `names`, else as `3 years (legal_minimum)`.
fn phase_texts(
    program: &Program,
    while_state: Option<NameId>,
    hold: Option<&HoldPhase>,
    names: bool,
) -> Vec<String> {
    let mut phases = Vec::new();
    if let Some(state) = while_state {
        phases.push(format!(
            "while {}",
            program.vocabulary(Namespace::State).name(state)
        ));
    }
    if let Some(hold) = hold {
        let mut text = String::new();
        if let Some(event) = hold.after {
            text.push_str(&format!(
                "after {} ",
                program.vocabulary(Namespace::Event).name(event)
            ));
        }
        text.push_str(&match hold.hold {
            Hold::Keep => "keep".to_string(),
            Hold::Archive {
                encrypted,
                isolated,
            } => archive_text(encrypted, isolated),
        });
        let duration = match hold.duration.name {
            Some(name) if names => program
                .vocabulary(Namespace::Duration)
                .name(name)
                .to_string(),
            _ => duration_text(program, &hold.duration),
        };
        text.push_str(&format!(" for {duration}"));
        if hold.without_commercial_use {
            text.push_str(" without commercial use");
        }
        phases.push(text);
    }
    phases
}

/// The head of a `retain` rule: `retain user for legal.criminal_investigation`.
pub fn retention_head(program: &Program, retention: &Retention) -> String {
    scoped_head(
        program,
        "retain",
        &retention.categories,
        retention.purposes.as_ref(),
    )
}

/// The head of a `retain ... at least` rule: `retain user.contact`.
pub fn floor_head(program: &Program, floor: &Floor) -> String {
    scoped_head(
        program,
        "retain",
        &floor.categories,
        floor.purposes.as_ref(),
    )
}

/// A `hold` rule: `hold user for legal.criminal_investigation while
/// investigation.pending`.
pub fn legal_hold_text(program: &Program, hold: &LegalHold) -> String {
    format!(
        "{} while {}",
        scoped_head(program, "hold", &hold.categories, hold.purposes.as_ref()),
        program.vocabulary(Namespace::State).name(hold.state)
    )
}

/// `KEYWORD CATEGORIES [for PURPOSES]`.
pub fn scoped_head(
    program: &Program,
    keyword: &str,
    categories: &Scope,
    purposes: Option<&Scope>,
) -> String {
    let mut text = format!("{keyword} {}", scope_text(program.categories(), categories));
    if let Some(purposes) = purposes {
        text.push_str(&format!(
            " for {}",
            scope_text(program.purposes(), purposes)
        ));
    }
    text
}

/// The head of a `require` rule: `require for stores of sensitive user`.
pub fn requirement_head(program: &Program, requirement: &Requirement) -> String {
    let target = match requirement.target {
        RequireTarget::Stores => "stores",
        RequireTarget::Flows => "flows",
    };
    format!(
        "require for {target} of {}",
        scope_text(program.categories(), &requirement.categories)
    )
}

/// An obligation's trigger in privet syntax, or "" for one that always
/// applies.
pub fn trigger_text(program: &Program, trigger: Option<&Trigger>) -> String {
    let events = program.vocabulary(Namespace::Event);
    match trigger {
        None => String::new(),
        Some(Trigger::When(event)) => format!("when {}", events.name(*event)),
        Some(Trigger::After { event, within }) => match within {
            Some(within) => format!(
                "after {} within {}",
                events.name(*event),
                duration_text(program, within)
            ),
            None => format!("after {}", events.name(*event)),
        },
        Some(Trigger::AtLeastBefore { lead, event }) => format!(
            "at least {} before {}",
            duration_text(program, lead),
            events.name(*event)
        ),
        Some(Trigger::Before(event)) => format!("before {}", events.name(*event)),
        Some(Trigger::BeforeNewPurpose) => "before new purpose".to_string(),
    }
}

/// The citations of a rule and of its exceptions (with their carve-outs),
/// joined, the exceptions' in the order of their text: what a change of
/// citation compares, which reordering the clauses never changes.
pub fn rule_cites(program: &Program, rule: &Rule) -> String {
    let cite = |c: &Option<crate::ast::Text>| c.as_ref().map(|c| c.value.clone());
    let mut cites: Vec<String> = cite(&rule.meta.cite).into_iter().collect();
    let mut exceptions: Vec<(String, Vec<String>)> = rule
        .exceptions
        .iter()
        .map(|exception| {
            let mut carved: Vec<(String, String)> = exception
                .carve_outs
                .iter()
                .filter_map(|c| Some((condition_text(program, &c.condition), cite(&c.cite)?)))
                .collect();
            carved.sort();
            let own = cite(&exception.cite).into_iter();
            (
                exception_text(program, exception),
                own.chain(carved.into_iter().map(|(_, c)| c)).collect(),
            )
        })
        .collect();
    exceptions.sort();
    cites.extend(exceptions.into_iter().flat_map(|(_, c)| c));
    cites.join("; ")
}
