"""Babysitting the learning process on scikit-learn's digits: cs231n lecture 6's checklist,
end to end, with a plot for every step and a one-page HTML report.

    python examples/babysit_digits.py [--out babysit_out] [--quick]

1. preprocess: zero-centre and normalise with training-set statistics only;
2. sanity checks: initial loss ≈ log(10) (softmax) and ≈ 9 (SVM) at zero regularisation,
   loss rises with regularisation, 20 samples overfit to 100% training accuracy;
3. learning-rate sweep: which rates are too low (loss not going down) or too high (NaN/exploding);
4. train with a good rate: loss curve, train/val accuracy with the overfitting gap, update/weight ratios;
5. coarse-to-fine random search over (lr, reg) in a SQLite store (rerun the script: it resumes);
6. weight initialisation: the lecture's 10 x 500 tanh/ReLU experiment;
7. report.html gathers everything.
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import warnings

import numpy as np


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="babysit_out", help="output folder (plots, search store, report.html)")
    ap.add_argument("--quick", action="store_true", help="smaller search and init experiment (for tests)")
    ap.add_argument("--workers", type=int, default=2, help="worker processes for the search")
    args = ap.parse_args(argv)

    from graphgrad import nn
    from graphgrad.data import Normalize, load_digits
    from graphgrad.optim import SGD
    from graphgrad.train import (LogUniform, RangeEdgeWarning, SearchSpace, check_initial_loss,
                                 check_overfit_small_subset, check_regularization, fit, init_experiment, lr_sweep,
                                 search)
    from graphgrad.train.trials import digits_trial
    from graphgrad.viz import plots
    from graphgrad.viz.report import write_report

    out = args.out
    os.makedirs(out, exist_ok=True)
    fig = lambda name: os.path.join(out, name)  # noqa: E731

    # 1. Data and preprocessing: statistics from the training set only.
    data = load_digits(seed=0)
    norm = Normalize().fit(data.X_train)
    data.X_train, data.X_val, data.X_test = (norm.transform(x) for x in (data.X_train, data.X_val, data.X_test))
    print(f"data: {data}")

    def small_net(seed=0):
        # cs231n's first network: small random weights (0.01 randn) so scores start near zero.
        return nn.Sequential(nn.Linear(64, 50, init="small", rng=seed), nn.ReLU(),
                             nn.Linear(50, 10, init="small", rng=seed + 1))

    def he_net(seed=0):
        return nn.Sequential(nn.Linear(64, 50, init="he", rng=seed), nn.ReLU(), nn.Linear(50, 10, init="he", rng=seed + 1))

    # 2. Sanity checks.
    checks = [check_initial_loss(small_net(), data.X_train, data.y_train, loss="softmax"),
              check_initial_loss(small_net(), data.X_train, data.y_train, loss="svm"),
              check_regularization(small_net(), data.X_train, data.y_train, reg=1e3),
              check_overfit_small_subset(he_net, data.X_train, data.y_train, n=20, lr=0.1, steps=200)]

    # 3. Learning-rate sweep.
    sweep = lr_sweep(he_net, data.X_train, data.y_train, lrs=np.logspace(-6, 2, 9), steps=60, batch_size=100)
    checks.append(sweep.result)
    for c in checks:
        print(c)
    for reason in sweep.reasons:
        print("   ", reason)
    plots.lr_sweep_plot(sweep, fig("lr_sweep.png"))

    # 4. Train with a rate from the middle (in log space) of the good range.
    lo, hi = sweep.good_range() or (1e-2, 1e-2)
    lr = float(math.sqrt(lo * hi))
    model = he_net(seed=3)
    opt = SGD(model.parameters(), lr=lr, momentum=0.9)
    history = fit(model, data, optimizer=opt, epochs=15, batch_size=64, reg=1e-4, seed=0, progress=True,
                  checkpoint=fig("model.npz"))
    last = history.epochs[-1]
    from graphgrad.train import accuracy
    test_acc = accuracy(model, data.X_test, data.y_test)   # looked at once, at the very end
    print(f"trained at lr={lr:.3g}: train acc {last['train_acc']:.3f}, val acc {last['val_acc']:.3f}, "
          f"test acc {test_acc:.3f}")
    plots.loss_curve(history, fig("loss.png"), title=f"Training loss (SGD+momentum, lr={lr:.2g})")
    plots.accuracy_curve(history, fig("accuracy.png"))
    plots.update_ratio_plot(history, fig("update_ratio.png"))

    # 5. Coarse-to-fine random search, stored in SQLite (rerunning the script resumes it).
    space = SearchSpace(lr=LogUniform(1e-4, 1e1), reg=LogUniform(1e-6, 1e0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RangeEdgeWarning)   # printed below instead
        result = search(digits_trial, space, n_trials=8 if args.quick else 20, stages=2, top_k=4, seed=0,
                        storage=fig("search.sqlite"), max_workers=args.workers, progress=True)
    for w in result.warnings:
        print("warning:", w)
    table = result.format(limit=15)
    print(table)
    plots.search_scatter(result.table, fig("search_scatter.png"), space=space,
                         title="Coarse-to-fine search on digits")

    # 6. Weight initialisation: the lecture's experiment (10 layers x 500 units, 1000 samples).
    sizes = dict(layers=6, width=100, n=200) if args.quick else dict(layers=10, width=500, n=1000)
    runs = init_experiment(**sizes)
    for r in runs:
        print(f"init {r.label:24s} -> {r.verdict:9s} std per layer: " + " ".join(f"{s:.2g}" for s in r.stds))
    plots.activation_histograms(runs, fig("init_histograms.png"),
                                title=f"Activations per layer: {sizes['layers']}-layer net, "
                                      f"{sizes['width']} units, random data")
    plots.activation_stats(runs, fig("init_stats.png"))

    # 7. The report.
    figures = [("Learning-rate sweep: blue too low, green good, red too high (NaN/exploding)", fig("lr_sweep.png")),
               ("Loss per iteration", fig("loss.png")),
               ("Train and validation accuracy; the shaded band is the overfitting gap", fig("accuracy.png")),
               ("Update/weight ratio per layer (about 1e-3 is healthy)", fig("update_ratio.png")),
               ("Search: validation accuracy against each hyperparameter (log axes)", fig("search_scatter.png")),
               ("Activation histograms per layer for each initialisation", fig("init_histograms.png")),
               ("Activation mean and std per layer", fig("init_stats.png"))]
    path = write_report(fig("report.html"), "Babysitting the learning process: digits", checks=checks,
                        history=history, figures=figures, search_table=table,
                        notes=[f"{data}", f"final model: lr={lr:.3g}, SGD momentum 0.9, reg 1e-4, 15 epochs; "
                               f"test accuracy {test_acc:.3f}; search store: {fig('search.sqlite')}"])
    print(f"report: {path}")
    return 0 if all(c.passed for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
