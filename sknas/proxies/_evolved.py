"""Evolved proxies: genetic programming writes a formula over the hand-crafted proxies.

The formula is evolved with gplearn's ``SymbolicRegressor`` (the genetic-programming library
of the scikit-learn ecosystem), whose fitness here is the Kendall τ between the formula's
values and the accuracies of a few trained architectures. The result is an
:class:`EvolvedProxy`: a short formula over rank-normalised proxies, evaluated by sknas
itself (gplearn is only needed to evolve one), printable and stored as JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
from scipy.stats import kendalltau, rankdata

from ._base import canonical_name, resolve_names

#: Functions of the formulas, with their arity. ``div``, ``log`` and ``sqrt`` are protected
#: exactly as in gplearn: ``div`` is 1 for a denominator within 0.001 of 0, ``log`` takes
#: ``log|x|`` and 0 near 0, ``sqrt`` takes ``sqrt|x|``.
FUNCTIONS = {"add": 2, "sub": 2, "mul": 2, "div": 2, "min": 2, "max": 2, "log": 1, "sqrt": 1, "abs": 1, "neg": 1}
_INFIX = {"add": "+", "sub": "-", "mul": "*"}


def _apply(name: str, args: list[np.ndarray]) -> np.ndarray:
    with np.errstate(all="ignore"):
        if name == "add":
            return args[0] + args[1]
        if name == "sub":
            return args[0] - args[1]
        if name == "mul":
            return args[0] * args[1]
        if name == "div":
            return np.where(np.abs(args[1]) > 0.001, np.divide(args[0], args[1]), 1.0)
        if name == "min":
            return np.minimum(args[0], args[1])
        if name == "max":
            return np.maximum(args[0], args[1])
        if name == "log":
            return np.where(np.abs(args[0]) > 0.001, np.log(np.abs(args[0])), 0.0)
        if name == "sqrt":
            return np.sqrt(np.abs(args[0]))
        if name == "abs":
            return np.abs(args[0])
        if name == "neg":
            return -args[0]
    raise ValueError(f"unknown function {name!r} in an evolved proxy; known: {', '.join(FUNCTIONS)}")


def _keys(proxy_scores) -> list:
    """The keys of a mapping, or the columns of a DataFrame."""
    return list(proxy_scores.keys()) if isinstance(proxy_scores, Mapping) else list(proxy_scores.columns)


def _as_matrix(proxy_scores, names: Sequence[str]) -> np.ndarray:
    """Columns ``names`` of a mapping (dict, DataFrame) or the columns of a 2-D array.

    Keys and names are matched through :data:`~sknas.proxies.ALIASES`: ``jacov`` finds a
    ``jacob_cov`` column and the other way round.
    """
    if isinstance(proxy_scores, Mapping) or hasattr(proxy_scores, "columns"):
        keys: dict[Any, list] = {}
        for key in _keys(proxy_scores):
            keys.setdefault(canonical_name(key), []).append(key)
        missing = [n for n in names if canonical_name(n) not in keys]
        if missing:
            raise ValueError(f"proxy_scores lacks the proxies {missing}; it needs {list(names)}")
        for name in names:
            if len(keys[canonical_name(name)]) > 1:
                raise ValueError(
                    f"proxy_scores has {keys[canonical_name(name)]}, names of the same proxy "
                    f"{canonical_name(name)!r}; keep one"
                )
        return np.column_stack(
            [np.asarray(proxy_scores[keys[canonical_name(n)][0]], dtype=np.float64) for n in names]
        )
    matrix = np.asarray(proxy_scores, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[1] != len(names):
        raise ValueError(f"proxy_scores must have one column per proxy {list(names)}, got shape {matrix.shape}")
    return matrix


def _normalised_inputs(proxy_scores, names: Sequence[str]) -> np.ndarray:
    """Each proxy as its rank among the architectures given, scaled to [0, 1] (ties share).

    Ranks, not min-max: NAS-Bench-Suite-Zero's proxies have extreme values on a few cells
    (jacob_cov down to -177,754 where most lie near -65) that squeeze a min-max scale and
    hide the differences a formula should combine; on NAS-Bench-201 rank inputs raise the
    held-out τ of evolved formulas by about 0.1 (``benchmarks/evolved_proxy.md``). NaN (a
    proxy that failed) reads as 0, the worst value.
    """
    matrix = _as_matrix(proxy_scores, names)
    out = np.zeros_like(matrix)
    for j, column in enumerate(matrix.T):
        finite = np.isfinite(column)
        n = int(finite.sum())
        if n == 1:
            out[finite, j] = 0.5
        elif n > 1:
            out[finite, j] = (rankdata(column[finite]) - 1) / (n - 1)
    return out


@dataclass(frozen=True)
class EvolvedProxy:
    """A formula over rank-normalised proxies, evolved to rank like trained accuracy.

    Each parameter is kept as the attribute of the same name (aliases in ``names`` and in
    the formula become registered names).

    Parameters
    ----------
    tree : tuple
        The formula: a float constant, ``("proxy", name)``, or ``(function, *arguments)``.
    names : tuple of str
        The proxies it reads (normalised over whatever set of architectures it scores).
    fitness : float, default=nan
        Kendall τ between its values and the accuracies it was evolved on; NaN when unknown.
    """

    tree: Any
    names: tuple[str, ...]
    fitness: float = float("nan")

    def __post_init__(self):
        # one name per proxy: an alias (``jacov``) is stored as the registered name
        object.__setattr__(self, "names", tuple(canonical_name(n) for n in self.names))
        object.__setattr__(self, "tree", _canonical_tree(self.tree))

    @property
    def formula(self) -> str:
        """The formula, readable: ``(synflow + log(nwot))``."""
        return _format(self.tree)

    def __str__(self) -> str:
        return self.formula

    def evaluate(self, proxy_scores) -> np.ndarray:
        """Scores of the architectures whose raw proxies are ``proxy_scores`` (higher is better).

        Parameters
        ----------
        proxy_scores : mapping of str to array-like, DataFrame, or array of shape (n, len(names))
            Raw proxy values of ``n`` architectures; each proxy is replaced by its rank among
            them, scaled to [0, 1] (NaN reads as 0), before the formula applies.

        Returns
        -------
        scores : ndarray of shape (n,)
            NaN where the formula is not finite.
        """
        inputs = _normalised_inputs(proxy_scores, self.names)
        column = {name: inputs[:, j] for j, name in enumerate(self.names)}
        values = np.broadcast_to(_evaluate(self.tree, column, len(inputs)), (len(inputs),)).astype(np.float64)
        return np.where(np.isfinite(values), values, np.nan)

    def to_json(self) -> str:
        """The proxy as strict JSON (``from_json`` reads it back); an unknown fitness is null."""
        fitness = self.fitness if np.isfinite(self.fitness) else None
        payload = {"tree": _to_lists(self.tree), "names": list(self.names), "fitness": fitness}
        return json.dumps(payload, allow_nan=False)

    @classmethod
    def from_json(cls, text: str) -> "EvolvedProxy":
        """The proxy of ``to_json``'s text.

        Parameters
        ----------
        text : str
            The JSON written by :meth:`to_json`.

        Returns
        -------
        proxy : EvolvedProxy
            The proxy it describes.

        Raises
        ------
        ValueError
            If the text is not such JSON: a formula over its ``names`` with the functions of
            :data:`FUNCTIONS`, nested at most ``MAX_TREE_DEPTH`` deep.
        """
        try:
            data = json.loads(text)
        except (TypeError, ValueError, RecursionError) as exc:
            raise ValueError(f"not the JSON of an evolved proxy ({exc})") from None
        problem = _json_problem(data)
        if problem:
            raise ValueError(f"not the JSON of an evolved proxy: {problem}")
        fitness = float("nan") if data["fitness"] is None else float(data["fitness"])
        return cls(_to_tuples(data["tree"]), tuple(data["names"]), fitness)


#: Deepest formula ``EvolvedProxy.from_json`` reads (evolved ones, kept short by parsimony, are far
#: shallower); evaluating and printing a formula recurse through it.
MAX_TREE_DEPTH = 100


def _json_problem(data: Any) -> str | None:
    """What is wrong with the parsed JSON of an evolved proxy, or None (checked without recursion)."""
    if not isinstance(data, dict) or not {"tree", "names", "fitness"} <= set(data):
        return "an object with tree, names and fitness is expected"
    names = data["names"]
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        return "names must be a list of strings"
    fitness = data["fitness"]
    if not (fitness is None or (isinstance(fitness, (int, float)) and not isinstance(fitness, bool))):
        return "fitness must be a number or null"
    stack = [(data["tree"], 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_TREE_DEPTH:
            return f"the formula is nested more than {MAX_TREE_DEPTH} deep"
        if isinstance(node, (int, float)) and not isinstance(node, bool):
            continue
        if not isinstance(node, list) or not node or not isinstance(node[0], str):
            return f"{node!r:.80} is not a number, ['proxy', name] or [function, arguments...]"
        if node[0] == "proxy":
            if len(node) != 2 or node[1] not in names:
                return f"{node!r:.80} does not name one of the proxies {names}"
            continue
        if FUNCTIONS.get(node[0]) != len(node) - 1:
            return f"{node[0]!r} with {len(node) - 1} arguments is not a function of {FUNCTIONS}"
        stack.extend((child, depth + 1) for child in node[1:])
    return None


def _canonical_tree(node):
    if isinstance(node, (int, float)) or not isinstance(node, (tuple, list)) or not node:
        return node
    if node[0] == "proxy" and len(node) == 2:
        return ("proxy", canonical_name(node[1]))
    return (node[0], *[_canonical_tree(child) for child in node[1:]])


def _evaluate(node, column: dict[str, np.ndarray], n: int) -> np.ndarray:
    if isinstance(node, (int, float)):
        return np.full(n, float(node))
    if node[0] == "proxy":
        return column[node[1]]
    return _apply(node[0], [_evaluate(child, column, n) for child in node[1:]])


def _format(node) -> str:
    if isinstance(node, (int, float)):
        return f"{node:.3g}"
    if node[0] == "proxy":
        return node[1]
    args = [_format(child) for child in node[1:]]
    if node[0] in _INFIX:
        return f"({args[0]} {_INFIX[node[0]]} {args[1]})"
    if node[0] == "div":
        return f"({args[0]} / {args[1]})"
    return f"{node[0]}({', '.join(args)})"


def _to_lists(node):
    return node if isinstance(node, (int, float)) else [_to_lists(c) if not isinstance(c, str) else c for c in node]


def _to_tuples(node):
    return node if isinstance(node, (int, float)) else tuple(_to_tuples(c) if isinstance(c, list) else c for c in node)


def _kendall_fitness(y, y_pred, sample_weight) -> float:
    if np.ptp(y_pred) == 0:
        return 0.0  # a constant ranks nothing
    tau = kendalltau(y, y_pred).statistic
    return float(tau) if np.isfinite(tau) else 0.0


def _tree_from_program(program: list, names: Sequence[str]):
    """gplearn's flat prefix program (functions, feature indices, constants) as a tree."""
    position = 0

    def build():
        nonlocal position
        token = program[position]
        position += 1
        if isinstance(token, (int, np.integer)):
            return ("proxy", names[int(token)])
        if isinstance(token, (float, np.floating)):
            return float(token)
        return (token.name, *[build() for _ in range(token.arity)])

    return build()


def evolve_proxy(
    proxy_scores,
    accuracies,
    *,
    names: Sequence[str] | None = None,
    generations: int = 20,
    population_size: int = 500,
    parsimony_coefficient: float = 0.002,
    random_state=None,
) -> EvolvedProxy:
    """Evolve a formula over the proxies whose ranking agrees best with ``accuracies``.

    Genetic programming (gplearn's ``SymbolicRegressor``) over the functions of
    :data:`FUNCTIONS` and constants in [-1, 1], with Kendall τ as fitness and a parsimony
    penalty that keeps formulas short. Each proxy is first replaced by its rank among the
    given architectures, scaled to [0, 1].

    Parameters
    ----------
    proxy_scores : mapping of str to array-like (dict or DataFrame), or array of shape (n, K)
        Raw proxy values of ``n`` trained architectures.
    accuracies : array-like of shape (n,)
        Their accuracies (or any objective, higher is better); NaN rows are dropped.
    names : sequence of str or None, default=None
        Proxies to use; None means every column of ``proxy_scores`` (required for an array).
    generations, population_size : int, default=20, 500
        Size of the evolution.
    parsimony_coefficient : float, default=0.002
        Fitness penalty per node of a formula.
    random_state : int, RandomState instance or None, default=None
        Seeds the evolution.

    Returns
    -------
    proxy : EvolvedProxy
        The best formula found; its ``fitness`` is its Kendall τ with ``accuracies`` (over
        the rows with a finite accuracy).

    Examples
    --------
    >>> import numpy as np
    >>> from sknas.proxies import evolve_proxy
    >>> rng = np.random.default_rng(0)
    >>> scores = {"synflow": rng.random(60), "nwot": rng.random(60)}
    >>> accuracy = scores["synflow"] - scores["nwot"]
    >>> proxy = evolve_proxy(scores, accuracy, generations=5, population_size=200, random_state=0)
    >>> proxy.fitness > 0.9
    True
    """
    try:
        from gplearn.fitness import make_fitness
        from gplearn.genetic import SymbolicRegressor
    except ImportError:
        raise ImportError("evolving a proxy needs gplearn: pip install gplearn") from None
    if names is None:
        if not (isinstance(proxy_scores, Mapping) or hasattr(proxy_scores, "columns")):
            raise ValueError("give names= for an array of proxy scores: one name per column")
        names = _keys(proxy_scores)
    names = tuple(resolve_names(names))
    X = _normalised_inputs(proxy_scores, names)
    y = np.asarray(accuracies, dtype=np.float64)
    if len(y) != len(X):
        raise ValueError(f"{len(X)} architectures have proxy scores but {len(y)} have accuracies")
    keep = np.isfinite(y)
    if keep.sum() < 3:
        raise ValueError("evolving a proxy needs the accuracies of at least 3 architectures")
    regressor = SymbolicRegressor(
        population_size=int(population_size),
        generations=int(generations),
        function_set=tuple(FUNCTIONS),
        metric=make_fitness(function=_kendall_fitness, greater_is_better=True, wrap=False),
        parsimony_coefficient=float(parsimony_coefficient),
        stopping_criteria=1.0,  # τ = 1 is perfect; gplearn's default 0 stops at once
        const_range=(-1.0, 1.0),
        init_depth=(1, 4),
        random_state=random_state,
    )
    regressor.fit(X[keep], y[keep])
    tree = _tree_from_program(regressor._program.program, names)
    # fitness on exactly the inputs it was evolved on (without gplearn's parsimony penalty)
    values = _evaluate(tree, {name: X[keep][:, j] for j, name in enumerate(names)}, int(keep.sum()))
    return EvolvedProxy(tree, names, _kendall_fitness(y[keep], np.nan_to_num(values), None))


def proxy_inputs(proxies) -> tuple[str, ...]:
    """The proxies to compute for ``proxies``: names (one or several) or an ``EvolvedProxy``.

    Parameters
    ----------
    proxies : str, iterable of str or EvolvedProxy
        Proxy names (or aliases), or an evolved proxy whose formula reads some.

    Returns
    -------
    names : tuple of str
        Registered names of the proxies to compute, without repeats.
    """
    if isinstance(proxies, EvolvedProxy):
        return proxies.names
    return resolve_names(proxies)
