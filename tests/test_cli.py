"""The command line, ``python -m sknas``: its subcommands, their options, outputs and error messages."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from sknas.__main__ import main

from _helpers import BEST_CELL, CUT_OFF_CELL, nb201_strings, write_csv


def test_cli_rejects_unknown_command():
    completed = subprocess.run(
        [sys.executable, "-m", "sknas", "nonsense"], capture_output=True, text=True
    )
    assert completed.returncode == 2
    assert "invalid choice" in completed.stderr


# ---------------------------------------------------------------------------------------------
# bench on NAS-Bench-201: outputs, seeds, usage errors, interruptions, hardware tables
# ---------------------------------------------------------------------------------------------


def test_cli_writes_the_json(tmp_path):
    out = tmp_path / "runs.json"
    completed = subprocess.run(
        [sys.executable, "-m", "sknas", "bench", "--strategy", "random", "--benchmark", "nb201-cifar100",
         "--budget", "5", "--seeds", "3-5", "--json", str(out), "--markdown", str(tmp_path / "t.md"),
         "--plot", str(tmp_path / "p.png")],
        capture_output=True, text=True, timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert "proxies are cifar10's" in completed.stdout
    record = json.loads(out.read_text())
    assert [r["seed"] for r in record["runs"]] == [3, 4, 5] and record["budget"] == 5
    table = (tmp_path / "t.md").read_text()
    assert "| random | nb201-cifar100 | paper | 5 | 3 |" in table and "| robot | 73.51 |" in table
    assert (tmp_path / "p.png").stat().st_size > 1000
    assert not (tmp_path / "runs.json.partial.jsonl").exists()  # the runs as they finished, dropped once written


def test_cli_rejects_bad_seeds():
    completed = subprocess.run(
        [sys.executable, "-m", "sknas", "bench", "--strategy", "random", "--seeds", "a-b"],
        capture_output=True, text=True, timeout=300,
    )
    assert completed.returncode == 2 and "seeds must read like 0-29" in completed.stderr


def _cli_error(capsys, *argv) -> str:
    """The one-line error of ``python -m sknas bench ARGV`` run in this process (exit status 2)."""
    with pytest.raises(SystemExit) as exit_info:
        main(["bench", "--strategy", "random", *argv])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    (line,) = [line for line in err.splitlines() if "error:" in line]
    return line


@pytest.mark.parametrize("argv, message", [
    (["--budget", "0"], "argument --budget: must be an integer >= 1, got '0'"),
    (["--seeds=-1"], "argument --seeds: seeds must be >= 0, got -1"),
    (["--seeds", "0-x"], "argument --seeds: seeds must read like 0-29 or 0,3,7; got '0-x'"),
    (["--seeds", "3-1"], "'3-1' names no seed"),
    (["--seeds", "0-999999999"], "names more than 100,000 seeds"),
    (["--batch-size", "-2"], "argument --batch-size: must be an integer >= 1"),
    (["--n-jobs", "0"], "argument --n-jobs: must be an integer >= 1, or -1"),
    (["--objectives", "accuracy,edgegpu_latency", "--bounds", "x"], "--bounds reads one number per cost column"),
])
def test_cli_bad_numbers_are_one_line_usage_errors(capsys, argv, message):
    assert message in _cli_error(capsys, *argv)


@pytest.fixture
def no_runs(monkeypatch):
    """Fails the test if the command gets as far as loading a benchmark."""
    def refuse(*args, **kwargs):
        raise AssertionError("the outputs must be checked before any run")

    monkeypatch.setattr("sknas.bench.make_benchmark", refuse)
    monkeypatch.setattr("sknas.bench.run_fronts", refuse)


@pytest.mark.parametrize("option, name, message", [
    ("--json", "missing/runs.json", "the folder '{tmp}/missing' does not exist; create it first"),
    ("--markdown", "missing/t.md", "the folder '{tmp}/missing' does not exist"),
    ("--plot", "missing/p.png", "the folder '{tmp}/missing' does not exist"),
    ("--plot", "p.xyz", "matplotlib cannot write '.xyz' files; end the name with one of"),
    ("--plot", "plot", "matplotlib cannot write a file name without an extension"),
    ("--json", ".", "is a folder; give the name of a file to write"),
])
def test_cli_checks_the_outputs_before_any_run(capsys, tmp_path, no_runs, option, name, message):
    line = _cli_error(capsys, "--budget", "2", "--seeds", "0", option, str(tmp_path / name))
    assert message.format(tmp=tmp_path) in line
    # the multi-objective command checks them first too
    line = _cli_error(capsys, "--objectives", "accuracy,edgegpu_latency", option, str(tmp_path / name))
    assert message.format(tmp=tmp_path) in line or "--markdown writes the single-objective" in line


def test_cli_keeps_the_runs_of_an_interrupted_command(capsys, tmp_path, monkeypatch):
    import sknas.bench._run as harness

    finished = harness.run_one

    def interrupted_at_seed_1(*args, **kwargs):
        if args[3] == 1:
            raise KeyboardInterrupt
        return finished(*args, **kwargs)

    monkeypatch.setattr(harness, "run_one", interrupted_at_seed_1)
    out = tmp_path / "runs.json"
    assert main(["bench", "--strategy", "random", "--budget", "2", "--seeds", "0-2", "--json", str(out)]) == 130
    partial = tmp_path / "runs.json.partial.jsonl"
    assert not out.exists() and "interrupted after 1 finished runs" in capsys.readouterr().err
    (line,) = partial.read_text().splitlines()
    assert json.loads(line)["seed"] == 0 and json.loads(line)["n_queries"] == 2
    # the next command does not overwrite them
    line = _cli_error(capsys, "--budget", "2", "--seeds", "0-2", "--json", str(out))
    assert "holds the runs of an earlier run that did not finish; move or delete it first" in line
    partial.unlink()
    monkeypatch.setattr(harness, "run_one", finished)
    assert main(["bench", "--strategy", "random", "--budget", "2", "--seeds", "0-1", "--json", str(out)]) == 0
    assert [r["seed"] for r in json.loads(out.read_text())["runs"]] == [0, 1] and not partial.exists()


def test_cli_reports_a_ragged_or_binary_hardware_table(capsys, tmp_path):
    ragged = tmp_path / "ragged.csv"
    ragged.write_text(f"arch_str,ms\n{BEST_CELL},1\n{CUT_OFF_CELL},2,3\n")
    for table, message in ((ragged, "line 3: 3 fields where the header has 2"), ("/dev/zero", "not a text CSV file")):
        with pytest.raises(SystemExit, match=f"cannot use the hardware table: .*{message}"):
            main(["bench", "--strategy", "random", "--budget", "2", "--seeds", "0",
                  "--hw-table", str(table), "--hw-column", "ms"])


def test_cli_reports_a_hardware_column(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "sknas", "bench", "--strategy", "zero-cost", "--budget", "5", "--seeds", "0",
         "--hw-column", "edgegpu_latency"],
        capture_output=True, text=True, timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert "edgegpu_latency of the cell found:" in completed.stdout


# ---------------------------------------------------------------------------------------------
# bench on TransNAS-Bench-101 and on a researcher's table
# ---------------------------------------------------------------------------------------------


def test_cli_a_strategy_that_needs_proxies_on_a_table_without_any(tmp_path):
    cells = nb201_strings(3)
    path = write_csv(tmp_path / "plain.csv", ["arch_str", "acc"], [[c, i] for i, c in enumerate(cells)])
    with pytest.raises(SystemExit) as info:
        main(["bench", "--strategy", "zero-cost", "--table", str(path), "--space", "nb201", "--objective", "acc",
              "--budget", "2", "--seeds", "0"])
    assert "cannot run zero-cost" in str(info.value) and "no zero-cost proxy columns" in str(info.value)


def test_cli_on_tnb101(tmp_path, capsys):
    out, table = tmp_path / "r.json", tmp_path / "r.md"
    assert main(["bench", "--strategy", "random", "--benchmark", "tnb101-micro-class_scene", "--budget", "20",
                 "--seeds", "0-2", "--json", str(out), "--markdown", str(table)]) == 0
    printed = capsys.readouterr().out
    assert "random on tnb101-micro-class_scene, budget 20, 3 seeds" in printed
    assert "protocol" not in printed.splitlines()[0]
    assert any(line.startswith("rank: ") for line in printed.splitlines())
    assert "search_cost_s: not recorded by this benchmark" in printed
    assert "rank found" in printed
    for method in ("REA", "RS", "RoBoT (other proxies)"):
        assert f"| {method} |" in printed
    assert "| RS | 40 ± 35 |" in printed
    record = json.loads(out.read_text())
    assert [r["seed"] for r in record["runs"]] == [0, 1, 2]
    assert all(isinstance(r["rank"], int) and r["rank"] >= 1 for r in record["runs"])
    written = table.read_text()
    assert "| random | tnb101-micro-class_scene | 20 | 3 |" in written and "| REA |" in written


def test_cli_on_a_table(tmp_path, capsys):
    cells = nb201_strings(12, seed=5)
    path = write_csv(tmp_path / "mine.csv", ["arch_str", "acc", "synflow"],
                     [[c, 60.0 + i, 1.0 * i] for i, c in enumerate(cells)])
    out = tmp_path / "r.json"
    assert main(["bench", "--strategy", "zero-cost", "--table", str(path), "--space", "nb201", "--objective", "acc",
                 "--budget", "5", "--seeds", "0,1", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "zero-cost on mine.csv" in printed and "proxies weighed: synflow" in printed
    assert "rank found" in printed and "published" not in printed
    record = json.loads(out.read_text())
    assert record["benchmark"] == "mine.csv" and [r["n_queries"] for r in record["runs"]] == [5, 5]
    # explicit --proxies and --key
    renamed = write_csv(tmp_path / "keyed.csv", ["genotype", "acc", "snip", "synflow"],
                        [[c, 60.0 + i, 2.0, 1.0] for i, c in enumerate(cells)])
    assert main(["bench", "--strategy", "zero-cost", "--table", str(renamed), "--space", "cell", "--objective",
                 "acc", "--key", "genotype", "--proxies", "snip", "--budget", "3", "--seeds", "0"]) == 0
    assert "proxies weighed: snip" in capsys.readouterr().out


def _cli_usage_error(capsys, *argv) -> str:
    """The one-line usage error of ``python -m sknas bench ARGV`` (exit status 2)."""
    with pytest.raises(SystemExit) as info:
        main(["bench", "--strategy", "random", "--budget", "2", "--seeds", "0", *argv])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    (line,) = [line for line in err.splitlines() if "error:" in line]
    return line


def test_cli_usage_errors(tmp_path, capsys):
    cells = nb201_strings(3)
    path = write_csv(tmp_path / "t.csv", ["arch_str", "acc"], [[c, i] for i, c in enumerate(cells)])
    line = _cli_usage_error(capsys, "--table", str(path))
    assert "--table needs --space NAME" in line and "nb201" in line and "--objective COLUMN" in line
    line = _cli_usage_error(capsys, "--table", str(path), "--space", "nb201")
    assert "--table needs --space NAME" in line
    line = _cli_usage_error(capsys, "--table", str(path), "--space", "unknown", "--objective", "acc")
    assert "--space 'unknown' is not a registered space" in line and "tnb101-micro" in line
    line = _cli_usage_error(capsys, "--objective", "acc")
    assert "describe a --table; give --table FILE.csv too" in line
    line = _cli_usage_error(capsys, "--benchmark", "tnb101-macro-jigsaw", "--protocol", "own")
    assert "the protocol 'own' is NAS-Bench-201's" in line and "tnb101-macro-jigsaw" in line


@pytest.mark.parametrize("header, rows, objective, message", [
    (["arch_str", "val"], [["|none~0|+|none~0|none~1|+|none~0|none~1|none~2|", 1]], "acc",
     "no column 'acc'; its columns are 'arch_str', 'val'"),
    (["arch_str", "acc"], [["|none~0|+|none~0|none~1|+|none~0|none~1|none~2|", 1], ["garbage", 2]], "acc",
     "row 1 of .*: the column 'arch_str' holds 'garbage'.*expected the form"),
    (["arch_str", "acc"], [["|none~0|+|none~0|none~1|+|none~0|none~1|none~2|", ""]], "acc",
     "the objective column 'acc' .* is empty or NaN in row 0"),
])
def test_cli_bad_tables_exit_with_the_problem(tmp_path, capsys, header, rows, objective, message):
    path = write_csv(tmp_path / "bad.csv", header, rows)
    with pytest.raises(SystemExit) as info:
        main(["bench", "--strategy", "random", "--table", str(path), "--space", "nb201", "--objective", objective,
              "--budget", "2", "--seeds", "0"])
    assert isinstance(info.value.code, str) and info.value.code.startswith("cannot use the table: ")
    assert re.search(message, info.value.code)


def test_cli_a_missing_table_file(tmp_path):
    with pytest.raises(SystemExit, match="cannot use the table: .*nope.csv"):
        main(["bench", "--strategy", "random", "--table", str(tmp_path / "nope.csv"), "--space", "nb201",
              "--objective", "acc", "--budget", "2", "--seeds", "0"])


# ---------------------------------------------------------------------------------------------
# bench --objectives: multi-objective fronts
# ---------------------------------------------------------------------------------------------


def test_cli_multi_objective(tmp_path):
    out = tmp_path / "fronts.json"
    command = [sys.executable, "-m", "sknas", "bench", "--strategy", "nsga2", "--budget", "10", "--seeds", "0-1",
               "--objectives", "accuracy,edgegpu_latency,fpga_energy", "--json", str(out)]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert "hypervolume ratio:" in completed.stdout
    record = json.loads(out.read_text())
    assert record["objectives"] == ["accuracy", "edgegpu_latency", "fpga_energy"]
    assert len(record["reference"]) == 3
    bad = subprocess.run(command[:8], capture_output=True, text=True, timeout=300)
    assert bad.returncode != 0 and "give --objectives accuracy,COLUMN" in bad.stderr
    mismatch = subprocess.run(command + ["--bounds", "1,2,3"], capture_output=True, text=True, timeout=300)
    assert mismatch.returncode != 0 and "one bound per cost column (2), got 3" in mismatch.stderr
