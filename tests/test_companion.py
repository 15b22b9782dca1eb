"""The companion gallery: every question page's script runs, writes its figures, and its
experiment's numbers say what the page claims; the language switch; the Jacobian and
receptive-field views against independent computations."""
import functools
import json
import pathlib
import re
import shutil
import tempfile

import numpy as np
import pytest

pytest.importorskip("matplotlib")

import graphgrad as gg
from viz import companion
from viz.jacobian import is_diagonal, jacobian, numeric_jacobian
from viz.receptive import formula_sizes, receptive_field

SCRIPTS = companion.companion_scripts()
PNG = b"\x89PNG\r\n\x1a\n"


@functools.lru_cache(maxsize=None)
def _run(stem, lang="en"):
    """Each script's experiment once per test session (several tests read its numbers)."""
    out = pathlib.Path(tempfile.mkdtemp(prefix=f"companion-{stem}-{lang}-"))
    return companion.run_page(companion.companion_dir() / f"{stem}.py", out, lang=lang), out


def test_at_least_twenty_questions_cover_lectures_3_to_6():
    pages = [companion.load(s)["PAGE"] for s in SCRIPTS]
    assert len(pages) >= 40 - 1 and sum(bool(p["asked"]) for p in pages) >= 32
    assert {p["lecture"] for p in pages} == {3, 4, 5, 6}
    for p in pages:
        # the students' questions quoted as written (a page for a lecture example or a correction
        # may quote none), the answer given in both languages
        assert all(who and q.strip() for who, q in p["asked"])
        assert p["asked"] or p.get("corrects") or p["page"] in ("p13-46", "p76-78")
        assert set(p["answer"]) == {"en", "ko"} and set(p["title"]) == {"en", "ko"}
        assert any("\uac00" <= ch <= "\ud7a3" for ch in p["answer"]["ko"])


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_each_script_runs_and_writes_its_figures(script):
    r, out = _run(script.stem)
    assert r["figures"], f"{script.name} wrote no figure"
    for f, cap in r["figures"]:
        data = (out / f).read_bytes()
        assert data.startswith(PNG) and len(data) > 2000
        assert cap["en"] and cap["ko"]
    html = companion.page_html(r, "ko")
    assert 'data-lang="ko"' in html
    assert all(html_escape(q[:10]) in html for _, q in r["asked"])
    if r["words"]:          # the figures again with Korean words: run_page fails on a glyph drawn as a box
        rk, out_ko = _run(script.stem, "ko")
        assert [f for f, _ in rk["figures"]] == [f for f, _ in r["figures"]]
        assert any((out_ko / f).read_bytes() != (out / f).read_bytes() for f, _ in r["figures"] if f.endswith("png")
                   and not f.endswith("_graph.png"))


def html_escape(s):
    from html import escape
    return escape(s, quote=True)


def _numbers(stem, tmp_path=None):
    return _run(stem)[0]["numbers"]


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
    # Δ alone does not scale W by Δ (the regularisation pins the scale): near 5.4, and a few predictions change
    assert 4.5 < n["norm_ratio_delta_alone"] < 6.5 and 0.85 < n["agreement_delta_alone"] < 0.99
    # Δ with λ/Δ is the same problem in units of W/Δ: exactly Δ times the weights
    assert n["norm_ratio_delta_and_reg"] == pytest.approx(10.0, rel=1e-6) and n["agreement_delta_and_reg"] == 1.0
    assert _numbers("l3_p41_softmax_kl_mle", tmp_path / "e")["max_gap"] < 1e-12
    assert _numbers("l3_p60_directional_derivative", tmp_path / "f")["max_err"] < 1e-6
    n = _numbers("l5_p67_receptive_field", tmp_path / "g")
    assert n["measured"] == n["formula"]
    n = _numbers("l4_p57_jacobian_diagonal", tmp_path / "h")
    assert n["relu_is_diagonal"] and not n["matmul_is_diagonal"] and n["relu_max_err_vs_finite_diff"] < 1e-6


def test_docstring_examples_of_the_new_views(tmp_path, monkeypatch):
    import doctest
    monkeypatch.chdir(tmp_path)          # the examples write their files (report.html, gallery/ ...) here

    import viz
    from viz import flow, i18n, jacobian as jac, monitor, receptive
    for mod in (i18n, flow, jac, receptive, companion, monitor):
        globs = dict(gg=gg, np=np, viz=viz)
        res = doctest.testmod(mod, extraglobs=globs, optionflags=doctest.ELLIPSIS, report=False)
        assert res.failed == 0, f"{res.failed} of {res.attempted} examples failed in {mod.__name__}"


# ------------------------------------------------------------------ the corrected and the new pages' key numbers
def test_worked_example_matches_a_hand_computation():
    ns = companion.load(companion.companion_dir() / "l3_p13_worked_example.py")
    S = ns["SCORES"]
    svm = [sum(max(0.0, S[i, j] - S[i, i] + 1) for j in range(3) if j != i) for i in range(3)]
    p = np.exp(S[0]) / np.exp(S[0]).sum()
    n = _numbers("l3_p13_worked_example")
    assert [round(v, 1) for v in svm] == [2.9, 0.0, 12.9]          # the slide's numbers, from its scores
    assert n["svm_cat"] == pytest.approx(svm[0]) and n["svm_frog"] == pytest.approx(svm[2]) and n["svm_car"] == 0
    assert n["svm_mean"] == pytest.approx(np.mean(svm)) and round(n["svm_mean"], 2) == 5.27
    assert round(n["p_cat"], 2) == 0.13 and round(n["softmax_loss"], 2) == 2.04
    assert n["softmax_loss_log10"] == pytest.approx(n["softmax_loss"] / np.log(10)) and round(n["softmax_loss_log10"], 2) == 0.89
    # the gradients the graphs show: SVM +1 on each violating class, minus their count on the true class; softmax P - onehot
    assert n["svm_grad"] == [-1.0, 1.0, 0.0]
    assert np.allclose(n["softmax_grad"], p - np.eye(3)[0], atol=1e-12)


def test_init_stats_run_uses_the_count_the_text_states():
    r, _ = _run("l6_p49_init_stats")
    n = r["numbers"]["n_inputs"]
    assert re.search(rf"over {n} random inputs", r["answer"]["en"]) and f"무작위 입력 {n}개" in r["answer"]["ko"]
    assert f"{r['numbers']['width']} units" in r["answer"]["en"]
    assert "inputs and gradients" not in companion.load(companion.companion_dir() / "l6_p48_distributed.py")["PAGE"]["title"]["en"]


def test_random_search_beats_grid_on_average():
    n = _numbers("l6_p80_random_vs_grid")
    assert n["problems"] >= 10 and n["mean_best_random"] > n["mean_best_grid"] + 0.02
    assert n["random_wins"] > n["problems"] / 2
    assert n["acc_at_best_lr_reg_two_decades_off"] < 0.85        # reg is less important, not unimportant
    r, _ = _run("l6_p80_random_vs_grid")
    assert "barely matters" not in r["answer"]["en"]


def test_templates_share_one_colour_scale_centred_on_zero():
    n = _numbers("l3_p7_templates")
    lo, hi = n["colour_scale"]
    assert lo == -hi < 0 and min(n["template_class_mean_corr"]) > 0.5


def test_zigzag_costs_steps_and_minibatches_mix_signs():
    n = _numbers("l6_p21_zigzag")
    assert n["full_batch_steps_to_0.1_positive"] > 5 * n["full_batch_steps_to_0.1_zero_centred"]
    assert n["minibatch8_same_sign_fraction_positive"] < 0.9       # a sum over examples can break the same-sign rule


def test_low_learning_rate_run_changes_only_the_learning_rate():
    src = (companion.companion_dir() / "l6_p71_loss_vs_accuracy.py").read_text(encoding="utf-8")
    assert 'init="small"' not in src and src.count('init="xavier"') == 2
    n = _numbers("l6_p71_loss_vs_accuracy")
    assert n["loss_last"] > 0.8 * n["loss_first"] and n["acc_last"] > 1.5 * n["acc_first"]
    assert n["good_lr_acc_last"] > 0.9


def test_analytic_gradient_cost_counts_the_backward():
    n = _numbers("l4_p7_analytic_error_prone")
    assert n["analytic_cost_in_forward_passes"] >= 2 and n["forward_passes_numeric"] == 3200


def test_hand_made_filters_find_edges_corners_and_blobs():
    n = _numbers("l5_p37_filters")
    peaks = n["hand_made_peaks"]
    # the test image: a bright square rows 5-12, columns 4-11, a bright pixel at (16, 16)
    assert peaks["vertical edge"][1] in (3, 4) and 5 <= peaks["vertical edge"][0] <= 12
    assert peaks["horizontal edge"][0] in (4, 5) and 4 <= peaks["horizontal edge"][1] <= 11
    assert peaks["corner"] == [5, 4] and peaks["blob"] == [16, 16]
    assert all(0 <= c <= 1 for c in n["learned_closeness_to_hand_made"])


def test_new_pages_numbers():
    n = _numbers("l6_p35_zero_mean_sigmoid")
    assert n["sigmoid_one_sign"][0] < 0.05 and min(n["sigmoid_one_sign"][1:]) > 0.99 and max(n["tanh_one_sign"]) < 0.05
    assert abs(n["sigmoid_input_mean"][0]) < 1e-9 and min(n["sigmoid_input_mean"][1:]) > 0.3
    n = _numbers("l6_p41_zero_init")
    assert n["constant_distinct_units"] == 1 and n["zeros_distinct_units"] == 1 and n["random_distinct_units"] == 50
    assert n["random_final_accuracy"] > n["constant_final_accuracy"] > n["zeros_final_accuracy"]
    assert n["randn_0.01_std"] == pytest.approx(0.01, rel=0.02)
    n = _numbers("l6_p56_batchnorm")
    assert n["grad_rel_error_real"] < 1e-6 and n["grad_rel_error_library"] < 1e-6 and n["grad_rel_error_constants"] > 0.1
    assert n["undo_error_gamma_std"] < 1e-9 < 1 < n["undo_error_gamma_variance"] and n["no_eps_constant_feature"] == "nan"
    assert n["saturated_layer10"]["before"] < 0.1 < 0.5 < n["saturated_layer10"]["none"]
    assert n["train_mode_batch_of_one"] == 0 and n["eval_max_abs"] > 0.5
    n = _numbers("l5_p60_conv_size")
    for (size, f, s, p), formula, side, params in n["size_checks"]:
        assert formula == side == (size - f + 2 * p) // s + 1 and params == f * f * 3 * 10 + 10
    assert n["fc_param_fraction"] > 0.85 and n["fc_macs_fraction"] < 0.02 and n["first_layer_params"] == 1792
    n = _numbers("l4_p10_why_backprop")
    assert n["forward_passes_backprop"] == 1 and n["forward_passes_numerical"] == 2 * n["n_params"]
    assert n["max_abs_diff"] < 1e-6 and (n["df_dx"], n["df_dy"], n["df_dz"]) == (-4, -4, 3)
    n = _numbers("l3_p75_step_size")
    assert n["cos_gradient_tangent"] < 1e-9 and n["loss_change_along_tangent"] < 1e-9
    assert 6 < n["noise_ratio_1_vs_64"] < 11 and n["final_distance"]["0.7"] > 10 > 0.1 > n["final_distance"]["0.3"]
    n = _numbers("l6_p37_normalise")
    assert n["all_finite"] and n["gd_steps_original"] > 10 * n["gd_steps_normalised"]
    n = _numbers("l6_p39_channel_mean")
    assert n["r_minus_g_shift_spread"] < 1e-9 and n["colour_spread_after"] > 10
    n = _numbers("l6_p76_loss_curves")
    assert n["diverged_at_30"] and n["final_loss"]["0.3"] < n["final_loss"]["0.003"] < 2.3 and n["gap_no_reg"] > n["gap_reg"]
