//! Whether a store's retention can be carried out by the technology the
//! store is `backed by`: PostgreSQL needs the columns to clear to anonymize
//! rows; S3 and Kafka count from each object's or record's creation, so
//! they cannot keep data while a state holds, and S3 expires whole days.
//!
//! `check` reports these as `retention-unenforceable`, so a program that
//! checks clean always builds; the retention code generator asks the same
//! question and generates no job where the answer is no.

use crate::ast::EndAction;
use crate::diagnostic::{Diagnostic, Name};
use crate::model::{Lifecycle, Node, Program, StoreRetention, StoreTechnology};

/// Why a store's retention clause cannot be enforced as written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unenforceable {
    /// PostgreSQL rows to anonymize, but no `columns` to clear.
    AnonymizeWithoutColumns,
    /// `while STATE` on a technology that counts from creation.
    WaitsForState(StoreTechnology),
    /// Less than a day on S3, which expires whole days.
    UnderOneDay,
}

/// What stands in the way of enforcing a clause of a store, if anything.
pub fn unenforceable(node: &Node, clause: &StoreRetention) -> Option<Unenforceable> {
    let backing = node.backing.as_ref()?;
    let Lifecycle::Phased {
        while_state,
        hold,
        end,
        ..
    } = &clause.lifecycle
    else {
        return None;
    };
    if matches!(end, EndAction::Archive { .. }) {
        return None;
    }
    match backing.technology {
        StoreTechnology::Postgres => {
            let has_columns = backing
                .settings
                .get("columns")
                .is_some_and(|columns| columns.split(',').any(|c| !c.trim().is_empty()));
            (*end == EndAction::Anonymize && !has_columns)
                .then_some(Unenforceable::AnonymizeWithoutColumns)
        }
        technology @ (StoreTechnology::S3 | StoreTechnology::Kafka) => {
            if while_state.is_some() {
                return Some(Unenforceable::WaitsForState(technology));
            }
            let duration = hold
                .as_ref()
                .map(|hold| hold.duration.value)
                .unwrap_or_default();
            // A month is at least 28 days, so only a duration without months
            // can be under a day; asking `day_bounds` of one with months would
            // walk a 400-year calendar for nothing.
            (technology == StoreTechnology::S3
                && duration.months == 0
                && duration.day_bounds().0 < 1)
                .then_some(Unenforceable::UnderOneDay)
        }
    }
}

/// The `retention-unenforceable` diagnostic for a clause.
pub fn diagnostic(
    program: &Program,
    node: &Node,
    clause: &StoreRetention,
    problem: Unenforceable,
) -> Diagnostic {
    let name = program.node_names().name(node.id);
    let (message, help) = match problem {
        Unenforceable::AnonymizeWithoutColumns => (
            format!(
                "store `{name}` anonymizes its rows, but its `backed by postgres` names no `columns` to clear"
            ),
            "add `columns \"a, b\"` to the store's `backed by postgres`: the columns that identify a person",
        ),
        Unenforceable::WaitsForState(StoreTechnology::Kafka) => (
            format!("store `{name}` keeps records while a state holds, which Kafka cannot tell"),
            "Kafka counts from each record's timestamp: retain for a duration after an event, and produce the records when it happens",
        ),
        Unenforceable::WaitsForState(_) => (
            format!("store `{name}` keeps objects while a state holds, which S3 cannot tell"),
            "S3 counts from each object's creation: retain for a duration after an event, and write the objects when it happens",
        ),
        Unenforceable::UnderOneDay => (
            format!("store `{name}` keeps objects less than a day, which S3 cannot do"),
            "S3 expires objects one day after their creation at the soonest",
        ),
    };
    let mut diagnostic = Diagnostic::new(
        Name::RetentionUnenforceable,
        clause.lifecycle.span(),
        message,
    )
    .primary_message("cannot be enforced as written")
    .help(help);
    if let Some(backing) = &node.backing {
        diagnostic = diagnostic.label(backing.span, "the store's technology");
    }
    diagnostic
}
