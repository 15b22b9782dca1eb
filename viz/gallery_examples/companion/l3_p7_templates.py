"""L3 p7: each row of W is a template of its class. A linear softmax classifier trained with
graphgrad on the 8x8 digits; each class's weights shown as an 8x8 image."""
import numpy as np

import graphgrad as gg
from graphgrad.nn import functional as F

PAGE = {
    "lecture": 3, "page": "p7",
    "asked": [("혜지", "‘행렬 W의 각 행들이 해당하는 그 클래스의 템플릿이 된다’ 는 말이 이해가 안감")],
    "title": {"en": "Each row of W is a template of its class", "ko": "W의 각 행은 그 클래스의 템플릿"},
    "answer": {
        "en": "A linear classifier computes the score of class c as a dot product: s_c = w_c · x + b_c, where w_c is the "
              "row of W for class c and has one number per pixel. A dot product is large when the two vectors look "
              "alike: w_c positive where the image is bright, negative where it should be dark. So w_c acts as a "
              "template that the image is matched against, and the predicted class is the one whose template matches "
              "best. Reshape each row back into an 8×8 image and you can see it. Here the images are centred (the mean "
              "digit is subtracted), so red means 'brighter than the average digit raises this class's score' and blue "
              "'lowers it'; white is 0, on one colour scale for all ten. Each template looks like its class's average "
              "image minus the average of all digits (bottom row): the 0 is a ring around a blue centre. "
              "(graphgrad's Linear stores W as (in, out), so the templates are its columns.)",
        "ko": "선형 분류기는 클래스 c의 점수를 내적으로 구합니다: s_c = w_c · x + b_c. w_c는 W에서 클래스 c에 해당하는 행이고 "
              "픽셀마다 숫자가 하나씩 있습니다. 내적은 두 벡터가 닮았을 때, 즉 이미지가 밝은 곳에서 w_c가 양수이고 어두워야 할 곳에서 "
              "음수일 때 커집니다. 그래서 w_c는 이미지를 대 보는 템플릿 역할을 하고, 템플릿이 가장 잘 맞는 클래스가 예측 결과가 됩니다. "
              "각 행을 8×8 이미지로 다시 바꿔 보면 눈으로 확인할 수 있습니다. 여기서는 이미지에서 평균 숫자를 뺐기 때문에, 빨강은 "
              "'이 픽셀이 평균보다 밝으면 이 클래스의 점수가 올라간다', 파랑은 '내려간다'는 뜻이고 흰색이 0입니다. 열 개 모두 같은 색 "
              "눈금을 씁니다. 템플릿은 각 클래스의 평균 이미지에서 전체 평균을 뺀 것(아래 줄)과 닮았습니다. 0의 템플릿은 파란 가운데를 "
              "빨간 고리가 둘러싼 모양입니다. (graphgrad의 Linear는 W를 (in, out) 모양으로 저장하므로 템플릿은 열입니다.)"},
}

def make(out_dir):
    from graphgrad.data import load_digits
    from graphgrad.viz.companion import figure, save, t
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
    # one colour scale for all ten, centred on 0: white = weight 0, so red/blue mean the sign
    m = float(np.abs(W).max())
    means = np.array([d.X_train[d.y_train == c].mean(axis=0) for c in range(10)]) - d.X_train.mean(axis=0)
    fig, axes = figure(11, 2.9, ncols=10, nrows=2)
    for c in range(10):
        im = axes[0, c].imshow(W[:, c].reshape(8, 8), cmap="RdBu_r", vmin=-m, vmax=m, interpolation="nearest")
        axes[0, c].set_title(str(c)); axes[0, c].axis("off")
        axes[1, c].imshow(means[c].reshape(8, 8), cmap="RdBu_r", vmin=-np.abs(means).max(), vmax=np.abs(means).max(),
                          interpolation="nearest")
        axes[1, c].axis("off")
    axes[0, 0].text(-1.5, 3.5, t("template\n(row of W)", "템플릿\n(W의 행)"), fontsize=8, ha="right", va="center")
    axes[1, 0].text(-1.5, 3.5, t("class mean\n- mean image", "클래스 평균\n- 전체 평균"), fontsize=8, ha="right", va="center")
    fig.subplots_adjust(left=0.12, right=0.92, wspace=0.08, hspace=0.15, top=0.9, bottom=0.03)
    fig.colorbar(im, cax=fig.add_axes([0.935, 0.52, 0.01, 0.36]))
    name = save(fig, out_dir, "templates.png", tight=False)
    corr = [float(np.corrcoef(W[:, c], means[c])[0, 1]) for c in range(10)]
    return {"figures": [(name, {
        "en": f"Top: the 10 templates on one colour scale centred on 0 (red: a pixel brighter than the average digit raises the score, "
              f"blue: lowers it). Bottom: each class's mean image minus the mean of all digits; template and class mean correlate "
              f"{min(corr):.2f} to {max(corr):.2f}. Validation accuracy {acc:.1%}.",
        "ko": f"위: 10개의 템플릿, 0을 가운데로 한 같은 색 눈금 (빨강: 그 픽셀이 평균 숫자보다 밝으면 점수가 올라감, 파랑: 내려감). "
              f"아래: 클래스별 평균 이미지에서 전체 평균을 뺀 것. 템플릿과 클래스 평균의 상관계수는 {min(corr):.2f}~{max(corr):.2f}입니다. "
              f"검증 정확도 {acc:.1%}."})],
            "numbers": {"val_acc": acc, "template_class_mean_corr": corr, "colour_scale": [-m, m]}}


if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)
