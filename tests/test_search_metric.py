"""search(metric=..., direction=...) on the built-in back end: minimising a loss sorts the
table and picks the best by it, coarse-to-fine refines around the lowest losses, the store
records the choice (a store without it reads as maximise val_acc), `graphgrad search show`
prints and plots by it (the best marker is the lowest loss), and a trial that does not report
the metric fails in one sentence."""
import json
import math
import sqlite3
from concurrent.futures import ThreadPoolExecutor

import pytest

from graphgrad.train import LogUniform, SearchError, SearchSpace, StoreError, TrialStore, search, toy_objective
from graphgrad.train.store import metric_value, objective
from viz.cli import main

SPACE = SearchSpace(lr=LogUniform(1e-5, 1e-1))


def loss_at_1e_2(params, seed):
    """val_acc peaks at lr = 1e-3 (toy_objective), but the loss is lowest at lr = 1e-2: the two
    objectives disagree, so the test sees which one the search used."""
    out = toy_objective(params, seed)
    loss = (math.log10(params["lr"]) + 2) ** 2 + 0.1
    out["history"] = [{"epoch": 0, "loss": loss + 1.0}, {"epoch": 1, "loss": loss}]
    return out


def _search(**kw):
    with ThreadPoolExecutor(2) as ex:
        return search(loss_at_1e_2, SPACE, n_trials=8, seed=3, executor=ex, **kw)


def test_minimising_a_loss_sorts_and_picks_the_best_by_it():
    res = _search(metric="loss", direction="minimize")
    losses = [metric_value(r, "loss") for r in res.table]
    assert losses == sorted(losses) and len(losses) == 8
    assert res.best.history[-1]["loss"] == min(losses)
    by_acc = _search()
    assert by_acc.best.val_acc == max(r.val_acc for r in by_acc.table)
    assert res.best.params != by_acc.best.params   # the objectives disagree: so do the winners
    text = res.format()
    assert text.splitlines()[0].split()[:5] == ["rank", "stage", "trial", "status", "loss"]
    assert float(text.splitlines()[1].split()[4]) == pytest.approx(min(losses), rel=1e-3)


def test_coarse_to_fine_refines_around_the_lowest_losses():
    res = _search(metric="loss", direction="minimize", stages=2, top_k=3)
    stage0 = sorted((r for r in res.table if r.stage == 0), key=lambda r: metric_value(r, "loss"))
    fine = res.spaces[1].dims["lr"]
    assert all(fine.low <= r.params["lr"] <= fine.high for r in stage0[:3])
    # Centred near lr = 1e-2 (lowest loss), not 1e-3 (highest accuracy).
    mid = (math.log10(fine.low) + math.log10(fine.high)) / 2
    assert abs(mid + 2) < abs(mid + 3), fine
    assert metric_value(res.best, "loss") <= metric_value(stage0[0], "loss")
    up = _search(stages=2, top_k=3).spaces[1].dims["lr"]
    assert (up.low, up.high) != (fine.low, fine.high)


def test_the_store_records_the_metric_and_old_stores_maximise_val_acc(tmp_path):
    path = tmp_path / "loss.sqlite"
    _search(metric="loss", direction="minimize", storage=path)
    with TrialStore(path, readonly=True) as store:
        assert objective(store.settings()) == ("loss", "minimize")
        assert [metric_value(r, "loss") for r in store.table()] == sorted(metric_value(r, "loss")
                                                                           for r in store.table())
    again = _search(metric="loss", direction="minimize", storage=path)
    assert again.ran == 0 and again.skipped == 8
    with pytest.raises(StoreError, match=r"was made by a search with direction='minimize', this search has "
                                         r"direction='maximize'; use a new store file$"):
        _search(metric="loss", storage=path)
    # A default search records neither field: its store reads exactly as one written before
    # searches had them (maximise val_acc), and either resumes the other.
    old = tmp_path / "old.sqlite"
    _search(storage=old)
    c = sqlite3.connect(old)
    settings = json.loads(c.execute("SELECT value FROM meta WHERE key = 'settings'").fetchone()[0])
    c.close()
    assert "metric" not in settings and "direction" not in settings
    with TrialStore(old, readonly=True) as store:
        assert objective(store.settings()) == ("val_acc", "maximize")
        vals = [r.val_acc for r in store.table()]
    assert vals == sorted(vals, reverse=True)


def test_show_prints_and_plots_by_the_metric(tmp_path, capsys):
    path = tmp_path / "loss.sqlite"
    res = _search(metric="loss", direction="minimize", storage=path)
    assert main(["search", "show", str(path)]) == 0
    out = capsys.readouterr().out
    assert "direction=minimize" in out and "metric=loss" in out
    lines = out.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("rank"))
    assert lines[head].split()[4] == "loss"
    shown = [float(line.split()[4]) for line in lines[head + 1:head + 9]]
    assert shown == sorted(shown) and shown[0] == pytest.approx(metric_value(res.best, "loss"), rel=1e-3)
    from viz.plots import search_scatter
    fig = search_scatter(res.table, space=SPACE, metric="loss", direction="minimize")
    star = [c for c in fig.axes[0].collections if c.get_label() == "best"][0]
    assert star.get_offsets()[0][1] == pytest.approx(metric_value(res.best, "loss"))
    assert fig.axes[0].get_ylabel() == "loss" and "best loss" in fig._suptitle.get_text()


def test_a_trial_without_the_metric_fails_in_one_sentence():
    with ThreadPoolExecutor(1) as ex:
        res = search(lambda p, s: {"val_acc": 0.5}, SPACE, n_trials=2, executor=ex, metric="val_loss",
                     direction="minimize")
    assert [r.status for r in res.table] == ["failed", "failed"]
    assert res.table[0].error == ("ValueError: the trial reported no 'val_loss' (the search's metric): return it "
                                  "in the last row of 'history' (fit records 'loss' there each epoch)")
    with pytest.raises(SearchError, match=r"^search: direction must be 'maximize' or 'minimize', got 'down'$"):
        search(toy_objective, SPACE, n_trials=2, direction="down")
