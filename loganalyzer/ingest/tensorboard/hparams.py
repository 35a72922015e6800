"""TensorBoard's HParams plugin data: the hyperparameters a run logged with its event files.

``hp.hparams(...)`` (Keras callback, ``tf.summary``) and PyTorch's
``SummaryWriter.add_hparams`` write a summary value whose metadata names the
``hparams`` plugin and whose plugin content is an ``HParamsPluginData``
protobuf; its ``session_start_info.hparams`` maps each name to a
``google.protobuf.Value`` (number, string or bool). The event reader hands
that content here and puts the result in the run's metadata, so an audit can
show hyperparameters as columns. Content that does not decode is ignored:
it never affects the metrics.
"""

from __future__ import annotations

from typing import Any

#: ``SummaryMetadata.plugin_data.plugin_name`` of the HParams plugin.
PLUGIN_NAME = "hparams"
#: Plugin content larger than this is not a session's few hyperparameters; not decoded.
MAX_CONTENT_BYTES = 1 << 20
#: At most this many hyperparameters are kept per run.
MAX_HPARAMS = 1000

HParamValue = str | float | bool | None


def collect(content: bytes, into: dict[str, HParamValue]) -> None:
    """Add the hyperparameters of one ``HParamsPluginData`` payload to ``into`` (first value wins)."""
    if not content or len(content) > MAX_CONTENT_BYTES:
        return
    from google.protobuf.message import DecodeError
    from tensorboard.plugins.hparams import plugin_data_pb2

    try:
        data = plugin_data_pb2.HParamsPluginData.FromString(content)
    except (DecodeError, ValueError, RecursionError):
        return
    if data.WhichOneof("data") != "session_start_info":
        return
    for name in sorted(data.session_start_info.hparams):
        if len(into) >= MAX_HPARAMS:
            return
        into.setdefault(str(name), _plain(data.session_start_info.hparams[name]))


def _plain(value: Any) -> HParamValue:
    """A ``google.protobuf.Value`` as a JSON-native scalar (lists and structs as their text)."""
    kind = value.WhichOneof("kind")
    if kind == "number_value":
        number = float(value.number_value)
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if kind == "string_value":
        return str(value.string_value)
    if kind == "bool_value":
        return bool(value.bool_value)
    if kind in ("list_value", "struct_value"):
        return str(value).replace("\n", " ").strip()
    return None
