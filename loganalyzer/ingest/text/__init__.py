"""The text stack: Keras CSV/JSON, JSON Lines and Hugging Face trainer state.

One module per format (``FORMAT``, ``sniff``, ``read``), over shared helpers
with plain names: ``files`` (read a file, cut physical lines), ``outline``
(a forgiving scan of JSON text for sniffers), ``vocab`` (which names make a
table a training log), ``table`` (columns to raw series) and ``segments``
(appended sessions in one file).
"""
