"""Write the small synthetic logs in ``tests/formats/data/``, one or more per format.

    python -m tests.formats.make_data

Each is a short, plausible run (loss falling with noise, validation loss
turning up near the end) written the way its trainer writes it, from the
format's documentation and public examples, not copied from any log. The
files are committed; this script documents how they were made and rewrites
them deterministically.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parent / "data"


def curves(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A training loss falling to a floor and a validation loss that turns up after 60% of the run."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    train = 0.3 + 2.0 * np.exp(-t / (n / 5)) + rng.normal(0, 0.01, n)
    val = (
        0.45
        + 2.0 * np.exp(-t / (n / 5))
        + np.where(t > 0.6 * n, 0.03 * (t - 0.6 * n), 0)
        + rng.normal(0, 0.01, n)
    )
    return np.round(train, 4), np.round(val, 4)


def write(relative: str, text: str) -> None:
    path = DATA / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="")


def jsonl(rows: list[dict[str, object]]) -> str:
    return "".join(json.dumps(row) + "\n" for row in rows)


def mlflow() -> None:
    for run, seed in (("0a1b2c3d4e5f", 1), ("9f8e7d6c5b4a", 2)):
        base = f"mlflow/mlruns/1/{run}"
        write(
            f"{base}/meta.yaml",
            f"artifact_uri: file:///tmp/mlruns/1/{run}/artifacts\nend_time: 1700000600000\n"
            f"experiment_id: '1'\nlifecycle_stage: active\nrun_id: {run}\nrun_name: run-{seed}\n"
            "start_time: 1700000000000\nstatus: 3\n",
        )
        train, val = curves(20, seed)
        for name, values in (("loss", train), ("val_loss", val), ("train/accuracy", 1 - train / 3)):
            write(
                f"{base}/metrics/{name}",
                "".join(f"{1700000000000 + 30000 * i} {v:.4f} {i}\n" for i, v in enumerate(values)),
            )
        write(f"{base}/params/learning_rate", "0.001")
        write(f"{base}/tags/mlflow.runName", f"run-{seed}")
    write(
        "mlflow/mlruns/1/meta.yaml",
        "artifact_location: file:///tmp/mlruns/1\nexperiment_id: '1'\nname: demo\n",
    )


def sacred() -> None:
    train, val = curves(15, 3)
    stamps = [f"2024-05-01T10:{i:02d}:00.000000" for i in range(15)]
    metrics = {
        "train.loss": {"steps": list(range(15)), "timestamps": stamps, "values": train.tolist()},
        "val.loss": {"steps": list(range(15)), "timestamps": stamps, "values": val.tolist()},
    }
    write("sacred/my_runs/1/metrics.json", json.dumps(metrics, indent=2))
    write(
        "sacred/my_runs/1/run.json",
        json.dumps(
            {
                "status": "COMPLETED",
                "command": "train",
                "start_time": "2024-05-01T10:00:00",
                "experiment": {"name": "mnist"},
            },
            indent=2,
        ),
    )
    write("sacred/my_runs/1/config.json", json.dumps({"lr": 0.01, "seed": 3}, indent=2))


def detectron2() -> None:
    train, val = curves(30, 4)
    rows: list[dict[str, object]] = []
    for i, loss in enumerate(train):
        iteration = 20 * i + 19
        row: dict[str, object] = {
            "data_time": 0.004,
            "eta_seconds": 600 - 20 * i,
            "iteration": iteration,
            "loss_box_reg": round(loss * 0.4, 4),
            "loss_cls": round(loss * 0.6, 4),
            "lr": 0.00025,
            "max_mem": 2100 + i,
            "time": 0.31,
            "total_loss": loss,
        }
        if i % 5 == 4:
            row["validation_loss"] = float(val[i])
        rows.append(row)
        if i % 10 == 9:
            rows.append({"bbox/AP": round(20 + i, 3), "bbox/AP50": round(40 + i, 3), "iteration": iteration})
    write("detectron2/output/metrics.json", jsonl(rows))


def mmengine() -> None:
    train, _ = curves(60, 5)
    rows: list[dict[str, object]] = []
    for i, loss in enumerate(train):
        epoch, it = i // 10 + 1, (i % 10 + 1) * 50
        rows.append(
            {
                "lr": 0.02,
                "data_time": 0.01,
                "loss": loss,
                "loss_cls": round(loss * 0.5, 4),
                "time": 0.4,
                "epoch": epoch,
                "iter": it,
                "memory": 3000,
                "step": (epoch - 1) * 500 + it,
            }
        )
        if i % 10 == 9:
            rows.append(
                {"coco/bbox_mAP": round(0.1 + 0.02 * epoch, 3), "data_time": 0.02, "time": 0.1, "step": epoch}
            )
    write("mmengine/scalars.json", jsonl(rows))


def mmcv_log_json() -> None:
    train, val = curves(40, 6)
    rows: list[dict[str, object]] = [
        {"env_info": "sys.platform: linux", "config": "model = dict()", "seed": 0}
    ]
    for i, loss in enumerate(train):
        epoch, it = i // 8 + 1, (i % 8 + 1) * 50
        rows.append(
            {
                "mode": "train",
                "epoch": epoch,
                "iter": it,
                "lr": 0.02,
                "memory": 3500,
                "data_time": 0.01,
                "loss_rpn_cls": round(loss * 0.2, 4),
                "loss": loss,
                "time": 0.5,
            }
        )
        if i % 8 == 7:
            rows.append(
                {
                    "mode": "val",
                    "epoch": epoch,
                    "iter": 125,
                    "lr": 0.02,
                    "loss": float(val[i]),
                    "bbox_mAP": round(0.2 + 0.01 * epoch, 3),
                }
            )
    write("mmcv/20240501_101010.log.json", jsonl(rows))


def deit() -> None:
    train, val = curves(30, 7)
    train[20] = round(train[20] * 6, 4)  # a spike at epoch 20 that decays over the next epochs
    train[21] = round(train[21] * 2.5, 4)
    rows = [
        {
            "train_lr": 0.0005,
            "train_loss": float(t),
            "test_loss": float(v),
            "test_acc1": round(80 - 10 * v, 3),
            "test_acc5": 95.0,
            "epoch": e,
            "n_parameters": 5717416,
        }
        for e, (t, v) in enumerate(zip(train, val, strict=True))
    ]
    write("deit/log.txt", jsonl(rows))


def llama_factory() -> None:
    train, val = curves(40, 8)
    rows: list[dict[str, object]] = []
    for i, loss in enumerate(train):
        step = 10 * (i + 1)
        elapsed = 23 * (i + 1)
        rows.append(
            {
                "current_steps": step,
                "total_steps": 400,
                "loss": loss,
                "learning_rate": 5e-5,
                "epoch": round(step / 200, 4),
                "percentage": round(step / 4, 2),
                "elapsed_time": f"{elapsed // 3600}:{elapsed // 60 % 60:02d}:{elapsed % 60:02d}",
                "remaining_time": "0:10:00",
                "throughput": "0.00",
                "total_tokens": 0,
            }
        )
        if i % 10 == 9:
            rows.append(
                {
                    "current_steps": step,
                    "total_steps": 400,
                    "eval_loss": float(val[i]),
                    "epoch": round(step / 200, 4),
                    "percentage": round(step / 4, 2),
                    "elapsed_time": f"0:{elapsed // 60:02d}:{elapsed % 60:02d}",
                    "remaining_time": "0:10:00",
                }
            )
    write("llama-factory/trainer_log.jsonl", jsonl(rows))


def yolov5_txt() -> None:
    train, val = curves(20, 9)
    lines = []
    for e, (t, v) in enumerate(zip(train, val, strict=True)):
        box, obj, cls = t * 0.05, t * 0.04, t * 0.01
        lines.append(
            f"{e:>10}/19 {3.1 + 0.01 * e:9.3g}G {box:9.4g} {obj:9.4g} {cls:9.4g} {box + obj + cls:9.4g}"
            f" {40 + e:9d} {640:9d} {0.5 + 0.01 * e:9.4g} {0.4 + 0.01 * e:9.4g} {0.3 + 0.01 * e:9.4g}"
            f" {0.1 + 0.005 * e:9.4g} {v * 0.05:9.4g} {v * 0.04:9.4g} {v * 0.01:9.4g}"
        )
    write("yolov5/results.txt", "\n".join(lines) + "\n")


def ultralytics_csv() -> None:
    train, val = curves(15, 10)
    header = (
        "epoch,time,train/box_loss,train/cls_loss,train/dfl_loss,metrics/precision(B),metrics/recall(B),"
        "metrics/mAP50(B),metrics/mAP50-95(B),val/box_loss,val/cls_loss,val/dfl_loss,lr/pg0,lr/pg1,lr/pg2"
    )
    rows = [header]
    for e, (t, v) in enumerate(zip(train, val, strict=True)):
        rows.append(
            f"{e + 1},{31.5 * (e + 1):.3f},{t * 0.5:.5f},{t * 0.3:.5f},{t * 0.2:.5f},0.6,0.5,0.55,0.35,"
            f"{v * 0.5:.5f},{v * 0.3:.5f},{v * 0.2:.5f},0.001,0.001,0.001"
        )
    write("ultralytics/results.csv", "\n".join(rows) + "\n")


def keras_console() -> None:
    train, val = curves(8, 11)
    out = []
    for e, (t, v) in enumerate(zip(train, val, strict=True), start=1):
        out.append(f"Epoch {e}/8\n")
        states = [
            f"{b:4d}/1875 [{'=' * (b * 30 // 1875):<30}] - ETA: {(1875 - b) // 600}s - loss: {t + 0.1:.4f}"
            f" - accuracy: 0.8000"
            for b in (1, 600, 1200, 1800)
        ]
        final = (
            f"1875/1875 [==============================] - 4s 2ms/step - loss: {t:.4f} - accuracy: "
            f"{1 - t / 3:.4f} - val_loss: {v:.4f} - val_accuracy: {1 - v / 3:.4f}"
        )
        out.append("\r".join([*states, final]) + "\n")
    write("console/keras-fit.log", "".join(out))
    verbose2 = "".join(
        f"Epoch {e}/8\n1875/1875 - 3s - loss: {t:.4f} - accuracy: {1 - t / 3:.4f} - val_loss: "
        f"{v:.4f} - val_accuracy: {1 - v / 3:.4f} - 3s/epoch - 2ms/step\n"
        for e, (t, v) in enumerate(zip(train, val, strict=True), start=1)
    )
    write(
        "console/keras-fit-verbose2.txt",
        "2024-05-01 10:00:00.123: I tensorflow/core/platform] oneDNN on\n" + verbose2,
    )


def wandb_output_log() -> None:
    train, val = curves(12, 12)
    lines = [
        "wandb: Tracking run with wandb version 0.16.0",
        "Loading dataset...",
        "Model has 1.2M parameters",
    ]
    for e, (t, v) in enumerate(zip(train, val, strict=True)):
        lines.append(f"epoch {e} | train_loss={t:.4f} val_loss={v:.4f} lr=0.0010 | 12.3s")
    write("console/wandb/files/output.log", "\n".join(lines) + "\n")


def mmcv_console() -> None:
    train, _val = curves(24, 13)
    green, reset = "\x1b[32m", "\x1b[0m"
    lines = [f"2024-05-01 10:00:00,000 - mmdet - {green}INFO{reset} - Environment info: ..."]
    for i, t in enumerate(train):
        epoch, it = i // 6 + 1, (i % 6 + 1) * 50
        lines.append(
            f"2024-05-01 10:{i:02d}:00,000 - mmdet - {green}INFO{reset} - Epoch [{epoch}][{it}/300]\t"
            f"lr: 2.000e-02, eta: 0:{59 - i:02d}:00, time: 0.512, data_time: 0.010, memory: 3720, "
            f"loss_cls: {t * 0.4:.4f}, loss_bbox: {t * 0.6:.4f}, loss: {t:.4f}"
        )
        if i % 6 == 5:
            lines.append(
                f"2024-05-01 10:{i:02d}:30,000 - mmdet - {green}INFO{reset} - Epoch(val) [{epoch}][125]\t"
                f"bbox_mAP: {0.2 + 0.01 * epoch:.4f}, bbox_mAP_50: {0.4 + 0.01 * epoch:.4f}"
            )
    write("console/mmdet.log", "\n".join(lines) + "\n")


def swin_console() -> None:
    train, _ = curves(20, 14)
    lines = []
    for i, t in enumerate(train):
        epoch, it = i // 4, (i % 4) * 300
        lines.append(
            f"[2024-05-01 10:{i:02d}:00 swin_tiny] (main.py 230): INFO Train: [{epoch}/300][{it}/1251]\t"
            f"eta 1 day, 2:03:04 lr 0.000100\ttime 0.5120 (0.5200)\tloss {t:.4f} ({t + 0.05:.4f})\t"
            f"grad_norm 2.1000 (2.5000)\tmem 11000MB"
        )
        if i % 4 == 3:
            lines.append(
                f"[2024-05-01 10:{i:02d}:30 swin_tiny] (main.py 290): INFO  * Acc@1 {60 + epoch:.3f} "
                f"Acc@5 {85 + epoch:.3f}"
            )
    write("console/swin.log", "\n".join(lines) + "\n")


def yolo_console() -> None:
    train, _ = curves(10, 15)
    lines = ["Starting training for 10 epochs...", ""]
    for e, t in enumerate(train):
        lines.append("      Epoch   gpu_mem       box       obj       cls    labels  img_size")
        states = [
            f"{e:>11}/9     3.21G {t * 0.05 + 0.01:9.4g} {t * 0.04:9.4g} {t * 0.01:9.4g}        {30 + b:d}"
            f"       640:  {b * 10:3d}%|##        | {b}/10 [00:0{b}<00:05,  1.9it/s]"
            for b in (1, 5, 10)
        ]
        lines.append("\r".join(states))
        lines.append("               Class     Images     Labels          P          R     mAP@.5 mAP@.5:.95")
        lines.append(
            f"                 all        128        929      {0.5 + e * 0.01:.3f}      {0.4 + e * 0.01:.3f}"
            f"      {0.45 + e * 0.01:.3f}      {0.25 + e * 0.01:.3f}"
        )
    write("console/yolov5-train.log", "\n".join(lines) + "\n")


def generic_console() -> None:
    train, val = curves(10, 16)
    lines = ["Using device: cuda", ""]
    for e, (t, v) in enumerate(zip(train, val, strict=True), start=1):
        lines += [
            f"Epoch {e}/10",
            "----------",
            f"train Loss: {t:.4f} Acc: {1 - t / 3:.4f}",
            f"val Loss: {v:.4f} Acc: {1 - v / 3:.4f}",
            "",
        ]
    write("console/pytorch-tutorial.txt", "\n".join(lines) + "\n")


def tqdm_console() -> None:
    train, _ = curves(50, 23)
    states = ["  0%|          | 0/50 [00:00<?, ?it/s]"]
    for k, t in enumerate(train, start=1):
        # tqdm redraws the bar at each update; the postfix shows the latest loss.
        states.append(f"loss: {t:.4f}: {2 * k:3d}%|#         | {k - 1}/50 [00:0{k % 10}<00:10,  4.2it/s]")
        states.append(f"loss: {t:.4f}: {2 * k:3d}%|#         | {k}/50 [00:0{k % 10}<00:10,  4.2it/s]")
    write("console/tqdm-postfix.log", "Using device cpu\n" + "\r".join(states) + "\n")


def wandb_exports() -> None:
    train, val = curves(20, 17)
    rows: list[dict[str, object]] = []
    for i, (t, v) in enumerate(zip(train, val, strict=True)):
        rows.append(
            {
                "train/loss": float(t),
                "val/loss": float(v),
                "epoch": i,
                "_step": i,
                "_runtime": round(12.5 * (i + 1), 2),
                "_timestamp": 1714557600 + 12.5 * (i + 1),
            }
        )
    rows[5]["examples"] = {"_type": "images/separated", "count": 4, "height": 28, "width": 28}
    write("wandb/wandb-history.jsonl", jsonl(rows))
    csv = ["_step,_runtime,_timestamp,train/loss,val/loss"] + [
        f"{i},{12.5 * (i + 1):.2f},{1714557600 + 12.5 * (i + 1):.1f},{t:.4f},{v:.4f}"
        for i, (t, v) in enumerate(zip(train, val, strict=True))
    ]
    write("wandb/wandb_export_2024-05-01.csv", "\n".join(csv) + "\n")
    # A chart panel's CSV: one column group per run, with the min/max band of each metric.
    panel = [
        "Step,lr-3e-4 - val/loss,lr-3e-4 - val/loss__MIN,lr-3e-4 - val/loss__MAX,"
        "lr-1e-3 - val/loss,lr-1e-3 - val/loss__MIN,lr-1e-3 - val/loss__MAX"
    ]
    for i, v in enumerate(val):
        panel.append(
            f"{i * 100},{v:.4f},{v - 0.01:.4f},{v + 0.01:.4f},{v * 1.1:.4f},{v * 1.1 - 0.01:.4f},"
            f"{v * 1.1 + 0.01:.4f}"
        )
    write("wandb/wandb_panel_val_loss.csv", "\n".join(panel) + "\n")


def timm_fastai() -> None:
    train, val = curves(15, 18)
    timm = ["epoch,train_loss,eval_loss,eval_top1,eval_top5,lr"] + [
        f"{e},{t:.6f},{v:.6f},{70 + e * 0.5:.3f},{90 + e * 0.2:.3f},0.0005"
        for e, (t, v) in enumerate(zip(train, val, strict=True))
    ]
    write("timm/summary.csv", "\n".join(timm) + "\n")
    fastai = ["epoch,train_loss,valid_loss,accuracy,time"] + [
        f"{e},{t:.6f},{v:.6f},{1 - v / 3:.6f},{0 if e < 9 else 1:02d}:{(13 + e * 7) % 60:02d}"
        for e, (t, v) in enumerate(zip(train, val, strict=True))
    ]
    write("fastai/history.csv", "\n".join(fastai) + "\n")


def odd_csvs() -> None:
    train, val = curves(20, 19)
    gan = ["Epoch,Gen Loss,Disc Loss"] + [
        f"{e},{t + 1:.4f},{0.69 + (v - t) * 0.1:.4f}" for e, (t, v) in enumerate(zip(train, val, strict=True))
    ]
    write("odd-csv/gan_losses.csv", "\n".join(gan) + "\n")
    registry = ["model_version,record_type,epoch,train_loss,val_loss,val_acc"]
    for version, scale in (("v1", 1.0), ("v2", 0.8)):
        for e, (t, v) in enumerate(zip(train, val, strict=True)):
            registry.append(f"{version},epoch,{e},{t * scale:.4f},{v * scale:.4f},{1 - v * scale / 3:.4f}")
        # A summary row stamped with the last epoch (would overwrite its point) or with no epoch at all.
        last = "19" if version == "v1" else ""
        registry.append(f"{version},summary,{last},{train.mean() * scale:.4f},{val.min() * scale:.4f},0.9")
    write("odd-csv/model_registry.csv", "\n".join(registry) + "\n")
    # No loss logged, only epoch times, with an input-pipeline stall at epoch 12.
    time_only = ["epoch,epoch_time_s"] + [
        f"{e},{30 + (e % 3) * 0.4 + (28 if e == 12 else 0):.2f}" for e in range(20)
    ]
    write("odd-csv/timing.csv", "\n".join(time_only) + "\n")
    write(
        "odd-csv/hf/train_results.json",
        json.dumps(
            {
                "epoch": 3.0,
                "total_flos": 1.2e15,
                "train_loss": 0.41,
                "train_runtime": 812.5,
                "train_samples_per_second": 44.3,
                "train_steps_per_second": 2.8,
            },
            indent=4,
        ),
    )
    write(
        "odd-csv/hf/eval_results.json",
        json.dumps(
            {
                "epoch": 3.0,
                "eval_loss": 0.52,
                "eval_accuracy": 0.87,
                "eval_runtime": 21.3,
                "eval_samples_per_second": 187.6,
            },
            indent=4,
        ),
    )


def split_rows_fixture(root: Path) -> None:
    """Two rows per epoch told apart by a ``phase`` column; validation loss rises 78% from its best."""
    rng = np.random.default_rng(20)
    rows = ["epoch,phase,loss,accuracy"]
    for e in range(40):
        t = 0.2 + 1.8 * math.exp(-e / 6) + rng.normal(0, 0.005)
        v = 0.5 + 1.5 * math.exp(-e / 6) + (0.0 if e < 18 else 0.018 * (e - 18)) + rng.normal(0, 0.004)
        rows.append(f"{e},train,{t:.4f},{1 - t / 4:.4f}")
        rows.append(f"{e},val,{v:.4f},{1 - v / 4:.4f}")
    (root / "history.csv").write_text("\n".join(rows) + "\n")


def deit_spike_fixture(root: Path) -> None:
    """DeiT log.txt, 60 epochs: a training-loss spike at epoch 41 that decays back over later epochs."""
    rng = np.random.default_rng(21)
    rows = []
    for e in range(60):
        t = 2.2 + 4.6 * math.exp(-e / 12) + rng.normal(0, 0.01)
        if 41 <= e <= 44:
            t *= (2.4, 1.6, 1.2, 1.05)[e - 41]
        v = 1.5 + 3.8 * math.exp(-e / 12) + rng.normal(0, 0.01)
        rows.append(
            {
                "train_lr": 0.0005,
                "train_loss": round(t, 4),
                "test_loss": round(v, 4),
                "test_acc1": round(80 - 5 * v, 3),
                "test_acc5": 95.0,
                "epoch": e,
                "n_parameters": 5717416,
            }
        )
    (root / "log.txt").write_text(jsonl(rows))


def ultralytics_val_off_fixture(root: Path) -> None:
    """Ultralytics 8.3 results.csv trained with ``val=False``: every val/* and metrics/* cell empty."""
    rng = np.random.default_rng(22)
    header = (
        "epoch,time,train/box_loss,train/cls_loss,train/dfl_loss,metrics/precision(B),metrics/recall(B),"
        "metrics/mAP50(B),metrics/mAP50-95(B),val/box_loss,val/cls_loss,val/dfl_loss,lr/pg0,lr/pg1,lr/pg2"
    )
    rows = [header]
    for e in range(1, 51):
        t = 1 + 2 * math.exp(-e / 10) + rng.normal(0, 0.01)
        rows.append(f"{e},{30.1 * e:.2f},{t * 0.5:.5f},{t * 0.3:.5f},{t * 0.2:.5f},,,,,,,,0.001,0.001,0.001")
    (root / "results.csv").write_text("\n".join(rows) + "\n")


def write_run_fixtures(fixtures: Path) -> None:
    """The issue-10 layout cases as run fixtures (fixtures/<name>/ with expected.toml written by hand)."""
    for name, make in (
        ("split-rows-overfit-csv", split_rows_fixture),
        ("spike-deit-logtxt", deit_spike_fixture),
        ("ultralytics-val-off", ultralytics_val_off_fixture),
    ):
        (fixtures / name).mkdir(parents=True, exist_ok=True)
        make(fixtures / name)


def main() -> None:
    for make in (
        mlflow,
        sacred,
        detectron2,
        mmengine,
        mmcv_log_json,
        deit,
        llama_factory,
        yolov5_txt,
        ultralytics_csv,
        keras_console,
        wandb_output_log,
        mmcv_console,
        swin_console,
        yolo_console,
        generic_console,
        tqdm_console,
        wandb_exports,
        timm_fastai,
        odd_csvs,
    ):
        make()
    write_run_fixtures(Path(__file__).resolve().parents[2] / "fixtures")


if __name__ == "__main__":
    main()
