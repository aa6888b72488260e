//! The generated OPA policy, evaluated by a real Rego engine (regorus),
//! against privet's own decision function: every act of the One Touch
//! policy's finite domain, and random acts of random policies. Same `allow`,
//! same reasons (the deciding rules, and the atoms no rule allows), value
//! for value.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use privet::check::{Act, decide};
use privet::codegen::{self, Output};
use privet::model::{Action, NameId, Namespace, PartyKind, Program};
use privet::pipeline::Compilation;
use privet::query::{ActInput, RuleInfo, judge, reasons, resolve_collected_for};
use privet::source::SourceMap;
use proptest::prelude::*;
use serde_json::{Value, json};
use std::io::Write;
use std::path::Path;
use std::time::Instant;

/// A test module beside the bundle. `batch` decides every (category,
/// purpose) pair of `data.privet_test.pairs`, about each subject of
/// `data.privet_test.subjects` (null: not known), for the act in `input`
/// with the bundle's own functions, in the order `decision` composes them:
/// the rules the act engages once, then the atoms of each pair, once per
/// distinct set of audience classes the subjects stand for. `top` reads the
/// bundle's entry points, `allow` and `reasons`, for the act in `input`.
const TEST_MODULE: &str = r#"
package privet_test

import rego.v1

batch := [[verdicts[key] | some key in keys] |
	engaged := data.privet.engaged_rules(data.privet.normalized(input))
	some pair in data.privet_test.pairs
	verdicts := {key: data.privet.verdict(data.privet.atoms(engaged, pair[0], pair[1], {k | some k in key})) |
		some key in distinct_keys
	}
]

# The audience classes of each subject, as a sorted list.
keys := [sort(data.privet.subject_classes(subject)) | some subject in data.privet_test.subjects]

distinct_keys := {key | some key in keys}

top := {"allow": data.privet.allow, "reasons": data.privet.reasons}

secondary := data.privet.secondary_use(data.privet.normalized(input))

answer := data.privet.answer
"#;

fn engine(output: &Output) -> regorus::Engine {
    let text = |path: &str| String::from_utf8(output.files[path].clone()).unwrap();
    let mut engine = regorus::Engine::new();
    engine
        .add_policy(
            "privet/policy.rego".to_string(),
            text("bundle/privet/policy.rego"),
        )
        .unwrap();
    engine.add_data_json(&text("bundle/data.json")).unwrap();
    engine
        .add_policy("privet_test.rego".to_string(), TEST_MODULE.to_string())
        .unwrap();
    engine
}

fn build(sources: &SourceMap, compilation: &Compilation) -> Output {
    codegen::build(sources, compilation).unwrap_or_else(|diagnostics| {
        panic!("the program does not build: {diagnostics:?}");
    })
}

/// What the Rego must answer for an act: privet's decision and reasons.
fn expected(program: &Program, infos: &[RuleInfo], act: &Act) -> Value {
    let decision = decide(program, act);
    json!({
        "allow": decision.allowed,
        "reasons": serde_json::to_value(reasons(program, infos, &decision)).unwrap(),
    })
}

/// The same for an act of data collected for some purposes: privet's
/// judgement with its purpose binding.
fn expected_bound(
    program: &Program,
    infos: &[RuleInfo],
    act: &Act,
    collected_for: &[NameId],
) -> Value {
    let (allow, reasons) = judge(program, infos, act, collected_for);
    json!({"allow": allow, "reasons": serde_json::to_value(reasons).unwrap()})
}

fn to_json(value: &regorus::Value) -> Value {
    serde_json::to_value(value).unwrap()
}

/// Compares the Rego and privet on every act of the program's domain (each
/// context with every pair of a category and a purpose, about no subject and
/// each audience), on `threads` threads; returns the number of acts
/// compared.
fn compare_domain(sources: &SourceMap, compilation: &Compilation, threads: usize) -> usize {
    let program = &compilation.program;
    let output = build(sources, compilation);
    let infos = RuleInfo::all(sources, program);
    let subjects: Vec<Option<NameId>> = std::iter::once(None)
        .chain(program.audiences().ids().map(Some))
        .collect();
    let subject_names: Vec<Value> = subjects
        .iter()
        .map(|subject| match subject {
            Some(id) => json!(program.audiences().name(*id)),
            None => Value::Null,
        })
        .collect();
    let pairs: Vec<(NameId, NameId)> = program
        .categories()
        .ids()
        .flat_map(|c| program.purposes().ids().map(move |p| (c, p)))
        .collect();
    let pair_names: Vec<Value> = pairs
        .iter()
        .map(|(c, p)| json!([program.categories().name(*c), program.purposes().name(*p)]))
        .collect();
    let mut base = engine(&output);
    base.add_data(regorus::Value::from(
        json!({"privet_test": {"pairs": pair_names, "subjects": subject_names}}),
    ))
    .unwrap();
    // Every context in a phase not known; the contexts of no person's
    // choice, no region and a first- or third-party recipient also in each
    // known phase choice. The phase is a condition of its own in each rule,
    // beside the region and the recipient (`phase_engaged` in the Rego), and
    // One Touch has no rule with both: crossing it with every region and
    // recipient would multiply the domain, and the test's time, fivefold.
    let contexts: Vec<Act> = support::contexts(program)
        .into_iter()
        .flat_map(|context| {
            let choices = if phase_context(&context) {
                phase_choices(program)
            } else {
                vec![None]
            };
            choices
                .into_iter()
                .map(move |phase| (context.clone(), phase))
        })
        .map(|(context, phase)| Act {
            phases: match phase {
                Some(phase) => program.phase_set(phase),
                None => program.all_phases(),
            },
            ..context
        })
        .collect();
    let chunk = contexts.len().div_ceil(threads.max(1));
    std::thread::scope(|scope| {
        let handles: Vec<_> = contexts
            .chunks(chunk.max(1))
            .enumerate()
            .map(|(thread, part)| {
                let mut engine = base.clone();
                let pairs = &pairs;
                let infos = &infos;
                let subjects = &subjects;
                scope.spawn(move || {
                    let mut compared = 0;
                    for (index, context) in part.iter().enumerate() {
                        let input = serde_json::to_value(ActInput::of(program, context)).unwrap();
                        engine.set_input(regorus::Value::from(input.clone()));
                        let batch = engine
                            .eval_rule("data.privet_test.batch".to_string())
                            .unwrap();
                        let batch = to_json(&batch);
                        let answers = batch.as_array().unwrap();
                        assert_eq!(answers.len(), pairs.len());
                        for ((category, purpose), answers) in pairs.iter().zip(answers) {
                            let answers = answers.as_array().unwrap();
                            assert_eq!(answers.len(), subjects.len());
                            for (subject, answer) in subjects.iter().zip(answers) {
                                let act = Act {
                                    category: *category,
                                    purpose: *purpose,
                                    audiences: subject.iter().copied().collect(),
                                    ..context.clone()
                                };
                                let want = expected(program, infos, &act);
                                assert_eq!(
                                    answer,
                                    &want,
                                    "the Rego and privet disagree on {}",
                                    serde_json::to_string(&ActInput::of(program, &act)).unwrap()
                                );
                                compared += 1;
                            }
                        }
                        // The entry points, for one act of each context
                        // (rotating through the pairs and subjects):
                        // `allow` and `reasons` are `decision` of the input.
                        let (category, purpose) = pairs[(index * 7 + thread) % pairs.len()];
                        let subject = subjects[(index * 3 + thread) % subjects.len()];
                        let act = Act {
                            category,
                            purpose,
                            audiences: subject.into_iter().collect(),
                            ..context.clone()
                        };
                        let input = serde_json::to_value(ActInput::of(program, &act)).unwrap();
                        engine.set_input(regorus::Value::from(input));
                        let top = to_json(
                            &engine
                                .eval_rule("data.privet_test.top".to_string())
                                .unwrap(),
                        );
                        assert_eq!(top, expected(program, infos, &act));
                    }
                    compared
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    })
}

#[test]
fn the_rego_agrees_with_privet_on_every_act_of_the_one_touch_policy() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/one-touch");
    let (sources, compilation) = support::compile_files(&support::privet_files(&root));
    let program = &compilation.program;
    let start = Instant::now();
    let compared = compare_domain(&sources, &compilation, 2);
    // A basis `after notice` is decided without and with its notice; the
    // choices are Do Not Track off and on, each opt-out alone, and all of
    // them with Do Not Track.
    let noticed = program
        .bases()
        .ids()
        .filter(|b| !program.basis_notices(*b).is_empty())
        .count();
    let choices = 2 + program.opt_outs.len() + usize::from(!program.opt_outs.is_empty());
    let per_context = Action::ALL.len()
        * program.categories().len()
        * program.purposes().len()
        * (program.bases().len() + 1 + noticed)
        * (program.audiences().len() + 1);
    // Every context in a phase not known, and the contexts of no choice, no
    // region and two recipients in each other phase choice.
    let domain = per_context * PartyKind::ALL.len() * (program.regions().len() + 1) * choices
        + per_context * PHASE_RECIPIENTS.len() * (phase_choices(program).len() - 1);
    assert!(
        program.audiences().len() > 1,
        "One Touch declares its audiences"
    );
    assert!(
        phase_choices(program).len() > 3 && program.opt_outs.len() > 1 && noticed > 0,
        "One Touch has rules about the data after events, opt-outs and a basis after notice"
    );
    assert_eq!(compared, domain);
    // Straight to standard error, so that the harness shows it.
    writeln!(
        std::io::stderr(),
        "regorus and privet agree on all {compared} acts of the One Touch policy \
         ({} actions x {} categories x {} purposes x {} recipients x {} basis choices \
         x {} region choices x {} Do Not Track and opt-out choices x {} subject choices, \
         in a phase not known; and {} more phase choices without a choice or a region, \
         to two recipients) in {:.1?}",
        Action::ALL.len(),
        program.categories().len(),
        program.purposes().len(),
        PartyKind::ALL.len(),
        program.bases().len() + 1 + noticed,
        program.regions().len() + 1,
        choices,
        program.audiences().len() + 1,
        phase_choices(program).len() - 1,
        start.elapsed()
    )
    .unwrap();
}

/// Purpose binding on the One Touch policy, exhaustively: for every purpose
/// name, every choice of what the data was collected for (nothing, each
/// purpose name, and each pair of a purpose with a compatible one's
/// neighbour) and every basis choice, the Rego's secondary uses equal
/// privet's; and the bundle's answer composes them with the decision, on
/// acts of every kind.
#[test]
fn the_rego_binds_purposes_as_privet_on_the_one_touch_policy() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/one-touch");
    let (sources, compilation) = support::compile_files(&support::privet_files(&root));
    let program = &compilation.program;
    let infos = RuleInfo::all(&sources, program);
    let mut engine = engine(&build(&sources, &compilation));
    let purposes: Vec<NameId> = program.purposes().ids().collect();
    let mut collections: Vec<Vec<NameId>> = vec![Vec::new()];
    collections.extend(purposes.iter().map(|p| vec![*p]));
    collections.extend(purposes.windows(2).map(|pair| pair.to_vec()));
    let mut basis_choices: Vec<Vec<NameId>> = vec![Vec::new()];
    basis_choices.extend(program.bases().ids().map(|b| vec![b]));
    let mut compared = 0;
    for collected_for in &collections {
        for bases in &basis_choices {
            for purpose in &purposes {
                let act = Act {
                    action: Action::Use,
                    category: program.categories().ids().next().unwrap(),
                    purpose: *purpose,
                    recipient: PartyKind::FirstParty,
                    bases: bases.clone(),
                    region: None,
                    do_not_track: false,
                    audiences: Vec::new(),
                    phases: program.all_phases(),
                    opt_outs: Vec::new(),
                    notified: Vec::new(),
                };
                let mut input = ActInput::of(program, &act);
                input.collected_for = collected_for
                    .iter()
                    .map(|p| program.purposes().name(*p).to_string())
                    .collect();
                engine.set_input(regorus::Value::from(serde_json::to_value(&input).unwrap()));
                let got = to_json(
                    &engine
                        .eval_rule("data.privet_test.secondary".to_string())
                        .unwrap(),
                );
                let (_, reasons) = judge(program, &infos, &act, collected_for);
                let want: Vec<Value> = serde_json::to_value(reasons)
                    .unwrap()
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|r| r["reason"] == "secondary_use")
                    .cloned()
                    .collect();
                assert_eq!(
                    got,
                    Value::Array(want),
                    "{}",
                    serde_json::to_string(&input).unwrap()
                );
                compared += 1;
            }
        }
    }
    // The composition, on acts of every kind with data of known purposes.
    let mut random = privet::generate::SplitMix64::new(11);
    for _ in 0..2_000 {
        let act = sample_act(&mut random, program);
        let collected_for = random.pick(&collections).unwrap().clone();
        let mut input = ActInput::of(program, &act);
        input.collected_for = collected_for
            .iter()
            .map(|p| program.purposes().name(*p).to_string())
            .collect();
        let input = serde_json::to_value(&input).unwrap();
        assert_eq!(
            top(&mut engine, input.clone()),
            expected_bound(program, &infos, &act, &collected_for),
            "{input}"
        );
    }
    writeln!(
        std::io::stderr(),
        "regorus and privet bind purposes alike on all {compared} (purpose, collection, basis) choices of the One Touch policy, and on 2000 acts"
    )
    .unwrap();
}

/// A random act of a program: any names, up to two bases, a region seven
/// times in ten, Do Not Track half the time.
fn sample_act(random: &mut privet::generate::SplitMix64, program: &Program) -> Act {
    let names =
        |vocabulary: &privet::model::Vocabulary| -> Vec<NameId> { vocabulary.ids().collect() };
    let (categories, purposes, bases, regions, audiences) = (
        names(program.categories()),
        names(program.purposes()),
        names(program.bases()),
        names(program.regions()),
        names(program.audiences()),
    );
    Act {
        action: *random.pick(&Action::ALL).unwrap(),
        category: *random.pick(&categories).unwrap(),
        purpose: *random.pick(&purposes).unwrap(),
        recipient: *random.pick(&PartyKind::ALL).unwrap(),
        bases: random.some(&bases, 2).into_iter().copied().collect(),
        region: if random.chance(70) {
            random.pick(&regions).copied()
        } else {
            None
        },
        do_not_track: random.chance(50),
        // About one audience, or not known.
        audiences: if random.chance(50) {
            random.pick(&audiences).copied().into_iter().collect()
        } else {
            Vec::new()
        },
        // Live, after one event, or not known.
        phases: match random.pick(&phase_choices(program)).copied().flatten() {
            Some(phase) => program.phase_set(phase),
            None => program.all_phases(),
        },
        opt_outs: random
            .some(&names(program.vocabulary(Namespace::OptOut)), 2)
            .into_iter()
            .copied()
            .collect(),
        notified: random
            .some(&names(program.vocabulary(Namespace::Obligation)), 2)
            .into_iter()
            .copied()
            .collect(),
    }
}

/// The recipients the known phases are crossed with: the first party
/// (use, store) and a third party (share).
const PHASE_RECIPIENTS: [PartyKind; 2] = [PartyKind::FirstParty, PartyKind::ThirdParty];

/// Whether a context of the domain is also taken in each known phase.
fn phase_context(context: &Act) -> bool {
    !context.do_not_track
        && context.opt_outs.is_empty()
        && context.region.is_none()
        && PHASE_RECIPIENTS.contains(&context.recipient)
}

/// The phases an act of the domain may give: not known (`None`), live, and
/// for each distinct `after` clause of the program's rules its first event
/// (the other events of a clause engage the same rules but for rules that
/// name them alone, whose first event is then there too), and one event no
/// rule names, if there is one.
fn phase_choices(program: &Program) -> Vec<Option<usize>> {
    let mut choices = vec![None, Some(privet::model::LIVE_PHASE)];
    let mut named = std::collections::BTreeSet::new();
    for rule in &program.rules {
        named.extend(rule.after.iter().copied());
        if let Some(first) = rule.after.first() {
            let phase = privet::model::event_phase(*first);
            if !choices.contains(&Some(phase)) {
                choices.push(Some(phase));
            }
        }
    }
    let events = program.vocabulary(privet::model::Namespace::Event);
    if let Some(unnamed) = events.ids().find(|id| !named.contains(id)) {
        choices.push(Some(privet::model::event_phase(unnamed)));
    }
    choices
}

/// Evaluates the bundle's entry points for one input.
fn top(engine: &mut regorus::Engine, input: Value) -> Value {
    engine.set_input(regorus::Value::from(input));
    to_json(
        &engine
            .eval_rule("data.privet_test.top".to_string())
            .unwrap(),
    )
}

#[test]
fn inputs_that_are_not_acts_are_denied_with_what_is_wrong() {
    let (sources, compilation) = support::compile_text(
        "category user.email\npurpose login\nbasis consent\nregion eu\nallow use of user\n",
    );
    let mut engine = engine(&build(&sources, &compilation));
    let ok = top(
        &mut engine,
        json!({"action": "use", "category": "user", "purpose": "login"}),
    );
    assert_eq!(ok["allow"], true);

    let answer = top(
        &mut engine,
        json!({"action": "use", "category": "user.emial", "purpose": "login",
               "bases": ["consent", "consnet"], "region": "mars", "dnt": "yes",
               "subject": "customer"}),
    );
    assert_eq!(answer["allow"], false);
    let fields: Vec<&str> = answer["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|reason| {
            assert_eq!(reason["reason"], "invalid_input");
            reason["field"].as_str().unwrap()
        })
        .collect();
    // A program that declares no audience knows no subject.
    assert_eq!(
        fields,
        vec!["bases", "category", "dnt", "region", "subject"]
    );

    // The purposes the data was collected for are names of the program.
    let answer = top(
        &mut engine,
        json!({"action": "use", "category": "user", "purpose": "login",
               "collected_for": ["login", "logni"]}),
    );
    assert_eq!(answer["allow"], false);
    assert_eq!(
        answer["reasons"],
        json!([{"reason": "invalid_input", "field": "collected_for", "value": "logni"}])
    );

    engine.set_input(regorus::Value::from(json!({"action": "use"})));
    let answer = to_json(
        &engine
            .eval_rule("data.privet_test.answer".to_string())
            .unwrap(),
    );
    assert_eq!(answer, top(&mut engine, json!({"action": "use"})));

    for input in [
        json!("use"),
        json!({"category": "user", "purpose": "login"}),
        json!({"action": "use", "category": "user", "purpose": "login", "bases": "consent"}),
        json!({"action": "use", "category": "user", "purpose": "login", "recipient": null}),
    ] {
        let answer = top(&mut engine, input.clone());
        assert_eq!(answer["allow"], false, "{input}");
        assert_eq!(answer["reasons"][0]["reason"], "invalid_input", "{input}");
    }
}

// ---------------------------------------------------------------- random policies

const CATEGORIES: &[&str] = &[
    "user",
    "user.contact",
    "user.contact.email",
    "user.contact.phone",
    "user.device",
    "log",
];
const PURPOSES: &[&str] = &["service", "service.login", "service.orders", "marketing"];
const BASES: &[&str] = &["consent", "consent.explicit", "contract", "vital"];
const REGIONS: &[&str] = &["eu", "eu.de", "us"];
const AUDIENCES: &[&str] = &["customer", "customer.child", "customer.adult", "staff"];
const ACTIONS: &[&str] = &[
    "collect", "use", "store", "share", "transfer", "disclose", "process",
];
const PARTIES: &[&str] = &[
    "first_party",
    "processor",
    "third_party",
    "authority",
    "acquirer",
    "public",
];
/// Citations with quotes, backslashes and line breaks (as privet escapes).
const CITES: &[&str] = &[
    "",
    " cite \"1(1)\"",
    " cite \"say \\\"no\\\"\"",
    " cite \"a\\\\b\\nc\\t}\"",
    " cite \"# not a comment\"",
];

const VOCABULARY: &str = "\
category user.contact.email \"e-mail \\\"work\\\"\" identifier\n\
category user.contact.phone \"phone\\nnumber\" identifier\n\
category user.device \"device \\\\ info\" sensitive\n\
category log\n\
purpose service.login\npurpose service.orders compatible with service.login\npurpose marketing\n\
basis consent\nbasis consent.explicit\nbasis contract for new purpose\n\
exemption vital \"life and limb\" for service.login, marketing\n\
region eu.de\nregion us\n\
audience customer.child \"children\" under age 14\naudience customer.adult\naudience staff\n";

fn pick(from: &'static [&'static str]) -> impl Strategy<Value = Vec<&'static str>> {
    proptest::sample::subsequence(from, 1..=from.len().min(3))
}

fn clause(word: &'static str, from: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        pick(from).prop_map(move |names| format!(" {word} {}", names.join(", "))),
    ]
}

fn filter() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just(""), Just("sensitive "), Just("identifier ")]
}

/// One condition of an exception: any of its clauses, at least one; its
/// categories from the rule's own names (`of` only when the rule has no
/// filter), its purposes from `purposes` (none when empty), and so its
/// regions and audiences.
fn condition(
    categories: Vec<&'static str>,
    purposes: &'static [&'static str],
    (regions, audiences): (&'static [&'static str], &'static [&'static str]),
) -> impl Strategy<Value = String> {
    let of = if categories.is_empty() {
        Just(String::new()).boxed()
    } else {
        prop_oneof![
            Just(String::new()),
            proptest::sample::subsequence(categories.clone(), 1..=categories.len())
                .prop_map(|names| format!(" of {}", names.join(", "))),
        ]
        .boxed()
    };
    let purposes = if purposes.is_empty() {
        Just(String::new()).boxed()
    } else {
        clause("for", purposes).boxed()
    };
    (
        of,
        purposes,
        clause("to", PARTIES),
        clause("with", BASES),
        if regions.is_empty() {
            Just(String::new()).boxed()
        } else {
            clause("in", regions).boxed()
        },
        if audiences.is_empty() {
            Just(String::new()).boxed()
        } else {
            clause("about", audiences).boxed()
        },
    )
        .prop_map(|(c, p, r, b, g, s)| {
            let text = format!("{c}{s}{p}{r}{b}{g}");
            if text.is_empty() {
                " with consent".to_string()
            } else {
                text
            }
        })
}

/// `except` clauses: lifting or permitting, each maybe narrowed by an
/// `except deny`.
fn excepts(
    categories: Vec<&'static str>,
    purposes: &'static [&'static str],
    places: (&'static [&'static str], &'static [&'static str]),
) -> impl Strategy<Value = String> {
    let one = (
        prop_oneof![Just("except"), Just("except allow")],
        condition(categories.clone(), purposes, places),
        proptest::sample::select(CITES),
        proptest::option::of(condition(categories, purposes, places)),
    )
        .prop_map(|(effect, condition, cite, carve_out)| {
            let mut text = format!("\n    {effect}{condition}{cite}");
            if let Some(carve_out) = carve_out {
                text.push_str(&format!("\n        except deny{carve_out}"));
            }
            text
        });
    proptest::collection::vec(one, 0..3).prop_map(|list| list.concat())
}

/// A random rule of any kind, with random clauses and citations.
fn rule() -> impl Strategy<Value = String> {
    let cite = proptest::sample::select(CITES);
    prop_oneof![
        (
            pick(ACTIONS),
            filter(),
            pick(CATEGORIES),
            clause("for", PURPOSES),
            clause("to", PARTIES),
            clause("under", BASES),
            clause("in", REGIONS),
            (clause("about", AUDIENCES), cite.clone()),
        )
            .prop_map(|(a, f, c, p, r, b, g, (s, cite))| format!(
                "allow {} of {f}{}{s}{p}{r}{b}{g}{cite}\n",
                a.join(", "),
                c.join(", ")
            )),
        (
            pick(ACTIONS),
            filter(),
            pick(CATEGORIES),
            clause("for", PURPOSES),
            clause("to", PARTIES),
            clause("in", REGIONS),
            (clause("about", AUDIENCES), cite.clone()),
        )
            .prop_flat_map(|(a, f, c, p, r, g, (s, cite))| {
                // An exception names what its rule covers.
                let own = if f.is_empty() { c.clone() } else { Vec::new() };
                let purposes: &'static [&'static str] = if p.is_empty() { PURPOSES } else { &[] };
                let regions: &'static [&'static str] = if g.is_empty() { REGIONS } else { &[] };
                let audiences: &'static [&'static str] = if s.is_empty() { AUDIENCES } else { &[] };
                excepts(own, purposes, (regions, audiences)).prop_map(move |e| {
                    format!(
                        "deny {} of {f}{}{s}{p}{r}{g}{cite}{e}\n",
                        a.join(", "),
                        c.join(", ")
                    )
                })
            }),
        limited("restrict", PURPOSES, &[]),
        limited("confine", REGIONS, PURPOSES),
        (pick(PURPOSES), cite)
            .prop_map(|(p, cite)| format!("honour do not track for {}{cite}\n", p.join(", "))),
    ]
}

/// A `restrict` or `confine` rule: `KEYWORD CATEGORIES to TARGETS`, maybe
/// `about` some audiences, with exceptions naming the `purposes` given.
fn limited(
    keyword: &'static str,
    targets: &'static [&'static str],
    purposes: &'static [&'static str],
) -> impl Strategy<Value = String> {
    (
        pick(CATEGORIES),
        pick(targets),
        clause("about", AUDIENCES),
        proptest::sample::select(CITES),
    )
        .prop_flat_map(move |(c, t, s, cite)| {
            let audiences: &'static [&'static str] = if s.is_empty() { AUDIENCES } else { &[] };
            excepts(c.clone(), purposes, (REGIONS, audiences)).prop_map(move |e| {
                format!(
                    "{keyword} {} to {}{s}{cite}{e}\n",
                    c.join(", "),
                    t.join(", ")
                )
            })
        })
}

fn random_act() -> impl Strategy<Value = Value> {
    (
        proptest::sample::select(&ACTIONS[..6]),
        proptest::sample::select(CATEGORIES),
        proptest::sample::select(PURPOSES),
        proptest::sample::select(PARTIES),
        proptest::sample::subsequence(BASES, 0..=2),
        proptest::option::of(proptest::sample::select(REGIONS)),
        any::<bool>(),
        proptest::sample::subsequence(PURPOSES, 0..=2),
        proptest::option::of(proptest::sample::select(AUDIENCES)),
    )
        .prop_map(
            |(action, category, purpose, recipient, bases, region, dnt, collected_for, subject)| {
                let mut act = json!({"action": action, "category": category, "purpose": purpose,
                   "recipient": recipient, "bases": bases, "region": region, "dnt": dnt,
                   "collected_for": collected_for});
                // No subject: the field absent, as an OPA input leaves it.
                if let Some(subject) = subject {
                    act["subject"] = json!(subject);
                }
                act
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Random acts of random policies: the bundle's `allow` and `reasons`
    /// equal privet's decision and reasons.
    #[test]
    fn the_rego_agrees_with_privet_on_random_policies(
        rules in proptest::collection::vec(rule(), 0..10),
        acts in proptest::collection::vec(random_act(), 1..25),
    ) {
        let text = format!("{VOCABULARY}{}", rules.concat());
        let (sources, compilation) = support::compile_text(&text);
        prop_assert!(!compilation.has_errors(), "{text}\n{:?}", compilation.diagnostics);
        let output = build(&sources, &compilation);
        // The escaped citations and labels keep the JSON valid.
        serde_json::from_slice::<Value>(&output.files["bundle/data.json"]).unwrap();
        let mut engine = engine(&output);
        let program = &compilation.program;
        let infos = RuleInfo::all(&sources, program);
        for input in acts {
            let parsed = serde_json::from_value::<ActInput>(input.clone()).unwrap();
            let act = privet::query::resolve_act(program, &parsed).unwrap();
            let collected_for = resolve_collected_for(program, &parsed).unwrap();
            let answer = top(&mut engine, input.clone());
            prop_assert_eq!(
                &answer,
                &expected_bound(program, &infos, &act, &collected_for),
                "{}\n{}",
                text,
                input
            );
        }
    }
}

#[test]
fn the_rego_agrees_with_privet_on_every_act_of_a_small_random_policy() {
    // A fixed program with every kind of rule, exhaustively: a second
    // domain beside the One Touch policy's, with hierarchical regions.
    let text = format!(
        "{VOCABULARY}\
         allow use, store of user for service\n\
         allow share of identifier user to processor under consent in eu\n\
         deny share of user.contact to third_party cite \"say \\\"no\\\"\"\n    except with consent.explicit\n\
             except allow for marketing under vital, contract\n        except deny of user.contact.phone to public\n\
         deny transfer of user for service in eu\n    except allow of user.contact for service.orders to processor in eu.de with consent\n\
             except allow with vital\n\
         restrict user.device to service.login\n    except under contract\n    except allow for marketing with vital\n\
         confine user to eu.de\n    except with consent.explicit cite \"a\\\\b\\nc\"\n\
             except allow in us for service.orders\n        except deny of user.device\n\
         honour do not track for marketing\n\
         allow process of log\n\
         allow collect of user about customer.adult, staff\n\
         deny use of user about customer.child for marketing\n    except allow with consent.explicit about customer.child\n        except deny of user.contact.phone\n\
         restrict user.contact to service about staff\n\
         confine log to us about customer\n    except allow about customer.adult with contract\n"
    );
    let (sources, compilation) = support::compile_text(&text);
    assert!(!compilation.has_errors(), "{:?}", compilation.diagnostics);
    let start = Instant::now();
    let compared = compare_domain(&sources, &compilation, 1);
    writeln!(
        std::io::stderr(),
        "regorus and privet agree on all {compared} acts of a fixed policy in {:.1?}",
        start.elapsed()
    )
    .unwrap();
    assert!(compared > 10_000);
}

#[test]
fn the_rego_agrees_with_privet_on_generated_programs() {
    // The project's seeded generator: larger programs with every kind of
    // rule and deep hierarchies; random acts drawn from their names.
    let mut compared = 0;
    for seed in 0..6 {
        let text = privet::generate::program(seed, 80);
        let (sources, compilation) = support::compile_text(&text);
        assert!(!compilation.has_errors(), "seed {seed}");
        let program = &compilation.program;
        // The bundle alone: `build` may refuse a generated store's
        // retention (S3 and Kafka cannot wait while a state holds).
        let (bundle, _) = codegen::bundle(&sources, program);
        let output = Output {
            files: bundle
                .into_iter()
                .map(|(path, bytes)| (format!("bundle/{path}"), bytes))
                .collect(),
        };
        let infos = RuleInfo::all(&sources, program);
        let mut engine = engine(&output);
        let mut random = privet::generate::SplitMix64::new(seed);
        for _ in 0..200 {
            let act = sample_act(&mut random, program);
            let input = serde_json::to_value(ActInput::of(program, &act)).unwrap();
            assert_eq!(
                top(&mut engine, input.clone()),
                expected(program, &infos, &act),
                "seed {seed}: {input}"
            );
            compared += 1;
        }
    }
    writeln!(
        std::io::stderr(),
        "regorus and privet agree on {compared} random acts of generated programs"
    )
    .unwrap();
}
