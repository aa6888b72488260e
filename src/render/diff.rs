//! The outputs of `privet diff`: human text, JSON (`format_version` 1),
//! Markdown ready to post as a pull-request comment, and GitHub
//! annotations.

use super::github::{escape_data, escape_property};
use super::markup;
use crate::check::diff::{Change, Class, DiffReport, NewPurpose, PermissionChange};
use crate::describe::{join_and, join_or};
use crate::source::{SourceMap, Span};
use serde::Serialize;
use std::fmt::Write as _;

/// The two versions' sources, to place changes.
pub struct Versions<'a> {
    pub old: &'a SourceMap,
    pub new: &'a SourceMap,
}

impl Versions<'_> {
    fn place(&self, change: &Change) -> Option<(String, u32)> {
        let (sources, span) = match (change.new, change.old) {
            (Some(span), _) => (self.new, span),
            (None, Some(span)) => (self.old, span),
            (None, None) => return None,
        };
        place(sources, span)
    }
}

fn place(sources: &SourceMap, span: Span) -> Option<(String, u32)> {
    let file = sources.get(span.file)?;
    Some((file.name().to_string(), file.line_column(span.start).line))
}

fn code(name: &str) -> String {
    format!("`{name}`")
}

fn codes(names: &[String]) -> Vec<String> {
    names.iter().map(|n| code(n)).collect()
}

/// A permission change in words, with names in backticks:
/// "share `user.contact.phone` to `processor` for `security.login` under
/// `consent.explicit`".
pub fn permission_text(permission: &PermissionChange) -> String {
    let actions: Vec<String> = permission
        .actions
        .iter()
        .map(|a| a.as_str().to_string())
        .collect();
    let mut text = join_and(&actions);
    let _ = write!(
        text,
        " {}",
        some_of(
            "any category",
            &permission.categories,
            &permission.categories_excluded,
            join_and
        )
    );
    if let Some(audiences) = &permission.audiences {
        let _ = write!(text, " about {}", join_or(&codes(audiences)));
    }
    let recipients: Vec<String> = permission
        .recipients
        .iter()
        .map(|r| r.as_str().to_string())
        .collect();
    let others: Vec<String> = crate::model::PartyKind::ALL
        .iter()
        .filter(|r| !permission.recipients.contains(r))
        .map(|r| r.as_str().to_string())
        .collect();
    // Every recipient: the recipient does not matter.
    if !others.is_empty() {
        let _ = write!(
            text,
            " to {}",
            some_of("anyone", &recipients, &others, join_or)
        );
    }
    let _ = write!(
        text,
        " for {}",
        some_of(
            "any purpose",
            &permission.purposes,
            &permission.purposes_excluded,
            join_and
        )
    );
    if let Some(bases) = &permission.bases {
        let none = bases.iter().any(Option::is_none);
        let named: Vec<String> = bases.iter().flatten().cloned().collect();
        let excluded = &permission.bases_excluded;
        let under = if named.is_empty() {
            String::new()
        } else if excluded.is_empty() {
            "under any basis".to_string()
        } else if excluded.len() < named.len() {
            format!("under any basis but {}", join_and(&codes(excluded)))
        } else {
            format!("under {}", join_or(&codes(&named)))
        };
        match (none, under.is_empty()) {
            (true, true) => text.push_str(" without a basis"),
            (true, false) => {
                let _ = write!(text, " without a basis or {under}");
            }
            (false, _) => {
                let _ = write!(text, " {under}");
            }
        }
    }
    if let Some(regions) = &permission.regions {
        let unknown = regions.iter().any(Option::is_none);
        let named: Vec<String> = regions.iter().flatten().cloned().collect();
        match (unknown, named.is_empty()) {
            (true, true) => text.push_str(" where the region is not known"),
            (true, false) => {
                let _ = write!(
                    text,
                    " in {} or where the region is not known",
                    join_or(&codes(&named))
                );
            }
            (false, _) => {
                let _ = write!(text, " in {}", join_or(&codes(&named)));
            }
        }
    }
    match permission.do_not_track {
        Some(true) => text.push_str(" when Do Not Track is on"),
        Some(false) => text.push_str(" when Do Not Track is off"),
        None => {}
    }
    text
}

/// Names written out, or "any ... but" the excluded ones when that is
/// shorter.
fn some_of(
    any: &str,
    included: &[String],
    excluded: &[String],
    join: fn(&[String]) -> String,
) -> String {
    if excluded.is_empty() {
        any.to_string()
    } else if excluded.len() < included.len() {
        format!("{any} but {}", join_and(&codes(excluded)))
    } else {
        join(&codes(included))
    }
}

fn permission_line(permission: &PermissionChange) -> String {
    format!(
        "{}: {}",
        if permission.gained {
            "now allowed"
        } else {
            "no longer allowed"
        },
        permission_text(permission)
    )
}

/// What a newly allowed purpose requires, citing the policy's obligation.
pub fn new_purpose_text(report: &DiffReport, new_purpose: &NewPurpose) -> String {
    let mut text = format!(
        "{} may now be used for {}: a new purpose, which needs notice and consent",
        join_and(&codes(&new_purpose.categories)),
        some_of(
            "any purpose",
            &new_purpose.purposes,
            &new_purpose.purposes_excluded,
            join_and
        )
    );
    match &report.new_purpose_obligation {
        Some(obligation) => {
            let _ = write!(
                text,
                " (obligation `{}`: \"{}\"",
                obligation.name, obligation.text
            );
            if let Some(cite) = &obligation.cite {
                let _ = write!(text, ", cite \"{cite}\"");
            }
            if !obligation.in_new {
                text.push_str(", declared only in the old version");
            }
            text.push(')');
        }
        None => text.push_str(" (the policy declares no obligation `before new purpose`)"),
    }
    text
}

fn change_headline(change: &Change) -> String {
    format!(
        "{} {} `{}`",
        change.kind.as_str(),
        change.subject,
        change.name
    )
}

fn summary_line(report: &DiffReport) -> String {
    if report.is_semantically_empty() {
        return "privet diff: no semantic changes".to_string();
    }
    let (widening, narrowing, neutral) = report.counts();
    format!("privet diff: {widening} widening, {narrowing} narrowing, {neutral} neutral")
}

const CLASSES: [Class; 3] = [Class::Widening, Class::Narrowing, Class::Neutral];

fn semantic_changes(report: &DiffReport, class: Class) -> impl Iterator<Item = &Change> {
    report
        .changes
        .iter()
        .filter(move |c| c.semantic && c.class == class)
}

fn permissions(report: &DiffReport, class: Class) -> impl Iterator<Item = &PermissionChange> {
    report.permissions.iter().filter(move |p| match class {
        Class::Widening => p.gained,
        Class::Narrowing => !p.gained,
        Class::Neutral => false,
    })
}

/// The human report; control characters in labels and citations are made
/// visible.
pub fn human(report: &DiffReport, versions: &Versions) -> String {
    markup::visible(&human_text(report, versions)).into_owned()
}

fn human_text(report: &DiffReport, versions: &Versions) -> String {
    let mut out = summary_line(report);
    out.push('\n');
    for class in CLASSES {
        let mut lines = Vec::new();
        for change in semantic_changes(report, class) {
            let mut line = format!("  {}", change_headline(change));
            if let Some((file, line_number)) = versions.place(change) {
                let _ = write!(line, "  ({file}:{line_number})");
            }
            lines.push(line);
            for detail in &change.details {
                lines.push(format!("      {detail}"));
            }
        }
        for permission in permissions(report, class) {
            lines.push(format!("  {}", permission_line(permission)));
        }
        if class == Class::Widening {
            for new_purpose in &report.new_purposes {
                lines.push(format!("  {}", new_purpose_text(report, new_purpose)));
            }
        }
        if !lines.is_empty() {
            let _ = writeln!(out, "\n{}:", class.as_str());
            for line in lines {
                out.push_str(&line);
                out.push('\n');
            }
        }
    }
    let documentation: Vec<&Change> = report.changes.iter().filter(|c| !c.semantic).collect();
    if !documentation.is_empty() {
        out.push_str("\ndocumentation (no change of meaning):\n");
        for change in documentation {
            let mut line = format!(
                "  {}: {}",
                change_headline(change),
                change.details.join("; ")
            );
            if let Some((file, line_number)) = versions.place(change) {
                let _ = write!(line, "  ({file}:{line_number})");
            }
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

/// The Markdown report, ready to post as a pull-request comment (and what
/// `--format github` appends to the step summary). User text cannot mention
/// anyone or link anywhere ([`markup::markdown_inert`]), and the report stays
/// under GitHub's size limit for a comment: changes that do not fit are left
/// out, whole, and counted on its last line.
pub fn markdown(report: &DiffReport, versions: &Versions) -> String {
    let mut out = markup::BoundedMarkdown::new(
        markup::GITHUB_COMMENT_BUDGET,
        ("change", "changes"),
        "`privet diff` on the two versions gives the full report",
    );
    out.push("## privet diff\n\n");
    if report.is_semantically_empty() {
        out.push("No semantic changes.\n");
    } else {
        let (widening, narrowing, neutral) = report.counts();
        out.push(&format!(
            "**{widening} widening**, {narrowing} narrowing, {neutral} neutral. Widening changes let users' data be used, shared or kept more than before.\n",
        ));
    }
    for class in CLASSES {
        let changes = semantic_changes(report, class).map(|change| {
            let mut item = format!(
                "- {} {} {}",
                change.kind.as_str(),
                change.subject,
                markup::markdown_code(&change.name)
            );
            if let Some((file, line)) = versions.place(change) {
                let _ = write!(
                    item,
                    " ({})",
                    markup::markdown_code(&format!("{file}:{line}"))
                );
            }
            for detail in &change.details {
                let _ = write!(item, "\n  - {}", markup::markdown_message_inert(detail));
            }
            item.push('\n');
            item
        });
        let permissions = permissions(report, class).map(|permission| {
            format!(
                "- {}\n",
                markup::markdown_message_inert(&permission_line(permission))
            )
        });
        let new_purposes = report
            .new_purposes
            .iter()
            .filter(|_| class == Class::Widening)
            .map(|new_purpose| {
                format!(
                    "- **{}**\n",
                    markup::markdown_message_inert(&new_purpose_text(report, new_purpose))
                )
            });
        let title = match class {
            Class::Widening => "Widening",
            Class::Narrowing => "Narrowing",
            Class::Neutral => "Neutral",
        };
        out.section(
            &format!("\n### {title}\n\n"),
            changes.chain(permissions).chain(new_purposes),
            "",
        );
    }
    let documentation: Vec<&Change> = report.changes.iter().filter(|c| !c.semantic).collect();
    out.section(
        &format!(
            "\n<details><summary>Documentation changes ({})</summary>\n\n",
            documentation.len()
        ),
        documentation.iter().map(|change| {
            format!(
                "- {} {}: {}\n",
                change.subject,
                markup::markdown_code(&change.name),
                markup::markdown_message_inert(&change.details.join("; "))
            )
        }),
        "\n</details>\n",
    );
    out.finish()
}

/// GitHub annotations: widening changes as warnings, the others as
/// notices, on the new version's lines where they have one; then the
/// summary line.
pub fn github(report: &DiffReport, versions: &Versions) -> String {
    let mut out = String::new();
    let command = |class: Class| {
        if class == Class::Widening {
            "warning"
        } else {
            "notice"
        }
    };
    for class in CLASSES {
        for change in semantic_changes(report, class) {
            let mut properties = Vec::new();
            if let Some(span) = change.new
                && let Some((file, line)) = place(versions.new, span)
            {
                properties.push(format!("file={}", escape_property(&file)));
                properties.push(format!("line={line}"));
            }
            properties.push(format!(
                "title={}",
                escape_property(&format!("privet diff: {}", class.as_str()))
            ));
            let mut message = change_headline(change);
            for detail in &change.details {
                let _ = write!(message, "\n{detail}");
            }
            let _ = writeln!(
                out,
                "::{} {}::{}",
                command(class),
                properties.join(","),
                escape_data(&message)
            );
        }
        for permission in permissions(report, class) {
            let _ = writeln!(
                out,
                "::{} title={}::{}",
                command(class),
                escape_property(&format!("privet diff: {}", class.as_str())),
                escape_data(&permission_line(permission))
            );
        }
        if class == Class::Widening {
            for new_purpose in &report.new_purposes {
                let _ = writeln!(
                    out,
                    "::warning title={}::{}",
                    escape_property("privet diff: new purpose"),
                    escape_data(&new_purpose_text(report, new_purpose))
                );
            }
        }
    }
    out.push_str(&summary_line(report));
    out.push('\n');
    out
}

#[derive(Serialize)]
struct JsonPlace {
    file: String,
    line: u32,
}

#[derive(Serialize)]
struct JsonChange<'a> {
    class: Class,
    kind: &'static str,
    subject: &'a str,
    name: &'a str,
    details: &'a [String],
    semantic: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    old: Option<JsonPlace>,
    #[serde(skip_serializing_if = "Option::is_none")]
    new: Option<JsonPlace>,
}

#[derive(Serialize)]
struct JsonPermission<'a> {
    change: &'static str,
    class: Class,
    actions: Vec<&'static str>,
    categories: &'a [String],
    purposes: &'a [String],
    recipients: Vec<&'static str>,
    /// `null` for every basis and none; a `null` entry for no basis.
    bases: &'a Option<Vec<Option<String>>>,
    /// `null` for every region; a `null` entry for an unknown region.
    regions: &'a Option<Vec<Option<String>>>,
    do_not_track: Option<bool>,
    /// Absent for every audience; else the kinds of data subject.
    #[serde(skip_serializing_if = "Option::is_none")]
    audiences: &'a Option<Vec<String>>,
    text: String,
}

#[derive(Serialize)]
struct JsonObligation<'a> {
    name: &'a str,
    text: &'a str,
    cite: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonNewPurpose<'a> {
    categories: &'a [String],
    purposes: &'a [String],
    requires: &'static str,
    obligation: Option<JsonObligation<'a>>,
}

#[derive(Serialize)]
struct JsonSummary {
    semantic_changes: bool,
    widening: usize,
    narrowing: usize,
    neutral: usize,
}

#[derive(Serialize)]
struct JsonDomain {
    acts: u64,
    tables: usize,
}

#[derive(Serialize)]
struct JsonDiff<'a> {
    format_version: u32,
    summary: JsonSummary,
    changes: Vec<JsonChange<'a>>,
    permissions: Vec<JsonPermission<'a>>,
    new_purposes: Vec<JsonNewPurpose<'a>>,
    domain: JsonDomain,
}

/// The JSON report.
pub fn json(report: &DiffReport, versions: &Versions) -> String {
    let (widening, narrowing, neutral) = report.counts();
    let json_place = |sources: &SourceMap, span: Option<Span>| {
        span.and_then(|span| place(sources, span))
            .map(|(file, line)| JsonPlace { file, line })
    };
    let value = JsonDiff {
        format_version: 1,
        summary: JsonSummary {
            semantic_changes: !report.is_semantically_empty(),
            widening,
            narrowing,
            neutral,
        },
        changes: report
            .changes
            .iter()
            .map(|change| JsonChange {
                class: change.class,
                kind: change.kind.as_str(),
                subject: &change.subject,
                name: &change.name,
                details: &change.details,
                semantic: change.semantic,
                old: json_place(versions.old, change.old),
                new: json_place(versions.new, change.new),
            })
            .collect(),
        permissions: report
            .permissions
            .iter()
            .map(|p| JsonPermission {
                change: if p.gained { "gained" } else { "lost" },
                class: if p.gained {
                    Class::Widening
                } else {
                    Class::Narrowing
                },
                actions: p.actions.iter().map(|a| a.as_str()).collect(),
                categories: &p.categories,
                purposes: &p.purposes,
                recipients: p.recipients.iter().map(|r| r.as_str()).collect(),
                bases: &p.bases,
                regions: &p.regions,
                do_not_track: p.do_not_track,
                audiences: &p.audiences,
                text: permission_text(p),
            })
            .collect(),
        new_purposes: report
            .new_purposes
            .iter()
            .map(|n| JsonNewPurpose {
                categories: &n.categories,
                purposes: &n.purposes,
                requires: "notice and consent",
                obligation: report
                    .new_purpose_obligation
                    .as_ref()
                    .map(|o| JsonObligation {
                        name: &o.name,
                        text: &o.text,
                        cite: o.cite.as_deref(),
                    }),
            })
            .collect(),
        domain: JsonDomain {
            acts: report.acts,
            tables: report.tables,
        },
    };
    super::json::text(&value)
}
