"""Tests of exporting a fitted search to TorchScript and ONNX (sknas/search/_export.py)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError

from sknas import RandomSearch

from _helpers import SMALL_CELLS
from test_search import TINY


# -- export --------------------------------------------------------------------------------


def fitted_searches(iris, digits):
    X, y = digits
    yield "tabular", RandomSearch(**dict(TINY, budget=1), random_state=0).fit(*iris), iris[0]
    yield "image rows", RandomSearch(**dict(TINY, budget=1), space=SMALL_CELLS, image_shape=(8, 8),
                                     random_state=0).fit(X, y), X
    images = X.reshape(-1, 1, 8, 8)
    yield "4-D images", RandomSearch(**dict(TINY, budget=1), space=SMALL_CELLS,
                                     random_state=0).fit(images, y), images
    rng = np.random.default_rng(0)
    Xr = rng.normal(size=(120, 4))
    yr = Xr @ np.array([3.0, -1.0, 0.0, 2.0]) + 50.0
    yield "regression", RandomSearch(**dict(TINY, budget=1), task="regression", random_state=0).fit(Xr, yr), Xr


def expected_outputs(search, X):
    return search.predict_proba(X) if search.task_ == "classification" else search.predict(X)


def test_torchscript_export_matches_predict_proba(iris, digits, tmp_path):
    for name, search, X in fitted_searches(iris, digits):
        path = search.export(tmp_path / f"{name}.pt")
        extra = {"sknas.json": ""}
        module = torch.jit.load(str(path), _extra_files=extra)
        with torch.no_grad():
            outputs = module(torch.as_tensor(X, dtype=torch.float32)).numpy()
        np.testing.assert_allclose(outputs, expected_outputs(search, X), rtol=1e-5, atol=1e-5, err_msg=name)
        assert json.loads(extra["sknas.json"])["architecture"] == str(search.best_architecture_)


def test_onnx_export_matches_predict_proba(iris, digits, tmp_path):
    onnxruntime = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnxscript")
    onnx = pytest.importorskip("onnx")
    for name, search, X in fitted_searches(iris, digits):
        path = search.export(tmp_path / f"{name}.onnx", format="onnx")
        session = onnxruntime.InferenceSession(str(path))
        for rows in (slice(None), slice(0, 1)):  # the batch size is dynamic
            outputs = session.run(None, {"X": np.asarray(X[rows], dtype=np.float32)})[0]
            np.testing.assert_allclose(outputs, expected_outputs(search, X[rows]), rtol=1e-5, atol=1e-5,
                                       err_msg=name)
        metadata = {p.key: p.value for p in onnx.load(str(path)).metadata_props}
        assert json.loads(metadata["sknas"])["task"] == search.task_


def test_export_checks_its_format(iris, tmp_path):
    search = RandomSearch(**dict(TINY, budget=1), random_state=0).fit(*iris)
    with pytest.raises(ValueError, match="unknown export format 'pickle'; use 'torchscript' or 'onnx'"):
        search.export(tmp_path / "model", format="pickle")
    with pytest.raises(NotFittedError):
        RandomSearch().export(tmp_path / "model")
