//! The declarations of two versions matched by name (vocabularies, nodes,
//! the policy header and the notice's outline), and what changed in each.

use super::*;

/// The sections of the notice's outline, matched by id: added, removed or
/// retitled, all neutral (they trace rules to the notice, as citations do).
pub(super) fn outline(old: &Program, new: &Program, out: &mut Vec<Change>) {
    let sections = |program: &Program| -> BTreeMap<String, (String, Option<String>, Span)> {
        program
            .outline
            .sections
            .iter()
            .map(|s| {
                (
                    s.id.clone(),
                    (s.title.clone(), s.meta.doc.clone(), s.meta.head),
                )
            })
            .collect()
    };
    let (before, after) = (sections(old), sections(new));
    let ids: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    for id in ids {
        let change = |kind, details: Vec<String>, old: Option<Span>, new: Option<Span>| Change {
            class: Class::Neutral,
            kind,
            subject: "section".to_string(),
            name: id.clone(),
            details,
            semantic: true,
            old,
            new,
        };
        match (before.get(id), after.get(id)) {
            (None, Some((title, _, span))) => out.push(change(
                ChangeKind::Added,
                vec![quoted(Some(title))],
                None,
                Some(*span),
            )),
            (Some((title, _, span)), None) => out.push(change(
                ChangeKind::Removed,
                vec![quoted(Some(title))],
                Some(*span),
                None,
            )),
            (Some((was, old_doc, old_span)), Some((is, new_doc, new_span))) => {
                if was != is {
                    out.push(change(
                        ChangeKind::Changed,
                        vec![format!(
                            "title {} -> {}",
                            quoted(Some(was)),
                            quoted(Some(is))
                        )],
                        Some(*old_span),
                        Some(*new_span),
                    ));
                }
                meta_changes(
                    "section",
                    id,
                    (None, old_doc.as_deref(), *old_span),
                    (None, new_doc.as_deref(), *new_span),
                    out,
                );
            }
            (None, None) => {}
        }
    }
}

pub(super) fn policy_header(old: &Program, new: &Program, out: &mut Vec<Change>) {
    let text = |p: &Option<PolicyInfo>| {
        p.as_ref().map(|p| {
            let mut text = p.name.clone();
            if let Some(title) = &p.title {
                text.push_str(&format!(" \"{title}\""));
            }
            if let Some(updated) = p.updated {
                text.push_str(&format!(" updated {updated}"));
            }
            text
        })
    };
    let (old_text, new_text) = (text(&old.policy), text(&new.policy));
    let span = |p: &Option<PolicyInfo>| p.as_ref().map(|p| p.meta.head);
    let name = new_text
        .as_ref()
        .or(old_text.as_ref())
        .and_then(|t| t.split(' ').next())
        .unwrap_or("")
        .to_string();
    if old_text != new_text {
        let kind = match (&old_text, &new_text) {
            (None, _) => ChangeKind::Added,
            (_, None) => ChangeKind::Removed,
            _ => ChangeKind::Changed,
        };
        out.push(Change {
            class: Class::Neutral,
            kind,
            subject: "policy".to_string(),
            name: name.clone(),
            details: vec![format!(
                "{} -> {}",
                old_text.unwrap_or_else(|| "none".to_string()),
                new_text.unwrap_or_else(|| "none".to_string())
            )],
            semantic: true,
            old: span(&old.policy),
            new: span(&new.policy),
        });
    }
    if let (Some(o), Some(n)) = (&old.policy, &new.policy) {
        meta_changes(
            "policy",
            &name,
            (o.meta.cite_text(), o.meta.doc.as_deref(), o.meta.head),
            (n.meta.cite_text(), n.meta.doc.as_deref(), n.meta.head),
            out,
        );
    }
}

pub(super) fn subject_of(namespace: Namespace, declared: &Declared, node: Option<&Node>) -> String {
    if namespace == Namespace::Basis && declared.exemption {
        return "exemption".to_string();
    }
    if let Some(node) = node {
        return node.kind.keyword().to_string();
    }
    namespace.noun().to_string()
}

pub(super) fn declared_names(vocabulary: &Vocabulary) -> BTreeMap<&str, (NameId, &Declared)> {
    vocabulary
        .iter()
        .filter_map(|(id, entry)| {
            entry
                .declared
                .as_ref()
                .map(|d| (entry.name.as_str(), (id, d)))
        })
        .collect()
}

pub(super) fn node_facts(program: &Program, node: &Node) -> BTreeMap<&'static str, Vec<String>> {
    let mut facts = BTreeMap::new();
    facts.insert("party", vec![node.party.as_str().to_string()]);
    facts.insert(
        "regions",
        describe::sorted_names(program.regions(), &node.regions),
    );
    facts.insert(
        "safeguards",
        describe::sorted_names(program.safeguards(), &node.protection),
    );
    facts.insert(
        "technologies",
        describe::sorted_names(
            program.vocabulary(Namespace::Technology),
            &node.technologies,
        ),
    );
    let mut retentions: Vec<String> = node
        .retentions
        .iter()
        .map(|r| {
            format!(
                "retain {} {}",
                describe::scope_text(program.categories(), &r.categories),
                describe::lifecycle_text(program, &r.lifecycle)
            )
        })
        .collect();
    retentions.sort();
    facts.insert("retentions", retentions);
    if let Some(backing) = &node.backing {
        let mut text = backing.technology.as_str().to_string();
        for (key, value) in &backing.settings {
            text.push_str(&format!(" {key} \"{value}\""));
        }
        facts.insert("backing", vec![text]);
    }
    facts.insert("honours do not track", vec![node.honours_dnt.to_string()]);
    if !node.honours_opt_outs.is_empty() {
        facts.insert(
            "honours opt out",
            describe::sorted_names(
                program.vocabulary(Namespace::OptOut),
                &node.honours_opt_outs,
            ),
        );
    }
    if node.kind == crate::ast::NodeKind::Subject {
        facts.insert(
            "kinds of data subject",
            describe::sorted_names(program.audiences(), &node.audiences),
        );
    }
    facts
}

/// The purposes a purpose is declared `compatible with`, sorted.
pub(super) fn compatible_names(program: &Program, purpose: NameId) -> Vec<String> {
    describe::sorted_names(program.purposes(), &program.compatible_with(purpose))
}

/// Whether a declaration lets data be used for more than it was collected
/// for: a purpose `compatible with` others, a basis `for new purpose`.
pub(super) fn widens_purpose_binding(program: &Program, namespace: Namespace, id: NameId) -> bool {
    match namespace {
        Namespace::Purpose => !compatible_names(program, id).is_empty(),
        Namespace::Basis => program.new_purpose_bases.contains(&id),
        _ => false,
    }
}

/// The changes of one declaration present in both versions, beyond label
/// and citation.
pub(super) fn declaration_changes(
    namespace: Namespace,
    (old, old_id): (&Program, NameId),
    (new, new_id): (&Program, NameId),
    details: &mut Vec<String>,
    classes: &mut Vec<Class>,
) {
    match namespace {
        Namespace::Category => {
            let flags = |p: &Program, id: NameId| {
                p.categories()
                    .get(id)
                    .and_then(|e| e.declared.as_ref())
                    .map(|d| d.flags.clone())
                    .unwrap_or_default()
            };
            let (before, after) = (flags(old, old_id), flags(new, new_id));
            for (flag, word) in [
                (crate::ast::CategoryFlag::Sensitive, "sensitive"),
                (crate::ast::CategoryFlag::Identifier, "identifier"),
            ] {
                let (was, is) = (before.contains(&flag), after.contains(&flag));
                if was == is {
                    continue;
                }
                details.push(format!(
                    "{} `{word}`",
                    if is {
                        "now flagged"
                    } else {
                        "no longer flagged"
                    }
                ));
                // A sensitive category is protected more; an identifier
                // flag only selects leaves for rules, whose effect the
                // permissions show.
                classes.push(match (flag, is) {
                    (crate::ast::CategoryFlag::Sensitive, true) => Class::Narrowing,
                    (crate::ast::CategoryFlag::Sensitive, false) => Class::Widening,
                    _ => Class::Neutral,
                });
            }
        }
        Namespace::Purpose => {
            list_change(
                "compatible with",
                &compatible_names(old, old_id),
                &compatible_names(new, new_id),
                permission_class,
                details,
                classes,
            );
            // Which rules name it (`for commercial`) the rules' own changes
            // and the permissions show.
            let commercial =
                |p: &Program, id: NameId| p.purposes().get(id).is_some_and(|e| e.commercial);
            let (was, is) = (commercial(old, old_id), commercial(new, new_id));
            if was != is {
                details.push(
                    if is {
                        "now flagged `commercial`"
                    } else {
                        "no longer flagged `commercial`"
                    }
                    .to_string(),
                );
                classes.push(Class::Neutral);
            }
        }
        Namespace::Basis => {
            let (was, is) = (
                old.new_purpose_bases.contains(&old_id),
                new.new_purpose_bases.contains(&new_id),
            );
            if was != is {
                details.push(if is {
                    "now accepted for a new purpose".to_string()
                } else {
                    "no longer accepted for a new purpose".to_string()
                });
                classes.push(permission_class(is, was));
            }
            // `after notice`: the notice the basis needs. The permission
            // diff decides acts with every notice given, so a notice added
            // or removed shows here.
            let notice = |p: &Program, id: NameId| {
                p.basis_notices
                    .get(&id)
                    .map(|o| p.vocabulary(Namespace::Obligation).name(*o).to_string())
            };
            let (was, is) = (notice(old, old_id), notice(new, new_id));
            if was != is {
                details.push(format!(
                    "after notice {} -> {}",
                    quoted(was.as_deref()),
                    quoted(is.as_deref())
                ));
                classes.push(match (&was, &is) {
                    (Some(_), None) => Class::Widening,
                    (None, Some(_)) => Class::Narrowing,
                    _ => Class::Neutral,
                });
            }
            let exemption = |p: &Program, id: NameId| {
                p.bases()
                    .get(id)
                    .and_then(|e| e.declared.as_ref())
                    .is_some_and(|d| d.exemption)
            };
            if exemption(old, old_id) != exemption(new, new_id) {
                details.push(if exemption(new, new_id) {
                    "now declared an exemption".to_string()
                } else {
                    "now declared a basis, not an exemption".to_string()
                });
                classes.push(Class::Neutral);
            }
        }
        Namespace::Audience => {
            let (before, after) = (
                old.audience_ages.get(&old_id),
                new.audience_ages.get(&new_id),
            );
            if before != after {
                let bound = |age: Option<&u32>| match age {
                    Some(age) => format!("under age {age}"),
                    None => "no age bound".to_string(),
                };
                details.push(format!("{} -> {}", bound(before), bound(after)));
                classes.push(Class::Neutral);
            }
        }
        Namespace::Duration => {
            let (before, after) = (old.duration(old_id), new.duration(new_id));
            if before != after {
                details.push(format!(
                    "value {} -> {} (the retentions that use it say whether that widens)",
                    before.map(|d| d.to_string()).unwrap_or_default(),
                    after.map(|d| d.to_string()).unwrap_or_default()
                ));
                classes.push(Class::Neutral);
            }
        }
        Namespace::Technology => {
            let technology = |p: &Program, id: NameId| {
                p.technologies
                    .iter()
                    .find(|t| t.id == id)
                    .map(|t| {
                        (
                            describe::sorted_names(p.purposes(), &t.purposes),
                            t.opt_out.clone().or_else(|| {
                                t.opt_out_name
                                    .map(|o| p.vocabulary(Namespace::OptOut).name(o).to_string())
                            }),
                        )
                    })
                    .unwrap_or_default()
            };
            let (before, after) = (technology(old, old_id), technology(new, new_id));
            list_change(
                "purposes",
                &before.0,
                &after.0,
                permission_class,
                details,
                classes,
            );
            if before.1 != after.1 {
                details.push(format!(
                    "opt out {} -> {}",
                    quoted(before.1.as_deref()),
                    quoted(after.1.as_deref())
                ));
                classes.push(match (&before.1, &after.1) {
                    (Some(_), None) => Class::Widening,
                    (None, Some(_)) => Class::Narrowing,
                    _ => Class::Neutral,
                });
            }
        }
        Namespace::Obligation => {
            let (Some(before), Some(after)) = (
                old.obligations.iter().find(|o| o.id == old_id),
                new.obligations.iter().find(|o| o.id == new_id),
            ) else {
                return;
            };
            let (was, is) = (
                describe::trigger_text(old, before.trigger.as_ref()),
                describe::trigger_text(new, after.trigger.as_ref()),
            );
            if was != is {
                details.push(format!(
                    "applies {} -> {}",
                    if was.is_empty() { "always" } else { &was },
                    if is.is_empty() { "always" } else { &is }
                ));
                classes.push(trigger_class(
                    before.trigger.as_ref(),
                    after.trigger.as_ref(),
                ));
            }
        }
        Namespace::Node => {
            let (Some(before), Some(after)) = (old.node(old_id), new.node(new_id)) else {
                return;
            };
            if before.kind != after.kind {
                details.push(format!(
                    "now a `{}`, was a `{}`",
                    after.kind.keyword(),
                    before.kind.keyword()
                ));
                classes.push(Class::Neutral);
            }
            let (was, is) = (node_facts(old, before), node_facts(new, after));
            for (fact, values) in &is {
                let previous = was.get(fact).cloned().unwrap_or_default();
                if previous == *values {
                    continue;
                }
                match *fact {
                    "safeguards" => list_change(
                        "safeguards",
                        &previous,
                        values,
                        protection_class,
                        details,
                        classes,
                    ),
                    "honours do not track" => {
                        let now = values.first().is_some_and(|v| v == "true");
                        details.push(if now {
                            "now honours Do Not Track".to_string()
                        } else {
                            "no longer honours Do Not Track".to_string()
                        });
                        classes.push(protection_class(now, !now));
                    }
                    _ => {
                        details.push(format!(
                            "{fact}: {} -> {}",
                            if previous.is_empty() {
                                "none".to_string()
                            } else {
                                previous.join("; ")
                            },
                            if values.is_empty() {
                                "none".to_string()
                            } else {
                                values.join("; ")
                            }
                        ));
                        classes.push(Class::Neutral);
                    }
                }
            }
        }
        _ => {}
    }
}

/// Whether an obligation's new trigger gives users less: a shorter notice
/// before an event, or a longer delay after one.
pub(super) fn trigger_class(old: Option<&Trigger>, new: Option<&Trigger>) -> Class {
    match (old, new) {
        (
            Some(Trigger::AtLeastBefore { lead: was, .. }),
            Some(Trigger::AtLeastBefore { lead: is, .. }),
        ) => {
            if !was.value.never_longer_than(is.value) {
                Class::Widening
            } else if was.value != is.value {
                Class::Narrowing
            } else {
                Class::Neutral
            }
        }
        (
            Some(Trigger::After {
                within: Some(was), ..
            }),
            Some(Trigger::After {
                within: Some(is), ..
            }),
        ) => {
            if !is.value.never_longer_than(was.value) {
                Class::Widening
            } else if was.value != is.value {
                Class::Narrowing
            } else {
                Class::Neutral
            }
        }
        (
            Some(Trigger::After {
                within: Some(_), ..
            }),
            Some(Trigger::After { within: None, .. }),
        ) => Class::Widening,
        _ => Class::Neutral,
    }
}

pub(super) fn vocabularies(old: &Program, new: &Program, out: &mut Vec<Change>) {
    for namespace in Namespace::ALL {
        // An opt-out is compared as its rule (what it stops), once.
        if namespace == Namespace::OptOut {
            continue;
        }
        let (before, after) = (
            declared_names(old.vocabulary(namespace)),
            declared_names(new.vocabulary(namespace)),
        );
        let names: BTreeSet<&str> = before.keys().chain(after.keys()).copied().collect();
        for name in names {
            match (before.get(name), after.get(name)) {
                (None, Some((id, declared))) => {
                    let subject = subject_of(
                        namespace,
                        declared,
                        new.node(*id).filter(|_| namespace == Namespace::Node),
                    );
                    out.push(Change {
                        class: match namespace {
                            Namespace::Obligation | Namespace::Right => Class::Narrowing,
                            Namespace::Technology => Class::Widening,
                            _ if widens_purpose_binding(new, namespace, *id) => Class::Widening,
                            _ => Class::Neutral,
                        },
                        kind: ChangeKind::Added,
                        subject,
                        name: name.to_string(),
                        details: declared.label.iter().map(|l| format!("\"{l}\"")).collect(),
                        semantic: true,
                        old: None,
                        new: Some(declared.meta.head),
                    });
                }
                (Some((id, declared)), None) => {
                    let subject = subject_of(
                        namespace,
                        declared,
                        old.node(*id).filter(|_| namespace == Namespace::Node),
                    );
                    out.push(Change {
                        class: match namespace {
                            Namespace::Obligation | Namespace::Right => Class::Widening,
                            Namespace::Technology => Class::Narrowing,
                            _ if widens_purpose_binding(old, namespace, *id) => Class::Narrowing,
                            _ => Class::Neutral,
                        },
                        kind: ChangeKind::Removed,
                        subject,
                        name: name.to_string(),
                        details: declared.label.iter().map(|l| format!("\"{l}\"")).collect(),
                        semantic: true,
                        old: Some(declared.meta.head),
                        new: None,
                    });
                }
                (Some((old_id, was)), Some((new_id, is))) => {
                    let subject = subject_of(
                        namespace,
                        is,
                        new.node(*new_id).filter(|_| namespace == Namespace::Node),
                    );
                    let mut details = Vec::new();
                    let mut classes = Vec::new();
                    if was.label != is.label {
                        details.push(format!(
                            "label {} -> {}",
                            quoted(was.label.as_deref()),
                            quoted(is.label.as_deref())
                        ));
                        classes.push(Class::Neutral);
                    }
                    declaration_changes(
                        namespace,
                        (old, *old_id),
                        (new, *new_id),
                        &mut details,
                        &mut classes,
                    );
                    if !details.is_empty() {
                        out.push(Change {
                            class: join(&classes),
                            kind: ChangeKind::Changed,
                            subject: subject.clone(),
                            name: name.to_string(),
                            details,
                            semantic: true,
                            old: Some(was.meta.head),
                            new: Some(is.meta.head),
                        });
                    }
                    meta_changes(
                        &subject,
                        name,
                        (was.meta.cite_text(), was.meta.doc.as_deref(), was.meta.head),
                        (is.meta.cite_text(), is.meta.doc.as_deref(), is.meta.head),
                        out,
                    );
                }
                (None, None) => {}
            }
        }
    }
}
