//! The Neovim snippet of docs/editors.md, run as written in a headless
//! Neovim (Debian's 0.7, which `.ci/run` installs) against the real
//! `privet lsp`: a broken file gets the server's diagnostics, and the
//! documented formatting command formats a file. Without `nvim` the test
//! prints SKIPPED, and fails under `CI=true`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The first ```lua block of the Neovim section of docs/editors.md.
fn documented_snippet() -> String {
    let page = std::fs::read_to_string(support::root().join("docs/editors.md")).unwrap();
    let section = &page[page.find("## Neovim").expect("a Neovim section")..];
    let start = section.find("```lua\n").expect("a lua block") + "```lua\n".len();
    let end = start + section[start..].find("```").unwrap();
    section[start..end].to_string()
}

fn nvim() -> Option<PathBuf> {
    let found = Command::new("which").arg("nvim").output().ok()?;
    let path = String::from_utf8_lossy(&found.stdout).trim().to_string();
    (found.status.success() && !path.is_empty()).then(|| PathBuf::from(path))
}

/// Runs `nvim --headless` with the snippet as its `init.lua` (the
/// directory of the built `privet` first on `PATH`, as an installed privet
/// would be), opening `file` and then running `script`, a Lua chunk that
/// writes what it found to `out`. Returns what it wrote.
fn run_nvim(nvim: &Path, dir: &Path, file: &Path, script: &str) -> String {
    let init = dir.join("init.lua");
    std::fs::write(&init, documented_snippet()).unwrap();
    let out = dir.join("out.txt");
    let lua = dir.join("script.lua");
    std::fs::write(
        &lua,
        format!(
            "local out = {out:?}\n{script}\nvim.cmd('qall!')\n",
            out = out.to_str().unwrap()
        ),
    )
    .unwrap();
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_privet"));
    let path = format!(
        "{}:{}",
        binary.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let status = support::within_limit("nvim", {
        let nvim = nvim.to_path_buf();
        let (init, file, lua, home) = (
            init.clone(),
            file.to_path_buf(),
            lua.clone(),
            dir.to_path_buf(),
        );
        move || {
            Command::new(nvim)
                .args(["--headless", "-n", "-i", "NONE", "-u"])
                .arg(&init)
                .arg(&file)
                .arg("-c")
                .arg(format!("luafile {}", lua.display()))
                .env("PATH", path)
                .env("HOME", &home)
                .env("XDG_CONFIG_HOME", home.join("config"))
                .env("XDG_DATA_HOME", home.join("data"))
                .env("XDG_STATE_HOME", home.join("state"))
                .env("XDG_CACHE_HOME", home.join("cache"))
                .output()
                .unwrap()
        }
    });
    assert!(
        status.status.success(),
        "nvim failed: {}{}",
        String::from_utf8_lossy(&status.stdout),
        String::from_utf8_lossy(&status.stderr)
    );
    std::fs::read_to_string(&out).unwrap_or_else(|_| {
        panic!(
            "nvim wrote nothing: {}",
            String::from_utf8_lossy(&status.stderr)
        )
    })
}

/// Waits (up to 20 s) for diagnostics on the current buffer and writes
/// `NAME LINE: MESSAGE` for each, the lines of a message joined by ` | `.
const DIAGNOSTICS: &str = r#"
vim.wait(20000, function() return #vim.diagnostic.get(0) > 0 end, 50)
local lines = {}
for _, d in ipairs(vim.diagnostic.get(0)) do
  table.insert(lines, string.format('%s %d: %s', d.code or '?', d.lnum + 1, (d.message:gsub('\n', ' | '))))
end
table.sort(lines)
vim.fn.writefile(lines, out)
"#;

/// Waits for the server to attach, formats with the command the page gives
/// for Neovim 0.7 (`formatting_sync`) or later (`format`), and writes the
/// buffer.
const FORMAT: &str = r#"
vim.wait(20000, function() return #vim.lsp.buf_get_clients(0) > 0 end, 50)
vim.wait(20000, function()
  for _, client in pairs(vim.lsp.buf_get_clients(0)) do
    if client.initialized ~= false and client.server_capabilities ~= nil then return true end
  end
  return false
end, 50)
if vim.lsp.buf.format then
  vim.lsp.buf.format({ timeout_ms = 20000 })
else
  vim.lsp.buf.formatting_sync(nil, 20000)
end
vim.fn.writefile(vim.api.nvim_buf_get_lines(0, 0, -1, false), out)
"#;

#[test]
fn the_documented_neovim_setup_shows_diagnostics_and_formats() {
    let Some(nvim) = nvim() else {
        support::tool_missing("`nvim` is not installed (Debian's `neovim` package)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let program = dir.path().join("program");
    std::fs::create_dir_all(&program).unwrap();
    // A marker makes `program` the root: the two files are one program, so
    // `user.email` (declared in the other file) is known.
    std::fs::write(program.join(".privet-root"), "").unwrap();
    std::fs::write(
        program.join("vocabulary.privet"),
        "category user.email \"e-mail address\"\npurpose support \"help you\"\n",
    )
    .unwrap();
    let broken = program.join("rules.privet");
    std::fs::write(&broken, "allow use of user.email for suport\n").unwrap();
    let found = run_nvim(&nvim, dir.path(), &broken, DIAGNOSTICS);
    assert_eq!(
        found.trim_end(),
        "unknown-name 1: unknown purpose `suport` | no purpose has this name | help: did you mean `support`?",
        "{found}"
    );

    let messy = program.join("messy.privet");
    std::fs::write(&messy, "allow   use of user.email   for support\n").unwrap();
    let formatted = run_nvim(&nvim, dir.path(), &messy, FORMAT);
    assert_eq!(formatted, "allow use of user.email for support\n");
}
