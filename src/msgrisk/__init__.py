"""msgrisk: message-risk classifier for marketplace order messaging.

>>> from msgrisk import predict
>>> predict("text me on whatsapp 876 555 0142").labels
('off_platform',)
"""

from __future__ import annotations

from msgrisk import _legacy
from msgrisk.labels import ALL_LABELS, FINE, RISK_LABELS
from msgrisk.serving.predict import (
    Prediction,
    Predictor,
    Span,
    load_predictor,
    predict,
    predict_batch,
    redact,
)

__all__ = [
    "ALL_LABELS",
    "FINE",
    "RISK_LABELS",
    "Prediction",
    "Predictor",
    "Span",
    "load_predictor",
    "predict",
    "predict_batch",
    "redact",
]
__version__ = "0.1.0"
_legacy.install()
