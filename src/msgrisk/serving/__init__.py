"""Serving: the predictor (scores first, decisions second), HTTP, batch files, Spark.

Loads bundles through ``msgrisk.training.bundle`` (the bundle format) at load time and
otherwise imports only ``rules``; nothing here trains.
"""
