"""The example in docs/engine.md runs as written."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_docs_example_runs(capsys, monkeypatch):
    text = (ROOT / "docs" / "engine.md").read_text(encoding="utf-8")
    block = re.search(r"## A runnable example.*?```python\n(.*?)```", text, re.S).group(1)
    monkeypatch.chdir(ROOT)
    exec(compile(block, "docs/engine.md", "exec"), {"__name__": "docs_example"})  # noqa: S102
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("not_allowed")
    assert out[1] == "['submit', 'withdraw']"
    assert out[3] == "handover ['exit_interview']"
    assert out[4] == "['archived'] finished 7"
    assert out[2] == "['handover.leaver.pending', 'handover.receiver.pending']"
    assert out[5] == ("['start', 'submit', 'approve', 'approve', 'sign_leaver', 'sign_receiver', "
                      "'complete_interview']")
    assert out[-1] == "True"  # the example's audit chain verifies
    assert len(out) == 7
