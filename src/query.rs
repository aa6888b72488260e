//! One act named in words, put to the decision function, and the words for
//! the rules that decided it.
//!
//! `privet query` resolves an [`ActInput`] against the program and asks
//! [`decide`]; the generated OPA policy takes the same input shape and
//! answers with [`Reason`]s of the same JSON shape, so the two can be
//! compared value for value (the differential tests do). Nothing here
//! decides: the decision is `check::decision`'s.

use crate::check::decision::{Act, Decision, decide};
use crate::diagnostic::closest;
use crate::model::{
    Action, LIVE_PHASE, NameId, Namespace, PartyKind, Program, Rule, RuleId, Vocabulary,
    event_phase,
};
use crate::source::SourceMap;
use serde::{Deserialize, Serialize};

/// The version of the JSON shape of `privet query --format json`.
pub const FORMAT_VERSION: u32 = 1;

/// An act as the command line and an OPA input give it: names, not ids.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActInput {
    pub action: String,
    pub category: String,
    pub purpose: String,
    /// A kind of party; `first_party` when nothing is handed on.
    #[serde(default = "first_party")]
    pub recipient: String,
    #[serde(default)]
    pub bases: Vec<String>,
    /// Where the data is stored or sent; `null` when not known.
    #[serde(default)]
    pub region: Option<String>,
    /// Whether the person has Do Not Track on.
    #[serde(default)]
    pub dnt: bool,
    /// The kind of data subject the data is about (an audience); absent
    /// when not known, and then the act is of every audience.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The phase of the data: `live` (no event of the person's lifecycle
    /// has happened to it), or the event after which it is; absent when
    /// not known, and then the act is in every phase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    /// The purposes the data was collected for; none when not known (then
    /// no purpose binds it).
    #[serde(default)]
    pub collected_for: Vec<String>,
    /// The opt-outs the person took (`opt out` names); each forbids what it
    /// stops.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub opt_outs: Vec<String>,
    /// The obligations whose notice was given (`obligation` names): a basis
    /// declared `after notice` counts only when its notice is here.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notified: Vec<String>,
}

fn first_party() -> String {
    PartyKind::FirstParty.as_str().to_string()
}

impl ActInput {
    /// The input for an act of the program, in its names.
    pub fn of(program: &Program, act: &Act) -> ActInput {
        ActInput {
            action: act.action.as_str().to_string(),
            category: program.categories().name(act.category).to_string(),
            purpose: program.purposes().name(act.purpose).to_string(),
            recipient: act.recipient.as_str().to_string(),
            bases: act
                .bases
                .iter()
                .map(|basis| program.bases().name(*basis).to_string())
                .collect(),
            region: act
                .region
                .map(|region| program.regions().name(region).to_string()),
            dnt: act.do_not_track,
            subject: act
                .audiences
                .first()
                .map(|audience| program.audiences().name(*audience).to_string()),
            phase: phase_input(program, act),
            collected_for: Vec::new(),
            opt_outs: act
                .opt_outs
                .iter()
                .map(|o| program.vocabulary(Namespace::OptOut).name(*o).to_string())
                .collect(),
            notified: act
                .notified
                .iter()
                .map(|o| {
                    program
                        .vocabulary(Namespace::Obligation)
                        .name(*o)
                        .to_string()
                })
                .collect(),
        }
    }
}

/// The phase of an act's data as the input names it: the one phase it is
/// in; `None` when it may be in several (then every phase).
fn phase_input(program: &Program, act: &Act) -> Option<String> {
    let mut ones = act.phases.ones();
    let phase = ones.next()?;
    if ones.next().is_some() {
        return None;
    }
    Some(match phase.checked_sub(1) {
        None => LIVE.to_string(),
        Some(event) => program
            .vocabulary(Namespace::Event)
            .name(NameId(crate::source::offset_u32(event)))
            .to_string(),
    })
}

/// The phase of data no event has happened to, as an input names it.
pub const LIVE: &str = "live";

/// A name of the input that the program does not know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameError {
    pub message: String,
    pub help: Option<String>,
}

impl std::fmt::Display for NameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)?;
        if let Some(help) = &self.help {
            write!(f, "; {help}")?;
        }
        Ok(())
    }
}

fn unknown<'a>(what: &str, name: &str, known: impl IntoIterator<Item = &'a str>) -> NameError {
    let known: Vec<&str> = known.into_iter().collect();
    let help = match closest(name, known.iter().copied()) {
        Some(suggestion) => Some(format!("did you mean `{suggestion}`?")),
        None => {
            let all: Vec<String> = known.iter().map(|n| format!("`{n}`")).collect();
            if all.is_empty() {
                Some(format!("the program declares no {what}"))
            } else if all.len() <= 8 {
                Some(format!("expected one of {}", all.join(", ")))
            } else {
                None
            }
        }
    };
    NameError {
        message: format!("unknown {what} `{name}`"),
        help,
    }
}

fn lookup(vocabulary: &Vocabulary, what: &str, name: &str) -> Result<NameId, NameError> {
    vocabulary
        .lookup(name)
        .ok_or_else(|| unknown(what, name, vocabulary.names()))
}

/// Resolves the names of an input against the program.
pub fn resolve_act(program: &Program, input: &ActInput) -> Result<Act, NameError> {
    let action = Action::from_name(&input.action).ok_or_else(|| {
        unknown(
            "action",
            &input.action,
            Action::ALL.iter().map(|action| action.as_str()),
        )
    })?;
    let recipient = PartyKind::from_name(&input.recipient).ok_or_else(|| {
        unknown(
            "kind of party",
            &input.recipient,
            PartyKind::ALL.iter().map(|party| party.as_str()),
        )
    })?;
    let category = lookup(program.categories(), "category", &input.category)?;
    let purpose = lookup(program.purposes(), "purpose", &input.purpose)?;
    let bases = input
        .bases
        .iter()
        .map(|basis| lookup(program.bases(), "basis", basis))
        .collect::<Result<Vec<_>, _>>()?;
    let region = input
        .region
        .as_deref()
        .map(|region| lookup(program.regions(), "region", region))
        .transpose()?;
    let audiences = input
        .subject
        .as_deref()
        .map(|subject| lookup(program.audiences(), "audience", subject))
        .transpose()?;
    let phases = match input.phase.as_deref() {
        None => program.all_phases(),
        Some(LIVE) => program.phase_set(LIVE_PHASE),
        Some(event) => {
            let events = program.vocabulary(Namespace::Event);
            let id = events.lookup(event).ok_or_else(|| {
                unknown("phase", event, std::iter::once(LIVE).chain(events.names()))
            })?;
            program.phase_set(event_phase(id))
        }
    };
    let mut opt_outs = input
        .opt_outs
        .iter()
        .map(|name| lookup(program.vocabulary(Namespace::OptOut), "opt-out", name))
        .collect::<Result<Vec<_>, _>>()?;
    opt_outs.sort_unstable();
    opt_outs.dedup();
    let mut notified = input
        .notified
        .iter()
        .map(|name| {
            lookup(
                program.vocabulary(Namespace::Obligation),
                "obligation",
                name,
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    notified.sort_unstable();
    notified.dedup();
    Ok(Act {
        action,
        category,
        purpose,
        recipient,
        bases,
        region,
        do_not_track: input.dnt,
        audiences: audiences.into_iter().collect(),
        phases,
        opt_outs,
        notified,
    })
}

/// What people read about a rule: where it is, its first line, its
/// citation and its doc comment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleInfo {
    /// `allow`, `deny`, `restrict`, `confine`, `honour` or `opt out`.
    pub kind: &'static str,
    /// `FILE:LINE`, the file as it was given to privet.
    pub location: String,
    /// The whole rule on one line, as privet writes it (names of each list
    /// sorted; comments and layout left out).
    pub text: String,
    pub cite: Option<String>,
    pub doc: Option<String>,
}

impl RuleInfo {
    pub fn of(sources: &SourceMap, program: &Program, rule: &Rule) -> RuleInfo {
        let meta = &rule.meta;
        let location = match sources.get(meta.keyword.file) {
            Some(file) => format!(
                "{}:{}",
                file.name(),
                file.line_column(meta.keyword.start).line
            ),
            None => String::new(),
        };
        RuleInfo {
            kind: rule.kind.keyword(),
            location,
            text: crate::describe::rule_text(program, rule),
            cite: meta.cite_text().map(str::to_string),
            doc: meta.doc.clone(),
        }
    }

    /// One per rule of the program, in rule order.
    pub fn all(sources: &SourceMap, program: &Program) -> Vec<RuleInfo> {
        program
            .rules
            .iter()
            .map(|rule| RuleInfo::of(sources, program, rule))
            .collect()
    }
}

/// Why an act was decided as it was. The generated Rego answers with the
/// same shape (see `codegen::opa`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "reason")]
pub enum Reason {
    /// A rule that permitted part of a permitted act.
    #[serde(rename = "allowed_by")]
    AllowedBy(RuleReason),
    /// A rule that forbade part of a denied act.
    #[serde(rename = "forbidden_by")]
    ForbiddenBy(RuleReason),
    /// An atom of a denied act that nothing forbade and no rule permits.
    #[serde(rename = "no_rule_allows")]
    NoRuleAllows { category: String, purpose: String },
    /// A leaf purpose the data was not collected for, with the purposes it
    /// was (`check::purpose_binding`).
    #[serde(rename = "secondary_use")]
    SecondaryUse {
        purpose: String,
        collected_for: Vec<String>,
    },
}

/// A deciding rule: its index in the program's rules (and in the OPA
/// tables), and its [`RuleInfo`] without the doc comment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleReason {
    pub rule: u32,
    pub kind: &'static str,
    pub location: String,
    pub text: String,
    pub cite: Option<String>,
}

/// The reasons of a decision: the permitting rules of a permitted act; the
/// forbidding rules and the atoms no rule permits of a denied one.
pub fn reasons(program: &Program, infos: &[RuleInfo], decision: &Decision) -> Vec<Reason> {
    reasons_by(program, &|id| infos.get(id.index()).cloned(), decision)
}

/// [`reasons`], with the [`RuleInfo`] of each deciding rule found by
/// `info`: one query needs the words for the few rules that decided it
/// only.
fn reasons_by(
    program: &Program,
    info: &dyn Fn(&RuleId) -> Option<RuleInfo>,
    decision: &Decision,
) -> Vec<Reason> {
    let rule_reason = |id: &RuleId| {
        let info = info(id);
        let info = info.as_ref();
        RuleReason {
            rule: id.0,
            kind: info.map_or("", |info| info.kind),
            location: info.map(|info| info.location.clone()).unwrap_or_default(),
            text: info.map(|info| info.text.clone()).unwrap_or_default(),
            cite: info.and_then(|info| info.cite.clone()),
        }
    };
    if decision.allowed {
        return decision
            .allowing
            .iter()
            .map(|id| Reason::AllowedBy(rule_reason(id)))
            .collect();
    }
    let mut out: Vec<Reason> = decision
        .forbidding
        .iter()
        .map(|id| Reason::ForbiddenBy(rule_reason(id)))
        .collect();
    out.extend(
        decision
            .unallowed
            .iter()
            .map(|(category, purpose)| Reason::NoRuleAllows {
                category: program.categories().name(*category).to_string(),
                purpose: program.purposes().name(*purpose).to_string(),
            }),
    );
    out
}

/// The purposes of an input's `collected_for`, resolved.
pub fn resolve_collected_for(
    program: &Program,
    input: &ActInput,
) -> Result<Vec<NameId>, NameError> {
    input
        .collected_for
        .iter()
        .map(|purpose| lookup(program.purposes(), "purpose", purpose))
        .collect()
}

/// An act decided with its purpose binding: permitted when the decision
/// function permits it and it is no secondary use of data collected for
/// `collected_for`; the reasons of a denial are the decision's, then one
/// per leaf purpose the data was not collected for. This is what `privet
/// query` and the OPA bundle answer.
pub fn judge(
    program: &Program,
    infos: &[RuleInfo],
    act: &Act,
    collected_for: &[NameId],
) -> (bool, Vec<Reason>) {
    judge_by(
        program,
        &|id| infos.get(id.index()).cloned(),
        act,
        collected_for,
    )
}

/// [`judge`], with the [`RuleInfo`] of each deciding rule found by `info`.
fn judge_by(
    program: &Program,
    infos: &dyn Fn(&RuleId) -> Option<RuleInfo>,
    act: &Act,
    collected_for: &[NameId],
) -> (bool, Vec<Reason>) {
    let decision = decide(program, act);
    let secondary = crate::check::purpose_binding::secondary_purposes(
        program,
        act.purpose,
        collected_for,
        &act.bases,
    );
    if secondary.is_empty() {
        return (decision.allowed, reasons_by(program, infos, &decision));
    }
    let purposes = program.purposes();
    let collected = crate::describe::sorted_names(purposes, collected_for);
    let mut out = if decision.allowed {
        Vec::new()
    } else {
        reasons_by(program, infos, &decision)
    };
    out.extend(secondary.into_iter().map(|purpose| Reason::SecondaryUse {
        purpose: purposes.name(purpose).to_string(),
        collected_for: collected.clone(),
    }));
    (false, out)
}

/// The answer to a query.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Answer {
    pub format_version: u32,
    pub act: ActInput,
    pub allow: bool,
    pub reasons: Vec<Reason>,
}

/// Resolves and decides one act.
pub fn answer(
    sources: &SourceMap,
    program: &Program,
    input: &ActInput,
) -> Result<Answer, NameError> {
    let act = resolve_act(program, input)?;
    let collected_for = resolve_collected_for(program, input)?;
    // The words for the rules that decide, not for every rule.
    let info = |id: &RuleId| {
        program
            .rules
            .get(id.index())
            .map(|rule| RuleInfo::of(sources, program, rule))
    };
    let (allow, reasons) = judge_by(program, &info, &act, &collected_for);
    let mut shown = ActInput::of(program, &act);
    shown.collected_for = crate::describe::sorted_names(program.purposes(), &collected_for);
    Ok(Answer {
        format_version: FORMAT_VERSION,
        act: shown,
        allow,
        reasons,
    })
}

/// The answer as people read it: the decision, then each deciding rule
/// with its location, first line and citation; control characters (in a
/// name given on the command line, say) are made visible.
pub fn render_human(answer: &Answer) -> String {
    crate::render::markup::visible(&answer_text(answer)).into_owned()
}

fn answer_text(answer: &Answer) -> String {
    let act = &answer.act;
    let mut out = String::new();
    let verdict = if answer.allow { "allowed" } else { "denied" };
    out.push_str(&format!(
        "{verdict}: {} `{}` for `{}`",
        act.action, act.category, act.purpose
    ));
    if act.recipient != PartyKind::FirstParty.as_str() {
        out.push_str(&format!(" to {}", act.recipient));
    }
    if !act.bases.is_empty() {
        let bases: Vec<String> = act.bases.iter().map(|b| format!("`{b}`")).collect();
        out.push_str(&format!(" under {}", bases.join(", ")));
    }
    if let Some(region) = &act.region {
        out.push_str(&format!(" in `{region}`"));
    }
    if let Some(subject) = &act.subject {
        out.push_str(&format!(" about `{subject}`"));
    }
    if act.dnt {
        out.push_str(" with Do Not Track on");
    }
    for (words, names) in [
        ("having opted out", &act.opt_outs),
        ("after notice", &act.notified),
    ] {
        if !names.is_empty() {
            let names: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
            out.push_str(&format!(", {words} {}", names.join(", ")));
        }
    }
    if !act.collected_for.is_empty() {
        let purposes: Vec<String> = act.collected_for.iter().map(|p| format!("`{p}`")).collect();
        out.push_str(&format!(", of data collected for {}", purposes.join(", ")));
    }
    out.push('\n');
    let mut unallowed = Vec::new();
    let mut secondary = Vec::new();
    for reason in &answer.reasons {
        match reason {
            Reason::AllowedBy(rule) | Reason::ForbiddenBy(rule) => {
                let verb = if matches!(reason, Reason::AllowedBy(_)) {
                    "allowed by"
                } else {
                    "forbidden by"
                };
                out.push_str(&format!("  {verb} {}\n", rule.location));
                out.push_str(&format!("      {}\n", rule.text));
                if let Some(cite) = &rule.cite {
                    out.push_str(&format!("      cite {}\n", quoted(cite)));
                }
            }
            Reason::NoRuleAllows { category, purpose } => {
                unallowed.push(format!("`{category}` for `{purpose}`"));
            }
            Reason::SecondaryUse { purpose, .. } => secondary.push(format!("`{purpose}`")),
        }
    }
    if !unallowed.is_empty() {
        out.push_str("  no rule allows:\n");
        for atom in unallowed {
            out.push_str(&format!("      {atom}\n"));
        }
    }
    if !secondary.is_empty() {
        out.push_str(
            "  a secondary use, for purposes the data was not collected for (they need notice and consent first):\n",
        );
        for purpose in secondary {
            out.push_str(&format!("      {purpose}\n"));
        }
    }
    out
}

/// A string as privet writes it in source: quotes, escapes.
fn quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::compile;

    fn program(text: &str) -> (SourceMap, Program) {
        let mut sources = SourceMap::new();
        sources.add("q.privet", text);
        let compilation = compile(&sources);
        (sources, compilation.program)
    }

    fn input(action: &str, category: &str, purpose: &str) -> ActInput {
        ActInput {
            action: action.to_string(),
            category: category.to_string(),
            purpose: purpose.to_string(),
            recipient: first_party(),
            bases: Vec::new(),
            region: None,
            dnt: false,
            subject: None,
            phase: None,
            collected_for: Vec::new(),
            opt_outs: Vec::new(),
            notified: Vec::new(),
        }
    }

    const TEXT: &str = "category user.email\ncategory user.phone\npurpose login\npurpose ads\n\
        basis consent\nallow use of user for login cite \"1 \\\"a\\\"\"\n\
        deny use of user.phone for ads\n";

    #[test]
    fn unknown_names_suggest_the_nearest() {
        let (_, program) = program(TEXT);
        let error = resolve_act(&program, &input("use", "user.emial", "login")).unwrap_err();
        assert_eq!(error.message, "unknown category `user.emial`");
        assert_eq!(error.help.as_deref(), Some("did you mean `user.email`?"));
        let error = resolve_act(&program, &input("uze", "user", "login")).unwrap_err();
        assert_eq!(error.help.as_deref(), Some("did you mean `use`?"));
    }

    /// An opt-out forbids what it stops; a basis `after notice` counts
    /// only with its notice; unknown names of either are refused.
    #[test]
    fn opt_outs_forbid_and_notices_make_a_basis_count() {
        let (sources, program) = program(
            "category user.email\npurpose login\npurpose ads\nregion home\nregion abroad\n\
             obligation notice.abroad \"tell you first\"\n\
             basis consent.separate after notice notice.abroad\n\
             allow use of user for login, ads\n\
             confine user to home except with consent.separate\n\
             opt out unsubscribe \"unsubscribe\" stops ads\n",
        );
        let ads = input("use", "user", "ads");
        assert!(answer(&sources, &program, &ads).unwrap().allow);
        let opted_out = ActInput {
            opt_outs: vec!["unsubscribe".to_string()],
            ..ads.clone()
        };
        let denied = answer(&sources, &program, &opted_out).unwrap();
        assert!(!denied.allow);
        let json = serde_json::to_value(&denied).unwrap();
        assert_eq!(json["reasons"][0]["kind"], "opt out");
        assert!(
            render_human(&denied)
                .starts_with("denied: use `user` for `ads`, having opted out `unsubscribe`\n"),
            "{}",
            render_human(&denied)
        );
        // The opt-out stops `ads` only.
        let login = ActInput {
            opt_outs: vec!["unsubscribe".to_string()],
            ..input("use", "user", "login")
        };
        assert!(answer(&sources, &program, &login).unwrap().allow);

        let abroad = ActInput {
            region: Some("abroad".to_string()),
            bases: vec!["consent.separate".to_string()],
            ..input("use", "user", "login")
        };
        assert!(!answer(&sources, &program, &abroad).unwrap().allow);
        let noticed = ActInput {
            notified: vec!["notice.abroad".to_string()],
            ..abroad.clone()
        };
        assert!(answer(&sources, &program, &noticed).unwrap().allow);

        let misspelt = ActInput {
            opt_outs: vec!["unsubscibe".to_string()],
            ..ads.clone()
        };
        let error = resolve_act(&program, &misspelt).unwrap_err();
        assert_eq!(error.message, "unknown opt-out `unsubscibe`");
        assert_eq!(error.help.as_deref(), Some("did you mean `unsubscribe`?"));
        let unknown_notice = ActInput {
            notified: vec!["notice.abrod".to_string()],
            ..ads
        };
        let error = resolve_act(&program, &unknown_notice).unwrap_err();
        assert_eq!(error.help.as_deref(), Some("did you mean `notice.abroad`?"));
    }

    #[test]
    fn answers_name_the_deciding_rules() {
        let (sources, program) = program(TEXT);
        let allowed = answer(&sources, &program, &input("use", "user", "login")).unwrap();
        assert!(allowed.allow);
        assert_eq!(allowed.reasons.len(), 1);
        let text = render_human(&allowed);
        assert!(
            text.starts_with("allowed: use `user` for `login`\n"),
            "{text}"
        );
        assert!(text.contains("allowed by q.privet:6\n"), "{text}");
        assert!(text.contains("cite \"1 \\\"a\\\"\""), "{text}");

        let denied = answer(&sources, &program, &input("use", "user", "ads")).unwrap();
        assert!(!denied.allow);
        let json = serde_json::to_value(&denied).unwrap();
        assert_eq!(json["reasons"][0]["reason"], "forbidden_by");
        assert_eq!(json["reasons"][0]["rule"], 1);
        assert_eq!(json["reasons"][1]["reason"], "no_rule_allows");
        assert_eq!(json["reasons"][1]["category"], "user.email");
    }

    const PHASED: &str = "category user.email\npurpose login\npurpose ads commercial\n\
        state account.active\nevent account.closed\nevent information.deleted\n\
        allow use of user\n\
        deny use of user for commercial after account.closed\n\
        allow use of user for ads after information.deleted\n";

    fn phased(phase: Option<&str>, purpose: &str) -> Answer {
        let (sources, program) = program(PHASED);
        let mut act = input("use", "user", purpose);
        act.phase = phase.map(str::to_string);
        answer(&sources, &program, &act).unwrap()
    }

    #[test]
    fn a_rule_after_an_event_forbids_the_data_in_that_phase_or_an_unknown_one() {
        let after = phased(Some("account.closed"), "ads");
        assert!(!after.allow);
        let json = serde_json::to_value(&after).unwrap();
        assert_eq!(json["reasons"][0]["reason"], "forbidden_by");
        assert_eq!(
            json["reasons"][0]["text"],
            "deny use of user for commercial after account.closed"
        );
        // Not known: every phase, so the rule applies (fail closed).
        assert!(!phased(None, "ads").allow);
        // Live data, or data after another event: the rule does not apply.
        assert!(phased(Some("live"), "ads").allow);
        assert!(phased(Some("information.deleted"), "ads").allow);
        // A purpose that is not commercial is not named by `for commercial`.
        assert!(phased(Some("account.closed"), "login").allow);
    }

    #[test]
    fn an_allow_after_an_event_permits_data_known_to_be_in_that_phase_only() {
        let (sources, program) = program(
            "category user.email\npurpose ads\nevent account.closed\n\
             allow use of user for ads after account.closed\n",
        );
        let mut act = input("use", "user", "ads");
        act.phase = Some("account.closed".to_string());
        assert!(answer(&sources, &program, &act).unwrap().allow);
        for phase in [None, Some("live")] {
            act.phase = phase.map(str::to_string);
            assert!(
                !answer(&sources, &program, &act).unwrap().allow,
                "{phase:?}"
            );
        }
    }

    #[test]
    fn an_unknown_phase_is_refused() {
        let (_, program) = program(PHASED);
        let mut act = input("use", "user", "ads");
        act.phase = Some("account.closd".to_string());
        let error = resolve_act(&program, &act).unwrap_err();
        assert_eq!(error.message, "unknown phase `account.closd`");
        assert_eq!(
            error.help.as_deref(),
            Some("did you mean `account.closed`?")
        );
    }
}
