"""Research-only variants of PO-NAS, registered for the benchmark scripts (not in the package).

Importing this module registers them in ``sknas.strategies.STRATEGIES`` beside the package's
own strategies, so ``sknas.bench.run("ponas-local", ...)`` runs them through the same driver.
"""

from __future__ import annotations

from functools import partial

from sknas.strategies import PONAS, register_strategy
from sknas.strategies._ponas import GP_ENSEMBLE as GP_OPTIONS

#: PO-NAS (greedy by default) with one option changed: BoTorch log-EI or UCB over the
#: proxy-contribution GP (4 warm-started members, or one re-initialised weighting as the
#: reference fits it), greedy over an ensemble, local steps from the 11th query, one global
#: weighting, no pre-training, the reference's start (best mean proxies), and online fits that
#: stop when a restart period lowers the loss by less than 1 % / 5 % (the default since the
#: 2026-11-30 round; ``ponas`` rows measured before it equal ``ponas-no-stall``) / never, and
#: online fits capped at 300 / 200 epochs per query (1,000 by default), and online fits of one
#: 100-epoch period at AdamW learning rates 3e-4 (the reference's) / 1e-3 / 3e-3, or of 300
#: epochs at 1e-3.
PONAS_VARIANTS = {
    "ponas-ei": dict(acquisition="ei", **GP_OPTIONS),
    "ponas-ucb": dict(acquisition="ucb", **GP_OPTIONS),
    "ponas-ei-1": dict(acquisition="ei"),
    "ponas-ensemble": dict(**GP_OPTIONS),
    "ponas-local": dict(local_from=10),
    "ponas-global": dict(per_architecture=False),
    "ponas-no-pretrain": dict(pretrain=False),
    "ponas-mean-start": dict(start="mean"),
    "ponas-stall-1pc": dict(online_min_improvement=0.01),
    "ponas-stall-5pc": dict(online_min_improvement=0.05),
    "ponas-no-stall": dict(online_min_improvement=None),
    "ponas-online-300": dict(max_online_epochs=300),
    "ponas-online-200": dict(max_online_epochs=200),
    "ponas-e100": dict(max_online_epochs=100),
    "ponas-lr1e-3-e100": dict(max_online_epochs=100, online_learning_rate=1e-3),
    "ponas-lr3e-3-e100": dict(max_online_epochs=100, online_learning_rate=3e-3),
    "ponas-lr1e-3-e300": dict(max_online_epochs=300, online_learning_rate=1e-3),
}

for _name, _options in PONAS_VARIANTS.items():
    register_strategy(_name, single=partial(PONAS, **_options))
