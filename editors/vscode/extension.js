// The VS Code extension: starts `iiprules lsp` over stdio for .rules files.
// Everything a reviewer sees (diagnostics, hover, definitions, completion,
// formatting, lenses) comes from the language server; the extension only
// starts it, so every editor with an LSP client gets the same features.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

/** Server options from the settings: `iiprules lsp` unless told otherwise. */
function serverOptions(config) {
  const command = config.get("server.command") || "iiprules";
  const args = config.get("server.args") || ["lsp"];
  return { command, args, transport: TransportKind.stdio };
}

function activate(context) {
  const config = vscode.workspace.getConfiguration("iiprules");
  client = new LanguageClient(
    "iiprules",
    "iiprules language server",
    serverOptions(config),
    {
      documentSelector: [{ scheme: "file", language: "iiprules" }],
      synchronize: {
        fileEvents: vscode.workspace.createFileSystemWatcher("**/*.rules"),
      },
    },
  );
  context.subscriptions.push({ dispose: () => client && client.stop() });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate, serverOptions };
