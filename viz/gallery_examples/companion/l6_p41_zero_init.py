"""L6 p41 (notes 001, 004): what happens when every weight starts at 0 (or at one constant):
every hidden unit computes the same thing, gets the same gradient, and stays a copy of the others;
random initialisation breaks the symmetry. Also: W = 0.01·randn draws from N(0, 0.01²), not from
the standard normal."""
import numpy as np

import graphgrad as gg
from graphgrad.nn import functional as F

PAGE = {
    "lecture": 6, "page": "p41",
    "asked": [("6강 리뷰", "모든 가중치가 0이면 어떻게 될까요?"),
              ("6강 리뷰", "Symmetry braking란?")],
    "title": {"en": "All-zero weights and symmetry breaking", "ko": "가중치를 모두 0으로 초기화하면: 대칭 깨기(symmetry breaking)"},
    "answer": {
        "en": "If every weight of a layer starts with the same value, every hidden unit of that layer computes the same "
              "function of the input. Then backprop gives each of them the same gradient (the same upstream times the same "
              "input), the update changes them by the same amount, and after any number of steps they are still identical: "
              "a layer of 50 units behaves like one unit. That is the symmetry. With exactly 0 it is worse: with ReLU or "
              "tanh the hidden output is 0, so the second layer's weights get no gradient and the first layer's get 0 "
              "from an upstream multiplied by W2 = 0; only the last bias learns.\n\n"
              "Symmetry breaking means starting the units from different (random) values so that they receive different "
              "gradients and learn different features. The experiment trains a 2-50-2 tanh net on the two moons three "
              "times: all zeros only ever predicts the majority class, a constant 0.5 keeps 1 distinct hidden unit out of 50 "
              "for the whole run (the net is as good as a single unit), and random weights (0.5·randn) give 50 distinct "
              "units and a good fit.",
        "ko": "한 층의 가중치가 모두 같은 값으로 시작하면 그 층의 은닉 유닛은 모두 입력에 대해 똑같은 함수를 계산합니다. 그러면 역전파가 "
              "모든 유닛에 같은 기울기(같은 upstream × 같은 입력)를 주고, 업데이트도 같은 양만큼 일어나서 몇 스텝이 지나도 여전히 "
              "똑같습니다. 유닛 50개짜리 층이 유닛 하나처럼 동작합니다. 이것이 대칭(symmetry)입니다. 정확히 0이면 더 나쁩니다. ReLU나 "
              "tanh에서는 은닉층 출력이 0이라 두 번째 층 가중치는 기울기를 받지 못하고, 첫 층 가중치는 W2 = 0이 곱해진 upstream을 받아 "
              "기울기가 0입니다. 마지막 bias만 학습됩니다.\n\n"
              "대칭 깨기(symmetry breaking)란 유닛들을 서로 다른(무작위) 값에서 출발시켜 서로 다른 기울기를 받고 서로 다른 특징을 "
              "배우게 하는 것입니다. 실험에서는 2-50-2 tanh 신경망을 두 개의 반달(moons) 데이터로 세 번 학습합니다. 모두 0이면 가장 많은 클래스만 답하는 수준에서 멈추고, 모두 0.5이면 학습 내내 50개 중 서로 다른 은닉 유닛이 "
              "1개뿐이라 유닛 하나짜리 신경망만큼만 맞힙니다. 무작위 값(0.5·randn)에서 출발하면 50개가 모두 달라지고 데이터에 "
              "잘 맞습니다."},
    "corrects": [
        {"claim": "W= 0.01*np.random.randn(D,H) 이 경우 표준정규분포로 해줍니다", "where": "001 (Weight Initialization)",
         "fix": {"en": "np.random.randn draws from the standard normal N(0, 1); multiplied by 0.01 the weights are N(0, 0.01²): "
                       "mean 0, standard deviation 0.01 (measured below: 0.0100).",
                 "ko": "np.random.randn은 표준정규분포 N(0, 1)에서 뽑지만, 0.01을 곱한 가중치는 N(0, 0.01²), 즉 평균 0, 표준편차 0.01인 "
                       "분포를 따릅니다(아래 실측값 0.0100)."}}],
}


def train(init, steps=300, lr=0.5, hidden=50, seed=0):
    """2-hidden-tanh net on the moons from one initialisation; accuracy and the number of
    distinct hidden units (columns of W1 with b1) along the way."""
    from graphgrad.data import make_moons
    d = make_moons(n_samples=200, noise=0.15, seed=0)
    X = (d.X_train - d.X_train.mean(axis=0)) / d.X_train.std(axis=0)
    y = d.y_train
    rng = np.random.default_rng(seed)
    if init == "zeros":
        W1, W2 = np.zeros((2, hidden)), np.zeros((hidden, 2))
    elif init == "constant":
        W1, W2 = np.full((2, hidden), 0.5), np.full((hidden, 2), 0.5)
    else:
        W1, W2 = 0.5 * rng.standard_normal((2, hidden)), 0.5 * rng.standard_normal((hidden, 2))
    b1, b2 = np.zeros(hidden), np.zeros(2)
    acc, distinct = [], []
    for _ in range(steps):
        ps = [gg.Value(p, requires_grad=True) for p in (W1, b1, W2, b2)]
        s = gg.tanh(gg.Value(X) @ ps[0] + ps[1]) @ ps[2] + ps[3]
        F.cross_entropy(s, y).backward()
        W1, b1, W2, b2 = (p.numpy() - lr * np.asarray(p.grad) for p in ps)
        acc.append(float(np.mean(np.argmax(s.numpy(), axis=1) == y)))
        units = np.round(np.vstack([W1, b1, W2.T]).T, 9)
        distinct.append(len(np.unique(units, axis=0)))
    return np.array(acc), np.array(distinct)


def make(out_dir):
    from graphgrad.viz.companion import figure, save, t
    runs = {k: train(k) for k in ("zeros", "constant", "random")}
    names = {"zeros": t("all 0", "모두 0"), "constant": t("all 0.5", "모두 0.5"), "random": t("0.5·randn", "0.5·randn")}
    colors = {"zeros": "#7f7f7f", "constant": "#d62728", "random": "#2ca02c"}
    W = 0.01 * np.random.default_rng(0).standard_normal((500, 100))
    fig, (a0, a1, a2) = figure(12, 3.5, ncols=3)
    for k, (acc, distinct) in runs.items():
        a0.plot(acc, color=colors[k], label=names[k])
        a1.plot(distinct, color=colors[k], label=names[k])
    a0.set_xlabel(t("step", "스텝")); a0.set_ylabel(t("training accuracy", "학습 정확도")); a0.legend(fontsize=8)
    a0.set_title(t("same start: one unit's worth of learning", "같은 값에서 출발하면 유닛 하나만큼만 학습"), fontsize=10)
    a1.set_yscale("log"); a1.set_xlabel(t("step", "스텝")); a1.set_ylabel(t("distinct hidden units (of 50)", "서로 다른 은닉 유닛 수 (50개 중)"))
    a1.set_title(t("symmetric units stay copies (all 0 under all 0.5)", "대칭인 유닛은 끝까지 복사본 (모두 0은 0.5와 겹침)"), fontsize=10); a1.legend(fontsize=8)
    u = np.linspace(-0.04, 0.04, 200)
    a2.hist(W.ravel(), bins=80, density=True, color="#1f77b4", alpha=0.7, label=t(f"0.01·randn, std {W.std():.4f}", f"0.01·randn, 표준편차 {W.std():.4f}"))
    a2.plot(u, np.exp(-u ** 2 / 2e-4) / np.sqrt(2e-4 * np.pi), "k:", label="N(0, 0.01²)")
    a2.set_title(t("0.01·randn is N(0, 0.01²), not N(0, 1)", "0.01·randn은 N(0, 1)이 아니라 N(0, 0.01²)"), fontsize=10)
    a2.legend(fontsize=7, loc="upper left")
    name = save(fig, out_dir, "zero_init.png")
    nums = {f"{k}_final_accuracy": float(v[0][-1]) for k, v in runs.items()}
    nums.update({f"{k}_distinct_units": int(v[1][-1]) for k, v in runs.items()})
    nums["randn_0.01_std"] = float(W.std())
    return {"figures": [(name, {
        "en": f"Final training accuracy: all 0 → {nums['zeros_final_accuracy']:.2f}, all 0.5 → {nums['constant_final_accuracy']:.2f} "
              f"({nums['constant_distinct_units']} distinct unit), random → {nums['random_final_accuracy']:.2f} ({nums['random_distinct_units']} distinct units). "
              f"Right: 50,000 draws of 0.01·randn have std {W.std():.4f}.",
        "ko": f"최종 학습 정확도: 모두 0 → {nums['zeros_final_accuracy']:.2f}, 모두 0.5 → {nums['constant_final_accuracy']:.2f}"
              f"(서로 다른 유닛 {nums['constant_distinct_units']}개), 무작위 → {nums['random_final_accuracy']:.2f}(서로 다른 유닛 {nums['random_distinct_units']}개). "
              f"오른쪽: 0.01·randn 50,000개의 표준편차는 {W.std():.4f}입니다."})],
        "numbers": nums}


if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)
