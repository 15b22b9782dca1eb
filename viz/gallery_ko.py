"""The lecture gallery in Korean: titles, explanations, captions and the page's own words.

The example scripts carry English ``TITLE``/``ABOUT``/``DIAGRAMS`` captions; this table
gives each its Korean text, keyed by file name, in the companion glossary's terms
(viz/gallery_examples/companion/glossary.toml: 기울기, 역전파, 순전파, 활성화 함수, 배치 정규화;
local gradient, upstream, downstream, sigmoid, softmax and loss stay in English, as the
lecture and the students write them) with particles attached ("W의"). The circuits are
cs231n's lecture 4 ("4강"). A script missing here keeps its English text.

>>> ko_card("02_neuron.py", "Sigmoid neuron", "", [""])[0]
'4강 · 예제 2: sigmoid 뉴런'
"""
from __future__ import annotations

LECTURE = "4강"

# file -> (title, about, [caption per DIAGRAMS entry])
CARDS = {
    "01_add_mul.py": ("(x + y) · z",
                      "강의에 처음 나오는 회로입니다. 덧셈 게이트는 upstream 기울기를 두 입력에 그대로 나눠 주고, "
                      "곱셈 게이트는 두 입력의 값을 서로 바꿔서 곱합니다: dz = q = 3, dq = z = -4.",
                      ["슬라이드처럼 정수로 표시"]),
    "02_neuron.py": ("sigmoid 뉴런",
                     "w = (2, -3, -3), x = (-1, -2)일 때 f = σ(w0·x0 + w1·x1 + w2). σ를 풀어 쓰면 게이트 네 개이고, "
                     "묶거나(접기) 하나로 합치면(융합) local gradient가 σ(1 − σ) = 0.73 × 0.27 = 0.20인 게이트 하나입니다. "
                     "어느 쪽으로 그려도 입력과 가중치가 받는 기울기는 같습니다.",
                     ["σ를 게이트로 풀어 쓴 그림 (파란 상자가 sigmoid 묶음)",
                      "같은 그래프에서 sigmoid 묶음을 접은 그림",
                      "융합한 σ 게이트: 선마다 local gradient와 upstream × local = downstream"]),
    "03_staged.py": ("단계별로 계산하기",
                     "x = 3, y = -4일 때 f(x, y) = (x + σ(y)) / (σ(x) + (x + y)²). x는 게이트 세 곳에, y는 두 곳에 "
                     "쓰이므로 돌아오는 기울기를 모두 더합니다 (dx = 1.58 − 0.04 + 0.51 = 2.06).",
                     [""]),
    "04_gate_patterns.py": ("게이트 패턴",
                            "x = 3, y = -4, z = 2, w = -1일 때 f = 2·(x·y + max(z, w)). 덧셈 게이트는 들어온 기울기 2.00을 "
                            "두 입력에 그대로 나눠 주고, max 게이트는 더 큰 쪽인 z에만 보내며 (w는 0.00), 곱셈 게이트는 "
                            "두 입력을 서로 바꿔서 곱합니다: dx = y·2 = -8, dy = x·2 = 6. 같은 값을 두 번 쓰면 기울기를 "
                            "더합니다: 4 + 2 = 6.",
                            ["덧셈은 나눠 주고, max는 한쪽으로만 보내고, 곱셈은 바꿔서 곱함 (*2는 게이트에 붙은 상수)",
                             "두 번 쓴 값은 기울기를 더함: a를 두 번 읽으므로 기울기는 4 + 2"]),
    "05_vectorized.py": ("벡터화: ||W·x||²",
                         "텐서가 흐르는 선에는 모양이, 텐서가 작으면 값도 적힙니다. q = W·x = [0.22, 0.26], f = 0.116, "
                         "df/dW = 2q·xᵀ, df/dx = 2Wᵀq: 기울기는 언제나 그 변수와 모양이 같습니다.",
                         ["유효숫자 3자리"]),
    "06_two_layer_net.py": ("2층 신경망",
                            "affine → ReLU → affine → softmax loss. 데이터 4개, 특징 3개, 은닉 유닛 4개, "
                            "클래스 2개입니다. 층마다 묶음으로 되어 있어서 펼쳐서(파란 상자 안에 게이트) 그릴 수도 있고 "
                            "접어서(층마다 상자 하나) 그릴 수도 있습니다.",
                            ["게이트를 모두 그리고 층은 묶음으로 (원소가 8개보다 많은 텐서는 요약)", "층마다 상자 하나로 접은 그림"]),
    "07_batchnorm.py": ("배치 정규화 (BN): 단계별 계산과 융합",
                        "x (N=4, D=2) → 평균 μ → x−μ → 제곱 → 평균 → +ε, √ → 1/x → x̂ → ·γ → +β. x−μ는 여러 곳에 "
                        "쓰이므로 기울기를 더하고, γ와 β는 배치 전체로 broadcast되므로 기울기를 배치에 대해 더합니다. "
                        "융합 노드 하나로도 같은 dx가 한 번에 나옵니다: dx = γ/(Nσ)·(N·dout − Σdout − x̂·Σ(dout·x̂)).",
                        ["단계별: 배치 정규화의 기본 게이트를 모두 그린 그림", "융합: 배치 정규화 노드 하나, 기울기는 같음"]),
    "08_small_cnn.py": ("작은 CNN",
                        "Conv2d → BatchNorm2d → ReLU → MaxPool2d를 두 번, 그다음 Linear. 입력은 8×8 이미지 두 장 (float32). "
                        "텐서가 이만큼 크면 값 대신 모양, 평균, 범위를 적고, 모듈마다 묶음이라 층마다 상자 하나로 "
                        "접어서 그릴 수 있습니다.",
                        ["층마다 묶음 하나 (안에 융합된 conv, BN, pooling 게이트)", "접은 그림: 모듈마다 상자 하나"]),
    "09_gradient_graph.py": ("기울기의 기울기",
                             "x = 3, y = -2일 때 f = x²·y. graphgrad.grad(f, x, create_graph=True)는 역전파도 게이트로 "
                             "기록합니다 (순전파 게이트마다 ∂ 상자 하나). 이 그래프를 다시 역전파하면 2계 도함수가 "
                             "나옵니다: d²f/dx² = 2y = -4, d²f/dxdy = 2x = 6.",
                             ["순전파: df/dx = 2xy = -12, df/dy = x² = 9",
                              "df/dx = 2xy를 ∂ 게이트로 그린 그래프. 이 그래프의 기울기는 d²f/dx² = -4, d²f/dxdy = 6"]),
    "10_wrong_relu_backward.py": ("어느 층이 틀렸을까? (게이트별 gradcheck)",
                                  "과제처럼 층마다 forward/backward 함수 쌍으로 만든 신경망입니다 (gg.layer_from_pair): "
                                  "affine → ReLU → affine → softmax loss. 그런데 relu_backward가 입력이 음수인 곳에서도 "
                                  "기울기의 절반을 흘려보냅니다. 신경망 전체를 gradcheck하면 W1과 b1이 틀렸다는 것만 "
                                  "알 수 있지만, gg.check_gates는 층마다 backward를 그 층 forward의 중앙 차분과 비교해서 "
                                  "ReLU가 틀렸다고 알려 줍니다. 그림에서는 그 층이 빨간 테두리로, 보낸 기울기와 맞는 "
                                  "기울기가 나란히 적혀 있습니다.",
                                  ["틀린 게이트(relu)는 빨간색: backward가 보낸 기울기와 맞는 기울기",
                                   "층을 접은 그림: 틀린 층의 상자가 빨간색"]),
}

PAGE = {
    "title": "graphgrad: 역전파 갤러리",
    "h1": "graphgrad: cs231n 강의처럼 그린 역전파",
    "intro": "아래 그림은 모두 <code>graphgrad gallery</code>가 실제 graphgrad 그래프로 그린 것입니다. "
             "게이트는 연산이 적힌 원이고, 선마다 순전파 값과 기울기가 적혀 있습니다.",
    "green_word": "초록", "red_word": "빨강", "blue_word": "파란 상자",
    "green": "순전파 값 (선 위)", "red": "기울기 d(출력)/d(선) (선 아래)",
    "blue": "묶음 (sigmoid 게이트, 층, 배치 정규화. ∂mul: 기울기 그래프에서 게이트 하나의 역전파)",
    "source": "소스", "step": "▶ 역전파 단계별로 보기",
    "explore": "⇄ 직접 해 보기: 펼치기, 단계별 보기, 값 바꿔 보기 (영어 화면)",
    "companion": "스터디 노트 다섯 개의 질문 {n}개와 답 ({pages}쪽, English / 한국어) →",
    "foot": "graphgrad의 <code>viz</code> 패키지와 Graphviz(graphviz-pure)로 만들었습니다. "
            "이 페이지는 인터넷 연결 없이도 열립니다.",
}


def ko_card(fname: str, title: str, about: str, captions: list) -> tuple:
    """(title, about, captions) of one gallery script in Korean, headed "4강 · 예제 n: ..."."""
    got = CARDS.get(fname)
    number = int(fname[:2]) if fname[:2].isdigit() else None
    head = f"{LECTURE} · 예제 {number}: " if number is not None else f"{LECTURE}: "
    if got is None:
        return head + title, about, list(captions)
    t, a, caps = got
    caps = [caps[k] if k < len(caps) and caps[k] else c for k, c in enumerate(captions)]
    return head + t, a, caps
