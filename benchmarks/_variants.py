"""Research-only variants of PO-NAS, registered for the benchmark scripts (not in the package).

Importing this module registers them in ``sknas.strategies.STRATEGIES`` beside the package's
own strategies, so ``sknas.bench.run("ponas-local", ...)`` runs them through the same driver.
"""

from __future__ import annotations

from functools import partial

from sknas.strategies import PONAS, register_strategy

#: PO-NAS with one option changed. The default is BoTorch log-EI over the proxy-contribution
#: GP of 4 re-initialised weight generators (since 2026-12-01, session 17; ``ponas`` rows
#: measured before are greedy by one generator: ``ponas-greedy``). Every variant that
#: predates it pins what it changed and the rule it was measured with, so that its rows keep
#: their meaning: GP variants over 4 warm-started members (``ponas-ei``, ``ponas-ucb``), over
#: one re-initialised generator (``ponas-ei-1``...); greedy over 4 warm-started members
#: (``ponas-ensemble``) or 4 re-initialised ones (``ponas-greedy-4r``); greedy with local steps
#: from the 11th query, one global weighting, no pre-training, the reference's start (best
#: mean proxies).
#: The online fit's variants pin both of its settings too: the default is one 100-epoch
#: period at learning rate 1e-3 (since 2026-12-01), and they are the reference's learning
#: rate 3e-4 with restarts up to 1,000 epochs per query, ending when a period lowers the loss
#: by less than 1 % / 5 % (``ponas-stall-5pc``: the default from 2026-11-30 to 2026-12-01) /
#: never (``ponas`` rows measured before 2026-11-30 equal ``ponas-no-stall``); the same capped
#: at 300 / 200 / 100 epochs; and 100 epochs at 3e-3 or 300 at 1e-3.
#: The acquisition's screen: the 64 open members of largest S and the open neighbours of the 3
#: best queried architectures (since 2026-12-03, session 27); ``ponas`` rows measured before
#: screened the 64 of largest S only: ``ponas-screen-score``. The GP variants measured before pin
#: that screen.
SCREEN_SCORE = dict(screen_by="score")
GREEDY = dict(acquisition="greedy", n_members=1)
WARM_ENSEMBLE = dict(n_members=4, warm_start=True)
REFERENCE_FIT = dict(GREEDY, online_learning_rate=3e-4, max_online_epochs=1000)
PONAS_VARIANTS = {
    "ponas-greedy": dict(GREEDY),
    "ponas-full-pool": dict(n_screened=None),
    "ponas-screen-score": dict(SCREEN_SCORE),
    "ponas-screen-both": dict(screen_by="both"),
    "ponas-structure": dict(SCREEN_SCORE, structure_kernel=True),
    "ponas-structure-both": dict(structure_kernel=True, screen_by="both"),
    "ponas-structure-neighbours": dict(structure_kernel=True, screen_by="neighbours"),
    "ponas-ei": dict(SCREEN_SCORE, acquisition="ei", **WARM_ENSEMBLE),
    "ponas-ucb": dict(SCREEN_SCORE, acquisition="ucb", **WARM_ENSEMBLE),
    "ponas-ei-1": dict(SCREEN_SCORE, acquisition="ei", n_members=1),
    "ponas-ucb-1": dict(SCREEN_SCORE, acquisition="ucb", n_members=1),
    "ponas-ei-1-all": dict(acquisition="ei", n_members=1, n_screened=None),
    "ponas-cross-fit": dict(SCREEN_SCORE, acquisition="ei", n_members=4, cross_fit=True),
    "ponas-ensemble": dict(acquisition="greedy", **WARM_ENSEMBLE),
    "ponas-greedy-4r": dict(acquisition="greedy", n_members=4),
    "ponas-local": dict(GREEDY, local_from=10),
    "ponas-global": dict(GREEDY, per_architecture=False),
    "ponas-no-pretrain": dict(GREEDY, pretrain=False),
    "ponas-mean-start": dict(GREEDY, start="mean"),
    "ponas-stall-1pc": dict(REFERENCE_FIT, online_min_improvement=0.01),
    "ponas-stall-5pc": dict(REFERENCE_FIT, online_min_improvement=0.05),
    "ponas-no-stall": dict(REFERENCE_FIT, online_min_improvement=None),
    "ponas-online-300": dict(REFERENCE_FIT, max_online_epochs=300),
    "ponas-online-200": dict(REFERENCE_FIT, max_online_epochs=200),
    "ponas-e100": dict(REFERENCE_FIT, max_online_epochs=100),
    "ponas-lr3e-3-e100": dict(GREEDY, max_online_epochs=100, online_learning_rate=3e-3),
    "ponas-lr1e-3-e300": dict(GREEDY, max_online_epochs=300, online_learning_rate=1e-3),
    # the default's GP with a shorter online fit at a larger learning rate (cheaper per query)
    "ponas-e35-lr3e-3": dict(online_epochs=35, max_online_epochs=35, online_learning_rate=3e-3),
    "ponas-e50-lr2e-3": dict(online_epochs=50, max_online_epochs=50, online_learning_rate=2e-3),
}

for _name, _options in PONAS_VARIANTS.items():
    register_strategy(_name, single=partial(PONAS, **_options))
