"""Research-only variants of PO-NAS, registered for the benchmark scripts (not in the package).

Importing this module registers them in ``sknas.strategies.STRATEGIES`` beside the package's
own strategies, so ``sknas.bench.run("ponas-local", ...)`` runs them through the same driver.
"""

from __future__ import annotations

from functools import partial

from sknas.strategies import PONAS, register_strategy

#: PO-NAS (greedy by default) with one option changed: local steps from the 11th query, a GP
#: with log-EI or UCB, one global weighting, no pre-training, the reference's start (best mean
#: proxies).
PONAS_VARIANTS = {
    "ponas-local": dict(local_from=10),
    "ponas-ei": dict(acquisition="ei"),
    "ponas-ucb": dict(acquisition="ucb"),
    "ponas-global": dict(per_architecture=False),
    "ponas-no-pretrain": dict(pretrain=False),
    "ponas-mean-start": dict(start="mean"),
}

for _name, _options in PONAS_VARIANTS.items():
    register_strategy(_name, single=partial(PONAS, **_options))
