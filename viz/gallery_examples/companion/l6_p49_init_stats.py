"""L6 p48-51: the lecture's initialisation experiment (graphgrad.train.init_diagnostics):
per-layer mean and std of the activations of a 10-layer net for five (init, nonlinearity)
pairs, drawn as viz.plots.activation_stats draws them, in the page's language."""
import numpy as np

PAGE = {
    "lecture": 6, "page": "p48-51",
    "asked": [("세연", "47p까지는 이해가 되는데 그 이후로는 그래프를 잘 이해하지 못했습니다. 이후 슬라이드에서 성능이 좋아진 걸 "
                      "어떻게 해석하는지, 평균, 표준편차 그래프 의미가 궁금합니다"),
              ("6강 리뷰", "그렇다면 가중치는 어떻게 초기화 해야할까요??")],
    "title": {"en": "Reading the mean/std-per-layer plots: small, large, Xavier and He initialisation",
              "ko": "층별 평균/표준편차 그래프 읽기: 작은 값, 큰 값, Xavier, He 초기화"},
    "answer": {
        "en": "Each curve follows one network's activations from layer 1 to layer 10: their mean and standard deviation "
              "over 1000 random inputs (10 layers of 500 units, as in the lecture). What we want is a standard deviation "
              "that stays roughly constant with depth. W = 0.01·randn multiplies it by about 0.01·sqrt(fan_in) per layer, "
              "so deep activations (and the weight gradients they set) shrink to 0. W = 1.0·randn with tanh saturates: "
              "the activations pile up at ±1, where tanh's gradient is 0. Xavier (std 1/sqrt(fan_in)) keeps tanh's std "
              "steady. With ReLU, half of the inputs become 0, so with Xavier the variance halves at every layer and the "
              "std still decays; He (std sqrt(2/fan_in)) puts the factor 2 back and the std stays flat. 'Better' on p50 "
              "means exactly this flat line. So the answer to 'how should we initialise': scale randn by 1/sqrt(fan_in) for "
              "tanh and sqrt(2/fan_in) for ReLU, and check these plots.",
        "ko": "곡선 하나는 신경망 하나의 활성값을 1층부터 10층까지 따라간 것으로, 무작위 입력 1000개에 대한 평균과 표준편차입니다"
              "(강의와 같이 500유닛짜리 층 10개). 바라는 것은 층이 깊어져도 표준편차가 거의 일정하게 유지되는 것입니다. W = 0.01·randn이면 "
              "표준편차가 층마다 약 0.01·sqrt(fan_in)배가 되어, 깊은 층의 활성값과 그것이 정하는 가중치 기울기가 0으로 쪼그라듭니다. "
              "W = 1.0·randn에 tanh를 쓰면 포화됩니다. 활성값이 tanh의 기울기가 0인 ±1로 몰립니다. Xavier(표준편차 1/sqrt(fan_in))는 "
              "tanh의 표준편차를 일정하게 유지합니다. ReLU에서는 입력의 절반이 0이 되므로 Xavier를 쓰면 층마다 분산이 절반으로 줄어 표준편차가 "
              "여전히 작아집니다. He(표준편차 sqrt(2/fan_in))는 그 2를 되돌려 놓아 표준편차가 평평하게 유지됩니다. p50의 '좋아졌다'는 바로 이 "
              "평평한 선을 말합니다. 그래서 '어떻게 초기화해야 하나'에 대한 답은, tanh에는 randn에 1/sqrt(fan_in)을, ReLU에는 "
              "sqrt(2/fan_in)을 곱하고 이 그래프로 확인하는 것입니다."},
}

VERDICT_KO = dict(healthy="일정하게 유지", collapses="0으로 줄어듦", saturates="포화", explodes="발산")


def make(out_dir):
    from graphgrad.train.init_diagnostics import init_experiment
    from graphgrad.viz.companion import figure, save, t
    n, width = 1000, 500                # the lecture's sizes, the numbers the text states
    runs = init_experiment(layers=10, width=width, n=n, seed=0)
    # viz.plots.activation_stats draws the same two panels in English; drawn here to have the page's language
    fig, (ax, ax2) = figure(11, 4, ncols=2)
    for r in runs:
        x = np.arange(1, len(r.means) + 1)
        lab = f"{r.label} ({t(r.verdict, VERDICT_KO.get(r.verdict, r.verdict))})"
        ax.plot(x, r.means, "o-", ms=3, label=lab)
        ax2.plot(x, r.stds, "o-", ms=3, label=lab)
    ax.set_title(t("mean", "평균")); ax2.set_title(t("standard deviation", "표준편차")); ax2.set_yscale("log")
    for a in (ax, ax2):
        a.set_xlabel(t("layer", "층")); a.grid(alpha=0.25); a.set_xticks(x)
    ax2.legend(frameon=False, fontsize=8, loc="lower left")
    fig.suptitle(t("Activation mean and std per layer", "층별 활성값의 평균과 표준편차"), fontsize=11)
    save(fig, out_dir, "init_stats.png")
    numbers = {f"{r.init}_{r.nonlinearity}_std_layer10": r.stds[-1] for r in runs}
    numbers.update(n_inputs=n, width=width)
    numbers.update({f"{r.init}_{r.nonlinearity}_verdict": r.verdict for r in runs})
    return {"figures": [("init_stats.png", {
        "en": f"Mean and std of each layer's activations (10 layers × {width} units, {n} random inputs). " +
              "; ".join(f"{r.label}: {r.verdict}" for r in runs) + ".",
        "ko": f"층별 활성값의 평균과 표준편차 ({width}유닛짜리 층 10개, 무작위 입력 {n}개). " +
              "; ".join(f"{r.label}: {VERDICT_KO.get(r.verdict, r.verdict)}" for r in runs) + "."})],
        "numbers": numbers}


if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)
