"""Grid routes: the path of a leg between two intersections, its length and its segments.

A leg goes along one road and turns once onto the crossing road (``hfirst``: along the
start's row first, then along the destination's column; otherwise column first; drivers
take the faster of the two, ``week.faster_turn``). Lengths
are sums of whole-millimetre segment lengths (``Scenario.edge_len_mm``) read from the
scenario's prefix sums, so a leg's length is known without listing its segments.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from simulator.model.scenario import Scenario

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]


def steps(sc: Scenario, a: I64, b: I64) -> I64:
    """Segments on a leg from node ``a`` to node ``b`` (either order of turns)."""
    cols = sc.cols
    return np.asarray(np.abs(b // cols - a // cols) + np.abs(b % cols - a % cols), dtype=np.int64)


def _along(
    sc: Scenario, a: I64, b: I64, hfirst: Bool, row: np.ndarray, col: np.ndarray
) -> np.ndarray:
    cols = sc.cols
    ra, ca, rb, cb = a // cols, a % cols, b // cols, b % cols
    h_first = np.abs(row[ra, cb] - row[ra, ca]) + np.abs(col[cb, rb] - col[cb, ra])
    v_first = np.abs(col[ca, rb] - col[ca, ra]) + np.abs(row[rb, cb] - row[rb, ca])
    return np.where(hfirst, h_first, v_first)


def length_mm(sc: Scenario, a: I64, b: I64, hfirst: Bool) -> I64:
    """A leg's length in whole millimetres (the sum of its segments' lengths)."""
    return np.asarray(_along(sc, a, b, hfirst, sc.row_mm, sc.col_mm), dtype=np.int64)


def limit_s(sc: Scenario, a: I64, b: I64, hfirst: Bool) -> F64:
    """Seconds a leg takes driven at the speed limit all the way."""
    return np.asarray(_along(sc, a, b, hfirst, sc.row_limit_s, sc.col_limit_s))


def node_after(sc: Scenario, a: I64, b: I64, hfirst: Bool, k: I64) -> I64:
    """The node reached after ``k`` segments of the leg ``a -> b``."""
    cols = sc.cols
    ra, ca = a // cols, a % cols
    dr, dc = b // cols - ra, b % cols - ca
    sr, sc_ = np.sign(dr), np.sign(dc)
    adr, adc = np.abs(dr), np.abs(dc)
    h_r = np.where(k <= adc, ra, ra + sr * (k - adc))
    h_c = np.where(k <= adc, ca + sc_ * k, ca + dc)
    v_r = np.where(k <= adr, ra + sr * k, ra + dr)
    v_c = np.where(k <= adr, ca, ca + sc_ * (k - adr))
    r = np.where(hfirst, h_r, v_r)
    c = np.where(hfirst, h_c, v_c)
    return np.asarray(r * cols + c, dtype=np.int64)


def turns_after(sc: Scenario, a: I64, b: I64, hfirst: Bool, k: I64) -> Bool:
    """Whether the leg turns at the node after its ``k``-th segment (k from 1)."""
    cols = sc.cols
    adr = np.abs(b // cols - a // cols)
    adc = np.abs(b % cols - a % cols)
    corner = np.where(hfirst, adc, adr)
    return np.asarray((k == corner) & (adr > 0) & (adc > 0))
