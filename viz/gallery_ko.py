"""The lecture gallery in Korean: titles, explanations, captions and the page's own words.

The example scripts carry English ``TITLE``/``ABOUT``/``DIAGRAMS`` captions; this table
gives each its Korean text, keyed by file name and kept in step with the study notes'
terms (역전파, 그래디언트, 활성화 함수, 학습률, 국소 그래디언트 = local gradient, 업스트림 =
upstream). The circuits are cs231n's lecture 4 ("4강"). A script missing here keeps its
English text.

>>> ko_card("02_neuron.py", "Sigmoid neuron", "", [""])[0]
'4강 · 예제 2: 시그모이드 뉴런'
"""
from __future__ import annotations

LECTURE = "4강"

# file -> (title, about, [caption per DIAGRAMS entry])
CARDS = {
    "01_add_mul.py": ("(x + y) · z",
                      "강의의 첫 회로입니다. 덧셈 게이트는 업스트림 그래디언트를 두 입력에 그대로 나눠 주고, "
                      "곱셈 게이트는 입력을 맞바꿉니다: dz = q = 3, dq = z = -4.",
                      ["슬라이드처럼 정수로 표시"]),
    "02_neuron.py": ("시그모이드 뉴런",
                     "w = (2, -3, -3), x = (-1, -2)에서 f = σ(w0·x0 + w1·x1 + w2). 펼치면 σ는 게이트 네 개이고, "
                     "접으면(또는 융합하면) 국소 그래디언트가 σ(1 − σ) = 0.73 × 0.27 = 0.20인 게이트 하나입니다. "
                     "두 방식 모두 잎 노드의 그래디언트가 같습니다.",
                     ["σ를 게이트로 펼친 그림 (파란 상자가 시그모이드 그룹)",
                      "같은 그래프에서 시그모이드 그룹을 접은 그림",
                      "융합된 σ 게이트: 각 간선에 국소 그래디언트와 업스트림 × 국소 = 다운스트림"]),
    "03_staged.py": ("단계별 계산",
                     "x = 3, y = -4에서 f(x, y) = (x + σ(y)) / (σ(x) + (x + y)²). x는 게이트 세 곳으로, y는 두 곳으로 "
                     "갈라지므로 돌아오는 그래디언트를 더합니다 (dx = 1.58 − 0.04 + 0.51 = 2.06).",
                     [""]),
    "04_gate_patterns.py": ("게이트 패턴",
                            "x = 3, y = -4, z = 2, w = -1에서 f = 2·(x·y + max(z, w)). 덧셈 게이트는 2.00을 두 입력에 "
                            "나눠 주고, max는 이긴 쪽 z로만 보내며 (w는 0.00), 곱셈은 맞바꿉니다: dx = y·2 = -8, "
                            "dy = x·2 = 6. 복사: 두 번 쓰인 값은 합을 받습니다, 4 + 2 = 6.",
                            ["덧셈은 나누고, max는 보내고, 곱셈은 맞바꿈; *2는 게이트에 접힌 상수",
                             "복사는 더함: a를 두 번 읽으므로 그래디언트는 4 + 2"]),
    "05_vectorized.py": ("벡터화: ||W·x||²",
                         "텐서 선은 모양을, 작으면 숫자도 보여 줍니다. q = W·x = [0.22, 0.26], f = 0.116, "
                         "df/dW = 2q·xᵀ, df/dx = 2Wᵀq: 모든 그래디언트는 그 변수와 모양이 같습니다.",
                         ["유효숫자 3자리"]),
    "06_two_layer_net.py": ("2층 신경망",
                            "아핀 → ReLU 활성화 함수 → 아핀 → 소프트맥스 손실, 예제 4개, 특징 3개, 은닉 유닛 4개, "
                            "클래스 2개. 각 층은 그룹이라 펼쳐서(파란 상자 안의 게이트) 또는 접어서(층마다 상자 하나) "
                            "그립니다.",
                            ["모든 게이트, 층은 클러스터 (원소 8개가 넘는 텐서는 요약)", "층마다 상자 하나로 접음"]),
    "07_batchnorm.py": ("배치 정규화: 단계별과 융합",
                        "x (N=4, D=2) → 평균 μ → x−μ → 제곱 → 평균 → +ε, √ → 1/x → x̂ → ·γ → +β. x−μ는 갈라지므로 "
                        "그래디언트가 합이고, γ와 β는 배치 전체로 broadcast되므로 그래디언트가 배치에 대한 합입니다. "
                        "융합 노드는 같은 dx를 한 번에 계산합니다: dx = γ/(Nσ)·(N·dout − Σdout − x̂·Σ(dout·x̂)).",
                        ["단계별: 배치 정규화의 모든 기본 게이트", "융합: 배치 정규화 노드 하나, 같은 그래디언트"]),
    "08_small_cnn.py": ("작은 합성곱 신경망",
                        "Conv2d → BatchNorm2d → ReLU → MaxPool2d 두 번, 그다음 Linear; 8×8 이미지 두 장 (float32). "
                        "이만큼 큰 텐서는 숫자 대신 모양, 평균, 범위를 보여 주고, 모듈마다 그룹이라 층마다 상자 하나로 "
                        "그릴 수 있습니다.",
                        ["층마다 클러스터 하나 (융합된 합성곱, BN, 풀링 게이트가 안에)", "접은 그림: 모듈마다 상자 하나"]),
    "09_gradient_graph.py": ("그래디언트의 그래디언트",
                             "x = 3, y = -2에서 f = x²·y. graphgrad.grad(f, x, create_graph=True)는 역전파를 게이트로 "
                             "기록합니다 (순전파 게이트마다 ∂ 상자 하나). 그 그래프를 다시 역전파하면 잎에 2계 도함수가 "
                             "놓입니다: d²f/dx² = 2y = -4, d²f/dxdy = 2x = 6.",
                             ["순전파: df/dx = 2xy = -12, df/dy = x² = 9",
                              "df/dx = 2xy를 ∂ 게이트의 그래프로; 그 그래디언트는 d²f/dx² = -4, d²f/dxdy = 6"]),
}

PAGE = {
    "title": "graphgrad: 역전파 갤러리",
    "h1": "graphgrad — cs231n 방식으로 그린 역전파",
    "intro": "아래 그림은 모두 <code>graphgrad gallery</code>가 실제 graphgrad 그래프에서 그린 것입니다. "
             "게이트는 연산이 적힌 원이고, 각 선에는 순전파 값과 그래디언트가 적혀 있습니다.",
    "green": "순전파 값 (선 위)", "red": "그래디언트 d(출력)/d(선) (선 아래)",
    "blue": "그룹 (시그모이드 게이트, 층, 배치 정규화; ∂mul: 그래디언트 그래프에서 한 게이트의 역전파)",
    "source": "소스", "step": "▶ 역전파 단계별로 보기",
    "companion": "스터디 노트 다섯 편의 질문 {n}개와 답 ({pages}쪽, English / 한국어) →",
    "foot": "graphgrad의 <code>viz</code> 패키지와 Graphviz(graphviz-pure)로 만들었습니다. "
            "이 페이지는 네트워크 없이 열립니다.",
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
