"""Every script in examples/ runs top to bottom, so that none of them rots."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT / ".." / "shared" / "data"
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))


@pytest.mark.skipif(
    not SHARED_DATA.is_dir(),
    reason=f"the examples read real data from {SHARED_DATA}, which is not present",
)
@pytest.mark.parametrize("script", EXAMPLES, ids=[path.name for path in EXAMPLES])
def test_example_runs_cleanly(script, tmp_path):
    # A fresh process in an empty directory: whatever the script writes stays in
    # tmp_path, and the checkout's sklstm is the one imported.
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT), *filter(None, [env.get("PYTHONPATH")])]
    )
    env.setdefault("MPLBACKEND", "Agg")
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
