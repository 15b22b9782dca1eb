"""L6 p24: why ReLU throws the negative values away. The gate max(0, x) drawn by graphgrad
with its gradients, and what it does to a batch of pre-activations."""
import numpy as np

import graphgrad as gg

PAGE = {
    "lecture": 6, "page": "p24",
    "asked": [("혜지", "왜 RELU함수는 – 값을 다 버릴까?")],
    "title": {"en": "Why ReLU zeroes the negative inputs", "ko": "왜 ReLU는 음수 입력을 0으로 만드는가"},
    "answer": {
        "en": "ReLU must be nonlinear, or a stack of layers would collapse into one linear map (W2·W1·x is just another "
              "matrix times x). max(0, x) is about the cheapest nonlinearity there is: a unit either passes its input "
              "('fires') or outputs 0, like a neuron that stays silent below a threshold. Dropping the negative side "
              "is the nonlinearity — the kink at 0 is what lets many units carve the input space into pieces. The "
              "price is on the backward pass: the local gradient is 1 for x > 0 and 0 for x < 0, so a unit whose "
              "input is negative passes no gradient back (the graph below shows it: the negative entries of x get "
              "gradient 0). A unit negative for every input never learns again — the dead ReLU of p27-28.",
        "ko": "ReLU는 비선형이어야 합니다. 선형이면 층을 아무리 쌓아도 선형 변환 하나와 같습니다(W2·W1·x는 결국 "
              "다른 행렬 하나에 x를 곱한 것). max(0, x)는 계산이 가장 싼 비선형 함수입니다. 유닛은 입력을 그대로"
              " 통과시키거나('발화') 0을 내보냅니다. 문턱을 넘지 못하면 조용한 뉴런과 비슷합니다. 음수 쪽을 버리는 것 "
              "자체가 비선형성이고, 0에서 꺾이는 점이 있어서 여러 유닛이 입력 공간을 조각조각 나눠 맡을 수 있습니다. 대신"
              " 역전파에서 대가를 치릅니다. local gradient가 x > 0이면 1, x < 0이면 0이라서, 입력이 "
              "음수인 유닛은 기울기를 뒤로 보내지 못합니다(아래 그래프에서 x의 음수 원소는 기울기가 0). 모든 입력에 대해"
              " 음수인 유닛은 다시는 학습하지 못하는데, 이것이 p27-28의 dead ReLU입니다."},
}


def make(out_dir):
    import os

    from graphgrad import viz
    x = gg.Value(np.array([-1.5, -0.3, 0.4, 2.0]), requires_grad=True, name="x")
    h = gg.relu(x)
    h.name = "h"
    L = (h * np.array([1.0, 2.0, -1.0, 0.5])).sum()
    L.name = "L"
    L.backward()
    viz.render(L, os.path.join(out_dir, "relu_gate.png"), fmt=".2f")
    passed = int((np.asarray(x.grad) != 0).sum())
    return {"figures": [("relu_gate.png", {
        "en": f"x = [-1.5, -0.3, 0.4, 2.0]: h = max(0, x) = {h.numpy().tolist()}; dL/dx = {np.asarray(x.grad).tolist()} — only the {passed} positive entries get a gradient.",
        "ko": f"x = [-1.5, -0.3, 0.4, 2.0]: h = max(0, x) = {h.numpy().tolist()}; dL/dx = {np.asarray(x.grad).tolist()} — 양수인 {passed}개의 원소만 기울기를 받습니다."})],
        "numbers": {"entries_with_gradient": passed, "dx": np.asarray(x.grad).tolist()}}


if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)
