"""The live path: each vehicle's last known state, beside the lake (docs/live.md).

- ``settings``: ``LiveSettings`` from ``VTS_LIVE_*``      - ``connection`` + ``credentials``:
  the Redis-protocol client from a URL, with a pluggable credentials provider; ``iam``: the
  ElastiCache IAM auth token provider (a SigV4-presigned connect request)
- ``store``: the store (server-side Lua in ``lua/``: newest event time wins, trail,
  incidents, change feed with a cursor, expiry): its writes; ``store_reads``: its reads
  (snapshot, changes after a cursor, a vehicle, incidents, health); ``store_core``: the
  client, keys, scripts and sweep both share
- ``esm``: the MSK event source mapping's event shape   - ``coalesce``: one state per
  vehicle and incident per batch      - ``consumer``: the handler core
- ``api``: the HTTP API's routing (a pure function, no server)   - ``runner``: the local
  emulation of the event source mapping (``vts live run``)
- the live map (docs/live-map.md): ``serve`` (``vts live serve``'s HTTP server: the page in
  ``web/``, ``roads`` as GeoJSON, the API) and ``forward`` (the API in this process, or a
  deployed one signed with SigV4); ``chromium``: headless Chromium for its tests and benchmark
"""
