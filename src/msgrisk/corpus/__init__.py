"""Corpus: the messages the pipeline learns from.

Schema validation and quarantine (``dataset``), the sample generator (``synth``), the
human-reviewed seed set (``reviewed``) and frame/writer-grouped splits (``splits``).
Imports only ``msgrisk.labels`` and ``msgrisk.config``.
"""
