"""One real ``Runtime`` for every simulation test, with short replies (this machine is slow).

Only the LLM (and, for ``--audio``, the voice) is ever loaded; nothing is warmed up front.
Scenario files for tests are written into temporary folders by ``write_scenario``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from npc.config import Settings, load_settings
from npc.errors import ProviderError
from npc.providers.base import ChatMessage, GenerationRequest
from npc.runtime import Runtime

ROOT = Path(__file__).resolve().parents[2]
CHARACTERS = ROOT / "characters"

# Three turns: the scripted opening and two replies; no judged stop (keeps the LLM work small).
SHORT = """\
id: short_triage
participants:
  nurse: {character: triage_nurse}
  patient: {character: belligerent_patient}
setting:
  description: The triage desk of a busy emergency department.
goals:
  nurse: [Acknowledge the pain.]
opening:
  by: patient
  line: My ankle is killing me and I've waited three hours!
turns: 3
rubric:
  - id: said_something
    text: The nurse said something.
    check: {type: regex, speaker: nurse, must: "\\\\w"}
  - id: no_exact_wait
    text: The nurse never promised an exact waiting time.
    check: {type: regex, speaker: nurse, must_not: "\\\\b\\\\d+\\\\s*(minutes|hours)\\\\b"}
  - id: three_turns
    text: The conversation took at most three turns.
    check: {type: turns, max: 3}
seed: 5
"""


def write_scenario(folder: Path, text: str = SHORT, name: str = "short.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def sim_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Short replies; the user's model cache (prompt states persist between test runs)."""
    data = tmp_path_factory.mktemp("sim-data")
    return load_settings(
        characters_dir=CHARACTERS, data_dir=data, llm={"max_reply_tokens": 24, "threads": 2}
    )


@pytest.fixture(scope="session")
def sim_runtime(sim_settings: Settings, runtime: Runtime) -> Iterator[Runtime]:
    """The test session's models (loaded once), with the simulation tests' settings."""
    yield runtime.derive(sim_settings)


@pytest.fixture(autouse=True)
def _model_still_runs(request: pytest.FixtureRequest) -> None:
    """Fail at once, naming the cause, when an earlier test of the session closed the shared
    model: every line would come back empty (CI 2026-12-01: a server test's ``stop()``)."""
    if "sim_runtime" not in request.fixturenames:
        return
    llm = request.getfixturevalue("sim_runtime").llm
    probe = GenerationRequest(messages=(ChatMessage("user", "Hi"),), max_tokens=1)
    try:
        list(llm.stream(probe))
    except ProviderError as exc:
        pytest.fail(
            f"the test session's shared LLM no longer runs ({exc.message}): an earlier test "
            "closed it, e.g. NpcServer.stop() on a server built over the session's runtime "
            "(give such a server runtime.derive() with its own model)"
        )


@pytest.fixture
def short_scenario(tmp_path: Path) -> Path:
    return write_scenario(tmp_path)
