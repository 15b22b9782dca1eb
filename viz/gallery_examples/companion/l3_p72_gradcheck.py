"""L3 p72: why check the analytic gradient numerically. A hand-written sigmoid gate with a
bug in its backward, registered with graphgrad's public ``apply``; gg.gradcheck catches it,
and the plot compares the buggy, the correct and the numeric gradient."""
import numpy as np

import graphgrad as gg

PAGE = {
    "lecture": 3, "page": "p72",
    "asked": [("소현", "Numerical Gradient를 구현해서 체크해보는 것이 디버깅할 때 좋은 이유(?)를 생각해봤는데 내가 구현한 back "
                      "propagation 알고리즘이 잘 구현이 되었는지 단순 확인 하기 위한 방법인가로 이해했는데 맞나요?")],
    "title": {"en": "Gradient checking: the numeric gradient tests your backward", "ko": "gradient check: 수치 미분으로 역전파 구현을 검사한다"},
    "answer": {
        "en": "Yes, exactly. The analytic gradient (your backward code) is fast and exact when it is right, but nothing "
              "warns you when it is wrong: training still runs, just badly. The numeric gradient (f(x+h) - f(x-h))/2h "
              "is slow and approximate but almost impossible to get wrong, because it only calls the forward pass. "
              "So you compute both on a few small inputs and compare their relative error: about 1e-7 or less means "
              "the backward is right; 1e-2 means a bug. Below, a sigmoid gate whose backward forgot a factor "
              "(σ instead of σ(1 - σ)): the curves disagree and gg.gradcheck reports it.",
        "ko": "네, 정확합니다. 해석적 미분(직접 짠 역전파 코드)은 빠르고 제대로 짰다면 정확하지만, 틀렸을 때 아무도 알려"
              " 주지 않습니다. 학습은 여전히 돌아가고 결과만 나쁠 뿐입니다. 수치 미분 (f(x+h) - "
              "f(x-h))/2h는 느리고 근사값이지만 순전파만 쓰므로 틀릴 여지가 거의 없습니다. 그래서 작은 입력 몇 "
              "개에서 둘을 모두 계산해 상대 오차를 비교합니다. 약 1e-7 이하면 역전파가 맞은 것이고, 1e-2 정도면 "
              "버그입니다. 아래는 역전파에서 계수 하나를 빠뜨린(σ(1 - σ) 대신 σ) sigmoid 게이트입니다. 두 "
              "곡선이 어긋나고 gg.gradcheck가 이를 잡아냅니다."},
}


def make(out_dir):
    from graphgrad.viz.companion import figure, save, t as tr
    x0 = np.linspace(-4, 4, 41)

    def sig(v):
        return 1 / (1 + np.exp(-v))

    from graphgrad.ops import SIGMOID

    class BuggySigmoid(type(SIGMOID)):        # a hand-written gate: forward right, backward wrong
        name = "my_sigmoid"

        def df(self, a, o):
            return o                           # forgot the (1 - o)
    bug = BuggySigmoid()
    x = gg.Value(x0, requires_grad=True)
    gg.apply(bug, x).sum().backward()
    buggy = np.asarray(x.grad)
    caught = not gg.gradcheck(lambda v: gg.apply(bug, v).sum(), gg.Value(x0[::8], requires_grad=True),
                              raise_exception=False)
    passes = gg.gradcheck(lambda v: gg.apply(SIGMOID, v).sum(), gg.Value(x0[::8], requires_grad=True))
    right = sig(x0) * (1 - sig(x0))
    h = 1e-5
    numeric = (sig(x0 + h) - sig(x0 - h)) / (2 * h)
    rel = float(np.max(np.abs(buggy - numeric) / np.maximum(1e-12, np.abs(buggy) + np.abs(numeric))))
    rel_ok = float(np.max(np.abs(right - numeric) / np.maximum(1e-12, np.abs(right) + np.abs(numeric))))
    fig, ax = figure(6.4, 3.4)
    ax.plot(x0, numeric, color="#2ca02c", lw=4, alpha=0.5, label=tr("numeric (f(x+h) - f(x-h)) / 2h", "수치 미분 (f(x+h) - f(x-h)) / 2h"))
    ax.plot(x0, right, "--", color="#1f77b4", label=tr("correct backward σ(1 - σ)", "올바른 역전파 σ(1 - σ)"))
    ax.plot(x0, buggy, color="#d62728", label=tr("buggy backward σ", "버그 있는 역전파 σ"))
    ax.legend(fontsize=8)
    ax.set_xlabel("x"); ax.set_ylabel("dσ/dx")
    name = save(fig, out_dir, "gradcheck.png")
    return {"figures": [(name, {"en": f"Largest relative error: buggy {rel:.2g}, correct {rel_ok:.1e}. gg.gradcheck flags the buggy gate: {caught}.",
                                "ko": f"최대 상대 오차: 버그 {rel:.2g}, 올바른 구현 {rel_ok:.1e}. gg.gradcheck가 버그를 잡음: {caught}."})],
            "numbers": {"rel_error_buggy": rel, "rel_error_correct": rel_ok, "gradcheck_caught_bug": caught,
                        "gradcheck_passes_correct": bool(passes)}}


if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)
