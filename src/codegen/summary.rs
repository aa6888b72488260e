//! `privet.json`: what the bundle and the jobs cannot carry, for the
//! systems around them. The obligations and their triggers, the Do Not
//! Track rules, the opt-out of each tracking technology and the trackers
//! using them, and every store's retention beside the policy retention
//! that governs it and the job that enforces it.

use super::retention::{DurationRecord, JobRecord, LifecycleRecord};
use super::{json_bytes, location, one_line};
use crate::ast::NodeKind;
use crate::check::retention::{Holdings, can_spare, floor_views};
use crate::model::{NameId, Namespace, Trigger, Vocabulary};
use crate::pipeline::Compilation;
use crate::source::SourceMap;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The version of the shape of `privet.json`.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct Summary {
    format_version: u32,
    policy: Option<PolicyRecord>,
    bundle: BundleRecord,
    obligations: Vec<ObligationRecord>,
    do_not_track: Vec<DoNotTrackRecord>,
    opt_outs: Vec<OptOutRecord>,
    technologies: Vec<TechnologyRecord>,
    trackers: Vec<TrackerRecord>,
    stores: Vec<StoreRecord>,
    floors: Vec<FloorRecord>,
    legal_holds: Vec<LegalHoldRecord>,
}

/// A floor of the policy: how long the data map keeps data at least.
#[derive(Serialize)]
struct FloorRecord {
    /// `retain user.records forever`, `retain user.contact at least ...`.
    text: String,
    location: String,
    cite: Option<String>,
    categories: Vec<String>,
    /// null: for every purpose.
    purposes: Option<Vec<String>>,
    /// The stores that hold data of the floor (for one of its purposes)
    /// and keep it at least that long: `check` asks for one.
    met_by: Vec<String>,
}

/// A legal hold of the policy and the stores that hold its data.
#[derive(Serialize)]
struct LegalHoldRecord {
    text: String,
    location: String,
    cite: Option<String>,
    state: String,
    categories: Vec<String>,
    purposes: Option<Vec<String>>,
    stores: Vec<HeldStoreRecord>,
}

#[derive(Serialize)]
struct HeldStoreRecord {
    store: String,
    /// The boolean column the store's job spares rows by; null when the
    /// store keeps the data forever (or cannot spare it, which `check`
    /// reports).
    hold_column: Option<String>,
}

#[derive(Serialize)]
struct PolicyRecord {
    name: String,
    title: Option<String>,
    updated: Option<String>,
    cite: Option<String>,
}

#[derive(Serialize)]
struct BundleRecord {
    revision: String,
    roots: [&'static str; 1],
    directory: &'static str,
    archive: &'static str,
}

#[derive(Serialize)]
struct ObligationRecord {
    name: String,
    text: String,
    /// null: at all times.
    trigger: Option<TriggerRecord>,
    cite: Option<String>,
    location: String,
}

#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum TriggerRecord {
    When {
        event: String,
    },
    After {
        event: String,
        within: Option<DurationRecord>,
    },
    AtLeastBefore {
        event: String,
        lead: DurationRecord,
    },
    Before {
        event: String,
    },
    BeforeNewPurpose,
}

#[derive(Serialize)]
struct DoNotTrackRecord {
    /// The purposes as written, and every leaf below them.
    purposes: Vec<String>,
    purpose_leaves: Vec<String>,
    cite: Option<String>,
    location: String,
}

#[derive(Serialize)]
struct TechnologyRecord {
    name: String,
    label: Option<String>,
    purposes: Vec<String>,
    /// How to opt out, in words.
    opt_out: Option<String>,
    /// The declared opt-out that stops it.
    opt_out_name: Option<String>,
    cite: Option<String>,
}

/// `opt out NAME ... stops ...`: a choice the person can make, which the
/// OPA input's `opt_outs` names.
#[derive(Serialize)]
struct OptOutRecord {
    name: String,
    label: Option<String>,
    /// What it stops, as privet writes the rule.
    stops: String,
    cite: Option<String>,
    location: String,
}

#[derive(Serialize)]
struct TrackerRecord {
    name: String,
    label: Option<String>,
    technologies: Vec<String>,
    honours_do_not_track: bool,
    honours_opt_outs: Vec<String>,
    regions: Vec<String>,
}

#[derive(Serialize)]
struct StoreRecord {
    name: String,
    label: Option<String>,
    location: String,
    /// `postgres`, `s3` or `kafka`; null when not declared.
    technology: Option<&'static str>,
    settings: BTreeMap<String, String>,
    retention: Vec<ClauseRecord>,
}

#[derive(Serialize)]
struct ClauseRecord {
    /// The store's clause, on one line, and its categories.
    text: String,
    location: String,
    categories: Vec<String>,
    lifecycle: LifecycleRecord,
    /// The policy retentions that govern the leaves this clause holds.
    governed_by: Vec<GoverningRecord>,
    job: JobRecord,
}

#[derive(Serialize)]
struct GoverningRecord {
    text: String,
    location: String,
    cite: Option<String>,
    lifecycle: LifecycleRecord,
    /// The leaves of the store this retention governs.
    leaves: Vec<String>,
}

fn names(vocabulary: &Vocabulary, ids: &[NameId]) -> Vec<String> {
    ids.iter()
        .map(|id| vocabulary.name(*id).to_string())
        .collect()
}

fn label_and_cite(vocabulary: &Vocabulary, id: NameId) -> (Option<String>, Option<String>) {
    let entry = vocabulary.get(id);
    (
        entry.and_then(|e| e.label()).map(str::to_string),
        entry
            .and_then(|e| e.meta())
            .and_then(|meta| meta.cite_text())
            .map(str::to_string),
    )
}

fn meta_location(sources: &SourceMap, vocabulary: &Vocabulary, id: NameId) -> String {
    vocabulary
        .get(id)
        .and_then(|entry| entry.meta())
        .map(|meta| location(sources, meta.keyword))
        .unwrap_or_default()
}

pub fn privet_json(
    sources: &SourceMap,
    compilation: &Compilation,
    revision: &str,
    jobs: &BTreeMap<u32, Vec<JobRecord>>,
) -> Vec<u8> {
    let program = &compilation.program;
    let events = program.vocabulary(Namespace::Event);
    let duration = |value| DurationRecord::of(program, value);
    let obligations = program
        .obligations
        .iter()
        .map(|obligation| {
            let vocabulary = program.vocabulary(Namespace::Obligation);
            let event = |id: &NameId| events.name(*id).to_string();
            ObligationRecord {
                name: vocabulary.name(obligation.id).to_string(),
                text: obligation.text.clone(),
                trigger: obligation.trigger.as_ref().map(|trigger| match trigger {
                    Trigger::When(e) => TriggerRecord::When { event: event(e) },
                    Trigger::After { event: e, within } => TriggerRecord::After {
                        event: event(e),
                        within: within.as_ref().map(duration),
                    },
                    Trigger::AtLeastBefore { lead, event: e } => TriggerRecord::AtLeastBefore {
                        event: event(e),
                        lead: duration(lead),
                    },
                    Trigger::Before(e) => TriggerRecord::Before { event: event(e) },
                    Trigger::BeforeNewPurpose => TriggerRecord::BeforeNewPurpose,
                }),
                cite: label_and_cite(vocabulary, obligation.id).1,
                location: meta_location(sources, vocabulary, obligation.id),
            }
        })
        .collect();

    let purposes = program.purposes();
    let do_not_track = program
        .rules
        .iter()
        .filter(|rule| rule.kind == crate::model::RuleKind::HonourDnt)
        .map(|rule| DoNotTrackRecord {
            purposes: rule
                .purposes
                .as_ref()
                .map(|scope| names(purposes, &scope.names))
                .unwrap_or_default(),
            purpose_leaves: rule
                .purposes
                .as_ref()
                .map(|scope| {
                    scope
                        .leaves
                        .ones()
                        .filter_map(|leaf| purposes.leaf(leaf))
                        .map(|id| purposes.name(id).to_string())
                        .collect()
                })
                .unwrap_or_default(),
            cite: rule.meta.cite_text().map(str::to_string),
            location: location(sources, rule.meta.keyword),
        })
        .collect();

    let opt_out_names = program.vocabulary(Namespace::OptOut);
    let opt_outs = program
        .opt_outs
        .iter()
        .filter_map(|opt_out| {
            let rule = program.rule(opt_out.rule)?;
            Some(OptOutRecord {
                name: opt_out_names.name(opt_out.id).to_string(),
                label: opt_out.label.clone(),
                stops: crate::describe::rule_text(program, rule),
                cite: rule.meta.cite_text().map(str::to_string),
                location: location(sources, rule.meta.keyword),
            })
        })
        .collect();
    let technology_names = program.vocabulary(Namespace::Technology);
    let technologies = program
        .technologies
        .iter()
        .map(|technology| {
            let (label, cite) = label_and_cite(technology_names, technology.id);
            TechnologyRecord {
                name: technology_names.name(technology.id).to_string(),
                label,
                purposes: names(purposes, &technology.purposes),
                opt_out: technology.opt_out.clone(),
                opt_out_name: technology
                    .opt_out_name
                    .map(|o| opt_out_names.name(o).to_string()),
                cite,
            }
        })
        .collect();

    let nodes = program.node_names();
    let trackers = program
        .nodes
        .iter()
        .filter(|node| node.kind == NodeKind::Tracker)
        .map(|node| TrackerRecord {
            name: nodes.name(node.id).to_string(),
            label: label_and_cite(nodes, node.id).0,
            technologies: names(technology_names, &node.technologies),
            honours_do_not_track: node.honours_dnt,
            honours_opt_outs: names(opt_out_names, &node.honours_opt_outs),
            regions: names(program.regions(), &node.regions),
        })
        .collect();

    // What each store holds, for which purposes: found once, for every
    // store and every floor below.
    let holdings = Holdings::of_every_store(program, &compilation.graph);
    let stores = program
        .nodes
        .iter()
        .filter(|node| node.kind == NodeKind::Store)
        .map(|node| {
            // (clause, leaf, policy retention) to clause -> policy -> leaves.
            let mut governed: BTreeMap<usize, BTreeMap<usize, BTreeSet<usize>>> = BTreeMap::new();
            for (clause, leaf, policy) in holdings.governing_retentions(program, node) {
                governed
                    .entry(clause)
                    .or_default()
                    .entry(policy)
                    .or_default()
                    .insert(leaf);
            }
            let node_jobs = jobs.get(&node.id.0);
            let retention = node
                .retentions
                .iter()
                .enumerate()
                .map(|(index, clause)| ClauseRecord {
                    text: one_line(sources.snippet(clause.span)),
                    location: location(sources, clause.span),
                    categories: names(program.categories(), &clause.categories.names),
                    lifecycle: LifecycleRecord::of(program, &clause.lifecycle),
                    governed_by: governed
                        .get(&index)
                        .into_iter()
                        .flatten()
                        .filter_map(|(policy, leaves)| {
                            let retention = program.retentions.get(*policy)?;
                            Some(GoverningRecord {
                                text: one_line(sources.snippet(retention.meta.head)),
                                location: location(sources, retention.meta.keyword),
                                cite: retention.meta.cite_text().map(str::to_string),
                                lifecycle: LifecycleRecord::of(program, &retention.lifecycle),
                                leaves: leaves
                                    .iter()
                                    .filter_map(|leaf| program.categories().leaf(*leaf))
                                    .map(|id| program.categories().name(id).to_string())
                                    .collect(),
                            })
                        })
                        .collect(),
                    job: node_jobs
                        .and_then(|jobs| jobs.get(index))
                        .cloned()
                        .unwrap_or(JobRecord::None),
                })
                .collect();
            StoreRecord {
                name: nodes.name(node.id).to_string(),
                label: label_and_cite(nodes, node.id).0,
                location: meta_location(sources, nodes, node.id),
                technology: node.backing.as_ref().map(|b| b.technology.as_str()),
                settings: node
                    .backing
                    .as_ref()
                    .map(|b| b.settings.clone())
                    .unwrap_or_default(),
                retention,
            }
        })
        .collect();

    // The stores whose `retain` clauses name each leaf, in the order of the
    // data map: a legal hold looks up its own leaves, not every store.
    let mut retained_by: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (position, node) in program.nodes.iter().enumerate() {
        if node.kind != NodeKind::Store {
            continue;
        }
        let mut leaves = fixedbitset::FixedBitSet::new();
        for clause in &node.retentions {
            leaves.union_with(&clause.categories.leaves);
        }
        for leaf in leaves.ones() {
            retained_by.entry(leaf).or_default().push(position);
        }
    }
    let stores_covering = |categories: &crate::model::Scope| -> Vec<&crate::model::Node> {
        let mut found: Vec<usize> = categories
            .leaves
            .ones()
            .flat_map(|leaf| retained_by.get(&leaf).into_iter().flatten().copied())
            .collect();
        found.sort_unstable();
        found.dedup();
        found
            .into_iter()
            .filter_map(|position| program.nodes.get(position))
            .collect()
    };
    let scope_names = |vocabulary: &Vocabulary, scope: Option<&crate::model::Scope>| {
        scope.map(|scope| names(vocabulary, &scope.names))
    };
    let floors = floor_views(program)
        .into_iter()
        .map(|floor| FloorRecord {
            text: format!(
                "{} {}",
                crate::describe::scoped_head(program, "retain", floor.categories, floor.purposes),
                crate::describe::minimum_text(program, floor.minimum)
            ),
            location: location(sources, floor.meta.keyword),
            cite: floor.meta.cite_text().map(str::to_string),
            categories: names(program.categories(), &floor.categories.names),
            purposes: scope_names(purposes, floor.purposes),
            met_by: holdings
                .floor_met_by(program, &floor)
                .into_iter()
                .map(|id| nodes.name(id).to_string())
                .collect(),
        })
        .collect();
    let legal_holds = program
        .legal_holds
        .iter()
        .map(|hold| LegalHoldRecord {
            text: crate::describe::legal_hold_text(program, hold),
            location: location(sources, hold.meta.keyword),
            cite: hold.meta.cite_text().map(str::to_string),
            state: program
                .vocabulary(Namespace::State)
                .name(hold.state)
                .to_string(),
            categories: names(program.categories(), &hold.categories.names),
            purposes: scope_names(purposes, hold.purposes.as_ref()),
            stores: stores_covering(&hold.categories)
                .into_iter()
                .map(|node| HeldStoreRecord {
                    store: nodes.name(node.id).to_string(),
                    hold_column: node
                        .backing
                        .as_ref()
                        .filter(|_| can_spare(node))
                        .and_then(|backing| backing.settings.get("hold").cloned()),
                })
                .collect(),
        })
        .collect();

    json_bytes(&Summary {
        format_version: FORMAT_VERSION,
        policy: program.policy.as_ref().map(|policy| PolicyRecord {
            name: policy.name.clone(),
            title: policy.title.clone(),
            updated: policy.updated.map(|date| date.to_string()),
            cite: policy.meta.cite_text().map(str::to_string),
        }),
        bundle: BundleRecord {
            revision: revision.to_string(),
            roots: [super::opa::ROOT],
            directory: "bundle",
            archive: "bundle.tar.gz",
        },
        obligations,
        do_not_track,
        opt_outs,
        technologies,
        trackers,
        stores,
        floors,
        legal_holds,
    })
}
