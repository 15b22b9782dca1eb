"""L6 p80: random vs grid search on the same budget of 9 trials. graphgrad.train.search runs
both on the same objective, where the learning rate matters much more than the regularisation;
the plot shows every trial and how many distinct learning rates each search tried."""
from concurrent.futures import ThreadPoolExecutor

import numpy as np

PAGE = {
    "lecture": 6, "page": "p80",
    "asked": [("소현", "그래프가 이해가 안됩니다ㅠㅠ 추가로 cross validation이라 함은 머신러닝 때 kfold방식이나 이런 걸로 교차 "
                      "검증을 했었는데 여기서는 손수 범위를 제가 직감적으로 때려 잡아서 튜닝하는 걸 말하나요.")],
    "title": {"en": "Random vs grid search: how many values of the important parameter each tries",
              "ko": "랜덤 서치 vs 그리드 서치: 중요한 파라미터의 값을 몇 개나 시도하는가"},
    "answer": {
        "en": "The slide's two squares are the same 9-trial budget over two hyperparameters. The curve on top of each "
              "square is the accuracy as a function of the important parameter (here the learning rate), the curve "
              "on the side that of the unimportant one (the regularisation strength). A 3×3 grid spends its 9 trials "
              "on only 3 distinct learning rates — each tried three times with a reg that barely matters — so it "
              "sees the important curve at 3 points. Random search gives every trial its own learning rate: 9 "
              "points on the curve that matters, so it is much more likely to land near the peak.\n\n"
              "'Cross-validation' in the lecture means this loop: train on the training split with each setting and "
              "compare accuracies on the validation split (not k-fold, which is too slow for deep nets). The ranges "
              "are chosen by hand, coarse first, then narrowed around the best trials (coarse-to-fine).",
        "ko": "슬라이드의 두 사각형은 두 하이퍼파라미터에 대해 똑같이 9번의 시도를 쓴 것입니다. 사각형 위쪽 곡선은 중요한 "
              "파라미터(여기서는 learning rate)에 따른 정확도, 옆쪽 곡선은 중요하지 않은 파라미터(regularization 세기)에 "
              "따른 정확도입니다. 3×3 그리드는 9번의 시도를 learning rate 3개에만 씁니다. 각 값을 거의 영향이 없는 reg 와 "
              "세 번씩 조합하기 때문에 중요한 곡선을 3개 점에서만 봅니다. 랜덤 서치는 시도마다 다른 learning rate 를 쓰므로 "
              "중요한 곡선 위의 9개 점을 보고, 최고점 근처에 닿을 가능성이 훨씬 큽니다.\n\n"
              "강의의 cross-validation 은 이 과정을 말합니다: 각 설정으로 training set 에서 학습하고 validation set 의 "
              "정확도를 비교합니다(딥러닝에서는 k-fold 가 너무 느려서 잘 쓰지 않습니다). 범위는 손으로 정하되, 넓게(coarse) "
              "시작해서 가장 좋은 시도 주변으로 좁혀 갑니다(coarse-to-fine)."},
}


def run(method, seed=0):
    from graphgrad.train.search import search, toy_objective
    from graphgrad.train.space import LogUniform, SearchSpace
    space = SearchSpace(lr=LogUniform(1e-6, 1e-1), reg=LogUniform(1e-6, 1e-2))
    with ThreadPoolExecutor(1) as ex:      # the toy trial is cheap: no process pool
        res = search(toy_objective, space, n_trials=9, method=method, grid_points=3, seed=seed, executor=ex)
    return [(r.params["lr"], r.params["reg"], r.val_acc) for r in res.table]


def make(out_dir):
    from graphgrad.viz.companion import figure, save
    grid, rand = run("grid"), run("random")
    fig, axes = figure(10, 3.8, ncols=2)
    lrs = np.logspace(-6, -1, 200)
    curve = 0.9 * np.exp(-(np.log10(lrs) + 3) ** 2 / 4) + 0.1
    counts = {}
    for ax, (name, recs, col) in zip(axes, [("grid", grid, "#d62728"), ("random", rand, "#1f77b4")]):
        lr = np.array([r[0] for r in recs]); reg = np.array([r[1] for r in recs]); acc = np.array([r[2] for r in recs])
        n_lr = len(np.unique(np.round(np.log10(lr), 9)))
        counts[name] = n_lr
        ax.scatter(np.log10(lr), np.log10(reg), c=col, s=40, zorder=3)
        ax.set_xlim(-6.4, -0.6); ax.set_ylim(-6.4, -1.6)   # grid points sit on the range edges
        ax.set_xlabel("log10 lr (important)"); ax.set_ylabel("log10 reg (unimportant)")
        ax2 = ax.twinx()
        ax2.plot(np.log10(lrs), curve, color="#2ca02c", lw=1.5)
        ax2.scatter(np.log10(lr), acc, marker="v", color=col, s=30)
        ax2.set_ylim(0, 1.05); ax2.set_ylabel("val acc", color="#2ca02c")
        ax.set_title(f"{name} search: 9 trials, {n_lr} distinct learning rates, best {acc.max():.2f}", fontsize=10)
    name = save(fig, out_dir, "random_vs_grid.png")
    best_grid, best_rand = max(r[2] for r in grid), max(r[2] for r in rand)
    return {"figures": [(name, {
        "en": f"Dots: the 9 trials in (lr, reg). Green: accuracy against lr; triangles: each trial's accuracy. "
              f"Grid tried {counts['grid']} distinct learning rates (best {best_grid:.3f}), random {counts['random']} (best {best_rand:.3f}).",
        "ko": f"점: (lr, reg) 공간의 9번 시도. 초록 곡선: lr 에 따른 정확도, 삼각형: 각 시도의 정확도. "
              f"그리드는 서로 다른 learning rate 를 {counts['grid']}개 (최고 {best_grid:.3f}), 랜덤은 {counts['random']}개 (최고 {best_rand:.3f}) 시도했습니다."})],
        "numbers": {"distinct_lr_grid": counts["grid"], "distinct_lr_random": counts["random"],
                    "best_val_acc_grid": best_grid, "best_val_acc_random": best_rand, "budget": 9}}


if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)
