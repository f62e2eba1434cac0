"""The alert rules, written once: the reports job folds them over a day, the live path runs
them per batch with a small carried state (``vts.rules.episode``).

``params`` (the knobs, ``vts reports params``), ``track`` (a vehicle's fixes as arrays),
``driving`` (overspeed, harsh braking/acceleration, low fuel), ``places`` (geofence
visits, nearness to incidents), ``fold`` (all of them over a batch). Which road a fix is
on is ``vts.reference.roadmatch``'s rule.
"""
