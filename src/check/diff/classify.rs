//! How a change is classified and worded: widening, narrowing or neutral
//! from what a list of names gained or lost, and the neutral changes of
//! citations and doc comments every item can have.

use super::*;

pub(super) fn quoted(text: Option<&str>) -> String {
    match text {
        Some(text) => format!("\"{text}\""),
        None => "none".to_string(),
    }
}

/// Neutral changes of wording: the citation (semantic: it traces the rule to
/// the notice) and the doc comment (not semantic).
pub(super) fn meta_changes(
    subject: &str,
    name: &str,
    old: (Option<&str>, Option<&str>, Span),
    new: (Option<&str>, Option<&str>, Span),
    out: &mut Vec<Change>,
) {
    let (old_cite, old_doc, old_span) = old;
    let (new_cite, new_doc, new_span) = new;
    if old_cite != new_cite {
        out.push(Change {
            class: Class::Neutral,
            kind: ChangeKind::Changed,
            subject: subject.to_string(),
            name: name.to_string(),
            details: vec![format!(
                "citation {} -> {}",
                quoted(old_cite),
                quoted(new_cite)
            )],
            semantic: true,
            old: Some(old_span),
            new: Some(new_span),
        });
    }
    if old_doc != new_doc {
        out.push(Change {
            class: Class::Neutral,
            kind: ChangeKind::Changed,
            subject: subject.to_string(),
            name: name.to_string(),
            details: vec!["doc comment changed".to_string()],
            semantic: false,
            old: Some(old_span),
            new: Some(new_span),
        });
    }
}

/// The class of a change that adds or removes protection: adding it
/// narrows, removing it widens, both widen (something is no longer there).
pub(super) fn protection_class(added: bool, removed: bool) -> Class {
    if removed {
        Class::Widening
    } else if added {
        Class::Narrowing
    } else {
        Class::Neutral
    }
}

/// The class of a change that adds or removes permission.
pub(super) fn permission_class(added: bool, removed: bool) -> Class {
    if added {
        Class::Widening
    } else if removed {
        Class::Narrowing
    } else {
        Class::Neutral
    }
}

/// Joins classes: any widening widens, else any narrowing narrows.
pub(super) fn join(classes: &[Class]) -> Class {
    if classes.contains(&Class::Widening) {
        Class::Widening
    } else if classes.contains(&Class::Narrowing) {
        Class::Narrowing
    } else {
        Class::Neutral
    }
}

/// Names in `new` not in `old`, and in `old` not in `new`.
pub(super) fn set_changes(old: &[String], new: &[String]) -> (Vec<String>, Vec<String>) {
    let old_set: BTreeSet<&String> = old.iter().collect();
    let new_set: BTreeSet<&String> = new.iter().collect();
    (
        new_set
            .difference(&old_set)
            .map(|s| s.to_string())
            .collect(),
        old_set
            .difference(&new_set)
            .map(|s| s.to_string())
            .collect(),
    )
}

/// [`list_change`] over the names of some ids of each version.
pub(super) fn ids_change(
    what: &str,
    old: (&Vocabulary, &[NameId]),
    new: (&Vocabulary, &[NameId]),
    class_of: fn(bool, bool) -> Class,
    details: &mut Vec<String>,
    classes: &mut Vec<Class>,
) {
    list_change(
        what,
        &describe::sorted_names(old.0, old.1),
        &describe::sorted_names(new.0, new.1),
        class_of,
        details,
        classes,
    );
}

pub(super) fn code_list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The facts and classes of a changed set of names.
pub(super) fn list_change(
    what: &str,
    old: &[String],
    new: &[String],
    class_of: fn(bool, bool) -> Class,
    details: &mut Vec<String>,
    classes: &mut Vec<Class>,
) {
    let (added, removed) = set_changes(old, new);
    if !added.is_empty() {
        details.push(format!("{what} added: {}", code_list(&added)));
    }
    if !removed.is_empty() {
        details.push(format!("{what} removed: {}", code_list(&removed)));
    }
    classes.push(class_of(!added.is_empty(), !removed.is_empty()));
}

/// The names of some leaves of a vocabulary.
pub(super) fn leaf_names(vocabulary: &Vocabulary, leaves: &FixedBitSet) -> BTreeSet<String> {
    leaves
        .ones()
        .filter_map(|leaf| vocabulary.leaf(leaf))
        .map(|id| vocabulary.name(id).to_string())
        .collect()
}

/// Names written in a rule, with the leaves they cover.
pub(super) type Covered = (Vec<String>, BTreeSet<String>);

/// A rule's names in one scope, with their leaves.
pub(super) fn scope_covered(vocabulary: &Vocabulary, scope: &Scope) -> Covered {
    (
        describe::sorted_names(vocabulary, &scope.names),
        leaf_names(vocabulary, &scope.leaves),
    )
}

/// A rule's regions, with their leaves.
pub(super) fn regions_covered(program: &Program, regions: &[NameId]) -> Covered {
    let vocabulary = program.regions();
    (
        describe::sorted_names(vocabulary, regions),
        leaf_names(vocabulary, &vocabulary.leaf_set(regions, None)),
    )
}

/// [`list_change`] of names that stand for leaves: other names for the
/// same leaves change nothing a rule decides, so the change is neutral.
pub(super) fn covered_change(
    what: &str,
    old: &Covered,
    new: &Covered,
    class_of: fn(bool, bool) -> Class,
    details: &mut Vec<String>,
    classes: &mut Vec<Class>,
) {
    list_change(what, &old.0, &new.0, class_of, details, classes);
    if old.1 == new.1
        && let Some(last) = classes.last_mut()
    {
        *last = Class::Neutral;
    }
}
