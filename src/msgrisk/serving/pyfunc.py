"""The MLflow pyfunc model that serves a bundle, and the tabular output it shares with
``predict-file`` and Spark scoring."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from msgrisk.labels import RISK_LABELS

OUTPUT_COLUMNS = ["labels", "primary_label", *[f"score_{label}" for label in RISK_LABELS],
                  "source"]


def predictions_frame(predictions: list[Any]) -> pd.DataFrame:
    """The tabular output shared by pyfunc, ``predict-file`` and Spark scoring."""
    rows = []
    for p in predictions:
        row = {"labels": "|".join(p.labels), "primary_label": p.primary}
        row.update({f"score_{label}": float(p.scores[label]) for label in RISK_LABELS})
        row["source"] = p.source
        rows.append(row)
    return pd.DataFrame(rows, columns=OUTPUT_COLUMNS)


try:
    from mlflow.pyfunc import PythonModel
except ImportError:  # pragma: no cover - mlflow is a core dependency
    PythonModel = object  # type: ignore[misc,assignment]


class MsgriskPyfunc(PythonModel):
    """``mlflow.pyfunc`` wrapper: DataFrame with a ``text`` column -> labels and scores."""

    def load_context(self, context: Any) -> None:
        from msgrisk.serving.predict import Predictor
        from msgrisk.training.bundle import load_bundle

        # hashes are still verified; the path is MLflow's own artifact cache
        self.predictor = Predictor(load_bundle(Path(context.artifacts["bundle"]),
                                               allow_outside=True))

    def predict(self, context: Any, model_input: pd.DataFrame, params: dict | None = None
                ) -> pd.DataFrame:
        if isinstance(model_input, pd.DataFrame):
            if "text" not in model_input.columns:
                raise ValueError("input DataFrame needs a 'text' column")
            texts = model_input["text"]
        else:
            texts = pd.Series(list(model_input))
        clean = ["" if not isinstance(t, str) else t for t in texts]
        return predictions_frame(self.predictor.predict_batch(clean))


