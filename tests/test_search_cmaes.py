"""search(backend="optuna", sampler="cmaes"): CMA-ES (the `cmaes` package, in the search
extra) on a continuous space beats random search on the same budget, averaged over seeds, is
reproducible from the seed, samples a mixed space's categorical dimension at random, and
refuses a categorical-only space in one sentence."""
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

pytest.importorskip("optuna")
pytest.importorskip("cmaes")

from graphgrad.train import Choice, SearchSpace, SearchSpaceError, Uniform, search  # noqa: E402

SPACE = SearchSpace(**{f"x{i}": Uniform(-5, 5) for i in range(4)})


def bowl(params, seed):
    """A smooth 4-d bowl, best (0) at x = (1, 1, 1, 1); val_acc is minus the loss."""
    f = sum((params[f"x{i}"] - 1.0) ** 2 for i in range(4))
    return {"val_acc": -f, "history": [{"epoch": 0, "loss": f}]}


def _best(sampler, seed, space=SPACE, n=30):
    with ThreadPoolExecutor(1) as ex:
        return search(bowl, space, n_trials=n, backend="optuna", sampler=sampler, seed=seed, executor=ex)


def test_cmaes_beats_random_search_on_a_smooth_objective():
    best = {s: [_best(s, seed).best.val_acc for seed in range(4)] for s in ("cmaes", "random")}
    # 30 trials each, seeds 0-3: CMA-ES ends near the optimum, random search does not.
    assert np.mean(best["cmaes"]) > np.mean(best["random"]) + 2.0, best
    assert sum(c > r for c, r in zip(best["cmaes"], best["random"])) >= 3, best


def test_cmaes_is_reproducible_from_the_seed():
    a, b, c = _best("cmaes", 3, n=16), _best("cmaes", 3, n=16), _best("cmaes", 4, n=16)
    assert [r.key() for r in a.table] == [r.key() for r in b.table]
    assert [r.key() for r in a.table] != [r.key() for r in c.table]


def test_a_mixed_space_samples_its_categorical_dimension_at_random():
    space = SearchSpace(x0=Uniform(-5, 5), x1=Uniform(-5, 5), x2=Uniform(-5, 5), x3=Choice([1.0, -3.0]))
    res = _best("cmaes", 0, space=space, n=12)
    assert {r.params["x3"] for r in res.table} == {1.0, -3.0} and len(res.table) == 12


def test_a_categorical_only_space_is_refused_in_one_sentence():
    with pytest.raises(SearchSpaceError, match=r"^search: sampler='cmaes' searches numeric dimensions \(Uniform, "
                                               r"LogUniform, Int\), but this space has only categorical or "
                                               r"conditional ones \(act, opt\); use sampler='tpe' or 'random'$"):
        search(bowl, SearchSpace(opt=Choice(["sgd", "adam"]), act=Choice(["relu", "tanh"])), n_trials=2,
               backend="optuna", sampler="cmaes")


def test_a_missing_cmaes_is_one_sentence(monkeypatch):
    monkeypatch.setitem(sys.modules, "cmaes", None)
    with pytest.raises(ImportError, match=r"^search\(sampler='cmaes'\) needs the optional package 'cmaes', which is "
                                          r"not installed; install it with: pip install 'graphgrad\[search\]'$"):
        search(bowl, SPACE, n_trials=2, backend="optuna", sampler="cmaes")
