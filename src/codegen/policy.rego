# The decision function of privet (docs/language.md, section 7), rule for
# rule, over the tables in `data.privet.tables` (data.json of this bundle).
# Every name of the program is in the tables; none is in this file.
#
# Input: one act, as `privet query` takes it:
#   {"action": "share", "category": "user.contact", "purpose": "service",
#    "recipient": "processor", "bases": ["consent.explicit"],
#    "region": "site", "dnt": false}
# `recipient` defaults to "first_party", `bases` to [], `region` to null
# (not known) and `dnt` to false.
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

decision(act) := verdict(atoms(engaged_rules(a), a.category, a.purpose)) if {
	count(input_problems(act)) == 0
	a := normalized(act)
}

# ---------------------------------------------------------------- the input

defaults := {
	"action": null,
	"category": null,
	"purpose": null,
	"recipient": "first_party",
	"region": null,
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
	}
	flags := {problem |
		some field, default_value in flag_defaults
		value := object.get(act, field, default_value)
		not well_typed(field, value)
		problem := {"reason": "invalid_input", "field": field, "value": value}
	}
}

flag_defaults := {"bases": [], "dnt": false}

well_typed("bases", value) if is_array(value)

well_typed("dnt", value) if is_boolean(value)

known("action", value) if value in tables.actions

known("recipient", value) if value in tables.recipients

known("category", value) if tables.categories[value]

known("purpose", value) if tables.purposes[value]

known("region", null) := true

known("region", value) if tables.regions[value]

normalized(act) := {
	"action": act.action,
	"category": act.category,
	"purpose": act.purpose,
	"recipient": object.get(act, "recipient", "first_party"),
	"bases": object.get(act, "bases", []),
	"region": object.get(act, "region", null),
	"dnt": object.get(act, "dnt", false),
}

# ---------------------------------------------------------------- the decision

# The tables' leaf lists as sets, computed once per evaluation.
category_leaves := {name: {leaf | some leaf in leaves} | some name, leaves in tables.categories}

purpose_leaves := {name: {leaf | some leaf in leaves} | some name, leaves in tables.purposes}

rule_leaves := [{"categories": {c | some c in rule.categories}, "purposes": listed_purposes(rule.purposes)} |
	some rule in tables.rules
]

listed_purposes(null) := null

listed_purposes(purposes) := {p | some p in purposes} if purposes != null

# The rules an act engages (`rule_engaged`), in order, each with its leaf
# sets. `rules_by_action` lists the rules naming each action.
engaged_rules(act) := [{
	"rule": i,
	"allows": tables.rules[i].kind == "allow",
	"restricts": tables.rules[i].kind == "restrict",
	"categories": rule_leaves[i].categories,
	"purposes": rule_leaves[i].purposes,
} |
	some i in tables.rules_by_action[act.action]
	engaged(tables.rules[i], act, held)
] if {
	# The act's bases and their ancestors: a clause accepting any of these
	# accepts the act.
	held := {a | some b in act.bases; some a in tables.bases[b]}
}

# An act stands for its atoms: every leaf category below its category with
# every leaf purpose below its purpose. An engaged rule covers the atoms of
# its category leaves and its purposes (`rule_covers`); each entry of
# `covered` is one engaged rule and the atoms it covers, as category leaves
# times purpose leaves.
atoms(engaged, category, purpose) := {"covered": covered, "unallowed": unallowed} if {
	categories := category_leaves[category]
	purposes := purpose_leaves[purpose]
	covered := [{"rule": rule.rule, "allows": rule.allows, "categories": cs, "purposes": ps} |
		some rule in engaged
		cs := categories & rule.categories
		count(cs) > 0
		ps := covered_purposes(rule.restricts, rule.purposes, purposes)
		count(ps) > 0
	]

	# An atom that no engaged rule covers, forbidding or allowing, is
	# forbidden by default.
	unallowed := sort({[c, p] |
		some c in categories
		decided := union({entry.purposes | some entry in covered; c in entry.categories})
		some p in purposes - decided
	})
}

# Forbidding overrides allowing: the act is permitted when no engaged
# forbidding rule covers any of its atoms and an allow covers every one.
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

# ---------------------------------------------------------------- rule_engaged

# A rule is engaged by an act when the conditions that do not depend on the
# atom hold: its action, its recipients (any, if null), and its kind's own.
engaged(rule, act, held) if {
	act.action in rule.actions
	recipient_matches(rule.recipients, act.recipient)
	kind_engaged(rule, act, held)
}

recipient_matches(null, _) := true

recipient_matches(recipients, recipient) if recipient in recipients

# allow: one of the act's bases is under one of its bases (if it has any),
# and the act's region is known and under one of its regions (if it has any).
kind_engaged(rule, act, held) if {
	rule.kind == "allow"
	accepts_or_none(rule.bases, held)
	within_or_none(act.region, rule.regions)
}

# deny: the act's region is under one of its regions (if it has any), and no
# exception holds.
kind_engaged(rule, act, held) if {
	rule.kind == "deny"
	within_or_none(act.region, rule.regions)
	not excepted(rule, held)
}

# restrict: no exception holds.
kind_engaged(rule, _, held) if {
	rule.kind == "restrict"
	not excepted(rule, held)
}

# confine: the act's region is known and under none of its regions, and no
# exception holds.
kind_engaged(rule, act, held) if {
	rule.kind == "confine"
	act.region != null
	not within(act.region, rule.regions)
	not excepted(rule, held)
}

# honour do not track: the person has Do Not Track on.
kind_engaged(rule, act, _) if {
	rule.kind == "honour"
	act.dnt == true
}

accepts_or_none(accepted, _) if count(accepted) == 0

accepts_or_none(accepted, held) if accepts(accepted, held)

accepts(accepted, held) if {
	some basis in accepted
	basis in held
}

excepted(rule, held) if {
	some exception in rule.exceptions
	accepts(exception.bases, held)
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
