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
#: weighting, no pre-training, the reference's start (best mean proxies).
#: The online fit's variants pin both of its settings, so that their rows keep their meaning
#: now that the default is one 100-epoch period at learning rate 1e-3 (since 2026-12-01):
#: the reference's learning rate 3e-4 with restarts up to 1,000 epochs per query, ending
#: when a period lowers the loss by less than 1 % / 5 % (``ponas-stall-5pc``: the default from
#: 2026-11-30 to 2026-12-01, so ``ponas`` rows measured then equal it) / never (``ponas`` rows
#: measured before 2026-11-30 equal ``ponas-no-stall``); the same capped at 300 / 200 / 100
#: epochs; and 100 epochs at 3e-3 or 300 at 1e-3.
REFERENCE_FIT = dict(online_learning_rate=3e-4, max_online_epochs=1000)
PONAS_VARIANTS = {
    "ponas-ei": dict(acquisition="ei", **GP_OPTIONS),
    "ponas-ucb": dict(acquisition="ucb", **GP_OPTIONS),
    "ponas-ei-1": dict(acquisition="ei"),
    "ponas-ensemble": dict(**GP_OPTIONS),
    "ponas-local": dict(local_from=10),
    "ponas-global": dict(per_architecture=False),
    "ponas-no-pretrain": dict(pretrain=False),
    "ponas-mean-start": dict(start="mean"),
    "ponas-stall-1pc": dict(REFERENCE_FIT, online_min_improvement=0.01),
    "ponas-stall-5pc": dict(REFERENCE_FIT, online_min_improvement=0.05),
    "ponas-no-stall": dict(REFERENCE_FIT, online_min_improvement=None),
    "ponas-online-300": dict(REFERENCE_FIT, max_online_epochs=300),
    "ponas-online-200": dict(REFERENCE_FIT, max_online_epochs=200),
    "ponas-e100": dict(REFERENCE_FIT, max_online_epochs=100),
    "ponas-lr3e-3-e100": dict(max_online_epochs=100, online_learning_rate=3e-3),
    "ponas-lr1e-3-e300": dict(max_online_epochs=300, online_learning_rate=1e-3),
}

for _name, _options in PONAS_VARIANTS.items():
    register_strategy(_name, single=partial(PONAS, **_options))
