// Builds the assets `iiprules serve` ships, from packages of the npm registry.
// Run from this folder: npm ci && npm run build. The outputs under ../static are
// committed (so installing iiprules needs no Node); node_modules is not.
//
//   ../static/docs/       Swagger UI (swagger-ui-dist), for GET /docs
//   ../static/playground/codemirror.js   CodeMirror 6 with the playground's editor API
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "static");
const docs = join(out, "docs");
mkdirSync(docs, { recursive: true });
const swagger = join(here, "node_modules", "swagger-ui-dist");
for (const [from, to] of [
  ["swagger-ui-bundle.js", "swagger-ui-bundle.js"],
  ["swagger-ui.css", "swagger-ui.css"],
  ["LICENSE", "LICENSE.swagger-ui.txt"],
]) {
  copyFileSync(join(swagger, from), join(docs, to));
}

await build({
  entryPoints: [join(here, "src", "editor.js")],
  outfile: join(out, "playground", "codemirror.js"),
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  legalComments: "eof",
  logLevel: "info",
});
