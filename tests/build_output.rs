//! `privet build` and `privet query` from the command line: golden files of
//! the One Touch enforcement config, byte-identical builds, a violating
//! program that writes nothing, escaping of user-written text, and the
//! query's output and exit codes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use support::privet;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Every file under a directory, by relative path.
fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(directory) = pending.pop() {
        for entry in std::fs::read_dir(&directory).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let relative = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                files.insert(relative, std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

fn build(out: &Path, program: &str) -> support::Run {
    privet(&["build", program, "--out", out.to_str().unwrap()])
}

#[test]
fn the_one_touch_build_is_stable_and_identical_across_runs() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first");
    let second = dir.path().join("second");
    let output = build(&first, "policies/one-touch");
    assert_eq!(output.code, 0, "{}", output.stderr);
    assert!(build(&second, "policies/one-touch").code == 0);
    let files = tree(&first);
    assert_eq!(files, tree(&second), "two builds differ");
    // Building again over an output replaces it with the same bytes.
    assert!(build(&first, "policies/one-touch").code == 0);
    assert_eq!(files, tree(&first));

    // The golden files: review them when they change.
    for (path, bytes) in &files {
        if path.ends_with(".tar.gz") {
            continue;
        }
        let name = path.replace(['/', '.'], "_");
        insta::assert_snapshot!(
            format!("one_touch_{name}"),
            String::from_utf8(bytes.clone()).unwrap()
        );
    }

    // The archive holds the bundle directory, file for file.
    let mut tar = Vec::new();
    flate2::read::GzDecoder::new(files["bundle.tar.gz"].as_slice())
        .read_to_end(&mut tar)
        .unwrap();
    let mut archived = BTreeMap::new();
    for entry in tar::Archive::new(tar.as_slice()).entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().to_string_lossy().to_string();
        let mut content = Vec::new();
        entry.read_to_end(&mut content).unwrap();
        archived.insert(format!("bundle/{path}"), content);
    }
    let bundle: BTreeMap<String, Vec<u8>> = files
        .iter()
        .filter(|(path, _)| path.starts_with("bundle/"))
        .map(|(path, bytes)| (path.clone(), bytes.clone()))
        .collect();
    assert_eq!(archived, bundle);

    // The manifest's revision is the content's.
    let manifest: serde_json::Value = serde_json::from_slice(&files["bundle/.manifest"]).unwrap();
    let summary: serde_json::Value = serde_json::from_slice(&files["privet.json"]).unwrap();
    assert_eq!(manifest["roots"], serde_json::json!(["privet"]));
    assert_eq!(manifest["revision"], summary["bundle"]["revision"]);
    assert_eq!(manifest["revision"].as_str().unwrap().len(), 64);
}

#[test]
fn the_revision_follows_the_content() {
    let text = "category user.email\npurpose login\nallow use of user\n";
    let (sources, compilation) = support::compile_text(text);
    let one = privet::codegen::build(&sources, &compilation).unwrap();
    let (sources, compilation) = support::compile_text(&text.replace("use", "store"));
    let two = privet::codegen::build(&sources, &compilation).unwrap();
    assert_ne!(one.files["bundle/.manifest"], two.files["bundle/.manifest"]);
}

#[test]
fn a_violating_program_writes_nothing_and_leaves_the_previous_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    assert!(build(&out, "policies/one-touch").code == 0);
    let before = tree(&out);
    for violation in
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/violations"))
            .unwrap()
    {
        let violation: PathBuf = violation.unwrap().path();
        let program = format!(
            "policies/violations/{}",
            violation.file_name().unwrap().to_string_lossy()
        );
        let (_, compilation) = support::compile_files(&support::privet_files(&violation));
        if !compilation.has_errors() {
            continue; // a warning-only example builds
        }
        let output = build(&out, &program);
        assert_eq!(output.code, 1, "{program}");
        let stderr = output.stderr;
        assert!(stderr.contains("nothing was written"), "{stderr}");
        assert!(stderr.contains("error["), "{stderr}");
        assert_eq!(tree(&out), before, "{program} touched the previous output");
        let fresh = dir.path().join("fresh");
        assert_eq!(build(&fresh, &program).code, 1);
        assert!(!fresh.exists(), "{program} wrote a new output");
    }
    // Nothing is left beside the output.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(names, vec!["out".to_string()]);
}

#[test]
fn build_refuses_to_replace_a_directory_it_did_not_write() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("src");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("main.rs"), "fn main() {}").unwrap();
    let output = build(&out, "policies/one-touch");
    assert_eq!(output.code, 2);
    assert!(out.join("main.rs").exists());
}

#[test]
fn user_text_cannot_break_the_rego_or_the_json() {
    // Quotes, backslashes, line breaks and a Rego comment marker in a
    // title, labels and citations.
    let text = "policy odd \"a \\\"title\\\" \\\\ with\\na line break\\nallow := true\"\n\
        category user.email \"e-mail \\\"x\\\"\\n}\" cite \"1\\\\2 \\\"3\\\"\\n# 4\"\n\
        purpose login\n\
        allow use of user cite \"\\\"\\nallow := true\\n\"\n";
    let (sources, compilation) = support::compile_text(text);
    assert!(!compilation.has_errors(), "{:?}", compilation.diagnostics);
    let output = privet::codegen::build(&sources, &compilation).unwrap();
    let rego = String::from_utf8(output.files["bundle/privet/policy.rego"].clone()).unwrap();
    let header: Vec<&str> = rego.lines().take_while(|l| l.starts_with('#')).collect();
    assert!(
        header
            .iter()
            .any(|l| l.ends_with("\"a \\\"title\\\" \\\\ with\\na line break\\nallow := true\"")),
        "{rego}"
    );
    for file in ["bundle/data.json", "bundle/.manifest", "privet.json"] {
        serde_json::from_slice::<serde_json::Value>(&output.files[file])
            .unwrap_or_else(|e| panic!("{file}: {e}"));
    }
    let data: serde_json::Value =
        serde_json::from_slice(&output.files["bundle/data.json"]).unwrap();
    assert_eq!(
        data["privet"]["tables"]["rules"][0]["cite"],
        "\"\nallow := true\n"
    );
    // The policy still parses and decides: the title did not become a rule.
    let mut engine = regorus::Engine::new();
    engine
        .add_policy("privet/policy.rego".to_string(), rego)
        .unwrap();
    engine
        .add_data_json(std::str::from_utf8(&output.files["bundle/data.json"]).unwrap())
        .unwrap();
    engine
        .set_input_json(r#"{"action": "share", "category": "user", "purpose": "login"}"#)
        .unwrap();
    assert_eq!(
        engine.eval_rule("data.privet.allow".to_string()).unwrap(),
        regorus::Value::from(false)
    );
}

/// An act the tests below ask about: sharing a phone number with a
/// processor under explicit consent, which the One Touch policy permits.
const PROCESSOR_ACT: &[&str] = &[
    "--action",
    "share",
    "--category",
    "user.contact.phone",
    "--purpose",
    "security.login",
    "--recipient",
    "processor",
    "--basis",
    "consent.explicit",
    "--region",
    "site",
    "--phase",
    "live",
];

#[test]
fn query_prints_the_decision_and_its_rules() {
    let allowed = query_one_touch(PROCESSOR_ACT, &[]);
    assert_eq!(allowed.code, 0);
    let denied = privet(&[
        "query",
        "policies/one-touch",
        "--action",
        "use",
        "--category",
        "user.device.imei",
        "--purpose",
        "marketing.mailing",
        "--phase",
        "live",
    ]);
    assert_eq!(denied.code, 0, "a denial is an answer");
    let dnt = privet(&[
        "query",
        "policies/one-touch",
        "--action",
        "collect",
        "--category",
        "user.tracking",
        "--purpose",
        "tracking",
        "--dnt",
        "--phase",
        "live",
    ]);
    let text = |output: &support::Run| output.stdout.clone();
    insta::assert_snapshot!(
        "query_human",
        format!("{}\n{}\n{}", text(&allowed), text(&denied), text(&dnt))
    );

    let json = privet(&[
        "query",
        "policies/one-touch",
        "--action",
        "use",
        "--category",
        "user",
        "--purpose",
        "marketing",
        "--phase",
        "live",
        "--format",
        "json",
    ]);
    assert_eq!(json.code, 0);
    let answer = json.json();
    assert_eq!(answer["format_version"], 1);
    assert_eq!(answer["allow"], false);
    insta::assert_snapshot!("query_json", text(&json));
}

/// A flow breaking the One Touch policy does not change what the policy
/// decides: `query` answers (exit 0), and reports the flow's error beside
/// the answer, on standard error for people and under `diagnostics` in JSON.
#[test]
fn query_answers_beside_a_broken_flow() {
    let dir = tempfile::tempdir().unwrap();
    let broken = support::write(
        dir.path(),
        "broken.privet",
        "flow order_service -> sms_gateway\n    carries user.contact.phone\n    for service.provide\n    protected by encryption.in_transit\n",
    );
    let broken = broken.to_str().unwrap();
    let mut args = vec!["query", "policies/one-touch", broken];
    args.extend_from_slice(PROCESSOR_ACT);
    let human = privet(&args);
    assert_eq!(human.code, 0, "{}{}", human.stdout, human.stderr);
    assert!(
        human
            .stdout
            .starts_with("allowed: share `user.contact.phone`"),
        "{}",
        human.stdout
    );
    assert!(
        human.stderr.starts_with(
            "privet: the answer is the policy's; the program also has 1 error that `privet check` reports, below\n"
        ),
        "{}",
        human.stderr
    );
    assert!(
        human.stderr.contains("error[sharing-without-basis]"),
        "{}",
        human.stderr
    );
    args.extend_from_slice(&["--format", "json"]);
    let json = privet(&args);
    assert_eq!(json.code, 0);
    let answer = json.json();
    assert_eq!(answer["allow"], true);
    let names: Vec<&str> = answer["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["sharing-without-basis"]);
    assert_eq!(json.stderr, "");
    // Without the broken flow, the same answer and no `diagnostics`.
    let mut clean = vec!["query", "policies/one-touch"];
    clean.extend_from_slice(PROCESSOR_ACT);
    clean.extend_from_slice(&["--format", "json"]);
    let clean = privet(&clean).json();
    assert_eq!(clean["allow"], true);
    assert!(clean.get("diagnostics").is_none(), "{clean}");
    assert_eq!(clean["reasons"], answer["reasons"]);
}

/// A program that does not load may have lost a rule with the item that
/// did not parse: `query` refuses to answer (exit 1) rather than answer
/// from part of the policy.
#[test]
fn query_refuses_a_program_that_does_not_load() {
    let dir = tempfile::tempdir().unwrap();
    let broken = support::write(dir.path(), "broken.privet", "allow use of user for\n");
    let broken = broken.to_str().unwrap();
    let mut args = vec!["query", "policies/one-touch", broken];
    args.extend_from_slice(PROCESSOR_ACT);
    let run = privet(&args);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr
            .starts_with("privet: the program does not load; it cannot answer a query\n"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("error[syntax-error]"), "{}", run.stderr);
}

/// `privet query` on the One Touch policy: an act, then more arguments.
fn query_one_touch(act: &[&str], extra: &[&str]) -> support::Run {
    let mut args = vec!["query", "policies/one-touch"];
    args.extend_from_slice(act);
    args.extend_from_slice(extra);
    privet(&args)
}

/// 1(2) 1 s.3 and stop operation: with the phase of the data, `query`
/// holds a commercial use to the rules about the data after cancellation,
/// deletion and the stop of operation; without it, the data may be in any
/// phase, so they apply (fail closed).
#[test]
fn query_takes_the_phase_of_the_data() {
    let ask = |extra: &[&str]| {
        query_one_touch(
            &[
                "--action",
                "use",
                "--category",
                "user.contact.email",
                "--purpose",
                "marketing.mailing",
                "--basis",
                "consent",
            ],
            extra,
        )
    };
    let live = ask(&["--phase", "live"]);
    assert!(live.stdout.starts_with("allowed:"), "{}", live.stdout);
    let closed = ask(&["--phase", "account.closed"]);
    assert_eq!(closed.code, 0, "a denial is an answer");
    assert!(closed.stdout.starts_with("denied:"), "{}", closed.stdout);
    assert!(
        closed.stdout.contains(
            "deny use, store, share, transfer, disclose of user for commercial after \
             account.closed, information.deleted\n      cite \"1(2) 1\""
        ),
        "{}",
        closed.stdout
    );
    assert!(
        !closed.stdout.contains("operation.stopped"),
        "{}",
        closed.stdout
    );
    let unknown = ask(&[]);
    assert!(unknown.stdout.starts_with("denied:"), "{}", unknown.stdout);
    assert!(unknown.stdout.contains("cite \"1(2) stop operation\""));
    // Collecting after the stop of operation is refused; a purpose that
    // is not commercial is not, after cancellation.
    let collect = |phase: &str, purpose: &str| {
        query_one_touch(
            &[
                "--action",
                "collect",
                "--category",
                "user.contact.email",
                "--purpose",
                purpose,
                "--basis",
                "consent",
                "--phase",
                phase,
            ],
            &[],
        )
    };
    assert!(
        collect("operation.stopped", "security.login")
            .stdout
            .starts_with("denied:")
    );
    assert!(
        collect("account.closed", "security.login")
            .stdout
            .starts_with("allowed:")
    );
    let typo = ask(&["--phase", "account.clossed"]);
    assert_ne!(typo.code, 0);
    assert!(
        typo.stderr
            .contains("unknown phase `account.clossed`; did you mean `account.closed`?"),
        "{}",
        typo.stderr
    );
}

#[test]
fn query_takes_the_subject_the_data_is_about() {
    // Using order data to provide the service, about `extra`.
    let ask = |extra: &[&str]| {
        query_one_touch(
            &[
                "--action",
                "use",
                "--category",
                "user.order",
                "--purpose",
                "service.provide",
            ],
            extra,
        )
    };
    let child = ask(&["--subject", "customer.child", "--format", "json"]);
    assert_eq!(child.code, 0);
    let answer = child.json();
    assert_eq!(answer["act"]["subject"], "customer.child");
    assert_eq!(answer["allow"], true);
    let human = ask(&["--subject", "customer"]);
    assert_eq!(human.code, 0);
    assert!(
        human
            .stdout
            .starts_with("allowed: use `user.order` for `service.provide` about `customer`\n"),
        "{}",
        human.stdout
    );
    // Without a subject, the act has no `subject` field.
    assert!(
        ask(&["--format", "json"]).json()["act"]
            .get("subject")
            .is_none()
    );
    let misspelt = ask(&["--subject", "customer.kid"]);
    assert_eq!(misspelt.code, 2);
    assert_eq!(
        misspelt.stderr,
        "privet: error: unknown audience `customer.kid`; did you mean `customer.child`?\n"
    );
}

#[test]
fn query_refuses_unknown_names_and_answers_beside_broken_flows() {
    let output = privet(&[
        "query",
        "policies/one-touch",
        "--action",
        "use",
        "--category",
        "user.contact.emial",
        "--purpose",
        "service",
    ]);
    assert_eq!(output.code, 2);
    let stderr = output.stderr;
    assert_eq!(
        stderr,
        "privet: error: unknown category `user.contact.emial`; did you mean `user.contact.email`?\n"
    );

    let output = privet(&[
        "query",
        "policies/violations/purpose-restricted",
        "--action",
        "use",
        "--category",
        "user.device.imei",
        "--purpose",
        "security.login",
    ]);
    // The flow breaking the policy does not change its answer: given, with
    // the error beside it.
    assert_eq!(output.code, 0, "{}", output.stderr);
    assert!(
        output
            .stdout
            .starts_with("allowed: use `user.device.imei` for `security.login`\n"),
        "{}",
        output.stdout
    );
    assert!(output.stderr.contains("error[purpose-restricted]"));
}

/// A program with the given stores, each holding `user`.
fn with_stores(stores: &str) -> String {
    format!(
        "category user.email\npurpose login\nstate account.active\nevent account.closed\n\
         allow collect, use, store of user\nsubject person\n{stores}"
    )
}

fn build_text(text: &str) -> Result<privet::codegen::Output, Vec<String>> {
    let (sources, compilation) = support::compile_text(text);
    assert!(!compilation.has_errors(), "{:?}", compilation.diagnostics);
    privet::codegen::build(&sources, &compilation).map_err(|diagnostics| {
        diagnostics
            .iter()
            .map(|d| format!("{}: {}", d.name.as_str(), d.message))
            .collect()
    })
}

#[test]
fn retention_a_technology_cannot_enforce_is_an_error_of_check() {
    let cases = [
        (
            "store a\n    backed by postgres table \"a\" timestamp \"t\"\n    retain user keep for 1 year then anonymize\n",
            "retention-unenforceable: store `a` anonymizes its rows, but its `backed by postgres` names no `columns` to clear",
        ),
        (
            "store a\n    backed by s3 bucket \"bkt\"\n    retain user while account.active then delete\n",
            "retention-unenforceable: store `a` keeps objects while a state holds, which S3 cannot tell",
        ),
        (
            "store a\n    backed by kafka topic \"t\"\n    retain user while account.active then after account.closed keep for 1 day then delete\n",
            "retention-unenforceable: store `a` keeps records while a state holds, which Kafka cannot tell",
        ),
        (
            "store a\n    backed by s3 bucket \"bkt\"\n    retain user keep for 0 days then delete\n",
            "retention-unenforceable: store `a` keeps objects less than a day, which S3 cannot do",
        ),
    ];
    for (store, expected) in cases {
        let text = with_stores(&format!("{store}flow person -> a carries user for login\n"));
        // `check` reports it, so a program that checks clean always builds;
        // and `build` refuses the program.
        let (sources, compilation) = support::compile_text(&text);
        let errors: Vec<String> = compilation
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| format!("{}: {}", d.name.as_str(), d.message))
            .collect();
        assert_eq!(errors, vec![expected.to_string()], "{text}");
        assert!(privet::codegen::build(&sources, &compilation).is_err());
    }
}

#[test]
fn stores_sharing_a_bucket_or_a_topic_get_one_merged_config() {
    let text = with_stores(
        "store a\n    backed by s3 bucket \"shared\" prefix \"a/\"\n    retain user keep for 30 days then anonymize\n\
         store b\n    backed by s3 bucket \"shared\" prefix \"b/\"\n    retain user keep for 1 month then anonymize\n\
         store c\n    backed by s3 bucket \"shared\" prefix \"a/\"\n    retain user keep for 30 days then delete\n\
         store k\n    backed by kafka topic \"events\"\n    retain user keep for 2 weeks then delete\n\
         store l\n    backed by kafka topic \"events\"\n    retain user keep for 14 days then anonymize\n\
         store m\n    backed by kafka topic \"kept\"\n    retain user forever\n\
         flow person -> a carries user for login\nflow person -> b carries user for login\n\
         flow person -> c carries user for login\nflow person -> k carries user for login\n\
         flow person -> l carries user for login\nflow person -> m carries user for login\n",
    );
    let output = build_text(&text).unwrap();
    let s3: serde_json::Value =
        serde_json::from_slice(&output.files["retention/s3/shared.json"]).unwrap();
    // One rule per prefix, with the fewest days its stores' common duration
    // spans: a month spans 28 to 31 days. (Stores whose lifecycles differ
    // cannot share a prefix or a topic: `retention-unenforceable`.)
    assert_eq!(
        s3,
        serde_json::json!({"Rules": [
            {"ID": "privet a c a/", "Filter": {"Prefix": "a/"}, "Status": "Enabled", "Expiration": {"Days": 30}},
            {"ID": "privet b b/", "Filter": {"Prefix": "b/"}, "Status": "Enabled", "Expiration": {"Days": 28}},
        ]})
    );
    let kafka =
        String::from_utf8(output.files["retention/kafka/events.properties"].clone()).unwrap();
    assert!(kafka.contains("\nretention.ms=1209600000\n"), "{kafka}");
    assert!(kafka.contains("\ncleanup.policy=delete\n"), "{kafka}");
    let kept = String::from_utf8(output.files["retention/kafka/kept.properties"].clone()).unwrap();
    assert!(kept.contains("\nretention.ms=-1\n"), "{kept}");
}

/// The `retention-unenforceable` diagnostics of a program, as
/// `line:column message` of the primary span and of each label.
fn unenforceable(text: &str) -> Vec<String> {
    let (sources, compilation) = support::compile_text(text);
    let at = |span: privet::source::Span| {
        let at = sources.get(span.file).unwrap().line_column(span.start);
        format!("{}:{}", at.line, at.column)
    };
    let found: Vec<String> = compilation
        .diagnostics
        .iter()
        .filter(|d| d.name.as_str() == "retention-unenforceable")
        .map(|d| {
            let mut shown = format!(
                "{} {}: {}",
                at(d.primary.span),
                d.message,
                d.primary.message
            );
            for label in &d.labels {
                shown.push_str(&format!(" | {} {}", at(label.span), label.message));
            }
            shown
        })
        .collect();
    if !found.is_empty() {
        assert!(privet::codegen::build(&sources, &compilation).is_err());
    }
    found
}

#[test]
fn clauses_of_a_postgres_store_that_end_at_different_times_are_unenforceable() {
    // The clauses count from different points (the account's closing, and
    // collection) with one timestamp column: one job would keep the logs for
    // the account's life and delete the orders 30 days after closing.
    let text = with_stores(
        "store s\n    backed by postgres table \"orders\" timestamp \"closed_at\"\n\
         \x20   retain user while account.active then after account.closed keep for 3 years then delete\n\
         \x20   retain user.email keep for 30 days then delete\n\
         flow person -> s carries user for login\n",
    );
    assert_eq!(
        unenforceable(&text),
        vec![
            "10:23 the `retain` clauses of store `s` end its data at different times, which one job cannot do: \
             ends 30 days after collection | 9:17 ends 3 years after `account.closed`, in the same store"
                .to_string()
        ]
    );
    // The same start but another duration, or data kept by one clause and
    // destroyed by the other.
    for second in [
        "after account.closed keep for 30 days then delete",
        "while account.active then keep for 3 years then delete",
        "forever",
        "after account.closed keep for 3 years then archive",
    ] {
        let text = with_stores(&format!(
            "store s\n    backed by postgres table \"orders\" timestamp \"closed_at\" columns \"email\"\n\
             \x20   retain user after account.closed keep for 3 years then delete\n\
             \x20   retain user.email {second}\n\
             flow person -> s carries user for login\n",
        ));
        assert_eq!(unenforceable(&text).len(), 1, "{second}");
    }
    // Clauses that end at the same time are one job: deleting and clearing
    // the same rows at once.
    let text = with_stores(
        "store s\n    backed by postgres table \"orders\" timestamp \"closed_at\" columns \"email\"\n\
         \x20   retain user while account.active then after account.closed keep for 36 months then delete\n\
         \x20   retain user.email after account.closed keep for 3 years then anonymize\n\
         flow person -> s carries user for login\n",
    );
    assert_eq!(unenforceable(&text), Vec::<String>::new());
    let output = build_text(&text).unwrap();
    let job = String::from_utf8(output.files["retention/postgres/s.sql"].clone()).unwrap();
    assert_eq!(
        job.matches("< now() - interval '36 months 0 days'").count(),
        2,
        "{job}"
    );
}

#[test]
fn stores_whose_s3_prefixes_nest_must_end_their_objects_at_the_same_time() {
    // S3 applies every rule whose prefix matches, and the earliest expiry
    // wins: a rule for `data/` would expire the legal records too.
    let text = with_stores(
        "store logs\n    backed by s3 bucket \"bkt\" prefix \"data/\"\n    retain user keep for 30 days then delete\n\
         store legal\n    backed by s3 bucket \"bkt\" prefix \"data/legal/\"\n    retain user forever\n\
         flow person -> logs carries user for login\nflow person -> legal carries user for login\n",
    );
    assert_eq!(
        unenforceable(&text),
        vec![
            "11:5 stores `logs` and `legal` share objects of bucket `bkt` under prefix `data/legal/`, but end their data at different times: \
             overlaps store `logs` | 12:17 keeps its data | 8:5 store `logs`: objects of bucket `bkt` under prefix `data/` \
             | 9:17 store `logs` ends 30 days after collection"
                .to_string()
        ]
    );
    // The empty prefix holds every key; equal prefixes nest too; so does a
    // topic or a table shared by two stores.
    for (first, second) in [
        ("s3 bucket \"bkt\"", "s3 bucket \"bkt\" prefix \"x/\""),
        ("s3 bucket \"bkt\" prefix \"x/\"", "s3 bucket \"bkt\""),
        (
            "s3 bucket \"bkt\" prefix \"x/\"",
            "s3 bucket \"bkt\" prefix \"x/\"",
        ),
        ("kafka topic \"t\"", "kafka topic \"t\""),
        (
            "postgres table \"t\" timestamp \"a\"",
            "postgres table \"t\" timestamp \"b\"",
        ),
    ] {
        let text = with_stores(&format!(
            "store one\n    backed by {first}\n    retain user keep for 30 days then delete\n\
             store two\n    backed by {second}\n    retain user keep for 1 year then delete\n\
             flow person -> one carries user for login\nflow person -> two carries user for login\n",
        ));
        assert_eq!(unenforceable(&text).len(), 1, "{first} and {second}");
    }
    // Prefixes that do not nest, another bucket, or the same lifecycle.
    for (first, second, duration) in [
        (
            "s3 bucket \"bkt\" prefix \"x/\"",
            "s3 bucket \"bkt\" prefix \"y/\"",
            "1 year",
        ),
        ("s3 bucket \"bkt\"", "s3 bucket \"ckt\"", "1 year"),
        (
            "s3 bucket \"bkt\"",
            "s3 bucket \"bkt\" prefix \"x/\"",
            "30 days",
        ),
    ] {
        let text = with_stores(&format!(
            "store one\n    backed by {first}\n    retain user keep for 30 days then delete\n\
             store two\n    backed by {second}\n    retain user keep for {duration} then delete\n\
             flow person -> one carries user for login\nflow person -> two carries user for login\n",
        ));
        assert_eq!(
            unenforceable(&text),
            Vec::<String>::new(),
            "{first} and {second}"
        );
        assert!(build_text(&text).is_ok());
    }
}

#[test]
fn retention_files_of_different_stores_never_share_a_name() {
    // `a.schedule`'s job would once have been `a`'s pg_cron schedule.
    let text = with_stores(
        "store a\n    backed by postgres table \"a\" timestamp \"t\"\n    retain user keep for 1 year then delete\n\
         store a.schedule\n    backed by postgres table \"b\" timestamp \"t\"\n    retain user keep for 2 years then delete\n\
         flow person -> a carries user for login\nflow person -> a.schedule carries user for login\n",
    );
    let output = build_text(&text).unwrap();
    let privet_json: serde_json::Value =
        serde_json::from_slice(&output.files["privet.json"]).unwrap();
    let mut files = Vec::new();
    for store in privet_json["stores"].as_array().unwrap() {
        let name = store["name"].as_str().unwrap();
        let job = &store["retention"][0]["job"];
        let (file, schedule) = (
            job["file"].as_str().unwrap(),
            job["schedule"].as_str().unwrap(),
        );
        let table = if name == "a" { "\"a\"" } else { "\"b\"" };
        for path in [file, schedule] {
            let text = String::from_utf8(output.files[path].clone()).unwrap();
            assert!(
                text.contains(&format!("DELETE FROM {table}\n")),
                "{path}: {text}"
            );
            assert!(text.contains(&format!("store `{name}`")), "{path}: {text}");
        }
        files.extend([file.to_string(), schedule.to_string()]);
    }
    files.sort();
    files.dedup();
    assert_eq!(
        files,
        [
            "retention/pg_cron/a.schedule.sql",
            "retention/pg_cron/a.sql",
            "retention/postgres/a.schedule.sql",
            "retention/postgres/a.sql",
        ]
    );
}

/// 1(1): with what the data was collected for, `query` binds it: the
/// phone number given to order is not used for the mailing list without
/// consent to the new purpose, although every rule permits the use.
#[test]
fn query_binds_the_purposes_the_data_was_collected_for() {
    let ask = |extra: &[&str]| {
        query_one_touch(
            &[
                "--action",
                "use",
                "--category",
                "user.contact.phone",
                "--purpose",
                "marketing.mailing",
                "--basis",
                "consent",
                "--phase",
                "live",
            ],
            extra,
        )
    };
    let unbound = ask(&[]);
    assert!(unbound.stdout.starts_with("allowed:"), "{}", unbound.stdout);
    let bound = ask(&["--collected-for", "service.provide"]);
    assert_eq!(bound.code, 0, "a denial is an answer");
    assert!(bound.stdout.starts_with("denied:"), "{}", bound.stdout);
    let renewed = ask(&[
        "--collected-for",
        "service.provide",
        "--basis",
        "consent.new_purpose",
    ]);
    assert!(renewed.stdout.starts_with("allowed:"), "{}", renewed.stdout);
    let unknown = ask(&["--collected-for", "service.provid"]);
    assert_eq!(unknown.code, 2);
    insta::assert_snapshot!(
        "query_collected_for",
        format!("{}\n{}\n{}", bound.stdout, renewed.stdout, unknown.stderr)
    );
}

/// 2(2): once the person unsubscribed, `query --opt-out unsubscribe` denies
/// the tracking of e-mail clicks, which is allowed otherwise; a misspelt
/// opt-out is a usage error with the nearest name.
#[test]
fn query_takes_the_opt_outs_the_person_took() {
    let ask = |extra: &[&str]| {
        query_one_touch(
            &[
                "--action",
                "collect",
                "--category",
                "user.tracking.clicks",
                "--purpose",
                "tracking.clicks",
                "--phase",
                "live",
            ],
            extra,
        )
    };
    let tracked = ask(&[]);
    assert!(tracked.stdout.starts_with("allowed:"), "{}", tracked.stdout);
    let opted_out = ask(&["--opt-out", "unsubscribe"]);
    assert_eq!(opted_out.code, 0, "a denial is an answer");
    assert!(
        opted_out.stdout.starts_with(
            "denied: collect `user.tracking.clicks` for `tracking.clicks`, having opted out `unsubscribe`\n"
        ),
        "{}",
        opted_out.stdout
    );
    let json = ask(&["--opt-out", "unsubscribe", "--format", "json"]).json();
    assert_eq!(json["allow"], false);
    assert_eq!(json["act"]["opt_outs"], serde_json::json!(["unsubscribe"]));
    assert_eq!(json["reasons"][0]["kind"], "opt out");
    // Blocking cookies does not stop the tracking of clicks.
    let cookies = ask(&["--opt-out", "cookies.blocked"]);
    assert!(cookies.stdout.starts_with("allowed:"), "{}", cookies.stdout);
    let misspelt = ask(&["--opt-out", "unsubscibe"]);
    assert_eq!(misspelt.code, 2);
    assert_eq!(
        misspelt.stderr,
        "privet: error: unknown opt-out `unsubscibe`; did you mean `unsubscribe`?\n"
    );
    insta::assert_snapshot!("query_opt_out", opted_out.stdout);
}
