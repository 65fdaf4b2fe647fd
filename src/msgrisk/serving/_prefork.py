"""Forkserver preload: load the predictor once, before the workers are forked.

``predict-file --workers N`` starts a forkserver that imports this module; when
``MSGRISK_PREFORK_MODEL`` is set (by :func:`msgrisk.serving.batch.predict_file`) the
bundle is loaded here, once, and every worker forked from the server shares it
copy-on-write instead of loading its own (the gunicorn ``--preload`` pattern). ``-``
means the default predictor.
"""

from __future__ import annotations

import os

from msgrisk.serving import batch

_MODEL = os.environ.get("MSGRISK_PREFORK_MODEL")
if _MODEL:
    batch._init_worker(None if _MODEL == "-" else _MODEL)
