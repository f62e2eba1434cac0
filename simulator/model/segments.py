"""A leg's road segments as its driver meets them, before the leg's start time matters.

The route's segments (``routes``), and for each the draws that make it (a hash of vehicle,
leg and segment): the cruise speed before weather, rush hour and incidents (speeders drive
some at ``SPEEDING`` x the limit), the turn and the light at the junction after it (red with
``P_RED``, a halt of ``HALT_S``), the turning speed, and the most the junction admits.
``dynamics`` times these segments against the leg's conditions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simulator.model import routes
from simulator.model.hashing import hash64, salt
from simulator.model.scenario import Scenario

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]

TURN_MS = (4.5, 6.0)
P_RED = 0.45
HALT_S = (8.0, 45.0)
SPEEDING = (1.08, 1.30)
RUSH_CLASS_MAX = 1  # ring roads (0) and arterials (1)
_LOW16 = np.uint64(0xFFFF)


@dataclass(frozen=True, eq=False)
class Driving:
    """What ``leg_items`` needs of the vehicles: one entry per vehicle (array index)."""

    index: I64
    accel: F64
    decel: F64
    driver: F64
    speeding_p: F64
    harsh_brake_p: F64
    harsh_accel_p: F64


@dataclass(frozen=True, eq=False)
class Legs:
    """Legs to drive, one per row: ``vehicle`` indexes a ``Driving``; ``code`` names the leg
    for the hashes (day * 1024 + leg number)."""

    vehicle: I64
    start_node: I64
    end_node: I64
    hfirst: Bool
    code: I64


@dataclass(frozen=True, eq=False)
class Geometry:
    """What a leg's items are before its start time matters: segments, draws, junctions.

    One entry per segment of the legs, leg-major, except ``steps`` and ``seg_first`` (per
    leg: its segment count and its first segment)."""

    steps: I64
    seg_first: I64
    seg_leg: I64  # the segment's leg
    seg_number: I64  # within its leg
    node_a: I64
    node_b: I64
    edge: I64
    limit_mps: F64
    length_m: F64
    vehicle: I64  # index into the ``Driving``
    draws: list[F64]  # ten uniform draws in [0, 1)
    base_cruise_mps: F64  # before weather, rush hour and incidents
    rushed: Bool  # a rush-hour road
    last: Bool  # the leg's last segment
    next_seg: I64
    turn: Bool  # turning at the junction after the segment
    red: Bool  # a red light at the junction after the segment
    halt_s: F64
    turn_speed_mps: F64
    accel_mps2: F64
    decel_mps2: F64
    junction_cap_mps: F64  # the most the junction after the segment admits


def geometry(sc: Scenario, seed: int, drv: Driving, legs: Legs) -> Geometry:
    """The start-independent part of ``leg_items`` (computed once for repeated timings)."""
    steps = routes.steps(sc, legs.start_node, legs.end_node)
    seg_leg = np.repeat(np.arange(steps.size), steps)
    seg_first = np.cumsum(steps) - steps
    k = np.arange(seg_leg.size) - seg_first[seg_leg]
    start, end, hfirst = legs.start_node[seg_leg], legs.end_node[seg_leg], legs.hfirst[seg_leg]
    node_a = routes.node_after(sc, start, end, hfirst, k)
    node_b = routes.node_after(sc, start, end, hfirst, k + 1)
    edge = sc.edge_between(node_a, node_b)
    limit = sc.edge_limit_kmh[edge] / 3.6
    length = sc.edge_len_mm[edge] / 1000.0
    v = legs.vehicle[seg_leg]
    who = drv.index[v]
    what = legs.code[seg_leg] * 64 + k
    h = salt(sc.name, seed, "drive")
    bits = [hash64(h ^ i, who, what) for i in range(3)]  # ten 16-bit uniforms
    u = [
        ((bits[i // 4] >> np.uint64(16 * (i % 4))) & _LOW16).astype(np.float64) / 65536.0
        for i in range(10)
    ]
    base = limit * drv.driver[v] * (0.96 + 0.04 * u[0])
    speeding = u[1] < drv.speeding_p[v]
    base = np.where(speeding, limit * (SPEEDING[0] + (SPEEDING[1] - SPEEDING[0]) * u[2]), base)
    last = k == steps[seg_leg] - 1
    nxt = np.minimum(np.arange(seg_leg.size) + 1, max(seg_leg.size - 1, 0))
    red = ~last & sc.light_node[node_b] & (u[3] < P_RED)
    acc, dec = drv.accel[v], drv.decel[v]
    reach = 0.95 * np.sqrt(2 * np.minimum(acc, dec) * np.minimum(length, length[nxt]))
    return Geometry(
        steps=steps,
        seg_first=seg_first,
        seg_leg=seg_leg,
        seg_number=k,
        node_a=node_a,
        node_b=node_b,
        edge=edge,
        limit_mps=limit,
        length_m=length,
        vehicle=v,
        draws=u,
        base_cruise_mps=base,
        rushed=sc.edge_class[edge] <= RUSH_CLASS_MAX,
        last=last,
        next_seg=nxt,
        turn=routes.turns_after(sc, start, end, hfirst, k + 1),
        red=red,
        halt_s=np.where(red, HALT_S[0] + (HALT_S[1] - HALT_S[0]) * u[4], 0.0),
        turn_speed_mps=TURN_MS[0] + (TURN_MS[1] - TURN_MS[0]) * u[5],
        accel_mps2=acc,
        decel_mps2=dec,
        junction_cap_mps=np.minimum(0.95 * np.minimum(limit, limit[nxt]), reach),
    )
