// The playground's rules editor: CodeMirror 6, with the rules language highlighted
// and the service's diagnostics shown inline. Bundled by build.mjs into
// ../static/playground/codemirror.js, which exposes window.IIPEditor.
import { EditorView, basicSetup } from "codemirror";
import { EditorState } from "@codemirror/state";
import { StreamLanguage, HighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { setDiagnostics, lintGutter } from "@codemirror/lint";
import { tags } from "@lezer/highlight";

const KEYWORDS = new Set([
  "ruleset", "version", "effective", "until", "uses", "part", "topic", "principle",
  "indicator", "requirement", "unnamed", "as", "in", "by", "text", "source", "level",
  "award", "requires", "fact", "invariant", "holds", "example", "given", "expect",
  "extend", "remove", "maps", "to", "applies", "when", "doc", "title", "at", "least",
  "most", "of", "all", "any", "none", "count", "and", "or", "not", "implies",
  "except", "within", "counting", "credits", "from", "the", "last", "years", "since",
  "themed", "extended", "linked", "met", "unmet", "earlier", "default",
]);

const rules = StreamLanguage.define({
  name: "iiprules",
  token(stream) {
    if (stream.eatSpace()) return null;
    if (stream.match("#")) { stream.skipToEnd(); return "comment"; }
    if (stream.match(/^"(?:[^"\\]|\\.)*"?/)) return "string";
    if (stream.match(/^\d{4}-\d{2}-\d{2}/)) return "number";
    if (stream.match(/^[A-Za-z_][A-Za-z0-9_.]*/)) {
      return KEYWORDS.has(stream.current()) ? "keyword" : "variableName";
    }
    if (stream.match(/^\d+(\.\d+)*/)) return "number";
    stream.next();
    return "punctuation";
  },
});

const style = HighlightStyle.define([
  { tag: tags.keyword, color: "#6a1b9a", fontWeight: "600" },
  { tag: tags.string, color: "#1b5e20" },
  { tag: tags.number, color: "#0d47a1" },
  { tag: tags.comment, color: "#5f6368", fontStyle: "italic" },
]);

function offset(doc, line, column) {
  const n = Math.min(Math.max(line || 1, 1), doc.lines);
  const l = doc.line(n);
  return Math.min(l.from + Math.max((column || 1) - 1, 0), l.to);
}

function create(parent, { doc = "", onChange = () => {}, label = "Rules text" } = {}) {
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc,
      extensions: [
        basicSetup,
        rules,
        syntaxHighlighting(style),
        lintGutter(),
        EditorView.contentAttributes.of({ "aria-label": label }),
        EditorView.updateListener.of((u) => { if (u.docChanged) onChange(u.state.doc.toString()); }),
      ],
    }),
  });
  return {
    view,
    getText: () => view.state.doc.toString(),
    setText(text) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    },
    // diagnostics as `iiprules check --format json` gives them
    setDiagnostics(list) {
      const d = view.state.doc;
      const marks = list.filter((x) => x.line).map((x) => {
        const from = offset(d, x.line, x.column);
        let to = offset(d, x.end_line || x.line, x.end_column || x.column);
        if (to <= from) to = Math.min(from + 1, d.length);
        return {
          from, to,
          severity: x.severity === "error" ? "error" : "warning",
          message: `${x.code}: ${x.message}${x.hint ? ` (hint: ${x.hint})` : ""}`,
        };
      });
      view.dispatch(setDiagnostics(view.state, marks));
    },
  };
}

window.IIPEditor = { create };
