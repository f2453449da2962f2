"""How many of the best candidates to refit and average on images: the winner alone against the best 2, 3, ...

One search per method and seed with ``ensemble_size=--members``: it refits the best
``--members`` candidates (the winner first, then by validation score, ties by validation loss)
on all the training split. The test accuracy of the average of the first m of them, for m = 1
(the winner alone) to ``--members``, comes from the same search, so the rows are paired: they
differ only in how many of the refitted networks ``predict`` averages. Also printed: the
search's wall time without the refit, and one refit's seconds (the price of each member).

Data: scikit-learn's digits as 8×8 images (75/25 stratified split per seed) with the
estimators' defaults (budget 20, 10 epochs, refit 20), or the MNIST subset (4,000 / 1,000)
with budget 10, 4 epochs, refit 10 (what ``real_data.py`` runs there). One torch thread per
search, ``--jobs`` searches at a time. Writes ``image_ensemble_<dataset>.md``.

    python benchmarks/image_ensemble.py --dataset digits              # 10 seeds, ~20 min on 2 cores
    python benchmarks/image_ensemble.py --dataset mnist --seeds 0,1,2  # ~20 min on 2 cores
    python benchmarks/image_ensemble.py --quick                        # smoke run, prints only
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
from joblib import Parallel, delayed

from _report import HERE, environment_lines, load, markdown_table, write_report

SETTINGS = {"digits": {}, "mnist": {"budget": 10, "epochs": 4, "final_epochs": 10}}


def one_search(method: str, seed: int, dataset: str, members: int, quick: bool) -> dict:
    """Fit one search with ``ensemble_size=members``; the test accuracy of the average of its
    first m refitted networks for each m, its search and refit seconds."""
    import torch

    import sknas
    from real_data import LOADERS
    from sknas.search._predict import AveragedNetworks

    torch.set_num_threads(1)
    data = LOADERS[dataset](seed)
    params = dict(budget=4, epochs=1, final_epochs=1) if quick else SETTINGS[dataset]
    search = getattr(sknas, method)(ensemble_size=members, image_shape=data.image_shape, device="cpu",
                                    random_state=seed, **params)
    start = time.perf_counter()
    search.fit(data.X_train, data.y_train)
    wall = time.perf_counter() - start
    # the first m networks averaged as predict averages them all (AveragedNetworks)
    X_test = torch.as_tensor(search.input_scaler_.transform(data.X_test))
    networks = search.ensemble_models_
    accuracy = []
    for m in range(1, len(networks) + 1):
        with torch.no_grad():
            predicted = AveragedNetworks(networks[:m], classification=True)(X_test).argmax(1).numpy()
        accuracy.append(float(np.mean(search.classes_[predicted] == data.y_test)))
    if accuracy[-1] != search.score(data.X_test, data.y_test):
        raise RuntimeError("the average of every refitted network does not give predict's accuracy")
    refit_s = search.search_timings_["refit_s"]
    return dict(method=method, seed=seed, accuracy=accuracy, search_s=wall - refit_s,
                refit_s_per_member=refit_s / len(networks))


def report(runs: list[dict], methods: list[str], seeds: list[int], members: int) -> list[str]:
    rows = []
    for method in methods:
        mine = sorted((r for r in runs if r["method"] == method), key=lambda r: r["seed"])
        alone = np.array([r["accuracy"][0] for r in mine])
        for m in range(1, members + 1):
            accuracy = np.array([r["accuracy"][min(m, len(r["accuracy"])) - 1] for r in mine])
            diff = accuracy - alone
            paired = "–" if m == 1 else (f"{diff.mean():+.4f} ({int((diff > 0).sum())}/{int((diff == 0).sum())}/"
                                         f"{int((diff < 0).sum())})")
            rows.append([method, m, f"{accuracy.mean():.4f} ± {accuracy.std():.4f}", paired,
                         f"{np.mean([r['search_s'] for r in mine]):.1f}",
                         f"{np.mean([r['refit_s_per_member'] for r in mine]):.1f}",
                         " ".join(f"{a:.3f}" for a in accuracy)])
    return [markdown_table(["method", "networks averaged", "test accuracy", "− winner alone (better/same/worse)",
                            "search s", "s per refit", "per seed"], rows, "lrlrrrl")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", choices=tuple(SETTINGS), default="digits")
    parser.add_argument("--methods", default="RandomSearch,POnasSearch")
    parser.add_argument("--seeds", default="0,1,2,3,4,5,6,7,8,9")
    parser.add_argument("--members", type=int, default=5, help="networks refitted (ensemble_size)")
    parser.add_argument("--jobs", type=int, default=2, help="searches at a time, one thread each")
    parser.add_argument("--quick", action="store_true", help="tiny searches, one seed; prints only")
    args = parser.parse_args(argv)
    methods = args.methods.split(",")
    seeds = [int(s) for s in args.seeds.split(",")][: 1 if args.quick else None]
    members = 2 if args.quick else args.members
    header = environment_lines(sys.argv if argv is None else [__file__, *argv])
    start = time.perf_counter()
    runs = Parallel(n_jobs=args.jobs)(delayed(one_search)(m, s, args.dataset, members, args.quick)
                                      for s in seeds for m in methods)
    elapsed = time.perf_counter() - start
    settings = ", ".join(f"{k}={v}" for k, v in SETTINGS[args.dataset].items()) or "the defaults"
    lines = [
        f"# Averaging the best candidates on images ({args.dataset})",
        "",
        *header,
        f"- seeds {','.join(map(str, seeds))}; {args.jobs} searches at a time, one torch thread each; load average at end: "
        f"{load()}; total run time {elapsed / 60:.1f} min",
        f"- each search: {settings}, `ensemble_size={members}`, `image_shape` given, device cpu, "
        "`precision=\"auto\"`",
        "",
        "Test accuracy of `predict` averaging the class probabilities of the first m refitted networks (the "
        "winner first), read off the same search for every m, so the rows of a method are paired; the paired "
        "column is the mean per-seed difference from the winner alone, and the seeds it is better, the same "
        "and worse. *search s*: the search without the refit; *s per refit*: what each averaged network adds.",
        "",
        *report(runs, methods, seeds, members),
    ]
    write_report("\n".join(lines), None if args.quick else HERE / f"image_ensemble_{args.dataset}.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
