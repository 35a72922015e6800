"""The real pre-commit hook, installed from this checkout by pre-commit itself and run on logs.

pre-commit builds the hook's own virtualenv (``pip install .`` of the hook repository: about
45 s, and it needs PyPI). ``pre-commit try-repo`` always installs into a fresh temporary store
(it ignores ``PRE_COMMIT_HOME``), so only the first test uses it, exactly as a hook author
would; the others run ``pre-commit run`` with the configuration try-repo generates (``repo:``
the hook repository, ``rev:`` its commit) and share one ``PRE_COMMIT_HOME`` under pytest's
temporary directory, so the hook is installed once more, not once per test.

The hook repository is a snapshot of the working tree (tracked files plus untracked, not
ignored ones) committed into a temporary git repository. ``try-repo`` on the checkout itself
would make its own shadow copy of *tracked* changes only, so a new, not yet added module would
be missing from the installed hook; the snapshot tests exactly what is on disk.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.helpers import HEALTHY_CSV, HEALTHY_TB, OVERFIT_CSV, OVERFIT_TB, REPO

pytestmark = pytest.mark.slow

GIT = shutil.which("git")
if GIT is None:
    pytest.skip("git is not available: pre-commit needs it", allow_module_level=True)
pytest.importorskip("pre_commit", reason="pre-commit is not installed (pip install -e '.[dev]')")

#: A fixed identity and no user or system git configuration: the tests do not depend on the machine.
GIT_ENV = {
    "GIT_AUTHOR_NAME": "loganalyzer tests",
    "GIT_AUTHOR_EMAIL": "tests@loganalyzer.invalid",
    "GIT_COMMITTER_NAME": "loganalyzer tests",
    "GIT_COMMITTER_EMAIL": "tests@loganalyzer.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(*args: str, cwd: Path) -> str:
    completed = subprocess.run(
        [GIT, *args], cwd=cwd, capture_output=True, text=True, env={**os.environ, **GIT_ENV}, check=False
    )
    assert completed.returncode == 0, f"git {' '.join(args)} failed: {completed.stderr}"
    return completed.stdout


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git repository holding a committed snapshot of this checkout's working tree."""
    if not (REPO / ".git").exists():
        pytest.skip(f"{REPO} is not a git checkout: cannot snapshot it for pre-commit")
    listed = git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=REPO)
    snapshot = tmp_path_factory.mktemp("hook-repo")
    for relative in filter(None, listed.split("\0")):
        source = REPO / relative
        if source.is_file():  # a tracked file deleted in the working tree is left out
            (snapshot / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, snapshot / relative)
    assert (snapshot / ".pre-commit-hooks.yaml").is_file()
    git("init", "-q", cwd=snapshot)
    git("add", "-A", cwd=snapshot)
    git("commit", "-q", "-m", "snapshot of the working tree", cwd=snapshot)
    return snapshot


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture(scope="module")
def hook_config(hook_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What a user puts in ``.pre-commit-config.yaml`` (kept outside the project, passed with --config)."""
    revision = git("rev-parse", "HEAD", cwd=hook_repo).strip()
    path = tmp_path_factory.mktemp("pre-commit-config") / "pre-commit-config.yaml"
    path.write_text(
        f"repos:\n-   repo: {hook_repo}\n    rev: {revision}\n    hooks:\n    -   id: loganalyzer\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """An empty git repository in which the logs are committed (staged) like a user would."""
    root = tmp_path / "project"
    root.mkdir()
    git("init", "-q", cwd=root)
    return root


def add(project: Path, source: Path, destination: str) -> list[str]:
    """Copy ``source`` (file or directory) to ``project/destination``, ``git add`` it, return its files."""
    target = project / destination
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, target)
    else:
        shutil.copy2(source, target)
    git("add", destination, cwd=project)
    return sorted(p.relative_to(project).as_posix() for p in [target, *target.rglob("*")] if p.is_file())


def pre_commit(home: Path, project: Path, *args: str) -> tuple[int, str]:
    """Run ``python -m pre_commit ARGS`` in ``project``; return its exit code and all its output."""
    environment = {
        **os.environ,
        **GIT_ENV,
        "PRE_COMMIT_HOME": os.fspath(home),
        "PRE_COMMIT_COLOR": "never",
        "NO_COLOR": "1",
    }
    for variable in ("LOGANALYZER_FORMAT", "VIRTUAL_ENV", "PYTHONPATH"):
        environment.pop(variable, None)
    completed = subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=project,
        capture_output=True,
        text=True,
        env=environment,
        timeout=900,
        check=False,
    )
    output = completed.stdout + completed.stderr
    assert "An unexpected error has occurred" not in output, output
    assert "Traceback" not in output, output
    return completed.returncode, output


@pytest.fixture
def run_hook(hook_config: Path, pre_commit_home: Path, project: Path):
    """``pre-commit run loganalyzer --verbose ARGS`` with the shared hook environment."""

    def run(*args: str) -> tuple[int, str]:
        return pre_commit(
            pre_commit_home,
            project,
            "run",
            "--config",
            os.fspath(hook_config),
            "loganalyzer",
            "--verbose",
            *args,
        )

    return run


def test_try_repo_hook_fails_on_an_overfitting_run(hook_repo: Path, tmp_path: Path, project: Path) -> None:
    add(project, OVERFIT_CSV / "training.log", "runs/exp1/training.log")
    args = ("try-repo", os.fspath(hook_repo), "loganalyzer", "--verbose", "--all-files")
    code, output = pre_commit(tmp_path / "pre-commit-home", project, *args)
    assert code != 0, output
    assert re.search(r"^loganalyzer\.+Failed$", output, re.M), output
    assert "- exit code: 1" in output
    assert "OF001" in output and "rising-validation-loss" in output
    assert "runs/exp1/training.log" in output


def test_hook_fails_on_an_overfitting_run(run_hook, project: Path) -> None:
    add(project, OVERFIT_CSV / "training.log", "runs/exp1/training.log")
    code, output = run_hook("--all-files")
    assert code != 0, output
    assert re.search(r"^loganalyzer\.+Failed$", output, re.M), output
    assert "OF001" in output


def test_hook_passes_on_a_healthy_run(run_hook, project: Path) -> None:
    add(project, HEALTHY_CSV / "training.log", "runs/exp1/training.log")
    # Matches the hook's file pattern but is not a log: skipped (--ignore-unknown), not an error.
    (project / "runs" / "exp1" / "train_config.json").write_text('{"lr": 0.001, "batch_size": 32}\n')
    git("add", "runs", cwd=project)
    code, output = run_hook("--all-files")
    assert code == 0, output
    assert re.search(r"^loganalyzer\.+Passed$", output, re.M), output


def test_hook_groups_keras_tensorboard_train_and_validation_files_into_one_run(
    run_hook, project: Path
) -> None:
    files = add(project, OVERFIT_TB / "logs", "logs")
    event_files = [f for f in files if "tfevents" in f]
    assert {Path(f).parent.name for f in event_files} == {"train", "validation"}
    code, output = run_hook("--files", *event_files)
    assert code != 0, output
    assert re.search(r"^loganalyzer\.+Failed$", output, re.M), output
    assert "OF001" in output
    # One run named after the directory holding train/ and validation/, not one per event file.
    assert re.search(r"^logs\s+\(tensorboard, \d+ points\)", output, re.M), output
    assert re.search(r"\bin 1 of 1 run\b", output), output


def test_hook_passes_on_a_healthy_tensorboard_run(run_hook, project: Path) -> None:
    add(project, HEALTHY_TB / "logs", "logs")
    code, output = run_hook("--all-files")
    assert code == 0, output
    assert re.search(r"^loganalyzer\.+Passed$", output, re.M), output


def test_try_repo_on_a_commit_that_changes_only_the_validation_file_judges_the_whole_run(
    hook_repo: Path, tmp_path: Path, project: Path
) -> None:
    # The training curve is already committed; this commit only adds the validation events, so
    # pre-commit passes that one file. Alone it has no training curve and 6 of 10 rules would skip;
    # the hook must read it with its run (logs/train + logs/validation) and find the overfitting.
    train = next((OVERFIT_TB / "logs" / "train").iterdir())
    add(project, train, f"logs/train/{train.name}")
    git("commit", "-q", "-m", "training curve", cwd=project)
    validation = next((OVERFIT_TB / "logs" / "validation").iterdir())
    add(project, validation, f"logs/validation/{validation.name}")
    args = ("try-repo", os.fspath(hook_repo), "loganalyzer", "--verbose")
    code, output = pre_commit(tmp_path / "pre-commit-home", project, *args)
    assert code != 0, output
    assert re.search(r"^loganalyzer\.+Failed$", output, re.M), output
    assert "OF001" in output and "rising-validation-loss" in output
    assert re.search(r"^logs\s+\(tensorboard, \d+ points\)", output, re.M), output
