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
    "title": {"en": "Analytic gradients: exact, but easy to get wrong", "ko": "해석적 gradient: 정확하지만 틀리기 쉽다"},
    "answer": {
        "en": "You are right that a correct analytic gradient is more accurate: it is exact up to rounding, while the "
              "numeric one has an error that depends on the step h (too large: the curve's bend; too small: "
              "floating-point cancellation — the V-shaped plot). 'Error-prone' is about people, not numbers: the "
              "analytic gradient is a formula you derive and code by hand for every op (a missed transpose, a "
              "forgotten factor, a wrong sign), and a wrong one still runs without complaint. The numeric gradient "
              "needs only the forward pass, so there is almost nothing to get wrong — but it costs two forward passes "
              "per parameter. Hence the lecture's rule: use the analytic gradient, check it with the numeric one "
              "(gradient check, see L3 p72).",
        "ko": "맞게 구현된 해석적 gradient 가 더 정확하다는 생각이 맞습니다. 반올림 오차를 빼면 정확하고, 수치 gradient 는 스텝 h 에 "
              "따라 오차가 있습니다(h 가 크면 곡선의 휘어짐, 너무 작으면 부동소수점 상쇄 — V 자 그래프). 'error-prone'은 숫자가 "
              "아니라 사람에 대한 말입니다. 해석적 gradient 는 연산마다 손으로 유도하고 코딩하는 공식이라(빠뜨린 transpose, 잊은 "
              "인수, 틀린 부호) 실수하기 쉽고, 틀려도 아무 경고 없이 돌아갑니다. 수치 gradient 는 순전파만 있으면 되니 틀릴 것이 거의 "
              "없지만 파라미터마다 순전파를 두 번 해야 합니다. 그래서 강의의 규칙: 해석적 gradient 를 쓰고 수치 gradient 로 검사한다"
              "(gradient check, L3 p72)."},
}


def make(out_dir):
    from graphgrad.viz.companion import figure, save
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
    a0.set_xlabel("step h"); a0.set_ylabel("relative error vs backward")
    a0.set_title("numeric gradient: error depends on h", fontsize=10)
    a1.bar(["numeric\n(2 per weight)", "analytic\n(1 backward)"], [2 * W0.size, 1], color=["#d62728", "#1f77b4"])
    a1.set_yscale("log"); a1.set_ylabel("passes through the net")
    a1.set_title(f"cost for {W0.size} weights", fontsize=10)
    name = save(fig, out_dir, "numeric_vs_analytic.png")
    best = float(min(errs))
    return {"figures": [(name, {"en": f"Best relative error {best:.1e} at h = {hs[int(np.argmin(errs))]:.0e}; numeric needs {2 * W0.size} forward passes.",
                                "ko": f"최소 상대 오차 {best:.1e} (h = {hs[int(np.argmin(errs))]:.0e}); 수치 미분은 순전파 {2 * W0.size}번이 필요."})],
            "numbers": {"best_rel_error": best, "worst_rel_error": float(max(errs)), "forward_passes_numeric": 2 * W0.size}}


if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)
