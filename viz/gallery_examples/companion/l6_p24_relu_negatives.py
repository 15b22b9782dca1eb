"""L6 p24: why ReLU throws the negative values away. The gate max(0, x) drawn by graphgrad
with its gradients, and what it does to a batch of pre-activations."""
import numpy as np

import graphgrad as gg

PAGE = {
    "lecture": 6, "page": "p24",
    "asked": [("혜지", "왜 RELU함수는 – 값을 다 버릴까?")],
    "title": {"en": "Why ReLU zeroes the negative inputs", "ko": "왜 ReLU 는 음수 입력을 0 으로 만드는가"},
    "answer": {
        "en": "ReLU must be nonlinear, or a stack of layers would collapse into one linear map (W2·W1·x is just another "
              "matrix times x). max(0, x) is about the cheapest nonlinearity there is: a unit either passes its input "
              "('fires') or outputs 0, like a neuron that stays silent below a threshold. Dropping the negative side "
              "is the nonlinearity — the kink at 0 is what lets many units carve the input space into pieces. The "
              "price is on the backward pass: the local gradient is 1 for x > 0 and 0 for x < 0, so a unit whose "
              "input is negative passes no gradient back (the graph below shows it: the negative entries of x get "
              "gradient 0). A unit negative for every input never learns again — the dead ReLU of p27-28.",
        "ko": "ReLU 는 비선형이어야 합니다. 그렇지 않으면 층을 쌓아도 하나의 선형 변환이 됩니다(W2·W1·x 는 그냥 또 다른 행렬 "
              "곱하기 x). max(0, x) 는 가장 값싼 비선형 함수입니다. 유닛이 입력을 통과시키거나('발화') 0 을 출력합니다. "
              "문턱 아래에서는 조용한 뉴런처럼요. 음수 쪽을 버리는 것 자체가 비선형성이며, 0 에서 꺾이는 점 덕분에 여러 "
              "유닛이 입력 공간을 조각으로 나눌 수 있습니다. 대가는 역전파에 있습니다. local gradient 가 x > 0 이면 1, x < 0 "
              "이면 0 이라서 입력이 음수인 유닛은 gradient 를 뒤로 보내지 못합니다(아래 그래프에서 x 의 음수 원소는 gradient 0). "
              "모든 입력에 대해 음수인 유닛은 다시는 학습하지 못합니다. p27-28 의 dead ReLU 입니다."},
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
        "ko": f"x = [-1.5, -0.3, 0.4, 2.0]: h = max(0, x) = {h.numpy().tolist()}; dL/dx = {np.asarray(x.grad).tolist()} — 양수인 {passed} 개의 원소만 gradient 를 받습니다."})],
        "numbers": {"entries_with_gradient": passed, "dx": np.asarray(x.grad).tolist()}}


if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)
