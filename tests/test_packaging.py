"""The README's two set-up commands and .ci/run stay in step."""
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]


def readme_commands():
    text = (ROOT / "README.md").read_text()
    block = re.search(r"```sh\n(.*?)```", text, re.S)
    assert block and text.index(block.group(0)) < text.index("\n\n", text.index("# graphgrad") + 12) + 2
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_readme_opens_with_exactly_two_setup_commands():
    cmds = readme_commands()
    assert len(cmds) == 2
    install_and_gallery, tests = cmds
    assert "graphgrad gallery" in install_and_gallery
    assert "pytest" in tests


def test_ci_runs_the_readme_test_command_verbatim():
    ci = (ROOT / ".ci" / "run").read_text()
    assert readme_commands()[1] in ci.splitlines()


def test_ci_installs_the_browser_and_tmux():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "chromium" in ci and "tmux" in ci and "CI=true" in ci
