"""Every remedy snippet is valid Python that names nothing undefined, and the PyTorch ones run.

A snippet is a change to the user's training script, so it may use the names such a script
already has (:data:`SCRIPT_NAMES`: the model, its data, its loop helpers); everything else,
modules included, it must import itself. ``ast.parse`` catches syntax errors and pyflakes
catches undefined names (a missing ``import statistics`` or ``v2``, an undefined ``local_rank``).

The slow test executes each PyTorch snippet on a toy model on CPU, with those script names bound
to small real objects; it is skipped when PyTorch is absent. Snippets that need a package the
test environment lacks (torchvision) are skipped one by one with the reason; the one that
downloads pretrained weights (:data:`NEEDS_DOWNLOAD`) is only parsed and linted (no network).
"""

from __future__ import annotations

import ast
import os
import socket
import sys
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from loganalyzer.engine.pack import load_default_pack

#: Names a snippet may take from the user's script without defining them.
SCRIPT_NAMES = frozenset(
    {
        # the model and its training objects
        "model", "optimizer", "criterion", "loss", "logits", "outputs", "step", "epochs", "max_epochs",
        "num_classes", "in_features", "input_shape", "build_model", "search_space",
        # data
        "x", "y", "x_val", "y_val", "x_train", "train_set", "extra_set", "train_dir", "train_loader",
        "val_loader", "train_ds", "val_ds", "extra_ds",
        # the user's own loop helpers and logging state
        "train_one_epoch", "evaluate", "train_step", "logs", "history_losses", "running_losses",
        "outputs_to_keep",
    }
)  # fmt: skip

#: Snippets that download weights at run time: parsed and linted, never executed.
NEEDS_DOWNLOAD = frozenset({"pretrained-model"})

#: Snippets run in a child process with a time limit: process-group set-up can block on a
#: misconfigured network, and a test must fail then, not hang the suite.
IN_A_CHILD = frozenset({"distributed-training"})

REPO = Path(__file__).resolve().parents[2]

REMEDIES = load_default_pack().remedies
SNIPPETS = [(rid, framework) for rid in sorted(REMEDIES) for framework in ("keras", "pytorch")]


def _snippet(remedy_id: str, framework: str) -> str:
    return str(getattr(REMEDIES[remedy_id], framework))


@pytest.mark.parametrize(("remedy_id", "framework"), SNIPPETS, ids=[f"{r}-{f}" for r, f in SNIPPETS])
def test_snippet_parses_and_names_nothing_undefined(remedy_id: str, framework: str) -> None:
    from pyflakes import api as pyflakes_api
    from pyflakes import messages, reporter

    code = _snippet(remedy_id, framework)
    ast.parse(code, filename=f"{remedy_id}.{framework}")
    prelude = "".join(f"{name} = None\n" for name in sorted(SCRIPT_NAMES))

    class Collect(reporter.Reporter):
        def __init__(self) -> None:
            self.found: list[str] = []

        def flake(self, message: Any) -> None:
            if isinstance(message, messages.UndefinedName | messages.UndefinedLocal):
                self.found.append(str(message))

        def syntaxError(self, *args: Any) -> None:
            self.found.append(f"syntax error: {args}")

        def unexpectedError(self, *args: Any) -> None:
            self.found.append(f"unexpected error: {args}")

    collect = Collect()
    pyflakes_api.check(prelude + code, f"{remedy_id}.{framework}", collect)
    assert collect.found == [], "\n".join(collect.found)


def test_the_lint_catches_what_it_is_for() -> None:
    from pyflakes import api as pyflakes_api
    from pyflakes import reporter

    class Count(reporter.Reporter):
        def __init__(self) -> None:
            self.count = 0

        def flake(self, message: Any) -> None:
            self.count += 1

    count = Count()
    pyflakes_api.check("median = statistics.median(running)\n", "probe", count)
    assert count.count == 2  # `statistics` and `running` are both undefined


# ---------------------------------------------------------------------------------------------
# Running the PyTorch snippets
# ---------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _toy_script(tmp_path: Path) -> dict[str, Any]:
    """The names of :data:`SCRIPT_NAMES` bound to a tiny classifier and its data, on CPU."""
    import torch
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset

    torch.manual_seed(0)
    in_features, num_classes = 8, 3
    x = torch.randn(64, in_features)
    y = torch.randint(0, num_classes, (64,))
    train_set = TensorDataset(x, y)
    model = nn.Sequential(nn.Linear(in_features, 16), nn.ReLU(), nn.Linear(16, num_classes))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    criterion = nn.CrossEntropyLoss()
    train_loader = DataLoader(train_set, batch_size=16)

    def train_one_epoch(net: Any, loader: Any, opt: Any = optimizer) -> float:
        total = 0.0
        for inputs, targets in loader:
            opt.zero_grad()
            batch_loss = criterion(net(inputs), targets)
            batch_loss.backward()
            opt.step()
            total += batch_loss.item()
        return total / len(loader)

    def evaluate(net: Any, loader: Any) -> float:
        with torch.no_grad():
            return sum(criterion(net(a), b).item() for a, b in loader) / len(loader)

    logits = model(x)
    loss = criterion(logits, y)
    return {
        "model": model, "optimizer": optimizer, "criterion": criterion, "loss": loss, "logits": logits,
        "outputs": logits, "step": 0, "epochs": 2, "max_epochs": 3, "num_classes": num_classes,
        "in_features": in_features, "x": x, "y": y, "x_val": x[:16], "y_val": y[:16], "x_train": x,
        "train_set": train_set, "extra_set": train_set, "train_loader": train_loader,
        "val_loader": DataLoader(TensorDataset(x[:16], y[:16]), batch_size=8),
        "train_dir": os.fspath(tmp_path / "images"), "train_one_epoch": train_one_epoch,
        "evaluate": evaluate, "train_step": lambda batch: train_one_epoch(model, [batch]),
        "running_losses": [], "outputs_to_keep": [], "history_losses": [], "logs": {"loss": 0.5},
    }  # fmt: skip


def _image_folder(root: Path) -> None:
    """Two classes of two tiny images each, for ``ImageFolder``."""
    from PIL import Image

    for label in ("cat", "dog"):
        (root / label).mkdir(parents=True)
        for index in range(2):
            Image.new("RGB", (32, 32), (index * 90, 40, 200)).save(root / label / f"{index}.png")


PYTORCH = sorted(REMEDIES)


@pytest.mark.slow
@pytest.mark.parametrize("remedy_id", PYTORCH)
def test_pytorch_snippet_runs_on_a_toy_model(
    remedy_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("torch", reason="PyTorch is not installed (pip install torch) ")
    if remedy_id in NEEDS_DOWNLOAD:
        pytest.skip(f"{remedy_id} downloads pretrained weights; parsed and linted only")
    code = _snippet(remedy_id, "pytorch")
    if "torchvision" in code:
        pytest.importorskip("torchvision", reason=f"{remedy_id} needs torchvision, which is not installed")
        _image_folder(tmp_path / "images")
    monkeypatch.chdir(tmp_path)  # the profiler writes its trace under ./logs
    for name, value in {
        "LOCAL_RANK": "0", "RANK": "0", "WORLD_SIZE": "1", "MASTER_ADDR": "127.0.0.1",
        "MASTER_PORT": str(_free_port()),
    }.items():  # fmt: skip
        monkeypatch.setenv(name, value)  # what torchrun sets, for a single CPU process
    namespace = _toy_script(tmp_path)
    tracing = tracemalloc.is_tracing()
    try:
        exec(compile(code, f"<{remedy_id}.pytorch>", "exec"), namespace)
    finally:
        # The leak-finding snippet starts tracemalloc (25 frames); left on, it slows every later test
        # in this process tenfold or more.
        if tracemalloc.is_tracing() and not tracing:
            tracemalloc.stop()
    if remedy_id == "pruning":
        weights = [m.weight for m in namespace["model"].modules() if hasattr(m, "weight")]
        zeros = sum(int((w == 0).sum()) for w in weights)
        assert zeros >= 0.45 * sum(w.numel() for w in weights)  # the pruned half stayed zero
    assert "torch" in sys.modules


def _run_in_a_child(remedy_id: str, tmp_path: Path) -> None:
    """Run one snippet on the toy script in a fresh interpreter, failing after a time limit."""
    import subprocess

    program = (
        "import sys; from pathlib import Path\n"
        f"sys.path.insert(0, {os.fspath(REPO)!r})\n"
        "from tests.pack.test_remedy_snippets import REMEDIES, _toy_script\n"
        f"namespace = _toy_script(Path({os.fspath(tmp_path)!r}))\n"
        f"exec(compile(REMEDIES[{remedy_id!r}].pytorch, '<{remedy_id}.pytorch>', 'exec'), namespace)\n"
    )
    environment = {**os.environ, "GLOO_SOCKET_IFNAME": "lo"}
    completed = subprocess.run(
        [sys.executable, "-c", program],
        capture_output=True,
        text=True,
        timeout=300,
        env=environment,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
