// The extension starts `iiprules lsp` for .rules files: checked with a stand-in
// for the `vscode` module (the real one exists only inside VS Code) and for the
// language client library (which needs the real one).
"use strict";
const test = require("node:test");
const assert = require("node:assert");
const Module = require("node:module");
const path = require("node:path");

const settings = {};
const fakeVscode = {
  workspace: {
    getConfiguration: () => ({ get: (key) => settings[key] }),
    createFileSystemWatcher: (glob) => ({ glob }),
  },
};
const started = [];
const fakeClient = {
  TransportKind: { stdio: 0 },
  LanguageClient: class {
    constructor(id, name, server, clientOptions) {
      started.push({ id, name, server, clientOptions });
    }
    start() { return Promise.resolve(); }
    stop() { return Promise.resolve(); }
  },
};
const originalLoad = Module._load;
Module._load = function (request, ...rest) {
  if (request === "vscode") return fakeVscode;
  if (request === "vscode-languageclient/node") return fakeClient;
  return originalLoad.call(this, request, ...rest);
};

const ext = require(path.join(__dirname, "..", "extension.js"));
const pkg = require(path.join(__dirname, "..", "package.json"));

test("the server is `iiprules lsp` over stdio by default", () => {
  const options = ext.serverOptions(fakeVscode.workspace.getConfiguration());
  assert.strictEqual(options.command, "iiprules");
  assert.deepStrictEqual(options.args, ["lsp"]);
});

test("the settings can name another command", () => {
  settings["server.command"] = "/opt/venv/bin/iiprules";
  const options = ext.serverOptions(fakeVscode.workspace.getConfiguration());
  assert.strictEqual(options.command, "/opt/venv/bin/iiprules");
  delete settings["server.command"];
});

test("package.json ties .rules files to the grammar and the language configuration", () => {
  const [language] = pkg.contributes.languages;
  assert.deepStrictEqual(language.extensions, [".rules"]);
  const [grammar] = pkg.contributes.grammars;
  assert.strictEqual(grammar.language, language.id);
  assert.strictEqual(grammar.scopeName, "source.iiprules");
  require(path.join(__dirname, "..", grammar.path));
  require(path.join(__dirname, "..", language.configuration));
  assert.deepStrictEqual(pkg.contributes.configuration.properties["iiprules.server.args"].default, ["lsp"]);
});

test("activate starts a language client for iiprules documents", async () => {
  const subscriptions = [];
  await ext.activate({ subscriptions });
  assert.strictEqual(started.length, 1);
  assert.strictEqual(started[0].id, "iiprules");
  assert.strictEqual(started[0].server.command, "iiprules");
  assert.deepStrictEqual(started[0].server.args, ["lsp"]);
  assert.deepStrictEqual(started[0].clientOptions.documentSelector, [
    { scheme: "file", language: "iiprules" },
  ]);
  assert.strictEqual(subscriptions.length, 1);
});
