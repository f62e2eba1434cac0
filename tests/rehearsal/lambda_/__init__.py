"""The Lambda rehearsal: the built functions, their layers and the python3.11 runtime SDK."""
