"""``graphgrad search show STORE [--plot OUT.png]``."""
import os
import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from graphgrad.train import LogUniform, SearchSpace, TrialStore, search, toy_objective
from viz.cli import main

SPACE = SearchSpace(lr=LogUniform(1e-5, 1e-1), reg=LogUniform(1e-6, 1e-1))


def test_show_prints_the_sorted_table_and_plots(tmp_path, capsys):
    path = tmp_path / "s.sqlite"
    with ThreadPoolExecutor(2) as ex:
        res = search(toy_objective, SPACE, n_trials=6, storage=path, executor=ex)
    out_png = tmp_path / "scatter.png"
    assert main(["search", "show", str(path), "--plot", str(out_png)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    head = next(i for i, l in enumerate(lines) if l.startswith("rank"))
    rows = lines[head + 1:head + 7]
    vals = [float(r.split()[4]) for r in rows]
    assert vals == sorted(vals, reverse=True) and len(vals) == 6
    assert abs(vals[0] - res.best.val_acc) < 1e-4
    assert "trials: 6 done" in out
    assert open(out_png, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    assert main(["search", "show", str(path), "--limit", "2"]) == 0
    assert "     3 " not in capsys.readouterr().out


def test_show_while_a_trial_is_running(tmp_path, capsys):
    path = tmp_path / "s.sqlite"
    store = TrialStore(path)
    store.initialise(SPACE, {"method": "random"})
    store.claim()
    store.start_trial(0, 0, {"lr": 1e-3, "reg": 1e-4}, 1)
    t = store.start_trial(0, 1, {"lr": 1e-2, "reg": 1e-4}, 2)
    store.finish_trial(t, "done", val_acc=0.5, train_acc=0.6)
    assert main(["search", "show", str(path)]) == 0
    out = capsys.readouterr().out
    assert "1 done, 1 running (search running)" in out
    store.close()


def test_show_refuses_what_is_not_a_store(tmp_path, capsys):
    txt = tmp_path / "notes.txt"
    txt.write_text("hello")
    assert main(["search", "show", str(txt)]) == 2
    assert "not a graphgrad trial store" in capsys.readouterr().err
    assert txt.read_text() == "hello"
    assert main(["search", "show", str(tmp_path / "missing.sqlite")]) == 2
    assert "no trial store" in capsys.readouterr().err
    assert not os.path.exists(tmp_path / "missing.sqlite")


def test_console_script_entry_point(tmp_path):
    path = tmp_path / "s.sqlite"
    with ThreadPoolExecutor(1) as ex:
        search(toy_objective, SPACE, n_trials=2, storage=path, executor=ex)
    r = subprocess.run([sys.executable, "-m", "viz", "search", "show", str(path)], capture_output=True, text=True,
                       timeout=300)   # generous: a loaded machine starts Python slowly; only stops a hang
    assert r.returncode == 0 and "rank" in r.stdout, r.stderr
