//! A data map shaped to stress the picture of `privet doc`: a chain of
//! systems with a fan-out, for `tests/doc.rs` and `benches/doc.rs`.

/// A chain of `systems` systems fed by a person, each system also fed by
/// the first when `fan_out`: `systems` boxes in as many layers, and flows
/// from the first to every later one, most of them skipping many layers.
/// The program checks clean.
pub fn chain_with_fan_out(systems: usize, fan_out: bool) -> String {
    let mut out = String::from(
        "category user.email \"e-mail address\"\npurpose service \"the service\"\n\
         basis consent \"consent\"\nallow collect, use of user for service under consent\n\
         subject person \"a person\"\n",
    );
    for i in 0..systems {
        out.push_str(&format!("system s{i:05} \"system number {i}\"\n"));
    }
    out.push_str("flow person -> s00000 carries user.email for service under consent\n");
    for i in 1..systems {
        out.push_str(&format!(
            "flow s{:05} -> s{i:05} carries user.email for service under consent\n",
            i - 1
        ));
        if fan_out {
            out.push_str(&format!(
                "flow s00000 -> s{i:05} carries user.email for service under consent\n"
            ));
        }
    }
    out
}
