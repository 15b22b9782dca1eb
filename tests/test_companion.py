"""The companion gallery: every question page's script runs, writes its figures, and its
experiment's numbers say what the page claims; the language switch; the Jacobian and
receptive-field views against independent computations."""
import json
import pathlib
import shutil

import numpy as np
import pytest

pytest.importorskip("matplotlib")

import graphgrad as gg
from viz import companion
from viz.jacobian import is_diagonal, jacobian, numeric_jacobian
from viz.receptive import formula_sizes, receptive_field

SCRIPTS = companion.companion_scripts()
PNG = b"\x89PNG\r\n\x1a\n"


def test_at_least_twenty_questions_cover_lectures_3_to_6():
    pages = [companion.load(s)["PAGE"] for s in SCRIPTS]
    assert len(pages) >= 20
    assert {p["lecture"] for p in pages} == {3, 4, 5, 6}
    for p in pages:
        # the students' question is quoted in Korean, the answer given in both languages
        assert p["asked"] and all(any("\uac00" <= ch <= "\ud7a3" for ch in q) for _, q in p["asked"])
        assert set(p["answer"]) == {"en", "ko"} and set(p["title"]) == {"en", "ko"}
        assert any("\uac00" <= ch <= "\ud7a3" for ch in p["answer"]["ko"])


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_each_script_runs_and_writes_its_figures(script, tmp_path):
    r = companion.run_page(script, tmp_path)
    assert r["figures"], f"{script.name} wrote no figure"
    for f, cap in r["figures"]:
        data = (tmp_path / f).read_bytes()
        assert data.startswith(PNG) and len(data) > 2000
        assert cap["en"] and cap["ko"]
    html = companion.page_html(r, "ko")
    assert 'data-lang="ko"' in html and r["asked"][0][1][:10] in html


def _numbers(stem, tmp_path):
    return companion.run_page(companion.companion_dir() / f"{stem}.py", tmp_path)["numbers"]


def test_zigzag_all_positive_inputs_give_same_sign_steps(tmp_path):
    n = _numbers("l6_p21_zigzag", tmp_path)
    assert n["same_sign_steps_positive"] == n["steps"]          # every step up-right or down-left
    assert n["same_sign_steps_zero_centred"] < 0.7 * n["steps"]


def test_same_sign_fraction(tmp_path):
    n = _numbers("l6_p36_same_sign", tmp_path)
    assert n["same_sign_fraction_positive"] == 1.0 and n["same_sign_fraction_zero_mean"] < 0.5


def test_dead_relu_counts_match_a_numpy_count(tmp_path):
    ns = companion.load(companion.companion_dir() / "l6_p27_dead_relu.py")
    from graphgrad.data import make_moons
    d = make_moons(n_samples=200, noise=0.15, seed=0)
    X = (d.X_train - d.X_train.mean(axis=0)) / (d.X_train - d.X_train.mean(axis=0)).std(axis=0)
    W1, b1 = ns["train"](X, d.y_train, lr=5.0)
    pre = X @ W1 + b1
    dead = [j for j in range(pre.shape[1]) if max(pre[:, j]) <= 0]
    n = ns["make"](str(tmp_path))["numbers"]
    assert n["dead_after_lr_5"] == len(dead) > 0
    assert n["dead_after_lr_0.1"] < n["dead_after_lr_5"]


def test_search_page_counts_distinct_learning_rates(tmp_path):
    n = _numbers("l6_p80_random_vs_grid", tmp_path)
    assert (n["distinct_lr_grid"], n["distinct_lr_random"]) == (3, 9)


def test_initial_losses(tmp_path):
    assert _numbers("l3_p48_logc", tmp_path)["max_abs_gap"] < 0.01
    assert _numbers("l3_p20_svm_c_minus_1", tmp_path / "svm")["max_abs_gap"] < 0.05


def test_language_switch(tmp_path):
    folder = tmp_path / "scripts"
    folder.mkdir()
    shutil.copy(companion.companion_dir() / "l3_p35_l2_spread.py", folder)
    for lang in ("en", "ko"):
        index = companion.build_companion(tmp_path / lang, lang=lang, folder=folder, log=lambda *a: None)
        page = (index.parent / "l3_p35_l2_spread.html").read_text(encoding="utf-8")
        assert f'<html lang="{lang}" data-lang="{lang}">' in page
        # both captions are present; the CSS shows the one of the page's language, the toggle switches
        assert 'class=" l-en" lang="en"' in page and 'class=" l-ko" lang="ko"' in page
        assert "setLang('ko')" in page and "setLang('en')" in page
        assert json.loads((index.parent / "fig" / "l3_p35_l2_spread" / "numbers.json").read_text())["l2_w2"] == 0.25
    with pytest.raises(ValueError, match="lang must be 'en' or 'ko'"):
        companion.build_companion(tmp_path / "x", lang="fr", folder=folder)


def test_gallery_cli_takes_lang():
    from viz.cli import build_parser
    a = build_parser().parse_args(["gallery", "-o", "g", "--lang", "ko"])
    assert a.lang == "ko" and not a.no_companion
    with pytest.raises(SystemExit):
        build_parser().parse_args(["gallery", "--lang", "fr"])


# ------------------------------------------------------------------ the Jacobian view
def _vjp(y, x, v):
    x.zero_grad()
    y.backward(grad=v, retain_graph=True)
    return np.asarray(x.grad, dtype=float).reshape(-1)


@pytest.mark.parametrize("case", ["relu", "sigmoid", "matmul", "composed"])
def test_jacobian_against_finite_differences_and_vjps(case):
    rng = np.random.default_rng(3)
    x0 = rng.standard_normal(6)
    W = rng.standard_normal((4, 6))
    fns = {"relu": (lambda v: gg.relu(v), lambda a: np.maximum(a, 0)),
           "sigmoid": (lambda v: gg.sigmoid(v), lambda a: 1 / (1 + np.exp(-a))),
           "matmul": (lambda v: gg.Value(W) @ v, lambda a: W @ a),
           "composed": (lambda v: gg.tanh(gg.Value(W) @ v) + gg.Value(W) @ (v * v),
                        lambda a: np.tanh(W @ a) + W @ (a * a))}
    g, f = fns[case]
    x = gg.Value(x0, requires_grad=True)
    y = g(x)
    J = jacobian(y, x)
    assert J.shape == (np.size(f(x0)), 6)
    fd = numeric_jacobian(f, x0)
    assert np.max(np.abs(J - fd)) / max(1.0, np.max(np.abs(fd))) < 1e-6
    for _ in range(3):      # Jᵀv is the engine's VJP for any v, not only one-hot ones
        v = rng.standard_normal(J.shape[0])
        assert np.allclose(J.T @ v, _vjp(y, x, v), atol=1e-12)
    assert is_diagonal(J) == (case in ("relu", "sigmoid"))


def test_jacobian_refuses_non_grad_input():
    x = gg.Value(np.ones(3))
    with pytest.raises(ValueError, match="does not require grad"):
        jacobian(x * 2.0, x)


# ------------------------------------------------------------------ receptive fields
STACKS = [[("conv", 3, 1)], [("conv", 3, 1)] * 3, [("conv", 5, 1), ("pool", 2, 2), ("conv", 5, 1)],
          [("conv", 3, 2), ("conv", 3, 2), ("conv", 3, 1)], [("conv", 3, 1, 1), ("pool", 2, 2), ("conv", 3, 1, 1)]]


def _formula(stack):
    r, j = 1, 1
    for _, k, s, *_ in stack:
        r, j = r + (k - 1) * j, j * s
    return r


@pytest.mark.parametrize("stack", STACKS, ids=[str(len(s)) + "_" + str(i) for i, s in enumerate(STACKS)])
def test_receptive_field_matches_the_formula(stack):
    rf = receptive_field(stack, 33)
    assert rf["size"] == _formula(stack) == formula_sizes(stack)[-1]
    assert rf["mask"].sum() == rf["size"] ** 2            # a full square: every pixel in it is seen


def test_receptive_field_from_graphgrad_layers():
    from graphgrad import nn
    layers = [nn.Conv2d(1, 2, 3, rng=0), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(2, 2, 3, rng=0)]
    assert receptive_field(layers, 20)["size"] == 8


def test_more_pages_numbers(tmp_path):
    n = _numbers("l3_p72_gradcheck", tmp_path / "a")
    assert n["gradcheck_caught_bug"] and n["gradcheck_passes_correct"] and n["rel_error_buggy"] > 0.1
    n = _numbers("l3_p36_l1_or_l2", tmp_path / "b")
    assert n["sparse_L1"] < n["sparse_L2"] and n["dense_L2"] < n["dense_L1"]
    n = _numbers("l5_p31_conv_vs_fc", tmp_path / "c")
    assert n["conv_shift_max_diff"] < 1e-12 < 0.1 < n["fc_shift_max_diff"]
    n = _numbers("l3_p17_margin_scale", tmp_path / "d")
    assert n["norm_ratio"] == pytest.approx(10.0, rel=1e-6) and n["agreement"] == 1.0
    assert _numbers("l3_p41_softmax_kl_mle", tmp_path / "e")["max_gap"] < 1e-12
    assert _numbers("l3_p60_directional_derivative", tmp_path / "f")["max_err"] < 1e-6
    n = _numbers("l5_p67_receptive_field", tmp_path / "g")
    assert n["measured"] == n["formula"]
    n = _numbers("l4_p57_jacobian_diagonal", tmp_path / "h")
    assert n["relu_is_diagonal"] and not n["matmul_is_diagonal"] and n["relu_max_err_vs_finite_diff"] < 1e-6


def test_docstring_examples_of_the_new_views():
    import doctest

    import viz
    from viz import flow, i18n, jacobian as jac, monitor, receptive
    for mod in (i18n, flow, jac, receptive, companion, monitor):
        globs = dict(gg=gg, np=np, viz=viz)
        res = doctest.testmod(mod, extraglobs=globs, optionflags=doctest.ELLIPSIS, report=False)
        assert res.failed == 0, f"{res.failed} of {res.attempted} examples failed in {mod.__name__}"
