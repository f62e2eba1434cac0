"""Spark plumbing shared by the Glue job, the local crawler and the query runner."""
