"""L6 p48-51: the lecture's initialisation experiment (graphgrad.train.init_diagnostics):
per-layer mean and std of the activations of a 10-layer net for five (init, nonlinearity)
pairs, drawn with viz.plots."""
PAGE = {
    "lecture": 6, "page": "p48-51",
    "asked": [("세연", "47p까지는 이해가 되는데 그 이후로는 그래프를 잘 이해하지 못했습니다. 이후 슬라이드에서 성능이 좋아진 걸 "
                      "어떻게 해석하는지, 평균, 표준편차 그래프 의미가 궁금합니다")],
    "title": {"en": "Reading the mean/std-per-layer plots: small, large, Xavier and He initialisation",
              "ko": "층별 평균/표준편차 그래프 읽기: 작은 값, 큰 값, Xavier, He 초기화"},
    "answer": {
        "en": "Each curve follows one network's activations from layer 1 to layer 10: its mean and standard deviation "
              "over 1000 random inputs. A healthy net keeps the std roughly constant with depth. W = 0.01·randn "
              "shrinks it by about 0.01·sqrt(fan_in) per layer, so deep activations (and their weight gradients) "
              "collapse to 0. W = 1.0·randn with tanh saturates: activations pile up at ±1 where tanh's gradient is "
              "0. Xavier (std 1/sqrt(fan_in)) keeps tanh's std steady. With ReLU, Xavier loses half the variance per "
              "layer (ReLU zeroes half of the inputs), so the std still decays; He (std sqrt(2/fan_in)) puts the "
              "factor 2 back and the std stays flat. 'Better' on p50 means exactly this flat line.",
        "ko": "각 곡선은 한 신경망의 활성값을 1층부터 10층까지 따라갑니다: 무작위 입력 1000개에 대한 평균과 표준편차입니다. "
              "건강한 신경망은 깊이가 깊어져도 표준편차가 거의 일정합니다. W = 0.01·randn 은 층마다 약 0.01·sqrt(fan_in) "
              "배로 줄어들어 깊은 층의 활성값(과 가중치 gradient)이 0 으로 무너집니다. W = 1.0·randn 과 tanh 는 포화됩니다: "
              "활성값이 tanh 의 gradient 가 0 인 ±1 에 몰립니다. Xavier(표준편차 1/sqrt(fan_in))는 tanh 의 표준편차를 "
              "유지합니다. ReLU 에서는 입력의 절반이 0 이 되어 Xavier 로는 층마다 분산이 절반으로 줄어 표준편차가 여전히 "
              "감소합니다. He(표준편차 sqrt(2/fan_in))는 그 2배를 돌려놓아 표준편차가 평평하게 유지됩니다. p50 에서 '좋아졌다'는 "
              "것이 바로 이 평평한 선입니다."},
}


def make(out_dir):
    import os

    from graphgrad.train.init_diagnostics import init_experiment
    from graphgrad.viz.plots import activation_stats
    runs = init_experiment(layers=10, width=200, n=300, seed=0)
    activation_stats(runs, os.path.join(out_dir, "init_stats.png"))
    numbers = {f"{r.init}_{r.nonlinearity}_std_layer10": r.stds[-1] for r in runs}
    numbers.update({f"{r.init}_{r.nonlinearity}_verdict": r.verdict for r in runs})
    return {"figures": [("init_stats.png", {
        "en": "Mean and std of each layer's activations (10 layers × 200 units, 300 random inputs). " +
              "; ".join(f"{r.label}: {r.verdict}" for r in runs) + ".",
        "ko": "각 층 활성값의 평균과 표준편차 (10층 × 200 유닛, 무작위 입력 300개). " +
              "; ".join(f"{r.label}: {dict(healthy='건강함', collapses='0으로 무너짐', saturates='포화', explodes='폭발').get(r.verdict, r.verdict)}" for r in runs) + "."})],
        "numbers": numbers}


if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)
