//! The policy in words: rules with their conditions and exceptions,
//! lifecycles, floors and holds, triggers, as runs of text and code for the
//! document.

use super::model::{Entry, Inline, code, text};
use crate::ast::{EndAction, Hold};
use crate::describe;
use crate::model::*;

/// Names as code, joined with commas and "and".
pub(super) fn names(list: &[String]) -> Vec<Inline> {
    joined(list, " and ")
}

/// Names as code, joined with commas and "or": alternatives, such as the
/// bases any one of which will do.
pub(super) fn alternatives(list: &[String]) -> Vec<Inline> {
    joined(list, " or ")
}

pub(super) fn joined(list: &[String], last: &str) -> Vec<Inline> {
    let mut out = Vec::new();
    for (index, name) in list.iter().enumerate() {
        if index > 0 {
            out.push(text(if index + 1 == list.len() { last } else { ", " }));
        }
        out.push(code(name.clone()));
    }
    out
}

pub(super) fn scope(vocabulary: &Vocabulary, scope: &Scope) -> Vec<Inline> {
    let mut out = Vec::new();
    if let Some(flag) = scope.filter {
        out.push(text(format!("the {} data in ", flag.keyword())));
    }
    out.extend(names(&describe::sorted_names(vocabulary, &scope.names)));
    out
}

pub(super) fn label_of(vocabulary: &Vocabulary, id: NameId) -> Option<String> {
    vocabulary
        .get(id)
        .and_then(|e| e.label())
        .map(str::to_string)
}

/// A name with its label: "you use our services (`account.active`)".
pub(super) fn named(vocabulary: &Vocabulary, id: NameId) -> Vec<Inline> {
    match label_of(vocabulary, id) {
        Some(label) => vec![
            text(format!("{label} (")),
            code(vocabulary.name(id)),
            text(")"),
        ],
        None => vec![code(vocabulary.name(id))],
    }
}

/// "about children (`customer.child`)": an `about` clause in words, each
/// audience with its label.
pub(super) fn about_words(program: &Program, scope: &Scope) -> Vec<Inline> {
    let audiences = program.audiences();
    let mut ids = scope.names.clone();
    ids.sort_by(|a, b| audiences.name(*a).cmp(audiences.name(*b)));
    ids.dedup();
    let mut out = vec![text("about ")];
    for (index, id) in ids.iter().enumerate() {
        if index > 0 {
            out.push(text(if index + 1 == ids.len() { " or " } else { ", " }));
        }
        out.extend(named(audiences, *id));
    }
    out
}

pub(super) fn entry(text: Vec<Inline>, meta: &Meta) -> Entry {
    Entry {
        text,
        cite: meta.cite_text().map(str::to_string),
        doc: meta.doc.clone(),
        exceptions: Vec::new(),
    }
}

pub(super) fn actions_words(actions: ActionSet) -> String {
    if actions == ActionSet::ALL {
        return "process".to_string();
    }
    let list: Vec<String> = actions.iter().map(|a| a.as_str().to_string()).collect();
    describe::join_and(&list)
}

/// What a condition names, in words: "for `a`, to `processor`, under `b`".
pub(super) fn condition_words(program: &Program, condition: &Condition) -> Vec<Inline> {
    let mut parts: Vec<Vec<Inline>> = Vec::new();
    if let Some(categories) = &condition.categories {
        let mut words = vec![text("of ")];
        words.extend(scope(program.categories(), categories));
        parts.push(words);
    }
    if let Some(audiences) = &condition.audiences {
        parts.push(about_words(program, audiences));
    }
    let parties: Vec<String> = condition
        .recipients
        .map(|parties| parties.iter().map(|p| p.as_str().to_string()).collect())
        .unwrap_or_default();
    let named = |vocabulary: &Vocabulary, ids: &[NameId]| describe::sorted_names(vocabulary, ids);
    let purposes = condition
        .purposes
        .as_ref()
        .map(|scope| named(program.purposes(), &scope.names))
        .unwrap_or_default();
    for (word, names) in [
        ("for ", purposes),
        ("to ", parties),
        ("in ", named(program.regions(), &condition.regions)),
        ("under ", named(program.bases(), &condition.bases)),
    ] {
        if !names.is_empty() {
            let mut words = vec![text(word)];
            words.extend(alternatives(&names));
            parts.push(words);
        }
    }
    let mut out = Vec::new();
    for (index, part) in parts.into_iter().enumerate() {
        if index > 0 {
            out.push(text(", "));
        }
        out.extend(part);
    }
    out
}

pub(super) fn exceptions(program: &Program, rule: &Rule) -> Vec<(Vec<Inline>, Option<String>)> {
    let mut out = Vec::new();
    for exception in &rule.exceptions {
        let mut words = vec![text(if exception.permits.is_some() {
            "allowed as an exception "
        } else {
            "except "
        })];
        words.extend(condition_words(program, &exception.condition));
        out.push((words, exception.cite.as_ref().map(|c| c.value.clone())));
        for carve_out in &exception.carve_outs {
            let mut words = vec![text("but not, in that exception, ")];
            words.extend(condition_words(program, &carve_out.condition));
            out.push((words, carve_out.cite.as_ref().map(|c| c.value.clone())));
        }
    }
    out
}

/// A rule in words.
pub(super) fn rule_entry(program: &Program, rule: &Rule) -> Entry {
    let categories = scope(program.categories(), &rule.categories);
    let purposes = rule
        .purposes
        .as_ref()
        .map(|s| names(&describe::sorted_names(program.purposes(), &s.names)));
    let mut words = Vec::new();
    match rule.kind {
        RuleKind::Allow | RuleKind::Deny => {
            words.push(Inline::Strong(
                if rule.kind == RuleKind::Allow {
                    "Allowed:"
                } else {
                    "Forbidden:"
                }
                .to_string(),
            ));
            words.push(text(format!(" {} ", actions_words(rule.actions))));
            words.extend(categories);
            if let Some(audiences) = &rule.audiences {
                words.push(text(" "));
                words.extend(about_words(program, audiences));
            }
            let commercial = rule
                .purposes
                .as_ref()
                .is_some_and(|s| s.filter == Some(crate::ast::CategoryFlag::Commercial));
            match purposes {
                Some(purposes) if commercial && purposes.is_empty() => {
                    words.push(text(" for any commercial purpose"));
                }
                Some(purposes) if commercial => {
                    words.push(text(" for the commercial purposes of "));
                    words.extend(purposes);
                }
                Some(purposes) => {
                    words.push(text(" for "));
                    words.extend(purposes);
                }
                None => words.push(text(" for any purpose")),
            }
            if let Some(parties) = rule.recipients {
                words.push(text(" to "));
                let parties: Vec<String> = parties.iter().map(|p| p.as_str().to_string()).collect();
                words.extend(alternatives(&parties));
            }
            if rule.kind == RuleKind::Allow && !rule.bases.is_empty() {
                words.push(text(", under "));
                words.extend(alternatives(&describe::sorted_names(
                    program.bases(),
                    &rule.bases,
                )));
            }
            if !rule.regions.is_empty() {
                words.push(text(", in "));
                words.extend(alternatives(&describe::sorted_names(
                    program.regions(),
                    &rule.regions,
                )));
            }
            if !rule.after.is_empty() {
                words.push(text(", after "));
                words.extend(alternatives(&describe::sorted_names(
                    program.vocabulary(Namespace::Event),
                    &rule.after,
                )));
            }
        }
        RuleKind::Restrict => {
            words.push(Inline::Strong("Only for:".to_string()));
            words.push(text(" "));
            words.extend(categories);
            words.push(text(" is used only for "));
            words.extend(purposes.unwrap_or_default());
            if let Some(audiences) = &rule.audiences {
                words.push(text(", "));
                words.extend(about_words(program, audiences));
            }
        }
        RuleKind::Confine => {
            words.push(Inline::Strong("Stays in:".to_string()));
            words.push(text(" "));
            words.extend(categories);
            words.push(text(" is stored and used only in "));
            words.extend(names(&describe::sorted_names(
                program.regions(),
                &rule.regions,
            )));
            if let Some(audiences) = &rule.audiences {
                words.push(text(", "));
                words.extend(about_words(program, audiences));
            }
        }
        RuleKind::HonourDnt => {
            words.push(Inline::Strong("Do Not Track:".to_string()));
            words.push(text(
                " when your browser sends Do Not Track, nothing is processed for ",
            ));
            words.extend(purposes.unwrap_or_default());
        }
        RuleKind::OptOut(id) => {
            words.push(Inline::Strong("Your choice:".to_string()));
            words.push(text(" when you opt out ("));
            words.push(code(program.vocabulary(Namespace::OptOut).name(id)));
            words.push(text("), we no longer "));
            if rule.categories.names.is_empty() {
                words.push(text("process your information"));
            } else {
                words.push(text(format!("{} ", actions_words(rule.actions))));
                words.extend(categories);
            }
            if let Some(purposes) = purposes {
                words.push(text(" for "));
                words.extend(purposes);
            }
        }
    }
    let mut out = entry(words, &rule.meta);
    out.exceptions = exceptions(program, rule);
    out
}

pub(super) fn duration(program: &Program, value: &DurationValue) -> Vec<Inline> {
    let mut out = vec![text(value.value.to_string())];
    if let Some(name) = value.name {
        out.push(text(" ("));
        out.push(code(program.vocabulary(Namespace::Duration).name(name)));
        out.push(text(")"));
    }
    out
}

pub(super) fn archive_words(encrypted: bool, isolated: bool) -> String {
    match (encrypted, isolated) {
        (true, true) => "archived, encrypted and isolated,".to_string(),
        (true, false) => "archived and encrypted".to_string(),
        (false, true) => "archived and isolated".to_string(),
        (false, false) => "archived".to_string(),
    }
}

/// A lifecycle in words.
pub(super) fn lifecycle(program: &Program, lifecycle: &Lifecycle) -> Vec<Inline> {
    let Lifecycle::Phased {
        while_state,
        hold,
        end,
        ..
    } = lifecycle
    else {
        return vec![text("kept permanently")];
    };
    let mut out = Vec::new();
    if let Some(state) = while_state {
        out.push(text("kept while "));
        out.extend(named(program.vocabulary(Namespace::State), *state));
        out.push(text("; then "));
    }
    if let Some(hold) = hold {
        out.extend(hold_words(program, hold, "kept for "));
        if hold.without_commercial_use {
            out.push(text(" without commercial use"));
        }
        out.push(text("; then "));
    }
    out.push(text(match end {
        EndAction::Delete => "deleted".to_string(),
        EndAction::Anonymize => "anonymized".to_string(),
        EndAction::Archive {
            encrypted,
            isolated,
        } => archive_words(*encrypted, *isolated)
            .trim_end_matches(',')
            .to_string(),
    }));
    out
}

/// "`user`, kept for `p`: ", the start of an entry on retention.
pub(super) fn kept_for(
    program: &Program,
    categories: &Scope,
    purposes: Option<&Scope>,
) -> Vec<Inline> {
    let mut words = scope(program.categories(), categories);
    if let Some(purposes) = purposes {
        words.push(text(", kept for "));
        words.extend(names(&describe::sorted_names(
            program.purposes(),
            &purposes.names,
        )));
    }
    words.push(text(": "));
    words
}

/// A floor in words: "kept at least while ...; then after ..., kept for
/// ...".
pub(super) fn minimum(program: &Program, minimum: &Minimum) -> Vec<Inline> {
    let Minimum::Kept {
        while_state, hold, ..
    } = minimum
    else {
        return vec![text("kept permanently, at least")];
    };
    let mut out = vec![text("kept at least ")];
    if let Some(state) = while_state {
        out.push(text("while "));
        out.extend(named(program.vocabulary(Namespace::State), *state));
        if hold.is_some() {
            out.push(text("; then "));
        }
    }
    if let Some(hold) = hold {
        out.extend(hold_words(program, hold, "for "));
    }
    out
}

/// A hold in words: "after EVENT, kept for DURATION" (`keep` in the words
/// given), or "archived, encrypted and isolated, for DURATION".
pub(super) fn hold_words(program: &Program, hold: &HoldPhase, keep: &str) -> Vec<Inline> {
    let mut out = Vec::new();
    if let Some(event) = hold.after {
        out.push(text("after "));
        out.extend(named(program.vocabulary(Namespace::Event), event));
        out.push(text(", "));
    }
    out.push(text(match hold.hold {
        Hold::Keep => keep.to_string(),
        Hold::Archive {
            encrypted,
            isolated,
        } => format!("{} for ", archive_words(encrypted, isolated)),
    }));
    out.extend(duration(program, &hold.duration));
    out
}

pub(super) fn trigger(program: &Program, trigger: Option<&Trigger>) -> Vec<Inline> {
    let events = program.vocabulary(Namespace::Event);
    match trigger {
        None => vec![text("at all times")],
        Some(Trigger::When(event)) => {
            // "when a merger" does not read: an event named by a noun
            // phrase ("a merger, acquisition or ...") happens "in the event
            // of"; one named by a clause ("we stop operating ...") "when".
            let noun = label_of(events, *event)
                .is_some_and(|label| label.starts_with("a ") || label.starts_with("an "));
            let lead = if noun { "in the event of " } else { "when " };
            [vec![text(lead)], named(events, *event)].concat()
        }
        Some(Trigger::After { event, within }) => {
            let mut out = [vec![text("after ")], named(events, *event)].concat();
            if let Some(within) = within {
                out.push(text(", within "));
                out.extend(duration(program, within));
            }
            out
        }
        Some(Trigger::AtLeastBefore { lead, event }) => {
            let mut out = vec![text("at least ")];
            out.extend(duration(program, lead));
            out.push(text(" before "));
            out.extend(named(events, *event));
            out
        }
        Some(Trigger::Before(event)) => [vec![text("before ")], named(events, *event)].concat(),
        Some(Trigger::BeforeNewPurpose) => vec![text(
            "before your information is used for a purpose this policy does not name",
        )],
    }
}
