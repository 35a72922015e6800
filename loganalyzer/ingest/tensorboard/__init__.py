"""The TensorBoard stack: event files in, raw series out.

``reader`` is the entry point the registry names (``FORMAT``, ``sniff``,
``read``); ``tfrecord`` cuts a file into checksummed records, ``crc32c``
verifies them, ``events`` decodes Event protos into points (imported on first
read, since it loads protobuf), and ``_state`` holds what the reader and the
decoder share.
"""
