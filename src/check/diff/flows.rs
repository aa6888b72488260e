//! The data map's requirements and flows of two versions, matched by their
//! normalized text.

use super::*;

pub(super) fn requirement_items(program: &Program) -> Vec<Keyed<'_, Requirement>> {
    program
        .requirements
        .iter()
        .map(|requirement| {
            let head = describe::requirement_head(program, requirement);
            let safeguards = describe::sorted_names(program.safeguards(), &requirement.safeguards);
            Keyed {
                content: head.replacen("require", &format!("require {}", safeguards.join(", ")), 1),
                coarse: head.clone(),
                key: head,
                item: requirement,
                meta: &requirement.meta,
            }
        })
        .collect()
}

pub(super) fn requirements(old: &Program, new: &Program, out: &mut Vec<Change>) {
    let pairs = pair(requirement_items(old), requirement_items(new));
    report_pairs(
        "requirement",
        pairs,
        Class::Narrowing,
        Class::Widening,
        |before, after, details, classes| {
            ids_change(
                "safeguards",
                (old.safeguards(), &before.safeguards),
                (new.safeguards(), &after.safeguards),
                protection_class,
                details,
                classes,
            );
        },
        out,
    );
}

pub(super) fn flow_key(program: &Program, flow: &Flow) -> String {
    let nodes = program.node_names();
    let categories: Vec<NameId> = flow.categories.iter().map(|(id, _)| *id).collect();
    let purposes: Vec<NameId> = flow.purposes.iter().map(|(id, _)| *id).collect();
    let transform = match flow.transform {
        Some(crate::ast::Transform::Anonymized) => "anonymized ",
        Some(crate::ast::Transform::Pseudonymized) => "pseudonymized ",
        None => "",
    };
    format!(
        "flow {} -> {} carries {transform}{} for {}",
        nodes.name(flow.from),
        nodes.name(flow.to),
        describe::sorted_names(program.categories(), &categories).join(", "),
        describe::sorted_names(program.purposes(), &purposes).join(", ")
    )
}

pub(super) fn flow_text(program: &Program, flow: &Flow) -> String {
    let mut text = flow_key(program, flow);
    if !flow.bases.is_empty() {
        text.push_str(&format!(
            " under {}",
            describe::sorted_names(program.bases(), &flow.bases).join(", ")
        ));
    }
    if !flow.protection.is_empty() {
        text.push_str(&format!(
            " protected by {}",
            describe::sorted_names(program.safeguards(), &flow.protection).join(", ")
        ));
    }
    if flow.honours_dnt {
        text.push_str(" honours do not track");
    }
    if let Some(phase) = flow_phase_text(program, flow) {
        text.push(' ');
        text.push_str(&phase);
    }
    for (clause, namespace, ids) in [
        ("honours opt out", Namespace::OptOut, &flow.honours_opt_outs),
        ("notified by", Namespace::Obligation, &flow.notified),
    ] {
        if !ids.is_empty() {
            text.push_str(&format!(
                " {clause} {}",
                describe::sorted_names(program.vocabulary(namespace), ids).join(", ")
            ));
        }
    }
    text
}

/// A flow's `while` or `after` clause, normalized.
pub(super) fn flow_phase_text(program: &Program, flow: &Flow) -> Option<String> {
    let phase = flow.phase.as_ref()?;
    Some(match phase.state {
        Some(state) => format!("while {}", program.vocabulary(Namespace::State).name(state)),
        None => format!(
            "after {}",
            describe::sorted_names(program.vocabulary(Namespace::Event), &phase.events).join(", ")
        ),
    })
}

pub(super) fn flow_items(program: &Program) -> Vec<Keyed<'_, Flow>> {
    program
        .flows
        .iter()
        .map(|flow| Keyed {
            key: flow_key(program, flow),
            coarse: flow_key(program, flow),
            content: flow_text(program, flow),
            item: flow,
            meta: &flow.meta,
        })
        .collect()
}

pub(super) fn flows(old: &Program, new: &Program, out: &mut Vec<Change>) {
    let pairs = pair(flow_items(old), flow_items(new));
    report_pairs(
        "flow",
        pairs,
        Class::Widening,
        Class::Narrowing,
        |before, after, details, classes| {
            ids_change(
                "safeguards",
                (old.safeguards(), &before.protection),
                (new.safeguards(), &after.protection),
                protection_class,
                details,
                classes,
            );
            ids_change(
                "bases",
                (old.bases(), &before.bases),
                (new.bases(), &after.bases),
                |_, _| Class::Neutral,
                details,
                classes,
            );
            if before.honours_dnt != after.honours_dnt {
                details.push(if after.honours_dnt {
                    "now honours Do Not Track".to_string()
                } else {
                    "no longer honours Do Not Track".to_string()
                });
                classes.push(protection_class(after.honours_dnt, before.honours_dnt));
            }
            let (was, is) = (flow_phase_text(old, before), flow_phase_text(new, after));
            if was != is {
                let shown = |text: &Option<String>| {
                    text.as_ref()
                        .map_or("every phase of its source".to_string(), |t| {
                            format!("`{t}`")
                        })
                };
                details.push(format!("phases: {} -> {}", shown(&was), shown(&is)));
                // Reading every phase of its source reads more.
                classes.push(match (&was, &is) {
                    (Some(_), None) => Class::Widening,
                    (None, Some(_)) => Class::Narrowing,
                    _ => Class::Neutral,
                });
            }
            ids_change(
                "opt-outs honoured",
                (old.vocabulary(Namespace::OptOut), &before.honours_opt_outs),
                (new.vocabulary(Namespace::OptOut), &after.honours_opt_outs),
                protection_class,
                details,
                classes,
            );
            ids_change(
                "notices given",
                (old.vocabulary(Namespace::Obligation), &before.notified),
                (new.vocabulary(Namespace::Obligation), &after.notified),
                protection_class,
                details,
                classes,
            );
        },
        out,
    );
}
