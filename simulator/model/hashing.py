"""Counter-based randomness: every random draw is a hash of *what* it is for.

The simulator never keeps a random generator's state. A draw is ``hash(salt, a, b)``, where
``salt`` names the purpose (scenario, seed and e.g. ``"gps-noise-north"``), ``a`` the entity
(a vehicle's fleet index) and ``b`` a counter (a time in ms, an item number). So the same
draw comes out whichever window, shard or batch size asks for it: that is what makes events
a pure function of (scenario, seed, window, shard).

The mixer is SplitMix64's finaliser on numpy ``uint64`` arrays (wrap-around arithmetic).
"""

from __future__ import annotations

import hashlib

import numpy as np
import numpy.typing as npt

U64 = npt.NDArray[np.uint64]
F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_K1 = np.uint64(0x9E3779B97F4A7C15)
_K2 = np.uint64(0xD6E8FEB86659FD93)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)
_SHIFT11 = np.uint64(11)
_TWO_POW_M53 = 2.0**-53
# byte -> its two lower-case hex digits, as a little-endian uint16 (first digit in the low byte)
_HEX_PAIRS = np.array(
    [ord(f"{b:02x}"[0]) | ord(f"{b:02x}"[1]) << 8 for b in range(256)], dtype="<u2"
)
# (from, to) hex digits -> position in the canonical 8-4-4-4-12 text
_UUID_GROUPS = ((0, 8, 0), (8, 12, 9), (12, 16, 14), (16, 20, 19), (20, 32, 24))


def salt(*parts: object) -> int:
    """A 64-bit salt naming one purpose, e.g. ``salt("city", 42, "gps-north")``."""
    text = "\x1f".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "little")


def _mix(z: U64) -> U64:
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


def hash64(salt_value: int, a: npt.ArrayLike, b: npt.ArrayLike = 0) -> U64:
    """64 well-mixed bits for each ``(a, b)`` pair (broadcast), under ``salt_value``."""
    aa, bb = np.broadcast_arrays(np.asarray(a), np.asarray(b))
    shape = aa.shape
    # at least 1-d: numpy warns about wrap-around on 0-d (scalar) arithmetic, not on arrays
    aa = aa.reshape(-1).astype(np.uint64)
    bb = bb.reshape(-1).astype(np.uint64)
    s = np.full(aa.shape, salt_value & 0xFFFFFFFFFFFFFFFF, dtype=np.uint64)
    h = _mix(aa * _K1 + s)
    return _mix(h ^ (bb * _K2)).reshape(shape)


def uniform(salt_value: int, a: npt.ArrayLike, b: npt.ArrayLike = 0) -> F64:
    """Uniform floats in [0, 1)."""
    return (hash64(salt_value, a, b) >> _SHIFT11).astype(np.float64) * _TWO_POW_M53


def normal(salt_value: int, a: npt.ArrayLike, b: npt.ArrayLike = 0) -> F64:
    """Standard normal floats (Box-Muller on two independent uniforms)."""
    u1 = 1.0 - uniform(salt_value, a, b)  # (0, 1]: log is finite
    u2 = uniform(salt_value ^ 0x5DEECE66D, a, b)
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


def normal_pair(salt_value: int, a: npt.ArrayLike, b: npt.ArrayLike = 0) -> tuple[F64, F64]:
    """Two independent standard normal arrays from one pair of uniforms (Box-Muller)."""
    radius = np.sqrt(-2.0 * np.log(1.0 - uniform(salt_value, a, b)))
    angle = 2.0 * np.pi * uniform(salt_value ^ 0x5DEECE66D, a, b)
    return radius * np.cos(angle), radius * np.sin(angle)


def integers(salt_value: int, n: int, a: npt.ArrayLike, b: npt.ArrayLike = 0) -> I64:
    """Integers in ``[0, n)``."""
    return (uniform(salt_value, a, b) * n).astype(np.int64)


def uuid_bytes(salt_value: int, a: npt.ArrayLike, b: npt.ArrayLike = 0) -> npt.NDArray[np.bytes_]:
    """Deterministic UUIDs as canonical text (``S36``), version 8 and the RFC 9562 variant.

    Version 8 is RFC 9562's "custom" version: the 122 free bits come from our hash of
    ``(salt, a, b)``, not from a clock or randomness (so not version 4).
    """
    hi = hash64(salt_value, a, b)
    lo = hash64(salt_value ^ 0x2545F4914F6CDD1D, a, b)
    hi = (hi & np.uint64(0xFFFFFFFFFFFF0FFF)) | np.uint64(0x0000000000008000)
    lo = (lo & np.uint64(0x3FFFFFFFFFFFFFFF)) | np.uint64(0x8000000000000000)
    words = np.stack([hi.ravel(), lo.ravel()], axis=1).astype(">u8")
    raw = words.view(np.uint8).reshape(-1, 16)
    digits = _HEX_PAIRS[raw].view(np.uint8).reshape(-1, 32)  # two hex digits per byte
    text = np.empty((raw.shape[0], 36), dtype=np.uint8)
    for start, stop, at in _UUID_GROUPS:
        text[:, at : at + stop - start] = digits[:, start:stop]
    text[:, [8, 13, 18, 23]] = ord("-")
    return text.view("S36").reshape(hi.shape)
