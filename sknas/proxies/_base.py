"""The proxy registry: every zero-cost proxy registers itself here under its name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable

from torch import nn

if TYPE_CHECKING:
    from ._context import ProxyContext

#: Layers whose weights the gradient proxies sum over, as NAS-Bench-Suite-Zero does.
WEIGHT_LAYERS = (nn.modules.conv._ConvNd, nn.Linear)

#: Activations whose input signs give the binary codes of ``nwot``.
ACTIVATIONS = (
    nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.PReLU, nn.ELU, nn.SELU, nn.CELU, nn.GELU, nn.SiLU,
    nn.Mish, nn.Hardswish, nn.Tanh,
)

#: Normalisation layers, bypassed by ``synflow`` (a batch of one constant input has no spread).
NORMALISATIONS = (
    nn.modules.batchnorm._BatchNorm, nn.LayerNorm, nn.GroupNorm, nn.modules.instancenorm._InstanceNorm,
)


@dataclass(frozen=True)
class Proxy:
    """A registered zero-cost proxy.

    Each parameter is kept as the attribute of the same name.

    Parameters
    ----------
    name : str
        The name it is asked for by.
    score : callable
        ``score(context) -> float`` on a :class:`ProxyContext`.
    needs : frozenset of str
        Products of the shared pass it reads (``"loss_gradients"``, ``"activation_gradients"``,
        ``"hessian_gradients"``, ``"input_jacobian"``, ``"activation_kernel"``); proxies
        asked for together share one forward pass and its backward passes.
    summary : str
        One line saying what it computes.
    """

    name: str
    score: Callable[["ProxyContext"], float]
    needs: frozenset[str]
    summary: str


PROXIES: dict[str, Proxy] = {}

#: Other names of registered proxies (NAS-Bench-Suite-Zero's), accepted wherever proxies are
#: named: lists of names, keys of mappings and DataFrame columns of proxy scores, benchmark tables.
ALIASES = {"jacov": "jacob_cov"}

#: The six proxies PO-NAS combines.
PONAS_PROXIES = ("grad_norm", "snip", "grasp", "fisher", "synflow", "jacob_cov")

#: What zero-cost ranking (``ZeroCostSearch``, the ``zero-cost`` baseline) ranks by by default.
ZERO_COST_PROXIES = ("synflow", "nwot")


def register(name: str, summary: str, needs: Iterable[str] = ()):
    """Decorator registering ``score(context) -> float`` as the proxy ``name``.

    Parameters
    ----------
    name : str
        The name the proxy is asked for by; a proxy registered earlier under it is replaced.
    summary : str
        One line saying what it computes.
    needs : iterable of str, default=()
        Products of the shared pass it reads (see :class:`Proxy`).

    Returns
    -------
    decorate : callable
        Registers the function it is applied to and returns that function unchanged.
    """

    def decorate(score: Callable[["ProxyContext"], float]):
        PROXIES[name] = Proxy(name, score, frozenset(needs), summary)
        return score

    return decorate


def available_proxies() -> list[str]:
    """Names of every registered proxy, sorted.

    Examples
    --------
    >>> from sknas.proxies import available_proxies
    >>> len(available_proxies())
    13
    """
    return sorted(PROXIES)


def canonical_name(name):
    """The registered name of a proxy named by an alias (see :data:`ALIASES`); any other name
    (or key that is not a string) as it is.

    Examples
    --------
    >>> from sknas.proxies._base import canonical_name
    >>> canonical_name("jacov"), canonical_name("synflow")
    ('jacob_cov', 'synflow')
    """
    return ALIASES.get(name, name) if isinstance(name, str) else name


def resolve_names(names: str | Iterable[str]) -> tuple[str, ...]:
    """Canonical proxy names of ``names`` (one name or several), in order, without repeats.

    Parameters
    ----------
    names : str or iterable of str
        Registered proxy names or their aliases (:data:`ALIASES`).

    Returns
    -------
    resolved : tuple of str
        The registered name of each, in the order given, each once.

    Raises
    ------
    ValueError
        If a name is unknown (the message lists the available ones) or none is given.
    """
    if isinstance(names, str):
        names = [names]
    try:
        names = list(names)
    except TypeError:
        raise ValueError(f"proxies must be a name or a list of names, got {names!r}") from None
    resolved: list[str] = []
    for name in names:
        canonical = canonical_name(name)
        if canonical not in PROXIES:
            raise ValueError(
                f"unknown proxy {name!r}; available proxies are {', '.join(available_proxies())} "
                f"(and the alias {', '.join(f'{a!r} for {b!r}' for a, b in ALIASES.items())})"
            )
        if canonical not in resolved:
            resolved.append(canonical)
    if not resolved:
        raise ValueError("no proxy names were given; name at least one, e.g. proxies='synflow'")
    return tuple(resolved)
