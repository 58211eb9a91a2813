"""Each endpoint through httpx: the CLI's JSON, problem documents, bounds, CORS, reload."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from serve_helpers import EXAMPLES, ROOT, cli_json, make_client

from iiprules.serve import Registry, Settings, create_app
from iiprules.serve.app import reload_registry

pytestmark = pytest.mark.anyio

EXAMPLE_FILES = sorted(p for p in EXAMPLES.iterdir() if p.suffix in (".yaml", ".json"))
PENNICK = EXAMPLES / "pennick_lane_primary.yaml"


def as_body(path: Path) -> tuple[bytes, str]:
    """An example file as a request body with its media type."""
    mt = "application/json" if path.suffix == ".json" else "application/yaml"
    return path.read_bytes(), mt


async def test_healthz_names_the_rulesets_and_limits(registry: Registry) -> None:
    """/healthz says which rulesets are loaded and the bounds in force."""
    async with make_client(registry) as c:
        r = await c.get("/healthz")
    assert 200 == r.status_code
    expected = sorted(p.stem for p in (ROOT / "rulesets").glob("*.rules"))
    assert expected == r.json()["rulesets"]
    assert Settings().max_body_bytes == r.json()["limits"]["max_body_bytes"]


async def test_list_and_get_rulesets(registry: Registry) -> None:
    """The listing has every served ruleset with its versions; one ruleset by name too."""
    async with make_client(registry) as c:
        listing = (await c.get("/v1/rulesets")).json()
        one = await c.get("/v1/rulesets/standard")
    names = [r["name"] for r in listing["rulesets"]]
    assert registry.names() == names
    labels = [v["label"] for v in one.json()["versions"]]
    assert [s.label for s in registry.get("standard").snapshots] == labels


async def test_unknown_ruleset_is_a_404_problem_with_a_hint(registry: Registry) -> None:
    """A misspelt ruleset in the path is a 404 problem document that suggests the name."""
    async with make_client(registry) as c:
        r = await c.get("/v1/rulesets/standerd/items")
    assert 404 == r.status_code
    assert "application/problem+json" == r.headers["content-type"]
    assert "did you mean 'standard'" in r.json()["detail"]


async def test_items_list_requirements_levels_and_awards(registry: Registry) -> None:
    """The items of a version are its requirements with texts, its levels and awards."""
    async with make_client(registry) as c:
        items = (await c.get("/v1/rulesets/lm_theme/items")).json()
    checked = registry.get("lm_theme")
    scope = checked.scope(checked.snapshots[-1])
    named = [r for r in scope.requirements.values() if hasattr(r.node, "text")]
    assert [r.id for r in named] == [r["id"] for r in items["requirements"]]
    assert all(r["text"] for r in items["requirements"])
    assert [lv.id for lv in scope.levels] == [lv["id"] for lv in items["levels"]]
    assert [a.id for a in scope.awards] == [a["id"] for a in items["awards"]]


async def test_source_is_the_ruleset_text(registry: Registry) -> None:
    """/source gives the text the ruleset was loaded from."""
    async with make_client(registry) as c:
        r = await c.get("/v1/rulesets/standard/source")
    assert (ROOT / "rulesets" / "standard.rules").read_text(encoding="utf-8") == r.text


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
async def test_evaluate_answers_what_the_cli_prints(registry: Registry, path: Path) -> None:
    """For every example, /v1/evaluate is `iiprules evaluate --format json` (brief and full)."""
    body, mt = as_body(path)
    async with make_client(registry) as c:
        brief = await c.post("/v1/evaluate", content=body, headers={"content-type": mt})
        full = await c.post("/v1/evaluate?explain=true", content=body,
                            headers={"content-type": mt})
    assert cli_json("evaluate", str(path), "--format", "json", "--brief") == brief.json()
    assert cli_json("evaluate", str(path), "--format", "json") == full.json()


async def test_evaluate_takes_json_as_well_as_yaml(registry: Registry) -> None:
    """The same evidence as JSON gives the same outcome as the YAML file."""
    data = yaml.safe_load(PENNICK.read_text())
    data["assessed_on"] = data["assessed_on"].isoformat()
    for h in data.get("history", []):
        h["assessed_on"] = h["assessed_on"].isoformat()
    async with make_client(registry) as c:
        r = await c.post("/v1/evaluate", json=data)
    assert cli_json("evaluate", str(PENNICK), "--format", "json", "--brief") == r.json()


@pytest.mark.parametrize(
    ("endpoint", "cli"),
    [
        ("/v1/explain", ["explain", "--format", "json"]),
        ("/v1/why-not", ["why-not", "--format", "json"]),
        ("/v1/critical", ["critical", "--format", "json"]),
        ("/v1/pending", ["pending", "--format", "json"]),
        ("/v1/lapse", ["lapse", "--format", "json"]),
        ("/v1/lapse?on=2015-01-01", ["lapse", "--on", "2015-01-01", "--format", "json"]),
        ("/v1/plan?target=silver", ["plan", "--target", "silver", "--format", "json"]),
        ("/v1/plan?target=lm_themed&alternatives=1",
         ["plan", "--target", "lm_themed", "--alternatives", "1", "--format", "json"]),
    ],
)
async def test_answers_are_the_cli_answers(registry: Registry, endpoint: str, cli: list[str]
                                           ) -> None:
    """Each assessor's answer over HTTP is the JSON its CLI command prints."""
    path = EXAMPLES / "carrow_dale_housing.yaml"
    body, mt = as_body(path)
    async with make_client(registry) as c:
        r = await c.post(endpoint, content=body, headers={"content-type": mt})
    assert 200 == r.status_code, r.text
    assert cli_json(cli[0], str(path), *cli[1:]) == r.json()


async def test_explain_as_text_is_the_cli_tree(registry: Registry, capsys: pytest.CaptureFixture[str]
                                               ) -> None:
    """format=text gives the tree `iiprules explain` prints."""
    from iiprules.cli.app import main

    body, mt = as_body(PENNICK)
    async with make_client(registry) as c:
        r = await c.post("/v1/explain?format=text", content=body, headers={"content-type": mt})
    main(["explain", str(PENNICK)])
    assert capsys.readouterr().out == r.text


async def test_plan_takes_a_cost_file_beside_the_evidence(registry: Registry, tmp_path: Path
                                                          ) -> None:
    """{"evidence", "cost"} prices the plan as `iiprules plan --cost FILE` does."""
    evidence = yaml.safe_load(PENNICK.read_text())
    evidence["assessed_on"] = evidence["assessed_on"].isoformat()
    for h in evidence.get("history", []):
        h["assessed_on"] = h["assessed_on"].isoformat()
    cost = {"default": 2, "top_managers": 5}
    (tmp_path / "cost.json").write_text(json.dumps(cost))
    async with make_client(registry) as c:
        r = await c.post("/v1/plan?target=silver", json={"evidence": evidence, "cost": cost})
    expected = cli_json("plan", str(PENNICK), "--target", "silver", "--cost",
                        str(tmp_path / "cost.json"), "--format", "json")
    assert expected == r.json()


async def test_check_gives_the_cli_diagnostics(registry: Registry) -> None:
    """/v1/check on a ruleset's text is `iiprules check --format json` on its file."""
    path = ROOT / "tests" / "golden" / "bad"
    bad = sorted(path.rglob("*.rules"))[0]
    rel = str(bad.relative_to(ROOT))
    async with make_client(registry) as c:
        r = await c.post(f"/v1/check?filename={rel}", content=bad.read_bytes(),
                         headers={"content-type": "text/plain"})
    assert 200 == r.status_code
    import os

    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        expected = cli_json("check", rel, "--format", "json")
    finally:
        os.chdir(cwd)
    assert expected == r.json()


async def test_check_reports_a_syntax_error_at_its_line(registry: Registry) -> None:
    """A syntax error comes back as a diagnostic with the line and column of the fault."""
    text = (ROOT / "rulesets" / "standard.rules").read_text().splitlines()
    text.insert(4, "    this is not a rule {")
    async with make_client(registry) as c:
        r = await c.post("/v1/check", content="\n".join(text),
                         headers={"content-type": "text/plain"})
    first = r.json()["diagnostics"][0]
    assert ("error", 5) == (first["severity"], first["line"])


def cli_problems(tmp_path: Path, name: str, body: bytes) -> list[tuple[object, ...]]:
    """The problems the library reports for this evidence as a file: code, field, line, column."""
    from iiprules import api
    from iiprules.diagnostics import EvidenceError

    (tmp_path / name).write_bytes(body)
    with pytest.raises(EvidenceError) as caught:
        api.evaluate(str(tmp_path / name))
    return [(p.code, p.field, p.line, getattr(p, "column", None))
            for p in getattr(caught.value, "problems", [caught.value])]


def served_problems(problem: dict[str, object]) -> list[tuple[object, ...]]:
    """The same four facts of each problem in a problem document."""
    return [(e["code"], e.get("field"), e.get("line"), e.get("column"))
            for e in problem["errors"]]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("evidence.json",
         b'{\n "organisation": "Acme",\n "assessed_on": "2011-03-14",\n "met": ["1.1", "9.99"]\n}'),
        ("evidence.json",
         b'{\n "organisation": "Acme",\n "assessed_on": "2011-13-40",\n "met": [1, "zz"],\n'
         b' "colour": "red"\n}'),
        ("evidence.yaml", b"organisation: Acme\nassessed_on: 2011-13-40\nmet: [9.99]\n"),
        ("evidence.yaml", b"organisation: Acme\nassessed_on: 2011-03-14\nmet:\n  - 1.1\n  - 1.1\n"),
        ("evidence.yaml", b"organisation: Acme\nassessed_on: 2011-03-14\nmet: &a [1.1]\n"
                          b"pending: *a\n"),
    ],
)
async def test_evidence_problems_are_the_cli_problems(registry: Registry, tmp_path: Path,
                                                      name: str, body: bytes) -> None:
    """Every evidence problem has the code, field path, line and column the CLI reports."""
    mt = "application/json" if name.endswith(".json") else "application/yaml"
    async with make_client(registry) as c:
        r = await c.post("/v1/evaluate", content=body, headers={"content-type": mt})
    assert (422, "urn:iiprules:problem:evidence") == (r.status_code, r.json()["type"])
    assert cli_problems(tmp_path, name, body) == served_problems(r.json())
    assert all(e["pointer"].startswith("/") for e in r.json()["errors"] if "field" in e)


async def test_not_json_is_a_problem_with_a_line(registry: Registry) -> None:
    """Malformed JSON is a 422 problem naming the line."""
    async with make_client(registry) as c:
        r = await c.post("/v1/evaluate", content=b'{\n "organisation": \n}')
    assert (422, 3) == (r.status_code, r.json()["errors"][0]["line"])


@pytest.mark.parametrize(
    ("settings", "path", "body", "ctype", "status", "kind"),
    [
        ({"max_body_bytes": 100}, "/v1/evaluate", b"{" + b" " * 200 + b"}", "application/json",
         413, "too-large"),
        ({"max_depth": 4}, "/v1/evaluate", b"[[[[[[1]]]]]]", "application/json", 422,
         "too-deep"),
        ({}, "/v1/evaluate", b"[" * 5000 + b"]" * 5000, "application/json", 422, "too-deep"),
        ({}, "/v1/evaluate", b"<evidence/>", "application/xml", 415, "unsupported-media-type"),
        ({}, "/v1/check", b"{}", "application/json", 415, "unsupported-media-type"),
        ({"max_rules_bytes": 10}, "/v1/check", b"ruleset x {}" * 3, "text/plain", 413,
         "too-large"),
        ({"max_batch_rows": 2}, "/v1/evaluate/batch", b"{}\n{}\n{}\n", "application/x-ndjson",
         413, "too-many-rows"),
        ({}, "/v1/evaluate?explain=maybe", b"{}", "application/json", 422, "query"),
        ({}, "/v1/plan", b"{}", "application/json", 422, "query"),
        ({}, "/v1/lapse?on=someday", b"{}", "application/json", 422, "query"),
    ],
)
async def test_bounds_and_bad_requests_are_problem_documents(
    registry: Registry, settings: dict[str, int], path: str, body: bytes, ctype: str,
    status: int, kind: str,
) -> None:
    """Each bound and each malformed request answers its status with a problem document."""
    async with make_client(registry, **settings) as c:
        r = await c.post(path, content=body, headers={"content-type": ctype})
    assert (status, "application/problem+json") == (r.status_code, r.headers["content-type"])
    assert f"urn:iiprules:problem:{kind}" == r.json()["type"]
    assert status == r.json()["status"]


async def test_a_computation_past_the_time_bound_is_408(registry: Registry) -> None:
    """A plan that takes longer than the bound is answered 408, with a problem document."""
    body, mt = as_body(PENNICK)
    async with make_client(registry, timeout_seconds=1e-6) as c:
        r = await c.post("/v1/plan?target=gold", content=body, headers={"content-type": mt})
    assert (408, "urn:iiprules:problem:timeout") == (r.status_code, r.json()["type"])


async def test_wrong_method_and_unknown_path_are_problems(registry: Registry) -> None:
    """405 (with Allow) and 404 are problem documents too."""
    async with make_client(registry) as c:
        wrong = await c.get("/v1/evaluate")
        missing = await c.get("/v2/evaluate")
    assert (405, "POST") == (wrong.status_code, wrong.headers["allow"])
    assert "application/problem+json" == wrong.headers["content-type"]
    assert (404, "application/problem+json") == (missing.status_code,
                                                 missing.headers["content-type"])


def population_lines() -> bytes:
    """The example organisations as NDJSON, plus one that cannot be judged."""
    from iiprules.evidence import read_document

    lines = [json.dumps(read_document(p.read_text(), str(p)).value) for p in EXAMPLE_FILES]
    lines.append(json.dumps({"organisation": "Nowhere", "assessed_on": "2011-01-01",
                             "met": ["nope"]}))
    return ("\n".join(lines) + "\n").encode()


async def test_batch_rows_are_the_population_rows(registry: Registry, tmp_path: Path) -> None:
    """NDJSON through /v1/evaluate/batch gives the rows `evaluate --population --out` writes."""
    body = population_lines()
    (tmp_path / "pop.jsonl").write_bytes(body)
    async with make_client(registry) as c:
        r = await c.post("/v1/evaluate/batch", content=body,
                         headers={"content-type": "application/x-ndjson"})
    assert (200, "application/x-ndjson") == (r.status_code, r.headers["content-type"])
    from iiprules.cli.app import main

    main(["evaluate", "--population", str(tmp_path / "pop.jsonl"), "--out",
          str(tmp_path / "out.jsonl")])
    expected = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text().splitlines()]
    got = [json.loads(x) for x in r.text.splitlines()]
    for row in expected + got:  # where the row came from names the file, or the request
        if "where" in row:
            row["where"] = row["where"].rsplit(":", 1)[-1]
            row["error"] = row["error"].split(": ", 1)[-1]
    assert expected == got
    assert "error" in got[-1] and "error" not in got[0]


async def test_batch_takes_a_json_array(registry: Registry) -> None:
    """A JSON array gives one row per item, in order."""
    rows = [json.loads(x) for x in population_lines().splitlines()]
    async with make_client(registry) as c:
        r = await c.post("/v1/evaluate/batch", json=rows)
    out = [json.loads(x) for x in r.text.splitlines()]
    assert [x["organisation"] for x in rows] == [x["organisation"] for x in out]


async def test_cors_is_off_unless_configured(registry: Registry) -> None:
    """No CORS header by default; the configured origin is allowed when set."""
    headers = {"origin": "https://hr.example", "access-control-request-method": "POST"}
    async with make_client(registry) as c:
        off = await c.options("/v1/evaluate", headers=headers)
    async with make_client(registry, cors_origins=("https://hr.example",)) as c:
        on = await c.options("/v1/evaluate", headers=headers)
    assert "access-control-allow-origin" not in off.headers
    assert "https://hr.example" == on.headers["access-control-allow-origin"]


async def test_reload_swaps_the_rules_and_refuses_broken_ones(tmp_path: Path) -> None:
    """A reload serves edited rules; a folder with errors leaves the old rules in service."""
    for p in (ROOT / "rulesets").glob("*.rules"):
        shutil.copy(p, tmp_path / p.name)
    settings = Settings(rulesets_dir=str(tmp_path))
    app = create_app(settings, Registry.load(tmp_path))
    before = app.state.registry
    (tmp_path / "partner_award.rules").unlink()
    assert reload_registry(app)
    assert "partner_award" not in app.state.registry.names()
    good = app.state.registry
    (tmp_path / "standard.rules").write_text("ruleset standard\nversion {\n")
    assert not reload_registry(app)
    assert good is app.state.registry is not before


@pytest.mark.parametrize("path", ["/", "/docs"])
async def test_pages_use_only_packaged_assets(registry: Registry, path: str) -> None:
    """The playground and the API docs load every script and style from this service."""
    import re

    async with make_client(registry) as c:
        page = await c.get(path)
        assets = re.findall(r'(?:src|href)="([^"#]+)"', page.text)
        statuses = [(await c.get(a)).status_code for a in assets]
    assert 200 == page.status_code
    assert assets and all(a.startswith("/static/") for a in assets)
    assert [200] * len(assets) == statuses


async def test_playground_answer_follows_edited_rules(registry: Registry) -> None:
    """/v1/playground judges by edited rules, and says what the edit changes."""
    text = (ROOT / "rulesets" / "standard.rules").read_text()
    items = registry.get("standard").scope(registry.get("standard").snapshots[-1])
    standard = [r.id for r in items.requirements.values()
                if r.node.part == "standard" and hasattr(r.node, "text") and r.maps is None]
    evidence = {"organisation": "Acme", "assessed_on": "2011-03-14", "met": standard}
    async with make_client(registry) as c:
        served = (await c.post("/v1/playground", json={"ruleset": "standard",
                                                       "evidence": evidence})).json()
        edited = text.replace("at least 26 of part extended", "at least 0 of part extended")
        assert edited != text
        r = (await c.post("/v1/playground", json={"ruleset": "standard", "evidence": evidence,
                                                  "rules": edited, "target": "silver"})).json()
    assert ("standard", "bronze", "standard") == (served["outcome"]["level"],
                                                  r["outcome"]["level"], r["packaged"]["level"])
    assert 0 == r["check"]["summary"]["errors"] and r["plan"]["reachable"]
