"""L3 p7: each row of W is a template of its class. A linear softmax classifier trained with
graphgrad on the 8x8 digits; each class's weights shown as an 8x8 image."""
import numpy as np

import graphgrad as gg
from graphgrad.nn import functional as F

PAGE = {
    "lecture": 3, "page": "p7",
    "asked": [("혜지", "‘행렬 W의 각 행들이 해당하는 그 클래스의 템플릿이 된다’ 는 말이 이해가 안감")],
    "title": {"en": "Each row of W is a template of its class", "ko": "W 의 각 행은 그 클래스의 템플릿"},
    "answer": {
        "en": "A linear classifier computes the score of class c as a dot product: s_c = w_c · x + b_c, where w_c is the "
              "row of W for class c and has one number per pixel. A dot product is large when the two vectors look "
              "alike (big where x is big, negative where x should be dark), so w_c acts as a template that the image "
              "is matched against, and the class whose template matches best wins. Reshape each row back into an "
              "image and you can see it: after training on the digits, the row for 0 is a ring, the row for 1 a "
              "vertical bar. (graphgrad's Linear stores W as (in, out), so the templates are its columns.)",
        "ko": "선형 분류기는 클래스 c 의 점수를 내적으로 계산합니다: s_c = w_c · x + b_c. 여기서 w_c 는 클래스 c 에 해당하는 W 의 "
              "행이고 픽셀마다 숫자 하나를 가집니다. 내적은 두 벡터가 비슷할 때(x 가 밝은 곳에서 크고 어두워야 할 곳에서 음수) "
              "커지므로 w_c 는 이미지와 맞춰 보는 템플릿 역할을 하고, 템플릿이 가장 잘 맞는 클래스가 이깁니다. 각 행을 다시 "
              "이미지 모양으로 바꾸면 보입니다. 숫자 데이터로 학습하면 0 의 행은 고리, 1 의 행은 세로 막대가 됩니다. "
              "(graphgrad 의 Linear 는 W 를 (in, out) 으로 저장하므로 템플릿은 열입니다.)"},
}


def make(out_dir):
    from graphgrad.data import load_digits
    from graphgrad.viz.companion import figure, save
    d = load_digits()
    X, y = d.X_train - d.X_train.mean(axis=0), d.y_train
    rng = np.random.default_rng(0)
    W = 0.001 * rng.standard_normal((64, 10))
    b = np.zeros(10)
    for _ in range(150):
        Wv, bv = gg.Value(W, requires_grad=True), gg.Value(b, requires_grad=True)
        L = F.cross_entropy(gg.Value(X) @ Wv + bv, y) + (Wv * Wv).sum() * 1e-3
        L.backward()
        W, b = W - 0.5 * np.asarray(Wv.grad), b - 0.5 * np.asarray(bv.grad)
    acc = float(np.mean(np.argmax((d.X_val - d.X_train.mean(axis=0)) @ W + b, axis=1) == d.y_val))
    fig, axes = figure(10, 1.6, ncols=10)
    for c, ax in enumerate(axes):
        ax.imshow(W[:, c].reshape(8, 8), cmap="RdBu_r", interpolation="nearest")
        ax.set_title(str(c)); ax.axis("off")
    name = save(fig, out_dir, "templates.png")
    return {"figures": [(name, {"en": f"The 10 templates (red: pixel should be bright, blue: dark). Validation accuracy {acc:.1%}.",
                                "ko": f"10개의 템플릿 (빨강: 밝아야 할 픽셀, 파랑: 어두워야 할 픽셀). 검증 정확도 {acc:.1%}."})],
            "numbers": {"val_acc": acc}}


if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)
