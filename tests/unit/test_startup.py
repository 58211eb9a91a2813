"""Start-up: ``import iiprules`` loads nothing until a name is used, and every name resolves."""

from __future__ import annotations

import subprocess
import sys

import iiprules


def test_import_loads_no_stage_until_a_name_is_used() -> None:
    code = (
        "import sys, iiprules\n"
        "heavy = ['lark', 'attrs', 'yaml', 'iiprules.api', 'iiprules.model', 'numpy']\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
        "iiprules.Evidence\n"
        "print('iiprules.evidence' in sys.modules, 'iiprules.api' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == ["[]", "True False"]


def test_every_public_name_resolves_to_its_definition() -> None:
    import importlib

    for name in iiprules.__all__:
        module, attr = iiprules._EXPORTS[name]
        assert getattr(iiprules, name) is getattr(importlib.import_module(module), attr)
    assert set(dir(iiprules)) >= set(iiprules.__all__)
    assert set(iiprules.__all__) == set(iiprules._EXPORTS)


def test_unknown_names_are_attribute_errors() -> None:
    try:
        iiprules.no_such_name  # noqa: B018 - the access is the test
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:  # pragma: no cover - the test fails here
        raise AssertionError("no AttributeError")


def test_from_import_works_for_every_name() -> None:
    namespace: dict[str, object] = {}
    exec("from iiprules import *", namespace)
    assert set(iiprules.__all__) <= set(namespace)


def test_submodules_named_like_public_functions_do_not_hide_them() -> None:
    code = (
        "import iiprules.evaluate, iiprules.check, iiprules\n"
        "print(callable(iiprules.evaluate), callable(iiprules.check))\n"
        "print(iiprules.evaluate.__module__, iiprules.check.__module__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == ["True True", "iiprules.api iiprules.check"]
