"""L3 p20: why the multiclass SVM loss starts at C - 1. Each wrong class j contributes
max(0, s_j - s_y + 1); with all scores about 0 each term is 1 and there are C - 1 of them.
graphgrad's svm_loss on a fresh classifier, and the per-class margins of one example."""
import numpy as np

import graphgrad as gg
from graphgrad.nn import functional as F

PAGE = {
    "lecture": 3, "page": "p20",
    "asked": [("세연", "“왜냐면 Loss를 계산할때 정답이 아닌 클래스를 순회합니다. 그러면 C - 1 클래스를 순회하겠죠. 비교하는 두 "
                      "스코어가 거의 비슷하니 Margin때문에 우리는 1 스코어를 얻게 될 것입니다. 그리고 전에 Loss는 C - 1을 얻게 되는 "
                      "것이죠” 라는 부분이 잘 이해가 안됩니다.")],
    "title": {"en": "The SVM loss at initialisation is C - 1", "ko": "초기화 직후 SVM loss는 C - 1"},
    "answer": {
        "en": "The SVM loss of one example sums over the wrong classes only: L = Σ_{j≠y} max(0, s_j - s_y + 1). With tiny "
              "weights all scores are about 0, so each term is max(0, 0 - 0 + 1) = 1 — the margin. There are C - 1 "
              "wrong classes (the correct class is skipped), so L ≈ C - 1. The left plot is one example's C = 10 terms "
              "(nine ones, the correct class zero); the right plot is graphgrad's svm_loss at initialisation for "
              "C = 2 ... 20 against the line C - 1.",
        "ko": "한 예제의 SVM loss는 정답이 아닌 클래스에 대해서만 더합니다: L = Σ_{j≠y} max(0, s_j "
              "- s_y + 1). 가중치가 아주 작으면 점수가 모두 거의 0이라서 각 항은 max(0, 0 - 0 + 1) "
              "= 1, 즉 margin 값이 됩니다. 정답 클래스를 빼면 틀린 클래스가 C - 1개이므로 L ≈ C - "
              "1입니다. 왼쪽 그림은 C = 10일 때 예제 하나의 항들(1이 아홉 개, 정답 클래스는 0)이고, 오른쪽 "
              "그림은 C = 2부터 20까지 초기화 직후의 graphgrad svm_loss를 직선 C - 1과 함께 그린 "
              "것입니다. 학습을 시작할 때 loss가 C - 1 근처가 아니면 구현을 의심해 볼 만합니다."},
}


def initial(C, n=200, d=50, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    W = 0.001 * rng.standard_normal((d, C))
    y = rng.integers(0, C, n)
    s = X @ W
    return float(F.svm_loss(gg.Value(s), y).item()), s[0], int(y[0])


def make(out_dir):
    from graphgrad.viz.companion import figure, save, t as tr
    Cs = np.arange(2, 21)
    res = [initial(int(c)) for c in Cs]
    losses = np.array([r[0] for r in res])
    _, s0, y0 = res[8]
    terms = np.maximum(0, s0 - s0[y0] + 1)
    terms[y0] = 0
    fig, (a0, a1) = figure(10, 3.4, ncols=2)
    a0.bar(np.arange(10), terms, color=["#2ca02c" if j == y0 else "#d62728" for j in range(10)])
    a0.set_xlabel(tr("class j (green: the correct class y, skipped)", "클래스 j (초록: 정답 클래스 y, 빼고 더함)"))
    a0.set_title(tr(f"one example, C = 10: terms sum to {terms.sum():.3f}", f"예제 하나, C = 10: 항의 합 {terms.sum():.3f}"), fontsize=10)
    a1.plot(Cs, Cs - 1, "-", color="#2ca02c", label="C - 1")
    a1.plot(Cs, losses, "o", color="#d62728", label=tr("graphgrad svm_loss at init", "초기화 직후 graphgrad svm_loss"))
    a1.set_xlabel(tr("number of classes C", "클래스 수 C"))
    a1.legend()
    name = save(fig, out_dir, "svm_init.png")
    err = float(np.max(np.abs(losses - (Cs - 1))))
    return {"figures": [(name, {"en": f"Right: the loss sits on C - 1 (largest gap {err:.3f}).",
                                "ko": f"오른쪽: loss가 C - 1 위에 놓입니다 (최대 차이 {err:.3f})."})],
            "numbers": {"max_abs_gap": err, "one_example_sum_C10": float(terms.sum())}}


if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)
