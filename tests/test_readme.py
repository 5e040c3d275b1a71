"""The README's promises: its two opening commands, and CI running the same test command."""

from __future__ import annotations

from tests.conftest import ROOT


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    block = text.split("```sh\n", 1)[1].split("```", 1)[0]
    return block.strip().splitlines()


def test_readme_opens_with_two_commands() -> None:
    setup_and_render, setup_and_test = readme_commands()
    assert setup_and_render.endswith("kfedgen render")
    assert "pytest" in setup_and_test


def test_ci_runs_the_readme_test_command() -> None:
    _, setup_and_test = readme_commands()
    assert setup_and_test in (ROOT / ".ci" / "run").read_text().splitlines()
