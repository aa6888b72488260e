//! The OPA bundle of `privet build`, loaded into the real OPA engine (Go),
//! against `privet query`'s decision: `allow` and `reasons`, value for
//! value, on acts of the One Touch policy, on random acts of generated
//! policies, and on inputs that are not acts. tests/opa_differential.rs
//! proves the same Rego against regorus, exhaustively; this test proves
//! that OPA itself reads it the same way.
//!
//! The engine is OPA's Go `rego` package as a c-shared library, from the
//! PyPI wheel `opa-golib-python-bindings`, driven by tests/opa/opa_eval.py
//! (which loads the bundle as OPA does and evaluates a list of inputs in
//! one process). `.ci/run` installs the wheel in a virtual environment and
//! names its Python in `PRIVET_OPA_PYTHON`; without it the test uses
//! `python3`, and where that cannot import the engine it prints SKIPPED
//! (under `CI=true` it fails instead).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use privet::generate::SplitMix64;
use privet::model::{Action, Namespace, PartyKind, Program, Vocabulary};
use privet::query::{ActInput, LIVE};
use privet::source::SourceMap;
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The exit code of the driver when it cannot import the engine.
const ENGINE_MISSING: i32 = 3;

fn python() -> PathBuf {
    std::env::var_os("PRIVET_OPA_PYTHON").map_or_else(|| PathBuf::from("python3"), PathBuf::from)
}

fn driver() -> PathBuf {
    support::root().join("tests/opa/opa_eval.py")
}

/// The version of OPA the engine was built from, or `None` (after saying
/// SKIPPED, or failing under CI) when the engine is not installed.
fn opa_version() -> Option<String> {
    let why = "the real OPA engine is not installed (`pip install --ignore-requires-python \
               opa-golib-python-bindings`, or set PRIVET_OPA_PYTHON to a Python that has it); \
               the real-OPA differential test did not run";
    let output = match Command::new(python())
        .arg(driver())
        .arg("--version")
        .output()
    {
        Ok(output) => output,
        Err(error) => {
            support::tool_missing(&format!("{why}: cannot run {:?}: {error}", python()));
            return None;
        }
    };
    if output.status.code() == Some(ENGINE_MISSING) {
        support::tool_missing(&format!(
            "{why}: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
        return None;
    }
    assert!(output.status.success(), "{output:?}");
    Some(String::from_utf8(output.stdout).unwrap().trim().to_string())
}

macro_rules! require_opa {
    () => {
        match opa_version() {
            Some(version) => version,
            None => return,
        }
    };
}

/// Evaluates `document` of the bundle at `bundle` (a `.tar.gz` or a
/// directory) in OPA, once per input, in one process; the values, `null`
/// where the document is undefined.
fn opa_eval(bundle: &Path, document: &str, inputs: &[Value]) -> Vec<Value> {
    let request = json!({
        "evals": inputs
            .iter()
            .map(|input| json!({"document": document, "input": input}))
            .collect::<Vec<_>>(),
    });
    let mut child = Command::new(python())
        .arg(driver())
        .arg(bundle)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let bytes = serde_json::to_vec(&request).unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&bytes).unwrap());
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(
        output.status.success(),
        "the OPA driver failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answer: Value = serde_json::from_slice(&output.stdout).unwrap();
    let results = answer["results"].as_array().unwrap().clone();
    assert_eq!(results.len(), inputs.len());
    results
}

/// What `privet query` answers for an input, as the bundle's `answer`
/// document has it.
fn privet_answer(sources: &SourceMap, program: &Program, input: &ActInput) -> Value {
    let answer = privet::query::answer(sources, program, input)
        .unwrap_or_else(|error| panic!("privet refuses {input:?}: {error}"));
    json!({"allow": answer.allow, "reasons": answer.reasons})
}

/// Asserts that OPA's answer to each input is privet's; returns how many
/// were allowed.
fn assert_agree(
    sources: &SourceMap,
    program: &Program,
    inputs: &[ActInput],
    answers: &[Value],
    what: &str,
) -> usize {
    let mut allowed = 0;
    for (input, got) in inputs.iter().zip(answers) {
        let want = privet_answer(sources, program, input);
        assert_eq!(
            got,
            &want,
            "{what}: OPA and privet disagree on {}",
            serde_json::to_string(input).unwrap()
        );
        allowed += usize::from(want["allow"] == true);
    }
    allowed
}

fn names(vocabulary: &Vocabulary) -> Vec<String> {
    vocabulary.names().map(str::to_string).collect()
}

/// Some of `items` (none to `most`), by name.
fn some(random: &mut SplitMix64, items: &[String], most: usize) -> Vec<String> {
    random.some(items, most).into_iter().cloned().collect()
}

/// An input for `action` of `category` for `purpose` to `recipient`, with
/// the other dimensions drawn from the program's names: up to two bases
/// (sometimes with the notices of a basis `after notice`), a region seven
/// times in ten, Do Not Track half the time, a subject half the time, the
/// phase not known, live or after an event, up to two opt-outs and
/// notices, and what the data was collected for a third of the time.
fn sampled_input(
    random: &mut SplitMix64,
    program: &Program,
    (action, category, purpose, recipient): (Action, &str, &str, PartyKind),
) -> ActInput {
    let purposes = names(program.purposes());
    let regions = names(program.regions());
    let audiences = names(program.audiences());
    let mut phases = vec![LIVE.to_string()];
    phases.extend(names(program.vocabulary(Namespace::Event)));
    ActInput {
        action: action.as_str().to_string(),
        category: category.to_string(),
        purpose: purpose.to_string(),
        recipient: recipient.as_str().to_string(),
        bases: some(random, &names(program.bases()), 2),
        region: if random.chance(70) {
            random.pick(&regions).cloned()
        } else {
            None
        },
        dnt: random.chance(50),
        subject: if random.chance(50) {
            random.pick(&audiences).cloned()
        } else {
            None
        },
        phase: if random.chance(50) {
            random.pick(&phases).cloned()
        } else {
            None
        },
        collected_for: if random.chance(33) {
            some(random, &purposes, 2)
        } else {
            Vec::new()
        },
        opt_outs: some(random, &names(program.vocabulary(Namespace::OptOut)), 2),
        notified: some(random, &names(program.vocabulary(Namespace::Obligation)), 2),
    }
}

fn leaf_names(vocabulary: &Vocabulary) -> Vec<String> {
    vocabulary
        .leaf_ids()
        .map(|id| vocabulary.name(id).to_string())
        .collect()
}

/// Builds the One Touch policy with the `privet` binary, as a user does,
/// into a scratch directory; the output directory.
fn build_one_touch(scratch: &Path) -> PathBuf {
    let out = scratch.join("out");
    let run = support::privet(&[
        "build".as_ref(),
        "policies/one-touch".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    out
}

#[test]
fn real_opa_agrees_with_privet_on_the_one_touch_policy() {
    let version = require_opa!();
    let scratch = tempfile::tempdir().unwrap();
    let out = build_one_touch(scratch.path());
    let (sources, compilation) = support::compile_files(&support::privet_files(
        &support::root().join("policies/one-touch"),
    ));
    let program = &compilation.program;
    // Every action, leaf category, leaf purpose and recipient, each with
    // the other dimensions drawn at random (seeded); then as many acts
    // again of any names, broad or leaf.
    let categories = leaf_names(program.categories());
    let purposes = leaf_names(program.purposes());
    let mut random = SplitMix64::new(19);
    let mut inputs = Vec::new();
    for action in Action::ALL {
        for category in &categories {
            for purpose in &purposes {
                for recipient in PartyKind::ALL {
                    inputs.push(sampled_input(
                        &mut random,
                        program,
                        (action, category, purpose, recipient),
                    ));
                }
            }
        }
    }
    let leaf_acts = inputs.len();
    let (all_categories, all_purposes) = (names(program.categories()), names(program.purposes()));
    for _ in 0..leaf_acts {
        let act = (
            *random.pick(&Action::ALL).unwrap(),
            random.pick(&all_categories).unwrap().as_str(),
            random.pick(&all_purposes).unwrap().as_str(),
            *random.pick(&PartyKind::ALL).unwrap(),
        );
        inputs.push(sampled_input(&mut random, program, act));
    }
    let values: Vec<Value> = inputs
        .iter()
        .map(|input| serde_json::to_value(input).unwrap())
        .collect();
    let answers = opa_eval(&out.join("bundle.tar.gz"), "privet.answer", &values);
    let allowed = assert_agree(&sources, program, &inputs, &answers, "One Touch");
    // Both sides decide: a test where everything is denied proves little.
    assert!(allowed * 20 > inputs.len(), "{allowed} of {}", inputs.len());
    assert!(allowed * 2 < inputs.len(), "{allowed} of {}", inputs.len());
    // The bundle as a directory is the same bundle: a sample of the acts.
    let sample: Vec<Value> = values.iter().step_by(97).cloned().collect();
    assert_eq!(
        opa_eval(&out.join("bundle"), "privet.answer", &sample),
        answers.iter().step_by(97).cloned().collect::<Vec<_>>()
    );
    writeln!(
        std::io::stderr(),
        "OPA {version} and privet agree on {} acts of the One Touch policy ({} allowed): \
         every action x {} leaf categories x {} leaf purposes x recipient ({leaf_acts}), \
         and {leaf_acts} of any names, the rest of each act drawn at random",
        inputs.len(),
        allowed,
        categories.len(),
        purposes.len(),
    )
    .unwrap();
}

#[test]
fn real_opa_agrees_with_privet_on_generated_programs() {
    let version = require_opa!();
    let scratch = tempfile::tempdir().unwrap();
    let mut compared = 0;
    for seed in 0..6 {
        let text = privet::generate::program(seed, 80);
        let (sources, compilation) = support::compile_text(&text);
        assert!(!compilation.has_errors(), "seed {seed}");
        let program = &compilation.program;
        // The bundle alone, as `bundle.tar.gz`: `build` may refuse a
        // generated store's retention.
        let (bundle, _) = privet::codegen::bundle(&sources, program);
        let archive = scratch.path().join(format!("bundle-{seed}.tar.gz"));
        std::fs::write(&archive, privet::codegen::archive::tar_gz(&bundle)).unwrap();
        let mut random = SplitMix64::new(seed);
        let (categories, purposes) = (names(program.categories()), names(program.purposes()));
        let inputs: Vec<ActInput> = (0..300)
            .map(|_| {
                let act = (
                    *random.pick(&Action::ALL).unwrap(),
                    random.pick(&categories).unwrap().as_str(),
                    random.pick(&purposes).unwrap().as_str(),
                    *random.pick(&PartyKind::ALL).unwrap(),
                );
                sampled_input(&mut random, program, act)
            })
            .collect();
        let values: Vec<Value> = inputs
            .iter()
            .map(|input| serde_json::to_value(input).unwrap())
            .collect();
        let answers = opa_eval(&archive, "privet.answer", &values);
        assert_agree(
            &sources,
            program,
            &inputs,
            &answers,
            &format!("seed {seed}"),
        );
        compared += inputs.len();
    }
    writeln!(
        std::io::stderr(),
        "OPA {version} and privet agree on {compared} random acts of 6 generated programs"
    )
    .unwrap();
}

/// Inputs that are not acts of the One Touch policy, each with the fields
/// the bundle must name in its `invalid_input` reasons.
fn malformed() -> Vec<(Value, Vec<&'static str>)> {
    let act = json!({"action": "use", "category": "user", "purpose": "service"});
    let with = |field: &str, value: Value| {
        let mut input = act.clone();
        input[field] = value;
        input
    };
    let without = |field: &str| {
        let mut input = act.clone();
        input.as_object_mut().unwrap().remove(field);
        input
    };
    vec![
        (json!("use"), vec!["input"]),
        (json!(42), vec!["input"]),
        (json!([act.clone()]), vec!["input"]),
        (json!({}), vec!["action", "category", "purpose"]),
        (without("action"), vec!["action"]),
        (without("category"), vec!["category"]),
        (without("purpose"), vec!["purpose"]),
        (with("action", json!("sell")), vec!["action"]),
        (with("action", json!(1)), vec!["action"]),
        (with("category", json!("user.emial")), vec!["category"]),
        (with("category", json!(["user"])), vec!["category"]),
        (with("purpose", json!("markting")), vec!["purpose"]),
        (with("recipient", json!("friend")), vec!["recipient"]),
        (with("recipient", Value::Null), vec!["recipient"]),
        (with("bases", json!("consent")), vec!["bases"]),
        (with("bases", json!(["consnet"])), vec!["bases"]),
        (with("region", json!("mars")), vec!["region"]),
        (with("region", json!(7)), vec!["region"]),
        (with("dnt", json!("yes")), vec!["dnt"]),
        (with("subject", json!("martian")), vec!["subject"]),
        (with("phase", json!("account.reopened")), vec!["phase"]),
        (
            with("collected_for", json!("service")),
            vec!["collected_for"],
        ),
        (
            with("collected_for", json!(["servise"])),
            vec!["collected_for"],
        ),
        (with("opt_outs", json!(["never"])), vec!["opt_outs"]),
        (with("opt_outs", json!(true)), vec!["opt_outs"]),
        (with("notified", json!(["nothing"])), vec!["notified"]),
    ]
}

#[test]
fn real_opa_denies_inputs_that_are_not_acts() {
    let version = require_opa!();
    let scratch = tempfile::tempdir().unwrap();
    let out = build_one_touch(scratch.path());
    let cases = malformed();
    let inputs: Vec<Value> = cases.iter().map(|(input, _)| input.clone()).collect();
    let answers = opa_eval(&out.join("bundle.tar.gz"), "privet.answer", &inputs);
    let (sources, compilation) = support::compile_files(&support::privet_files(
        &support::root().join("policies/one-touch"),
    ));
    let mut report = Vec::new();
    for ((input, fields), answer) in cases.iter().zip(&answers) {
        assert_eq!(answer["allow"], false, "{input}: {answer}");
        let reasons = answer["reasons"].as_array().unwrap();
        let got: Vec<&str> = reasons
            .iter()
            .map(|reason| {
                assert_eq!(reason["reason"], "invalid_input", "{input}: {answer}");
                reason["field"].as_str().unwrap()
            })
            .collect();
        if &got != fields {
            report.push(format!("{input}: fields {got:?}, expected {fields:?}"));
        }
        // privet query refuses the same input.
        if let Ok(parsed) = serde_json::from_value::<ActInput>(input.clone()) {
            assert!(
                privet::query::answer(&sources, &compilation.program, &parsed).is_err(),
                "privet answers {input}"
            );
        }
    }
    assert!(report.is_empty(), "{}", report.join("\n"));
    // The well-formed act beside them is answered.
    let ok = opa_eval(
        &out.join("bundle.tar.gz"),
        "privet.answer",
        &[json!({"action": "use", "category": "user", "purpose": "service"})],
    );
    assert!(
        ok[0]["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["reason"] != "invalid_input")
    );
    writeln!(
        std::io::stderr(),
        "OPA {version} denies all {} malformed inputs with `invalid_input`",
        cases.len()
    )
    .unwrap();
}

#[test]
fn the_documentation_names_the_opa_version_tested() {
    let version = require_opa!();
    let doc = std::fs::read_to_string(support::root().join("docs/enforcement.md")).unwrap();
    assert!(
        doc.contains(&format!("OPA {version}")),
        "docs/enforcement.md does not name OPA {version}, the version the test ran"
    );
}
