"""Analyst tools: notebook helpers, the review queue, feedback import, label audit, drift.

``from msgrisk import analysis`` gives the notebook helpers (``analysis.load_corpus()`` …).
"""

from msgrisk.analysis.notebook import *  # noqa: F403
from msgrisk.analysis.notebook import __all__ as __all__
