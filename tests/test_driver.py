"""The driver: one ask → evaluate → tell loop, resume by replay, batches, checkpoints, callbacks."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from sknas.driver import Checkpoint, SearchState, checkpoint_file, notify, run_search
from sknas.evaluation import EvaluationResult
from sknas.spaces import CellSpace, make_space
from sknas.strategies import RandomStrategy, RegularizedEvolution, make_strategy, register_strategy, strategy_names
from sknas.strategies._registry import STRATEGIES


class ToyEvaluator:
    """The number of 3x3 convolutions of a cell: a lookup, no training."""

    space = CellSpace()

    def __init__(self):
        self.calls = []

    def evaluate(self, arch):
        self.calls.append(str(arch))
        return EvaluationResult(float(sum(op == "nor_conv_3x3" for op in arch.ops)), cost_s=0.0)


def evolution(seed=0):
    spec = RegularizedEvolution(population_size=4, tournament_size=2)
    return spec.setup(CellSpace(), np.random.default_rng(seed))


def test_the_loop_reaches_the_budget_in_batches():
    evaluator = ToyEvaluator()
    history = run_search(evolution(), evaluator, budget=7, batch_size=3)
    assert len(history) == 7 == len({str(a) for a, _ in history})
    assert [str(a) for a, _ in history] == evaluator.calls


def test_a_resumed_search_replays_its_history_and_ends_as_an_uninterrupted_one():
    whole = run_search(evolution(), ToyEvaluator(), budget=10, batch_size=2)
    state = SearchState()
    run_search(evolution(), ToyEvaluator(), budget=6, batch_size=2, state=state)
    state = SearchState.from_json(json.loads(json.dumps(state.to_json())))
    assert "history" not in state.strategy and "asked" not in state.strategy  # the driver owns the history
    evaluator = ToyEvaluator()
    resumed = run_search(evolution(), evaluator, budget=10, batch_size=2, state=state)
    assert [str(a) for a, _ in resumed] == [str(a) for a, _ in whole]
    assert evaluator.calls == [str(a) for a, _ in whole[6:]]  # nothing evaluated twice


def test_an_adaptive_search_resumes_only_with_its_batch_size():
    state = SearchState()
    run_search(evolution(), ToyEvaluator(), budget=4, batch_size=2, state=state)
    with pytest.raises(ValueError, match="asking 2 architectures at a time.*n_jobs=2"):
        run_search(evolution(), ToyEvaluator(), budget=6, batch_size=3, state=state)
    random_state = SearchState()
    random = RandomStrategy()
    run_search(random.setup(CellSpace(), np.random.default_rng(0)), ToyEvaluator(), budget=4, batch_size=2,
               state=random_state)
    longer = run_search(random.setup(CellSpace(), np.random.default_rng(0)), ToyEvaluator(), budget=6,
                        batch_size=3, state=random_state)
    direct = run_search(random.setup(CellSpace(), np.random.default_rng(0)), ToyEvaluator(), budget=6)
    assert [str(a) for a, _ in longer] == [str(a) for a, _ in direct]  # random draws ignore batching


def test_asked_architectures_are_pending_until_told():
    strategy = evolution()
    asked = strategy.ask(3)
    assert strategy.pending == set(asked)
    strategy.tell(asked[:1], [EvaluationResult(1.0, 0.0)])
    assert strategy.pending == set(asked[1:])
    assert not set(strategy.ask(2)) & set(asked)


def test_a_spec_holds_options_only_and_binds_copies():
    spec = RegularizedEvolution(population_size=4, tournament_size=2)
    with pytest.raises(RuntimeError, match="unbound spec"):
        spec.ask(1)
    one, two = spec.setup(CellSpace(), np.random.default_rng(0)), spec.setup(CellSpace(), np.random.default_rng(0))
    assert one.ask(2) == two.ask(2) and not hasattr(spec, "history")
    assert spec.get_options() == {"population_size": 4, "tournament_size": 2}
    with pytest.raises(ValueError, match="needs pool and proxy_scores"):
        make_strategy("zero-cost").setup(CellSpace(), np.random.default_rng(0))


def test_one_registry_of_strategies_and_of_spaces():
    assert {"random", "evolution", "ponas", "robot", "bo", "zero-cost", "reinforce"} <= set(strategy_names())
    assert "nsga2" in strategy_names(multi_objective=True) and "nsga2" not in strategy_names(multi_objective=False)
    with pytest.raises(ValueError, match="unknown strategy 'evolutoin'.*registered single-objective.*evolution"):
        make_strategy("evolutoin")
    with pytest.raises(ValueError, match="unknown strategy 'evolution'.*multi-objective.*nsga2"):
        make_strategy("evolution", multi_objective=True)
    try:
        register_strategy("evolution-8", single=lambda **options: RegularizedEvolution(population_size=8, **options))
        assert make_strategy("evolution-8", tournament_size=3).get_options() == {
            "population_size": 8, "tournament_size": 3}
    finally:
        STRATEGIES.pop("evolution-8")
    assert isinstance(make_space("nb201"), CellSpace)
    with pytest.raises(ValueError, match="unknown space 'cel'.*'cell'.*'mlp'"):
        make_space("cel")


# -- checkpoints ---------------------------------------------------------------------------


def test_a_folder_gives_each_search_its_own_file(tmp_path):
    assert checkpoint_file(tmp_path, "abc123", "RandomSearch") == tmp_path / "RandomSearch-abc123.json"
    created = checkpoint_file(f"{tmp_path}/new/", "f00", "EvolutionSearch")
    assert created.parent.is_dir() and created.name == "EvolutionSearch-f00.json"
    assert checkpoint_file(tmp_path / "search.json", "abc123", "RandomSearch") == tmp_path / "search.json"


def test_a_checkpoint_in_use_by_another_search_is_refused(tmp_path):
    path = tmp_path / "search.json"
    with Checkpoint(path):
        with pytest.raises(ValueError, match="in use by another search"):
            Checkpoint(path).open()
    with Checkpoint(path):  # released at the end of the first
        pass


def test_an_unwritable_checkpoint_is_a_clear_error_and_leaves_nothing_behind(tmp_path):
    path = tmp_path / "search.json"
    (tmp_path / ".search.json.lock").mkdir()  # the lock cannot be created (even by root)
    with pytest.raises(ValueError, match="cannot write checkpoint .*search.json"):
        Checkpoint(path).open()
    other = Checkpoint(tmp_path / "other.json").open()
    (tmp_path / f".other.json.{os.getpid()}.tmp").mkdir()  # nor the state written
    with pytest.raises(ValueError, match="cannot write checkpoint"):
        other.write(SearchState(), strict=True)
    with pytest.warns(RuntimeWarning, match="goes on without saving"):
        other.write(SearchState())
    other.close()
    assert not (tmp_path / "other.json").exists()


def test_the_checkpoint_is_written_after_every_evaluation(tmp_path):
    path = tmp_path / "search.json"
    sizes = []

    class Read:
        def on_candidate_end(self, search, **info):
            sizes.append(len(json.loads(path.read_text())["results"]))

    with Checkpoint(path) as checkpoint:
        run_search(evolution(), ToyEvaluator(), budget=4, batch_size=2, state=SearchState(), checkpoint=checkpoint,
                   callbacks=[Read()])
    assert sizes == [2, 2, 4, 4]  # a batch is told (and its callbacks run) once all of it is saved
    assert not list(tmp_path.glob("*.tmp"))


# -- callbacks -----------------------------------------------------------------------------


def test_hooks_get_the_keywords_they_name():
    seen = {}

    class Old:
        def on_candidate_end(self, search, architecture, result):
            seen["old"] = (architecture, result)

    class New:
        def on_candidate_end(self, search, **info):
            seen["new"] = sorted(info)

    notify([Old(), New()], "on_candidate_end", None, architecture="a", result="r", n_done=1, budget=2, best=0.5)
    assert seen == {"old": ("a", "r"), "new": ["architecture", "best", "budget", "n_done", "result"]}


def test_the_loop_reports_its_phases_to_callbacks():
    events = []

    class Record:
        def on_search_begin(self, search, budget, n_done):
            events.append(("begin", budget, n_done))

        def on_propose_begin(self, search, n):
            events.append(("propose", n))

        def on_candidate_end(self, search, n_done, best):
            events.append(("candidate", n_done))

    run_search(evolution(), ToyEvaluator(), budget=3, batch_size=2, callbacks=[Record()])
    assert events == [("begin", 3, 0), ("propose", 2), ("candidate", 1), ("candidate", 2), ("propose", 1),
                      ("candidate", 3)]


def test_ctrl_c_while_a_batch_is_handed_over_keeps_the_batch():
    import signal

    class InterruptedWhileTold(RegularizedEvolution):
        def tell(self, archs, results):
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C in the middle of the hand-over
            super().tell(archs, results)

    strategy = InterruptedWhileTold(population_size=4, tournament_size=2).setup(CellSpace(), np.random.default_rng(0))
    state = SearchState()
    # Python's own Ctrl-C handler, as in a user's session: a test worker may run with another
    # (an earlier test or a library in the same process can leave SIGINT ignored)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.warns(RuntimeWarning, match="search interrupted after 2 of 6"):
            history = run_search(strategy, ToyEvaluator(), budget=6, batch_size=2, state=state)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert len(history) == 2 and state.n_told == 2 == len(strategy.history)
    assert state.strategy == strategy.state_dict()  # the state matches the history it was saved with


# -- edited checkpoint files ---------------------------------------------------------------


def _written_state(tmp_path):
    """A real checkpoint file of 3 results and the JSON it holds."""
    path = tmp_path / "search.json"
    with Checkpoint(path) as checkpoint:
        run_search(evolution(), ToyEvaluator(), budget=3, state=SearchState(fingerprint="f", seed=0),
                   checkpoint=checkpoint)
    return path, json.loads(path.read_text())


def _edit(keys, value):
    def edit(payload):
        *parents, last = keys
        for key in parents:
            payload = payload[key]
        payload[last] = value
    return edit


@pytest.mark.parametrize("edit, message", [
    (_edit(["n_told"], 7), "n_told must be an integer from 0 to the 3 results, got 7"),
    (_edit(["n_told"], "2"), "n_told must be an integer"),
    (_edit(["seed"], [1]), r"seed must be null or an integer >= 0, got \[1\]"),
    (_edit(["batch_size"], 0), "batch_size must be null or an integer >= 1"),
    (_edit(["fingerprint"], 3), "fingerprint must be a string, got int"),
    (_edit(["strategy"], [1, 2]), "strategy must be null or an object"),
    (_edit(["results"], {"a": 1}), "results must be a list"),
    (_edit(["results", 1], ["|x|"]), r"results\[1\] must be a pair \[architecture string, result\]"),
    (_edit(["results", 0, 1, "status"], "great"), r"results\[0\] \(.*\): status must be 'ok' or 'failed'"),
    (_edit(["results", 0, 1, "objective"], "high"), "objective must be a number or null, got 'high'"),
    (_edit(["results", 0, 1, "metrics"], [1]), "metrics must be an object"),
    (_edit(["results", 2, 1], {"objective": 1.0}), r"results\[2\] .*the result lacks \['cost_s', 'metrics'"),
    (_edit(["strategy", "deep"], json.loads("[" * 80 + "]" * 80)), "nests lists and dicts more than 64 deep"),
])
def test_an_edited_checkpoint_is_a_clear_error(tmp_path, edit, message):
    path, payload = _written_state(tmp_path)
    assert Checkpoint(path).read().n_told == 3  # as written, it reads
    edit(payload)
    path.write_text(json.dumps(payload))
    with pytest.raises(ValueError, match=f"cannot be read as a sknas search state \\(.*{message}"):
        Checkpoint(path).read()


def test_a_checkpoint_nested_beyond_what_json_reads_is_a_clear_error(tmp_path):
    path, payload = _written_state(tmp_path)
    text = json.dumps(payload).replace('"strategy": {', '"strategy": {"deep": ' + "[" * 100_000 + "]" * 100_000 + ", ")
    path.write_text(text)
    with pytest.raises(ValueError, match="cannot be read as a sknas search state .*recursion"):
        Checkpoint(path).read()
