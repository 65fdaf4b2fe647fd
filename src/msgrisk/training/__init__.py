"""Training: weak labels, features, the linear model, the bundle format and MLflow tracking.

Imports ``rules`` and ``corpus``, never ``serving``, ``evaluation`` or ``analysis``.
"""
