"""L4 p86: "h is the max function?" The 2-layer net f = W2·max(0, W1·x) built in graphgrad and
drawn as its graph, with h = max(0, W1·x) marked, plus the stepper (narration in Korean too)."""
import numpy as np

import graphgrad as gg

PAGE = {
    "lecture": 4, "page": "p86",
    "asked": [("혜지", "h는 max 함수 ?")],
    "title": {"en": "In f = W2·max(0, W1·x), h is the hidden layer's output", "ko": "f = W2·max(0, W1·x)에서 h는 은닉층의 출력"},
    "answer": {
        "en": "Almost: h is not the max function itself but its output — the hidden layer's activations, "
              "h = max(0, W1·x), a vector with one entry per hidden unit. max(0, ·) is the activation function (ReLU) "
              "applied to every entry of W1·x. The second layer then scores h: f = W2·h. The graph below is exactly "
              "that: x goes into the matmul with W1, the max gate makes h, and the matmul with W2 makes the scores. "
              "Open the step-through page to watch the gradient go back through the max gate: it passes where "
              "W1·x > 0 and is cut to 0 where it was not.",
        "ko": "거의 맞습니다. h는 max 함수 자체가 아니라 그 출력, 즉 은닉층의 활성값 h = max(0, "
              "W1·x)입니다. 은닉 유닛마다 원소가 하나씩 있는 벡터입니다. max(0, ·)는 W1·x의 모든 원소에 "
              "적용되는 활성화 함수(ReLU)입니다. 두 번째 층은 h로 점수를 계산합니다: f = W2·h. 아래 그래프가 "
              "바로 이 계산입니다. x와 W1의 행렬곱, h를 만드는 max 게이트, 점수를 만드는 W2와의 행렬곱 "
              "순서입니다. 단계별 페이지를 열면 기울기가 max 게이트를 지나 거꾸로 흐르는 모습을 볼 수 있습니다. W1·x"
              " > 0인 자리는 통과하고, 나머지는 0으로 막힙니다."},
}


def make(out_dir):
    import os

    from graphgrad import viz
    rng = np.random.default_rng(0)
    x = gg.Value(rng.standard_normal(3).round(1), name="x")
    W1 = gg.Value(rng.standard_normal((4, 3)).round(1), requires_grad=True, name="W1")
    W2 = gg.Value(rng.standard_normal((2, 4)).round(1), requires_grad=True, name="W2")
    a = W1 @ x
    a.name = "W1·x"
    h = gg.maximum(a, 0.0)
    h.name = "h"
    f = W2 @ h
    f.name = "f"
    L = f.sum()
    L.name = "L"
    L.backward(retain_graph=True)     # the stepper replays this pass
    viz.render(L, os.path.join(out_dir, "two_layer.png"), fmt=".2f")
    links = []
    for lang in ("en", "ko"):
        st = viz.Stepper(L, fmt=".2f", lang=lang, title="f = W2·max(0, W1·x)")
        st.to_html(os.path.join(out_dir, f"steps_{lang}.html"))
    links = [("steps_en.html", {"en": "▶ step through backprop (English narration)", "ko": "▶ 역전파 단계별 보기 (영어 설명)"}),
             ("steps_ko.html", {"en": "▶ step through backprop (Korean narration)", "ko": "▶ 역전파 단계별 보기 (한국어 설명)"})]
    viz.explore(L, title="f = W2·max(0, W1·x)").to_html(os.path.join(out_dir, "explore.html"))
    links.append(("explore.html", {"en": "⇄ explore the graph: hover for statistics, step, exercise",
                                   "ko": "⇄ 그래프 탐색: 통계 보기, 단계별 보기, 연습"}))
    off = int((a.numpy() <= 0).sum())
    return {"figures": [("two_layer.png", {"en": f"h = max(0, W1·x) = {np.round(h.numpy(), 2).tolist()}: {off} of 4 hidden units are off for this x.",
                                           "ko": f"h = max(0, W1·x) = {np.round(h.numpy(), 2).tolist()}: 이 x에 대해 은닉 유닛 4개 중 {off}개가 꺼져 있습니다."})],
            "links": links, "numbers": {"hidden_off": off}}


if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)
