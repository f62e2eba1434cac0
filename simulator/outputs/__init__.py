"""Where the model's events and knowledge go: Kafka (``producer``, ``delivery``), the truth
tables (``truth``; their episodes on a leg: ``truth_episodes``; their columns:
``truth_schema``), and the reference tables and simulated lake written as vts's
(``reference``, ``lake``)."""
