//! The record of processing activities, in the style of GDPR Art. 30: one
//! activity per purpose the data map's flows serve, with the categories
//! they carry, whose information it is, the recipients outside the first
//! party, where the information goes (its regions: transfers abroad show
//! there), how long the stores it reaches keep it, and the safeguards on
//! the way. Derived from the program alone; written as a table in the
//! document and as `processing-activities.csv` beside it.

use super::model::{Inline, code, text};
use super::words::{lifecycle, names};
use crate::describe;
use crate::model::*;
use std::collections::{BTreeMap, BTreeSet};

/// The columns of the record.
pub const RECORD_HEAD: [&str; 8] = [
    "activity",
    "purpose",
    "categories",
    "whose information",
    "recipients",
    "where it goes",
    "retention",
    "safeguards",
];

/// What the flows of one purpose touch.
#[derive(Default)]
struct Activity {
    categories: Vec<NameId>,
    subjects: Vec<NameId>,
    recipients: BTreeSet<NameId>,
    regions: Vec<NameId>,
    stores: BTreeSet<NameId>,
    safeguards: Vec<NameId>,
}

/// The rows of the record, one per purpose some flow serves, in the order
/// of the purposes' names.
pub(super) fn record(program: &Program) -> Vec<Vec<Vec<Inline>>> {
    let mut activities: BTreeMap<String, (NameId, Activity)> = BTreeMap::new();
    for flow in &program.flows {
        for (purpose, _) in &flow.purposes {
            let name = program.purposes().name(*purpose).to_string();
            let (_, activity) = activities
                .entry(name)
                .or_insert_with(|| (*purpose, Activity::default()));
            activity
                .categories
                .extend(flow.categories.iter().map(|(c, _)| *c));
            activity.safeguards.extend(flow.protection.iter().copied());
            if program.is_subject(flow.from) {
                activity.subjects.push(flow.from);
            }
            if let Some(to) = program.node(flow.to) {
                activity.regions.extend(to.regions.iter().copied());
                activity.safeguards.extend(to.protection.iter().copied());
                if to.party != PartyKind::FirstParty {
                    activity.recipients.insert(flow.to);
                }
                if !to.retentions.is_empty() {
                    activity.stores.insert(flow.to);
                }
            }
        }
    }
    let node_names = program.node_names();
    activities
        .into_values()
        .map(|(purpose, activity)| {
            let label = program
                .purposes()
                .get(purpose)
                .and_then(|e| e.declared.as_ref())
                .and_then(|d| d.label.clone())
                .unwrap_or_default();
            let mut recipients = Vec::new();
            for id in activity.recipients.iter() {
                if !recipients.is_empty() {
                    recipients.push(text(", "));
                }
                recipients.push(code(node_names.name(*id)));
                if let Some(node) = program.node(*id) {
                    recipients.push(text(format!(" ({})", node.party.as_str())));
                }
            }
            let mut retention = Vec::new();
            let mut stores: Vec<(String, NameId)> = activity
                .stores
                .iter()
                .map(|id| (node_names.name(*id).to_string(), *id))
                .collect();
            stores.sort();
            for (name, id) in stores {
                let Some(node) = program.node(id) else {
                    continue;
                };
                for kept in &node.retentions {
                    if !retention.is_empty() {
                        retention.push(text("; "));
                    }
                    retention.push(code(name.clone()));
                    retention.push(text(": "));
                    retention.extend(lifecycle(program, &kept.lifecycle));
                }
            }
            let subjects = describe::sorted_names(node_names, &activity.subjects);
            vec![
                vec![code(program.purposes().name(purpose))],
                vec![text(label)],
                names(&describe::sorted_names(
                    program.categories(),
                    &activity.categories,
                )),
                names(&subjects),
                recipients,
                names(&describe::sorted_names(
                    program.regions(),
                    &activity.regions,
                )),
                retention,
                names(&describe::sorted_names(
                    program.safeguards(),
                    &activity.safeguards,
                )),
            ]
        })
        .collect()
}

/// A cell as plain text.
fn plain(cell: &[Inline]) -> String {
    cell.iter()
        .map(|inline| match inline {
            Inline::Text(t) | Inline::Code(t) | Inline::Strong(t) | Inline::Link(t, _) => {
                t.as_str()
            }
            Inline::Anchor(_) => "",
        })
        .collect()
}

/// The record as CSV (RFC 4180): every field quoted, and a field a
/// spreadsheet would read as a formula (`=`, `+`, `-`, `@`) starts with `'`.
pub fn record_csv(rows: &[Vec<Vec<Inline>>]) -> String {
    let field = |value: String| {
        let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            format!("'{value}")
        } else {
            value
        };
        format!("\"{}\"", value.replace('"', "\"\""))
    };
    let mut out = String::new();
    let head: Vec<String> = RECORD_HEAD.iter().map(|h| field(h.to_string())).collect();
    out.push_str(&head.join(","));
    out.push_str("\r\n");
    for row in rows {
        let cells: Vec<String> = row.iter().map(|cell| field(plain(cell))).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}
