"""Reference data: the fixed tables that events are judged against (roads, geofences).

Part of vts's contract, like the five event types (``vts.contract``): this package says
what each table holds (``Column``: name, type, meaning), where it lives in the lake, and
how to write and read it. Whoever knows the world writes it (the simulator writes its
scenario's, through these writers; a fleet operator writes their own); the reports and
the live path read it. Nothing here knows where the data came from.

In the lake (``<lake>`` is a folder or an ``s3://`` URI)::

    <lake>/roads/roads.parquet          one row per road segment (``vts.reference.roads``)
    <lake>/geofences/geofences.parquet  one row per geofence (``vts.reference.geofences``)

Both are unpartitioned tables: the crawler catalogs them beside the event tables, so
Spectrum and Spark SQL can join them.
"""
