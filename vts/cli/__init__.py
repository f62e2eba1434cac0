"""The ``vts`` command line: one sub-command module per concept, one output layer."""
