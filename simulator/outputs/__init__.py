"""Where the model's events and knowledge go: Kafka (``producer``, ``delivery``), the truth
tables (``truth``), and the reference tables and simulated lake written as vts's (``reference``,
``lake``)."""
