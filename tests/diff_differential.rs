#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! `privet diff` decides only the acts a change can affect; this holds it to
//! the exhaustive reference, which decides every act of the union domain in
//! each version. Generated programs, each edited by a few seeded mutations
//! (a rule added, removed or changed, an exception added or removed, a flow
//! changed, a category added or flagged), give the same report both ways,
//! but for the number of tables each decided.

use privet::check::diff::DiffReport;
use privet::generate::{SplitMix64, program};
use privet::pipeline::{Compilation, diff, diff_exhaustive};
use proptest::prelude::*;

fn compiled(text: &str) -> Option<Compilation> {
    let mut sources = privet::source::SourceMap::default();
    sources.add("generated.privet".to_string(), text.to_string());
    let compilation = privet::pipeline::compile(&sources);
    (compilation.loading_errors() == 0).then_some(compilation)
}

/// The names the items beginning with `keyword ` declare.
fn declared(items: &[String], keyword: &str) -> Vec<String> {
    let head = format!("{keyword} ");
    items
        .iter()
        .flat_map(|item| item.lines())
        .filter_map(|line| line.strip_prefix(&head))
        .filter_map(|rest| rest.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

fn is_rule(item: &str) -> bool {
    let text = item
        .lines()
        .find(|line| !line.starts_with("//"))
        .unwrap_or("");
    ["allow ", "deny ", "restrict ", "confine "]
        .iter()
        .any(|keyword| text.starts_with(keyword))
}

fn pick<'a>(rng: &mut SplitMix64, names: &'a [String]) -> &'a str {
    rng.pick(names).map_or("", String::as_str)
}

/// One seeded mutation of a program's items.
fn mutate(rng: &mut SplitMix64, items: &mut Vec<String>) {
    let categories = declared(items, "category");
    let purposes = declared(items, "purpose");
    let bases = declared(items, "basis");
    let exemptions = declared(items, "exemption");
    let regions = declared(items, "region");
    let rules: Vec<usize> = (0..items.len()).filter(|i| is_rule(&items[*i])).collect();
    let flows: Vec<usize> = (0..items.len())
        .filter(|i| items[*i].contains("flow "))
        .collect();
    let category_items: Vec<usize> = (0..items.len())
        .filter(|i| items[*i].lines().any(|line| line.starts_with("category ")))
        .collect();
    let actions = ["collect", "use", "store", "share", "transfer", "disclose"];
    let action = actions[rng.below(actions.len())];
    match rng.below(9) {
        // A rule added.
        0 => {
            let mut text = format!(
                "allow {action} of {}\n    for {}",
                pick(rng, &categories),
                pick(rng, &purposes)
            );
            if rng.chance(30) {
                text.push_str(&format!("\n    under {}", pick(rng, &bases)));
            }
            if rng.chance(30) {
                text.push_str(&format!("\n    in {}", pick(rng, &regions)));
            }
            if rng.chance(30) {
                text.push_str("\n    to processor");
            }
            items.push(text);
        }
        1 => items.push(format!(
            "deny {action} of {}\n    except with {}",
            pick(rng, &categories),
            pick(rng, &bases)
        )),
        // A rule removed.
        2 => {
            if let Some(&index) = rng.pick(&rules) {
                items.remove(index);
            }
        }
        // A rule changed: another category, or a narrower reach.
        3 => {
            if let Some(&index) = rng.pick(&rules) {
                let item = &items[index];
                let changed = match categories.iter().find(|c| item.contains(&format!(" {c}"))) {
                    Some(named) if rng.chance(50) => item.replacen(
                        &format!(" {named}"),
                        &format!(" {}", pick(rng, &categories)),
                        1,
                    ),
                    _ if item.contains("allow ") && !item.contains("except") => {
                        format!("{item}\n    in {}", pick(rng, &regions))
                    }
                    _ => item.clone(),
                };
                items[index] = changed;
            }
        }
        // An exception added to a rule that forbids.
        4 => {
            let forbidding: Vec<usize> = rules
                .iter()
                .copied()
                .filter(|i| !items[*i].contains("allow "))
                .collect();
            if let Some(&index) = rng.pick(&forbidding) {
                let exception = if rng.chance(50) || exemptions.is_empty() {
                    format!("\n    except with {}", pick(rng, &bases))
                } else {
                    format!("\n    except allow under {}", pick(rng, &exemptions))
                };
                items[index].push_str(&exception);
            }
        }
        // An exception removed.
        5 => {
            let excepting: Vec<usize> = rules
                .iter()
                .copied()
                .filter(|i| items[*i].contains("\n    except"))
                .collect();
            if let Some(&index) = rng.pick(&excepting) {
                let item = &items[index];
                let start = item.find("\n    except").unwrap();
                let end = item[start + 1..]
                    .find("\n    except")
                    .map_or(item.len(), |next| start + 1 + next);
                items[index] = format!("{}{}", &item[..start], &item[end..]);
            }
        }
        // A flow changed.
        6 => {
            if let Some(&index) = rng.pick(&flows) {
                if items[index].contains("honours do not track") {
                    items[index] = items[index].replace("\n    honours do not track", "");
                } else {
                    items[index].push_str("\n    honours do not track");
                }
            }
        }
        // A category added under another.
        7 => {
            let parent = pick(rng, &categories).to_string();
            let flag = if rng.chance(50) { " sensitive" } else { "" };
            items.push(format!(
                "category {parent}.added{} \"added\"{flag}",
                rng.below(100)
            ));
        }
        // A category flagged or unflagged.
        _ => {
            if let Some(&index) = rng.pick(&category_items) {
                let item = &items[index];
                items[index] = if item.contains(" sensitive") {
                    item.replacen(" sensitive", "", 1)
                } else {
                    let mut lines: Vec<String> = item.lines().map(str::to_string).collect();
                    let at = lines
                        .iter()
                        .position(|l| l.starts_with("category "))
                        .unwrap();
                    lines[at].push_str(" sensitive");
                    lines.join("\n")
                };
            }
        }
    }
}

/// The report without the number of tables decided, which differs by
/// design.
fn comparable(mut report: DiffReport) -> DiffReport {
    report.tables = 0;
    report
}

/// A generated program and an edit of it that both load.
fn versions(seed: u64, items: usize, edits: usize) -> (Compilation, Compilation, String) {
    let text = program(seed, items);
    let old = compiled(&text).expect("a generated program loads");
    let mut rng = SplitMix64::new(seed ^ 0x5eed);
    let mut current: Vec<String> = text.split("\n\n").map(str::to_string).collect();
    let mut applied = 0;
    let mut tries = 0;
    while applied < edits && tries < 50 {
        tries += 1;
        let mut next = current.clone();
        mutate(&mut rng, &mut next);
        if compiled(&next.join("\n\n")).is_some() {
            current = next;
            applied += 1;
        }
    }
    let edited = current.join("\n\n");
    let new = compiled(&edited).unwrap();
    (old, new, edited)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn the_targeted_diff_equals_the_exhaustive_one(
        seed in any::<u64>(),
        items in 60usize..220,
        edits in 1usize..4,
    ) {
        let (old, new, _) = versions(seed, items, edits);
        for (a, b) in [(&old, &new), (&new, &old), (&old, &old)] {
            let targeted = comparable(diff(a, b));
            let exhaustive = comparable(diff_exhaustive(a, b));
            prop_assert_eq!(targeted, exhaustive);
        }
    }
}

#[test]
fn an_unchanged_program_decides_no_table() {
    let text = program(3, 150);
    let compilation = compiled(&text).unwrap();
    let report = diff(&compilation, &compilation);
    assert!(report.is_semantically_empty());
    assert_eq!(report.tables, 0);
    assert!(report.acts > 0);
}

#[test]
fn a_changed_flow_decides_no_table_and_a_changed_rule_some() {
    let (old, _, _) = versions(5, 150, 0);
    let text = program(5, 150);
    let flow = text.find("\nflow ").unwrap();
    let end = text[flow + 1..].find("\n\n").unwrap() + flow + 1;
    let flow_edited = format!("{}\n    honours do not track{}", &text[..end], &text[end..]);
    let new = compiled(&flow_edited).unwrap();
    assert_eq!(diff(&old, &new).tables, 0);
    let category = declared(std::slice::from_ref(&text), "category")[0].clone();
    let purpose = declared(std::slice::from_ref(&text), "purpose")[0].clone();
    let rule_added = format!("{text}\n\nallow use of {category}\n    for {purpose}\n");
    let new = compiled(&rule_added).unwrap();
    let report = diff(&old, &new);
    assert!(report.tables > 0);
    assert_eq!(comparable(report), comparable(diff_exhaustive(&old, &new)));
}
