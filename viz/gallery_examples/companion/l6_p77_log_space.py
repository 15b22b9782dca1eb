"""L6 p77: sampling a learning rate uniformly vs in log space, 1000 draws each over [1e-4, 1]."""
import numpy as np

PAGE = {
    "lecture": 6, "page": "p77",
    "asked": [("소현", "log space로 optimization한 다는 게 무슨 말인가요.")],
    "title": {"en": "Searching in log space", "ko": "log space에서 탐색한다는 것"},
    "answer": {
        "en": "A learning rate acts multiplicatively (the step is lr × gradient), so what matters is its order of "
              "magnitude: 1e-4 vs 1e-3 is as big a change as 1e-2 vs 1e-1. Sampling lr uniformly in [1e-4, 1] puts "
              "90% of the draws in [0.1, 1] and almost none in the small decades where good rates usually are. "
              "Sampling the exponent uniformly (lr = 10^u, u uniform in [-4, 0]) gives every decade the same share. "
              "The histograms count 1000 real draws of each (graphgrad.train.space.LogUniform does the second).",
        "ko": "학습률은 곱으로 작용하므로(스텝 = 학습률 × 기울기) 중요한 것은 자릿수입니다. 1e-4에서 1e-3으로 바뀌는 것은 1e-2에서 1e-1로 "
              "바뀌는 것만큼 큰 변화입니다. [1e-4, 1]에서 학습률을 균등하게 뽑으면 90%가 [0.1, 1]에 몰리고, 좋은 값이 주로 있는 작은 "
              "자릿수에서는 거의 뽑히지 않습니다. 지수를 균등하게 뽑으면(lr = 10^u, u는 [-4, 0]에서 균등) 자릿수마다 같은 비율로 뽑힙니다. "
              "히스토그램은 두 방법으로 실제로 1000번씩 뽑은 결과입니다(두 번째 방법은 graphgrad.train.space.LogUniform)."},
    "corrects": [
        {"claim": "샘플링할 때 10e-3~10e-6 대신 10의 차수 값만 -3 ~ -6", "where": "001 (Hyperparameter Optimization)",
         "fix": {"en": "In code, 10e-3 means 10 × 10⁻³ = 0.01 (10e-6 = 1e-5). The range meant is 10⁻³ to 10⁻⁶, written 1e-3 to 1e-6; "
                       "sampling the exponent uniformly in [-6, -3] is right.",
                 "ko": "코드에서 10e-3은 10 × 10⁻³ = 0.01입니다(10e-6 = 1e-5). 뜻한 범위는 10⁻³~10⁻⁶, 즉 1e-3~1e-6이고, 지수를 [-6, -3]에서 "
                       "균등하게 뽑는 것은 맞습니다."}}],
}

def make(out_dir):
    from graphgrad.train.space import LogUniform, Uniform
    from graphgrad.viz.companion import figure, save, t
    rng = np.random.default_rng(0)
    lin = np.array([Uniform(1e-4, 1.0).sample(rng) for _ in range(1000)])
    log = np.array([LogUniform(1e-4, 1.0).sample(rng) for _ in range(1000)])
    edges = [1e-4, 1e-3, 1e-2, 1e-1, 1.0]
    c_lin, _ = np.histogram(lin, edges)
    c_log, _ = np.histogram(log, edges)
    fig, ax = figure(6.4, 3.4)
    x = np.arange(4)
    ax.bar(x - 0.2, c_lin, 0.4, label=t("uniform in lr", "학습률을 균등하게"), color="#d62728")
    ax.bar(x + 0.2, c_log, 0.4, label=t("uniform in log10 lr", "log10 학습률을 균등하게"), color="#1f77b4")
    ax.set_xticks(x, ["1e-4..1e-3", "1e-3..1e-2", "1e-2..0.1", "0.1..1"])
    ax.set_xlabel(t("learning-rate decade", "학습률의 자릿수 구간")); ax.set_ylabel(t("draws (of 1000)", "뽑힌 횟수 (1000번 중)"))
    ax.legend()
    ax.set_title(t("1000 draws each, counted per decade", "1000번씩 뽑아 자릿수별로 센 결과"), fontsize=10)
    name = save(fig, out_dir, "log_space.png")
    return {"figures": [(name, {"en": f"Uniform: {c_lin.tolist()} draws per decade; log space: {c_log.tolist()}.",
                                "ko": f"균등하게 뽑으면 자릿수별로 {c_lin.tolist()}개, log space에서 뽑으면 {c_log.tolist()}개입니다."})],
            "numbers": {"uniform_per_decade": c_lin.tolist(), "log_per_decade": c_log.tolist()}}


if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)
