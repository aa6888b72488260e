# The decision function of privet (docs/language.md, section 7), rule for
# rule, over the tables in `data.privet.tables` (data.json of this bundle).
# Every name of the program is in the tables; none is in this file.
#
# Input: one act, as `privet query` takes it:
#   {"action": "share", "category": "user.contact", "purpose": "service",
#    "recipient": "processor", "bases": ["consent.explicit"],
#    "region": "site", "dnt": false, "subject": "customer.child",
#    "phase": "account.closed", "collected_for": ["service.provide"],
#    "opt_outs": ["unsubscribe"], "notified": ["notice.cross_border"]}
# `recipient` defaults to "first_party", `bases` to [], `region` to null
# (not known), `dnt` to false, `subject` (the kind of data subject, an
# audience) to null: not known, so the act is of every audience, `phase`
# (`live`, or the event after which the data is) to null: not known, so
# the data is in every phase, and
# `collected_for` (the purposes the data was collected for) to [] (not
# known: no purpose binds it), `opt_outs` (the opt-outs the person took) to
# [], and `notified` (the obligations whose notice was given) to []: a basis
# declared `after notice` counts only when its notices are listed.
#
# Output: `allow` (a boolean) and `reasons`: for a permitted act, the rules
# that permit it; for a denied one, the rules that forbid it and the atoms
# (leaf category, leaf purpose) no rule permits; for an input that is not a
# valid act (an unknown name, a malformed field), what is wrong with it.

package privet

import rego.v1

# The tables of data.json.
import data.privet.tables

default allow := false

allow := result.allow

# No input at all is no act.
default reasons := [{"reason": "invalid_input", "field": "input", "value": null}]

reasons := result.reasons

# Both at once, for one request to OPA: `POST /v1/data/privet/answer`.
answer := {"allow": allow, "reasons": reasons}

result := decision(input)

# decision(act) is {"allow": ..., "reasons": [...]}: denied with the
# problems of an input that is not a valid act, else decided in two steps:
# the rules the act engages (which do not depend on its atoms), then its
# atoms.
decision(act) := {"allow": false, "reasons": problems} if {
	problems := input_problems(act)
	count(problems) > 0
}

decision(act) := bound(verdict(atoms(engaged_rules(a), a.category, a.purpose, subject_classes(a.subject))), secondary_use(a)) if {
	count(input_problems(act)) == 0
	a := normalized(act)
}

# The decision with its purpose binding: a secondary use denies, after the
# decision's own reasons when it denies too.
bound(v, secondary) := v if count(secondary) == 0

bound(v, secondary) := {"allow": false, "reasons": secondary} if {
	count(secondary) > 0
	v.allow
}

bound(v, secondary) := {"allow": false, "reasons": array.concat(v.reasons, secondary)} if {
	count(secondary) > 0
	not v.allow
}

# ---------------------------------------------------------------- the input

defaults := {
	"action": null,
	"category": null,
	"purpose": null,
	"recipient": "first_party",
	"region": null,
	"subject": null,
	"phase": null,
}

# Every name must be one the program knows: an unknown one is denied, as
# `privet query` refuses it.
input_problems(act) := [{"reason": "invalid_input", "field": "input", "value": act}] if {
	not is_object(act)
}

input_problems(act) := sort(names | bases | flags) if {
	is_object(act)
	names := {problem |
		some field, default_value in defaults
		value := object.get(act, field, default_value)
		not known(field, value)
		problem := {"reason": "invalid_input", "field": field, "value": value}
	}
	bases := {problem |
		listed := object.get(act, "bases", [])
		is_array(listed)
		some value in listed
		not tables.bases[value]
		problem := {"reason": "invalid_input", "field": "bases", "value": value}
	} | {problem |
		listed := object.get(act, "collected_for", [])
		is_array(listed)
		some value in listed
		not tables.purposes[value]
		problem := {"reason": "invalid_input", "field": "collected_for", "value": value}
	} | {problem |
		listed := object.get(act, "opt_outs", [])
		is_array(listed)
		some value in listed
		not value in tables.opt_outs
		problem := {"reason": "invalid_input", "field": "opt_outs", "value": value}
	} | {problem |
		listed := object.get(act, "notified", [])
		is_array(listed)
		some value in listed
		not value in tables.obligations
		problem := {"reason": "invalid_input", "field": "notified", "value": value}
	}
	flags := {problem |
		some field, default_value in flag_defaults
		value := object.get(act, field, default_value)
		not well_typed(field, value)
		problem := {"reason": "invalid_input", "field": field, "value": value}
	}
}

flag_defaults := {"bases": [], "dnt": false, "collected_for": [], "opt_outs": [], "notified": []}

well_typed("bases", value) if is_array(value)

well_typed("collected_for", value) if is_array(value)

well_typed("opt_outs", value) if is_array(value)

well_typed("notified", value) if is_array(value)

well_typed("dnt", value) if is_boolean(value)

known("action", value) if value in tables.actions

known("recipient", value) if value in tables.recipients

known("category", value) if tables.categories[value]

known("purpose", value) if tables.purposes[value]

known("region", null) := true

known("region", value) if tables.regions[value]

known("subject", null) := true

known("subject", value) if tables.audiences[value]

known("phase", null) := true

known("phase", "live") := true

known("phase", value) if value in tables.events

normalized(act) := {
	"action": act.action,
	"category": act.category,
	"purpose": act.purpose,
	"recipient": object.get(act, "recipient", "first_party"),
	"bases": object.get(act, "bases", []),
	"region": object.get(act, "region", null),
	"dnt": object.get(act, "dnt", false),
	"subject": object.get(act, "subject", null),
	"phase": object.get(act, "phase", null),
	"collected_for": object.get(act, "collected_for", []),
	"opt_outs": object.get(act, "opt_outs", []),
	"noticed_bases": noticed_bases(object.get(act, "bases", []), object.get(act, "notified", [])),
}

# The bases that count for the decision: those whose notices (`after
# notice`) were all given. Purpose binding reads `bases` as given.
noticed_bases(bases, notified) := [b |
	some b in bases
	every n in object.get(tables.basis_notices, b, []) {
		n in notified
	}
]

# ---------------------------------------------------------------- the decision

# The tables' leaf lists as sets, computed once per evaluation.
category_leaves := {name: {leaf | some leaf in leaves} | some name, leaves in tables.categories}

purpose_leaves := {name: {leaf | some leaf in leaves} | some name, leaves in tables.purposes}

rule_leaves := [{
	"categories": {c | some c in rule.categories},
	"purposes": listed_set(rule.purposes),
	"audiences": listed_set(rule.audiences),
} |
	some rule in tables.rules
]

listed_set(null) := null

listed_set(purposes) := {p | some p in purposes} if purposes != null

# Every purpose leaf.
every_purpose := {p | some leaves in tables.purposes; some p in leaves}

# The audience classes an act stands for: those of its subject, or every
# one when it names none (audience leaves no rule tells apart are decided
# once, as one class).
subject_classes(null) := {k | some k, _ in tables.audience_classes}

subject_classes(subject) := {k | some k in tables.audiences[subject]} if subject != null

# The rules an act engages (`engage`), in order, each with its leaf sets,
# the purposes its bases are accepted for, and the exceptions whose parts
# that do not depend on the atom hold. `rules_by_action` lists the rules
# naming each action.
engaged_rules(act) := [{
	"rule": i,
	"allows": tables.rules[i].kind == "allow",
	"restricts": tables.rules[i].kind == "restrict",
	"categories": rule_leaves[i].categories,
	"purposes": rule_leaves[i].purposes,
	"audiences": rule_leaves[i].audiences,
	"accepted": accepted_purposes(tables.rules[i].bases, act.noticed_bases),
	"exceptions": [{"condition": held, "carve_outs": carve_outs} |
		some exception in tables.rules[i].exceptions
		held := held_condition(exception, act)
		carve_outs := [c | some carve_out in exception.carve_outs; c := held_condition(carve_out, act)]
	],
} |
	some i in tables.rules_by_action[act.action]
	engaged(tables.rules[i], act)
]

# A condition (of an exception or a carve-out) whose parts that do not
# depend on the atom (recipient, region, a basis) hold for the act, as the
# leaf sets left to test per atom; undefined when one of them fails.
held_condition(condition, act) := {
	"categories": listed_set(condition.categories),
	"purposes": listed_set(condition.purposes),
	"audiences": listed_set(condition.audiences),
	"accepted": accepted,
} if {
	recipient_matches(condition.recipients, act.recipient)
	within_or_none(act.region, condition.regions)
	accepted := accepted_purposes(condition.bases, act.noticed_bases)
	count(accepted) > 0
}

# The purpose leaves for which the act's bases meet `accepted`: every one
# when nothing is asked; else, for each basis of the act under an accepted
# one, those it holds for (an exemption's own, or every one).
accepted_purposes(accepted, _) := every_purpose if count(accepted) == 0

accepted_purposes(accepted, bases) := union({basis_scope(b) |
	some b in bases
	some a in tables.bases[b]
	a in accepted
}) if count(accepted) > 0

basis_scope(b) := {p | some p in tables.basis_purposes[b]} if tables.basis_purposes[b]

basis_scope(b) := every_purpose if not tables.basis_purposes[b]

# An act stands for its atoms: every leaf category below its category with
# every leaf purpose below its purpose and every audience class of its
# subject. An engaged rule applies to the atoms it covers (`rule_covers`,
# and its `about` clause), for the purposes its bases are accepted for, but
# those where one of its exceptions holds; each entry of `covered` is one
# engaged rule and the atoms it applies to.
atoms(engaged, category, purpose, audiences) := {"covered": covered, "unallowed": unallowed} if {
	categories := category_leaves[category]
	purposes := purpose_leaves[purpose]

	# Each rule's atoms as a box of category leaves, purpose leaves and
	# audience classes, less the atoms where an exception holds (most rules
	# have none).
	covered := [{"rule": rule.rule, "allows": rule.allows, "categories": cs, "purposes": ps, "audiences": ks, "excepted": excepted} |
		some rule in engaged
		ks := named(rule.audiences, audiences)
		cs := categories & rule.categories
		ps := covered_purposes(rule.restricts, rule.purposes, purposes) & rule.accepted
		excepted := union({exception_atoms(exception, cs, ps, ks) | some exception in rule.exceptions})
		(count(cs) * count(ps)) * count(ks) > count(excepted)
	]

	# An atom that no engaged rule applies to, forbidding or allowing, is
	# forbidden by default; it is reported as its category and purpose.
	unallowed := sort({[c, p] |
		some c in categories
		some k in audiences
		decided := union({applied_purposes(entry, c, k) | some entry in covered; c in entry.categories; k in entry.audiences})
		some p in purposes - decided
	})
}

# The purposes an entry of `covered` applies to for one category leaf and
# one audience class.
applied_purposes(entry, _, _) := entry.purposes if count(entry.excepted) == 0

applied_purposes(entry, c, k) := {p | some p in entry.purposes; not [c, p, k] in entry.excepted} if {
	count(entry.excepted) > 0
}

# The atoms where an exception holds: those its condition names, but those
# an `except deny` carve-out of it names.
exception_atoms(exception, categories, purposes, audiences) := held - carved if {
	held := condition_atoms(exception.condition, categories, purposes, audiences)
	carved := union({condition_atoms(c, categories, purposes, audiences) | some c in exception.carve_outs})
}

condition_atoms(condition, categories, purposes, audiences) := {[c, p, k] |
	some c in named(condition.categories, categories)
	some p in named(condition.purposes, purposes) & condition.accepted
	some k in named(condition.audiences, audiences)
}

named(null, all) := all

named(listed, all) := listed & all if listed != null

# Forbidding overrides allowing: the act is permitted when no engaged
# forbidding rule applies to any of its atoms and an allow to every one.
verdict(a) := {"allow": true, "reasons": allowing} if {
	every entry in a.covered {
		entry.allows
	}
	count(a.unallowed) == 0
	allowing := [rule_reasons[entry.rule].allowed_by | some entry in a.covered]
}

verdict(a) := {"allow": false, "reasons": array.concat(forbidding, unallowed)} if {
	forbidding := [rule_reasons[entry.rule].forbidden_by | some entry in a.covered; not entry.allows]
	unallowed := [{"reason": "no_rule_allows", "category": atom[0], "purpose": atom[1]} | some atom in a.unallowed]
	count(forbidding) + count(unallowed) > 0
}

# What `reasons` says of each rule, computed once per evaluation.
rule_reasons := [{"allowed_by": rule_reason("allowed_by", i), "forbidden_by": rule_reason("forbidden_by", i)} |
	some i, _ in tables.rules
]

rule_reason(effect, i) := {
	"reason": effect,
	"rule": i,
	"kind": rule.kind,
	"location": rule.location,
	"text": rule.text,
	"cite": rule.cite,
} if {
	rule := tables.rules[i]
}

# ---------------------------------------------------------------- engage

# A rule is engaged by an act when the conditions that do not depend on the
# atom hold: its action, its recipients (any, if null), and its kind's own.
engaged(rule, act) if {
	act.action in rule.actions
	recipient_matches(rule.recipients, act.recipient)
	phase_engaged(rule, act.phase)
	kind_engaged(rule, act)
}

# after: a rule about the data after some events (none: any phase). A
# forbidding rule engages when the act's data is after one of them, or its
# phase is not known (then every phase); an allow only when the data is
# after one of them.
phase_engaged(rule, _) if count(rule.after) == 0

phase_engaged(rule, null) if {
	count(rule.after) > 0
	rule.kind != "allow"
}

phase_engaged(rule, phase) if {
	count(rule.after) > 0
	phase != "live"
	phase in rule.after
}

recipient_matches(null, _) := true

recipient_matches(recipients, recipient) if recipient in recipients

# allow: one of the act's bases is accepted by its bases for some purpose
# (if it has any), and the act's region is known and under one of its
# regions (if it has any).
kind_engaged(rule, act) if {
	rule.kind == "allow"
	count(accepted_purposes(rule.bases, act.noticed_bases)) > 0
	within_or_none(act.region, rule.regions)
}

# deny: the act's region is under one of its regions (if it has any).
kind_engaged(rule, act) if {
	rule.kind == "deny"
	within_or_none(act.region, rule.regions)
}

# restrict: always.
kind_engaged(rule, _) if {
	rule.kind == "restrict"
}

# confine: the act's region is known and under none of its regions.
kind_engaged(rule, act) if {
	rule.kind == "confine"
	act.region != null
	not within(act.region, rule.regions)
}

# honour do not track: the person has Do Not Track on.
kind_engaged(rule, act) if {
	rule.kind == "honour"
	act.dnt == true
}

# opt out: the person took this opt-out.
kind_engaged(rule, act) if {
	rule.kind == "opt out"
	rule.opt_out in act.opt_outs
}

within_or_none(_, regions) if count(regions) == 0

within_or_none(region, regions) if within(region, regions)

# The region is known and is one of `regions` or under one.
within(region, regions) if {
	region != null
	some r in regions
	r in tables.regions[region]
}

# ---------------------------------------------------------------- rule_covers

# The purpose leaves of the act a rule covers, given whether it is a
# `restrict` and the purposes it lists (null for any). Its category leaves
# are its `categories` (after its `sensitive` or `identifier` filter).
covered_purposes(false, null, purposes) := purposes

covered_purposes(false, listed, purposes) := purposes & listed if listed != null

# restrict covers the purposes it does not list.
covered_purposes(true, listed, purposes) := purposes - listed if listed != null

covered_purposes(true, null, _) := set()

# ---------------------------------------------------------------- purpose binding

# The leaf purposes the act uses data for that it was not collected for
# (`check::purpose_binding`): none when the collection purposes are not
# known, or a basis of the act is accepted for a new purpose; else each leaf
# of its purpose that is neither collected for, nor declared compatible with
# one collected for, nor held by an exemption of the act.
secondary_use(a) := [] if count(a.collected_for) == 0

secondary_use(a) := [] if {
	count(a.collected_for) > 0
	new_purpose_accepted(a.bases)
}

secondary_use(a) := [{"reason": "secondary_use", "purpose": p, "collected_for": named} |
	some p in sort(purpose_leaves[a.purpose] - permitted)
] if {
	count(a.collected_for) > 0
	not new_purpose_accepted(a.bases)
	collected := union({purpose_leaves[c] | some c in a.collected_for})
	permitted := (collected | compatible_with(collected)) | waived(a.bases)
	named := sort({c | some c in a.collected_for})
}

new_purpose_accepted(bases) if {
	some b in bases
	some accepted in tables.bases[b]
	accepted in tables.new_purpose_bases
}

# The purposes declared compatible with one of `collected`.
compatible_with(collected) := union({{p | some p in c.purpose} |
	some c in tables.compatibilities
	some w in c.with
	w in collected
})

# The purposes an exemption of the act holds for: the law waives consent in
# its situation, for those purposes.
waived(bases) := union({basis_scope(b) | some b in bases; tables.basis_purposes[b]})
