"""The kind table: build_spec reads every kind by itself, with nothing else imported."""

from __future__ import annotations

import subprocess
import sys

# Run in a fresh interpreter: in the test process other modules are imported already, and
# a kind registered by an import side effect would hide there.
_PROGRAM = """
import sys
from kfedgen.errors import Problems
from kfedgen.frontends.kinds import KINDS
from kfedgen.source.load import Document
from kfedgen.frontends.spec import build_spec

assert not any(m.startswith(("kfedgen.scheduling", "kfedgen.pipeline")) for m in sys.modules)
for api_version, kind in KINDS:
    doc = Document({"apiVersion": api_version, "kind": kind, "metadata": {}}, "f.yaml", 0)
    problems = Problems()
    build_spec([doc], problems)
    unknown = [p.message for p in problems if "unknown kind" in p.message or "plain" in p.message]
    assert not unknown, (api_version, kind, unknown)
print(len(KINDS))
"""


def test_build_spec_reads_every_kind_of_the_table_alone() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _PROGRAM], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "12"
