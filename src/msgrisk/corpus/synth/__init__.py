"""Deterministic generator of the sample historical-message corpus (see ``generator.py``)."""
