"""
PO-NAS on NAS-Bench-201, side by side with RoBoT and random search
===================================================================

On a tabular benchmark a "training" is a table lookup, so strategies can be compared over
many seeds in seconds. This example runs :class:`~sknas.strategies.PONAS` (the strategy of
:class:`~sknas.POnasSearch`), RoBoT and random search for 20 queries on CIFAR-10 under the
``paper`` protocol, and plots the best test accuracy found after each query.
"""

# %%
# One run per strategy
# --------------------
# :func:`sknas.bench.run` builds the strategy from the benchmark's pool of 9,445 cells and
# their NAS-Bench-Suite-Zero proxies, asks, looks up, tells, and records every query.
# PO-NAS's wall time includes pre-training its graph encoder on the pool and re-training
# its weight generator after every query.

import matplotlib.pyplot as plt

from sknas.bench import NB201Benchmark, run

benchmark = NB201Benchmark("cifar10", protocol="paper")
records = {name: run(name, benchmark, budget=20, seeds=[0]) for name in ("ponas", "robot", "random")}
for name, record in records.items():
    r = record["runs"][0]
    print(f"{name:7s} test accuracy {r['test_accuracy']:.2f} %  best cell found at query "
          f"{r['queries_to_best']}  wall {r['wall_s']:.1f} s")
print(f"optimum of the pool: {benchmark.best_test_accuracy():.2f} %")

# %%
# Best so far
# -----------
# Each curve is the 200-epoch test accuracy of the best cell (by the queried 12-epoch
# validation accuracy) after each query. ``benchmarks/nb201_table.md`` has the same
# comparison over 30 seeds, three data sets and every strategy.

fig, ax = plt.subplots(figsize=(6, 4))
for name, record in records.items():
    curve = record["runs"][0]["best_so_far_test_accuracy"]
    ax.plot(range(1, len(curve) + 1), curve, marker="o", label=name)
ax.axhline(benchmark.best_test_accuracy(), color="grey", linestyle="--", label="optimum")
ax.set_xlabel("query")
ax.set_ylabel("test accuracy of the best so far (%)")
ax.set_ylim(85, 95)
ax.legend()
fig.tight_layout()
