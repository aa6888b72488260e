//! Small helpers: reading choices out of the fuzz input, hostile strings,
//! and listing what two sorted lists do not share.

/// Choices read from the input, one byte at a time; once it is used up,
/// from a generator seeded by the whole input, so that a short input still
/// gives a varied run (libFuzzer starts with inputs of a few bytes).
pub struct Bytes<'a> {
    data: &'a [u8],
    rest: privet::generate::SplitMix64,
}

impl<'a> Bytes<'a> {
    pub fn new(data: &'a [u8]) -> Bytes<'a> {
        let seed = privet::render::markup::stable_hash(&[&String::from_utf8_lossy(data)]);
        Bytes {
            data,
            rest: privet::generate::SplitMix64::new(seed ^ data.len() as u64),
        }
    }

    pub fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((first, rest)) => {
                self.data = rest;
                *first
            }
            None => self.rest.next_u64() as u8,
        }
    }

    /// Whether the input itself is used up.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.byte(), self.byte()])
    }

    pub fn u64(&mut self) -> u64 {
        let mut bytes = [0u8; 8];
        for byte in &mut bytes {
            *byte = self.byte();
        }
        u64::from_le_bytes(bytes)
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        if n <= 256 {
            usize::from(self.byte()) % n
        } else {
            usize::from(self.u16()) % n
        }
    }

    /// True about `percent` times in a hundred.
    pub fn chance(&mut self, percent: u8) -> bool {
        self.byte() % 100 < percent
    }

    pub fn pick<'b, T>(&mut self, items: &'b [T]) -> &'b T {
        &items[self.below(items.len())]
    }

    /// The rest of the input, taken up to `most` bytes.
    pub fn take(&mut self, most: usize) -> &'a [u8] {
        let (taken, rest) = self.data.split_at(most.min(self.data.len()));
        self.data = rest;
        taken
    }
}

/// Pieces of text that break quoting in SQL, Rego, JSON, XML, Markdown,
/// shells and terminals when spliced in raw.
pub const HOSTILE: &[&str] = &[
    "'",
    "\"",
    "\\",
    "''",
    "\"\"",
    "--",
    "/*",
    "*/",
    ";",
    "$$",
    "$privet$",
    "$privet_1$",
    "#",
    "%",
    "`",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "<",
    ">",
    "&",
    "&amp;",
    "<script>",
    "]]>",
    "-->",
    "\n",
    "\r\n",
    "\t",
    " ",
    ".",
    ",",
    ":",
    "=",
    "\u{0}",
    "\u{1b}[2J",
    "\u{7f}",
    "\u{85}",
    "\u{2028}",
    "\u{202e}",
    "\u{feff}",
    "é",
    "𝄞",
    "DROP TABLE users",
    " OR 1=1",
    "now()",
    "@here",
    "https://example.com",
    "::error::x",
    "%0A",
    "\\n",
    "\\u0000",
    "{{x}}",
    "${x}",
    "x",
    "users",
    "a.b",
    "a, b",
];

/// A string built from hostile pieces and raw characters of the input.
pub fn hostile(bytes: &mut Bytes<'_>) -> String {
    let mut out = String::new();
    for _ in 0..1 + bytes.below(6) {
        if bytes.chance(80) {
            let piece: &&str = bytes.pick(HOSTILE);
            out.push_str(piece);
        } else if let Some(c) = char::from_u32(u32::from(bytes.u16())) {
            out.push(c);
        }
    }
    out
}

/// The ranges of the string literals of privet text written without
/// escapes inside strings (as `privet::generate` writes it), comments
/// skipped.
pub fn string_literals(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut found = Vec::new();
    let mut in_comment = false;
    let mut start = None;
    for (index, c) in text.char_indices() {
        match (c, start, in_comment) {
            ('\n', None, _) => in_comment = false,
            ('/', None, false) if text[index..].starts_with("//") => in_comment = true,
            ('"', None, false) => start = Some(index),
            ('"', Some(open), _) => {
                found.push(open..index + 1);
                start = None;
            }
            _ => {}
        }
    }
    found
}

/// The lines only `a` has and those only `b` has, of two sorted lists.
pub fn differences(a: &[String], b: &[String]) -> (String, String) {
    let only = |x: &[String], y: &[String]| {
        x.iter()
            .filter(|line| !y.contains(line))
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    };
    (only(a, b), only(b, a))
}
