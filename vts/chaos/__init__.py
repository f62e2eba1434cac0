"""``vts chaos``: the pipeline under continuous load with faults injected at random.

A run keeps the simulator Lambda's handler producing windows (``worker``, a stand-in for a
warm Lambda container) into a local broker, runs the Glue streaming job script with a short
trigger and a short dedup watermark (``processes``), and at seeded random moments
(``plan``) SIGKILLs the job and restarts it, restarts the broker, invokes old windows
again late, and kills the producer mid-window. Then the job catches up, and the lake, read
with pyarrow (``lake``), is compared with the simulator's ground truth for every window
produced (``verdict``): lost, duplicated, unexpected, quarantined per table, and orphan
files. With ``live``, ``vts live run`` follows the same broker into a redis-server of the
run's own (``live``), is SIGKILLed and restarted, or restarted in a new consumer group
(every window again, late); its alerts are then compared with the reports' rules over the
produced windows and its states with the lake's newest fixes (``live_verdict``). ``run``
puts it together: ``options`` (what a run is asked to do), ``rig`` (the moving parts it
starts, keeps running and catches up), ``faults`` (the plan's faults injected into them)
and ``report`` (the verdicts and what the run did).
"""
