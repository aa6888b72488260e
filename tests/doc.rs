#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! `privet doc`: the document of the One Touch policy has every section,
//! every rule with its citation, the data map as a table and a picture;
//! every user string is escaped; a program that does not load writes
//! nothing, a program whose flows break the policy is documented.
//! Golden files show the Markdown and the picture.

mod support;

use privet::render::doc;

use support::root;

fn privet(args: &[&str]) -> std::process::Output {
    support::privet_in(root(), args)
}

/// `privet doc PATH --out OUT`.
fn doc_to(path: &std::path::Path, out: &std::path::Path) -> std::process::Output {
    privet(&[
        "doc",
        path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ])
}

#[test]
fn one_touch_document_has_every_section_rule_and_flow() {
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("doc");
    let output = privet(&[
        "doc",
        "policies/one-touch",
        "--out",
        target.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let markdown = std::fs::read_to_string(target.join("policy.md")).unwrap();
    let html = std::fs::read_to_string(target.join("policy.html")).unwrap();
    let svg = std::fs::read_to_string(target.join("data-map.svg")).unwrap();
    for section in support::DOC_SECTIONS {
        assert!(markdown.contains(&format!("## {section}")), "{section}");
        assert!(
            html.contains(&format!(">{}</h2>", section.replace('\'', "&#39;"))),
            "{section}"
        );
    }

    let files = support::privet_files(&root().join("policies/one-touch"));
    let (_, compilation) = support::compile_files(&files);
    let program = &compilation.program;
    // Every rule, retention and requirement is there with its citation.
    let cited = program
        .rules
        .iter()
        .map(|r| &r.meta)
        .chain(program.retentions.iter().map(|r| &r.meta))
        .chain(program.requirements.iter().map(|r| &r.meta));
    let mut count = 0;
    for meta in cited {
        let cite = meta.cite_text().unwrap();
        assert!(markdown.contains(&format!("*(cite \"{cite}\")*")), "{cite}");
        if let Some(doc) = &meta.doc {
            let first = doc.lines().next().unwrap();
            assert!(markdown.contains(first), "{first}");
        }
        count += 1;
    }
    let entries = markdown.lines().filter(|l| l.starts_with("- ")).count();
    assert!(entries >= count, "{entries} entries for {count} rules");
    // The data map: a box per node, an arrow per pair of nodes with flows
    // between them (whose tooltip lists each flow), and a row per flow.
    assert_eq!(svg.matches("<g class=\"node ").count(), program.nodes.len());
    let pairs: std::collections::BTreeSet<_> = program
        .flows
        .iter()
        .map(|flow| (flow.from, flow.to))
        .collect();
    assert!(pairs.len() < program.flows.len(), "some flows are parallel");
    assert_eq!(svg.matches("<path class=\"flow").count(), pairs.len());
    let tooltips: usize = svg
        .split("<path class=\"flow")
        .skip(1)
        .map(|arrow| arrow.split("</title>").next().unwrap().lines().count())
        .sum();
    assert_eq!(tooltips, program.flows.len());
    assert!(html.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(!html.contains("<script"));
    assert!(!html.contains("http-equiv=\"refresh\""));
    // No reference to anything outside the file.
    assert!(!html.contains("src="));
    assert!(!html.contains("href="));
}

#[test]
fn a_program_that_does_not_load_writes_nothing() {
    let out = tempfile::tempdir().unwrap();
    let broken = out.path().join("broken");
    copy_violation("purpose-restricted", &broken);
    std::fs::write(
        broken.join("typo.privet"),
        "allow use of user.nope for service.provide\n",
    )
    .unwrap();
    let target = out.path().join("doc");
    let output = doc_to(&broken, &target);
    assert_eq!(output.status.code(), Some(1));
    assert!(!target.exists(), "nothing is written");
    // An earlier document stays as it was.
    let target = out.path().join("kept");
    std::fs::create_dir_all(&target).unwrap();
    std::fs::write(target.join("policy.md"), "earlier").unwrap();
    let output = doc_to(&broken, &target);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(target.join("policy.md")).unwrap(),
        "earlier"
    );
    assert_eq!(std::fs::read_dir(&target).unwrap().count(), 1);
}

/// `--out` naming a file: a plain message, no raw OS text.
#[test]
fn out_onto_a_file_is_a_plain_io_error() {
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("taken");
    std::fs::write(&file, "x").unwrap();
    let output = privet(&["doc", "policies/one-touch", "--out", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.starts_with("privet: error: `"), "{stderr}");
    assert!(
        stderr
            .trim_end()
            .ends_with("taken`: exists and is not a directory"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "x");
    assert!(!stderr.contains("os error"), "{stderr}");
}

fn copy_violation(name: &str, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for file in support::privet_files(&root().join("policies/violations").join(name)) {
        std::fs::copy(&file, to.join(file.file_name().unwrap())).unwrap();
    }
}

/// Every violation example is documented, exit code 0, its broken flows
/// marked: only a program that does not load is refused.
#[test]
fn every_violation_example_is_documented_with_its_flows_marked() {
    let out = tempfile::tempdir().unwrap();
    let mut marked_errors = 0;
    for entry in std::fs::read_dir(root().join("policies/violations")).unwrap() {
        let dir = entry.unwrap().path();
        let name = dir.file_name().unwrap().to_str().unwrap().to_string();
        let target = out.path().join(&name);
        let output = doc_to(&dir, &target);
        let stderr = String::from_utf8_lossy(&output.stderr);
        if privet::diagnostic::Name::from_name(&name).is_some_and(|n| n.is_loading()) {
            assert_eq!(output.status.code(), Some(1), "{name}: {stderr}");
            assert!(
                !target.exists(),
                "{name}: a program that does not load is not documented"
            );
            continue;
        }
        assert_eq!(output.status.code(), Some(0), "{name}: {stderr}");
        let html = std::fs::read_to_string(target.join("policy.html")).unwrap();
        assert!(target.join("policy.md").exists(), "{name}");
        assert!(target.join("data-map.svg").exists(), "{name}");
        let (_, compilation) = support::compile_files(&support::privet_files(&dir));
        if compilation.has_errors() {
            assert!(
                stderr.contains("the document marks the flows"),
                "{name}: {stderr}"
            );
        }
        if compilation.findings.iter().any(|f| {
            compilation
                .diagnostics
                .iter()
                .any(|d| d.is_error() && d.name == f.1)
        }) {
            assert!(html.contains("flow error"), "{name}");
            marked_errors += 1;
        }
    }
    assert!(marked_errors > 0, "some example has an error on a flow");
}

#[test]
fn flows_with_warnings_are_marked() {
    let (_, compilation) = support::compile_files(&support::privet_files(
        &root().join("policies/violations/unnecessary-collection"),
    ));
    assert!(!compilation.has_errors());
    let document = doc::document(
        &compilation.program,
        &compilation.findings,
        &compilation.diagnostics,
    );
    let html = doc::html(&document);
    assert_eq!(html.matches("class=\"flow warning\"").count(), 1, "{html}");
    let markdown = doc::markdown(&document, "data-map.svg");
    assert!(markdown.contains("**unnecessary-collection**"));
}

/// A program whose every user string tries to break out of its markup.
pub const HOSTILE: &str = r#"
policy hostile "</title><script>document.title='pwned'</script>"
category user.x "<script>document.title='pwned'</script> & \"quotes\" | `ticks` *stars*"
    cite "<img src=x onerror=alert(1)>"
purpose p.x "<b>bold</b>"
/// A doc comment with <script>alert(1)</script> and ]]> and -->.
allow collect, use of user for p under consent cite "</span><script>alert(2)</script>"
basis consent "consent <svg onload=alert(3)>"
subject someone "<script>alert(4)</script>"
system app "app </text><script>alert(5)</script>"
flow someone -> app carries user.x for p.x under consent
"#;

#[test]
fn every_user_string_is_escaped() {
    let (_, compilation) = support::compile_text(HOSTILE);
    assert!(!compilation.has_errors(), "{:?}", compilation.diagnostics);
    let document = doc::document(
        &compilation.program,
        &compilation.findings,
        &compilation.diagnostics,
    );
    let html = doc::html(&document);
    assert!(!html.to_lowercase().contains("<script"), "{html}");
    assert!(!html.contains("<img"));
    assert!(!html.contains("<svg onload"));
    assert!(!html.contains("<b>bold"));
    assert!(html.contains("&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;"));
    assert!(html.contains("<title>&lt;/title&gt;&lt;script&gt;"));
    let markdown = doc::markdown(&document, "data-map.svg");
    // Every `<` is backslash-escaped: Markdown shows it as text; the only
    // tags are privet's own anchors of broken flows (`<a id="flow-1"></a>`).
    let anchors: String = markdown
        .split("<a id=\"flow-")
        .enumerate()
        .map(|(i, part)| {
            if i == 0 {
                part
            } else {
                let (number, rest) = part.split_once("\"></a>").unwrap();
                assert!(number.chars().all(|c| c.is_ascii_digit()), "{number}");
                rest
            }
        })
        .collect();
    assert!(!anchors.replace("\\<", "").contains('<'), "{markdown}");
    assert!(markdown.contains("\\<script\\>"));
    assert!(markdown.contains("\\| \\`ticks\\` \\*stars\\*"));
    let picture = document.picture_svg().unwrap();
    assert!(!picture.contains("<script"), "{picture}");
    assert!(picture.contains("&lt;/text&gt;"));
}

/// Rules say whose data they are about, in the words of the audiences'
/// labels; the audiences are listed with their age bounds, and a subject
/// with the kinds it is.
#[test]
fn rules_about_audiences_say_whose_data() {
    let (_, compilation) = support::compile_text(
        "category user.email \"e-mail address\"\npurpose ads \"advertising\"\n\
         basis consent.guardian \"a guardian's consent\"\n\
         audience customer.child \"children\" under age 14\naudience customer.adult \"adults\"\n\
         allow collect of user for ads about customer.adult\n\
         deny share of user about customer.child\n    except allow with consent.guardian about customer.child\n\
         restrict user to ads about customer\n\
         subject pupil \"a child\" is customer.child\nsystem app\n\
         flow pupil -> app carries user for ads\n",
    );
    let document = doc::document(
        &compilation.program,
        &compilation.findings,
        &compilation.diagnostics,
    );
    let markdown = doc::markdown(&document, "data-map.svg");
    for expected in [
        "### Whose information",
        "| `customer.child` | children (under age 14) |",
        "**Allowed:** collect `user` about adults (`customer.adult`) for `ads`",
        "**Forbidden:** share `user` about children (`customer.child`) for any purpose",
        "allowed as an exception about children (`customer.child`), under `consent.guardian`",
        "is used only for `ads`, about `customer`",
        "| `pupil` | subject | a child (is customer.child) |",
    ] {
        assert!(markdown.contains(expected), "{expected}\n{markdown}");
    }
}

#[test]
fn golden_documents() {
    for (name, dir) in [
        ("one_touch", "policies/one-touch"),
        (
            "unnecessary_collection",
            "policies/violations/unnecessary-collection",
        ),
    ] {
        let (_, compilation) = support::compile_files(&support::privet_files(&root().join(dir)));
        let document = doc::document(
            &compilation.program,
            &compilation.findings,
            &compilation.diagnostics,
        );
        insta::assert_snapshot!(
            format!("doc_markdown_{name}"),
            doc::markdown(&document, "data-map.svg")
        );
        let picture = document.picture_svg().unwrap();
        insta::assert_snapshot!(format!("doc_svg_{name}"), picture);
    }
    let (_, compilation) = support::compile_files(&support::privet_files(
        &root().join("policies/violations/unnecessary-collection"),
    ));
    let document = doc::document(
        &compilation.program,
        &compilation.findings,
        &compilation.diagnostics,
    );
    insta::assert_snapshot!("doc_html_unnecessary_collection", doc::html(&document));
}

#[test]
fn the_markdown_document_cannot_mention_or_link() {
    let bait = support::GITHUB_BAIT;
    let text = format!(
        "policy bait \"{bait}\"\ncategory user.x \"{bait}\"\n    cite \"{bait}\"\npurpose p \"{bait}\"\n\
         /// {bait}\nallow collect, use of user for p cite \"{bait}\"\n"
    );
    let (_, compilation) = support::compile_text(&text);
    assert!(!compilation.has_errors(), "{:?}", compilation.diagnostics);
    let document = doc::document(
        &compilation.program,
        &compilation.findings,
        &compilation.diagnostics,
    );
    let markdown = doc::markdown(&document, "data-map.svg");
    support::assert_inert_on_github(&markdown);
    assert!(markdown.contains("`@github/security,`"), "{markdown}");
}

/// The picture of a chain with a fan-out below the summary threshold: an
/// edge skipping many layers is drawn in a bounded number of points, so
/// the SVG grows with the boxes and arrows, not with the layers each arrow
/// skips (before, every skipped layer added a point: quadratic).
#[test]
fn the_picture_of_a_long_chain_with_a_fan_out_grows_linearly() {
    let svg_of = |systems: usize| {
        let (_, compilation) =
            support::compile_text(&support::chain::chain_with_fan_out(systems, true));
        assert!(!compilation.has_errors(), "{:?}", compilation.diagnostics);
        let document = doc::document(
            &compilation.program,
            &compilation.findings,
            &compilation.diagnostics,
        );
        let svg = document.picture_svg().unwrap();
        let boxes = svg.matches("<g class=\"node ").count();
        let arrows = svg.matches("<path class=\"flow").count();
        assert_eq!(boxes, systems + 1, "a box per node: not summarised");
        // The first system feeds the second twice: one arrow.
        assert_eq!(arrows, 2 * systems - 2);
        let markdown = doc::markdown(&document, "data-map.svg");
        assert!(!markdown.contains("summarised"), "{markdown}");
        (svg.len(), boxes + arrows)
    };
    let (small, small_items) = svg_of(95);
    let (large, large_items) = svg_of(190);
    // A box is about 330 bytes and an arrow about 280 with its tooltip.
    for (bytes, items) in [(small, small_items), (large, large_items)] {
        assert!(
            bytes <= 2_000 + 450 * items,
            "{bytes} bytes for {items} boxes and arrows"
        );
    }
    let ratio = large as f64 / small as f64;
    assert!(ratio < 2.2, "twice the map, {ratio:.2} times the SVG");
}

/// Past what a person can read, the picture is summarised and the document
/// says so; the tables keep every node and flow.
#[test]
fn past_the_threshold_the_picture_is_summarised() {
    let limit = doc::PICTURE_MAX_BOXES;
    // A fan-out: no chain to collapse, so one box per kind.
    let systems = limit + 50;
    let (_, compilation) =
        support::compile_text(&support::chain::chain_with_fan_out(systems, true));
    assert!(!compilation.has_errors(), "{:?}", compilation.diagnostics);
    let document = doc::document(
        &compilation.program,
        &compilation.findings,
        &compilation.diagnostics,
    );
    let markdown = doc::markdown(&document, "data-map.svg");
    assert!(
        markdown.contains(&format!(
            "The data map has {} systems, stores and recipients and {} flows, more than a picture can show legibly (at most {limit} boxes",
            systems + 1,
            2 * systems - 1
        )),
        "{markdown}"
    );
    assert!(markdown.contains("one box per kind of node"), "{markdown}");
    for i in [0, systems / 2, systems - 1] {
        assert!(markdown.contains(&format!("| `s{i:05}` | system |")), "{i}");
    }
    let svg = document.picture_svg().unwrap();
    assert_eq!(svg.matches("<g class=\"node ").count(), 2, "{svg}");
    assert!(svg.contains(&format!(">{systems} systems</text>")), "{svg}");
    assert!(svg.len() < 20_000, "{} bytes", svg.len());
    let html = doc::html(&document);
    assert!(html.contains("the picture is summarised"));

    // A plain chain collapses into one box.
    let (_, compilation) =
        support::compile_text(&support::chain::chain_with_fan_out(systems, false));
    let document = doc::document(
        &compilation.program,
        &compilation.findings,
        &compilation.diagnostics,
    );
    let markdown = doc::markdown(&document, "data-map.svg");
    assert!(
        markdown.contains("each chain of nodes of one kind"),
        "{markdown}"
    );
    let svg = document.picture_svg().unwrap();
    assert_eq!(svg.matches("<g class=\"node ").count(), 2, "{svg}");
    assert!(
        svg.contains(&format!(">{systems} systems in a chain</text>")),
        "{svg}"
    );
    assert!(svg.contains(">s00000 \u{2026} s"), "{svg}");
    assert!(svg.len() < 20_000, "{} bytes", svg.len());
}

/// A copy of the One Touch policy with one data-map file whose flow breaks
/// it: the document says so at the top, lists each way the flow breaks the
/// policy with the rule's citation, and links to the flow's row in the
/// table of flows, in Markdown and in HTML. The clean policy says nothing
/// of the kind.
#[test]
fn broken_flows_are_listed_at_the_top_with_their_rules_and_linked() {
    let out = tempfile::tempdir().unwrap();
    let copy = out.path().join("one-touch");
    let source = root().join("policies/one-touch");
    for file in support::privet_files(&source) {
        let to = copy.join(file.strip_prefix(&source).unwrap());
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&file, to).unwrap();
    }
    std::fs::write(
        copy.join("systems/leak.privet"),
        "flow accounts_db -> mail_vendor carries user.contact for marketing under consent\n",
    )
    .unwrap();
    let target = out.path().join("doc");
    let output = doc_to(&copy, &target);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let markdown = std::fs::read_to_string(target.join("policy.md")).unwrap();
    let html = std::fs::read_to_string(target.join("policy.html")).unwrap();

    let top = markdown.find("## 1 flow breaks this policy").unwrap();
    assert!(
        top < markdown.find("## The notice").unwrap(),
        "not at the top"
    );
    let listing = &markdown[top..markdown.find("## The notice").unwrap()];
    let link = listing.split("](#").nth(1).unwrap();
    let anchor = link.split(')').next().unwrap();
    assert!(
        listing.contains(&format!("- [accounts\\_db to mail\\_vendor](#{anchor})")),
        "{listing}"
    );
    // Each way it breaks the policy, with the rule's citation.
    for (name, cite) in [
        ("missing-safeguard", "1(2) security protection measures b"),
        ("purpose-not-allowed", "1(2) 1"),
        ("sharing-without-basis", "3(1)"),
    ] {
        assert!(
            listing
                .lines()
                .any(|line| line.contains(&format!("({name})"))
                    && line.contains(&format!("*(cite \"{cite}\")*"))),
            "{name} with {cite}: {listing}"
        );
    }
    // The link goes to the flow's row, and only broken rows have an anchor.
    let row = markdown
        .lines()
        .find(|line| line.contains(&format!("<a id=\"{anchor}\"></a>")))
        .unwrap();
    assert!(row.contains("`accounts_db` | `mail_vendor`"), "{row}");
    assert_eq!(markdown.matches("<a id=\"flow-").count(), 1);
    assert!(html.contains(&format!(
        "<a href=\"#{anchor}\">accounts_db to mail_vendor</a>"
    )));
    assert!(html.contains(&format!("<a id=\"{anchor}\"></a>")));
    assert!(
        html.contains("this flow lacks <code>encryption.in_transit</code> (missing-safeguard)")
    );
    assert!(
        html.find(">1 flow breaks this policy</h2>").unwrap()
            < html.find(">The notice</h2>").unwrap()
    );

    let clean = out.path().join("clean");
    let output = doc_to(&root().join("policies/one-touch"), &clean);
    assert_eq!(output.status.code(), Some(0));
    let markdown = std::fs::read_to_string(clean.join("policy.md")).unwrap();
    assert!(!markdown.contains("break this policy") && !markdown.contains("breaks this policy"));
    assert!(!markdown.contains("<a id="));
}

/// Every arrow of the One Touch data map carries its label, in the SVG
/// file and in the page: what it carries and for what, each line
/// abbreviated to at most `PICTURE_LABEL_CHARS` characters, keeping how many
/// names it leaves out.
#[test]
fn arrows_carry_labels_of_what_and_why() {
    let out = tempfile::tempdir().unwrap();
    let output = doc_to(&root().join("policies/one-touch"), out.path());
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let svg = std::fs::read_to_string(out.path().join("data-map.svg")).unwrap();
    let html = std::fs::read_to_string(out.path().join("policy.html")).unwrap();
    let arrows = svg.matches("<path class=\"flow").count();
    assert!(arrows > 10);
    assert_eq!(svg.matches("<text class=\"flow-label\"").count(), arrows);
    assert_eq!(html.matches("<text class=\"flow-label\"").count(), arrows);
    let lines: Vec<&str> = svg
        .split("<tspan ")
        .skip(1)
        .map(|tspan| tspan.split('>').nth(1).unwrap().split('<').next().unwrap())
        .collect();
    assert_eq!(lines.len(), 2 * arrows);
    for line in &lines {
        assert!(
            line.chars().count() <= doc::PICTURE_LABEL_CHARS,
            "`{line}` is too long"
        );
    }
    // orders_db -> analytics carries one category for one purpose.
    assert!(svg.contains(">user.order</tspan>"), "{svg}");
    assert!(svg.contains(">for service.provide</tspan>"));
    // Several names: the first and how many more.
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("user.account +") && l.ends_with(" more"))
    );
}

/// The record of processing activities: a row per purpose the One Touch
/// flows serve, as CSV beside the document and as a table in it.
#[test]
fn the_record_of_processing_activities_is_written_as_csv_and_a_table() {
    let out = tempfile::tempdir().unwrap();
    let output = doc_to(&root().join("policies/one-touch"), out.path());
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let csv = std::fs::read_to_string(out.path().join("processing-activities.csv")).unwrap();
    let lines: Vec<&str> = csv.split_terminator("\r\n").collect();
    assert_eq!(
        lines[0],
        "\"activity\",\"purpose\",\"categories\",\"whose information\",\"recipients\",\"where it goes\",\"retention\",\"safeguards\""
    );
    let (_, compilation) =
        support::compile_files(&support::privet_files(&root().join("policies/one-touch")));
    let served: std::collections::BTreeSet<_> = compilation
        .program
        .flows
        .iter()
        .flat_map(|f| f.purposes.iter().map(|(p, _)| *p))
        .collect();
    assert_eq!(lines.len(), 1 + served.len());
    let criminal = lines
        .iter()
        .find(|l| l.starts_with("\"legal.criminal_investigation\""))
        .unwrap();
    assert!(
        criminal.contains("\"investigators (authority)\""),
        "{criminal}"
    );
    assert!(criminal.contains("investigation_archive: "), "{criminal}");
    let markdown = std::fs::read_to_string(out.path().join("policy.md")).unwrap();
    assert!(markdown.contains("## Record of processing activities"));
    assert!(markdown.contains("| `legal.criminal_investigation` |"));
    assert!(String::from_utf8_lossy(&output.stderr).contains("processing-activities.csv"));
}
