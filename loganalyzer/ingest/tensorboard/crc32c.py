"""CRC-32C (Castagnoli) checksums in the masked form TFRecord files use.

Every TFRecord stores ``masked_crc32c(length bytes)`` and
``masked_crc32c(data)``. The mask is LevelDB's: rotate right by 15 bits and
add ``0xA282EAD8`` (mod 2**32). The CRC itself always comes from the C
implementation in ``google_crc32c``; besides the masked form, this module
offers :func:`raw_crc`, CRC-32C with a zero initial register and no final xor.
In that form a message followed by its own raw CRC (little-endian) leaves a
zero register, and a concatenation of such pieces leaves zero too, which
:mod:`loganalyzer.ingest.tensorboard.tfrecord` uses to verify the data checksums of a
whole block of records with one pass.

Facts used: CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) with initial
register and final xor 0xFFFFFFFF; CRCs are linear over GF(2).
"""

from __future__ import annotations

import google_crc32c
import numpy as np

#: Added to the rotated CRC to mask it (LevelDB, TensorFlow ``crc32c::Mask``).
MASK_DELTA = 0xA282EAD8

_U32 = 0xFFFFFFFF


def mask(crc: int) -> int:
    """Mask a CRC as TFRecord stores it: rotate right 15 bits, add the delta."""
    return ((((crc >> 15) | (crc << 17)) & _U32) + MASK_DELTA) & _U32


def unmask(masked: int) -> int:
    """Undo :func:`mask`."""
    rotated = (masked - MASK_DELTA) & _U32
    return ((rotated >> 17) | (rotated << 15)) & _U32


def unmask_array(masked: np.ndarray) -> np.ndarray:
    """:func:`unmask` for a uint32 array."""
    rotated = masked.astype(np.uint32) - np.uint32(MASK_DELTA)  # wraps mod 2**32
    return (rotated >> np.uint32(17)) | (rotated << np.uint32(15))


def crc32c(data: bytes) -> int:
    """Return the standard CRC-32C of ``data``."""
    return int(google_crc32c.value(data))


def masked_crc32c(data: bytes | np.ndarray) -> int:
    """Return the masked CRC-32C of ``data`` (bytes or a contiguous uint8 array), as TFRecord stores it."""
    return mask(google_crc32c.value(data))


def raw_crc(buffer: np.ndarray) -> int:
    """CRC-32C of a contiguous uint8 array with a zero initial register and no final xor.

    ``google_crc32c.extend(c, data)`` starts from register ``~c`` and returns the
    register inverted, so passing ``0xFFFFFFFF`` and inverting the result gives
    the raw register.
    """
    return int((~google_crc32c.extend(_U32, buffer)) & _U32)
