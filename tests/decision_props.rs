//! Properties of the decision function, on random policies and random acts.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use privet::check::{Act, decide};
use privet::model::{Action, AudienceClasses, PartyKind, Program, Scope};
use privet::pipeline::compile;
use privet::source::SourceMap;
use proptest::prelude::*;

const CATEGORIES: &[&str] = &[
    "user.contact.email",
    "user.contact.phone",
    "user.device",
    "user",
    "user.contact",
    "log",
];
const LEAF_CATEGORIES: &[&str] = &[
    "user.contact.email",
    "user.contact.phone",
    "user.device",
    "log",
];
const PURPOSES: &[&str] = &["service.login", "service.orders", "marketing", "service"];
const BASES: &[&str] = &["consent", "consent.explicit", "contract"];
const REGIONS: &[&str] = &["eu", "us"];
const AUDIENCES: &[&str] = &["kid", "adult", "adult.staff", "adult.other"];
const LEAF_AUDIENCES: &[&str] = &["kid", "adult.staff", "adult.other"];
const ACTIONS: &[&str] = &["collect", "use", "store", "share", "transfer", "disclose"];
const PARTIES: &[&str] = &[
    "first_party",
    "processor",
    "third_party",
    "authority",
    "acquirer",
    "public",
];

const VOCABULARY: &str = "\
category user.contact.email\ncategory user.contact.phone\ncategory user.device\ncategory log\n\
purpose service.login\npurpose service.orders\npurpose marketing\n\
basis consent\nbasis consent.explicit\nbasis contract\n\
region eu\nregion us\n\
audience kid\naudience adult.staff\naudience adult.other\n";

fn subset(from: &'static [&'static str]) -> impl Strategy<Value = Vec<&'static str>> {
    proptest::sample::subsequence(from, 1..=from.len().min(3))
}

fn optional_clause(
    word: &'static str,
    from: &'static [&'static str],
) -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        subset(from).prop_map(move |names| format!(" {word} {}", names.join(", "))),
    ]
}

/// A random `allow` rule.
fn allow_rule() -> impl Strategy<Value = String> {
    (
        subset(ACTIONS),
        subset(CATEGORIES),
        optional_clause("for", PURPOSES),
        optional_clause("to", PARTIES),
        optional_clause("under", BASES),
        optional_clause("in", REGIONS),
        optional_clause("about", AUDIENCES),
    )
        .prop_map(
            |(actions, categories, purposes, recipients, bases, regions, audiences)| {
                format!(
                    "allow {} of {}{audiences}{purposes}{recipients}{bases}{regions}\n",
                    actions.join(", "),
                    categories.join(", ")
                )
            },
        )
}

/// A random rule of any kind.
fn any_rule() -> impl Strategy<Value = String> {
    // An exception as (bases, audiences); rendered by `except_text`.
    let except = prop_oneof![
        Just(None),
        subset(BASES).prop_map(|b| Some((b, Vec::new()))),
        (subset(BASES), subset(AUDIENCES)).prop_map(|(b, a)| Some((b, a))),
    ];
    prop_oneof![
        allow_rule(),
        (
            subset(ACTIONS),
            subset(CATEGORIES),
            optional_clause("for", PURPOSES),
            optional_clause("to", PARTIES),
            optional_clause("about", AUDIENCES),
            except.clone()
        )
            .prop_map(
                |(actions, categories, purposes, recipients, audiences, except)| format!(
                    "deny {} of {}{audiences}{purposes}{recipients}{}\n",
                    actions.join(", "),
                    categories.join(", "),
                    except_text(&audiences, except)
                )
            ),
        (
            subset(CATEGORIES),
            subset(PURPOSES),
            optional_clause("about", AUDIENCES),
            except.clone()
        )
            .prop_map(|(categories, purposes, audiences, except)| format!(
                "restrict {} to {}{audiences}{}\n",
                categories.join(", "),
                purposes.join(", "),
                except_text(&audiences, except)
            )),
        (subset(CATEGORIES), subset(REGIONS), except).prop_map(|(categories, regions, except)| {
            format!(
                "confine {} to {}{}\n",
                categories.join(", "),
                regions.join(", "),
                except_text("", except)
            )
        }),
        subset(PURPOSES).prop_map(|p| format!("honour do not track for {}\n", p.join(", "))),
    ]
}

/// An exception of a rule whose `about` clause is `about` (maybe empty):
/// `except with B` without audiences, else `except allow with B about A`,
/// its audiences kept to those the rule is about (an exception about none
/// of them is an `invalid-value`).
fn except_text(about: &str, except: Option<(Vec<&str>, Vec<&str>)>) -> String {
    let Some((bases, audiences)) = except else {
        return String::new();
    };
    let leaves = |names: &[&str]| -> Vec<&str> {
        LEAF_AUDIENCES
            .iter()
            .copied()
            .filter(|leaf| {
                names
                    .iter()
                    .any(|name| leaf == name || leaf.starts_with(&format!("{name}.")))
            })
            .collect()
    };
    let own: Vec<&str> = about
        .trim()
        .strip_prefix("about ")
        .map(|list| list.split(", ").collect())
        .unwrap_or_else(|| AUDIENCES.to_vec());
    let own = leaves(&own);
    let kept: Vec<&str> = leaves(&audiences)
        .into_iter()
        .filter(|leaf| own.contains(leaf))
        .collect();
    if audiences.is_empty() || kept.is_empty() {
        format!(" except with {}", bases.join(", "))
    } else {
        format!(
            " except allow with {} about {}",
            bases.join(", "),
            kept.join(", ")
        )
    }
}

fn program(rules: &[String]) -> Program {
    let mut text = VOCABULARY.to_string();
    for rule in rules {
        text.push_str(rule);
    }
    let mut sources = SourceMap::new();
    sources.add("random.privet", text.clone());
    let compilation = compile(&sources);
    assert!(
        !compilation.has_errors(),
        "generated program does not compile:\n{text}\n{:?}",
        compilation.diagnostics
    );
    compilation.program
}

#[derive(Clone, Debug)]
struct RawAct {
    action: usize,
    category: &'static str,
    purpose: &'static str,
    recipient: usize,
    bases: Vec<&'static str>,
    region: Option<&'static str>,
    dnt: bool,
    subject: Option<&'static str>,
}

fn raw_act() -> impl Strategy<Value = RawAct> {
    (
        0..ACTIONS.len(),
        proptest::sample::select(CATEGORIES),
        proptest::sample::select(PURPOSES),
        0..PARTIES.len(),
        proptest::sample::subsequence(BASES, 0..=2),
        proptest::option::of(proptest::sample::select(REGIONS)),
        any::<bool>(),
        proptest::option::of(proptest::sample::select(AUDIENCES)),
    )
        .prop_map(
            |(action, category, purpose, recipient, bases, region, dnt, subject)| RawAct {
                action,
                category,
                purpose,
                recipient,
                bases,
                region,
                dnt,
                subject,
            },
        )
}

fn act(program: &Program, raw: &RawAct) -> Act {
    Act {
        action: Action::ALL[raw.action],
        category: program.categories().lookup(raw.category).unwrap(),
        purpose: program.purposes().lookup(raw.purpose).unwrap(),
        recipient: PartyKind::ALL[raw.recipient],
        bases: raw
            .bases
            .iter()
            .map(|b| program.bases().lookup(b).unwrap())
            .collect(),
        region: raw.region.map(|r| program.regions().lookup(r).unwrap()),
        do_not_track: raw.dnt,
        audiences: raw
            .subject
            .map(|s| program.audiences().lookup(s).unwrap())
            .into_iter()
            .collect(),
        phases: program.all_phases(),
        opt_outs: Vec::new(),
        notified: Vec::new(),
    }
}

/// The program as it decides for one audience leaf, written without
/// audiences: a rule, exception or carve-out about other audiences never
/// applies (it covers no category), the others are about everyone, and
/// there are no audience classes. An independent reading of `about`.
fn projected(program: &Program, leaf: &str) -> Program {
    let audiences = program.audiences();
    let leaf = audiences.leaves_of(audiences.lookup(leaf).unwrap()).start;
    let nothing = Scope {
        names: Vec::new(),
        filter: None,
        leaves: fixedbitset::FixedBitSet::with_capacity(program.categories().leaf_count()),
    };
    let about_other =
        |scope: &Option<Scope>| scope.as_ref().is_some_and(|s| !s.leaves.contains(leaf));
    let mut projected = program.clone();
    for rule in &mut projected.rules {
        if about_other(&rule.audiences) {
            rule.categories = nothing.clone();
        }
        rule.audiences = None;
        for exception in &mut rule.exceptions {
            if about_other(&exception.condition.audiences) {
                exception.condition.categories = Some(nothing.clone());
            }
            exception.condition.audiences = None;
            for carve_out in &mut exception.carve_outs {
                if about_other(&carve_out.condition.audiences) {
                    carve_out.condition.categories = Some(nothing.clone());
                }
                carve_out.condition.audiences = None;
            }
        }
    }
    projected.audience_classes = AudienceClasses::default();
    projected
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Adding an allow never turns an allow into a deny.
    #[test]
    fn adding_an_allow_never_denies_more(
        rules in proptest::collection::vec(any_rule(), 0..6),
        extra in allow_rule(),
        acts in proptest::collection::vec(raw_act(), 1..20),
    ) {
        let before = program(&rules);
        let mut more = rules.clone();
        more.push(extra);
        let after = program(&more);
        for raw in &acts {
            if decide(&before, &act(&before, raw)).allowed {
                prop_assert!(decide(&after, &act(&after, raw)).allowed, "{raw:?}");
            }
        }
    }

    /// A deny on a parent covers every child, for every purpose it names.
    #[test]
    fn a_deny_on_a_parent_covers_every_child(
        rules in proptest::collection::vec(any_rule(), 0..6),
        action in 0..ACTIONS.len(),
        parent in proptest::sample::select(CATEGORIES),
        purpose in proptest::sample::select(PURPOSES),
        acts in proptest::collection::vec(raw_act(), 1..20),
    ) {
        let mut with_deny = rules.clone();
        with_deny.push(format!("deny {} of {parent} for {purpose}\n", ACTIONS[action]));
        let program = program(&with_deny);
        let categories = program.categories();
        let purposes = program.purposes();
        let parent_id = categories.lookup(parent).unwrap();
        let purpose_id = purposes.lookup(purpose).unwrap();
        for raw in &acts {
            let mut raw = raw.clone();
            raw.action = action;
            let act = act(&program, &raw);
            if categories.is_under(act.category, parent_id) && purposes.is_under(act.purpose, purpose_id) {
                let decision = decide(&program, &act);
                prop_assert!(!decision.allowed, "{raw:?}");
                prop_assert!(!decision.forbidding.is_empty());
            }
        }
    }

    /// An act about one audience leaf is decided as the program written for
    /// that leaf alone decides it (audience classes change nothing); an
    /// act about a broad audience, or none, only if every leaf below is
    /// allowed.
    #[test]
    fn an_act_is_decided_audience_leaf_by_audience_leaf(
        rules in proptest::collection::vec(any_rule(), 0..8),
        acts in proptest::collection::vec(raw_act(), 1..20),
    ) {
        let program = program(&rules);
        let leaves: Vec<(&str, Program)> = LEAF_AUDIENCES
            .iter()
            .map(|leaf| (*leaf, projected(&program, leaf)))
            .collect();
        for raw in &acts {
            let broad = decide(&program, &act(&program, raw)).allowed;
            let mut every_leaf = true;
            for (leaf, alone) in &leaves {
                let under = raw.subject.is_none_or(|subject| {
                    *leaf == subject || leaf.starts_with(&format!("{subject}."))
                });
                if !under {
                    continue;
                }
                let narrow = RawAct { subject: Some(leaf), ..raw.clone() };
                let allowed = decide(&program, &act(&program, &narrow)).allowed;
                let unscoped = RawAct { subject: None, ..raw.clone() };
                prop_assert_eq!(
                    allowed,
                    decide(alone, &act(alone, &unscoped)).allowed,
                    "{:?} about {}\n{}",
                    raw,
                    leaf,
                    rules.concat()
                );
                every_leaf &= allowed;
            }
            prop_assert_eq!(broad, every_leaf, "{:?}\n{}", raw, rules.concat());
        }
    }

    /// A broad category (or purpose) is allowed only if every leaf below it is.
    #[test]
    fn a_broad_act_is_allowed_only_if_its_whole_subtree_is(
        rules in proptest::collection::vec(any_rule(), 0..8),
        acts in proptest::collection::vec(raw_act(), 1..20),
    ) {
        let program = program(&rules);
        for raw in &acts {
            let broad = decide(&program, &act(&program, raw)).allowed;
            let mut every_leaf = true;
            for leaf in LEAF_CATEGORIES {
                let category = program.categories().lookup(leaf).unwrap();
                if !program.categories().is_under(category, program.categories().lookup(raw.category).unwrap()) {
                    continue;
                }
                for purpose_leaf in ["service.login", "service.orders", "marketing"] {
                    let purpose = program.purposes().lookup(purpose_leaf).unwrap();
                    if !program.purposes().is_under(purpose, program.purposes().lookup(raw.purpose).unwrap()) {
                        continue;
                    }
                    let narrow = RawAct { category: leaf, purpose: purpose_leaf, ..raw.clone() };
                    every_leaf &= decide(&program, &act(&program, &narrow)).allowed;
                }
            }
            prop_assert_eq!(broad, every_leaf, "{:?}", raw);
        }
    }

    /// Every decision gives its reasons.
    #[test]
    fn every_decision_names_its_reasons(
        rules in proptest::collection::vec(any_rule(), 0..8),
        acts in proptest::collection::vec(raw_act(), 1..20),
    ) {
        let program = program(&rules);
        for raw in &acts {
            let decision = decide(&program, &act(&program, raw));
            if decision.allowed {
                prop_assert!(!decision.allowing.is_empty());
                prop_assert!(decision.forbidding.is_empty() && decision.unallowed.is_empty());
            } else {
                prop_assert!(!decision.forbidding.is_empty() || !decision.unallowed.is_empty());
            }
        }
    }
}

#[test]
fn exceptions_lift_a_deny_only_for_their_bases() {
    let program = program(&[
        "allow share of user\n".to_string(),
        "deny share of user except with consent\n".to_string(),
    ]);
    let base = RawAct {
        action: 3,
        category: "user.contact.email",
        purpose: "marketing",
        recipient: 2,
        bases: vec![],
        region: None,
        dnt: false,
        subject: None,
    };
    assert!(!decide(&program, &act(&program, &base)).allowed);
    let with_consent = RawAct {
        bases: vec!["consent.explicit"],
        ..base.clone()
    };
    assert!(decide(&program, &act(&program, &with_consent)).allowed);
    let with_contract = RawAct {
        bases: vec!["contract"],
        ..base
    };
    assert!(!decide(&program, &act(&program, &with_contract)).allowed);
}
