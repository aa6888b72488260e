//! Whether a store's retention can be carried out by the technology the
//! store is `backed by`: PostgreSQL needs the columns to clear to anonymize
//! rows; S3 and Kafka count from each object's or record's creation, so
//! they cannot keep data while a state holds, and S3 expires whole days.
//!
//! A job acts on whole rows, objects or records, and one table, prefix or
//! topic gets one point to count from (the `timestamp` column, the object's
//! or record's creation): so every clause of a store, and every store whose
//! table, prefix or topic overlaps another's, must end its data at the same
//! time, or the job would keep data longer than one clause allows or destroy
//! data another clause keeps.
//!
//! `check` reports these as `retention-unenforceable`, so a program that
//! checks clean always builds; the retention code generator asks the same
//! question and generates no job where the answer is no.

use crate::ast::EndAction;
use crate::diagnostic::{Diagnostic, Name};
use crate::model::{
    Backing, Lifecycle, NameId, Namespace, Node, Program, StoreRetention, StoreTechnology,
};
use crate::time::Duration;

mod places;

/// Why a store's retention clause cannot be enforced as written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unenforceable {
    /// PostgreSQL rows to anonymize, but no `columns` to clear.
    AnonymizeWithoutColumns,
    /// `while STATE` on a technology that counts from creation.
    WaitsForState(StoreTechnology),
    /// Less than a day on S3, which expires whole days.
    UnderOneDay,
    /// Ends its data at another time than an earlier clause of the same
    /// store (its index in the store's `retentions`), which the store's one
    /// job cannot carry out.
    Disagrees(usize),
}

/// When a clause's job destroys the data it covers: the point the job
/// counts from and how long after it. Two clauses one job can carry out
/// together have the same end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// Nothing is destroyed: `forever`, or ended by archiving.
    Kept,
    /// Deleted or anonymized `duration` after `start`. Deleting where
    /// another clause anonymizes at the same time is the stronger end, as
    /// S3 and Kafka already carry out `anonymize`, so the action is not
    /// part of it.
    Destroyed { start: Start, duration: Duration },
}

/// The point a clause's job counts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    /// Collection; on S3 and Kafka, always: they count from each item's
    /// creation, whatever the event.
    Collection,
    /// `after EVENT`.
    Event(NameId),
    /// The end of the `while` state, when no event follows it.
    StateEnds(NameId),
}

impl End {
    /// The end of a clause of a store backed by `technology`.
    pub fn of(technology: StoreTechnology, lifecycle: &Lifecycle) -> End {
        match lifecycle {
            Lifecycle::Forever { .. }
            | Lifecycle::Phased {
                end: EndAction::Archive { .. },
                ..
            } => End::Kept,
            Lifecycle::Phased {
                hold, while_state, ..
            } => End::Destroyed {
                start: match (hold.as_ref().and_then(|hold| hold.after), while_state) {
                    _ if technology != StoreTechnology::Postgres => Start::Collection,
                    (Some(event), _) => Start::Event(event),
                    (None, Some(state)) => Start::StateEnds(*state),
                    (None, None) => Start::Collection,
                },
                duration: hold
                    .as_ref()
                    .map(|hold| hold.duration.value)
                    .unwrap_or_default(),
            },
        }
    }
}

/// What stands in the way of enforcing a clause of a store, if anything.
pub fn unenforceable(node: &Node, clause: &StoreRetention) -> Option<Unenforceable> {
    alone(node, clause).or_else(|| disagreement(node, clause))
}

/// The first earlier clause of the store whose end differs from this one's.
fn disagreement(node: &Node, clause: &StoreRetention) -> Option<Unenforceable> {
    let technology = node.backing.as_ref()?.technology;
    let end = End::of(technology, &clause.lifecycle);
    node.retentions
        .iter()
        .take_while(|other| !std::ptr::eq(*other, clause))
        .position(|other| End::of(technology, &other.lifecycle) != end)
        .map(Unenforceable::Disagrees)
}

/// What stands in the way of enforcing a clause on its own.
fn alone(node: &Node, clause: &StoreRetention) -> Option<Unenforceable> {
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
    let technology = node
        .backing
        .as_ref()
        .map_or(StoreTechnology::Postgres, |backing| backing.technology);
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
        Unenforceable::Disagrees(index) => {
            return disagreement_diagnostic(program, node, clause, index, technology);
        }
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

/// `ends 3 years after `account.closed``, for a label.
fn describe(program: &Program, end: End) -> String {
    match end {
        End::Kept => "keeps its data".to_string(),
        End::Destroyed { start, duration } => {
            let from = match start {
                Start::Collection => "collection".to_string(),
                Start::Event(event) => {
                    format!("`{}`", program.vocabulary(Namespace::Event).name(event))
                }
                Start::StateEnds(state) => format!(
                    "`{}` ends",
                    program.vocabulary(Namespace::State).name(state)
                ),
            };
            if duration == Duration::default() {
                format!("ends at {from}")
            } else {
                format!("ends {duration} after {from}")
            }
        }
    }
}

/// What one job of a technology acts on, and from when it counts.
fn one_job(technology: StoreTechnology) -> &'static str {
    match technology {
        StoreTechnology::Postgres => {
            "a PostgreSQL job deletes or clears whole rows of a table, counted from one `timestamp` column"
        }
        StoreTechnology::S3 => {
            "an S3 lifecycle rule expires whole objects under a prefix, counted from their creation"
        }
        StoreTechnology::Kafka => {
            "a Kafka topic deletes whole records after one `retention.ms`, counted from their timestamp"
        }
    }
}

fn disagreement_diagnostic(
    program: &Program,
    node: &Node,
    clause: &StoreRetention,
    index: usize,
    technology: StoreTechnology,
) -> Diagnostic {
    let name = program.node_names().name(node.id);
    let this = End::of(technology, &clause.lifecycle);
    let mut diagnostic = Diagnostic::new(
        Name::RetentionUnenforceable,
        clause.lifecycle.span(),
        format!("the `retain` clauses of store `{name}` end its data at different times, which one job cannot do"),
    )
    .primary_message(describe(program, this));
    if let Some(other) = node.retentions.get(index) {
        diagnostic = diagnostic.label(
            other.lifecycle.span(),
            format!(
                "{}, in the same store",
                describe(program, End::of(technology, &other.lifecycle))
            ),
        );
    }
    diagnostic
        .note(format!(
            "{}: it would keep one clause's data longer than it allows, or destroy data the other keeps",
            one_job(technology)
        ))
        .help("split the store into one store per lifecycle, each backed by its own table, prefix or topic, or give its clauses the same start and duration")
}

/// Where a store's job acts, for a message.
fn place(backing: &Backing) -> String {
    let setting = |key: &str| backing.settings.get(key).map_or("", String::as_str);
    match backing.technology {
        StoreTechnology::Postgres => format!("rows of table `{}`", setting("table")),
        StoreTechnology::Kafka => format!("records of topic `{}`", setting("topic")),
        StoreTechnology::S3 => format!(
            "objects of bucket `{}` under prefix `{}`",
            setting("bucket"),
            setting("prefix")
        ),
    }
}

/// The length of an S3 store's prefix (0 for other technologies).
fn setting_len(backing: &Backing) -> usize {
    backing.settings.get("prefix").map_or(0, String::len)
}

/// `retention-unenforceable` for each store whose table, prefix or topic
/// overlaps an earlier store's while their clauses end at different times
/// (the earliest such store is named): S3 applies every rule whose prefix
/// matches an object's key (the earliest expiry wins), a topic has one
/// `retention.ms`, and each store's job on a shared table would destroy
/// rows the other keeps. The stores are found through an index by place
/// ([`places`]), not by comparing every pair.
pub fn overlapping_stores(program: &Program) -> Vec<Diagnostic> {
    // A store without a `retain` clause keeps its data: no job of its own
    // destroys it, so another store's job must not either.
    let mut stores: Vec<(&Node, &Backing, Option<&StoreRetention>)> = program
        .nodes
        .iter()
        .filter(|node| node.complete)
        .filter_map(|node| Some((node, node.backing.as_ref()?, node.retentions.first())))
        .collect();
    let end_of = |backing: &Backing, clause: Option<&StoreRetention>| {
        clause.map_or(End::Kept, |clause| {
            End::of(backing.technology, &clause.lifecycle)
        })
    };
    // In source order: the later declaration is the one reported.
    stores.sort_by_key(|(_, backing, _)| backing.span);
    let ends: Vec<(&Backing, End)> = stores
        .iter()
        .map(|(_, backing, clause)| (*backing, end_of(backing, *clause)))
        .collect();
    let conflicts = places::earliest_conflicts(&ends);
    let mut diagnostics = Vec::new();
    for ((node, backing, clause), conflict) in stores.iter().zip(conflicts) {
        let end = end_of(backing, *clause);
        let Some((other, other_backing, other_clause)) =
            conflict.and_then(|earlier| stores.get(earlier))
        else {
            continue;
        };
        let name = program.node_names().name(node.id);
        let other_name = program.node_names().name(other.id);
        let other_end = end_of(other_backing, *other_clause);
        let kept = "it has no `retain` clause, so it keeps its data";
        let mut diagnostic = Diagnostic::new(
            Name::RetentionUnenforceable,
            backing.span,
            format!(
                "stores `{other_name}` and `{name}` share {}, but end their data at different times",
                // The inner of two nested prefixes: what both rules match.
                place(if setting_len(backing) >= setting_len(other_backing) {
                    backing
                } else {
                    other_backing
                })
            ),
        );
        diagnostic = match clause {
            Some(clause) => diagnostic
                .primary_message(format!("overlaps store `{other_name}`"))
                .label(clause.lifecycle.span(), describe(program, end)),
            None => diagnostic.primary_message(format!("overlaps store `{other_name}`; {kept}")),
        };
        diagnostic = match other_clause {
            Some(other_clause) => diagnostic
                .label(
                    other_backing.span,
                    format!("store `{other_name}`: {}", place(other_backing)),
                )
                .label(
                    other_clause.lifecycle.span(),
                    format!("store `{other_name}` {}", describe(program, other_end)),
                ),
            None => diagnostic.label(
                other_backing.span,
                format!("store `{other_name}`: {}; {kept}", place(other_backing)),
            ),
        };
        diagnostics.push(
            diagnostic
                .note(format!(
                    "{}: each store's job would act on the other's data too, destroying it too early or keeping it too long",
                    one_job(backing.technology)
                ))
                .help("back the stores by separate tables, topics, or prefixes neither of which contains the other, or give them the same lifecycle"),
        );
    }
    diagnostics
}
