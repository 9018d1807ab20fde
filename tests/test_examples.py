"""Every script in examples/ runs top to bottom, so that none of them rots.

An example that reads the real data sets beside the project (its source names
``shared`` / ``data``, as in ``DATA = ... / ".." / "shared" / "data"``) is
skipped, with the reason, when that folder is missing; every other example
(the shipped demo sentences, toy data) always runs.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT / ".." / "shared" / "data"
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))


def _reads_shared_data(script):
    return re.search(r"shared\W+data", script.read_text(encoding="utf-8")) is not None


def _example_param(script):
    # Each example trains real models for up to a minute or two: the gallery
    # runs in the full suite (`make test`, CI), not in the quick `-m "not slow"`.
    marks = [pytest.mark.slow]
    if _reads_shared_data(script):
        marks.append(
            pytest.mark.skipif(
                not SHARED_DATA.is_dir(),
                reason=f"{script.name} reads real data from {SHARED_DATA}, which is not present",
            )
        )
    return pytest.param(script, id=script.name, marks=marks)


def test_demo_data_examples_are_never_skipped():
    # The examples on the shipped or toy data must run on a fresh clone too.
    for name in (
        "plot_air_passengers.py",
        "plot_toy_tasks.py",
        "plot_grid_search_level_length.py",
        "plot_text_generation.py",
    ):
        script = ROOT / "examples" / name
        assert script in EXAMPLES, f"{name} is missing from examples/"
        assert not _reads_shared_data(script), f"{name} should not need {SHARED_DATA}"


@pytest.mark.parametrize("script", [_example_param(script) for script in EXAMPLES])
def test_example_runs_cleanly(script, tmp_path):
    # A fresh process in an empty directory: whatever the script writes stays in
    # tmp_path, and the checkout's sklstm is the one imported.
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT), *filter(None, [env.get("PYTHONPATH")])]
    )
    # Never open a window, whatever backend the caller's environment names.
    env["MPLBACKEND"] = "Agg"
    completed = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, (
        f"{script.name} exited with {completed.returncode}\n"
        f"--- stdout ---\n{completed.stdout}\n--- stderr ---\n{completed.stderr}"
    )
    assert "Traceback" not in completed.stderr
