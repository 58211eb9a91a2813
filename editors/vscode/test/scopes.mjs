// Prints the TextMate scopes of every token of a .rules file, one token a line:
//   LINE:START-END<TAB>TEXT<TAB>SCOPES   (1-based line, 0-based columns)
// with the grammar of this extension, tokenized by vscode-textmate and
// vscode-oniguruma exactly as VS Code does. Whitespace-only tokens are left out.
// Usage: node test/scopes.mjs FILE.rules
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const here = dirname(fileURLToPath(import.meta.url));
const grammarPath = join(here, "..", "syntaxes", "iiprules.tmLanguage.json");
const wasm = readFileSync(join(dirname(require.resolve("vscode-oniguruma")), "onig.wasm"));

await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
const registry = new vsctm.Registry({
  onigLib: Promise.resolve({
    createOnigScanner: (sources) => new oniguruma.OnigScanner(sources),
    createOnigString: (s) => new oniguruma.OnigString(s),
  }),
  loadGrammar: async (scopeName) =>
    scopeName === "source.iiprules"
      ? vsctm.parseRawGrammar(readFileSync(grammarPath, "utf8"), grammarPath)
      : null,
});
const grammar = await registry.loadGrammar("source.iiprules");
const text = readFileSync(process.argv[2], "utf8");
const out = [];
let stack = vsctm.INITIAL;
text.split(/\r?\n/).forEach((line, i) => {
  const result = grammar.tokenizeLine(line, stack);
  for (const t of result.tokens) {
    const piece = line.slice(t.startIndex, t.endIndex);
    if (piece.trim() === "") continue;
    const scopes = t.scopes.filter((s) => s !== "source.iiprules").join(" ");
    out.push(`${i + 1}:${t.startIndex}-${t.endIndex}\t${piece}\t${scopes}`);
  }
  stack = result.ruleStack;
});
process.stdout.write(out.join("\n") + "\n");
