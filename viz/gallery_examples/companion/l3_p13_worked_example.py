"""L3 p13-46: the lecture's own worked example, recomputed: three images (cat, car, frog), their
scores, the multiclass SVM losses 2.9 / 0 / 12.9 (mean 5.27) and the softmax loss of the cat
image (P(cat) = 0.13, loss 2.04; the slide's 0.89 is the same loss in log base 10), with the
graph of each loss and the gradients backprop puts on the scores."""
import numpy as np

import graphgrad as gg
from graphgrad.nn import functional as F

# the slide's scores: rows = the three images, columns = the classes cat, car, frog
SCORES = np.array([[3.2, 5.1, -1.7],
                   [1.3, 4.9, 2.0],
                   [2.2, 2.5, -3.1]])
CLASSES = ("cat", "car", "frog")

PAGE = {
    "lecture": 3, "page": "p13-46",
    "asked": [],
    "title": {"en": "The lecture's worked example: SVM losses 2.9 / 0 / 12.9 and the softmax loss 2.04",
              "ko": "강의 예제 다시 계산하기: SVM loss 2.9 / 0 / 12.9와 softmax loss 2.04"},
    "answer": {
        "en": "The slide scores three training images (a cat, a car, a frog) with three classes. The multiclass SVM loss "
              "of one image is the sum over the wrong classes j of max(0, s_j - s_y + 1). Cat image: max(0, 5.1 - 3.2 + 1) "
              "+ max(0, -1.7 - 3.2 + 1) = 2.9 + 0 = 2.9. Car image: both wrong classes are more than 1 below the car "
              "score, so the loss is 0. Frog image: max(0, 2.2 + 3.1 + 1) + max(0, 2.5 + 3.1 + 1) = 6.3 + 6.6 = 12.9. "
              "The loss over the data set is the mean, (2.9 + 0 + 12.9) / 3 = 5.27.\n\n"
              "Softmax reads the same scores as unnormalised log-probabilities: exp gives 24.5, 164.0, 0.18; normalised, "
              "P(cat) = 0.13, and the loss is -ln 0.13 = 2.04. The slide writes 0.89: that is -log10(0.13), the same "
              "loss in base 10. The course (and every library) uses the natural log: 2.04.\n\n"
              "The graphs below are these losses as graphgrad builds them, with the gradient on each score after "
              "backprop. SVM: the car score gets +1 (its margin is violated), the cat score -1 (one violation), the frog "
              "score 0. Softmax: dL/ds = P - onehot(y) = (0.13 - 1, 0.87, 0.001): every score gets a gradient, even the "
              "frog's.",
        "ko": "슬라이드에는 학습 이미지 3장(고양이, 자동차, 개구리)마다 클래스 3개의 점수가 나와 있습니다. 이미지 하나의 multiclass SVM loss는 "
              "오답 클래스 j마다 max(0, s_j - s_y + 1)을 더한 값입니다. 고양이 이미지는 max(0, 5.1 - 3.2 + 1) + "
              "max(0, -1.7 - 3.2 + 1) = 2.9 + 0 = 2.9입니다. 자동차 이미지는 두 오답 클래스의 점수가 모두 자동차 점수보다 1 넘게 낮아서 "
              "loss가 0입니다. 개구리 이미지는 max(0, 2.2 + 3.1 + 1) + max(0, 2.5 + 3.1 + 1) = 6.3 + 6.6 = 12.9입니다. "
              "데이터 전체의 loss는 평균인 (2.9 + 0 + 12.9) / 3 = 5.27입니다.\n\n"
              "softmax는 같은 점수를 정규화되지 않은 로그 확률로 봅니다. exp를 취하면 24.5, 164.0, 0.18이고, 합이 1이 되게 나누면 "
              "P(cat) = 0.13, loss는 -ln 0.13 = 2.04입니다. 슬라이드에 적힌 0.89는 -log10(0.13), 즉 밑이 10인 로그로 잰 같은 "
              "loss입니다. 강의와 라이브러리는 모두 자연로그를 쓰므로 2.04가 맞습니다.\n\n"
              "아래 그래프는 graphgrad로 만든 두 loss의 계산 그래프이고, 역전파가 끝난 뒤 각 점수에 붙은 기울기를 보여 줍니다. "
              "SVM에서는 자동차 점수가 +1(margin을 어김), 고양이 점수가 -1(margin을 어긴 클래스가 1개), 개구리 점수가 0을 받습니다. softmax에서는 "
              "dL/ds = P - onehot(y) = (0.13 - 1, 0.87, 0.001)이라서 개구리 점수까지 모든 점수가 기울기를 받습니다."},
}


def losses():
    """The slide's numbers from the scores: per-image SVM losses, their mean, P(cat | cat image)
    and the softmax loss (natural log and base 10)."""
    y = np.arange(3)                     # image i is of class i
    svm = [float(sum(max(0.0, s[j] - s[i] + 1.0) for j in range(3) if j != i)) for i, s in enumerate(SCORES)]
    p = np.exp(SCORES[0]) / np.exp(SCORES[0]).sum()
    mean_svm = float(F.svm_loss(gg.Value(SCORES), y, reduction="mean").item()) * 1.0
    return svm, mean_svm, p, float(-np.log(p[0])), float(-np.log10(p[0]))


def make(out_dir):
    import os

    from graphgrad import viz
    from graphgrad.viz.companion import figure, save, t
    svm, mean_svm, p, ce, ce10 = losses()
    # the cat image's two losses as graphs, with the gradients on the scores
    # built from elementwise gates, as on the slide, so each box is one step of the formula
    s1 = gg.Value(SCORES[0], requires_grad=True, name="s (cat image)")
    sy = s1[0]
    sy.name = "s_cat"
    margins = gg.maximum(s1 - sy + 1.0, 0.0)
    margins.name = "max(0, s_j - s_cat + 1)"
    L1 = (margins * gg.Value(np.array([0.0, 1.0, 1.0]), name="wrong classes")).sum()
    L1.name = "SVM loss"
    L1.backward(retain_graph=True)
    viz.render(L1, os.path.join(out_dir, "svm_graph.png"), fmt=".2f")
    s2 = gg.Value(SCORES[0], requires_grad=True, name="s (cat image)")
    e = gg.exp(s2)
    e.name = "exp(s)"
    prob = e / e.sum()
    prob.name = "P"
    L2 = -gg.log(prob[0])
    L2.name = "softmax loss"
    L2.backward(retain_graph=True)
    viz.render(L2, os.path.join(out_dir, "softmax_graph.png"), fmt=".2f")
    g_svm, g_soft = np.asarray(s1.grad, float), np.asarray(s2.grad, float)

    fig, (a0, a1, a2) = figure(11, 3.4, ncols=3)
    names = [t(c, k) for c, k in zip(CLASSES, ("고양이", "자동차", "개구리"))]
    a0.bar(names, svm, color=["#1f77b4", "#ff7f0e", "#2ca02c"])
    for i, v in enumerate(svm):
        a0.text(i, v + 0.2, f"{v:.1f}".replace(".0", "") if v == 0 else f"{v:.1f}", ha="center")
    a0.axhline(mean_svm, color="#d62728", ls="--", label=t(f"mean {mean_svm:.2f}", f"평균 {mean_svm:.2f}"))
    a0.set_title(t("SVM loss of each image", "이미지별 SVM loss"), fontsize=10); a0.legend(fontsize=8)
    a1.bar(names, p, color="#9467bd")
    for i, v in enumerate(p):
        a1.text(i, v + 0.02, f"{v:.3f}", ha="center")
    a1.set_title(t(f"softmax of the cat image: loss -ln {p[0]:.2f} = {ce:.2f}", f"고양이 이미지의 softmax: loss -ln {p[0]:.2f} = {ce:.2f}"), fontsize=10)
    a1.set_ylim(0, 1.05)
    x = np.arange(3)
    a2.bar(x - 0.2, g_svm, 0.4, label="SVM")
    a2.bar(x + 0.2, g_soft, 0.4, label="softmax")
    a2.set_xticks(x, names); a2.axhline(0, color="#999", lw=0.8)
    a2.set_title(t("dL/ds on the cat image's scores", "고양이 이미지 점수의 dL/ds"), fontsize=10); a2.legend(fontsize=8)
    name = save(fig, out_dir, "worked_example.png")
    return {"figures": [
        (name, {"en": f"SVM losses {svm[0]:.1f} / {svm[1]:.1f} / {svm[2]:.1f}, mean {mean_svm:.2f}; softmax P(cat) = {p[0]:.2f}, "
                      f"loss {ce:.2f} (natural log; {ce10:.2f} in base 10, the slide's number).",
                "ko": f"SVM loss {svm[0]:.1f} / {svm[1]:.1f} / {svm[2]:.1f}, 평균 {mean_svm:.2f}. softmax P(cat) = {p[0]:.2f}, "
                      f"loss {ce:.2f} (자연로그. 슬라이드의 {ce10:.2f}는 밑이 10인 로그)."}),
        ("svm_graph.png", {"en": "The cat image's SVM loss as a graph; each box shows its value and its gradient after backprop.",
                           "ko": "고양이 이미지의 SVM loss 계산 그래프. 상자마다 값과 역전파 뒤의 기울기가 적혀 있습니다."}),
        ("softmax_graph.png", {"en": "The same scores through softmax and -log: every score gets a gradient, P - onehot(y).",
                               "ko": "같은 점수를 softmax와 -log에 통과시킨 그래프. 모든 점수가 P - onehot(y)만큼 기울기를 받습니다."})],
        "numbers": {"svm_cat": svm[0], "svm_car": svm[1], "svm_frog": svm[2], "svm_mean": mean_svm,
                    "p_cat": float(p[0]), "softmax_loss": ce, "softmax_loss_log10": ce10,
                    "svm_grad": g_svm.tolist(), "softmax_grad": g_soft.tolist()}}


if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)
