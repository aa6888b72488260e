//! The command line: argument parsing, reading files, writing output, exit
//! codes. With the language server, the only code that does I/O.
//!
//! Exit codes: 0 clean, 1 problems in the input (or warnings with
//! `--deny-warnings`), 2 usage or I/O error. The exit code never depends on
//! the output format. `query` exits 0 whether the act is allowed or denied:
//! a decision is an answer, not a problem in the input.
//!
//! Diagnostics for people go through a buffered stream (one system call per
//! buffer, not per line: a report of a hundred thousand diagnostics is
//! written in a few hundred writes), flushed before anything else is
//! printed; a failed write, the flush included, is still exit 2.

mod fmt;
pub mod write;

use crate::diagnostic::{Name, Summary, closest};
use crate::files;
use crate::pipeline::{Compilation, Trees, compile_with};
use crate::render;
use clap::{Parser, Subcommand, ValueEnum};
use codespan_reporting::term::termcolor::{BufferedStandardStream, ColorChoice};
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "privet",
    version,
    about = "A privacy-policy-as-code compiler and checker",
    long_about = "privet reads a privacy policy written as code and the data flows \
                  of the systems it governs, reports every place where the systems \
                  break the policy's promises, and generates the configuration \
                  that enforces it at run time."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check a program: parse, resolve and check every `.privet` file under
    /// the paths as one program
    Check(CheckArgs),
    /// Print the data-flow graph, with the flows that break the policy marked
    Graph(GraphArgs),
    /// Compare two versions of a program (directories or files) by meaning:
    /// each change widening, narrowing or neutral
    Diff(DiffArgs),
    /// Render the policy as a document for legal review: Markdown and one
    /// self-contained HTML file
    Doc(DocArgs),
    /// Decide one act and print the rules that decided it
    Query(Box<QueryArgs>),
    /// Write the enforcement config: an OPA bundle, retention jobs and
    /// `privet.json`; nothing if the program has errors
    Build(BuildArgs),
    /// Format `.privet` files in the canonical layout, comments kept
    Fmt(fmt::FmtArgs),
    /// Run the language server on standard input and output
    Lsp {
        /// Accepted and ignored: the server always speaks over standard
        /// input and output (some clients pass this flag)
        #[arg(long, hide = true)]
        stdio: bool,
    },
    /// Print the documentation page of a diagnostic, or list the
    /// diagnostics when no name is given
    Explain {
        /// A diagnostic name, such as `purpose-restricted`
        name: Option<String>,
    },
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum CheckFormat {
    Human,
    Json,
    /// SARIF 2.1.0, for GitHub code scanning
    Sarif,
    /// GitHub Actions annotations (and `$GITHUB_STEP_SUMMARY`)
    Github,
    /// JUnit XML, one test case per file
    Junit,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum GraphFormat {
    Dot,
    Mermaid,
    Json,
}

#[derive(clap::Args, Debug)]
struct GraphArgs {
    /// Files and directories; directories are searched for `.privet` files
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    format: GraphFormat,
}

/// `query` answers for people or as JSON (the OPA bundle's shape); the
/// reports of `check` (SARIF, annotations, JUnit) have no answer to carry.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum QueryFormat {
    Human,
    Json,
}

#[derive(clap::Args, Debug)]
struct QueryArgs {
    /// Files and directories; directories are searched for `.privet` files
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// The action: collect, use, store, share, transfer or disclose
    #[arg(long)]
    action: String,
    /// A category, leaf or broad (`user.contact`)
    #[arg(long)]
    category: String,
    /// A purpose, leaf or broad
    #[arg(long)]
    purpose: String,
    /// The kind of party that receives the data
    #[arg(long, default_value = "first_party")]
    recipient: String,
    /// A basis the act relies on (repeat for several)
    #[arg(long = "basis")]
    bases: Vec<String>,
    /// A purpose the data was collected for (repeat for several); with it,
    /// a use for another purpose is a secondary use, denied
    #[arg(long = "collected-for")]
    collected_for: Vec<String>,
    /// Where the data is stored or sent
    #[arg(long)]
    region: Option<String>,
    /// The person has Do Not Track on
    #[arg(long)]
    dnt: bool,
    /// An opt-out the person took (an `opt out` name; repeat for several)
    #[arg(long = "opt-out")]
    opt_outs: Vec<String>,
    /// An obligation whose notice was given for the act (repeat for
    /// several); a basis declared `after notice` counts only with it
    #[arg(long = "notified")]
    notified: Vec<String>,
    /// The kind of data subject the data is about (an audience); every
    /// audience when not given
    #[arg(long)]
    subject: Option<String>,
    /// The phase of the data: `live`, or an event after which it is
    /// (`account.closed`); every phase when not given
    #[arg(long)]
    phase: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = QueryFormat::Human)]
    format: QueryFormat,
}

#[derive(clap::Args, Debug)]
struct BuildArgs {
    /// Files and directories; directories are searched for `.privet` files
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// The output directory; replaced as a whole
    #[arg(long)]
    out: PathBuf,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum DiffFormat {
    Human,
    Json,
    /// Markdown, ready to post as a pull-request comment
    Markdown,
    /// GitHub Actions annotations (and `$GITHUB_STEP_SUMMARY`)
    Github,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum FailOn {
    /// Exit with 1 when a change widens what users agreed to
    Widening,
    /// Exit with 1 on any semantic change
    Any,
}

#[derive(clap::Args, Debug)]
struct DiffArgs {
    /// The old version: a directory or a file
    old: PathBuf,
    /// The new version: a directory or a file
    new: PathBuf,
    /// Output format
    #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
    format: DiffFormat,
    /// Exit with 1 on widening changes, or on any semantic change
    #[arg(long, value_enum)]
    fail_on: Option<FailOn>,
}

#[derive(clap::Args, Debug)]
struct DocArgs {
    /// Files and directories; directories are searched for `.privet` files
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// The directory to write `policy.md`, `policy.html` and `data-map.svg` into
    #[arg(long)]
    out: PathBuf,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum ColorWhen {
    /// Colour when standard output is a terminal and `NO_COLOR` is not set
    Auto,
    /// Always colour
    Always,
    /// Never colour
    Never,
}

#[derive(clap::Args, Debug)]
struct CheckArgs {
    /// Files and directories; directories are searched for `.privet` files
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    format: CheckFormat,
    /// Exit with 1 when there are warnings, too
    #[arg(long)]
    deny_warnings: bool,
    /// When to colour human output (`NO_COLOR` is honoured)
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto)]
    color: ColorWhen,
}

/// Exit code for problems in the input.
const EXIT_PROBLEMS: u8 = 1;
/// Exit code for usage and I/O errors.
const EXIT_FAILURE: u8 = 2;

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // `--help` and `--version` print to standard output, and a
            // failure to write them is an I/O error like any other.
            if let Err(failure) = error.print() {
                let stream = if error.use_stderr() {
                    "standard error"
                } else {
                    "standard output"
                };
                return fail(format!(
                    "cannot write to {stream}: {}",
                    files::io_message(&failure)
                ));
            }
            return ExitCode::from(if error.use_stderr() { EXIT_FAILURE } else { 0 });
        }
    };
    match cli.command {
        Command::Check(args) => check(&args),
        Command::Graph(args) => graph(&args),
        Command::Diff(args) => diff(&args),
        Command::Doc(args) => doc(&args),
        Command::Query(args) => query(&args),
        Command::Build(args) => build(&args),
        Command::Fmt(args) => fmt::run(&args),
        Command::Lsp { stdio: _ } => crate::lsp::run(),
        Command::Explain { name: Some(name) } => explain(&name),
        Command::Explain { name: None } => list_diagnostics(),
    }
}

fn fail(message: impl std::fmt::Display) -> ExitCode {
    // A path or a name given on the command line may hold control
    // characters; they are shown, not obeyed.
    eprintln!(
        "privet: error: {}",
        render::markup::visible(&message.to_string())
    );
    ExitCode::from(EXIT_FAILURE)
}

/// Loads and compiles the program under `paths`.
pub fn load_and_compile(
    paths: &[PathBuf],
) -> Result<(crate::source::SourceMap, Compilation), files::LoadError> {
    load_and_compile_with(paths, Trees::Keep)
}

/// [`load_and_compile`], keeping the syntax trees or not (see [`Trees`]).
pub fn load_and_compile_with(
    paths: &[PathBuf],
    trees: Trees,
) -> Result<(crate::source::SourceMap, Compilation), files::LoadError> {
    let files = files::find_files(paths)?;
    let loaded = files::read_files(&files)?;
    let mut compilation = compile_with(&loaded.sources, trees);
    compilation.diagnostics.extend(loaded.diagnostics);
    crate::diagnostic::sort_diagnostics(&mut compilation.diagnostics);
    Ok((loaded.sources, compilation))
}

/// The working directory with forward slashes, for relative SARIF URIs.
fn working_directory() -> Option<String> {
    std::env::current_dir()
        .ok()
        .map(|dir| dir.to_string_lossy().replace('\\', "/"))
}

/// The machine-readable report of a run that could not read its input:
/// still a valid report in the formats CI parses, with exit code 2.
fn check_failed(args: &CheckArgs, error: &files::LoadError) -> ExitCode {
    let failure = render::sarif::Failure {
        path: files::display_path(&error.path),
        message: error.message.clone(),
    };
    let failures = std::slice::from_ref(&failure);
    let empty = crate::source::SourceMap::new();
    let report = match args.format {
        CheckFormat::Human => None,
        CheckFormat::Json => Some(render::json::render_with_failures(&empty, &[], failures)),
        CheckFormat::Sarif => Some(render::sarif::render(
            &empty,
            &[],
            failures,
            working_directory().as_deref(),
        )),
        CheckFormat::Github => {
            let base = working_directory();
            append_step_summary(&render::github::step_summary(
                &empty,
                &[],
                failures,
                base.as_deref(),
            ));
            Some(render::github::render(
                &empty,
                &[],
                failures,
                base.as_deref(),
            ))
        }
        CheckFormat::Junit => Some(render::junit::render(
            &empty,
            &[],
            failures,
            args.deny_warnings,
        )),
    };
    if let Some(report) = report {
        let _ = write_stdout(&report);
    }
    fail(error)
}

/// Appends to the file `$GITHUB_STEP_SUMMARY` names, when it is set. A
/// failure to write it is reported and otherwise ignored: the annotations
/// are the main output.
fn append_step_summary(markdown: &str) {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return;
    };
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut file| file.write_all(markdown.as_bytes()));
    if let Err(error) = written {
        eprintln!(
            "privet: warning: cannot write the step summary to `{}`: {}",
            files::display_path(std::path::Path::new(&path)),
            files::io_message(&error)
        );
    }
}

fn check(args: &CheckArgs) -> ExitCode {
    let (sources, compilation) = match load_and_compile_with(&args.paths, Trees::Drop) {
        Ok(loaded) => loaded,
        Err(error) => return check_failed(args, &error),
    };
    let diagnostics = &compilation.diagnostics;
    let written = match args.format {
        CheckFormat::Human => {
            let choice = color_choice(args.color);
            let mut stream = BufferedStandardStream::stdout(choice);
            render::human::emit(&mut stream, &sources, diagnostics).and_then(|()| stream.flush())
        }
        CheckFormat::Json => write_all(&render::json::render(&sources, diagnostics)),
        CheckFormat::Sarif => write_all(&render::sarif::render(
            &sources,
            diagnostics,
            &[],
            working_directory().as_deref(),
        )),
        CheckFormat::Github => {
            let base = working_directory();
            append_step_summary(&render::github::step_summary(
                &sources,
                diagnostics,
                &[],
                base.as_deref(),
            ));
            write_all(&render::github::render(
                &sources,
                diagnostics,
                &[],
                base.as_deref(),
            ))
        }
        CheckFormat::Junit => write_all(&render::junit::render(
            &sources,
            diagnostics,
            &[],
            args.deny_warnings,
        )),
    };
    if let Err(error) = written {
        return fail(format!(
            "cannot write to standard output: {}",
            files::io_message(&error)
        ));
    }
    let summary = Summary::of(diagnostics);
    leave(sources, compilation);
    if summary.errors > 0 || (args.deny_warnings && summary.warnings > 0) {
        ExitCode::from(EXIT_PROBLEMS)
    } else {
        ExitCode::SUCCESS
    }
}

/// Leaves the sources and the compilation to the end of the process,
/// once everything is written: freeing a program of a million flows piece
/// by piece takes over half a second, and the system takes the pages back
/// at exit at no cost.
fn leave(sources: crate::source::SourceMap, compilation: Compilation) {
    std::mem::forget(sources);
    std::mem::forget(compilation);
}

fn write_all(text: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
}

/// Writes text to standard output. Any failure, a closed pipe or a full
/// disk, is an I/O error (exit 2): output that did not reach its reader is
/// never a success.
fn write_stdout(text: &str) -> Result<(), ExitCode> {
    write_all(text).map_err(|error| {
        fail(format!(
            "cannot write to standard output: {}",
            files::io_message(&error)
        ))
    })
}

/// Exit code 1 and a hint on standard error when the program has errors.
fn errors_hint(compilation: &Compilation) -> ExitCode {
    let summary = Summary::of(&compilation.diagnostics);
    if summary.errors > 0 {
        eprintln!(
            "privet: the program has {} error{}; `privet check` shows them",
            summary.errors,
            if summary.errors == 1 { "" } else { "s" }
        );
        ExitCode::from(EXIT_PROBLEMS)
    } else {
        ExitCode::SUCCESS
    }
}

fn graph(args: &GraphArgs) -> ExitCode {
    let (_, compilation) = match load_and_compile_with(&args.paths, Trees::Drop) {
        Ok(loaded) => loaded,
        Err(error) => return fail(error),
    };
    let program = &compilation.program;
    let text = match args.format {
        GraphFormat::Dot => render::graph::dot(program, &compilation.findings),
        GraphFormat::Mermaid => render::graph::mermaid(program, &compilation.findings),
        GraphFormat::Json => {
            render::graph::json(program, &compilation.graph, &compilation.findings)
        }
    };
    if let Err(code) = write_stdout(&text) {
        return code;
    }
    errors_hint(&compilation)
}

fn diff(args: &DiffArgs) -> ExitCode {
    let mut versions = Vec::new();
    for (which, path) in [("old", &args.old), ("new", &args.new)] {
        let (sources, compilation) = match load_and_compile(std::slice::from_ref(path)) {
            Ok(loaded) => loaded,
            Err(error) => return fail(format!("the {which} version: {error}")),
        };
        // Only a version that does not load is refused: one whose flows
        // break the policy is compared like any other.
        let errors = compilation.loading_errors();
        if errors > 0 {
            let message = format!(
                "the {which} version `{}` has {errors} error{} of loading; `privet check {}` shows them",
                files::display_path(path),
                if errors == 1 { "" } else { "s" },
                files::display_path(path),
            );
            if args.format == DiffFormat::Github {
                let _ = write_stdout(&format!(
                    "::error title=privet diff::{}\n",
                    render::github::escape_data(&message)
                ));
            }
            eprintln!("privet: error: {message}");
            return ExitCode::from(EXIT_PROBLEMS);
        }
        versions.push((sources, compilation));
    }
    let [(old_sources, old), (new_sources, new)] = versions.as_slice() else {
        return fail("internal error: two versions expected");
    };
    let report = crate::pipeline::diff(old, new);
    let places = render::diff::Versions {
        old: old_sources,
        new: new_sources,
    };
    let text = match args.format {
        DiffFormat::Human => render::diff::human(&report, &places),
        DiffFormat::Json => render::diff::json(&report, &places),
        DiffFormat::Markdown => render::diff::markdown(&report, &places),
        DiffFormat::Github => {
            append_step_summary(&render::diff::markdown(&report, &places));
            render::diff::github(&report, &places)
        }
    };
    if let Err(code) = write_stdout(&text) {
        return code;
    }
    let failed = match args.fail_on {
        Some(FailOn::Widening) => report.widens(),
        Some(FailOn::Any) => !report.is_semantically_empty(),
        None => false,
    };
    if failed {
        ExitCode::from(EXIT_PROBLEMS)
    } else {
        ExitCode::SUCCESS
    }
}

/// The files `privet doc` writes.
const DOC_MARKDOWN: &str = "policy.md";
const DOC_HTML: &str = "policy.html";
const DOC_PICTURE: &str = "data-map.svg";
const DOC_RECORD: &str = "processing-activities.csv";

fn doc(args: &DocArgs) -> ExitCode {
    if let Err(error) = write::refuse_overlap(&args.out, &args.paths) {
        return fail(error);
    }
    let (_, compilation) = match load_and_compile_with(&args.paths, Trees::Drop) {
        Ok(loaded) => loaded,
        Err(error) => return fail(error),
    };
    if compilation.loading_errors() > 0 {
        // Nothing is written: the old document, if any, stays.
        eprintln!("privet: nothing was written; the program does not load");
        return errors_hint(&compilation);
    }
    // A program whose flows break the policy is documented, with those
    // flows marked: that is what the document is for.
    let document = render::doc::document(
        &compilation.program,
        &compilation.findings,
        &compilation.diagnostics,
    );
    let picture = document.picture_svg();
    let files: BTreeMap<String, Vec<u8>> = [
        (DOC_MARKDOWN, render::doc::markdown(&document, DOC_PICTURE)),
        (DOC_HTML, render::doc::html(&document)),
        (DOC_PICTURE, picture.unwrap_or_default()),
        (DOC_RECORD, render::doc::record_csv(&document.record)),
    ]
    .into_iter()
    .map(|(name, text)| (name.to_string(), text.into_bytes()))
    .collect();
    if let Err(error) = write::replace_dir(&args.out, "privet doc", &files) {
        return fail(error);
    }
    eprintln!(
        "privet: wrote {}, {}, {} and {} to `{}`",
        DOC_MARKDOWN,
        DOC_HTML,
        DOC_PICTURE,
        DOC_RECORD,
        files::display_path(&args.out)
    );
    let errors = Summary::of(&compilation.diagnostics).errors;
    if errors > 0 {
        eprintln!(
            "privet: the program has {errors} error{}; the document marks the flows that break the policy, and `privet check` shows them",
            if errors == 1 { "" } else { "s" }
        );
    }
    ExitCode::SUCCESS
}

/// Prints the errors of a program that cannot be used (to standard error,
/// or as the JSON report on standard output) and returns exit code 1.
fn refuse(
    sources: &crate::source::SourceMap,
    diagnostics: &[crate::diagnostic::Diagnostic],
    json: bool,
) -> ExitCode {
    let errors = errors_of(diagnostics);
    if json {
        if let Err(code) = write_stdout(&render::json::render(sources, &errors)) {
            return code;
        }
    } else {
        emit_to_stderr(sources, &errors);
    }
    ExitCode::from(EXIT_PROBLEMS)
}

fn errors_of(diagnostics: &[crate::diagnostic::Diagnostic]) -> Vec<crate::diagnostic::Diagnostic> {
    diagnostics
        .iter()
        .filter(|d| d.is_error())
        .cloned()
        .collect()
}

/// Diagnostics for people on standard error, in colour on a terminal
/// unless `NO_COLOR` is set. A failed write is not reported: standard
/// error is where it would be reported.
fn emit_to_stderr(
    sources: &crate::source::SourceMap,
    diagnostics: &[crate::diagnostic::Diagnostic],
) {
    let choice = if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
        || !std::io::stderr().is_terminal()
    {
        ColorChoice::Never
    } else {
        ColorChoice::Auto
    };
    let mut stream = BufferedStandardStream::stderr(choice);
    let _ = render::human::emit(&mut stream, sources, diagnostics).and_then(|()| stream.flush());
}

fn query(args: &QueryArgs) -> ExitCode {
    let (sources, compilation) = match load_and_compile_with(&args.paths, Trees::Drop) {
        Ok(loaded) => loaded,
        Err(error) => return fail(error),
    };
    let json = args.format == QueryFormat::Json;
    // A program that does not load may have lost a rule with the item that
    // did not parse or resolve: no answer, rather than a wrong one. Errors
    // of the data map (a flow or a store breaking the policy) do not change
    // what the policy decides; they are reported beside the answer.
    if compilation.loading_errors() > 0 {
        eprintln!("privet: the program does not load; it cannot answer a query");
        return refuse(&sources, &compilation.diagnostics, json);
    }
    let input = crate::query::ActInput {
        action: args.action.clone(),
        category: args.category.clone(),
        purpose: args.purpose.clone(),
        recipient: args.recipient.clone(),
        bases: args.bases.clone(),
        region: args.region.clone(),
        dnt: args.dnt,
        subject: args.subject.clone(),
        phase: args.phase.clone(),
        collected_for: args.collected_for.clone(),
        opt_outs: args.opt_outs.clone(),
        notified: args.notified.clone(),
    };
    let answer = match crate::query::answer(&sources, &compilation.program, &input) {
        Ok(answer) => answer,
        Err(error) => return fail(error),
    };
    let broken = errors_of(&compilation.diagnostics);
    let text = if json {
        render::json::answer_with_errors(&sources, &answer, &broken)
    } else {
        crate::query::render_human(&answer)
    };
    if let Err(code) = write_stdout(&text) {
        return code;
    }
    if !json && !broken.is_empty() {
        let n = broken.len();
        eprintln!(
            "privet: the answer is the policy's; the program also has {n} error{} that `privet check` reports, below",
            if n == 1 { "" } else { "s" }
        );
        emit_to_stderr(&sources, &broken);
    }
    ExitCode::SUCCESS
}

fn build(args: &BuildArgs) -> ExitCode {
    if let Err(error) = write::refuse_overlap(&args.out, &args.paths) {
        return fail(error);
    }
    let (sources, compilation) = match load_and_compile_with(&args.paths, Trees::Drop) {
        Ok(loaded) => loaded,
        Err(error) => return fail(error),
    };
    let output = match crate::codegen::build(&sources, &compilation) {
        Ok(output) => output,
        Err(diagnostics) => {
            eprintln!(
                "privet: nothing was written to `{}`",
                files::display_path(&args.out)
            );
            return refuse(&sources, &diagnostics, false);
        }
    };
    if let Err(error) = write::replace_dir(&args.out, "privet build", &output.files) {
        return fail(error);
    }
    let jobs = output
        .files
        .keys()
        .filter(|path| path.starts_with("retention/"))
        .count();
    let summary = format!(
        "privet: wrote the OPA bundle, {jobs} retention file{} and privet.json to `{}`\n",
        if jobs == 1 { "" } else { "s" },
        files::display_path(&args.out)
    );
    std::mem::forget(output);
    leave(sources, compilation);
    match write_stdout(&summary) {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}

fn color_choice(when: ColorWhen) -> ColorChoice {
    match when {
        ColorWhen::Always => ColorChoice::Always,
        ColorWhen::Never => ColorChoice::Never,
        ColorWhen::Auto => {
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            if no_color || !std::io::stdout().is_terminal() {
                ColorChoice::Never
            } else {
                ColorChoice::Auto
            }
        }
    }
}

/// `privet explain` alone: every diagnostic, with its severity and when it
/// is reported.
fn list_diagnostics() -> ExitCode {
    let width = Name::ALL
        .iter()
        .map(|name| name.as_str().len())
        .max()
        .unwrap_or(0);
    let mut text =
        String::from("privet's diagnostics; `privet explain NAME` prints the page of one:\n\n");
    for name in Name::ALL {
        text.push_str(&format!(
            "  {:width$}  {:7}  {}\n",
            name.as_str(),
            name.severity().as_str(),
            name.summary()
        ));
    }
    match write_stdout(&text) {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}

fn explain(name: &str) -> ExitCode {
    match Name::from_name(name) {
        Some(name) => match write_stdout(crate::explain::page(name)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(code) => code,
        },
        None => {
            let known = Name::ALL.iter().map(|n| n.as_str());
            let hint = match closest(name, known) {
                Some(suggestion) => format!("; did you mean `{suggestion}`?"),
                None => "; the names are listed in docs/diagnostics/".to_string(),
            };
            fail(format!("no diagnostic is named `{name}`{hint}"))
        }
    }
}
