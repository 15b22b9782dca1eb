"""L6 p80: random vs grid search on the same budget of 9 trials. graphgrad.train.search runs
both on the toy objective (the learning rate matters 4× more per decade than the regularisation);
the plot shows every trial on the objective's map, and the best of 9 trials averaged over 30
problems whose optimum is placed at random: random search wins on average."""
import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np

N_PROBLEMS = 30

PAGE = {
    "lecture": 6, "page": "p80",
    "asked": [("소현", "그래프가 이해가 안됩니다ㅠㅠ 추가로 cross validation이라 함은 머신러닝 때 kfold방식이나 이런 걸로 교차 "
                      "검증을 했었는데 여기서는 손수 범위를 제가 직감적으로 때려 잡아서 튜닝하는 걸 말하나요.")],
    "title": {"en": "Random vs grid search: how many values of the important parameter each tries",
              "ko": "랜덤 서치 vs 그리드 서치: 중요한 파라미터의 값을 몇 개나 시도하는가"},
    "answer": {
        "en": "The slide's two squares are the same 9-trial budget over two hyperparameters. The curve on top of each "
              "square is the accuracy as a function of the important parameter (here the learning rate), the curve "
              "on the side that of the less important one (the regularisation strength). A 3×3 grid spends its 9 trials "
              "on only 3 distinct learning rates, each tried with three values of reg, so it sees the important curve "
              "at 3 points. Random search gives every trial its own learning rate: 9 points on the curve that matters.\n\n"
              "Less important is not unimportant. In this toy objective a decade of reg costs a quarter of what a decade "
              "of learning rate costs, but at the best learning rate reg still moves the accuracy from 1.0 down to about "
              "0.8 over its range (the shading in the first two panels is the whole map, reg included). And one run "
              "proves little: here the grid's middle learning rate, 3·10⁻⁴, happens to sit near the peak, so on this "
              "problem the grid does well. The advantage of random search is an average over where the peak happens to "
              "be, which you do not know in advance: over 30 problems with the optimum placed at random, the best of 9 "
              "random trials beats the best of the 3×3 grid on average (third panel).\n\n"
              "'Cross-validation' in the lecture means this loop: train on the training split with each setting and "
              "compare accuracies on the validation split (not k-fold, which is too slow for deep nets). The ranges "
              "are chosen by hand, coarse first, then narrowed around the best trials (coarse-to-fine).",
        "ko": "슬라이드의 두 사각형은 하이퍼파라미터 두 개에 똑같이 9번의 시도를 쓴 것입니다. 사각형 위쪽 곡선은 중요한 파라미터(여기서는 "
              "학습률)에 따른 정확도이고, 옆쪽 곡선은 덜 중요한 파라미터(규제 세기)에 따른 정확도입니다. 3×3 그리드는 9번의 시도를 서로 다른 "
              "학습률 3개에만 씁니다. 학습률마다 규제 값 3개를 조합하기 때문에 중요한 곡선을 점 3개로만 봅니다. 랜덤 서치는 시도마다 "
              "학습률이 다르므로 중요한 곡선 위의 점 9개를 봅니다.\n\n"
              "덜 중요하다고 해서 중요하지 않은 것은 아닙니다. 이 예제 함수에서 규제를 10배 바꿀 때의 손해는 학습률을 10배 바꿀 때의 4분의 "
              "1이지만, 가장 좋은 학습률에서도 규제 범위 안에서 정확도가 1.0에서 약 0.8까지 바뀝니다(앞의 두 그림의 배경 색이 규제까지 "
              "포함한 전체 지도입니다). 또 실행 한 번으로는 알 수 있는 것이 적습니다. 이 문제에서는 그리드의 가운데 학습률 3·10⁻⁴가 마침 "
              "최고점 근처라서 그리드도 잘 합니다. 랜덤 서치가 낫다는 것은 최고점이 어디에 있을지 모를 때의 평균 이야기입니다. 최적값의 "
              "위치를 무작위로 정한 문제 30개에서, 랜덤 9번의 최고 정확도가 평균적으로 3×3 그리드의 최고 정확도보다 높습니다(세 번째 그림).\n\n"
              "강의의 cross-validation은 이 과정을 말합니다. 각 설정으로 training set에서 학습하고 validation set에서 정확도를 비교합니다"
              "(딥러닝에서는 k-fold가 너무 느려서 잘 쓰지 않습니다). 범위는 손으로 정하되, 넓게(coarse) 시작해서 가장 좋은 시도 주변으로 "
              "좁혀 갑니다(coarse-to-fine)."},
}

def shifted(a, b):
    """The library's toy objective with its peak moved to (log10 lr, log10 reg) = (a, b)."""
    def objective(params, seed):
        d = (math.log10(params["lr"]) - a) ** 2 / 4 + (math.log10(params["reg"]) - b) ** 2 / 16
        return {"val_acc": 0.9 * math.exp(-d) + 0.1 + float(np.random.default_rng(seed).normal(scale=0.01))}
    return objective


def run(method, seed=0, objective=None):
    from graphgrad.train.search import search, toy_objective
    from graphgrad.train.space import LogUniform, SearchSpace
    space = SearchSpace(lr=LogUniform(1e-6, 1e-1), reg=LogUniform(1e-6, 1e-2))
    with ThreadPoolExecutor(1) as ex:      # the toy trial is cheap: no process pool
        res = search(objective or toy_objective, space, n_trials=9, method=method, grid_points=3, seed=seed, executor=ex)
    return [(r.params["lr"], r.params["reg"], r.val_acc) for r in res.table]


def many_problems(n=N_PROBLEMS):
    """Best of 9 trials, grid and random, on n problems with the optimum placed at random."""
    best = {"grid": [], "random": []}
    for k in range(n):
        rng = np.random.default_rng(100 + k)
        obj = shifted(rng.uniform(-5.5, -1.5), rng.uniform(-5.5, -2.5))
        for m in best:
            best[m].append(max(r[2] for r in run(m, seed=k, objective=obj)))
    return {m: np.array(v) for m, v in best.items()}


def make(out_dir):
    from graphgrad.viz.companion import figure, save, t
    grid, rand = run("grid"), run("random")
    many = many_problems()
    fig, axes = figure(13, 3.9, ncols=3)
    L, R = np.meshgrid(np.linspace(-6.4, -0.6, 120), np.linspace(-6.4, -1.6, 120))
    acc_map = 0.9 * np.exp(-((L + 3) ** 2 / 4 + (R + 4) ** 2 / 16)) + 0.1
    counts = {}
    for ax, (name, recs, col) in zip(axes[:2], [(t("grid", "그리드"), grid, "#d62728"), (t("random", "랜덤"), rand, "#1f77b4")]):
        lr = np.array([r[0] for r in recs]); reg = np.array([r[1] for r in recs]); acc = np.array([r[2] for r in recs])
        n_lr = len(np.unique(np.round(np.log10(lr), 9)))
        counts["grid" if col == "#d62728" else "random"] = n_lr
        cs = ax.contourf(L, R, acc_map, levels=np.linspace(0.1, 1.0, 10), cmap="Greens")
        ax.scatter(np.log10(lr), np.log10(reg), c=col, s=40, zorder=3, edgecolors="k")
        ax.set_xlim(-6.4, -0.6); ax.set_ylim(-6.4, -1.6)   # grid points sit on the range edges
        ax.set_xlabel(t("log10 lr (important)", "log10 학습률 (중요)")); ax.set_ylabel(t("log10 reg (less important)", "log10 규제 (덜 중요)"))
        ax.set_title(t(f"{name}: {n_lr} distinct learning rates, best {acc.max():.2f}",
                       f"{name}: 서로 다른 학습률 {n_lr}개, 최고 {acc.max():.2f}"), fontsize=10)
    fig.colorbar(cs, ax=axes[1], label=t("val acc", "검증 정확도"))
    a2 = axes[2]
    a2.scatter(many["grid"], many["random"], s=18, color="#555")
    a2.plot([0.6, 1.02], [0.6, 1.02], ":", color="#999")
    a2.set_xlim(0.6, 1.02); a2.set_ylim(0.6, 1.02)
    a2.set_xlabel(t("best of 3×3 grid", "3×3 그리드의 최고값")); a2.set_ylabel(t("best of 9 random", "랜덤 9번의 최고값"))
    mg, mr = float(many["grid"].mean()), float(many["random"].mean())
    wins = int(np.sum(many["random"] > many["grid"]))
    a2.set_title(t(f"{N_PROBLEMS} problems: mean {mg:.3f} (grid) vs {mr:.3f} (random)",
                   f"문제 {N_PROBLEMS}개: 평균 {mg:.3f} (그리드) vs {mr:.3f} (랜덤)"), fontsize=10)
    name = save(fig, out_dir, "random_vs_grid.png")
    best_grid, best_rand = max(r[2] for r in grid), max(r[2] for r in rand)
    reg_lo = float(0.9 * math.exp(-(2.0 ** 2) / 16) + 0.1)       # at the best lr, reg two decades off its peak
    return {"figures": [(name, {
        "en": f"Left two: the 9 trials on the objective's map (shade: accuracy). Grid tried {counts['grid']} distinct learning rates "
              f"(best {best_grid:.3f}), random {counts['random']} (best {best_rand:.3f}). Right: over {N_PROBLEMS} problems with the "
              f"optimum placed at random, random search's best is higher on average ({mr:.3f} vs {mg:.3f}) and in {wins} of {N_PROBLEMS}.",
        "ko": f"왼쪽 두 그림: 목적 함수 지도(색은 정확도) 위의 9번 시도. 그리드는 서로 다른 학습률 {counts['grid']}개(최고 {best_grid:.3f}), "
              f"랜덤은 {counts['random']}개(최고 {best_rand:.3f})를 시도했습니다. 오른쪽: 최적값 위치를 무작위로 정한 문제 {N_PROBLEMS}개에서 "
              f"랜덤 서치의 최고값이 평균적으로 더 높고({mr:.3f} vs {mg:.3f}), {N_PROBLEMS}개 중 {wins}개에서 이겼습니다."})],
        "numbers": {"distinct_lr_grid": counts["grid"], "distinct_lr_random": counts["random"],
                    "best_val_acc_grid": best_grid, "best_val_acc_random": best_rand, "budget": 9,
                    "problems": N_PROBLEMS, "mean_best_grid": mg, "mean_best_random": mr, "random_wins": wins,
                    "acc_at_best_lr_reg_two_decades_off": reg_lo}}


if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)
