"""What the AWS stack costs: a dated list-price table and a small workload model.

``vts cost`` prints the estimate; ``docs/cost/estimates.md`` is its output for the two
presets (a demo and a 10,000-vehicle fleet), and a test keeps the two identical.
"""

from vts.cost.model import Estimate, estimate
from vts.cost.prices import US_EAST_1, Prices
from vts.cost.workload import PRESETS, Workload

__all__ = ["PRESETS", "US_EAST_1", "Estimate", "Prices", "Workload", "estimate"]
