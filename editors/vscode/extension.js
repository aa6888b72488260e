// The privet extension for VS Code: starts `privet lsp` and connects the
// editor to it. Highlighting comes from the grammars in `syntaxes/`; every
// other feature (diagnostics, hover, definition, references, completion,
// symbols, formatting, quick fixes) comes from the language server.
'use strict';

const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');

/** @type {LanguageClient | undefined} */
let client;

/** The server command, from the `privet.server.*` settings. */
function serverOptions() {
  const config = vscode.workspace.getConfiguration('privet');
  const command = config.get('server.path') || 'privet';
  const extra = config.get('server.extraArguments') || [];
  // No `transport`: the server speaks over its standard streams.
  const executable = { command, args: ['lsp', ...extra] };
  return { run: executable, debug: executable };
}

/** Tells the user that the server could not start, and how to fix it. */
function reportStartFailure(error) {
  const command = serverOptions().run.command;
  vscode.window.showErrorMessage(
    `privet: cannot start \`${command} lsp\` (${(error && error.message) || error}). ` +
      'Install privet, or set "privet.server.path" to the privet program.'
  );
}

async function start() {
  const clientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'privet' },
      { scheme: 'untitled', language: 'privet' },
    ],
    // The server reads the workspace's `.privet` files itself; tell it when
    // one changes on disk, or when a `.privet-root` marker (the root of a
    // program) comes or goes.
    synchronize: {
      fileEvents: vscode.workspace.createFileSystemWatcher('**/{*.privet,.privet-root}'),
    },
  };
  try {
    client = new LanguageClient('privet', 'privet', serverOptions(), clientOptions);
    await client.start();
  } catch (error) {
    reportStartFailure(error);
  }
}

/**
 * Stops the server (if it runs) and starts it again with the current
 * settings. A client that never started cannot be stopped (the language
 * client throws), so a failed stop is ignored: the new client starts anyway.
 */
async function restart() {
  const old = client;
  client = undefined;
  if (old) {
    try {
      await old.stop();
    } catch (_) {
      // Not running (its start failed): nothing to stop.
    }
  }
  await start();
}

function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand('privet.restartServer', restart),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('privet.server')) {
        restart().catch(reportStartFailure);
      }
    })
  );
  return start();
}

function deactivate() {
  if (!client) {
    return undefined;
  }
  // A client whose start failed throws on stop; there is nothing to stop.
  const old = client;
  client = undefined;
  return Promise.resolve()
    .then(() => old.stop())
    .catch(() => undefined);
}

module.exports = { activate, deactivate };
