"""L6 p77: sampling a learning rate uniformly vs in log space, 1000 draws each over [1e-4, 1]."""
import numpy as np

PAGE = {
    "lecture": 6, "page": "p77",
    "asked": [("소현", "log space로 optimization한 다는 게 무슨 말인가요.")],
    "title": {"en": "Searching in log space", "ko": "log space 에서 탐색한다는 것"},
    "answer": {
        "en": "A learning rate acts multiplicatively (the step is lr × gradient), so what matters is its order of "
              "magnitude: 1e-4 vs 1e-3 is as big a change as 1e-2 vs 1e-1. Sampling lr uniformly in [1e-4, 1] puts "
              "90% of the draws in [0.1, 1] and almost none in the small decades where good rates usually are. "
              "Sampling the exponent uniformly (lr = 10^u, u uniform in [-4, 0]) gives every decade the same share. "
              "The histograms count 1000 real draws of each (graphgrad.train.space.LogUniform does the second).",
        "ko": "learning rate 는 곱으로 작용하므로(스텝 = lr × gradient) 중요한 것은 자릿수입니다. 1e-4 와 1e-3 의 차이는 "
              "1e-2 와 1e-1 의 차이만큼 큽니다. [1e-4, 1] 에서 lr 을 균등하게 뽑으면 90% 가 [0.1, 1] 에 몰리고, 좋은 값이 "
              "주로 있는 작은 자릿수에는 거의 뽑히지 않습니다. 지수를 균등하게 뽑으면(lr = 10^u, u 는 [-4, 0] 균등) 모든 "
              "자릿수가 같은 몫을 받습니다. 히스토그램은 각각 실제로 1000번 뽑은 결과입니다 "
              "(두 번째는 graphgrad.train.space.LogUniform)."},
}


def make(out_dir):
    from graphgrad.train.space import LogUniform, Uniform
    from graphgrad.viz.companion import figure, save
    rng = np.random.default_rng(0)
    lin = np.array([Uniform(1e-4, 1.0).sample(rng) for _ in range(1000)])
    log = np.array([LogUniform(1e-4, 1.0).sample(rng) for _ in range(1000)])
    edges = [1e-4, 1e-3, 1e-2, 1e-1, 1.0]
    c_lin, _ = np.histogram(lin, edges)
    c_log, _ = np.histogram(log, edges)
    fig, ax = figure(6.4, 3.4)
    x = np.arange(4)
    ax.bar(x - 0.2, c_lin, 0.4, label="uniform in lr", color="#d62728")
    ax.bar(x + 0.2, c_log, 0.4, label="uniform in log10 lr", color="#1f77b4")
    ax.set_xticks(x, ["1e-4..1e-3", "1e-3..1e-2", "1e-2..0.1", "0.1..1"])
    ax.set_ylabel("draws (of 1000)")
    ax.legend()
    ax.set_title("1000 learning rates per decade")
    name = save(fig, out_dir, "log_space.png")
    return {"figures": [(name, {"en": f"Uniform: {c_lin.tolist()} draws per decade; log space: {c_log.tolist()}.",
                                "ko": f"균등: 자릿수별 {c_lin.tolist()} 개; log space: {c_log.tolist()} 개."})],
            "numbers": {"uniform_per_decade": c_lin.tolist(), "log_per_decade": c_log.tolist()}}


if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)
