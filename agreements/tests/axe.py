"""axe-core, run in the page under test: the accessibility check shared by the browser tests.

axe-core comes from npm (package.json, installed by `make test` when Node.js is there). Without it
the tests that use it skip and say why; REQUIRE_BROWSER=1 (CI) makes that a failure.
"""

import os
from pathlib import Path

import pytest

AXE_SOURCE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = ("critical", "serious")


def axe_source():
    if not AXE_SOURCE.exists():
        message = f"{AXE_SOURCE} not found: run `npm ci` (Node.js) to install axe-core"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {message}", pytrace=False)
        pytest.skip(f"accessibility tests skipped: {message}")
    return AXE_SOURCE.read_text(encoding="utf-8")


def blocking_violations(page):
    """The critical and serious axe-core violations on the page as loaded, one line each.

    The script is evaluated through the DevTools protocol, which the page's Content-Security-Policy
    does not govern, so the strict CSP stays on while axe runs."""
    page.evaluate(axe_source())
    violations = page.evaluate("async () => (await axe.run(document)).violations")
    return [
        f"{v['impact']}: {v['id']} — {v['help']} — "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        for v in violations
        if v["impact"] in BLOCKING_IMPACTS
    ]


def assert_accessible(page):
    found = blocking_violations(page)
    assert not found, f"axe-core on {page.url}:\n" + "\n".join(found)
