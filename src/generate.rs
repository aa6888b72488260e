//! Synthetic privet programs for benchmarks and tests.
//!
//! Owns: a small seeded PRNG ([`SplitMix64`], so there is no `rand`
//! dependency), [`program`], which writes a valid program of any size (the
//! same seed and size always give the same text), and [`adversarial_inputs`],
//! the hostile texts the benchmarks and the robustness tests feed the parser.
//! Never: reads or writes files, decides anything about privacy.
//!
//! A generated program uses every kind of item: the outline of its notice
//! (which its citations name), category hierarchies several levels deep,
//! purposes, bases, exemptions, regions, safeguards, durations,
//! states, events, technologies, obligations, principles, rights and
//! audiences (kinds of data subject, which the subject is); allow,
//! deny, restrict, confine, retain (ceilings and floors), hold, require and
//! honour rules; subjects,
//! systems, stores, vendors, authorities, trackers and flows. It refers only
//! to declared names, so it compiles without errors (warnings, such as an
//! unused declaration, are allowed).
//!
//! To keep the data map clean whatever checks are added, the categories come
//! in two kinds of tree. Flows carry only the "data" trees, on which the
//! policy only allows and retains (with the same lifecycle the stores
//! declare); the deny, restrict, confine and require rules apply to the
//! "policy" trees, which no flow carries. Flows other than collections use
//! data for purposes drawn at random, so each relies on [`RENEWED`], a
//! basis accepted for a new purpose: no flow is a secondary use, and the
//! purposes still bind (and are propagated along) the whole map.

use std::fmt::Write as _;

/// The basis of a generated program accepted for a new purpose, which
/// every flow that is not a collection relies on.
pub const RENEWED: &str = "consent.renewed";

/// The splitmix64 generator (Steele, Lea and Flood, 2014): one `u64` of
/// state, good enough statistics for test data, and deterministic.
#[derive(Clone, Debug)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        // The modulo bias is irrelevant for test data.
        (self.next_u64() % n as u64) as usize
    }

    /// A number in `low..=high`.
    pub fn between(&mut self, low: usize, high: usize) -> usize {
        low + self.below(high.saturating_sub(low) + 1)
    }

    /// True with the given probability, in percent.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    /// One element of a slice, or `None` when it is empty.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len()))
    }

    /// Up to `most` distinct elements of a slice (at least one when the
    /// slice is not empty), in the order of the slice.
    pub fn some<'a, T>(&mut self, items: &'a [T], most: usize) -> Vec<&'a T> {
        let wanted = self.between(1, most.max(1)).min(items.len());
        let mut chosen: Vec<usize> = Vec::with_capacity(wanted);
        // Few picks from a large pool: retry on a repeat, a bounded number
        // of times.
        for _ in 0..wanted * 4 {
            if chosen.len() == wanted {
                break;
            }
            let index = self.below(items.len());
            if !chosen.contains(&index) {
                chosen.push(index);
            }
        }
        chosen.sort_unstable();
        chosen
            .iter()
            .filter_map(|index| items.get(*index))
            .collect()
    }

    /// Random bytes, for inputs that are not text.
    pub fn bytes(&mut self, count: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(count + 8);
        while out.len() < count {
            out.extend_from_slice(&self.next_u64().to_le_bytes());
        }
        out.truncate(count);
        out
    }
}

/// Segment words for hierarchical names. Each segment gets a number, so no
/// segment is ever a keyword.
const WORDS: &[&str] = &[
    "contact", "mail", "phone", "device", "log", "geo", "order", "pay", "card", "health", "bio",
    "pref", "click", "session", "net", "ident", "profile", "address", "message", "photo",
];

/// How many category trees the data map carries.
const MAX_DATA_TREES: usize = 8;

const ACTIONS: &[&str] = &["collect", "use", "store", "share", "transfer", "disclose"];
const ONWARD: &[&str] = &["share", "transfer", "disclose"];
const PARTIES: &[&str] = &[
    "processor",
    "third_party",
    "authority",
    "acquirer",
    "public",
];
const UNITS: &[&str] = &["days", "weeks", "months", "years"];
const BACKINGS: &[&str] = &[
    "backed by postgres table \"records\" timestamp \"closed_at\"",
    "backed by s3 bucket \"archive\" prefix \"users/\"",
    "backed by kafka topic \"events\"",
];

/// A valid program of about `items` top-level items (at least a few dozen),
/// the same text for the same seed and size.
pub fn program(seed: u64, items: usize) -> String {
    let mut generator = Generator::new(seed);
    generator.run(items);
    generator.out
}

/// A valid program of the flow-heavy shape: the vocabulary and the rules
/// of a program of about a thousand items, and a data map of `flows` flows
/// between nodes whose number grows with the flows (about one system, one
/// store and a third of a vendor and of an authority per 47 flows). The
/// benchmarks' large data map: the policy stays the size a legal team
/// writes while the systems grow. The same seed and count give the same
/// text.
pub fn flow_heavy(seed: u64, flows: usize) -> String {
    let mut generator = Generator::new(seed);
    generator.run_shaped(POLICY_UNIT, (flows / 140).max(1), flows);
    generator.out
}

/// The unit of the vocabulary and rules of [`flow_heavy`] programs (a
/// program of [`program`]'s shape with this unit has about 1,000 items).
const POLICY_UNIT: usize = 10;

/// A valid program of at least `bytes` bytes (and not much more).
pub fn program_of_size(seed: u64, bytes: usize) -> String {
    // Measure the average item on a sample, then scale; grow if short.
    let sample = program(seed, 2_000);
    let per_item = (sample.len() / 2_000).max(1);
    let mut items = bytes / per_item + 1;
    loop {
        let text = program(seed, items);
        if text.len() >= bytes {
            return text;
        }
        items += items / 8 + 1;
    }
}

struct Generator {
    rng: SplitMix64,
    /// For the clauses added to exceptions later (recipients, `except
    /// allow`, `except deny`): a stream of its own, so the rest of a program
    /// of a given seed stays what it was and benchmarks stay comparable.
    exception_rng: SplitMix64,
    out: String,
    items: usize,
    policy_categories: Vec<String>,
    data_categories: Vec<String>,
    data_roots: Vec<String>,
    purposes: Vec<String>,
    purpose_roots: Vec<String>,
    tracking: Vec<String>,
    bases: Vec<String>,
    exemptions: Vec<String>,
    regions: Vec<String>,
    safeguards: Vec<String>,
    durations: Vec<String>,
    states: Vec<String>,
    events: Vec<String>,
    technologies: Vec<String>,
    systems: Vec<String>,
    stores: Vec<String>,
    vendors: Vec<String>,
    authorities: Vec<String>,
    trackers: Vec<String>,
    opt_outs: Vec<String>,
    /// The categories declared `identifier`: a flow that carries one of
    /// them, an ancestor or a descendant is never `anonymized`.
    identifiers: std::collections::BTreeSet<String>,
}

/// One name of a pool (empty when the pool is). A function of the
/// generator's fields, not a method, so that the pool is borrowed beside
/// the generator's random numbers instead of copied for every pick.
fn pick_name(rng: &mut SplitMix64, names: &[String]) -> String {
    rng.pick(names).cloned().unwrap_or_default()
}

/// Joins names with `, `.
fn list<S: AsRef<str>>(names: &[S]) -> String {
    let parts: Vec<&str> = names.iter().map(AsRef::as_ref).collect();
    parts.join(", ")
}

impl Generator {
    fn new(seed: u64) -> Self {
        Generator {
            rng: SplitMix64::new(seed),
            exception_rng: SplitMix64::new(seed ^ 0x00e8_ce97_1043),
            out: String::new(),
            items: 0,
            policy_categories: Vec::new(),
            data_categories: Vec::new(),
            data_roots: Vec::new(),
            purposes: Vec::new(),
            purpose_roots: Vec::new(),
            tracking: Vec::new(),
            bases: Vec::new(),
            exemptions: Vec::new(),
            regions: Vec::new(),
            safeguards: Vec::new(),
            durations: Vec::new(),
            states: Vec::new(),
            events: Vec::new(),
            technologies: Vec::new(),
            systems: Vec::new(),
            stores: Vec::new(),
            vendors: Vec::new(),
            authorities: Vec::new(),
            trackers: Vec::new(),
            opt_outs: Vec::new(),
            identifiers: std::collections::BTreeSet::new(),
        }
    }

    /// Writes an item: sometimes a doc comment or a comment above it, and
    /// sometimes a citation.
    fn item(&mut self, text: &str) {
        self.item_then(text, "");
    }

    /// Writes an item whose citation, if any, goes before `tail` (the
    /// `except` clauses of a rule).
    fn item_then(&mut self, text: &str, tail: &str) {
        if self.rng.chance(10) {
            let _ = writeln!(self.out, "/// Generated item {}.", self.items);
        } else if self.rng.chance(5) {
            let _ = writeln!(self.out, "// comment {}", self.items);
        }
        self.out.push_str(text);
        if self.rng.chance(50) {
            let _ = write!(
                self.out,
                "\n    cite \"{}({}) {}\"",
                self.rng.between(1, 9),
                self.rng.between(1, 9),
                self.rng.between(1, 20)
            );
        }
        self.out.push_str(tail);
        self.out.push_str("\n\n");
        self.items += 1;
    }

    fn run(&mut self, items: usize) {
        let unit = (items / 100).max(1);
        self.run_shaped(unit, unit, 14 * unit);
    }

    /// A program whose vocabulary and rules grow with `policy_unit`, whose
    /// nodes grow with `map_unit`, with `flows` flows.
    fn run_shaped(&mut self, policy_unit: usize, map_unit: usize, flows: usize) {
        self.item("policy generated \"A generated privacy policy\" updated 2024-10-24");
        self.outline();
        self.vocabulary(policy_unit);
        self.rules(policy_unit);
        self.data_map(map_unit, flows);
    }

    /// The outline of the notice, which every citation names: `"exception"`
    /// and parts 1 to 9 (a citation `"N(M) K"` names part N), part 1
    /// divided into its nine subsections. It draws nothing from the
    /// generator, so the rest of the program is as it was without it.
    fn outline(&mut self) {
        let mut sections = vec![("exception".to_string(), "the exceptions".to_string())];
        for part in 1..=9 {
            sections.push((part.to_string(), format!("part {part} of the notice")));
            if part == 1 {
                for sub in 1..=9 {
                    sections.push((format!("1({sub})"), format!("part {sub} of part 1")));
                }
            }
        }
        for (id, title) in sections {
            let _ = write!(self.out, "section \"{id}\" \"{title}\"\n\n");
            self.items += 1;
        }
    }

    /// A hierarchy under `root` of about `count` names, declared as it is
    /// built (the root first, then breadth-first), depth at most `depth`.
    fn tree(&mut self, keyword: &str, root: &str, count: usize, depth: usize) -> Vec<String> {
        let mut names = vec![root.to_string()];
        let mut frontier = vec![(root.to_string(), 1)];
        let mut next = 0;
        while names.len() < count {
            let Some((parent, level)) = frontier.get(next).cloned() else {
                break;
            };
            next += 1;
            if level >= depth {
                continue;
            }
            for child in 0..self.rng.between(1, 4) {
                let word = self.rng.pick(WORDS).copied().unwrap_or("item");
                let name = format!("{parent}.{word}{child}");
                names.push(name.clone());
                frontier.push((name, level + 1));
            }
        }
        for name in &names {
            let flag = match (keyword, self.rng.below(8)) {
                ("category", 0) => " sensitive",
                ("category", 1) => " identifier",
                ("category", 2) => " sensitive identifier",
                _ => "",
            };
            if flag.contains("identifier") {
                self.identifiers.insert(name.clone());
            }
            let label = if self.rng.chance(70) {
                format!(" \"the {} of a user\"", name.replace('.', " "))
            } else {
                String::new()
            };
            self.item(&format!("{keyword} {name}{label}{flag}"));
        }
        names
    }

    /// Declares `count` flat names `prefix0`, `prefix1`, ... with `keyword`.
    fn flat(&mut self, keyword: &str, prefix: &str, count: usize) -> Vec<String> {
        (0..count)
            .map(|index| {
                let name = format!("{prefix}{index}");
                self.item(&format!("{keyword} {name} \"{keyword} number {index}\""));
                name
            })
            .collect()
    }

    fn vocabulary(&mut self, unit: usize) {
        // Categories: about a quarter of the items, in trees of depth up to 5.
        let mut tree_index = 0;
        while self.policy_categories.len() + self.data_categories.len() < 25 * unit
            || self.policy_categories.is_empty()
        {
            let depth = self.rng.between(2, 5);
            let size = self.rng.between(4, 40);
            // A bounded number of data trees, so that the stores' retention
            // lists stay short however large the program.
            if tree_index % 2 == 0 && self.data_roots.len() < MAX_DATA_TREES {
                let root = format!("dc{tree_index}");
                let names = self.tree("category", &root, size, depth);
                self.data_roots.push(root);
                self.data_categories.extend(names);
            } else {
                let root = format!("pc{tree_index}");
                let names = self.tree("category", &root, size, depth);
                self.policy_categories.extend(names);
            }
            tree_index += 1;
        }
        let mut tree_index = 0;
        while self.purposes.len() < 8 * unit {
            let root = format!("gp{tree_index}");
            let size = self.rng.between(3, 15);
            let names = self.tree("purpose", &root, size, 3);
            self.purpose_roots.push(root);
            self.purposes.extend(names);
            tree_index += 1;
        }
        self.tracking = self.tree("purpose", "trk", unit.clamp(3, 20), 2);

        self.item("basis consent \"your consent\"");
        // Written without drawing from the generator, so that the rest of
        // the program is what the same seed gave before it was added.
        let _ = write!(
            self.out,
            "basis {RENEWED} \"your consent after notice of the new purpose\"\n    for new purpose\n\n"
        );
        self.items += 1;
        // A basis that counts only after a notice; no flow relies on it (a
        // flow would have to show the notice).
        let _ = write!(
            self.out,
            "basis consent.noticed \"your consent after a notice\"\n    after notice duty0\n\n"
        );
        self.items += 1;
        self.bases = vec!["consent".to_string()];
        for index in 0..2 * unit {
            let name = format!("consent.kind{index}");
            self.item(&format!("basis {name} \"consent of kind {index}\""));
            self.bases.push(name);
        }
        self.exemptions = self.flat("exemption", "exempt", 2 * unit);
        self.regions = self.flat("region", "zone", unit);
        self.safeguards = self.flat("safeguard", "guard", unit);
        self.states = self.flat("state", "state", unit);
        self.events = self.flat("event", "event", unit);
        for index in 0..unit {
            let amount = self.rng.between(1, 36);
            let unit_word = self.rng.pick(UNITS).copied().unwrap_or("days");
            let name = format!("period{index}");
            self.item(&format!(
                "duration {name} = {amount} {unit_word} \"period number {index}\""
            ));
            self.durations.push(name);
        }
        for index in 0..unit.min(10) {
            // Declared for the whole tracking tree, so that a tracker serves
            // only purposes its technologies are declared for; the draw is
            // kept, so that the rest of the program is as it was.
            let _purposes = self.rng.some(&self.tracking, 2);
            let name = format!("tech{index}");
            self.item(&format!(
                "technology {name} \"tracking technology {index}\"\n    for trk\n    opt out by \"asking us\""
            ));
            self.technologies.push(name);
        }
        // The person's choices, which every tracker honours; drawn from no
        // random number, so that the rest of the program is as it was.
        for index in 0..unit.clamp(1, 3) {
            let _ = write!(
                self.out,
                "opt out choice{index} \"opt-out number {index}\"\n    stops trk\n\n"
            );
            self.items += 1;
            self.opt_outs.push(format!("choice{index}"));
        }
        for index in 0..unit {
            let trigger = match self.rng.below(5) {
                0 => format!("when {}", self.pick_event()),
                1 => format!("after {} within 30 days", self.pick_event()),
                2 => format!("at least 30 days before {}", self.pick_event()),
                3 => format!("before {}", self.pick_event()),
                _ => "before new purpose".to_string(),
            };
            self.item(&format!(
                "obligation duty{index} \"do what duty {index} says\"\n    {trigger}"
            ));
            self.item(&format!(
                "principle idea{index} \"the principle number {index}\""
            ));
            self.item(&format!("right power{index} \"the right number {index}\""));
        }
        // Kinds of data subject; no rule is about some of them only, so
        // every act is decided once (one audience class).
        self.item("audience folk \"the people the data is about\"");
        for index in 0..unit.min(4) {
            self.item(&format!(
                "audience folk.kind{index} \"people of kind {index}\" under age {}",
                10 + index
            ));
        }
    }

    fn pick_event(&mut self) -> String {
        self.rng.pick(&self.events).cloned().unwrap_or_default()
    }

    /// A lifecycle: one of the shapes the grammar allows.
    fn lifecycle(&mut self) -> String {
        let state = pick_name(&mut self.rng, &self.states);
        let event = pick_name(&mut self.rng, &self.events);
        let duration = if self.rng.chance(50) {
            pick_name(&mut self.rng, &self.durations)
        } else {
            format!("{} years", self.rng.between(1, 30))
        };
        match self.rng.below(5) {
            0 => "forever".to_string(),
            1 => format!(
                "while {state}\n    then after {event} keep for {duration} without commercial use\n    then anonymize"
            ),
            2 => {
                format!("after {event} archive encrypted isolated for {duration}\n    then delete")
            }
            3 => format!("while {state}\n    then delete"),
            _ => format!("keep for {duration}\n    then archive encrypted"),
        }
    }

    /// The lifecycle of every data tree, in the policy and in the stores.
    fn data_lifecycle(&self) -> String {
        format!(
            "while {}\n    then after {} keep for {}\n    then delete",
            self.states.first().map_or("", String::as_str),
            self.events.first().map_or("", String::as_str),
            self.durations.first().map_or("", String::as_str),
        )
    }

    /// The data lifecycle without its `while` phase: within the policy's,
    /// and what a store counting from creation can enforce.
    fn counted_from_event(&self) -> String {
        format!(
            "after {} keep for {} then delete",
            self.events.first().map_or("", String::as_str),
            self.durations.first().map_or("", String::as_str),
        )
    }

    fn rules(&mut self, unit: usize) {
        // What the data map does is allowed, wholesale.
        let mut all_purposes = self.purpose_roots.clone();
        all_purposes.push("trk".to_string());
        self.item(&format!(
            "allow process of {}\n    for {}",
            list(&self.data_roots),
            list(&all_purposes)
        ));
        let lifecycle = self.data_lifecycle();
        self.item(&format!(
            "retain {}\n    {lifecycle}",
            list(&self.data_roots)
        ));

        let every: Vec<String> = self
            .policy_categories
            .iter()
            .chain(&self.data_categories)
            .cloned()
            .collect();
        for _ in 0..12 * unit {
            let actions = self.rng.some(ACTIONS, 3);
            let filter = match self.rng.below(6) {
                0 => "sensitive ",
                1 => "identifier ",
                _ => "",
            };
            let categories = self.rng.some(&every, 3);
            let purposes = self.rng.some(&self.purposes, 3);
            let mut text = format!(
                "allow {} of {filter}{}\n    for {}",
                list(&actions),
                list(&categories),
                list(&purposes)
            );
            if self.rng.chance(30) {
                let parties = self.rng.some(PARTIES, 2);
                let _ = write!(text, "\n    to {}", list(&parties));
            }
            if self.rng.chance(40) {
                let bases = self.rng.some(&self.bases, 2);
                let word = if self.rng.chance(50) { "under" } else { "with" };
                let _ = write!(text, "\n    {word} {}", list(&bases));
            }
            if self.rng.chance(20) {
                let regions = self.rng.some(&self.regions, 2);
                let _ = write!(text, "\n    in {}", list(&regions));
            }
            self.item(&text);
        }
        for _ in 0..3 * unit {
            let actions = self.rng.some(ONWARD, 2);
            let categories = self.rng.some(&self.policy_categories, 2);
            let mut text = format!("deny {} of {}", list(&actions), list(&categories));
            if self.rng.chance(40) {
                let parties = self.rng.some(PARTIES, 2);
                let _ = write!(text, "\n    to {}", list(&parties));
            }
            if self.rng.chance(30) {
                let purposes = self.rng.some(&self.purposes, 2);
                let _ = write!(text, "\n    for {}", list(&purposes));
            }
            let exceptions = self.exceptions();
            self.item_then(&text, &exceptions);
        }
        // `restrict CATEGORIES to PURPOSES` and `confine CATEGORIES to
        // REGIONS`, with exceptions.
        let purposes = self.purposes.clone();
        let regions = self.regions.clone();
        for (keyword, count, targets) in [
            ("restrict", 3 * unit, &purposes),
            ("confine", 2 * unit, &regions),
        ] {
            for _ in 0..count {
                let categories = self.rng.some(&self.policy_categories, 2);
                let targets = self.rng.some(targets, 3);
                let text = format!("{keyword} {}\n    to {}", list(&categories), list(&targets));
                let exceptions = self.exceptions();
                self.item_then(&text, &exceptions);
            }
        }
        for _ in 0..3 * unit {
            let categories = self.rng.some(&self.policy_categories, 2);
            let mut text = format!("retain {}", list(&categories));
            if self.rng.chance(30) {
                let purposes = self.rng.some(&self.purposes, 2);
                let _ = write!(text, " for {}", list(&purposes));
            }
            let lifecycle = self.lifecycle();
            let _ = write!(text, "\n    {lifecycle}");
            self.item(&text);
        }
        // Floors and legal holds on the policy trees, which no store holds
        // (some leaves of the data trees reach no store, so a floor on them
        // would not be met); `check` still finds where each leaf is used.
        for _ in 0..unit {
            let state = pick_name(&mut self.rng, &self.states);
            let event = pick_name(&mut self.rng, &self.events);
            let duration = pick_name(&mut self.rng, &self.durations);
            let categories = self.rng.some(&self.policy_categories, 2);
            let floor = match self.rng.below(3) {
                0 => format!("at least while {state}"),
                1 => format!("at least while {state}\n    then after {event} keep for {duration}"),
                _ => format!("at least after {event} archive encrypted for {duration}"),
            };
            self.item(&format!("retain {}\n    {floor}", list(&categories)));
            let categories = self.rng.some(&self.policy_categories, 2);
            let mut text = format!("hold {}", list(&categories));
            if self.rng.chance(30) {
                let purposes = self.rng.some(&self.purposes, 2);
                let _ = write!(text, " for {}", list(&purposes));
            }
            let _ = write!(text, "\n    while {state}");
            self.item(&text);
        }
        for _ in 0..2 * unit {
            let safeguards = self.rng.some(&self.safeguards, 2);
            let target = if self.rng.chance(50) {
                "stores"
            } else {
                "flows"
            };
            let filter = if self.rng.chance(30) {
                "sensitive "
            } else {
                ""
            };
            let categories = self.rng.some(&self.policy_categories, 2);
            self.item(&format!(
                "require {} for {target} of {filter}{}",
                list(&safeguards),
                list(&categories)
            ));
        }
        self.item("honour do not track for trk");
    }

    /// Zero to two `except` clauses.
    fn exceptions(&mut self) -> String {
        let mut text = String::new();
        for _ in 0..self.rng.below(3) {
            let (word, pool) = if self.rng.chance(50) {
                ("with", &self.bases)
            } else {
                ("under", &self.exemptions)
            };
            let bases = self.rng.some(pool, 3);
            let effect = if self.exception_rng.chance(50) {
                " allow"
            } else {
                ""
            };
            let _ = write!(text, "\n    except{effect}");
            if self.exception_rng.chance(20) {
                let parties = self.exception_rng.some(PARTIES, 2);
                let _ = write!(text, " to {}", list(&parties));
            }
            let _ = write!(text, " {word} {}", list(&bases));
            if self.rng.chance(30) {
                text.push_str(" cite \"exception\"");
            }
            if self.exception_rng.chance(15) {
                let parties = self.exception_rng.some(PARTIES, 1);
                let _ = write!(text, "\n        except deny to {}", list(&parties));
            }
        }
        text
    }

    fn data_map(&mut self, unit: usize, flows: usize) {
        self.item("subject person \"a user of the service\" is folk");
        for index in 0..3 * unit {
            let name = format!("service{index}");
            let region = pick_name(&mut self.rng, &self.regions);
            self.item(&format!(
                "system {name} \"service number {index}\" in {region}"
            ));
            self.systems.push(name);
        }
        let lifecycle = self.data_lifecycle();
        for index in 0..3 * unit {
            let name = format!("store{index}");
            let region = pick_name(&mut self.rng, &self.regions);
            let protection = list(&self.rng.some(&self.safeguards, 2));
            let backing = self.rng.pick(BACKINGS).copied().unwrap_or("");
            // S3 and Kafka count from creation and cannot wait while a state
            // holds: their stores start counting at the event.
            let store_lifecycle = if backing.contains("postgres") {
                lifecycle.replace("\n    ", " ")
            } else {
                self.counted_from_event()
            };
            self.item(&format!(
                "store {name} \"store number {index}\"\n    in {region}\n    protected by {protection}\n    {backing}\n    retain {} {store_lifecycle}",
                list(&self.data_roots),
            ));
            self.stores.push(name);
        }
        for index in 0..unit {
            let name = format!("vendor{index}");
            let party = if self.rng.chance(70) {
                "processor"
            } else {
                "third_party"
            };
            let region = pick_name(&mut self.rng, &self.regions);
            self.item(&format!(
                "vendor {name} \"vendor number {index}\" is {party} in {region}"
            ));
            self.vendors.push(name);
            let name = format!("agency{index}");
            self.item(&format!("authority {name} \"authority number {index}\""));
            self.authorities.push(name);
        }
        for index in 0..unit.min(10) {
            let name = format!("tracker{index}");
            let technologies = self.rng.some(&self.technologies, 2);
            self.item(&format!(
                "tracker {name} \"tracker number {index}\"\n    using {}\n    honours do not track\n    honours opt out {}",
                list(&technologies),
                list(&self.opt_outs)
            ));
            self.trackers.push(name);
        }
        for _ in 0..flows {
            self.flow();
        }
    }

    /// Whether a category is declared `identifier`, or has an ancestor or a
    /// descendant that is.
    fn identifying(&self, category: &str) -> bool {
        let below = format!("{category}.");
        let mut ancestor = category;
        loop {
            if self.identifiers.contains(ancestor) {
                return true;
            }
            match ancestor.rsplit_once('.') {
                Some((parent, _)) => ancestor = parent,
                None => break,
            }
        }
        self.identifiers
            .range(below.clone()..)
            .next()
            .is_some_and(|name| name.starts_with(&below))
    }

    fn flow(&mut self) {
        let (from, to, tracking) = match self.rng.below(6) {
            0 => (
                "person".to_string(),
                pick_name(&mut self.rng, &self.systems),
                false,
            ),
            1 => (
                pick_name(&mut self.rng, &self.systems),
                pick_name(&mut self.rng, &self.stores),
                false,
            ),
            2 => (
                pick_name(&mut self.rng, &self.stores),
                pick_name(&mut self.rng, &self.systems),
                false,
            ),
            3 => (
                pick_name(&mut self.rng, &self.systems),
                pick_name(&mut self.rng, &self.vendors),
                false,
            ),
            4 => (
                pick_name(&mut self.rng, &self.systems),
                pick_name(&mut self.rng, &self.authorities),
                false,
            ),
            _ => (
                "person".to_string(),
                pick_name(&mut self.rng, &self.trackers),
                true,
            ),
        };
        let categories = self.rng.some(&self.data_categories, 3);
        let purposes = if tracking {
            self.rng.some(&self.tracking, 2)
        } else {
            self.rng.some(&self.purposes, 2)
        };
        let transform = match self.rng.below(12) {
            // An identifier cannot be anonymized (`invalid-value`).
            0 if categories.iter().any(|c| self.identifying(c)) => "",
            0 => "anonymized ",
            1 => "pseudonymized ",
            _ => "",
        };
        let mut text = format!(
            "flow {from} -> {to}\n    carries {transform}{}\n    for {}",
            list(&categories),
            list(&purposes)
        );
        let mut bases: Vec<String> = if self.rng.chance(50) {
            self.rng.some(&self.bases, 2).into_iter().cloned().collect()
        } else {
            Vec::new()
        };
        if from != "person" {
            bases.push(RENEWED.to_string());
        }
        if !bases.is_empty() {
            let _ = write!(text, "\n    under {}", list(&bases));
        }
        if self.rng.chance(60) {
            let safeguards = self.rng.some(&self.safeguards, 2);
            let _ = write!(text, "\n    protected by {}", list(&safeguards));
        }
        if tracking {
            text.push_str("\n    honours do not track");
        }
        self.item(&text);
    }
}

/// Hostile inputs of about `bytes` bytes each, named: deep nesting, long
/// runs that share a prefix with valid text, and text that is almost an
/// item. None is valid; each must give diagnostics in about linear time.
pub fn adversarial_inputs(bytes: usize) -> Vec<(&'static str, String)> {
    let repeat = |unit: &str| unit.repeat(bytes / unit.len().max(1));
    let mut rng = SplitMix64::new(0x5eed);
    let garbage_alphabet = b"abc.,;:()[]{}\"\\ \n\t/-=>01";
    let garbage: String = rng
        .bytes(bytes)
        .iter()
        .map(|byte| {
            let index = *byte as usize % garbage_alphabet.len();
            garbage_alphabet.get(index).copied().map_or(' ', char::from)
        })
        .collect();
    let broken_items: String = {
        let mut text = String::with_capacity(bytes + 64);
        let mut index = 0;
        while text.len() < bytes {
            let _ = writeln!(text, "category c{index} \"label\" sensitive {{ ( [ ;");
            index += 1;
        }
        text
    };
    vec![
        ("deep-parentheses", repeat("(")),
        (
            "deep-brackets-in-item",
            format!("category a {}", repeat("[")),
        ),
        ("garbage", garbage),
        ("broken-items", broken_items),
        (
            "long-name-list-no-purpose",
            format!("allow use of a{}\n    for", repeat(", a")),
        ),
        (
            "long-dotted-name-unfinished",
            format!("allow use of a{}.", repeat(".b")),
        ),
        (
            "unterminated-string",
            format!("category a \"{}", repeat("x")),
        ),
        (
            "archive-flags-then-nothing",
            format!("retain a while s then archive{} for", repeat(" encrypted")),
        ),
        (
            "except-chain-unfinished",
            format!("deny share of a{} except", repeat("\n    except with b")),
        ),
        (
            "clauses-any-order-unfinished",
            format!(
                "allow use of a{} for",
                repeat(" to processor in site under b")
            ),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Diagnostic;
    use crate::pipeline::compile;
    use crate::source::SourceMap;

    fn compile_text(text: &str) -> (SourceMap, crate::pipeline::Compilation) {
        let mut sources = SourceMap::new();
        sources.add("generated.privet", text);
        let compilation = compile(&sources);
        (sources, compilation)
    }

    #[test]
    fn generated_programs_compile_without_errors() {
        for seed in [0, 1, 7, 42, 0xdead_beef] {
            for items in [1, 100, 1_000] {
                let text = program(seed, items);
                let (sources, compilation) = compile_text(&text);
                let errors: Vec<Diagnostic> = compilation
                    .diagnostics
                    .iter()
                    .filter(|d| d.is_error())
                    .cloned()
                    .collect();
                assert!(
                    errors.is_empty(),
                    "seed {seed}, {items} items:\n{}",
                    crate::render::human::render_all_plain(&sources, &errors)
                );
                // Every kind of item is there and was read.
                let parsed: usize = compilation.files.iter().map(|f| f.items.len()).sum();
                assert_eq!(parsed, text.matches("\n\n").count());
                for keyword in crate::syntax::split::ITEM_KEYWORDS {
                    let start = format!("{keyword} ");
                    assert!(
                        text.starts_with(&start) || text.contains(&format!("\n{start}")),
                        "seed {seed}: no `{keyword}` item"
                    );
                }
            }
        }
    }

    #[test]
    fn generation_is_deterministic_and_seeded() {
        assert_eq!(program(3, 500), program(3, 500));
        assert_ne!(program(3, 500), program(4, 500));
    }

    #[test]
    fn size_follows_the_request() {
        let small = program(1, 1_000);
        let large = program(1, 10_000);
        assert!(large.len() > 5 * small.len());
        let sized = program_of_size(9, 200_000);
        assert!(
            sized.len() >= 200_000 && sized.len() < 400_000,
            "{}",
            sized.len()
        );
    }

    #[test]
    fn categories_nest_several_levels_deep() {
        let text = program(5, 1_000);
        let deepest = text
            .lines()
            .filter_map(|line| line.strip_prefix("category "))
            .filter_map(|rest| rest.split_whitespace().next())
            .map(|name| name.split('.').count())
            .max();
        assert!(deepest >= Some(4), "{deepest:?}");
    }

    #[test]
    fn adversarial_inputs_have_the_size_asked_for_and_are_rejected() {
        for (name, text) in adversarial_inputs(10_000) {
            assert!(text.len() >= 9_000, "{name}: {}", text.len());
            let (_, compilation) = compile_text(&text);
            assert!(
                compilation
                    .diagnostics
                    .iter()
                    .any(|d| d.name == crate::diagnostic::Name::SyntaxError),
                "{name} parsed"
            );
        }
    }

    /// The SHA-256 of a text, in hex.
    fn digest(text: &str) -> String {
        use sha2::{Digest, Sha256};
        Sha256::digest(text.as_bytes())
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }

    #[test]
    fn the_text_of_a_seed_and_size_stays_what_it_was() {
        // Digests of the text the generator wrote for these seeds and sizes
        // when each pick still copied its pool (recorded then): the
        // benchmarks compare figures across versions, so a change of the
        // generator must leave them as they are (a new shape of program is
        // an option of its own, [`flow_heavy`]).
        let recorded = [
            (
                0,
                100,
                "d6b08c0487e2926da7bf16179cc0d5a3baacbeef361d7a27dcaffd83ad08da65",
            ),
            (
                1,
                1_000,
                "23bffccd1ac6991d32becdebe33d3fc489ddeddbbb2b05f2fc13e1ba1db8951a",
            ),
            (
                7,
                3_000,
                "9e04f815e9aaf668f732b9b0c73d9936ef271360ead5678cf342d78aa2d72601",
            ),
            (
                42,
                20_000,
                "5691b26f19668572b0a76c7251f1b7243e1e223a04769d7da78cd7091b5aee22",
            ),
        ];
        for (seed, items, expected) in recorded {
            assert_eq!(
                digest(&program(seed, items)),
                expected,
                "seed {seed}, {items} items"
            );
        }
        assert_eq!(
            digest(&program_of_size(1, 1_000_000)),
            "ec37557157c34ec5b154f469a65d72aa42891fa9a636a1d63f95bb0dd527e0a7"
        );
    }

    #[test]
    fn splitmix_matches_the_reference_sequence() {
        // The first outputs for seed 0 of the reference implementation.
        let mut rng = SplitMix64::new(0);
        assert_eq!(rng.next_u64(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(rng.next_u64(), 0x6e78_9e6a_a1b9_65f4);
    }
}
