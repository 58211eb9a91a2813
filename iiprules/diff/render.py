"""Rendering diffs: ``RulesetDiff`` and ``Impact`` → text, Markdown or JSON.

Input → output: the results of ``structure`` and ``population`` → strings for
a terminal, a pull-request comment or a program. Pure: nothing here prints.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from iiprules.diff.population import Impact
from iiprules.diff.structure import ACTIONS, KINDS, PLURAL, Change, RulesetDiff

_MARK = {"added": "+", "removed": "-"}


def _summary_line(d: RulesetDiff) -> str:
    counts = d.counts()
    if not counts:
        return "No changes."
    parts = []
    for kind in KINDS:
        if kind in counts:
            acts = ", ".join(f"{counts[kind][a]} {a}" for a in ACTIONS if a in counts[kind])
            parts.append(f"{PLURAL[kind]}: {acts}")
    return "Summary: " + "; ".join(parts)


def _plain(s: str) -> str:
    return s


def _field_lines(
    c: Change, indent: str, code: Callable[[str], str] = _plain, sub: str = "     "
) -> list[str]:
    """The details of a change, one line each; ``code`` marks up rules text."""
    lines: list[str] = []
    for f in c.fields:
        if f.name == "doc":
            lines.append(f"{indent}doc: changed")
            continue
        rules = f.old_words is not None or f.new_words is not None or f.name == "maps"
        if c.action in ("added", "removed"):
            value = f.new if c.action == "added" else f.old
            words = f.new_words if c.action == "added" else f.old_words
            if f.name == "text":
                lines.append(f'{indent}"{value}"')
            elif value is not None:
                lines.append(f"{indent}{f.name} {code(value) if rules else value}")
                if words:
                    lines.append(f"{indent}{sub[:2]}i.e. {words}")
            continue
        if rules:
            lines.append(f"{indent}was: {code(f.old) if f.old else '(none)'}")
            if f.old_words:
                lines.append(f"{indent}{sub}i.e. {f.old_words}")
            lines.append(f"{indent}now: {code(f.new) if f.new else '(none)'}")
            if f.new_words:
                lines.append(f"{indent}{sub}i.e. {f.new_words}")
        elif f.name == "text":
            lines.append(f'{indent}was: "{f.old}"')
            lines.append(f'{indent}now: "{f.new}"')
        else:
            lines.append(f"{indent}{f.name}: {f.old or '(none)'} → {f.new or '(none)'}")
    return lines


def _head(c: Change) -> str:
    mark = _MARK.get(c.action, "~")
    label = {
        "added": "",
        "removed": "",
        "reworded": " reworded",
        "moved": " moved",
        "threshold": " threshold changed",
        "condition": " condition changed",
        "reordered": "",
        "changed": " changed",
    }[c.action]
    summary = c.summary
    if c.action == "threshold":
        return f"{mark} {c.id}{label}: {summary}"
    return f"{mark} {c.id}{label}" + (f" - {summary}" if summary else "")


def render_text(d: RulesetDiff) -> str:
    """The diff as plain text, grouped by kind; ``+`` added, ``-`` removed, ``~`` changed."""
    lines = [
        f"{d.old.key} → {d.new.key}",
        f"  {d.old.key}: {d.old.in_force()}",
        f"  {d.new.key}: {d.new.in_force()}",
        "",
        _summary_line(d),
    ]
    for kind in KINDS:
        changes = d.of(kind)
        if not changes:
            continue
        lines += ["", PLURAL[kind].capitalize()]
        for c in changes:
            lines.append("  " + _head(c))
            lines.extend(_field_lines(c, "      "))
    return "\n".join(lines) + "\n"


def render_markdown(d: RulesetDiff) -> str:
    """The diff as Markdown: a heading per kind, a bullet per change."""
    lines = [
        f"# Changes from `{d.old.key}` to `{d.new.key}`",
        "",
        f"- `{d.old.key}`: {d.old.in_force()}",
        f"- `{d.new.key}`: {d.new.in_force()}",
        "",
        _summary_line(d),
    ]
    for kind in KINDS:
        changes = d.of(kind)
        if not changes:
            continue
        lines += ["", f"## {PLURAL[kind].capitalize()}", ""]
        for c in changes:
            lines.append(f"- **{c.action}** `{c.id}`" + (f": {c.summary}" if c.summary else ""))
            for fl in _field_lines(c, "", lambda s: f"`{s}`", ""):
                lines.append(f"  - {fl}")
    return "\n".join(lines) + "\n"


def render_json(d: RulesetDiff) -> str:
    """The diff as JSON (``RulesetDiff.to_dict``)."""
    return json.dumps(d.to_dict(), indent=2, ensure_ascii=False) + "\n"


def render_impact_text(im: Impact) -> str:
    """The impact as plain text: levels, moves, awards, reasons, and who changes."""
    lines = [
        f"Impact of {im.old} → {im.new} on {im.organisations} organisation(s)",
        f"  judged under both: {im.judged}; could not be judged: {im.error_count}",
    ]
    if im.ignored:
        lines.append(
            f"  {im.ignored} organisation(s) named requirements or facts known to neither "
            "version; those were ignored"
        )
    lines += [
        "",
        f"Levels: {im.up} up, {im.down} down, {im.same} unchanged",
        f"  {'level':<12}{'old':>8}{'new':>8}{'change':>9}",
    ]
    for lv in im.levels:
        o, nw = im.old_levels.get(lv, 0), im.new_levels.get(lv, 0)
        lines.append(f"  {lv:<12}{o:>8}{nw:>8}{nw - o:>+9}")
    moved = [(k, v) for k, v in im.moves.items() if k[0] != k[1]]
    if moved:
        lines.append("  moves:")
        for (x, y), v in sorted(moved, key=lambda kv: im._move_key(kv[0])):
            lines.append(f"    {x} → {y}: {v}")
    if im.awards:
        title = "Awards" if im.pair is None else "Award compared"
        lines += [
            "",
            f"{title} (eligible under OLD, under NEW; gained, lost)",
        ]
        width = max(len(aw.label) for aw in im.awards) + 2
        for aw in im.awards:
            lines.append(
                f"  {aw.label:<{width}}{aw.old_count:>7}{aw.new_count:>7}   +{aw.gained} -{aw.lost}"
            )
    if im.reasons:
        lines += ["", "Most common reasons (first decision that differs):"]
        lines += [f"  {n:>6}  {r}" for r, n in im.reasons]
    lines += ["", f"Organisations that change: {im.changed}"]
    for c in im.changes:
        awards = "".join(f", +{g}" for g in c.gained) + "".join(f", -{x}" for x in c.lost)
        lines.append(
            f"  {c.organisation} ({c.where}): {c.old_level or 'none'} → {c.new_level or 'none'}"
            f" [{c.move}]{awards}"
        )
        lines.append(f"      because {c.reason}")
    if im.changed > len(im.changes):
        lines.append(f"  ... and {im.changed - len(im.changes)} more (--limit 0 lists all)")
    if im.errors:
        lines += ["", "Could not be judged:"]
        # an evidence error names its place already: say it once
        lines += [f"  {e}" if e.startswith(w) else f"  {w}: {e}" for w, e in im.errors]
    return "\n".join(lines) + "\n"


def render_impact_markdown(im: Impact) -> str:
    """The impact as Markdown tables."""
    lines = [
        f"# Impact of `{im.old}` → `{im.new}`",
        "",
        f"{im.organisations} organisation(s); judged under both: {im.judged}; "
        f"could not be judged: {im.error_count}.",
        "",
        f"**Levels:** {im.up} up, {im.down} down, {im.same} unchanged.",
        "",
        "| Level | Old | New | Change |",
        "|---|---:|---:|---:|",
    ]
    for lv in im.levels:
        o, nw = im.old_levels.get(lv, 0), im.new_levels.get(lv, 0)
        lines.append(f"| {lv} | {o} | {nw} | {nw - o:+d} |")
    if im.awards:
        lines += ["", "| Award | Old | New | Gained | Lost |", "|---|---:|---:|---:|---:|"]
        for aw in im.awards:
            lines.append(
                f"| `{aw.label}` | {aw.old_count} | {aw.new_count} | {aw.gained} | {aw.lost} |"
            )
    if im.reasons:
        lines += ["", "## Most common reasons", ""]
        lines += [f"- {n}: {r}" for r, n in im.reasons]
    lines += ["", f"## Organisations that change ({im.changed})", ""]
    for c in im.changes:
        lines.append(
            f"- **{c.organisation}**: {c.old_level or 'none'} → {c.new_level or 'none'} "
            f"({c.move}); {c.reason}"
        )
    if im.changed > len(im.changes):
        lines.append(f"- ... and {im.changed - len(im.changes)} more")
    return "\n".join(lines) + "\n"


def render_impact_json(im: Impact) -> str:
    """The impact as JSON (``Impact.to_dict``)."""
    return json.dumps(im.to_dict(), indent=2, ensure_ascii=False) + "\n"
