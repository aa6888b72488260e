//! What the policy permits for one category, found by asking the decision
//! function act by act: the purposes it may be used for, and the kinds of
//! party that may receive it, whoever the data is about; and, where rules
//! tell kinds of data subject apart, what it permits about each. The
//! language server's hover shows this.

use super::decision::{Act, decide};
use crate::model::{Action, LIVE_PHASE, NameId, PartyKind, Program};

/// A purpose an act is permitted for, and the bases it needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Permitted {
    pub purpose: NameId,
    /// The broadest bases each of which permits the act on its own; empty
    /// when the act needs no basis.
    pub bases: Vec<NameId>,
}

/// The permissions of one category.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CategoryPermissions {
    /// Using the category ourselves (`use`, first party).
    pub uses: Vec<Permitted>,
    /// Handing it on: to each kind of party, with the action that fits it
    /// (`share`; `transfer` to an acquirer; `disclose` to the public).
    pub recipients: Vec<(PartyKind, Action, Vec<Permitted>)>,
}

/// The action that hands data to a kind of party.
pub fn onward_action(party: PartyKind) -> Action {
    match party {
        PartyKind::Acquirer => Action::Transfer,
        PartyKind::Public => Action::Disclose,
        _ => Action::Share,
    }
}

/// Asks the decision function, for every purpose (broadest first) and every
/// basis, whether the category may be used and handed on, whoever the data
/// is about (every audience). A purpose is left out when a broader one is
/// already permitted.
pub fn category_permissions(program: &Program, category: NameId) -> CategoryPermissions {
    permissions_about(program, category, &[])
}

/// The permissions of a category about some audiences (none: every one).
fn permissions_about(
    program: &Program,
    category: NameId,
    audiences: &[NameId],
) -> CategoryPermissions {
    let mut permissions = CategoryPermissions {
        uses: permitted(
            program,
            (Action::Use, PartyKind::FirstParty),
            category,
            audiences,
        ),
        recipients: Vec::new(),
    };
    for party in PartyKind::ALL {
        if party == PartyKind::FirstParty {
            continue;
        }
        let action = onward_action(party);
        let found = permitted(program, (action, party), category, audiences);
        if !found.is_empty() {
            permissions.recipients.push((party, action, found));
        }
    }
    permissions
}

/// Where rules tell kinds of data subject apart: for each class of audience
/// leaves (see [`crate::model::AudienceClasses`]) whose permissions differ
/// from the category's about every audience, its leaves and what the policy
/// permits about them. Empty when no rule is about some audiences only.
pub fn audience_permissions(
    program: &Program,
    category: NameId,
) -> Vec<(Vec<NameId>, CategoryPermissions)> {
    let classes = &program.audience_classes;
    if classes.count() < 2 {
        return Vec::new();
    }
    let every = category_permissions(program, category);
    (0..classes.count())
        .filter_map(|class| {
            let leaves: Vec<NameId> = classes
                .leaves(class)
                .filter_map(|leaf| program.audiences().leaf(leaf))
                .collect();
            let first = *leaves.first()?;
            let about = permissions_about(program, category, &[first]);
            (about != every).then_some((leaves, about))
        })
        .collect()
}

fn permitted(
    program: &Program,
    (action, recipient): (Action, PartyKind),
    category: NameId,
    audiences: &[NameId],
) -> Vec<Permitted> {
    let purposes = program.purposes();
    let bases = program.bases();
    let allowed = |purpose: NameId, act_bases: Vec<NameId>| {
        decide(
            program,
            &Act {
                action,
                category,
                purpose,
                recipient,
                bases: act_bases,
                region: None,
                do_not_track: false,
                audiences: audiences.to_vec(),
                // What the policy permits for live data (a rule about the
                // data after an event is shown by the rule itself).
                phases: program.phase_set(LIVE_PHASE),
                opt_outs: Vec::new(),
                // What each basis permits once the notices it needs
                // (`after notice`) are given.
                notified: program.basis_notices.values().copied().collect(),
            },
        )
        .allowed
    };
    let mut found: Vec<Permitted> = Vec::new();
    for purpose in purposes.ids() {
        if found.iter().any(|p| purposes.is_under(purpose, p.purpose)) {
            continue;
        }
        if allowed(purpose, Vec::new()) {
            found.push(Permitted {
                purpose,
                bases: Vec::new(),
            });
            continue;
        }
        let mut enough: Vec<NameId> = Vec::new();
        for basis in bases.ids() {
            if enough.iter().any(|broader| bases.is_under(basis, *broader)) {
                continue;
            }
            if allowed(purpose, vec![basis]) {
                enough.push(basis);
            }
        }
        if !enough.is_empty() {
            found.push(Permitted {
                purpose,
                bases: enough,
            });
        }
    }
    found
}
