"""Rehearsals: what ships, run the way AWS runs it (Lambda in lambda_/, Glue in glue/)."""
