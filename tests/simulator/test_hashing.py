"""Counter-based randomness: same inputs, same draws, whatever the array shape."""

from __future__ import annotations

import uuid

import numpy as np

from simulator.model.hashing import hash64, normal, normal_pair, salt, uniform, uuid_bytes


def test_draws_depend_only_on_their_inputs() -> None:
    s = salt("city", 1, "x")
    a = np.arange(1000)
    whole = uniform(s, a, 5)
    assert np.array_equal(whole[10:20], uniform(s, a[10:20], 5))
    assert uniform(s, 17, 5) == whole[17]
    assert not np.array_equal(whole, uniform(s, a, 6))
    assert not np.array_equal(whole, uniform(salt("city", 2, "x"), a, 5))


def test_distributions_look_right() -> None:
    s = salt("test")
    u = uniform(s, np.arange(200_000))
    assert u.min() >= 0 and u.max() < 1 and abs(u.mean() - 0.5) < 0.01
    assert np.histogram(u, bins=10, range=(0, 1))[0].min() > 19_000
    z = normal(s, np.arange(200_000))
    assert abs(z.mean()) < 0.02 and abs(z.std() - 1) < 0.02
    z1, z2 = normal_pair(s, np.arange(200_000))
    assert abs(np.corrcoef(z1, z2)[0, 1]) < 0.02


def test_hash_broadcasts() -> None:
    h = hash64(salt("b"), np.arange(3)[:, None], np.arange(4)[None, :])
    assert h.shape == (3, 4) and len(set(h.ravel().tolist())) == 12


def test_uuids_are_canonical_version_8() -> None:
    ids = uuid_bytes(salt("u"), np.arange(5000), 42)
    assert ids.dtype == np.dtype("S36")
    parsed = [uuid.UUID(x) for x in ids.astype(str)]
    assert all(p.version == 8 and p.variant == uuid.RFC_4122 for p in parsed)
    assert [str(p) for p in parsed] == ids.astype(str).tolist()  # lower-case canonical text
    assert len(set(parsed)) == 5000
    assert np.array_equal(uuid_bytes(salt("u"), np.arange(5000), 42), ids)
