// The iiprules playground: an evidence form generated from a ruleset, the live answer,
// a rules editor with the service's diagnostics, and the whole case in the URL.
// Plain JavaScript over the service's /v1 endpoints; the editor is CodeMirror 6
// (codemirror.js, bundled at build time from the npm registry).
"use strict";

const $ = (id) => document.getElementById(id);
const el = (tag, attrs = {}, ...kids) => {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    if (k === "text") n.textContent = v;
    else if (k.startsWith("on")) n.addEventListener(k.slice(2), v);
    else n.setAttribute(k, v === true ? "" : v);
  }
  for (const kid of kids) if (kid !== null && kid !== undefined) n.append(kid);
  return n;
};

const state = {
  ruleset: "standard", version: "", on: "", organisation: "Example organisation",
  met: new Set(), pending: new Set(), unnamed: {}, facts: {}, target: "",
  history: [],            // earlier assessments: {d: date, l: level or "", m: "ids, ..."}
  rules: null,            // edited rules text, or null for the served rules
};
let items = null;         // GET /v1/rulesets/{name}/items
let packagedText = "";    // the served ruleset's text
let editor = null;
let lastAnswer = null;
let answerSeq = 0;
let checkTimer = null;

// -- the URL: the whole case, compressed, in the fragment ----------------------------

async function pack(obj) {
  const bytes = new TextEncoder().encode(JSON.stringify(obj));
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("deflate-raw"));
  const buf = new Uint8Array(await new Response(stream).arrayBuffer());
  let s = "";
  for (const b of buf) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

async function unpack(text) {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const bin = atob(b64);
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  return JSON.parse(await new Response(stream).text());
}

function snapshot() {
  return {
    r: state.ruleset, v: state.version, d: state.on, o: state.organisation,
    m: [...state.met], p: [...state.pending], u: state.unnamed, f: state.facts,
    t: state.target, e: state.rules, h: state.history,
  };
}

async function saveToUrl() {
  const hash = "#s=" + (await pack(snapshot()));
  history.replaceState(null, "", hash);
  return location.href;
}

async function loadFromUrl() {
  const m = location.hash.match(/^#s=(.+)$/);
  if (!m) return false;
  try {
    const s = await unpack(m[1]);
    Object.assign(state, {
      ruleset: s.r || "standard", version: s.v || "", on: s.d || "", organisation: s.o || "",
      met: new Set(s.m || []), pending: new Set(s.p || []), unnamed: s.u || {},
      facts: s.f || {}, target: s.t || "", rules: s.e ?? null, history: s.h || [],
    });
    return true;
  } catch (err) {
    showProblem({ title: "This link could not be read", detail: String(err) });
    return false;
  }
}

// -- talking to the service -----------------------------------------------------------

async function getJSON(url) {
  const r = await fetch(url);
  if (!r.ok) throw await r.json();
  return r.json();
}

function evidence() {
  const ev = { organisation: state.organisation || "Example organisation", assessed_on: state.on,
               met: [...state.met] };
  const known = new Set(items ? items.requirements.map((r) => r.id) : []);
  ev.met = ev.met.filter((id) => known.has(id));
  const pending = [...state.pending].filter((id) => known.has(id));
  if (pending.length) ev.pending = pending;
  const groups = items ? new Set(items.unnamed.map((g) => g.id)) : new Set();
  const unnamed = Object.fromEntries(Object.entries(state.unnamed)
    .filter(([k, v]) => groups.has(k) && v > 0));
  if (Object.keys(unnamed).length) ev.unnamed_met = unnamed;
  const facts = items ? new Set(items.facts.map((f) => f.id)) : new Set();
  const fs = Object.fromEntries(Object.entries(state.facts).filter(([k]) => facts.has(k)));
  if (Object.keys(fs).length) ev.facts = fs;
  const earlier = state.history.filter((h) => h.d).map((h) => {
    const e = { assessed_on: h.d, met: h.m.split(/[\s,;]+/).filter(Boolean) };
    if (h.l) e.level = h.l;
    return e;
  });
  if (earlier.length) ev.history = earlier;
  return ev;
}

async function recompute() {
  if (!items || !state.on) return;
  const seq = ++answerSeq;
  const t0 = performance.now();
  const body = { ruleset: state.ruleset, evidence: evidence() };
  if (state.version) body.version = state.version;
  if (state.target) body.target = state.target;
  if (state.rules !== null) body.rules = state.rules;
  let r;
  try {
    r = await fetch("/v1/playground", { method: "POST", body: JSON.stringify(body),
                                        headers: { "content-type": "application/json" } });
  } catch (err) {
    showProblem({ title: "The service cannot be reached", detail: String(err) });
    return;
  }
  const data = await r.json();
  if (seq !== answerSeq) return;  // a newer tick has already been sent
  const ms = performance.now() - t0;
  if (!r.ok) { showProblem(data); setLevel(null, "?"); return; }
  lastAnswer = data;
  renderAnswer(data, ms);
  saveToUrl();
}

// -- the form ---------------------------------------------------------------------------

function setReq(id, value) {
  state.met.delete(id); state.pending.delete(id);
  if (value === "met") state.met.add(id);
  if (value === "pending") state.pending.add(id);
}

function reqRow(r) {
  const name = `r-${r.id}`;
  const current = state.met.has(r.id) ? "met" : state.pending.has(r.id) ? "pending" : "no";
  const radios = [["no", "Not met"], ["met", "Met"], ["pending", "Pending"]].map(([v, label]) =>
    el("label", { class: `choice choice-${v}` },
      el("input", { type: "radio", name, value: v, checked: current === v,
                    "data-req": r.id,
                    onchange: () => { setReq(r.id, v); recompute(); } }),
      " " + label));
  const by = r.by.length ? el("span", { class: "by", text: ` (${r.by.join(", ")})` }) : null;
  return el("fieldset", { class: "req", id: `req-${r.id}` },
    el("legend", {}, el("span", { class: "rid", text: r.id }), " ", r.text, by),
    el("div", { class: "choices" }, ...radios));
}

function groupBox(title, reqs, extra = []) {
  const ids = reqs.map((r) => r.id);
  const all = el("button", { type: "button", class: "all",
    text: "Mark all met", "aria-label": `Mark all met: ${title}`,
    onclick: () => {
      for (const id of ids) setReq(id, "met");
      for (const id of ids) {
        const input = document.querySelector(`input[data-req="${CSS.escape(id)}"][value="met"]`);
        if (input) input.checked = true;
      }
      recompute();
    } });
  return el("details", { class: "group", open: true },
    el("summary", {}, title, " ", el("span", { class: "count", text: `(${reqs.length})` })),
    reqs.length ? all : null, ...reqs.map(reqRow), ...extra);
}

function renderForm() {
  const form = $("form");
  form.replaceChildren();
  const reqs = items.requirements.filter((r) => !r.derived);
  const byIndicator = new Map();
  for (const r of reqs) {
    const key = r.indicator ?? `part:${r.part}`;
    if (!byIndicator.has(key)) byIndicator.set(key, []);
    byIndicator.get(key).push(r);
  }
  const indicatorTitle = Object.fromEntries(items.indicators.map((i) => [i.id, i.title]));
  const partTitle = Object.fromEntries(items.parts.map((p) => [p.id, p.title]));
  for (const p of items.principles) {
    const boxes = p.indicators.filter((i) => byIndicator.has(i)).map((i) =>
      groupBox(`Indicator ${i}: ${indicatorTitle[i]}`, byIndicator.get(i)));
    if (boxes.length) form.append(el("h3", { text: p.title }), ...boxes);
  }
  const loose = [...byIndicator.keys()].filter((k) => k.startsWith("part:"));
  for (const k of loose) {
    const part = k.slice(5);
    form.append(groupBox(`${partTitle[part] || part}: further requirements`, byIndicator.get(k)));
  }
  if (items.unnamed.length) {
    const inputs = items.unnamed.map((g) => {
      const id = `u-${g.id}`;
      return el("p", { class: "unnamed" },
        el("label", { for: id, text: `${g.title || g.id} (${g.id}): how many of ${g.count} met` }),
        " ",
        el("input", { id, type: "number", min: 0, max: g.count, value: state.unnamed[g.id] || 0,
                      "data-group": g.id,
                      oninput: (e) => {
                        const n = Math.max(0, Math.min(g.count, parseInt(e.target.value || "0", 10) || 0));
                        state.unnamed[g.id] = n; recompute();
                      } }));
    });
    form.append(el("h3", { text: "Requirements not known by text" }), ...inputs);
  }
  if (items.facts.length) {
    const inputs = items.facts.map((f) => {
      const id = `f-${f.id}`;
      const value = state.facts[f.id] ?? f.default;
      let input;
      if (f.type === "boolean") {
        input = el("input", { id, type: "checkbox", checked: !!value, onchange: (e) => {
          state.facts[f.id] = e.target.checked; recompute(); } });
      } else {
        input = el("input", { id, type: f.type === "number" ? "number" : f.type === "date" ? "date" : "text",
          value: value ?? "", oninput: (e) => {
            const v = e.target.value;
            state.facts[f.id] = f.type === "number" ? Number(v) : v; recompute(); } });
      }
      return el("p", { class: "fact" }, el("label", { for: id, text: `${f.title || f.id}` }), " ", input);
    });
    form.append(el("h3", { text: "Facts about the organisation" }), ...inputs);
  }
  form.append(el("h3", { text: "Earlier assessments" }), historyBox());
  form.setAttribute("aria-busy", "false");
  const targets = $("target");
  targets.replaceChildren(el("option", { value: "", text: "(choose a level or award)" }),
    ...items.levels.map((l) => el("option", { value: l.id, text: `Level: ${l.title}` })),
    ...items.awards.map((a) => el("option", { value: a.id, text: `Award: ${a.title}` })));
  targets.value = state.target;
}

function historyBox() {
  const box = el("div", { class: "history" });
  const draw = () => {
    box.replaceChildren(...state.history.map((h, i) => {
      const n = i + 1;
      const level = el("select", { id: `h-level-${n}`, onchange: (e) => { h.l = e.target.value; recompute(); } },
        el("option", { value: "", text: "(level not recorded)" }),
        el("option", { value: "none", text: "Not recognised" }),
        ...items.levels.map((l) => el("option", { value: l.id, text: l.title })));
      level.value = h.l || "";
      return el("fieldset", { class: "earlier" },
        el("legend", { text: `Earlier assessment ${n}` }),
        el("label", { for: `h-date-${n}`, text: "Assessed on " }),
        el("input", { id: `h-date-${n}`, type: "date", value: h.d || "",
                      onchange: (e) => { h.d = e.target.value; recompute(); } }),
        " ", el("label", { for: `h-level-${n}`, text: "Level " }), level,
        el("br"),
        el("label", { for: `h-met-${n}`, text: "Met (ids, separated by commas) " }),
        el("input", { id: `h-met-${n}`, type: "text", value: h.m || "", class: "ids",
                      onchange: (e) => { h.m = e.target.value; recompute(); } }),
        " ", el("button", { type: "button", text: "Remove", "aria-label": `Remove earlier assessment ${n}`,
                            onclick: () => { state.history.splice(i, 1); draw(); recompute(); } }));
    }), el("button", { type: "button", text: "Add an earlier assessment",
                       onclick: () => { state.history.push({ d: "", l: "", m: "" }); draw(); } }));
  };
  draw();
  return box;
}

// -- the answer ----------------------------------------------------------------------------

function setLevel(id, title) {
  $("summary-level").textContent = title;
  const level = $("level");
  level.textContent = title;
  level.dataset.level = id || "none";
}

function reqLink(r) {
  const id = typeof r === "string" ? r : r.id;
  const a = el("a", { href: `#req-${id}`, text: id });
  const text = typeof r === "string" ? "" : r.text || "";
  return text ? el("span", {}, a, ` ${text}`) : a;
}

function showProblem(p) {
  const box = $("problems");
  box.replaceChildren(el("div", { class: "problem" },
    el("strong", { text: p.title || "Problem" }), " ", p.detail || ""));
}

function list(items2, render) {
  if (!items2.length) return el("p", { class: "none", text: "None." });
  return el("ul", {}, ...items2.map((x) => el("li", {}, render(x))));
}

function renderAnswer(d, ms) {
  $("problems").replaceChildren();
  $("answer-time").textContent = `(${ms.toFixed(0)} ms)`;
  renderDiagnostics(d.check);
  if (!d.outcome) {
    setLevel(null, "— (the edited rules have errors)");
    const wait = "— until the rules check clean.";
    $("awards").replaceChildren(el("li", { class: "none", text: wait }));
    for (const id of ["why-not", "plan", "critical", "diff"]) {
      $(id).replaceChildren(el("p", { class: "none", text: wait }));
    }
    $("pending-box").hidden = true;
    return;
  }
  const o = d.outcome;
  const levelTitle = o.level ? (items.levels.find((l) => l.id === o.level)?.title || o.level) : "None";
  setLevel(o.level, levelTitle);
  $("awards").replaceChildren(...Object.entries(o.awards).map(([id, ok]) => {
    const title = items.awards.find((a) => a.id === id)?.title || id;
    return el("li", { class: ok ? "yes" : "no", "data-award": id },
      el("span", { class: "mark", "aria-hidden": "true", text: ok ? "✓" : "✗" }),
      ` ${title}: `, el("strong", { text: ok ? "reached" : "not reached" }));
  }));
  if (!Object.keys(o.awards).length) $("awards").replaceChildren(el("li", { text: "No awards in this ruleset." }));
  const diff = $("diff");
  diff.replaceChildren();
  if (d.packaged) {
    const changes = [];
    if (d.packaged.level !== o.level) changes.push(`level: ${d.packaged.level || "none"} → ${o.level || "none"}`);
    for (const [id, ok] of Object.entries(o.awards)) {
      if (d.packaged.awards[id] !== undefined && d.packaged.awards[id] !== ok) {
        changes.push(`${id}: ${d.packaged.awards[id] ? "reached" : "not reached"} → ${ok ? "reached" : "not reached"}`);
      }
    }
    diff.append(el("p", { class: "diff" }, el("strong", { text: "Against the packaged rules: " }),
      changes.length ? changes.join("; ") : "no change for this evidence."));
  }
  const why = d.why_not?.why_not || [];
  $("why-not").replaceChildren(list(why, (s) => el("span", {},
    el("strong", { text: s.title }), ": ",
    ...(s.failed || []).map((f) => el("span", { class: "failed" },
      f.condition, f.needed !== undefined ? ` (${f.met} of ${f.needed})` : "", "; ")))));
  const plan = d.plan;
  if (!plan) $("plan").replaceChildren(el("p", { class: "none", text: "Choose a target." }));
  else if (plan.already_reached) $("plan").replaceChildren(el("p", { text: "Already reached." }));
  else if (!plan.reachable) $("plan").replaceChildren(el("p", { text: "Not reachable: " + (plan.reasons || []).join("; ") }));
  else {
    const steps = plan.plan?.steps || [];
    $("plan").replaceChildren(el("p", { text: `${plan.plan.requirements} more requirement(s):` }),
      list(steps, (st) => {
        const ids = st.requirements.map((r) => r.id);
        const groups = st.unnamed.map((u) => `${u.group} (${u.candidates} left)`);
        const what = st.all ? "all of" : `any ${st.choose} of`;
        const names = [...ids.slice(0, 12), ...groups].join(", ") + (ids.length > 12 ? ", …" : "");
        return el("span", {}, `${what} ${st.of}: `, ...(ids.length <= 12 && !groups.length
          ? st.requirements.flatMap((r, i) => [i ? ", " : "", el("a", { href: `#req-${r.id}`, text: r.id })])
          : [names]));
      }));
  }
  const crit = d.critical?.critical || [];
  $("critical").replaceChildren(list(crit, (c) => {
    const losses = [];
    if (c.level_lowered) losses.push(`level falls to ${c.level_after || "none"}`);
    if (c.awards_lost.length) losses.push(`loses ${c.awards_lost.join(", ")}`);
    return el("span", {}, el("a", { href: `#req-${c.requirement.id}`, text: c.requirement.id }),
      ` (${c.kind}): ${losses.join("; ")}`);
  }));
  const box = $("pending-box");
  if (d.pending) {
    box.hidden = false;
    const p = d.pending;
    const awardsRange = (p.awards || []).map((a) => `${a.title}: ${a.status}`);
    $("pending").replaceChildren(
      el("p", { "data-range": `${p.level.at_least || "none"}..${p.level.at_most || "none"}`,
                text: `Level from ${p.level.at_least || "none"} to ${p.level.at_most || "none"}` +
                      (p.level.decided_by.length ? `, decided by ${p.level.decided_by.join(", ")}.` : ".") }),
      list(awardsRange, (x) => x));
  } else box.hidden = true;
}

function renderDiagnostics(doc) {
  const box = $("diagnostics");
  if (!doc) { box.replaceChildren(); if (editor) editor.setDiagnostics([]); return; }
  if (editor) editor.setDiagnostics(doc.diagnostics);
  const errors = doc.diagnostics.filter((x) => x.severity === "error");
  box.replaceChildren(
    el("p", { text: `${errors.length} error(s), ${doc.diagnostics.length - errors.length} warning(s)` }),
    list(errors, (x) => el("span", { class: "diag", "data-line": x.line },
      `line ${x.line}: ${x.code} ${x.message}`)));
}

// -- loading ---------------------------------------------------------------------------------

async function loadRuleset(keepEvidence) {
  const q = state.version ? `?version=${encodeURIComponent(state.version)}` : "";
  $("form").setAttribute("aria-busy", "true");
  items = await getJSON(`/v1/rulesets/${encodeURIComponent(state.ruleset)}/items${q}`);
  const info = await getJSON(`/v1/rulesets/${encodeURIComponent(state.ruleset)}`);
  const versions = $("version");
  versions.replaceChildren(...info.versions.map((v) =>
    el("option", { value: v.label, text: `${v.label} (from ${v.effective})` })));
  if (!state.version) state.version = items.version.label;
  versions.value = state.version;
  if (!state.on) state.on = items.version.effective;
  $("assessed-on").value = state.on;
  if (!keepEvidence) {
    state.met.clear(); state.pending.clear(); state.unnamed = {}; state.facts = {}; state.history = [];
  }
  packagedText = await (await fetch(`/v1/rulesets/${encodeURIComponent(state.ruleset)}/source`)).text();
  const text = state.rules ?? packagedText;
  if (!editor) {
    editor = window.IIPEditor.create($("editor"), { doc: text, label: "Rules text", onChange: onEdit });
    // the editor's scroller scrolls by itself: it must be reachable by keyboard too
    editor.view.scrollDOM.tabIndex = 0;
  } else if (editor.getText() !== text) {
    editor.setText(text);
  }
  renderForm();
  await recompute();
}

function onEdit(text) {
  state.rules = text === packagedText ? null : text;
  clearTimeout(checkTimer);
  checkTimer = setTimeout(recompute, 250);
}

function download(name, type, text) {
  const a = el("a", { href: URL.createObjectURL(new Blob([text], { type })), download: name });
  document.body.append(a); a.click(); a.remove();
}

function yamlOf(ev) {
  const q = (s) => JSON.stringify(String(s));
  const lines = [`organisation: ${q(ev.organisation)}`, `assessed_on: ${ev.assessed_on}`,
    `met: [${ev.met.map(q).join(", ")}]`];
  if (ev.pending) lines.push(`pending: [${ev.pending.map(q).join(", ")}]`);
  if (ev.unnamed_met) lines.push("unnamed_met:", ...Object.entries(ev.unnamed_met).map(([k, v]) => `  ${q(k)}: ${v}`));
  if (ev.facts) lines.push("facts:", ...Object.entries(ev.facts).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`));
  if (ev.history) {
    lines.push("history:");
    for (const h of ev.history) {
      lines.push(`  - assessed_on: ${h.assessed_on}`, `    met: [${h.met.map(q).join(", ")}]`);
      if (h.level) lines.push(`    level: ${h.level}`);
    }
  }
  return lines.join("\n") + "\n";
}

async function main() {
  await loadFromUrl();
  const list0 = await getJSON("/v1/rulesets");
  const sel = $("ruleset");
  sel.replaceChildren(...list0.rulesets.map((r) => el("option", { value: r.name, text: r.title ? `${r.name}: ${r.title}` : r.name })));
  if (!list0.rulesets.some((r) => r.name === state.ruleset)) state.ruleset = list0.rulesets[0].name;
  sel.value = state.ruleset;
  $("organisation").value = state.organisation;
  sel.addEventListener("change", () => {
    state.ruleset = sel.value; state.version = ""; state.on = ""; state.rules = null; state.target = "";
    loadRuleset(false);
  });
  $("version").addEventListener("change", (e) => {
    state.version = e.target.value; state.on = ""; loadRuleset(true);
  });
  $("assessed-on").addEventListener("change", (e) => { state.on = e.target.value; recompute(); });
  $("organisation").addEventListener("change", (e) => { state.organisation = e.target.value; recompute(); });
  $("target").addEventListener("change", (e) => { state.target = e.target.value; recompute(); });
  $("share").addEventListener("click", async () => {
    const url = await saveToUrl();
    try { await navigator.clipboard.writeText(url); $("share-status").textContent = "Link copied."; }
    catch { $("share-status").textContent = "Link ready in the address bar."; }
  });
  $("download-evidence").addEventListener("click", () => download("evidence.yaml", "application/yaml", yamlOf(evidence())));
  $("download-outcome").addEventListener("click", () => download("outcome.json", "application/json",
    JSON.stringify(lastAnswer?.outcome ?? {}, null, 2) + "\n"));
  $("reset").addEventListener("click", () => { location.hash = ""; location.reload(); });
  $("revert-rules").addEventListener("click", () => { state.rules = null; editor.setText(packagedText); recompute(); });
  await loadRuleset(true);
  document.body.dataset.ready = "true";
}

main().catch((p) => showProblem(p && p.title ? p : { title: "The playground failed to start", detail: String(p) }));
