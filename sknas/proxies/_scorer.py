"""Computing proxies: for one network (``compute``), or for many architectures (``ProxyScorer``)."""

from __future__ import annotations

import functools
import math
import numbers
import time
import warnings
from typing import Iterable, Sequence

import joblib
import numpy as np
import torch
from sklearn.utils import check_random_state
from torch import nn
from tqdm.auto import tqdm

from .._parallel import parallel_map, torch_threads
from ..evaluation._training import architecture_seed, build_network, infer_task, resolve_device
from ..spaces import Architecture, SearchSpace
from ._base import PONAS_PROXIES, PROXIES, resolve_names
from ._context import ProxyContext


def _evaluate(
    module: nn.Module, X: torch.Tensor, y: torch.Tensor, names: Sequence[str], task: str, seed: int,
    rebuild=None,
) -> tuple[list[float], dict[str, str]]:
    """Scores of ``names`` (NaN where one fails or is not finite) and the reason of each
    failure; with ``rebuild`` (see :class:`ProxyContext`), ``module`` is used up."""
    needs = set().union(*(PROXIES[name].needs for name in names))
    context = ProxyContext(module, X, y, task=task, needs=needs, seed=seed, rebuild=rebuild)
    values, errors = [], {}
    for name in names:
        try:
            value = float(PROXIES[name].score(context))
            if not math.isfinite(value):
                raise FloatingPointError(f"the score is {value}")
        except Exception as exc:  # noqa: BLE001 - one failing proxy must not end the scoring
            if isinstance(exc, torch.cuda.OutOfMemoryError):
                torch.cuda.empty_cache()
            value = math.nan
            errors[name] = f"{type(exc).__name__}: {exc}"
        values.append(value)
    return values, errors


def _built_on(device: torch.device, space: SearchSpace, arch: Architecture, input_shape: Sequence[int],
              n_outputs: int, seed: int) -> nn.Module:
    """``build_network`` of ``arch``, moved to ``device``."""
    return build_network(space, arch, input_shape, n_outputs, seed).to(device)


#: A minibatch of at most this many values is scored on one torch thread on CPU: on such
#: small tensors torch's threads cost more than they save (``benchmarks/torch_threads.md``).
ONE_THREAD_MAX_VALUES = 12_288


def scoring_threads(X: torch.Tensor) -> int:
    """Torch threads a minibatch ``X`` is scored on: one if it is small and on CPU, else as many as now."""
    small = X.device.type == "cpu" and X.numel() <= ONE_THREAD_MAX_VALUES
    return 1 if small else torch.get_num_threads()


def _score_chunk(space, common: tuple, chunk: list) -> list:
    """``_score_architectures`` of one chunk (the parallel map's unit of work), on
    :func:`scoring_threads` threads."""
    with torch_threads(scoring_threads(common[0])):
        return _score_architectures(space, chunk, *common)


def _as_batch(X, y, task: str, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    X_t = torch.as_tensor(np.asarray(X, dtype=np.float32) if not isinstance(X, torch.Tensor) else X)
    if not isinstance(y, torch.Tensor):
        y = np.asarray(y)
        if task == "classification" and not np.issubdtype(y.dtype, np.integer):
            y = np.unique(y, return_inverse=True)[1]  # labels of any type become indices
    y_t = torch.as_tensor(y)
    y_t = y_t.long() if task == "classification" else y_t.float().reshape(len(y_t), -1)
    if len(X_t) != len(y_t) or len(X_t) < 2:
        raise ValueError(
            f"proxies need a minibatch of at least 2 samples with one target each; got "
            f"{len(X_t)} inputs and {len(y_t)} targets"
        )
    return X_t.float().to(device), y_t.to(device)


def compute(
    module: nn.Module,
    X,
    y,
    names: str | Iterable[str] = PONAS_PROXIES,
    *,
    task: str | None = None,
    seed: int = 0,
) -> dict[str, float]:
    """Zero-cost proxies of one untrained network on one minibatch.

    Proxies asked for together share their forward and backward passes. The network is not
    modified. A proxy that fails or gives NaN or infinity is returned as NaN, with a
    ``RuntimeWarning`` saying why.

    Parameters
    ----------
    module : torch.nn.Module
        An untrained network; its last linear layer (or its ``features`` method) is taken as
        the classifier head where a proxy needs one.
    X : array-like or Tensor of shape (n_samples, ...)
        A minibatch of inputs, preprocessed as for training.
    y : array-like or Tensor of shape (n_samples,) or (n_samples, n_targets)
        Class indices (0 to n_classes - 1) or labels of another type (encoded in sorted
        order), or regression targets.
    names : str or iterable of str, default=PONAS_PROXIES
        Proxies to compute; see :func:`available_proxies`.
    task : {"classification", "regression"} or None, default=None
        None infers it from ``y`` (integers are classes).
    seed : int, default=0
        Seeds the random inputs and weights of ``zen``.

    Returns
    -------
    scores : dict of str to float
        One entry per proxy, in the order asked.

    Examples
    --------
    >>> import torch
    >>> from sknas.proxies import compute
    >>> net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    >>> X, y = torch.randn(16, 4), torch.arange(16) % 3
    >>> scores = compute(net, X, y, ["params", "synflow"])
    >>> scores["params"]
    6.7e-05
    """
    names = resolve_names(names)
    task = task or infer_task(y.cpu().numpy() if isinstance(y, torch.Tensor) else y)
    device = next(module.parameters(), torch.empty(0)).device
    X_t, y_t = _as_batch(X, y, task, device)
    values, errors = _evaluate(module, X_t, y_t, names, task, seed)
    if errors:
        warnings.warn(
            "proxies set to NaN: " + "; ".join(f"{name}: {reason}" for name, reason in errors.items()),
            RuntimeWarning,
            stacklevel=2,
        )
    return dict(zip(names, values))


def _score_architectures(
    space: SearchSpace,
    archs: Sequence[Architecture],
    X: torch.Tensor,
    y: torch.Tensor,
    names: Sequence[str],
    task: str,
    input_shape: Sequence[int],
    n_outputs: int,
    seed: int,
) -> list[tuple[list[float], dict[str, str]]]:
    """Build each architecture from its own seed and score it; one network in memory at a time.

    The proxies run on the network built here, and those that change weights on another
    built the same way: building is cheaper than a deep copy."""
    out = []
    for arch in archs:
        build = functools.partial(_built_on, X.device, space, arch, input_shape, n_outputs, seed)
        try:
            module = build()
        except Exception as exc:  # noqa: BLE001
            reason = f"{type(exc).__name__}: {exc}"
            out.append(([math.nan] * len(names), {name: reason for name in names}))
            continue
        out.append(_evaluate(module, X, y, names, task, architecture_seed(seed + 3, arch), rebuild=build))
        del module
    return out


class ProxyScorer:
    """Scores many architectures with zero-cost proxies on one minibatch of your data.

    Each architecture is built with the weights its own seed gives (the weights a training
    evaluator with the same ``random_state`` starts from), scored with every proxy in one
    shared pass, and freed before the next, so memory does not grow with the number of
    architectures. Scores are cached per architecture. A proxy that fails or yields NaN/inf
    is recorded as NaN (the reason in ``errors_``); it never stops the scoring.

    Parameters
    ----------
    space : SearchSpace
        Builds the networks.
    names : str or sequence of str, default=PONAS_PROXIES
        Proxies to compute, in the order of the columns of ``score``.
    X : array-like of shape (n_samples, ...)
        Inputs, preprocessed as the networks will see them (per-sample shape the space builds for).
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
        Class labels of any type, or regression targets.
    task : {"auto", "classification", "regression"}, default="auto"
        ``"auto"`` treats continuous ``y`` as regression and anything else as classes.
    n_outputs : int or None, default=None
        Output width of the networks; None means the number of classes in ``y`` (or of
        targets). With ``n_outputs`` given, integer labels in ``[0, n_outputs)`` are taken as
        class indices as they are.
    batch_size : int, default=64
        Samples in the minibatch, drawn at random from ``X``.
    device : str, default="cpu"
        ``"cpu"``, ``"cuda"`` or ``"auto"``.
    n_jobs : int or None, default=None
        Architectures scored in parallel processes with joblib; None means 1, -1 all cores.
        On CUDA the scoring runs in one process. On CPU a minibatch of at most 12,288 values
        (64 images of 3x8x8 or 12x12, or tabular rows) is scored on one torch thread per process,
        1.2-2.3x faster than on two on such small tensors; ``n_jobs`` spreads it over cores.
    random_state : int, RandomState instance or None, default=None
        Seeds the minibatch and the initial weights of every network. An integer seeds the
        networks exactly as ``TrainingEvaluator(seed=random_state)`` does, so the proxies
        score the weights that training starts from.
    verbose : int, default=0
        1 shows a progress bar.

    Attributes
    ----------
    names : tuple of str
        Canonical names of the proxies, the columns of ``score``.
    X_batch_, y_batch_ : Tensor
        The minibatch every architecture is scored on.
    errors_ : dict
        ``{architecture string: {proxy: reason}}`` for every proxy recorded as NaN.
    elapsed_s_ : float
        Seconds ``score`` has spent computing proxies, in all.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sknas.proxies import ProxyScorer
    >>> from sknas.spaces import CellSpace
    >>> X, y = load_digits(return_X_y=True)
    >>> space = CellSpace(channels=8, cells_per_stage=1)
    >>> scorer = ProxyScorer(space, ["synflow", "nwot"], X.reshape(-1, 1, 8, 8) / 16, y,
    ...                      random_state=0)
    >>> scorer.score([space.parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|skip_connect~1|"
    ...                           "+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|")]).shape
    (1, 2)
    """

    def __init__(
        self,
        space: SearchSpace,
        names: str | Sequence[str] = PONAS_PROXIES,
        X=None,
        y=None,
        *,
        task: str = "auto",
        n_outputs: int | None = None,
        batch_size: int = 64,
        device: str = "cpu",
        n_jobs: int | None = None,
        random_state=None,
        verbose: int = 0,
    ):
        if X is None or y is None:
            raise ValueError("ProxyScorer needs X and y: proxies are computed on a minibatch of your data")
        self.space = space
        self.names = resolve_names(names)
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.device = resolve_device(device)
        X = np.asarray(X, dtype=np.float32)
        y = np.asarray(y)
        if len(X) != len(y):
            raise ValueError(f"X has {len(X)} samples but y has {len(y)}")
        if not np.isfinite(X).all():
            raise ValueError("X contains NaN or infinity; impute or drop those samples first")
        self.input_shape = tuple(int(s) for s in X.shape[1:])
        space.check_input_shape(self.input_shape)
        self.task = infer_task(y) if task == "auto" else task
        if self.task not in ("classification", "regression"):
            raise ValueError(f"unknown task {task!r}; use 'auto', 'classification' or 'regression'")
        if self.task == "classification":
            already_indices = (
                n_outputs is not None and np.issubdtype(y.dtype, np.integer)
                and y.min() >= 0 and y.max() < n_outputs
            )
            if not already_indices:  # labels of any type become indices 0..n_classes-1
                classes, y = np.unique(y, return_inverse=True)
                n_outputs = n_outputs or len(classes)
            self.n_outputs = int(n_outputs)
        else:
            y = y.astype(np.float32).reshape(len(y), -1)
            self.n_outputs = int(n_outputs or y.shape[1])
        rng = check_random_state(random_state)
        # An integer seeds the networks as TrainingEvaluator(seed=random_state) does, so the
        # proxies score the very weights that training will start from.
        is_int = isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool)
        self.seed = int(random_state) if is_int else int(rng.randint(np.iinfo(np.int32).max))
        batch = np.sort(rng.choice(len(X), size=min(int(batch_size), len(X)), replace=False))
        self.X_batch_, self.y_batch_ = _as_batch(X[batch], y[batch], self.task, self.device)
        self.errors_: dict[str, dict[str, str]] = {}
        self.elapsed_s_ = 0.0  # seconds spent scoring, in all
        self._cache: dict[Architecture, np.ndarray] = {}

    def score(self, archs: Sequence[Architecture]) -> np.ndarray:
        """Raw proxy scores of ``archs``: shape ``(len(archs), len(names))``, NaN where one failed.

        Parameters
        ----------
        archs : sequence of Architecture
            Architectures of ``space``; those scored before are read from the cache.

        Returns
        -------
        scores : ndarray of shape (len(archs), len(names))
            One row per architecture, one column per proxy of ``names``; NaN where a proxy
            failed (the reason in ``errors_``).
        """
        archs = list(archs)
        todo = list(dict.fromkeys(a for a in archs if a not in self._cache))
        start = time.perf_counter()
        if todo:
            # CUDA tensors do not cross into worker processes: one process drives the GPU
            n_jobs = 1 if self.device.type == "cuda" else joblib.effective_n_jobs(self.n_jobs)
            # in parallel, a few chunks per worker: one task per network would pay joblib's overhead
            n_chunks = len(todo) if n_jobs == 1 else min(len(todo), 4 * n_jobs)
            bounds = np.linspace(0, len(todo), n_chunks + 1).astype(int)
            chunks = [todo[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
            common = (
                self.X_batch_, self.y_batch_, self.names, self.task, self.input_shape,
                self.n_outputs, self.seed,
            )
            score_chunk = functools.partial(_score_chunk, self.space, common)
            results = parallel_map(score_chunk, chunks, self.n_jobs if n_jobs > 1 else None)
            with tqdm(total=len(todo), desc="proxies", disable=self.verbose < 1) as bar:
                for chunk, chunk_results in zip(chunks, results):
                    for arch, (values, errors) in zip(chunk, chunk_results):
                        self._cache[arch] = np.asarray(values, dtype=np.float64)
                        if errors:
                            self.errors_[str(arch)] = errors
                    bar.update(len(chunk))
        self.elapsed_s_ += time.perf_counter() - start
        if not archs:
            return np.empty((0, len(self.names)))
        return np.stack([self._cache[a] for a in archs])
