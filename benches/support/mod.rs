//! A seeded generator of large, valid privet programs for the benchmarks:
//! a vocabulary, rules over it, and a data map of systems, stores and flows
//! that the rules mostly permit, spread over one file of about the number of
//! lines asked for.

/// A small deterministic generator (xorshift), so the program is the same on
/// every run.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
}

/// A program of about `lines` lines.
pub fn program(lines: usize, seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let groups = (lines / 100).max(1);
    let mut out = String::new();
    out.push_str("policy generated \"a generated policy\" updated 2024-01-01\n\n");
    out.push_str(
        "basis consent \"your consent\"\nbasis consent.explicit \"your explicit consent\"\n",
    );
    out.push_str("region home \"home\"\nsafeguard tls \"encryption in transit\"\n");
    out.push_str("safeguard at_rest \"encryption at rest\"\nstate active \"active\"\nevent closed \"closed\"\n");
    out.push_str("subject person \"a person\"\n\n");
    let mut written = out.lines().count();
    let mut group = 0;
    while written < lines {
        let g = group % groups.max(1);
        let n = group;
        let mut item = String::new();
        // Vocabulary of the group.
        for leaf in 0..3 {
            item.push_str(&format!(
                "/// Data of kind {leaf} in group {n}.\ncategory data{n}.kind{leaf} \"data {n}.{leaf}\"\n    cite \"{g}({leaf})\"\n"
            ));
        }
        item.push_str(&format!(
            "purpose use{n}.main \"main use {n}\"\npurpose use{n}.other \"other use {n}\"\n\n"
        ));
        // Rules.
        item.push_str(&format!(
            "allow collect of data{n} for use{n}\n    under consent\n    cite \"{g}\"\n\n"
        ));
        item.push_str(&format!("allow use, store of data{n} for use{n}\n\n"));
        item.push_str(&format!(
            "deny share of data{n}.kind0\n    cite \"{g} a\"\n    except with consent.explicit\n        cite \"{g} b\"\n\n"
        ));
        item.push_str(&format!("restrict data{n}.kind1 to use{n}.main\n\n"));
        item.push_str(&format!(
            "retain data{n}\n    while active\n    then after closed keep for {} days\n    then delete\n\n",
            30 + rng.below(300)
        ));
        // Data map.
        item.push_str(&format!("system app{n} \"app {n}\" in home\n"));
        item.push_str(&format!(
            "store db{n} \"database {n}\" in home\n    protected by at_rest\n    retain data{n} while active then after closed keep for 10 days then delete\n\n"
        ));
        item.push_str(&format!(
            "flow person -> app{n}\n    carries data{n}.kind0, data{n}.kind1\n    for use{n}.main\n    under consent\n    protected by tls\n\n"
        ));
        item.push_str(&format!(
            "flow app{n} -> db{n}\n    carries data{n}.kind0, data{n}.kind1\n    for use{n}.main\n    protected by tls\n\n"
        ));
        written += item.lines().count();
        out.push_str(&item);
        group += 1;
    }
    out
}
