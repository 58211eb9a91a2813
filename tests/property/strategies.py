"""Model-level strategies: small random rulesets that the checker accepts.

Rulesets are built as ``model`` nodes (no parsing), valid by construction:
names are declared before use, counts fit their selections, levels are nested
and need non-decreasing counts (so the built-in invariants hold), and awards
refer only to awards declared before them. Conditions of awards are otherwise
random, negations included.
"""

from __future__ import annotations

import datetime as dt
import string

from hypothesis import strategies as st

from iiprules import model as m

WORDS = st.text(alphabet=string.ascii_letters + string.digits + " .,'()-", min_size=1, max_size=24)


def text() -> st.SearchStrategy[str]:
    """Single-line text without surrounding spaces; quotes and backslashes included."""
    tricky = st.sampled_from(['say "yes"', "a\\b", "50% of 'them'", "tab\there", "#not a comment"])
    return st.one_of(WORDS, tricky).map(str.strip).filter(bool)


def doc() -> st.SearchStrategy[str]:
    """Doc text: one line, or several non-empty lines (a triple-quoted block)."""
    line = WORDS.map(str.strip).filter(bool)
    return st.one_of(line, st.lists(line, min_size=2, max_size=3).map("\n".join))


@st.composite
def metas(draw: st.DrawFn, title: bool = False) -> m.Meta:
    """Title, doc and sources, each optional."""
    sources = draw(
        st.lists(st.builds(m.Source, text(), st.none() | st.sampled_from(m.CONFIDENCE)), max_size=2)
    )
    return m.Meta(
        draw(st.none() | text()) if title else None,
        draw(st.none() | doc()),
        tuple(sources),
    )


class _Names:
    """What a ruleset under construction has declared so far."""

    def __init__(self) -> None:
        self.parts: dict[str, list[str]] = {}
        self.sizes: dict[str, int] = {}
        self.indicators: dict[str, list[str]] = {}
        self.facts: dict[str, str] = {}
        self.levels: list[str] = []
        self.awards: list[str] = []


@st.composite
def selections(draw: st.DrawFn, names: _Names) -> tuple[m.Selection, int]:
    """A selection over declared names, and how many requirements it holds."""
    kind = draw(st.sampled_from(["part", "indicator", "list", "union"]))
    if kind == "part":
        p = draw(st.sampled_from(sorted(names.parts)))
        return m.SelPart(p), names.sizes[p]
    if kind == "indicator":
        i = draw(st.sampled_from(sorted(names.indicators)))
        return m.SelIndicator(i), len(names.indicators[i])
    ids = sorted({r for rs in names.indicators.values() for r in rs})
    picked = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=4, unique=True))
    if kind == "list":
        return m.SelList(tuple(picked)), len(picked)
    p = draw(st.sampled_from(sorted(names.parts)))
    left = m.SelPart(p)
    both = set(picked) | {r for r in names.parts[p]}
    extra = names.sizes[p] - len(names.parts[p])  # unnamed members
    return m.Union_(left, m.SelList(tuple(picked))), len(both) + extra


@st.composite
def conditions(draw: st.DrawFn, names: _Names, depth: int = 0) -> m.Cond:
    """A random condition over declared names (awards: only those declared so far)."""
    atoms = ["at_least", "all", "any", "count"]
    if names.levels:
        atoms.append("level")
    if names.awards:
        atoms.append("award")
    if names.facts:
        atoms.append("fact")
    ops = atoms + (["and", "or", "not", "implies"] if depth < 3 else [])
    kind = draw(st.sampled_from(ops))
    if kind in ("at_least", "all", "any", "count"):
        sel, n = draw(selections(names))
        years = draw(st.sampled_from([None, None, None, 1, 3]))
        if kind == "at_least":
            return m.AtLeast(draw(st.integers(0, n)), sel, years)
        if kind == "count":
            return m.CountCmp(
                sel, draw(st.sampled_from([">=", "<=", "="])), draw(st.integers(0, n))
            )
        return m.Quantified(kind, sel, years)
    if kind == "level":
        return m.LevelCmp(
            draw(st.sampled_from([">=", "<", "="])), draw(st.sampled_from(names.levels))
        )
    if kind == "award":
        return m.AwardRef(draw(st.sampled_from(names.awards)))
    if kind == "fact":
        fid = draw(st.sampled_from(sorted(names.facts)))
        if names.facts[fid] == "boolean":
            return m.FactTrue(fid)
        return m.FactCmp(fid, draw(st.sampled_from(m.CMP_OPS)), draw(st.integers(0, 10)))
    if kind == "not":
        return m.Not(draw(conditions(names, depth + 1)))
    if kind == "implies":
        return m.Implies(draw(conditions(names, depth + 1)), draw(conditions(names, depth + 1)))
    items = tuple(draw(st.lists(conditions(names, depth + 1), min_size=2, max_size=3)))
    # Flattened, as the parser builds them: no And directly inside an And.
    node = m.And if kind == "and" else m.Or
    flat: list[m.Cond] = []
    for i in items:
        flat.extend(i.items if isinstance(i, node) else (i,))
    return node(tuple(flat))


@st.composite
def rulesets(draw: st.DrawFn, monotone: bool = False) -> m.Ruleset:
    """A small random ruleset the checker accepts; ``monotone``: awards without negation."""
    names = _Names()
    items: list[m.Item] = [m.Part("core", draw(text()), draw(metas()))]
    names.parts["core"] = []
    has_extra = draw(st.booleans())
    if has_extra:
        items.append(m.Part("extra", draw(text())))
        names.parts["extra"] = []
    facts = draw(st.lists(st.sampled_from(["boolean", "number"]), max_size=2))
    for i, ftype in enumerate(facts):
        fid = f"f{i}"
        default = draw(st.none() | (st.booleans() if ftype == "boolean" else st.integers(0, 5)))
        items.append(m.Fact(fid, ftype, default, draw(metas())))
        names.facts[fid] = ftype
    bool_facts = [f for f, t in names.facts.items() if t == "boolean"]
    indicators = []
    for i in range(1, draw(st.integers(1, 3)) + 1):
        members: list[m.Member] = []
        for k in range(1, draw(st.integers(1, 3)) + 1):
            rid = f"R{i}.{k}"
            part = "extra" if has_extra and draw(st.booleans()) else "core"
            applies = None
            if bool_facts and draw(st.integers(0, 4)) == 0:
                applies = m.FactTrue(draw(st.sampled_from(bool_facts)))
            by = tuple(draw(st.lists(st.sampled_from(m.WHO), max_size=2, unique=True)))
            members.append(m.Requirement(rid, part, draw(text()), by, None, draw(metas()), applies))
            names.parts[part].append(rid)
            names.indicators.setdefault(f"I{i}", []).append(rid)
        indicators.append(m.Indicator(f"I{i}", draw(text()), draw(metas()), None, tuple(members)))
    if draw(st.booleans()):
        # A derived part: requirements met through a mapping onto the others.
        items.append(m.Part("mapped", draw(text())))
        names.parts["mapped"] = []
        ids = sorted({r for rs in names.indicators.values() for r in rs})
        onto = tuple(draw(st.lists(st.sampled_from(ids), min_size=1, max_size=3, unique=True)))
        members = []
        for k in range(1, draw(st.integers(1, 2)) + 1):
            members.append(m.Requirement(f"M1.{k}", "mapped", draw(text())))
            names.parts["mapped"].append(f"M1.{k}")
            names.indicators.setdefault("M1", []).append(f"M1.{k}")
        indicators.append(
            m.Indicator("M1", draw(text()), m.EMPTY_META, m.SelList(onto), tuple(members))
        )
    items.append(m.Principle("plan", draw(text()), m.EMPTY_META, tuple(indicators)))
    for p in names.parts:
        names.sizes[p] = len(names.parts[p])
    if draw(st.booleans()):
        count = draw(st.integers(1, 4))
        part = draw(st.sampled_from(sorted(names.parts)))
        items.append(m.Unnamed("U.other", count, part))
        names.sizes[part] += count
    # Levels: the lowest needs all of core; each higher one builds on the one below.
    level_part = "extra" if has_extra and names.sizes["extra"] else "core"
    n = 0
    for i in range(draw(st.integers(0, 3))):
        lid = f"L{i}"
        if i == 0:
            cond: m.Cond = m.Quantified("all", m.SelPart("core"))
            if names.facts and draw(st.booleans()):
                fid = sorted(names.facts)[0]
                extra_cond = (
                    m.FactTrue(fid) if names.facts[fid] == "boolean" else m.FactCmp(fid, ">=", 1)
                )
                cond = m.And((cond, extra_cond))
        else:
            # The lowest level needs all of core, so a higher one needs all of it too
            # (a later version may add to core); counts over extra only grow.
            below = m.LevelCmp(">=", names.levels[-1])
            if level_part == "core":
                cond = m.And((below, m.Quantified("all", m.SelPart("core"))))
            else:
                n = draw(st.integers(n, names.sizes[level_part]))
                cond = m.And((below, m.AtLeast(n, m.SelPart(level_part))))
        items.append(m.Level(lid, draw(text()), cond, draw(metas())))
        names.levels.append(lid)
    for i in range(draw(st.integers(0, 3))):
        cond = draw(conditions(names))
        if monotone:
            cond = _positive(cond)
        items.append(m.Award(f"a{i}", draw(st.sampled_from(m.AWARD_KINDS)), draw(text()), cond))
        names.awards.append(f"a{i}")
    if len(names.levels) >= 2:
        items.append(
            m.Invariant(
                "top_has_core",
                draw(text()),
                m.Implies(
                    m.LevelCmp(">=", names.levels[-1]), m.Quantified("all", m.SelPart("core"))
                ),
            )
        )
    start = dt.date(2000, 1, 1) + dt.timedelta(days=draw(st.integers(0, 3650)))
    versions = [m.Version("1", start, None, draw(metas()), tuple(items))]
    if draw(st.booleans()):
        amend: list[m.Item] = [
            m.Extend("I1", (m.Requirement("R1.9", "core", draw(text())),)),
        ]
        if names.awards and draw(st.booleans()):
            last = names.awards[-1]
            amend.append(m.Remove("award", last))
        versions.append(
            m.Version("2", start + dt.timedelta(days=400), None, m.EMPTY_META, tuple(amend))
        )
    return m.Ruleset(f"r{draw(st.integers(0, 99))}", tuple(versions), draw(metas(title=True)))


def _positive(c: m.Cond) -> m.Cond:
    """The condition with every negation removed (``not x`` → ``x``), and counts upwards."""
    match c:
        case m.Not(item=i):
            return _positive(i)
        case m.Implies(premise=a, conclusion=b):
            return m.Or((_positive(a), _positive(b)))
        case m.And(items=items) | m.Or(items=items):
            node = type(c)
            flat: list[m.Cond] = []
            for i in items:
                p = _positive(i)
                flat.extend(p.items if isinstance(p, node) else (p,))
            return node(tuple(flat))
        case m.CountCmp(selection=s, n=n):
            return m.CountCmp(s, ">=", n)
        case m.LevelCmp(level=lv):
            return m.LevelCmp(">=", lv)
        case m.FactCmp(fact=f, value=v):
            return m.FactCmp(f, "=", v)
    return c
