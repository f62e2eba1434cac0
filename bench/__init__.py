"""Benchmarks: ``python -m bench`` (``make bench``) runs every ``bench/bench_*.py``.

Each benchmark module exposes ``run(ctx: BenchContext) -> dict`` returning its figures;
``BenchContext`` shares expensive resources between them (a local Kafka broker started on
first use and stopped at the end). The runner prints one JSON document with the machine,
the command and every module's figures, all measured in that one run.
"""
