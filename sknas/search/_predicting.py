"""What a fitted search offers: predict, predict_proba, score and export, through ``predictor_``."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, validate_data

from ..evaluation import objective_score
from ._data import check_prediction_rows, network_floats
from ._export import export_search
from ._predict import predict_rows


def _classifies(estimator) -> bool:
    """Whether the estimator is a classifier: its fitted task, or before ``fit`` its ``task``."""
    return getattr(estimator, "task_", estimator.task) != "regression"


class PredictingMixin:
    """Prediction methods of a fitted search estimator (``BaseSearch``).

    They read the fitted ``predictor_`` (:class:`~sknas.search._predict.PredictionModule`),
    ``task_``, ``classes_``, ``input_shape_`` and ``n_features_in_``.
    """

    def _predicted(self, X, predictor: torch.nn.Module | None = None) -> np.ndarray:
        """What ``predictor`` (``predictor_`` by default) gives on ``X``: rows of
        ``n_features_in_`` values, or (after a fit on images) images of ``input_shape_``."""
        check_is_fitted(self)
        X = check_prediction_rows(X, tuple(self.input_shape_), self.n_features_in_, type(self).__name__)
        X = network_floats(validate_data(self, X, reset=False, dtype=[np.float64, np.float32]))
        return predict_rows(self.predictor_ if predictor is None else predictor, X)

    def _decode(self, outputs: np.ndarray) -> np.ndarray:
        """Class labels (of the most probable class) or targets from the predictor's outputs."""
        if self.task_ == "classification":
            return self.classes_[outputs.argmax(axis=1)]
        return outputs

    def predict(self, X):
        """Predict classes or targets with the best network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, C, H, W)
            Inputs shaped like those given to ``fit``.

        Returns
        -------
        y : ndarray of shape (n_samples,)
            Predicted class labels, or predicted targets.
        """
        return self._decode(self._predicted(X))

    @available_if(_classifies)
    def predict_proba(self, X):
        """Class probabilities from the best network (classification only).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, C, H, W)
            Inputs shaped like those given to ``fit``.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities, columns in the order of ``classes_``.
        """
        check_is_fitted(self)
        if self.task_ != "classification":
            raise AttributeError("predict_proba is only available for classification")
        return self._predicted(X)

    def score(self, X, y, sample_weight=None):
        """Accuracy (classification) or R² (regression) of ``predict(X)`` against ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, C, H, W)
            Inputs.
        y : array-like of shape (n_samples,)
            True labels or targets.
        sample_weight : array-like of shape (n_samples,) or None, default=None
            Weights of the samples in the score.

        Returns
        -------
        score : float
            The (weighted) accuracy, from 0 to 1, or the (weighted) R², at most 1; computed
            by :func:`sknas.evaluation.objective_score`, as the validation score of the
            candidates is.
        """
        check_is_fitted(self)
        return objective_score(y, self.predict(X), self.task_, sample_weight)

    def export(self, path, format="torchscript"):
        """Write the fitted model, with the preprocessing learned in ``fit``, to one file.

        The file holds ``predictor_`` traced: its module takes float32 inputs shaped as given
        to ``fit`` and returns, in float64, what ``predict_proba`` returns (classification;
        columns in the order of ``classes_``) or what ``predict`` returns (regression); on a
        batch of 64 rows, the very same numbers (``predict`` runs passes of 64 rows, and
        float32 matrix products of other shapes round differently, by about 1e-7). The
        estimator, the architecture, the task
        and the classes are stored in it as JSON: in TorchScript the extra file
        ``sknas.json``, in ONNX the metadata property ``sknas``.

        Parameters
        ----------
        path : str or path-like
            The file to write.
        format : {"torchscript", "onnx"}, default="torchscript"
            ``"onnx"`` needs the ``onnx`` and ``onnxscript`` packages; its batch size is dynamic.

        Returns
        -------
        path : pathlib.Path
            The file written.

        Examples
        --------
        >>> import tempfile, os, torch
        >>> from sklearn.datasets import load_digits
        >>> from sknas import RandomSearch
        >>> X, y = load_digits(return_X_y=True)
        >>> search = RandomSearch(space="mlp", budget=1, epochs=1, final_epochs=1,
        ...                       random_state=0).fit(X[:100], y[:100])
        >>> path = search.export(os.path.join(tempfile.mkdtemp(), "model.pt"))
        >>> torch.jit.load(path)(torch.tensor(X[:2], dtype=torch.float32)).shape
        torch.Size([2, 10])
        """
        check_is_fitted(self)
        return export_search(self, path, format)
