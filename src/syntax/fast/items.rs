//! The grammar's `item_body`: one function per kind of item, each the
//! rule of `grammar/privet.pest` read left to right, building what
//! [`lower`](super::super::lower) builds from it.

use super::clauses::{Clauses, Owner};
use super::{Parsed, Parser};
use crate::ast::*;

impl Parser<'_> {
    /// `item_body`, chosen by its keyword at `start`: the item, the end of
    /// its keyword and the end of the item.
    pub(super) fn item_body(&self, start: usize) -> Option<(ItemKind, usize, usize)> {
        let keyword = self.lexer.word(start);
        let after = start + keyword.len();
        let (kind, end) = match keyword {
            "policy" => self.policy(after)?,
            "category" => self.declaration(DeclKind::Category, after)?,
            "purpose" => self.declaration(DeclKind::Purpose, after)?,
            "basis" => self.declaration(DeclKind::Basis, after)?,
            "exemption" => self.declaration(DeclKind::Exemption, after)?,
            "region" => self.declaration(DeclKind::Region, after)?,
            "safeguard" => self.declaration(DeclKind::Safeguard, after)?,
            "duration" => self.duration_decl(after)?,
            "state" => self.declaration(DeclKind::State, after)?,
            "event" => self.declaration(DeclKind::Event, after)?,
            "technology" => self.technology(after)?,
            "opt" => self.opt_out(after)?,
            "principle" => self.declaration(DeclKind::Principle, after)?,
            "right" => self.declaration(DeclKind::Right, after)?,
            "audience" => self.declaration(DeclKind::Audience, after)?,
            "obligation" => self.obligation(after)?,
            "allow" => self.allow(after)?,
            "deny" => self.deny(after)?,
            "restrict" => self.restrict_or_confine(after, false)?,
            "confine" => self.restrict_or_confine(after, true)?,
            "retain" => self.retain(after)?,
            "hold" => self.legal_hold(after)?,
            "require" => self.require(after)?,
            "honour" => self.honour(after)?,
            "subject" => self.subject(after)?,
            "system" => self.system_or_authority(NodeKind::System, after)?,
            "store" => self.store(after)?,
            "vendor" => self.vendor(after)?,
            "authority" => self.system_or_authority(NodeKind::Authority, after)?,
            "tracker" => self.tracker(after)?,
            "flow" => self.flow(after)?,
            "section" => self.section(after)?,
            _ => return None,
        };
        Some((kind, after, end))
    }

    /// The name after an item's keyword, then `label?`.
    fn name_and_label(&self, after: usize) -> Parsed<(Ident, Option<Text>)> {
        let (name, end) = self.name(self.skip(after))?;
        let (label, end) = self.then_opt(end, |at| self.label(at));
        Some(((name, label), end))
    }

    /// `policy_decl = { kw_policy ~ name ~ label? ~ updated? ~ cite? }`
    fn policy(&self, after: usize) -> Parsed<ItemKind> {
        let ((name, label), end) = self.name_and_label(after)?;
        let (updated, end) = self.then_opt(end, |at| {
            let start = self.skip(self.keyword(at, "updated")?);
            let end = self.lexer.date(start)?;
            Some((self.token_text(start, end), end))
        });
        let (cite, end) = self.then_cite(end);
        let policy = PolicyDecl {
            name,
            label,
            updated,
            cite,
        };
        Some((ItemKind::Policy(policy), end))
    }

    /// The simple declarations: `category_decl`, `purpose_decl`,
    /// `basis_decl`, `exemption_decl`, `region_decl`, `safeguard_decl`,
    /// `state_decl`, `event_decl`, `principle_decl`, `right_decl`,
    /// `audience_decl`: a name, a label (required of principles and
    /// rights), what the kind adds, `cite?`.
    fn declaration(&self, kind: DeclKind, after: usize) -> Parsed<ItemKind> {
        let ((name, label), mut end) = self.name_and_label(after)?;
        if matches!(kind, DeclKind::Principle | DeclKind::Right) && label.is_none() {
            return None;
        }
        let mut declaration = Declaration::bare(kind, name, label);
        let for_new_purpose = |at| {
            let end = self.keywords(at, &["for", "new", "purpose"])?;
            Some((self.exact(at, end), end))
        };
        match kind {
            // `category_flag*`
            DeclKind::Category => {
                let (flags, flags_end) = self.rep(self.skip(end), |at| self.category_flag(at))?;
                declaration.flags = flags;
                end = flags_end;
            }
            // `purpose_flag? ~ compatible?`
            DeclKind::Purpose => {
                let (flag, flag_end) = self.then_opt(end, |at| {
                    let end = self.keyword(at, "commercial")?;
                    let span = self.exact(at, end);
                    let flag = CategoryFlag::Commercial;
                    Some((Flag { flag, span }, end))
                });
                let (compatible, compatible_end) = self.then_opt(flag_end, |at| {
                    self.keyword_names(at, &["compatible", "with"])
                });
                declaration.flags.extend(flag);
                declaration.compatible = compatible.unwrap_or_default();
                end = compatible_end;
            }
            // `for_new_purpose? ~ after_notice?`
            DeclKind::Basis => {
                let (new_purpose, new_end) = self.then_opt(end, for_new_purpose);
                let (notice, notice_end) = self.then_opt(new_end, |at| {
                    let end = self.keywords(at, &["after", "notice"])?;
                    self.name(self.skip(end))
                });
                declaration.new_purpose = new_purpose;
                declaration.notice = notice;
                end = notice_end;
            }
            // `(for_new_purpose | purposes)?`
            DeclKind::Exemption => {
                let at = self.skip(end);
                if let Some((span, new_end)) = for_new_purpose(at) {
                    declaration.new_purpose = Some(span);
                    end = new_end;
                } else if let Some((purposes, purposes_end)) = self.keyword_names(at, &["for"]) {
                    declaration.purposes = purposes;
                    end = purposes_end;
                } else {
                    end = at;
                }
            }
            // `age_bound?`
            DeclKind::Audience => {
                let (age, age_end) = self.then_opt(end, |at| {
                    let start = self.skip(self.keywords(at, &["under", "age"])?);
                    let end = self.lexer.number(start)?;
                    Some((self.token_text(start, end), end))
                });
                declaration.under_age = age;
                end = age_end;
            }
            _ => {}
        }
        let (cite, end) = self.then_cite(end);
        declaration.cite = cite;
        Some((ItemKind::Declaration(declaration), end))
    }

    /// `duration_decl = { kw_duration ~ name ~ "=" ~ duration_literal ~
    /// label? ~ cite? }`
    fn duration_decl(&self, after: usize) -> Parsed<ItemKind> {
        let (name, end) = self.name(self.skip(after))?;
        let end = self.lexer.punct(self.skip(end), "=")?;
        let (value, end) = self.duration_literal(self.skip(end))?;
        let (label, end) = self.then_opt(end, |at| self.label(at));
        let (cite, end) = self.then_cite(end);
        let duration = DurationDecl {
            name,
            value,
            label,
            cite,
        };
        Some((ItemKind::Duration(duration), end))
    }

    /// `section_decl = { kw_section ~ string ~ label }`
    fn section(&self, after: usize) -> Parsed<ItemKind> {
        let (id, end) = self.string(self.skip(after))?;
        let (title, end) = self.label(self.skip(end))?;
        Some((ItemKind::Section(SectionDecl { id, title }), end))
    }

    /// `technology_decl = { kw_technology ~ name ~ label? ~ purposes? ~
    /// opt_out? ~ cite? }`, `opt_out = { kw_opt ~ kw_out ~ kw_by ~ (string
    /// | name) }`
    fn technology(&self, after: usize) -> Parsed<ItemKind> {
        let ((name, label), end) = self.name_and_label(after)?;
        let (purposes, end) = self.then_opt(end, |at| self.keyword_names(at, &["for"]));
        let (opt_out, end) = self.then_opt(end, |at| {
            let start = self.skip(self.keywords(at, &["opt", "out", "by"])?);
            match self.string(start) {
                Some((text, end)) => Some(((Some(text), None), end)),
                None => {
                    let (name, end) = self.name(start)?;
                    Some(((None, Some(name)), end))
                }
            }
        });
        let (opt_out, opt_out_name) = opt_out.unwrap_or((None, None));
        let (cite, end) = self.then_cite(end);
        let technology = TechnologyDecl {
            name,
            label,
            purposes: purposes.unwrap_or_default(),
            opt_out,
            opt_out_name,
            cite,
        };
        Some((ItemKind::Technology(technology), end))
    }

    /// `opt_out_decl = { kw_opt ~ kw_out ~ name ~ label? ~ kw_stops ~
    /// (actions ~ categories ~ purposes? | stopped_purposes) ~ cite? }`
    fn opt_out(&self, after: usize) -> Parsed<ItemKind> {
        let out_end = self.keyword(self.skip(after), "out")?;
        let ((name, label), end) = self.name_and_label(out_end)?;
        let start = self.skip(self.keyword(self.skip(end), "stops")?);
        let stops_acts = self.name_list(start).and_then(|(actions, end)| {
            let (categories, end) = self.categories(self.skip(end))?;
            let (purposes, end) = self.then_opt(end, |at| self.keyword_names(at, &["for"]));
            Some((
                (actions, Some(categories), purposes.unwrap_or_default()),
                end,
            ))
        });
        let ((actions, categories, purposes), end) = match stops_acts {
            Some(found) => found,
            None => {
                let (purposes, end) = self.name_list(start)?;
                ((Vec::new(), None, purposes), end)
            }
        };
        let (cite, end) = self.then_cite(end);
        let opt_out = OptOutDecl {
            name,
            label,
            actions,
            categories,
            purposes,
            cite,
        };
        Some((ItemKind::OptOut(opt_out), end))
    }

    /// `obligation_decl = { kw_obligation ~ name ~ label ~ trigger? ~ cite? }`
    fn obligation(&self, after: usize) -> Parsed<ItemKind> {
        let (name, end) = self.name(self.skip(after))?;
        let (label, end) = self.label(self.skip(end))?;
        let (trigger, end) = self.then_opt(end, |at| self.trigger(at));
        let (cite, end) = self.then_cite(end);
        let obligation = ObligationDecl {
            name,
            label,
            trigger,
            cite,
        };
        Some((ItemKind::Obligation(obligation), end))
    }

    /// `actions ~ categories` of a rule.
    fn acts(&self, after: usize) -> Parsed<(Vec<Ident>, CategorySelector)> {
        let (actions, end) = self.name_list(self.skip(after))?;
        let (categories, end) = self.categories(self.skip(end))?;
        Some(((actions, categories), end))
    }

    /// `allow_rule = { kw_allow ~ actions ~ categories ~ (rule_purposes |
    /// recipients | bases | regions | audiences | after_clause)* ~ cite? }`
    fn allow(&self, after: usize) -> Parsed<ItemKind> {
        let ((actions, categories), end) = self.acts(after)?;
        let mut clauses = Clauses::default();
        let end = self.clauses(self.skip(end), Owner::Allow, &mut clauses)?;
        let (cite, end) = self.then_cite(end);
        let allow = AllowRule {
            actions,
            categories,
            purpose_filter: clauses.purpose_filter(),
            purposes: clauses.purpose_names(),
            recipients: clauses.recipients.unwrap_or_default(),
            bases: clauses.bases,
            regions: clauses.regions.unwrap_or_default(),
            audiences: clauses.audiences.unwrap_or_default(),
            after: clauses.after.unwrap_or_default(),
            cite,
        };
        Some((ItemKind::Allow(allow), end))
    }

    /// `except_clause*` after pest's whitespace.
    fn exceptions(&self, end: usize) -> Parsed<Vec<Exception>> {
        self.rep(self.skip(end), |at| self.except_clause(at))
    }

    /// `deny_rule = { kw_deny ~ actions ~ categories ~ (rule_purposes |
    /// recipients | regions | audiences | after_clause)* ~ cite? ~
    /// except_clause* }`
    fn deny(&self, after: usize) -> Parsed<ItemKind> {
        let ((actions, categories), end) = self.acts(after)?;
        let mut clauses = Clauses::default();
        let end = self.clauses(self.skip(end), Owner::Deny, &mut clauses)?;
        let (cite, end) = self.then_cite(end);
        let (exceptions, end) = self.exceptions(end)?;
        let deny = DenyRule {
            actions,
            categories,
            purpose_filter: clauses.purpose_filter(),
            purposes: clauses.purpose_names(),
            recipients: clauses.recipients.unwrap_or_default(),
            regions: clauses.regions.unwrap_or_default(),
            audiences: clauses.audiences.unwrap_or_default(),
            after: clauses.after.unwrap_or_default(),
            cite,
            exceptions,
        };
        Some((ItemKind::Deny(deny), end))
    }

    /// `restrict_rule = { kw_restrict ~ name_list ~ kw_to ~ name_list ~
    /// audiences? ~ cite? ~ except_clause* }`, and `confine_rule`, the same.
    fn restrict_or_confine(&self, after: usize, confine: bool) -> Parsed<ItemKind> {
        let (categories, end) = self.name_list(self.skip(after))?;
        let end = self.keyword(self.skip(end), "to")?;
        let (targets, end) = self.name_list(self.skip(end))?;
        let (audiences, end) = self.then_opt(end, |at| self.keyword_names(at, &["about"]));
        let audiences = audiences.unwrap_or_default();
        let (cite, end) = self.then_cite(end);
        let (exceptions, end) = self.exceptions(end)?;
        let kind = if confine {
            ItemKind::Confine(ConfineRule {
                categories,
                regions: targets,
                audiences,
                cite,
                exceptions,
            })
        } else {
            ItemKind::Restrict(RestrictRule {
                categories,
                purposes: targets,
                audiences,
                cite,
                exceptions,
            })
        };
        Some((kind, end))
    }

    /// `retain_rule = { kw_retain ~ name_list ~ purposes? ~ (floor |
    /// lifecycle) ~ cite? }`
    fn retain(&self, after: usize) -> Parsed<ItemKind> {
        let (categories, end) = self.name_list(self.skip(after))?;
        let (purposes, end) = self.then_opt(end, |at| self.keyword_names(at, &["for"]));
        let purposes = purposes.unwrap_or_default();
        let start = self.skip(end);
        if let Some((floor, end)) = self.floor(start) {
            let (cite, end) = self.then_cite(end);
            let floor = FloorRule {
                categories,
                purposes,
                floor,
                cite,
            };
            return Some((ItemKind::Floor(floor), end));
        }
        let (lifecycle, end) = self.lifecycle(start)?;
        let (cite, end) = self.then_cite(end);
        let retain = RetainRule {
            categories,
            purposes,
            lifecycle,
            cite,
        };
        Some((ItemKind::Retain(retain), end))
    }

    /// `hold_rule = { kw_hold ~ name_list ~ purposes? ~ while_phase ~ cite? }`
    fn legal_hold(&self, after: usize) -> Parsed<ItemKind> {
        let (categories, end) = self.name_list(self.skip(after))?;
        let (purposes, end) = self.then_opt(end, |at| self.keyword_names(at, &["for"]));
        let (state, end) = self.while_phase(self.skip(end))?;
        let (cite, end) = self.then_cite(end);
        let hold = LegalHoldRule {
            categories,
            purposes: purposes.unwrap_or_default(),
            state,
            cite,
        };
        Some((ItemKind::LegalHold(hold), end))
    }

    /// `require_rule = { kw_require ~ name_list ~ kw_for ~ require_target
    /// ~ categories ~ cite? }`
    fn require(&self, after: usize) -> Parsed<ItemKind> {
        let (safeguards, end) = self.name_list(self.skip(after))?;
        let at = self.skip(self.keyword(self.skip(end), "for")?);
        let target = match self.lexer.word(at) {
            "stores" => RequireTarget::Stores,
            "flows" => RequireTarget::Flows,
            _ => return None,
        };
        let end = at + self.lexer.word(at).len();
        let (categories, end) = self.categories(self.skip(end))?;
        let (cite, end) = self.then_cite(end);
        let require = RequireRule {
            safeguards,
            target,
            categories,
            cite,
        };
        Some((ItemKind::Require(require), end))
    }

    /// `honour_rule = { kw_honour ~ kw_do ~ kw_not ~ kw_track ~ purposes ~
    /// cite? }`
    fn honour(&self, after: usize) -> Parsed<ItemKind> {
        let end = self.keywords(self.skip(after), &["do", "not", "track"])?;
        let (purposes, end) = self.keyword_names(self.skip(end), &["for"])?;
        let (cite, end) = self.then_cite(end);
        Some((ItemKind::Honour(HonourRule { purposes, cite }), end))
    }

    /// `subject_decl = { kw_subject ~ name ~ label? ~ subject_kinds? ~ cite? }`
    fn subject(&self, after: usize) -> Parsed<ItemKind> {
        let ((name, label), end) = self.name_and_label(after)?;
        let (kinds, end) = self.then_opt(end, |at| self.keyword_names(at, &["is"]));
        let (cite, end) = self.then_cite(end);
        let mut subject = NodeDecl::bare(NodeKind::Subject, name);
        subject.label = label;
        subject.audiences = kinds.unwrap_or_default();
        subject.cite = cite;
        Some((ItemKind::Node(subject), end))
    }

    /// `system_decl` and `authority_decl`: `name ~ label? ~ regions? ~ cite?`
    fn system_or_authority(&self, kind: NodeKind, after: usize) -> Parsed<ItemKind> {
        let ((name, label), end) = self.name_and_label(after)?;
        let (regions, end) = self.then_opt(end, |at| self.keyword_names(at, &["in"]));
        let (cite, end) = self.then_cite(end);
        let mut decl = NodeDecl::bare(kind, name);
        decl.label = label;
        decl.regions = regions.unwrap_or_default();
        decl.cite = cite;
        Some((ItemKind::Node(decl), end))
    }

    /// `store_decl = { kw_store ~ name ~ label? ~ (regions | protection |
    /// backing | store_retain)* ~ cite? }`
    fn store(&self, after: usize) -> Parsed<ItemKind> {
        let ((name, label), end) = self.name_and_label(after)?;
        let mut clauses = Clauses::default();
        let end = self.clauses(self.skip(end), Owner::Store, &mut clauses)?;
        let (cite, end) = self.then_cite(end);
        let mut store = NodeDecl::bare(NodeKind::Store, name);
        store.label = label;
        store.regions = clauses.regions.unwrap_or_default();
        store.protection = clauses.protection.unwrap_or_default();
        store.backing = clauses.backing;
        store.retains = clauses.retains;
        store.cite = cite;
        Some((ItemKind::Node(store), end))
    }

    /// `vendor_decl = { kw_vendor ~ name ~ label? ~ kw_is ~ name ~ regions?
    /// ~ cite? }`
    fn vendor(&self, after: usize) -> Parsed<ItemKind> {
        let ((name, label), end) = self.name_and_label(after)?;
        let end = self.keyword(self.skip(end), "is")?;
        let (party, end) = self.name(self.skip(end))?;
        let (regions, end) = self.then_opt(end, |at| self.keyword_names(at, &["in"]));
        let (cite, end) = self.then_cite(end);
        let mut vendor = NodeDecl::bare(NodeKind::Vendor, name);
        vendor.label = label;
        vendor.party = Some(party);
        vendor.regions = regions.unwrap_or_default();
        vendor.cite = cite;
        Some((ItemKind::Node(vendor), end))
    }

    /// `tracker_decl = { kw_tracker ~ name ~ label? ~ kw_using ~ name_list
    /// ~ (honours_dnt | honours_opt_out | regions)* ~ cite? }`
    fn tracker(&self, after: usize) -> Parsed<ItemKind> {
        let ((name, label), end) = self.name_and_label(after)?;
        let end = self.keyword(self.skip(end), "using")?;
        let (technologies, end) = self.name_list(self.skip(end))?;
        let mut clauses = Clauses::default();
        let end = self.clauses(self.skip(end), Owner::Tracker, &mut clauses)?;
        let (cite, end) = self.then_cite(end);
        let mut tracker = NodeDecl::bare(NodeKind::Tracker, name);
        tracker.label = label;
        tracker.technologies = technologies;
        tracker.regions = clauses.regions.unwrap_or_default();
        tracker.honours_dnt = clauses.honours_dnt;
        tracker.honours_opt_outs = clauses.honours_opt_outs.unwrap_or_default();
        tracker.cite = cite;
        Some((ItemKind::Node(tracker), end))
    }

    /// `flow_decl = { kw_flow ~ name ~ kw_arrow ~ name ~ kw_carries ~
    /// transform? ~ name_list ~ purposes ~ (bases | protection |
    /// honours_dnt | honours_opt_out | notified | flow_phase)* ~ cite? }`
    fn flow(&self, after: usize) -> Parsed<ItemKind> {
        let (from, end) = self.name(self.skip(after))?;
        let end = self.lexer.punct(self.skip(end), "->")?;
        let (to, end) = self.name(self.skip(end))?;
        let end = self.keyword(self.skip(end), "carries")?;
        let (transform, end) = self.then_opt(end, |at| {
            let kind = match self.lexer.word(at) {
                "anonymized" => Transform::Anonymized,
                "pseudonymized" => Transform::Pseudonymized,
                _ => return None,
            };
            let end = at + self.lexer.word(at).len();
            Some(((kind, self.exact(at, end)), end))
        });
        let (categories, end) = self.name_list(self.skip(end))?;
        let (purposes, end) = self.keyword_names(self.skip(end), &["for"])?;
        let mut clauses = Clauses::default();
        let end = self.clauses(self.skip(end), Owner::Flow, &mut clauses)?;
        let (cite, end) = self.then_cite(end);
        let flow = FlowDecl {
            from,
            to,
            transform,
            categories,
            purposes,
            bases: clauses.bases,
            protection: clauses.protection.unwrap_or_default(),
            honours_dnt: clauses.honours_dnt,
            phase: clauses.phase,
            honours_opt_outs: clauses.honours_opt_outs.unwrap_or_default(),
            notified: clauses.notified.unwrap_or_default(),
            cite,
        };
        Some((ItemKind::Flow(flow), end))
    }
}
