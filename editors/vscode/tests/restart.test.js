// The extension's start and restart, against stand-ins for VS Code and the
// language client (the real ones need a running VS Code). The stand-in
// client behaves like vscode-languageclient 9: `stop()` on a client whose
// start failed rejects with "Client is not running and can't be stopped".
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const Module = require('node:module');
const path = require('node:path');

const settings = { 'server.path': 'missing-privet', 'server.extraArguments': [] };
const errors = [];
const started = [];
let configurationListener;

class LanguageClient {
  constructor(id, name, serverOptions) {
    this.command = serverOptions.run.command;
    this.state = 'stopped';
  }
  async start() {
    started.push(this.command);
    if (this.command === 'missing-privet') {
      this.state = 'startFailed';
      throw new Error(`spawn ${this.command} ENOENT`);
    }
    this.state = 'running';
  }
  stop() {
    if (this.state !== 'running') {
      return Promise.reject(
        new Error(`Client is not running and can't be stopped. It's current state is: ${this.state}`)
      );
    }
    this.state = 'stopped';
    return Promise.resolve();
  }
}

const vscode = {
  workspace: {
    getConfiguration: () => ({ get: (key) => settings[key] }),
    createFileSystemWatcher: () => ({ dispose() {} }),
    onDidChangeConfiguration: (listener) => {
      configurationListener = listener;
      return { dispose() {} };
    },
  },
  window: { showErrorMessage: (message) => errors.push(message) },
  commands: { registerCommand: () => ({ dispose() {} }) },
};

const load = Module._load;
Module._load = function (request, ...rest) {
  if (request === 'vscode') return vscode;
  if (request === 'vscode-languageclient/node') return { LanguageClient };
  return load.call(this, request, ...rest);
};
const extension = require(path.join(__dirname, '..', 'extension.js'));

test('a new server path starts the server after a failed start', async () => {
  await extension.activate({ subscriptions: [] });
  assert.deepStrictEqual(started, ['missing-privet']);
  assert.strictEqual(errors.length, 1);
  assert.match(errors[0], /cannot start `missing-privet lsp`/);
  assert.match(errors[0], /privet\.server\.path/);

  const unhandled = [];
  process.on('unhandledRejection', (reason) => unhandled.push(reason));
  const changeSettings = async () => {
    configurationListener({ affectsConfiguration: (section) => section === 'privet.server' });
    await new Promise((resolve) => setTimeout(resolve, 10));
  };

  // The user points the setting at the program: the server starts.
  settings['server.path'] = '/opt/privet/bin/privet';
  await changeSettings();
  assert.deepStrictEqual(unhandled, []);
  assert.deepStrictEqual(started, ['missing-privet', '/opt/privet/bin/privet']);
  assert.strictEqual(errors.length, 1);

  // A running server is stopped and started again on a settings change.
  await changeSettings();
  assert.deepStrictEqual(started, [
    'missing-privet',
    '/opt/privet/bin/privet',
    '/opt/privet/bin/privet',
  ]);
  assert.deepStrictEqual(unhandled, []);
  await extension.deactivate();
});
