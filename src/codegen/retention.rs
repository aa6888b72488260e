//! Retention jobs for the stores of the data map, by the technology each is
//! `backed by`: SQL for PostgreSQL (with a pg_cron schedule), lifecycle
//! configurations for S3 buckets, topic configs for Kafka.
//!
//! A build only happens when `check` passes, so every store's declared
//! lifecycle is within the policy's; each job enforces the store's
//! declared lifecycle, so it never keeps data longer than the policy
//! allows. Where a technology only knows whole days or a fixed number of
//! milliseconds, the job uses the fewest days the duration can span
//! ([`Duration::day_bounds`]), never the most.
//!
//! What a technology cannot do is a diagnostic, not a silent gap: S3 and
//! Kafka count from the object's or record's creation and cannot wait while
//! a state holds, and anonymizing rows needs the columns to clear.

use super::{comment_text, json_bytes, location, one_line, safe_file_name, short_hash};
use crate::ast::{EndAction, Hold};
use crate::check::enforceable::unenforceable;
use crate::model::{
    Backing, DurationValue, Lifecycle, Namespace, Node, POSTGRES_NAME_BYTES, Program,
    StoreRetention, StoreTechnology,
};
use crate::source::SourceMap;
use crate::time::Duration;
use serde::Serialize;
use std::collections::BTreeMap;

const MILLIS_PER_DAY: i64 = 86_400_000;

/// How often the pg_cron job runs: every hour, on the hour.
pub const PG_CRON_SCHEDULE: &str = "0 * * * *";

/// What a store's `retain` clause asks of its job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expiry {
    /// The store's technology cannot carry the clause out: no job.
    Unenforceable,
    /// `forever`: kept without limit.
    Forever,
    /// Ends by archiving: nothing is deleted.
    Archive,
    /// Deleted or anonymized this long after the point the store counts
    /// from (the event, or collection), once any `while` state has ended.
    After {
        duration: Duration,
        anonymize: bool,
        while_state: bool,
    },
}

/// What a clause of a store asks of its job; `Unenforceable` when the
/// store's technology cannot carry the clause out, which `check` reports
/// (`retention-unenforceable`) so that a build never gets here: no job
/// rather than a wrong one.
fn clause_expiry(node: &Node, clause: &StoreRetention) -> Expiry {
    if unenforceable(node, clause).is_some() {
        return Expiry::Unenforceable;
    }
    expiry(&clause.lifecycle)
}

fn expiry(lifecycle: &Lifecycle) -> Expiry {
    match lifecycle {
        Lifecycle::Forever { .. } => Expiry::Forever,
        Lifecycle::Phased {
            end: EndAction::Archive { .. },
            ..
        } => Expiry::Archive,
        Lifecycle::Phased {
            while_state,
            hold,
            end,
            ..
        } => Expiry::After {
            duration: hold
                .as_ref()
                .map(|hold| hold.duration.value)
                .unwrap_or_default(),
            anonymize: *end == EndAction::Anonymize,
            while_state: while_state.is_some(),
        },
    }
}

// ---------------------------------------------------------------- records

/// A duration as `privet.json` records it.
#[derive(Clone, Debug, Serialize)]
pub struct DurationRecord {
    /// As privet writes it: `3 years`.
    pub text: String,
    pub months: u32,
    pub days: u32,
    /// The named duration it was written as, if any.
    pub name: Option<String>,
    /// The fewest and most days it spans, over all start dates.
    pub fewest_days: i64,
    pub most_days: i64,
}

impl DurationRecord {
    pub fn of(program: &Program, value: &DurationValue) -> DurationRecord {
        let (fewest_days, most_days) = value.value.day_bounds();
        DurationRecord {
            text: value.value.to_string(),
            months: value.value.months,
            days: value.value.days,
            name: value
                .name
                .map(|id| program.vocabulary(Namespace::Duration).name(id).to_string()),
            fewest_days,
            most_days,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct HoldRecord {
    /// The event it counts from; null for collection.
    pub after: Option<String>,
    /// `keep` or `archive`.
    pub hold: &'static str,
    pub encrypted: bool,
    pub isolated: bool,
    pub duration: DurationRecord,
    pub without_commercial_use: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct EndRecord {
    /// `delete`, `anonymize` or `archive`.
    pub action: &'static str,
    pub encrypted: bool,
    pub isolated: bool,
}

/// A lifecycle as `privet.json` records it.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LifecycleRecord {
    Forever,
    Phased {
        #[serde(rename = "while")]
        while_state: Option<String>,
        hold: Option<HoldRecord>,
        end: EndRecord,
    },
}

impl LifecycleRecord {
    pub fn of(program: &Program, lifecycle: &Lifecycle) -> LifecycleRecord {
        match lifecycle {
            Lifecycle::Forever { .. } => LifecycleRecord::Forever,
            Lifecycle::Phased {
                while_state,
                hold,
                end,
                ..
            } => {
                let (action, encrypted, isolated) = match end {
                    EndAction::Delete => ("delete", false, false),
                    EndAction::Anonymize => ("anonymize", false, false),
                    EndAction::Archive {
                        encrypted,
                        isolated,
                    } => ("archive", *encrypted, *isolated),
                };
                LifecycleRecord::Phased {
                    while_state: while_state
                        .map(|state| program.vocabulary(Namespace::State).name(state).to_string()),
                    hold: hold.as_ref().map(|hold| {
                        let (kind, encrypted, isolated) = match hold.hold {
                            Hold::Keep => ("keep", false, false),
                            Hold::Archive {
                                encrypted,
                                isolated,
                            } => ("archive", encrypted, isolated),
                        };
                        HoldRecord {
                            after: hold.after.map(|event| {
                                program.vocabulary(Namespace::Event).name(event).to_string()
                            }),
                            hold: kind,
                            encrypted,
                            isolated,
                            duration: DurationRecord::of(program, &hold.duration),
                            without_commercial_use: hold.without_commercial_use,
                        }
                    }),
                    end: EndRecord {
                        action,
                        encrypted,
                        isolated,
                    },
                }
            }
        }
    }
}

/// What the generated job does for one `retain` clause of a store.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "technology", rename_all = "snake_case")]
pub enum JobRecord {
    Postgres {
        file: String,
        /// The pg_cron schedule; null when the job destroys nothing.
        schedule: Option<String>,
        /// `delete`, `anonymize` or null (nothing is destroyed).
        statement: Option<&'static str>,
        /// `now() - interval '...'`: rows whose timestamp is older go.
        interval: Option<String>,
        /// The `hold` column: rows where it is true (or null) are spared.
        hold_column: Option<String>,
    },
    S3 {
        file: String,
        bucket: String,
        prefix: String,
        /// Days after the object's creation; null for no expiry.
        expiration_days: Option<i64>,
        /// S3 cannot anonymize an object in place: an `anonymize` end is
        /// enforced by expiring (deleting) it.
        enforced_as: Option<&'static str>,
    },
    Kafka {
        file: String,
        topic: String,
        /// This clause's limit; the topic gets the least of its clauses'.
        retention_ms: i64,
        enforced_as: Option<&'static str>,
    },
    /// The store declares no `backed by`: no job is generated.
    None,
}

/// The generated files and what they do.
#[derive(Default)]
pub struct Jobs {
    pub files: BTreeMap<String, Vec<u8>>,
    /// Per store (by node id), per clause: its job.
    pub records: BTreeMap<u32, Vec<JobRecord>>,
}

/// Generates the jobs of every store.
pub fn jobs(sources: &SourceMap, program: &Program) -> Jobs {
    let mut jobs = Jobs::default();
    let mut buckets: BTreeMap<String, Vec<BucketRule>> = BTreeMap::new();
    let mut topics: BTreeMap<String, Vec<TopicLimit>> = BTreeMap::new();
    for node in program
        .nodes
        .iter()
        .filter(|node| node.kind == crate::ast::NodeKind::Store)
    {
        let name = program.node_names().name(node.id).to_string();
        let records = match &node.backing {
            None => node.retentions.iter().map(|_| JobRecord::None).collect(),
            Some(backing) => match backing.technology {
                StoreTechnology::Postgres => postgres(sources, program, node, backing, &mut jobs),
                StoreTechnology::S3 => s3(node, backing, &name, &mut buckets),
                StoreTechnology::Kafka => kafka(node, backing, &name, &mut topics),
            },
        };
        jobs.records.insert(node.id.0, records);
    }
    for (bucket, rules) in buckets {
        if let Some(bytes) = bucket_configuration(&rules) {
            jobs.files.insert(s3_file(&bucket), bytes);
        }
    }
    for (topic, limits) in topics {
        jobs.files
            .insert(kafka_file(&topic), topic_config(&topic, &limits));
    }
    jobs
}

fn setting<'a>(backing: &'a Backing, key: &str) -> &'a str {
    backing.settings.get(key).map_or("", String::as_str)
}

// ---------------------------------------------------------------- PostgreSQL

/// A PostgreSQL store's job and its pg_cron schedule: in two directories,
/// so that no store's file name can be another's.
fn postgres_files(store: &str) -> (String, String) {
    let store = safe_file_name(store);
    (
        format!("retention/postgres/{store}.sql"),
        format!("retention/pg_cron/{store}.sql"),
    )
}

/// `"name"`, with embedded quotes doubled.
pub fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A table name: `table` or `schema.table`, each part quoted.
fn quote_table(name: &str) -> String {
    name.split('.')
        .map(quote_identifier)
        .collect::<Vec<_>>()
        .join(".")
}

/// The names of the `columns` setting: comma-separated.
fn columns(backing: &Backing) -> Vec<&str> {
    setting(backing, "columns")
        .split(',')
        .map(str::trim)
        .filter(|column| !column.is_empty())
        .collect()
}

/// `interval '36 months 0 days'`: months, then days, as privet counts.
fn interval(duration: Duration) -> String {
    format!("{} months {} days", duration.months, duration.days)
}

fn postgres(
    sources: &SourceMap,
    program: &Program,
    node: &Node,
    backing: &Backing,
    jobs: &mut Jobs,
) -> Vec<JobRecord> {
    let name = program.node_names().name(node.id);
    let table = quote_table(setting(backing, "table"));
    let timestamp = quote_identifier(setting(backing, "timestamp"));
    let columns = columns(backing);
    let hold = backing.settings.get("hold");
    let (file, schedule_file) = postgres_files(name);

    let mut statements = String::new();
    let mut records = Vec::new();
    for clause in &node.retentions {
        let text = one_line(sources.snippet(clause.span));
        statements.push_str(&format!(
            "-- {}: {text}\n",
            one_line(&location(sources, clause.span))
        ));
        let (statement, interval_text) = match clause_expiry(node, clause) {
            Expiry::Unenforceable => {
                statements.push_str(
                    "-- cannot be enforced as written (`privet check` reports it): no \
                     statement is generated.\n\n",
                );
                (None, None)
            }
            Expiry::Forever => {
                statements.push_str("-- kept forever: no destructive statement is generated.\n\n");
                (None, None)
            }
            Expiry::Archive => {
                statements.push_str(
                    "-- ends by archiving: no destructive statement is generated; moving \
                     the rows to the archive is the operator's job.\n\n",
                );
                (None, None)
            }
            Expiry::After {
                duration,
                anonymize,
                ..
            } => {
                let mut cutoff = format!(
                    "{timestamp} IS NOT NULL\n  AND {timestamp} < now() - interval '{}'",
                    interval(duration)
                );
                // A row under a legal hold is spared; so is one whose hold
                // is unknown (null): erasure cannot be undone.
                if let Some(hold) = hold {
                    cutoff.push_str(&format!("\n  AND NOT {}", quote_identifier(hold)));
                }
                if !anonymize {
                    statements.push_str(&format!("DELETE FROM {table}\nWHERE {cutoff};\n\n"));
                    (Some("delete"), Some(interval(duration)))
                } else if columns.is_empty() {
                    // `check` reports this (`retention-unenforceable`), so
                    // a build never gets here; no job rather than a wrong one.
                    (None, None)
                } else {
                    let quoted: Vec<String> = columns
                        .iter()
                        .map(|column| quote_identifier(column))
                        .collect();
                    let set: Vec<String> = quoted
                        .iter()
                        .map(|column| format!("{column} = NULL"))
                        .collect();
                    let not_yet: Vec<String> = quoted
                        .iter()
                        .map(|column| format!("{column} IS NOT NULL"))
                        .collect();
                    statements.push_str(&format!(
                        "UPDATE {table}\nSET {}\nWHERE {cutoff}\n  AND ({});\n\n",
                        set.join(", "),
                        not_yet.join(" OR ")
                    ));
                    (Some("anonymize"), Some(interval(duration)))
                }
            }
        };
        records.push(JobRecord::Postgres {
            file: file.clone(),
            schedule: None,
            statement,
            interval: interval_text,
            hold_column: hold.cloned(),
        });
    }
    // A schedule only when the job destroys something.
    let destructive = records.iter().any(|record| {
        matches!(
            record,
            JobRecord::Postgres {
                statement: Some(_),
                ..
            }
        )
    });
    if destructive {
        for record in &mut records {
            if let JobRecord::Postgres { schedule, .. } = record {
                *schedule = Some(schedule_file.clone());
            }
        }
    }

    let schedule_note = if destructive {
        format!("; {schedule_file} schedules it with pg_cron")
    } else {
        ": it destroys nothing, so it has no schedule".to_string()
    };
    let table_text = comment_text(setting(backing, "table"));
    let timestamp_text = comment_text(setting(backing, "timestamp"));
    let label = program
        .node_names()
        .get(node.id)
        .and_then(|entry| entry.label())
        .map(|label| format!(" {}", comment_text(label)))
        .unwrap_or_default();
    let hold_note = match hold {
        Some(hold) => format!(
            "-- A row whose {} is true is under a legal hold and is kept; so is\n\
             -- one where it is NULL (give the column NOT NULL DEFAULT false).\n",
            comment_text(hold)
        ),
        None => String::new(),
    };
    let header = format!(
        "-- Generated by privet; do not edit. Rebuild with `privet build`.\n\
         -- Retention job of store `{name}`{label}:\n\
         -- table {table_text}, counted from column {timestamp_text}. A row whose\n\
         -- {timestamp_text} is NULL has not reached the point its retention counts\n\
         -- from (for example, the account is still active) and is kept.\n\
         {hold_note}\
         -- Run it with psql{schedule_note}.\n\n",
    );
    let body = format!("{header}{statements}");
    jobs.files.insert(file, body.into_bytes());
    if destructive {
        jobs.files.insert(
            schedule_file,
            pg_cron_schedule(name, &statements).into_bytes(),
        );
    }
    records
}

/// A dollar-quote tag that does not occur in `body`.
fn dollar_tag(body: &str) -> String {
    let mut tag = "$privet$".to_string();
    let mut n = 0u32;
    while body.contains(&tag) {
        n += 1;
        tag = format!("$privet_{n}$");
    }
    tag
}

/// The name of a store's pg_cron job: `privet-retention-STORE`. pg_cron
/// keeps a job's name as a PostgreSQL `name`, cut to
/// [`POSTGRES_NAME_BYTES`], and scheduling under a name taken replaces that
/// job; so a longer name keeps its first bytes and ends with `-` and a hash
/// of the whole store name, and no two stores share a job. A store name
/// has no `-`, so a shortened name is never another store's full one.
pub fn pg_cron_job_name(store: &str) -> String {
    let full = format!("privet-retention-{store}");
    if full.len() <= POSTGRES_NAME_BYTES {
        return full;
    }
    let hash = short_hash(store, 8);
    let mut end = POSTGRES_NAME_BYTES.saturating_sub(hash.len() + 1);
    while !full.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}-{hash}", full.get(..end).unwrap_or_default())
}

/// The pg_cron job running the statements every hour.
fn pg_cron_schedule(name: &str, statements: &str) -> String {
    let job = pg_cron_job_name(name).replace('\'', "''");
    let tag = dollar_tag(statements);
    format!(
        "-- Generated by privet; do not edit. Rebuild with `privet build`.\n\
         -- Schedules the retention job of store `{name}` with pg_cron: every hour,\n\
         -- on the hour. Scheduling it again under the same name replaces it.\n\
         SELECT cron.schedule(\n  '{job}',\n  '{PG_CRON_SCHEDULE}',\n  {tag}\n{statements}{tag}\n);\n"
    )
}

// ---------------------------------------------------------------- S3

/// The fewest whole days a duration spans: an expiry never later than the
/// store's declared retention.
fn fewest_days(duration: Duration) -> i64 {
    duration.day_bounds().0
}

/// For a technology that counts from each item's creation: the clause's
/// duration and whether it ends by anonymizing; None when nothing expires,
/// or when it keeps data while a state holds, which `check` reports
/// (`retention-unenforceable`) so that a build never gets here.
fn creation_expiry(node: &Node, clause: &StoreRetention) -> Option<(Duration, bool)> {
    match clause_expiry(node, clause) {
        Expiry::Unenforceable
        | Expiry::Forever
        | Expiry::Archive
        | Expiry::After {
            while_state: true, ..
        } => None,
        Expiry::After {
            duration,
            anonymize,
            ..
        } => Some((duration, anonymize)),
    }
}

struct BucketRule {
    store: String,
    prefix: String,
    days: i64,
}

fn s3_file(bucket: &str) -> String {
    format!("retention/s3/{}.json", safe_file_name(bucket))
}

fn s3(
    node: &Node,
    backing: &Backing,
    name: &str,
    buckets: &mut BTreeMap<String, Vec<BucketRule>>,
) -> Vec<JobRecord> {
    let bucket = setting(backing, "bucket").to_string();
    let prefix = setting(backing, "prefix").to_string();
    let rules = buckets.entry(bucket.clone()).or_default();
    let mut records = Vec::new();
    for clause in &node.retentions {
        let (days, enforced_as) = match creation_expiry(node, clause) {
            None => (None, None),
            Some((duration, anonymize)) => {
                let days = fewest_days(duration);
                if days < 1 {
                    // Reported by `check` (`retention-unenforceable`).
                    (None, None)
                } else {
                    rules.push(BucketRule {
                        store: name.to_string(),
                        prefix: prefix.clone(),
                        days,
                    });
                    (Some(days), anonymize.then_some("delete"))
                }
            }
        };
        records.push(JobRecord::S3 {
            file: s3_file(&bucket),
            bucket: bucket.clone(),
            prefix: prefix.clone(),
            expiration_days: days,
            enforced_as,
        });
    }
    records
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct LifecycleConfiguration {
    rules: Vec<LifecycleRule>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct LifecycleRule {
    #[serde(rename = "ID")]
    id: String,
    filter: PrefixFilter,
    status: &'static str,
    expiration: Expiration,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct PrefixFilter {
    prefix: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Expiration {
    days: i64,
}

/// One configuration for a bucket: a rule per prefix, expiring after the
/// fewest days any store asks for under it. None when nothing expires.
fn bucket_configuration(rules: &[BucketRule]) -> Option<Vec<u8>> {
    let mut by_prefix: BTreeMap<&str, (i64, Vec<&str>)> = BTreeMap::new();
    for rule in rules {
        let entry = by_prefix
            .entry(rule.prefix.as_str())
            .or_insert((rule.days, Vec::new()));
        entry.0 = entry.0.min(rule.days);
        if !entry.1.contains(&rule.store.as_str()) {
            entry.1.push(rule.store.as_str());
        }
    }
    if by_prefix.is_empty() {
        return None;
    }
    let rules = by_prefix
        .into_iter()
        .map(|(prefix, (days, mut stores))| {
            stores.sort_unstable();
            let mut id = format!("privet {}", stores.join(" "));
            if !prefix.is_empty() {
                id.push_str(&format!(" {prefix}"));
            }
            // S3 takes rule IDs of at most 255 characters.
            let id: String = id.chars().take(255).collect();
            LifecycleRule {
                id,
                filter: PrefixFilter {
                    prefix: prefix.to_string(),
                },
                status: "Enabled",
                expiration: Expiration { days },
            }
        })
        .collect();
    Some(json_bytes(&LifecycleConfiguration { rules }))
}

// ---------------------------------------------------------------- Kafka

struct TopicLimit {
    store: String,
    /// None: no expiry.
    millis: Option<i64>,
}

fn kafka_file(topic: &str) -> String {
    format!("retention/kafka/{}.properties", safe_file_name(topic))
}

fn kafka(
    node: &Node,
    backing: &Backing,
    name: &str,
    topics: &mut BTreeMap<String, Vec<TopicLimit>>,
) -> Vec<JobRecord> {
    let topic = setting(backing, "topic").to_string();
    let limits = topics.entry(topic.clone()).or_default();
    let mut records = Vec::new();
    for clause in &node.retentions {
        let (millis, enforced_as) = match creation_expiry(node, clause) {
            None => (None, None),
            Some((duration, anonymize)) => (
                Some(fewest_days(duration).saturating_mul(MILLIS_PER_DAY)),
                anonymize.then_some("delete"),
            ),
        };
        limits.push(TopicLimit {
            store: name.to_string(),
            millis,
        });
        records.push(JobRecord::Kafka {
            file: kafka_file(&topic),
            topic: topic.clone(),
            retention_ms: millis.unwrap_or(-1),
            enforced_as,
        });
    }
    records
}

/// The topic's config: the least retention any clause asks for, or -1
/// (no limit) when none asks for one.
fn topic_config(topic: &str, limits: &[TopicLimit]) -> Vec<u8> {
    let millis = limits
        .iter()
        .filter_map(|limit| limit.millis)
        .min()
        .unwrap_or(-1);
    let mut stores: Vec<&str> = limits.iter().map(|limit| limit.store.as_str()).collect();
    stores.sort_unstable();
    stores.dedup();
    let stores: Vec<String> = stores.iter().map(|store| format!("`{store}`")).collect();
    format!(
        "# Generated by privet; do not edit. Rebuild with `privet build`.\n\
         # Topic config of Kafka topic {} (store {}).\n\
         # Apply with: kafka-configs --alter --entity-type topics --entity-name TOPIC \\\n\
         #   --add-config-file THIS_FILE\n\
         cleanup.policy=delete\n\
         retention.ms={millis}\n",
        comment_text(topic),
        stores.join(", "),
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::{pg_cron_job_name, quote_table};

    #[test]
    fn pg_cron_job_names_fit_in_a_postgres_name_and_stay_apart() {
        assert_eq!(
            pg_cron_job_name("accounts_db"),
            "privet-retention-accounts_db"
        );
        // 63 bytes: as it is.
        let fits = "a".repeat(46);
        assert_eq!(pg_cron_job_name(&fits), format!("privet-retention-{fits}"));
        // Longer: cut, and told apart by the hash of the whole name.
        assert_eq!(
            pg_cron_job_name("customer_support_tickets_of_every_market_we_serve_a"),
            "privet-retention-customer_support_tickets_of_e-b5bafb277ef8659b"
        );
        let one = pg_cron_job_name(&format!("{fits}b"));
        let other = pg_cron_job_name(&format!("{fits}c"));
        assert_ne!(one, other);
        for name in [&one, &other, &pg_cron_job_name(&"x".repeat(256))] {
            assert_eq!(name.len(), crate::model::POSTGRES_NAME_BYTES, "{name}");
        }
    }

    #[test]
    fn a_table_and_its_schema_are_quoted_apart() {
        assert_eq!(quote_table("orders"), "\"orders\"");
        assert_eq!(quote_table("app.orders"), "\"app\".\"orders\"");
        // Embedded quotes are doubled in each part, and a part keeps its
        // case and spaces: quoted, `Odd "Name"` is one identifier.
        assert_eq!(
            quote_table("My App.Odd \"Name\""),
            "\"My App\".\"Odd \"\"Name\"\"\""
        );
    }
}
