"""The CI examples of the README, run verbatim, produce what GitHub and GitLab consume.

Each ``loganalyzer ...`` line of the README's GitHub Actions and GitLab YAML
blocks is executed (in a directory whose ``runs/`` holds fixture runs), with
``$GITHUB_STEP_SUMMARY`` pointing at a file, and the artifacts are checked the
way the consuming step would read them.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import FIXTURES, REPO, SHARED

README = (REPO / "README.md").read_text(encoding="utf-8")
LOGANALYZER = str(Path(sys.executable).parent / "loganalyzer")


def yaml_block(heading: str) -> str:
    section = README.split(heading, 1)[1]
    match = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert match, f"no YAML example under {heading!r}"
    return match.group(1)


def loganalyzer_lines(block: str) -> list[str]:
    return [
        line[line.index("loganalyzer check") :].strip()
        for line in block.splitlines()
        if "loganalyzer check" in line
    ]


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    runs = tmp_path / "runs"
    for name in ("overfit-keras-csv", "overfit-keras-tensorboard", "healthy-keras-csv"):
        shutil.copytree(FIXTURES / name, runs / name)
    return tmp_path


def run_line(line: str, cwd: Path, summary: Path) -> int:
    args = shlex.split(line.replace('"$GITHUB_STEP_SUMMARY"', "").replace(">>", " "))
    assert args[0] == "loganalyzer"
    completed = subprocess.run([LOGANALYZER, *args[1:]], cwd=cwd, capture_output=True, text=True, check=False)
    assert "Traceback" not in completed.stderr
    if ">> " in line or '>> "' in line:
        with summary.open("a", encoding="utf-8") as handle:
            handle.write(completed.stdout)
    return completed.returncode


def test_github_actions_example(workspace: Path) -> None:
    lines = loganalyzer_lines(yaml_block("### GitHub Actions"))
    assert len(lines) == 3
    summary = workspace / "step_summary.md"
    codes = [run_line(line, workspace, summary) for line in lines]
    assert codes == [0, 0, 1]  # --exit-zero twice, then the gate fails on the overfitting runs

    sarif = json.loads((workspace / "loganalyzer.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    results = sarif["runs"][0]["results"]
    assert {r["ruleId"] for r in results} >= {"OF001"}
    for result in results:
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"].startswith("runs/")
        assert location["region"]["startLine"] >= 1
        assert result["partialFingerprints"]
    schema_path = SHARED / "schemas" / "sarif-schema-2.1.0.json"
    if schema_path.is_file():
        jsonschema.Draft7Validator(json.loads(schema_path.read_text())).validate(sarif)

    text = summary.read_text(encoding="utf-8")
    assert "OF001" in text and "runs/overfit-keras-csv/training.log" in text
    assert text.lstrip().startswith("#")


def test_gitlab_example(workspace: Path) -> None:
    lines = loganalyzer_lines(yaml_block("### GitLab CI"))
    assert len(lines) == 2
    codes = [run_line(line, workspace, workspace / "unused") for line in lines]
    assert codes == [0, 1]

    issues = json.loads((workspace / "gl-code-quality-report.json").read_text())
    assert issues and all(
        {"description", "check_name", "fingerprint", "severity", "location"} <= set(i) for i in issues
    )
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    assert all(i["location"]["path"].startswith("runs/") for i in issues)

    from junitparser import JUnitXml

    suites = {suite.name: suite for suite in JUnitXml.fromfile(str(workspace / "loganalyzer-junit.xml"))}
    assert set(suites) == {
        "runs/healthy-keras-csv/training.log",
        "runs/overfit-keras-csv/training.log",
        "runs/overfit-keras-tensorboard/logs",
    }
    assert suites["runs/healthy-keras-csv/training.log"].failures == 0
    assert suites["runs/overfit-keras-tensorboard/logs"].failures >= 1
