"""``npc check``: a sheet's tests against the real model, and a table a CI job can read."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.conftest import ROOT

SHEET = """\
id: cook
name: Jin
role: ramen chef at a night stall
knowledge:
  facts: [The stall opens at 6 pm.]
scene:
  objects: [ramen bowl, knife, green tea]
actions:
  - name: fetch
    description: Go and get an object and bring it to the player.
    parameters:
      item: {type: object}
    examples:
      - {player: can you pass the soy sauce?, args: {item: ramen bowl}, say: Here you go.}
tests:
  - {player: grab me a bowl of ramen, actions: [{name: fetch, args: {item: ramen bowl}}]}
  - {player: what time do you open?, actions: [{name: fetch, args: {item: knife}}]}
"""


def npc(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "npc", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "COLUMNS": "200"},  # the table's lines are not wrapped
    )


def test_a_test_the_character_fails_fails_the_check_with_a_table(tmp_path: Path) -> None:
    sheet = tmp_path / "cook.yaml"
    sheet.write_text(textwrap.dedent(SHEET))
    out = npc("check", str(sheet), "-v", timeout=900)
    assert out.returncode == 1, out.stdout + out.stderr
    text = out.stdout
    assert "Jin (cook" in text and "1/2 lines pass" in text
    passed, failed = (
        next(line for line in text.splitlines() if words in line)
        for words in ("grab me a bowl", "what time do you")
    )
    assert "pass" in passed and "fetch(item=ramen bowl)" in passed
    assert "FAIL" in failed and "expected fetch(item=knife)" in failed
    assert "1/2 tests passed" in text


def test_sheets_without_tests_are_named_and_nothing_runs(tmp_path: Path) -> None:
    sheet = tmp_path / "cook.yaml"
    sheet.write_text(textwrap.dedent(SHEET).split("tests:")[0])
    out = npc("check", str(sheet))
    assert out.returncode == 1
    assert f"{sheet}: no tests; add a `tests:` list to the sheet" in out.stderr
    assert "nothing to check" in out.stderr
    assert "loading models" not in out.stdout


def test_a_broken_sheet_is_reported_before_any_model_loads(tmp_path: Path) -> None:
    sheet = tmp_path / "cook.yaml"
    bad = SHEET.replace("actions: [{name: fetch, args: {item: knife}}]", "actions: [{name: fly}]")
    sheet.write_text(textwrap.dedent(bad))
    out = npc("check", str(sheet))
    assert out.returncode == 2
    assert "tests[1].actions[0]: unknown action 'fly'" in out.stderr
    assert "loading models" not in out.stdout
