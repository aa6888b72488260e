#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! `privet diff`: pairs of programs for each classification, the
//! reorder-only case, a version that fails, the permission changes held to
//! a brute-force run of the decision function, and golden files of every
//! format on a change to the One Touch policy.

mod support;

use privet::check::decision::{Act, decide};
use privet::check::diff::{Change, ChangeKind, Class, DiffReport};
use privet::model::{Action, NameId};
use privet::pipeline::{Compilation, diff};
use std::collections::BTreeSet;
use std::path::Path;

fn compiled(text: &str) -> Compilation {
    let (sources, compilation) = support::compile_text(text);
    assert!(
        !compilation.has_errors(),
        "{}",
        privet::render::human::render_all_plain(&sources, &compilation.diagnostics)
    );
    compilation
}

fn compare(old: &str, new: &str) -> DiffReport {
    diff(&compiled(old), &compiled(new))
}

fn semantic(report: &DiffReport) -> Vec<&Change> {
    report.changes.iter().filter(|c| c.semantic).collect()
}

fn only_change(report: &DiffReport) -> &Change {
    let changes = semantic(report);
    assert_eq!(changes.len(), 1, "{changes:#?}");
    changes[0]
}

const BASE: &str = r#"
/// What we collect.
category user.contact.email "e-mail address" identifier
    cite "1(1)"
category user.location "location" sensitive
purpose service.provide "provide the service"
purpose marketing.mailing "send you e-mail"
basis consent "your consent"
basis consent.explicit "your explicit consent"
region site "the site"
safeguard encryption.at_rest "encrypted storage"
state account.active "you use our services"
event account.closed "you close your account"
duration legal_minimum = 3 years
obligation notify.incident "tell you about incidents"
obligation consent.new_purpose "ask you first"
    before new purpose
    cite "1(1)"

// Collection and use.
allow collect, use of user for service.provide under consent
    cite "1(1)"
allow use of user.contact.email for marketing.mailing under consent
deny share of user
    except with consent.explicit
        cite "3(1)"
allow share of user with consent.explicit
restrict user.location to service.provide
retain user while account.active then after account.closed keep for legal_minimum then delete
require encryption.at_rest for stores of user
"#;

#[test]
fn identical_programs_have_no_changes() {
    let report = compare(BASE, BASE);
    assert!(report.changes.is_empty());
    assert!(report.permissions.is_empty());
    assert!(report.is_semantically_empty());
    assert!(report.acts > 0);
}

#[test]
fn reordering_reformatting_and_recommenting_change_nothing() {
    // Items in another order and layout, comments rewritten, lists in
    // another order.
    let reordered = r#"
require encryption.at_rest for stores of user
retain user while account.active
    then after account.closed keep for legal_minimum
    then delete   // the lifecycle, on three lines
restrict user.location to service.provide
allow share of user with consent.explicit
deny share of user except with consent.explicit cite "3(1)"
allow use of user.contact.email for marketing.mailing under consent
// a comment that was not there
allow use, collect of user for service.provide under consent cite "1(1)"
obligation consent.new_purpose "ask you first" before new purpose cite "1(1)"
obligation notify.incident "tell you about incidents"
duration legal_minimum = 3 years
event account.closed "you close your account"
state account.active "you use our services"
safeguard encryption.at_rest "encrypted storage"
region site "the site"
basis consent.explicit "your explicit consent"
basis consent "your consent"
purpose marketing.mailing "send you e-mail"
purpose service.provide "provide the service"
category user.location "location" sensitive
/// What we collect.
category user.contact.email "e-mail address" identifier cite "1(1)"
"#;
    let report = compare(BASE, reordered);
    assert!(report.changes.is_empty(), "{:#?}", report.changes);
    assert!(report.permissions.is_empty());
    assert!(report.is_semantically_empty());
}

#[test]
fn a_doc_comment_change_is_documentation_only() {
    let new = BASE.replace("/// What we collect.", "/// The address we write to.");
    let report = compare(BASE, &new);
    assert!(report.is_semantically_empty());
    assert_eq!(report.changes.len(), 1);
    assert!(!report.changes[0].semantic);
    assert_eq!(report.changes[0].name, "user.contact.email");
}

#[test]
fn labels_and_citations_are_neutral() {
    let new = BASE
        .replace("\"e-mail address\"", "\"your e-mail address\"")
        .replace("cite \"3(1)\"", "cite \"3(1) 1\"");
    let report = compare(BASE, &new);
    let changes = semantic(&report);
    assert_eq!(changes.len(), 2, "{changes:#?}");
    assert!(changes.iter().all(|c| c.class == Class::Neutral));
    assert!(report.permissions.is_empty());
    assert!(!report.widens());
}

#[test]
fn sections_of_the_outline_are_neutral_and_reported() {
    let outline = "section \"1\" \"what we collect\"\nsection \"1(1)\" \"contact\"\nsection \"3\" \"sharing\"\n";
    let old = format!("{BASE}{outline}");
    let new = format!(
        "{BASE}{}section \"4\" \"children\"\n",
        outline
            .replace("\"contact\"", "\"contact details\"")
            .replace("section \"3\"", "/// Sharing.\nsection \"3\"")
    );
    let report = compare(&old, &new);
    let changes: Vec<(&str, ChangeKind, &str, &[String])> = report
        .changes
        .iter()
        .map(|c| {
            (
                c.subject.as_str(),
                c.kind,
                c.name.as_str(),
                c.details.as_slice(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        vec![
            (
                "section",
                ChangeKind::Changed,
                "1(1)",
                &["title \"contact\" -> \"contact details\"".to_string()][..]
            ),
            (
                "section",
                ChangeKind::Added,
                "4",
                &["\"children\"".to_string()][..]
            ),
            (
                "section",
                ChangeKind::Changed,
                "3",
                &["doc comment changed".to_string()][..]
            ),
        ]
    );
    assert!(report.changes.iter().all(|c| c.class == Class::Neutral));
    assert!(report.permissions.is_empty());
    assert!(!report.widens());
}

#[test]
fn removing_a_deny_widens_and_gains_permissions() {
    let new = BASE.replace(
        "deny share of user\n    except with consent.explicit\n        cite \"3(1)\"\n",
        "",
    );
    let new = new.replace(
        "allow share of user with consent.explicit",
        "allow share of user",
    );
    let report = compare(BASE, &new);
    let removed = report
        .changes
        .iter()
        .find(|c| c.kind == ChangeKind::Removed)
        .unwrap();
    assert_eq!(removed.class, Class::Widening);
    assert!(removed.name.starts_with("deny share of user"));
    let changed = report
        .changes
        .iter()
        .find(|c| c.kind == ChangeKind::Changed)
        .unwrap();
    assert_eq!(changed.class, Class::Widening);
    assert!(
        changed
            .details
            .iter()
            .any(|d| d == "no longer needs a basis")
    );
    assert!(report.permissions.iter().all(|p| p.gained));
    assert!(
        report
            .permissions
            .iter()
            .any(|p| p.actions == [Action::Share])
    );
    assert!(report.widens());
}

#[test]
fn adding_a_restriction_narrows_and_loses_permissions() {
    let new = format!("{BASE}\nrestrict user.contact.email to service.provide\n");
    let report = compare(BASE, &new);
    let change = only_change(&report);
    assert_eq!(
        (change.class, change.kind),
        (Class::Narrowing, ChangeKind::Added)
    );
    assert!(!report.permissions.is_empty());
    assert!(report.permissions.iter().all(|p| !p.gained));
    // E-mail is no longer used for marketing, in any way.
    assert!(report.permissions.iter().any(|p| {
        p.categories == ["user.contact.email"] && p.purposes == ["marketing.mailing"]
    }));
    assert!(!report.widens());
}

#[test]
fn retention_longer_widens_and_shorter_narrows() {
    let longer = BASE.replace(
        "duration legal_minimum = 3 years",
        "duration legal_minimum = 5 years",
    );
    let report = compare(BASE, &longer);
    let retention = report
        .changes
        .iter()
        .find(|c| c.subject == "retention")
        .unwrap();
    assert_eq!(retention.class, Class::Widening);
    assert!(report.widens());

    let shorter = BASE.replace("keep for legal_minimum", "keep for 1 year");
    let report = compare(BASE, &shorter);
    let change = only_change(&report);
    assert_eq!(
        (change.subject.as_str(), change.class),
        ("retention", Class::Narrowing)
    );

    // The same length, written as a literal: the same in effect.
    let same = BASE.replace("keep for legal_minimum", "keep for 36 months");
    let report = compare(BASE, &same);
    let change = report
        .changes
        .iter()
        .find(|c| c.subject == "retention")
        .unwrap();
    assert_eq!(change.class, Class::Neutral);

    // Archiving where deletion was promised ends it more weakly.
    let weaker = BASE.replace(
        "legal_minimum then delete",
        "legal_minimum then archive encrypted",
    );
    let report = compare(BASE, &weaker);
    let change = only_change(&report);
    assert_eq!(change.class, Class::Widening);
    assert!(
        change.details[0].contains("more weakly"),
        "{:?}",
        change.details
    );

    // A retention removed widens; one added narrows.
    let removed = BASE.replace(
        "retain user while account.active then after account.closed keep for legal_minimum then delete\n",
        "",
    );
    let report = compare(BASE, &removed);
    assert_eq!(only_change(&report).class, Class::Widening);
    let report = compare(&removed, BASE);
    assert_eq!(only_change(&report).class, Class::Narrowing);
}

/// A floor is a promise to keep: a lower one, or none, widens what the
/// data map may do; a higher one, or a new one, narrows it. A `forever`
/// given up drops the duty to keep.
#[test]
fn a_lower_floor_widens_and_a_higher_one_narrows() {
    let floor =
        "retain user at least while account.active then after account.closed keep for 2 years\n";
    let with_floor = format!("{BASE}{floor}");
    let change_of = |old: &str, new: &str| {
        let report = compare(old, new);
        let change = only_change(&report).clone();
        (change.subject, change.class, change.details)
    };
    let lower = with_floor.replace("keep for 2 years\n", "keep for 1 year\n");
    let (subject, class, details) = change_of(&with_floor, &lower);
    assert_eq!((subject.as_str(), class), ("floor", Class::Widening));
    assert_eq!(
        details[0],
        "promises to keep data for less time: it keeps it 1 year; the old version keeps it at least 2 years"
    );
    let (_, class, _) = change_of(&lower, &with_floor);
    assert_eq!(class, Class::Narrowing);
    // The same length in other words: no change.
    let same = with_floor.replace("keep for 2 years\n", "keep for 24 months\n");
    assert!(semantic(&compare(&with_floor, &same)).is_empty());
    // Counted from another event: not comparable, so lower.
    let other = with_floor.replace(
        "then after account.closed keep for 2 years\n",
        "then keep for 5 years\n",
    );
    let (_, class, _) = change_of(&with_floor, &other);
    assert_eq!(class, Class::Widening);
    // Removed widens, added narrows.
    assert_eq!(change_of(&with_floor, BASE).1, Class::Widening);
    assert_eq!(change_of(BASE, &with_floor).1, Class::Narrowing);
    // `forever` given up for a lifecycle: the duty to keep is gone.
    let forever = format!("{BASE}retain user.location forever\n");
    let ended = format!("{BASE}retain user.location keep for 1 year then delete\n");
    let report = compare(&forever, &ended);
    let change = report
        .changes
        .iter()
        .find(|c| c.subject == "retention" && c.details.iter().any(|d| d.contains("forever")))
        .unwrap();
    assert_eq!(change.class, Class::Widening);
    // A legal hold removed widens; added narrows.
    let hold = format!("{BASE}hold user while account.active\n");
    assert_eq!(change_of(&hold, BASE).1, Class::Widening);
    assert_eq!(
        change_of(BASE, &hold),
        ("legal hold".to_string(), Class::Narrowing, Vec::new())
    );
}

#[test]
fn safeguards_obligations_and_sensitivity() {
    let no_requirement = BASE.replace("require encryption.at_rest for stores of user\n", "");
    let change = only_change(&compare(BASE, &no_requirement)).clone();
    assert_eq!(
        (change.subject.as_str(), change.class),
        ("requirement", Class::Widening)
    );
    let change = only_change(&compare(&no_requirement, BASE)).clone();
    assert_eq!(change.class, Class::Narrowing);

    let no_obligation = BASE.replace(
        "obligation notify.incident \"tell you about incidents\"\n",
        "",
    );
    let change = only_change(&compare(BASE, &no_obligation)).clone();
    assert_eq!(
        (change.subject.as_str(), change.kind, change.class),
        ("obligation", ChangeKind::Removed, Class::Widening)
    );

    let not_sensitive = BASE.replace("\"location\" sensitive", "\"location\"");
    let change = only_change(&compare(BASE, &not_sensitive)).clone();
    assert_eq!(
        (change.subject.as_str(), change.class),
        ("category", Class::Widening)
    );
    let change = only_change(&compare(&not_sensitive, BASE)).clone();
    assert_eq!(change.class, Class::Narrowing);
}

#[test]
fn purpose_binding_declarations_widen_and_narrow() {
    let compatible = BASE.replace(
        "purpose marketing.mailing \"send you e-mail\"\n",
        "purpose marketing.mailing \"send you e-mail\" compatible with service.provide\n",
    );
    let change = only_change(&compare(BASE, &compatible)).clone();
    assert_eq!(
        (change.subject.as_str(), change.kind, change.class),
        ("purpose", ChangeKind::Changed, Class::Widening)
    );
    assert_eq!(
        change.details,
        vec!["compatible with added: `service.provide`".to_string()]
    );
    let change = only_change(&compare(&compatible, BASE)).clone();
    assert_eq!(change.class, Class::Narrowing);

    let accepted = BASE.replace(
        "basis consent.explicit \"your explicit consent\"\n",
        "basis consent.explicit \"your explicit consent\" for new purpose\n",
    );
    let change = only_change(&compare(BASE, &accepted)).clone();
    assert_eq!(
        (
            change.subject.as_str(),
            change.class,
            change.details.clone()
        ),
        (
            "basis",
            Class::Widening,
            vec!["now accepted for a new purpose".to_string()]
        )
    );
    let change = only_change(&compare(&accepted, BASE)).clone();
    assert_eq!(change.class, Class::Narrowing);

    // A basis added already accepted for a new purpose widens; without it,
    // adding a basis is neutral.
    let added = format!("{BASE}basis consent.renewed \"consent after notice\" for new purpose\n");
    let change = only_change(&compare(BASE, &added)).clone();
    assert_eq!(
        (change.kind, change.class),
        (ChangeKind::Added, Class::Widening)
    );
    let change = only_change(&compare(&added, BASE)).clone();
    assert_eq!(
        (change.kind, change.class),
        (ChangeKind::Removed, Class::Narrowing)
    );
}

#[test]
fn a_new_purpose_needs_notice_and_consent_citing_the_obligation() {
    let new = format!("{BASE}\nallow use of user.location for marketing.mailing under consent\n");
    let new = new.replace(
        "restrict user.location to service.provide",
        "restrict user.location to service.provide, marketing.mailing",
    );
    let report = compare(BASE, &new);
    assert_eq!(report.new_purposes.len(), 1, "{:#?}", report.new_purposes);
    assert_eq!(report.new_purposes[0].categories, ["user.location"]);
    assert_eq!(report.new_purposes[0].purposes, ["marketing.mailing"]);
    let obligation = report.new_purpose_obligation.as_ref().unwrap();
    assert_eq!(obligation.name, "consent.new_purpose");
    assert_eq!(obligation.cite.as_deref(), Some("1(1)"));
    assert!(report.widens());
    let text = privet::render::diff::new_purpose_text(&report, &report.new_purposes[0]);
    assert!(text.contains("needs notice and consent"), "{text}");
    assert!(text.contains("`consent.new_purpose`"), "{text}");

    // Without such an obligation, the report says so.
    let strip = |text: &str| {
        text.replace(
            "obligation consent.new_purpose \"ask you first\"\n    before new purpose\n    cite \"1(1)\"\n",
            "",
        )
    };
    let report = compare(&strip(BASE), &strip(&new));
    assert!(report.new_purpose_obligation.is_none());
    let text = privet::render::diff::new_purpose_text(&report, &report.new_purposes[0]);
    assert!(text.contains("declares no obligation"), "{text}");

    // A purpose already allowed for a category is not new.
    let again = format!("{BASE}\nallow use of user.contact.email for marketing.mailing\n");
    assert!(compare(BASE, &again).new_purposes.is_empty());
}

#[test]
fn a_category_split_into_finer_ones_keeps_its_permissions() {
    let old = BASE.replace(
        "category user.location \"location\" sensitive",
        "category user.location \"location\" sensitive\ncategory user.device \"device\"",
    );
    let new = BASE.replace(
        "category user.location \"location\" sensitive",
        "category user.location \"location\" sensitive\ncategory user.device \"device\"\ncategory user.device.imei \"IMEI\"\ncategory user.device.model \"model\"",
    );
    let report = compare(&old, &new);
    assert!(report.permissions.is_empty(), "{:#?}", report.permissions);
    assert!(report.changes.iter().all(|c| c.class == Class::Neutral));
    assert_eq!(report.changes.len(), 2);
}

/// A purpose only the new version has stands, in the old one, for a new
/// leaf under `marketing` that no rule covers: a rule on its sibling
/// `marketing.mailing` does not.
#[test]
fn a_new_leaf_purpose_does_not_inherit_its_siblings_permissions() {
    let new = BASE.replace(
        "purpose marketing.mailing \"send you e-mail\"",
        "purpose marketing.mailing \"send you e-mail\"\npurpose marketing.profiling \"profiling\"\nallow use of user.contact.email for marketing.profiling under consent",
    );
    let report = compare(BASE, &new);
    assert!(
        report.permissions.iter().all(|p| p.gained),
        "{:#?}",
        report.permissions
    );
    let gained: Vec<_> = report.permissions.iter().filter(|p| p.gained).collect();
    assert_eq!(gained.len(), 1, "{gained:#?}");
    assert_eq!(gained[0].categories, ["user.contact.email"]);
    assert_eq!(gained[0].purposes, ["marketing.profiling"]);
    assert_eq!(gained[0].actions, [Action::Use]);
    assert!(report.widens());
    // Without the rule that lets any purpose be shared, the pair was never
    // permitted before: a new purpose, needing notice and consent.
    let no_share = |text: &str| text.replace("allow share of user with consent.explicit\n", "");
    let report = compare(&no_share(BASE), &no_share(&new));
    assert_eq!(report.new_purposes.len(), 1, "{:#?}", report.new_purposes);
    assert_eq!(report.new_purposes[0].categories, ["user.contact.email"]);
    assert_eq!(report.new_purposes[0].purposes, ["marketing.profiling"]);

    // A rule on the ancestor covers the new leaf in the old version too.
    let broad = BASE.replace(
        "allow use of user.contact.email for marketing.mailing under consent",
        "allow use of user.contact.email for marketing under consent",
    );
    let with_leaf = broad.replace(
        "purpose marketing.mailing \"send you e-mail\"",
        "purpose marketing.mailing \"send you e-mail\"\npurpose marketing.profiling \"profiling\"",
    );
    let report = compare(&broad, &with_leaf);
    assert!(report.permissions.is_empty(), "{:#?}", report.permissions);
    assert!(report.new_purposes.is_empty());
}

/// A category only the new version has, with no rule naming it or its
/// ancestors' other children, changes no permission of its siblings.
#[test]
fn a_new_leaf_category_without_rules_changes_nothing() {
    let old = BASE.replace(
        "category user.location \"location\" sensitive",
        "category user.location \"location\" sensitive\ncategory user.contact.phone \"phone\"\nallow use of user.contact.phone for marketing.mailing under consent",
    );
    let new = old.replace(
        "category user.contact.phone \"phone\"",
        "category user.contact.phone \"phone\"\ncategory user.contact.wechat \"WeChat\"",
    );
    let report = compare(&old, &new);
    // `user` rules cover the new leaf in both versions; the rules on its
    // siblings cover it in neither.
    assert!(report.permissions.is_empty(), "{:#?}", report.permissions);
    assert!(report.new_purposes.is_empty());
    // And the reverse: removing it narrows nothing either.
    let report = compare(&new, &old);
    assert!(report.permissions.is_empty(), "{:#?}", report.permissions);
}

/// A list of names changed for one covering the same leaves changes no
/// permission: neutral, not widening.
#[test]
fn a_list_renamed_to_the_same_leaves_is_neutral() {
    let old = BASE.replace(
        "restrict user.location to service.provide",
        "restrict user.location to service.provide, marketing.mailing",
    );
    let new = BASE.replace(
        "restrict user.location to service.provide",
        "restrict user.location to service, marketing",
    );
    let report = compare(&old, &new);
    assert!(report.permissions.is_empty());
    let change = only_change(&report);
    assert_eq!(change.class, Class::Neutral, "{change:#?}");
    assert!(!report.widens());
    // The same for the head of an allow.
    let old = BASE.replace(
        "allow use of user.contact.email for marketing.mailing under consent",
        "allow use of user.contact.email for marketing.mailing, service.provide under consent",
    );
    let new = BASE.replace(
        "allow use of user.contact.email for marketing.mailing under consent",
        "allow use of user.contact.email for marketing, service under consent",
    );
    let change = only_change(&compare(&old, &new)).clone();
    assert_eq!(change.class, Class::Neutral, "{change:#?}");
    // Covering more leaves still widens.
    let wider = BASE.replace(
        "restrict user.location to service.provide",
        "restrict user.location to service.provide, marketing.mailing",
    );
    let change = only_change(&compare(BASE, &wider)).clone();
    assert_eq!(change.class, Class::Widening);
}

/// Every act of the domain of two programs with the same vocabulary,
/// decided directly, against the permission changes the report lists.
#[test]
fn permission_changes_are_exactly_the_decisions_that_changed() {
    let variants = [
        BASE.replace(
            "allow share of user with consent.explicit",
            "allow share of user to processor",
        ),
        BASE.replace(
            "restrict user.location to service.provide",
            "restrict user.location to marketing",
        ),
        format!(
            "{BASE}\nhonour do not track for marketing\nconfine user to site except with consent\n"
        ),
        BASE.replace(
            "under consent\n    cite \"1(1)\"",
            "in site\n    cite \"1(1)\"",
        ),
    ];
    for variant in &variants {
        assert_permission_changes(BASE, variant);
    }
}

/// With audiences, a permission change says whose data it is about, and
/// lists exactly the acts, about each audience leaf, whose decision changed.
#[test]
fn permission_changes_about_audiences_are_exactly_the_decisions_that_changed() {
    let base = format!(
        "{BASE}\naudience customer.child \"children\" under age 14\n\
         audience customer.adult \"adults\"\naudience staff \"employees\"\n"
    );
    let variants = [
        format!("{base}deny share of user about customer.child\n"),
        format!("{base}allow use of user for marketing.mailing about staff\n"),
        format!(
            "{base}restrict user.contact.email to service.provide about customer\n    \
             except allow with consent.explicit about customer.adult\n"
        ),
    ];
    for variant in &variants {
        assert_permission_changes(&base, variant);
    }
    let report = compare(&base, &variants[0]);
    assert!(report.permissions.iter().all(|p| !p.gained));
    assert!(
        report
            .permissions
            .iter()
            .all(|p| p.audiences.as_deref() == Some(&["customer.child".to_string()][..]))
    );
    // An `about` clause that covers more of an allow widens it.
    let widened = compare(
        &variants[1],
        &variants[1].replace("about staff", "about staff, customer.adult"),
    );
    let change = only_change(&widened);
    assert_eq!(change.class, Class::Widening);
    assert_eq!(
        change.details,
        [
            "audiences added: `customer.adult`",
            "was: `allow use of user about staff for marketing.mailing`"
        ]
    );
}

/// The permission changes between two programs, expanded back into acts,
/// are exactly the acts (about each audience leaf, when there are
/// audiences) whose decision changed, found by deciding every act of the
/// old program's domain in both.
fn assert_permission_changes(old_text: &str, new_text: &str) {
    let old_compiled = compiled(old_text);
    let old = &old_compiled.program;
    let new_compiled = compiled(new_text);
    let new = &new_compiled.program;
    let report = diff(&old_compiled, &new_compiled);
    let categories = old.categories();
    let purposes = old.purposes();
    let mut bases: Vec<Option<NameId>> = vec![None];
    bases.extend(old.bases().ids().map(Some));
    let mut regions: Vec<Option<NameId>> = vec![None];
    regions.extend(old.regions().ids().map(Some));
    let audiences: Vec<Option<NameId>> = if old.audiences().leaf_count() == 0 {
        vec![None]
    } else {
        old.audiences().leaf_ids().map(Some).collect()
    };
    let mut expected = BTreeSet::new();
    for context in support::contexts(old) {
        for audience in &audiences {
            for category in categories.leaf_ids() {
                for purpose in purposes.leaf_ids() {
                    let act = Act {
                        category,
                        purpose,
                        audiences: audience.iter().copied().collect(),
                        ..context.clone()
                    };
                    let was = decide(old, &act).allowed;
                    let is = decide(new, &act).allowed;
                    if was != is {
                        expected.insert((
                            (is, act.action, act.recipient, act.bases.first().copied()),
                            (act.region, act.do_not_track, *audience),
                            (category, purpose),
                        ));
                    }
                }
            }
        }
    }
    assert!(!expected.is_empty(), "the variant changes some decision");
    // The listed changes, expanded back into acts.
    let mut listed = BTreeSet::new();
    let expand = |names: &[String], v: &privet::model::Vocabulary| -> Vec<NameId> {
        names
            .iter()
            .flat_map(|n| v.leaves_of(v.lookup(n).unwrap()))
            .filter_map(|i| v.leaf(i))
            .collect()
    };
    for p in &report.permissions {
        let p_bases: Vec<Option<NameId>> = match &p.bases {
            None => bases.clone(),
            Some(list) => list
                .iter()
                .map(|b| b.as_ref().map(|n| old.bases().lookup(n).unwrap()))
                .collect(),
        };
        let p_regions: Vec<Option<NameId>> = match &p.regions {
            None => regions.clone(),
            Some(list) => list
                .iter()
                .map(|r| r.as_ref().map(|n| old.regions().lookup(n).unwrap()))
                .collect(),
        };
        let p_audiences: Vec<Option<NameId>> = match &p.audiences {
            None => audiences.clone(),
            Some(list) => expand(list, old.audiences())
                .into_iter()
                .map(Some)
                .collect(),
        };
        let dnts: Vec<bool> = match p.do_not_track {
            None => vec![false, true],
            Some(d) => vec![d],
        };
        for &action in &p.actions {
            for &recipient in &p.recipients {
                for basis in &p_bases {
                    for region in &p_regions {
                        for &dnt in &dnts {
                            for audience in &p_audiences {
                                for category in expand(&p.categories, categories) {
                                    for purpose in expand(&p.purposes, purposes) {
                                        let fresh = listed.insert((
                                            (p.gained, action, recipient, *basis),
                                            (*region, dnt, *audience),
                                            (category, purpose),
                                        ));
                                        assert!(fresh, "an act listed twice");
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    assert_eq!(listed, expected, "{new_text}");
}

// ---- the command

use support::root;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} lacks {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// Two copies of the One Touch policy, `old` and `new`.
fn one_touch_twice() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let one_touch = root().join("policies/one-touch");
    copy_dir(&one_touch, &dir.path().join("old"));
    copy_dir(&one_touch, &dir.path().join("new"));
    dir
}

/// The One Touch policy as `old`, and as `new` a version that drops the
/// IMEI restriction, keeps data longer, lets location go to marketing, no
/// longer flags location sensitive, and adds a safeguard.
fn one_touch_change() -> tempfile::TempDir {
    let dir = one_touch_twice();
    let new = dir.path().join("new");
    edit(
        &new.join("collection.privet"),
        "restrict user.device.imei to security.login, security.identification\n    cite \"1(1) special note\"\n",
        "",
    );
    edit(
        &new.join("vocabulary.privet"),
        "duration legal_minimum = 3 years",
        "duration legal_minimum = 5 years",
    );
    edit(
        &new.join("vocabulary.privet"),
        "category user.location \"location information\" sensitive",
        "category user.location \"location information\"",
    );
    edit(
        &new.join("tracking.privet"),
        "allow use of user.contact, user.account for marketing.mailing under consent",
        "allow use of user.contact, user.account, user.location for marketing.mailing\n    under consent",
    );
    edit(
        &new.join("security.privet"),
        "require audit for stores of user",
        "require audit, isolation for stores of user",
    );
    dir
}

use support::privet_in;

#[test]
fn golden_diff_of_a_one_touch_change() {
    let dir = one_touch_change();
    for format in ["human", "json", "markdown", "github"] {
        let output = privet_in(dir.path(), &["diff", "old", "new", "--format", format]);
        assert_eq!(output.status.code(), Some(0), "{format}");
        let text = String::from_utf8(output.stdout).unwrap();
        if format == "json" {
            let value: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(value["format_version"], 1);
            assert!(value["summary"]["widening"].as_u64().unwrap() > 0);
        }
        insta::assert_snapshot!(format!("diff_one_touch_{format}"), text);
    }
}

#[test]
fn fail_on_sets_the_exit_code() {
    let dir = one_touch_change();
    let code = |args: &[&str]| privet_in(dir.path(), args).status.code();
    assert_eq!(
        code(&["diff", "old", "new", "--fail-on", "widening"]),
        Some(1)
    );
    assert_eq!(code(&["diff", "old", "new", "--fail-on", "any"]), Some(1));
    assert_eq!(code(&["diff", "old", "old", "--fail-on", "any"]), Some(0));
    assert_eq!(
        code(&["diff", "old", "old", "--fail-on", "widening"]),
        Some(0)
    );
    // Narrowing only: the reverse of a change that adds a restriction.
    let narrowed = dir.path().join("narrowed");
    copy_dir(&dir.path().join("old"), &narrowed);
    edit(
        &narrowed.join("security.privet"),
        "require audit for stores of user",
        "require audit, isolation for stores of user",
    );
    assert_eq!(
        code(&["diff", "old", "narrowed", "--fail-on", "widening"]),
        Some(0)
    );
    assert_eq!(
        code(&["diff", "old", "narrowed", "--fail-on", "any"]),
        Some(1)
    );
    assert_eq!(
        code(&["diff", "narrowed", "old", "--fail-on", "widening"]),
        Some(1)
    );
    // Same meaning, every file reformatted and re-commented.
    let recommented = dir.path().join("recommented");
    copy_dir(&dir.path().join("old"), &recommented);
    for file in support::privet_files(&recommented) {
        let text = std::fs::read_to_string(&file).unwrap();
        let text: Vec<String> = text
            .replace("\n    cite", "  cite")
            .lines()
            .map(|line| match line.strip_prefix("// ") {
                Some(rest) => format!("// note: {rest}"),
                None => line.to_string(),
            })
            .collect();
        let text = text.join("\n");
        std::fs::write(&file, format!("// a new first line\n\n{text}")).unwrap();
    }
    let output = privet_in(
        dir.path(),
        &["diff", "old", "recommented", "--fail-on", "any"],
    );
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "privet diff: no semantic changes\n"
    );
}

#[test]
fn a_version_that_does_not_load_is_an_error_never_no_changes() {
    let dir = one_touch_change();
    copy_dir(
        &root().join("policies/violations/purpose-restricted"),
        &dir.path().join("broken"),
    );
    std::fs::write(
        dir.path().join("broken/duplicate.privet"),
        "purpose security.login \"again\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("new/typo.privet"),
        "allow use of user.nope for service.provide\n",
    )
    .unwrap();
    for format in ["human", "json", "markdown", "github"] {
        let output = privet_in(dir.path(), &["diff", "old", "new", "--format", format]);
        assert_eq!(output.status.code(), Some(1), "{format}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(
            stderr.contains("the new version `new` has 1 error"),
            "{stderr}"
        );
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert!(!stdout.contains("no semantic changes"));
        if format == "github" {
            assert!(stdout.starts_with("::error title=privet diff::the new version"));
        } else {
            assert!(stdout.is_empty(), "{stdout}");
        }
    }
    // A version that does not load as the old version.
    let output = privet_in(dir.path(), &["diff", "broken", "old"]);
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!(
        "diff_failing_old_version",
        String::from_utf8(output.stderr).unwrap()
    );
    // A missing version is an I/O error.
    let output = privet_in(dir.path(), &["diff", "old", "missing"]);
    assert_eq!(output.status.code(), Some(2));
}

/// A version whose flows break the policy loads: it is compared. Every
/// violation example against itself has no changes, and against the One
/// Touch policy has some.
#[test]
fn versions_with_flow_violations_are_compared() {
    let violations = root().join("policies/violations");
    let mut count = 0;
    for entry in std::fs::read_dir(&violations).unwrap() {
        let dir = entry.unwrap().path();
        let name = dir.file_name().unwrap().to_str().unwrap().to_string();
        let path = format!("policies/violations/{name}");
        if privet::diagnostic::Name::from_name(&name).is_some_and(|n| n.is_loading()) {
            // A program that does not load is an error, never "no changes".
            let output = privet_in(root(), &["diff", &path, &path]);
            assert_eq!(output.status.code(), Some(1), "{name}");
            assert!(
                String::from_utf8(output.stdout).unwrap().is_empty(),
                "{name}"
            );
            continue;
        }
        for format in ["human", "json", "markdown", "github"] {
            let output = privet_in(
                root(),
                &["diff", &path, &path, "--format", format, "--fail-on", "any"],
            );
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(0), "{name} {format}: {stderr}");
        }
        let output = privet_in(root(), &["diff", "policies/one-touch", &path]);
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert_eq!(output.status.code(), Some(0), "{name}");
        assert!(
            stdout.contains("narrowing") || stdout.contains("widening"),
            "{name}: {stdout}"
        );
        count += 1;
    }
    assert!(count >= 10);
}

/// The One Touch policy with a purpose added beside `marketing.mailing` and
/// allowed for `user.account`: a permission gained, and no permission lost,
/// reported as a new purpose citing the notice's obligation; a category
/// added with no rule changes nothing.
#[test]
fn one_touch_new_leaves_stand_for_new_leaves() {
    let dir = one_touch_twice();
    let new = dir.path().join("new");
    std::fs::write(
        new.join("profiling.privet"),
        "purpose marketing.profiling \"profiling\"\nallow use of user.account for marketing.profiling under consent\n",
    )
    .unwrap();
    let output = privet_in(dir.path(), &["diff", "old", "new"]);
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(!text.contains("no longer allowed"), "{text}");
    assert!(!text.contains("narrowing:"), "{text}");
    assert!(
        text.contains("now allowed: use `user.account` for `marketing.profiling`"),
        "{text}"
    );
    // A new purpose: under the ordinary rules `user.account` could not be
    // used for it (sharing it with explicit consent is another party's
    // purpose, and an exemption holds for its own situation only).
    assert!(
        text.contains(
            "`user.account` may now be used for `marketing.profiling`: a new purpose, which needs notice and consent"
        ),
        "{text}"
    );
    insta::assert_snapshot!("diff_one_touch_new_purpose", text);

    let wechat = dir.path().join("wechat");
    copy_dir(&root().join("policies/one-touch"), &wechat);
    std::fs::write(
        wechat.join("wechat.privet"),
        "category user.contact.wechat \"WeChat ID\"\n",
    )
    .unwrap();
    for (old, new) in [("old", "wechat"), ("wechat", "old")] {
        let output = privet_in(dir.path(), &["diff", old, new]);
        let text = String::from_utf8(output.stdout).unwrap();
        assert!(!text.contains("allowed"), "{old} -> {new}: {text}");
        assert!(!text.contains("narrowing:"), "{old} -> {new}: {text}");
    }
}

/// `restrict ... to security.login, security.identification` rewritten as
/// `to security` (the same leaves) is neutral.
#[test]
fn one_touch_restriction_to_the_same_leaves_is_neutral() {
    let dir = one_touch_twice();
    edit(
        &dir.path().join("new/collection.privet"),
        "restrict user.device.imei to security.login, security.identification",
        "restrict user.device.imei to security",
    );
    let output = privet_in(dir.path(), &["diff", "old", "new", "--fail-on", "widening"]);
    let text = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(
        text.starts_with("privet diff: 0 widening, 0 narrowing, 1 neutral"),
        "{text}"
    );
}

/// The Markdown of a diff compiled in memory, as `--format markdown` writes
/// it.
fn markdown_of(old: &str, new: &str) -> String {
    let (old_sources, old) = support::compile_text(old);
    let (new_sources, new) = support::compile_text(new);
    let report = diff(&old, &new);
    privet::render::diff::markdown(
        &report,
        &privet::render::diff::Versions {
            old: &old_sources,
            new: &new_sources,
        },
    )
}

#[test]
fn markdown_user_text_cannot_mention_or_link() {
    use support::GITHUB_BAIT;
    // A label, a citation, a doc comment and the new-purpose obligation's
    // text, each quoted by the report.
    let new = format!("{BASE}\nallow use of user.location for marketing.mailing under consent\n")
        .replace(
            "restrict user.location to service.provide",
            "restrict user.location to service.provide, marketing.mailing",
        )
        .replace("\"e-mail address\"", &format!("\"{GITHUB_BAIT}\""))
        .replace("cite \"3(1)\"", &format!("cite \"{GITHUB_BAIT}\""))
        .replace("\"ask you first\"", &format!("\"{GITHUB_BAIT}\""))
        .replace("/// What we collect.", &format!("/// {GITHUB_BAIT}"));
    let text = markdown_of(BASE, &new);
    support::assert_inert_on_github(&text);
    assert!(text.contains("`@octocat`"), "{text}");
    insta::assert_snapshot!("diff_markdown_user_text_inert", text);
}

/// A new version adding `count` obligations, each with a label of the bait.
fn many_obligations(count: usize) -> String {
    support::with_lines(BASE, count, |index| {
        format!("obligation extra.o{index} \"{}\"", support::GITHUB_BAIT)
    })
}

#[test]
fn markdown_stays_under_githubs_comment_limit() {
    use privet::render::markup::{GITHUB_COMMENT_BUDGET, GITHUB_COMMENT_LIMIT, github_length};
    let count = 2_000;
    let text = markdown_of(BASE, &many_obligations(count));
    assert!(
        github_length(&text) <= GITHUB_COMMENT_BUDGET,
        "{}",
        text.len()
    );
    assert!(text.chars().count() < GITHUB_COMMENT_LIMIT);
    assert!(text.encode_utf16().count() < GITHUB_COMMENT_LIMIT);
    support::assert_inert_on_github(&text);
    // Whole items only, and the last line counts the others.
    let shown = text.matches("\n- added obligation `extra.o").count();
    assert!(shown > 100, "{shown}");
    let last = text.lines().last().unwrap();
    let left_out = count - shown;
    assert_eq!(
        last,
        format!(
            "**{left_out} more changes not shown** to keep this under GitHub's limit of 65,536 characters: `privet diff` on the two versions gives the full report."
        )
    );
    for item in text.split("\n- added obligation").skip(1) {
        assert!(item.contains("(`case.privet:"), "{item}");
    }
    // Every item cut off whole: the shown ones end with their detail line.
    let tail: Vec<&str> = text.lines().rev().take(5).collect();
    insta::assert_snapshot!(
        "diff_markdown_cut_under_the_limit",
        tail.into_iter().rev().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn the_step_summary_of_diff_is_the_bounded_markdown() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("old")).unwrap();
    std::fs::create_dir_all(dir.path().join("new")).unwrap();
    std::fs::write(dir.path().join("old/a.privet"), BASE).unwrap();
    std::fs::write(dir.path().join("new/a.privet"), many_obligations(2_000)).unwrap();
    let summary = dir.path().join("summary.md");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_privet"))
        .args(["diff", "old", "new", "--format", "github"])
        .current_dir(dir.path())
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let written = std::fs::read_to_string(&summary).unwrap();
    let markdown = privet_in(dir.path(), &["diff", "old", "new", "--format", "markdown"]);
    assert_eq!(written, String::from_utf8(markdown.stdout).unwrap());
    assert!(
        privet::render::markup::github_length(&written)
            <= privet::render::markup::GITHUB_COMMENT_BUDGET
    );
    assert!(written.contains("more changes not shown"), "{written}");
}

/// 5: any category newly usable for a purpose the ordinary rules never
/// allowed it is a new purpose, on the real policy.
#[test]
fn one_touch_order_data_for_advertising_is_a_new_purpose() {
    let dir = one_touch_twice();
    std::fs::write(
        dir.path().join("new/ads.privet"),
        "purpose marketing.ads \"show you advertisements\"\nallow use of user.order for marketing.ads\n",
    )
    .unwrap();
    let output = privet_in(dir.path(), &["diff", "old", "new", "--fail-on", "widening"]);
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains(
            "`user.order` may now be used for `marketing.ads`: a new purpose, which needs notice and consent (obligation `consent.new_purpose`"
        ),
        "{text}"
    );
}

/// The order of a rule's exceptions is never a change, citations included.
#[test]
fn one_touch_exceptions_swapped_are_no_change() {
    let dir = one_touch_twice();
    edit(
        &dir.path().join("new/sharing.privet"),
        "    except allow with consent.explicit\n        cite \"3(1) 1\"\n    except allow for legal.compliance under legal_requirement\n        cite \"3(1) 2\"\n",
        "    except allow for legal.compliance under legal_requirement\n        cite \"3(1) 2\"\n    except allow with consent.explicit\n        cite \"3(1) 1\"\n",
    );
    let output = privet_in(dir.path(), &["diff", "old", "new", "--fail-on", "any"]);
    let text = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(
        text.starts_with("privet diff: no semantic changes"),
        "{text}"
    );
}

/// Removing a rule that decides nothing widens nothing: a `deny` of no
/// category (order data is not sensitive), and an `allow` another already
/// covers.
#[test]
fn one_touch_removing_a_dead_rule_is_neutral() {
    let dir = one_touch_twice();
    std::fs::write(
        dir.path().join("old/dead.privet"),
        "deny share of sensitive user.order\n\nallow use of user.order for service.provide\n",
    )
    .unwrap();
    let output = privet_in(dir.path(), &["diff", "old", "new", "--fail-on", "widening"]);
    let text = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(
        text.starts_with("privet diff: 0 widening, 0 narrowing, 2 neutral"),
        "{text}"
    );
    assert_eq!(
        text.matches("it decides nothing (a `dead-rule`), so no permission changes")
            .count(),
        2,
        "{text}"
    );
}

/// A rule about the data after an event: its `after` clause is part of its
/// text, and a flow's `while` or `after` clause part of the flow's.
#[test]
fn phases_of_rules_and_flows_are_compared() {
    let with_rule = format!(
        "{BASE}\ndeny use of user.contact.email for marketing.mailing after account.closed\n"
    );
    let report = compare(BASE, &with_rule);
    let change = only_change(&report);
    assert_eq!(
        (change.class, change.kind),
        (Class::Narrowing, ChangeKind::Added)
    );
    assert_eq!(
        change.name,
        "deny use of user.contact.email for marketing.mailing after account.closed"
    );
    let map = format!(
        "{BASE}\nsubject customer\nsystem app in site\nsystem web in site\nflow customer -> app carries user.contact.email for service.provide under consent\nflow app -> web carries user.contact.email for service.provide under consent\n"
    );
    let narrowed = map.replace(
        "flow app -> web carries user.contact.email for service.provide under consent\n",
        "flow app -> web carries user.contact.email for service.provide under consent\n    while account.active\n",
    );
    let report = compare(&map, &narrowed);
    let change = only_change(&report);
    assert_eq!(change.class, Class::Narrowing);
    assert_eq!(
        change.details[0],
        "phases: every phase of its source -> `while account.active`"
    );
    let report = compare(&narrowed, &map);
    let change = only_change(&report);
    assert_eq!(change.class, Class::Widening);
}
