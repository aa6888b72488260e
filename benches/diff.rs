//! How long `privet diff` takes on the One Touch policy, and how that
//! compares with deciding every act of its domain one by one.
//!
//! `cargo bench --bench diff` prints the figures; nothing is asserted.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::measure;
use privet::check::decision::{Act, decide};
use privet::model::{Action, NameId, PartyKind, Program};
use privet::pipeline::{Compilation, diff};
use std::path::PathBuf;
use std::time::Duration;

fn one_touch() -> Compilation {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("policies/one-touch");
    let (_, compilation) = privet::cli::load_and_compile(&[path]).unwrap();
    assert!(!compilation.has_errors());
    compilation
}

/// Every act of the domain, decided directly: what the diff's tables save.
fn brute_force(program: &Program) -> usize {
    let mut bases: Vec<Option<NameId>> = vec![None];
    bases.extend(program.bases().ids().map(Some));
    let mut regions: Vec<Option<NameId>> = vec![None];
    regions.extend(program.regions().ids().map(Some));
    let mut allowed = 0;
    for action in Action::ALL {
        for recipient in PartyKind::ALL {
            for basis in &bases {
                for region in &regions {
                    for do_not_track in [false, true] {
                        for category in program.categories().leaf_ids() {
                            for purpose in program.purposes().leaf_ids() {
                                let act = Act {
                                    action,
                                    category,
                                    purpose,
                                    recipient,
                                    bases: basis.iter().copied().collect(),
                                    region: *region,
                                    do_not_track,
                                    audiences: Vec::new(),
                                    phases: program.phase_set(privet::model::LIVE_PHASE),
                                    opt_outs: Vec::new(),
                                    notified: Vec::new(),
                                };
                                if decide(program, &act).allowed {
                                    allowed += 1;
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    allowed
}

fn main() {
    println!("privet diff: {}", common::machine());
    let program = one_touch();
    let report = diff(&program, &program);
    println!(
        "One Touch against itself: {} acts decided per version, {} distinct tables",
        report.acts, report.tables
    );
    measure(
        "diff, One Touch against itself",
        0,
        10,
        200,
        Duration::from_secs(3),
        || diff(&program, &program),
    );
    if common::smoke() {
        return;
    }
    measure(
        "every act of the domain decided directly",
        0,
        3,
        10,
        Duration::from_secs(5),
        || brute_force(&program.program),
    );
}
