"""L4 p7: numeric gradients are approximate and slow, analytic ones exact and fast but
error-prone. For f = Σ tanh(W x) with 40×40 W: the numeric gradient's error as h varies,
and the forward passes it costs (2 per weight) against one graphgrad backward."""
import numpy as np

import graphgrad as gg

PAGE = {
    "lecture": 4, "page": "p7",
    "asked": [("소현", "수치적 미분의 장단점은 다 이해가 되는데 해석적 미분에서 error-prone 부분이 왜 그런지 모르겠습니다. "
                      "error-prone을 찾아보니 “에러가 발생하기 쉬운”이라는데 왜 그런지 궁금합니다. 오히려 근사적 수치로 미분을 구한 "
                      "수치적 미분보다 더 정확할 거라 생각하는데 이 부분이 왜 그런지 궁금합니다.")],
    "title": {"en": "Analytic gradients: exact, but easy to get wrong", "ko": "해석적 미분: 정확하지만 틀리기 쉽다"},
    "answer": {
        "en": "You are right that a correct analytic gradient is more accurate: it is exact up to rounding, while the "
              "numeric one has an error that depends on the step h (too large: the curve's bend; too small: "
              "floating-point cancellation; hence the V-shaped plot). 'Error-prone' is about people, not numbers: the "
              "analytic gradient is a formula you derive and code by hand for every op (a missed transpose, a "
              "forgotten factor, a wrong sign), and a wrong one still runs without complaint. The numeric gradient "
              "needs only the forward pass, so there is almost nothing to get wrong, but it costs two forward passes "
              "per parameter. The analytic gradient costs one forward pass plus one backward pass, and the backward "
              "pass is not free: it does about as many multiply-adds as the forward (here dL/dW = g·xᵀ is exactly as "
              "many as W·x; for a layer whose input also needs a gradient, twice as many). So about 2 to 3 forward "
              "passes in all, against 3,200 for the numeric gradient of these 1,600 weights. Hence the lecture's rule: "
              "use the analytic gradient, check it with the numeric one (gradient check, L3 p72).",
        "ko": "맞게 구현한 해석적 미분이 더 정확하다는 생각이 맞습니다. 반올림 오차를 빼면 정확하고, 수치 미분은 스텝 h에 따라 오차가 "
              "생깁니다(h가 크면 곡선이 휘어서, 너무 작으면 부동소수점 뺄셈에서 자릿수가 사라져서 오차가 커지므로 그래프가 V자입니다). "
              "'error-prone'은 숫자가 아니라 사람 이야기입니다. 해석적 미분은 연산마다 손으로 유도해서 코드로 옮기는 공식이라 transpose를 "
              "빠뜨리거나, 계수를 잊거나, 부호를 틀리기 쉽고, 틀려도 아무 경고 없이 그대로 돌아갑니다. 수치 미분은 순전파만 있으면 되므로 "
              "틀릴 곳이 거의 없지만, 파라미터마다 순전파를 두 번씩 해야 합니다. 해석적 미분은 순전파 한 번에 역전파 한 번이 드는데, "
              "역전파도 공짜는 아닙니다. 곱셈-덧셈 횟수가 순전파와 비슷합니다(여기서 dL/dW = g·xᵀ는 W·x와 횟수가 같고, 입력의 기울기까지 "
              "구해야 하는 층이라면 두 배입니다). 그래서 모두 합쳐 순전파 2~3번 정도이고, 이 가중치 1,600개의 수치 미분은 순전파 3,200번입니다. "
              "그래서 강의의 규칙은 해석적 미분을 쓰고 수치 미분으로 검사하는 것입니다(gradient check, 3강 p72)."},
}

def make(out_dir):
    from graphgrad.viz.companion import figure, save, t
    rng = np.random.default_rng(0)
    W0, x0 = rng.standard_normal((40, 40)) * 0.2, rng.standard_normal(40)
    W = gg.Value(W0, requires_grad=True)
    gg.tanh(W @ gg.Value(x0)).sum().backward()
    exact = np.asarray(W.grad)

    def f(Wa):
        return float(np.tanh(Wa @ x0).sum())
    hs = np.logspace(-13, -1, 25)
    idx = [(0, 0), (5, 7), (20, 3)]
    errs = []
    for h in hs:
        e = []
        for i, j in idx:
            d = np.zeros_like(W0)
            d[i, j] = h
            e.append(abs((f(W0 + d) - f(W0 - d)) / (2 * h) - exact[i, j]) / max(1e-12, abs(exact[i, j])))
        errs.append(max(e))
    fig, (a0, a1) = figure(10, 3.4, ncols=2)
    a0.loglog(hs, errs, "-o", ms=3, color="#d62728")
    a0.set_xlabel(t("step h", "스텝 h")); a0.set_ylabel(t("relative error vs backward", "역전파 대비 상대 오차"))
    a0.set_title(t("numeric gradient: error depends on h", "수치 미분: 오차가 h에 따라 달라짐"), fontsize=10)
    # cost in multiply-adds, in units of one forward pass (W·x: 1600)
    fwd = W0.size
    back = W0.size                       # dL/dW = g·xᵀ (x needs no gradient here)
    labels = [t("numeric\n(2 forward per weight)", "수치 미분\n(가중치마다 순전파 2번)"), t("analytic\n(forward + backward)", "해석적 미분\n(순전파 + 역전파)")]
    a1.bar(labels, [2 * W0.size, 1], color="#d62728", label=t("forward", "순전파"))
    a1.bar(labels, [0, back / fwd], bottom=[2 * W0.size, 1], color="#1f77b4", label=t("backward", "역전파"))
    a1.set_yscale("log"); a1.set_ylabel(t("cost, in forward passes", "비용 (순전파 횟수)")); a1.legend(fontsize=8)
    a1.set_title(t(f"cost of all {W0.size} weights' gradients", f"가중치 {W0.size}개의 기울기를 구하는 비용"), fontsize=10)
    name = save(fig, out_dir, "numeric_vs_analytic.png")
    best = float(min(errs))
    return {"figures": [(name, {"en": f"Best relative error {best:.1e} at h = {hs[int(np.argmin(errs))]:.0e}; numeric needs {2 * W0.size} forward passes, "
                                      f"analytic one forward plus a backward worth {back / fwd:.0f} forward pass(es).",
                                "ko": f"최소 상대 오차는 h = {hs[int(np.argmin(errs))]:.0e}에서 {best:.1e}. 수치 미분은 순전파 {2 * W0.size}번, 해석적 미분은 순전파 1번과 "
                                      f"순전파 {back / fwd:.0f}번 분량의 역전파가 필요합니다."})],
            "numbers": {"best_rel_error": best, "worst_rel_error": float(max(errs)), "forward_passes_numeric": 2 * W0.size,
                        "analytic_cost_in_forward_passes": 1 + back / fwd}}


if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)
