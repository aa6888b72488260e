//! The generated PostgreSQL retention jobs, run against a real, throwaway
//! PostgreSQL server: exactly the expired rows are deleted or anonymized,
//! and nothing else. With pg_cron installed, the schedule is installed too
//! and its command checked.
//!
//! Where PostgreSQL is not installed the test says SKIPPED loudly and
//! returns, or fails under `CI=true`: `.ci/run` installs it, so in CI it
//! runs. `PRIVET_PG_BIN` names
//! another directory holding `initdb`, `pg_ctl` and `psql`. Run as root,
//! the server runs as the `postgres` user (`runuser`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use privet::codegen::{self, Output};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The directory of `initdb`, `pg_ctl` and `psql`: Debian's newest
/// `/usr/lib/postgresql/N/bin`, or the one `PRIVET_PG_BIN` names.
fn postgres_bin() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("PRIVET_PG_BIN") {
        let dir = PathBuf::from(dir);
        return dir.join("initdb").is_file().then_some(dir);
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version: u32 = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            (bin.join("initdb").is_file() && bin.join("pg_ctl").is_file()).then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

/// Says loudly that (part of) the test did not run, failing under CI.
fn skip(why: &str) {
    support::tool_missing(&format!(
        "{why}; install Debian's `postgresql` and `postgresql-N-cron` packages (as .ci/run does) to run it"
    ));
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

/// A throwaway server in a temporary directory, stopped when dropped (also
/// when the test fails).
struct Server {
    bin: PathBuf,
    data: PathBuf,
    socket: PathBuf,
    port: u16,
    as_postgres: bool,
    pg_cron: bool,
    _dir: tempfile::TempDir,
}

impl Server {
    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(path);
            command
        } else {
            Command::new(path)
        }
    }

    fn start(bin: PathBuf) -> Server {
        let as_postgres = is_root();
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let socket = dir.path().join("socket");
        std::fs::create_dir(&socket).unwrap();
        if as_postgres {
            // The postgres user must reach the directory and own its parts.
            run(Command::new("chmod").arg("755").arg(dir.path()));
            run(Command::new("chown").arg("postgres:").arg(&socket));
            std::fs::create_dir(&data).unwrap();
            run(Command::new("chown").arg("postgres:").arg(&data));
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let pg_cron = bin
            .parent()
            .map(|version| version.join("lib/pg_cron.so").is_file())
            .unwrap_or(false);
        let mut server = Server {
            bin,
            data,
            socket,
            port,
            as_postgres,
            pg_cron,
            _dir: dir,
        };
        run(server.command("initdb").arg("-D").arg(&server.data).args([
            "-A",
            "trust",
            "-U",
            "privet",
            "--no-sync",
            "-E",
            "UTF8",
        ]));
        let mut options = format!(
            "-k {} -p {} -c listen_addresses='' -c timezone=UTC",
            server.socket.display(),
            server.port
        );
        if server.pg_cron {
            options.push_str(" -c shared_preload_libraries=pg_cron -c cron.database_name=postgres");
        }
        let log = server.data.join("server.log");
        let started = server
            .command("pg_ctl")
            .arg("-D")
            .arg(&server.data)
            .args(["-o", &options, "-w", "-l"])
            .arg(&log)
            .arg("start")
            .status()
            .unwrap();
        if !started.success() && server.pg_cron {
            // pg_cron's library is there but would not load: go on without.
            server.pg_cron = false;
            let options = format!(
                "-k {} -p {} -c listen_addresses='' -c timezone=UTC",
                server.socket.display(),
                server.port
            );
            run(server
                .command("pg_ctl")
                .arg("-D")
                .arg(&server.data)
                .args(["-o", &options, "-w", "-l"])
                .arg(&log)
                .arg("start"));
        } else {
            assert!(
                started.success(),
                "pg_ctl start failed; see {}",
                log.display()
            );
        }
        server
    }

    /// Runs SQL through psql in one transaction; returns its unaligned
    /// output.
    fn psql(&self, sql: &str) -> String {
        let mut child = self
            .command("psql")
            .arg("-h")
            .arg(&self.socket)
            .args(["-p", &self.port.to_string()])
            .args(["-U", "privet", "-d", "postgres"])
            .args([
                "-X",
                "-q",
                "-A",
                "-t",
                "-1",
                "-v",
                "ON_ERROR_STOP=1",
                "-f",
                "-",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(sql.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "psql failed: {}\n--- SQL\n{sql}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl")
            .arg("-D")
            .arg(&self.data)
            .args(["-m", "immediate", "-w", "stop"])
            .stdout(Stdio::null())
            .status();
    }
}

/// A throwaway server; None, having said so, where PostgreSQL is not
/// installed.
fn start_server(test: &str) -> Option<Server> {
    let Some(bin) = postgres_bin() else {
        skip(&format!(
            "{test} did not run: no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql"
        ));
        return None;
    };
    Some(Server::start(bin))
}

fn run(command: &mut Command) {
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "{command:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn build_dir(path: &Path) -> Output {
    let (sources, compilation) = support::compile_files(&support::privet_files(path));
    codegen::build(&sources, &compilation).unwrap()
}

fn build_text(text: &str) -> Output {
    let (sources, compilation) = support::compile_text(text);
    codegen::build(&sources, &compilation).unwrap()
}

fn file(output: &Output, path: &str) -> String {
    String::from_utf8(output.files[path].clone()).unwrap()
}

/// The rows each table gets: a label and an event time relative to the
/// transaction's `now()`, around the boundary of a retention `r` given as
/// an interval literal. Whether each row has expired follows from the
/// rule the job implements: its time is not NULL and is before
/// `now() - r`.
const ROWS: &[(&str, &str, bool)] = &[
    ("active", "NULL", false),
    ("recent", "now() - interval '1 day'", false),
    ("future", "now() + interval '1 day'", false),
    ("at the boundary", "now() - interval 'R'", false),
    (
        "a microsecond inside",
        "now() - interval 'R' + interval '1 microsecond'",
        false,
    ),
    (
        "a microsecond past",
        "now() - interval 'R' - interval '1 microsecond'",
        true,
    ),
    (
        "long past",
        "now() - interval 'R' - interval '10 years'",
        true,
    ),
];

/// Creates a table, fills it with [`ROWS`] (and one old row already
/// cleared), runs the job, and returns `label|event|cleared columns|keep`
/// for every row left, in one transaction, so that `now()` is the same
/// throughout.
fn run_job(
    server: &Server,
    table: &str,
    timestamp: &str,
    columns: &[&str],
    retention: &str,
    job: &str,
) -> Vec<(String, bool, String)> {
    let q = privet::codegen::retention::quote_identifier;
    let table_q = q(table);
    let column_defs: String = columns.iter().map(|c| format!(", {} text", q(c))).collect();
    let mut sql = format!(
        "CREATE TABLE {table_q} (label text PRIMARY KEY, {} timestamptz{column_defs}, keep text);\n",
        q(timestamp)
    );
    let names: String = columns.iter().map(|c| format!(", {}", q(c))).collect();
    let values: String = columns.iter().map(|c| format!(", 'x-{c}'")).collect();
    for (label, time, _) in ROWS {
        sql.push_str(&format!(
            "INSERT INTO {table_q} (label, {}{names}, keep) VALUES ('{label}', {}{values}, 'kept');\n",
            q(timestamp),
            time.replace('R', retention)
        ));
    }
    let nulls: String = columns.iter().map(|_| ", NULL").collect();
    sql.push_str(&format!(
        "INSERT INTO {table_q} (label, {}{names}, keep) VALUES ('already cleared', now() - interval '20 years'{nulls}, 'kept');\n",
        q(timestamp)
    ));
    sql.push_str(job);
    let cleared: String = if columns.is_empty() {
        "true".to_string()
    } else {
        columns
            .iter()
            .map(|c| format!("{} IS NULL", q(c)))
            .collect::<Vec<_>>()
            .join(" AND ")
    };
    let untouched: String = if columns.is_empty() {
        "true".to_string()
    } else {
        columns
            .iter()
            .map(|c| format!("{} = 'x-' || {}", q(c), privet_literal(c)))
            .collect::<Vec<_>>()
            .join(" AND ")
    };
    sql.push_str(&format!(
        "SELECT label, CASE WHEN {cleared} THEN 'cleared' WHEN {untouched} THEN 'untouched' ELSE 'mixed' END, keep FROM {table_q} ORDER BY label;\n"
    ));
    server
        .psql(&sql)
        .lines()
        .map(|line| {
            let parts: Vec<&str> = line.split('|').collect();
            assert_eq!(
                parts[2], "kept",
                "a column outside `columns` changed: {line}"
            );
            (
                parts[0].to_string(),
                parts[1] == "cleared",
                parts[1].to_string(),
            )
        })
        .collect()
}

fn privet_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Every row [`run_job`] returns is cleared exactly when it has expired
/// (the row cleared beforehand counts as expired), and none half.
fn assert_cleared_when_expired(job: &str, rows: Vec<(String, bool, String)>) {
    for (label, cleared, state) in rows {
        let expired = ROWS
            .iter()
            .find(|(l, _, _)| *l == label)
            .is_none_or(|(_, _, expired)| *expired);
        assert_eq!(cleared, expired, "{job}: row `{label}` is {state}");
        assert!(state != "mixed", "{job}: row `{label}` is half cleared");
    }
}

/// The statements of a job file: what follows its header.
fn statements(job: &str) -> &str {
    let start = job.find("\n\n").map_or(0, |index| index + 2);
    &job[start..]
}

#[test]
fn retention_jobs_clear_exactly_the_expired_rows() {
    let Some(server) = start_server("the PostgreSQL retention test") else {
        return;
    };

    // The One Touch data map: two anonymizing stores and a permanent one.
    let one_touch = build_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/one-touch"));
    let checks: &[(&str, &str, &str, &[&str], &str)] = &[
        (
            "retention/postgres/accounts_db.sql",
            "accounts",
            "closed_at",
            &["phone", "email", "imei", "device_model", "last_ip"],
            "36 months 0 days",
        ),
        (
            "retention/postgres/orders_db.sql",
            "orders",
            "account_closed_at",
            &["delivery_address", "phone", "location"],
            "36 months 0 days",
        ),
    ];
    for (path, table, timestamp, columns, retention) in checks {
        let job = file(&one_touch, path);
        assert!(
            job.contains(&format!("interval '{retention}'")),
            "{path} does not count {retention}:\n{job}"
        );
        let rows = run_job(&server, table, timestamp, columns, retention, &job);
        assert_eq!(
            rows.len(),
            ROWS.len() + 1,
            "{path}: anonymizing deletes no row"
        );
        assert_cleared_when_expired(path, rows);
    }
    // Records kept forever: the job destroys nothing.
    let forever = file(&one_touch, "retention/postgres/violation_records.sql");
    let rows = run_job(
        &server,
        "violation_records",
        "recorded_at",
        &[],
        "0 days",
        &forever,
    );
    assert_eq!(rows.len(), ROWS.len() + 1);

    // Deletion, a duration in days, and identifiers that need quoting.
    let odd = build_text(
        "category user.email\npurpose login\nallow collect, use, store of user\n\
         subject person\n\
         store log \"a \\\"log\\\"\"\n    backed by postgres table \"odd \\\"table\\\"\" timestamp \"seen at\"\n\
         \x20   retain user keep for 45 days then delete\n\
         flow person -> log carries user for login\n",
    );
    let job = file(&odd, "retention/postgres/log.sql");
    assert!(job.contains("DELETE FROM \"odd \"\"table\"\"\""), "{job}");
    let rows = run_job(
        &server,
        "odd \"table\"",
        "seen at",
        &[],
        "0 months 45 days",
        &job,
    );
    let left: Vec<&str> = rows.iter().map(|(label, _, _)| label.as_str()).collect();
    let mut kept: Vec<&str> = ROWS
        .iter()
        .filter(|(_, _, expired)| !expired)
        .map(|(label, _, _)| *label)
        .collect();
    kept.sort_unstable();
    assert_eq!(left, kept, "exactly the expired rows are deleted");

    // The pg_cron schedule installs a job running the same statements.
    if server.pg_cron {
        server.psql("CREATE EXTENSION pg_cron;\n");
        let schedule = file(&one_touch, "retention/pg_cron/accounts_db.sql");
        server.psql(&schedule);
        server.psql(&schedule); // scheduling again replaces the job
        let jobs = server.psql(
            "SELECT jobname || '|' || schedule || '|' || command FROM cron.job ORDER BY jobid;\n",
        );
        let purge = file(&one_touch, "retention/postgres/accounts_db.sql");
        let expected = format!(
            "privet-retention-accounts_db|0 * * * *|\n{}",
            statements(&purge)
        );
        assert_eq!(jobs.trim_end(), expected.trim_end());
    } else {
        skip("the pg_cron schedule was not tried: pg_cron is not installed");
    }
}

/// The program of the legal hold test: a floor of 30 days after the account
/// closes, a legal hold, and the order database keeping orders `KEPT` after
/// the account closes; `BACKING` is its `backed by` clause.
const HELD_ORDERS: &str = "category user.order\npurpose orders\nstate order.disputed\n\
     event account.closed\n\
     allow collect, use, store of user for orders\n\
     retain user at least after account.closed keep for 30 days\n\
     hold user while order.disputed\n\
     subject person\n\
     store orders_db\n    BACKING\n\
     \x20   retain user after account.closed keep for KEPT then delete\n\
     flow person -> orders_db carries user for orders\n";

fn held_orders(kept: &str, backing: &str) -> String {
    HELD_ORDERS
        .replace("KEPT", kept)
        .replace("BACKING", backing)
}

/// A row under a legal hold (true or unknown) and a row inside its floor
/// survive the job, and so does a row between the floor and the store's
/// longer retention; an expired row under no hold is deleted.
#[test]
fn held_rows_and_rows_inside_their_floor_survive_the_job() {
    let Some(server) = start_server("the PostgreSQL legal hold test") else {
        return;
    };
    let output = build_text(&held_orders(
        "60 days",
        "backed by postgres table \"orders\" timestamp \"closed_at\" hold \"held\"",
    ));
    let job = job_of(&output, "orders_db");
    assert!(job.contains("AND NOT \"held\""), "{job}");
    let sql = format!(
        "CREATE TABLE orders (label text PRIMARY KEY, closed_at timestamptz, held boolean DEFAULT false);\n\
         INSERT INTO orders VALUES ('held and expired', now() - interval '70 days', true);\n\
         INSERT INTO orders VALUES ('hold unknown and expired', now() - interval '70 days', NULL);\n\
         INSERT INTO orders VALUES ('inside the floor', now() - interval '10 days', false);\n\
         INSERT INTO orders VALUES ('past the floor, inside the retention', now() - interval '40 days', false);\n\
         INSERT INTO orders VALUES ('active', NULL, false);\n\
         INSERT INTO orders VALUES ('expired', now() - interval '70 days', false);\n\
         {job}\n\
         SELECT label FROM orders ORDER BY label;\n"
    );
    let left: Vec<String> = server.psql(&sql).lines().map(str::to_string).collect();
    assert_eq!(
        left,
        [
            "active",
            "held and expired",
            "hold unknown and expired",
            "inside the floor",
            "past the floor, inside the retention",
        ]
    );
}

/// No job is written that could delete a row a floor or a hold protects:
/// a store deleting before the floor, or without a `hold` column under a
/// legal hold, is an error and the build writes nothing.
#[test]
fn no_job_deletes_what_a_floor_or_a_hold_protects() {
    let held = "backed by postgres table \"orders\" timestamp \"closed_at\" hold \"held\"";
    let (sources, compilation) = support::compile_text(&held_orders("10 days", held));
    let refused = codegen::build(&sources, &compilation).err().unwrap();
    let names: Vec<&str> = refused.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["retention-too-short"]);

    let unheld = "backed by postgres table \"orders\" timestamp \"closed_at\"";
    let (sources, compilation) = support::compile_text(&held_orders("60 days", unheld));
    let refused = codegen::build(&sources, &compilation).err().unwrap();
    let found: Vec<(&str, &str)> = refused
        .iter()
        .map(|d| (d.name.as_str(), d.message.as_str()))
        .collect();
    assert_eq!(
        found,
        [(
            "retention-too-short",
            "store `orders_db` may erase `user.order` while `order.disputed` holds"
        )]
    );
}

/// The generated job of a store: `retention/postgres/STORE.sql`.
fn job_of(output: &Output, store: &str) -> String {
    file(output, &format!("retention/postgres/{store}.sql"))
}

#[test]
fn postgres_names_are_kept_whole_and_never_collide() {
    let Some(server) = start_server("the PostgreSQL name test") else {
        return;
    };
    let q = privet::codegen::retention::quote_identifier;

    // The server cuts a name to 63 bytes, at a character boundary: the
    // limit `check` holds names to is the server's.
    let e31 = "é".repeat(31);
    let long = format!("{e31}tx"); // 64 bytes
    let kept = format!("{e31}t"); // 63 bytes
    assert_eq!(privet::model::POSTGRES_NAME_BYTES, 63);
    assert_eq!(
        server.psql(&format!(
            "CREATE TABLE {} (x int);\nSELECT octet_length(relname::text) FROM pg_class WHERE relname = {};\n",
            q(&long),
            privet_literal(&kept)
        )),
        "63\n",
        "PostgreSQL no longer cuts names at 63 bytes"
    );
    server.psql(&format!("DROP TABLE {};\n", q(&kept)));

    // 63 bytes of table, timestamp and column, with two-byte characters:
    // `check` takes them, and the job works on exactly that table.
    let column = format!("{}c", "ö".repeat(31));
    let timestamp = format!("{}s", "ü".repeat(31));
    let text = format!(
        "category user.email\npurpose login\nallow collect, use, store of user for login\n\
         subject person\n\
         store widest \"63 bytes each\"\n    backed by postgres table \"{kept}\" timestamp \"{timestamp}\"\n\
         \x20       columns \"{column}\"\n\
         \x20   retain user keep for 45 days then anonymize\n\
         flow person -> widest carries user for login\n"
    );
    let (_, compilation) = support::compile_text(&text);
    assert!(
        compilation.diagnostics.iter().all(|d| !d.is_error()),
        "{:?}",
        compilation.diagnostics
    );
    let widest = build_text(&text);
    let rows = run_job(
        &server,
        &kept,
        &timestamp,
        &[&column],
        "0 months 45 days",
        &job_of(&widest, "widest"),
    );
    assert_eq!(rows.len(), ROWS.len() + 1, "anonymizing deletes no row");
    assert_cleared_when_expired("widest", rows);
    // One byte more is refused, whichever name it is.
    for (written, longer) in [
        (format!("table \"{kept}\""), format!("table \"{long}\"")),
        (format!("table \"{kept}\""), format!("table \"{long}.t\"")),
        (
            format!("timestamp \"{timestamp}\""),
            format!("timestamp \"{long}\""),
        ),
        (
            format!("columns \"{column}\""),
            format!("columns \"x, {long}\""),
        ),
    ] {
        let (_, compilation) = support::compile_text(&text.replace(&written, &longer));
        assert!(
            compilation
                .diagnostics
                .iter()
                .any(|d| d.name.as_str() == "invalid-value"
                    && d.message.contains("is 64 bytes long")),
            "{longer}: {:?}",
            compilation.diagnostics
        );
    }

    // Quoted, `Accounts` and `accounts` are two tables: `check` lets two
    // stores with different lifecycles use them, and each job touches its
    // own table only.
    let cased = build_text(
        "category user.email\npurpose login\nallow collect, use, store of user for login\n\
         subject person\n\
         store upper \"capitalised\"\n    backed by postgres table \"Accounts\" timestamp \"seen\"\n\
         \x20   retain user keep for 45 days then delete\n\
         store lower \"lower case\"\n    backed by postgres table \"public.accounts\" timestamp \"seen\"\n\
         \x20   retain user forever\n\
         flow person -> upper carries user for login\n\
         flow person -> lower carries user for login\n",
    );
    let upper = run_job(
        &server,
        "Accounts",
        "seen",
        &[],
        "0 months 45 days",
        &job_of(&cased, "upper"),
    );
    assert_eq!(
        upper.len(),
        ROWS.iter().filter(|(_, _, expired)| !expired).count(),
        "the job of `Accounts` deletes its expired rows"
    );
    let lower = run_job(
        &server,
        "accounts",
        "seen",
        &[],
        "0 months 45 days",
        &(job_of(&cased, "lower") + &job_of(&cased, "upper")),
    );
    assert_eq!(
        lower.len(),
        ROWS.len() + 1,
        "the job of `Accounts` touched `accounts`"
    );

    // Two stores whose job names would be one after 63 bytes get two
    // pg_cron jobs, each with its own statements.
    if server.pg_cron {
        let prefix = "customer_support_tickets_of_every_market_we_serve";
        let two = build_text(&format!(
            "category user.email\npurpose login\nallow collect, use, store of user for login\n\
             subject person\n\
             store {prefix}_a \"one\"\n    backed by postgres table \"a\" timestamp \"seen\"\n\
             \x20   retain user keep for 45 days then delete\n\
             store {prefix}_b \"two\"\n    backed by postgres table \"b\" timestamp \"seen\"\n\
             \x20   retain user keep for 90 days then delete\n\
             flow person -> {prefix}_a carries user for login\n\
             flow person -> {prefix}_b carries user for login\n",
        ));
        server.psql("CREATE EXTENSION pg_cron;\n");
        for store in ["a", "b"] {
            server.psql(&file(
                &two,
                &format!("retention/pg_cron/{prefix}_{store}.sql"),
            ));
        }
        let jobs = server.psql("SELECT jobname || '|' || command FROM cron.job ORDER BY jobid;\n");
        let names: Vec<&str> = jobs
            .lines()
            .filter_map(|line| line.split('|').next())
            .filter(|name| name.starts_with("privet-retention-"))
            .collect();
        assert_eq!(names.len(), 2, "{jobs}");
        assert_ne!(names[0], names[1]);
        assert!(
            jobs.contains("45 days") && jobs.contains("90 days"),
            "{jobs}"
        );
        for (store, name) in ["a", "b"].iter().zip(&names) {
            assert_eq!(
                *name,
                privet::codegen::retention::pg_cron_job_name(&format!("{prefix}_{store}"))
            );
        }
    } else {
        skip("the pg_cron job names were not tried: pg_cron is not installed");
    }
}
