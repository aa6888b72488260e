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

async function start() {
  const clientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'privet' },
      { scheme: 'untitled', language: 'privet' },
    ],
    // The server reads the workspace's `.privet` files itself; tell it when
    // one changes on disk.
    synchronize: {
      fileEvents: vscode.workspace.createFileSystemWatcher('**/*.privet'),
    },
  };
  client = new LanguageClient('privet', 'privet', serverOptions(), clientOptions);
  try {
    await client.start();
  } catch (error) {
    const command = serverOptions().run.command;
    vscode.window.showErrorMessage(
      `privet: cannot start \`${command} lsp\` (${error && error.message}). ` +
        'Install privet, or set "privet.server.path" to the privet program.'
    );
  }
}

async function restart() {
  if (client) {
    await client.stop();
    client = undefined;
  }
  await start();
}

function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand('privet.restartServer', restart),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('privet.server')) {
        restart();
      }
    })
  );
  return start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
