"""L5 p31: what convolution buys over stretching the image into a vector. graphgrad's
conv2d on a digit and on the same digit shifted by 2 pixels (the feature map shifts with it;
a fully connected layer's output does not), and the parameter counts of both layers."""
import numpy as np

import graphgrad as gg
from graphgrad.nn import functional as F

PAGE = {
    "lecture": 5, "page": "p31",
    "asked": [("세연", "내적할 때 또 벡터 일자로 펴서 곱하는 거면 기존의 일자로 펴서 한 거랑 뭐가 다른지 모르겠습니다. convolution "
                      "layer 이용하면 좋은 이유가 무엇인지 궁금합니다. filter 여러 개 만들어서 계층적 학습을 할 수 있다는 점? 인가요?")],
    "title": {"en": "Conv vs fully connected: local, shared weights", "ko": "conv vs fully connected: 국소적이고 공유되는 가중치"},
    "answer": {
        "en": "The arithmetic of one output is the same — a dot product of a stretched-out patch with a stretched-out "
              "filter. The difference is which numbers take part and how often the weights are reused. A fully "
              "connected layer dots the whole image with a separate weight vector per output: the spatial layout is "
              "thrown away and the weight count is (all pixels) × (all outputs). A conv layer dots only a small k×k "
              "patch (local connectivity, L5 p67), and the same filter slides over every position (weight sharing): "
              "few weights, and a pattern learned in one place is detected everywhere — shift the input and the "
              "feature map shifts with it. Many filters give many feature maps, and stacking layers builds larger, "
              "more complex features (the hierarchy you mention).",
        "ko": "출력 하나를 계산하는 산수는 같습니다. 펼친 패치와 펼친 필터의 내적입니다. 다른 것은 어떤 숫자들이 계산에 "
              "들어가는지, 그리고 가중치를 얼마나 재사용하는지입니다. fully connected 층은 출력마다 따로 있는 "
              "가중치 벡터를 이미지 전체와 내적합니다. 공간 구조가 사라지고 가중치 수는 (픽셀 수) × (출력 수)입니다. "
              "conv 층은 작은 k×k 패치하고만 내적하고(국소 연결, 5강 p67), 같은 필터가 모든 위치를 훑고 "
              "지나갑니다(가중치 공유). 그래서 가중치가 적고, 한 곳에서 배운 패턴을 이미지 어디에서든 찾습니다. 입력을 "
              "옮기면 feature map도 같이 옮겨집니다. 필터가 여러 개면 feature map도 여러 개가 되고, 층을"
              " 쌓으면 더 크고 복잡한 feature를 만듭니다(말씀하신 계층적 학습이 맞습니다)."},
}


def make(out_dir):
    from graphgrad.data import load_digits
    from graphgrad.viz.companion import figure, save, t as tr
    img = load_digits().X_train[3].reshape(8, 8)
    big = np.zeros((16, 16)); big[2:10, 2:10] = img
    shifted = np.roll(big, 2, axis=1)
    edge = np.array([[-1.0, 0.0, 1.0]] * 3)
    def conv(a):
        return F.conv2d(gg.Value(a[None, None]), gg.Value(edge[None, None]), None, padding=1).numpy()[0, 0]
    m0, m1 = conv(big), conv(shifted)
    equivariant = float(np.abs(np.roll(m0, 2, axis=1) - m1)[:, 3:-3].max())
    rng = np.random.default_rng(0)
    Wfc = rng.standard_normal((256, 256)) * 0.05
    fc0, fc1 = big.reshape(-1) @ Wfc, shifted.reshape(-1) @ Wfc
    fc_shift_err = float(np.abs(np.roll(fc0.reshape(16, 16), 2, axis=1) - fc1.reshape(16, 16)).max())
    fig, axes = figure(10, 4.6, ncols=4, nrows=2)
    for r, (a, m, fc, t) in enumerate([(big, m0, fc0, tr("digit", "숫자")), (shifted, m1, fc1, tr("shifted 2 px right", "오른쪽으로 2픽셀 이동"))]):
        axes[r, 0].imshow(a, cmap="gray"); axes[r, 0].set_title(t, fontsize=9)
        axes[r, 1].imshow(m, cmap="RdBu_r"); axes[r, 1].set_title(tr("conv 3×3 edge filter", "conv 3×3 edge 필터"), fontsize=9)
        axes[r, 2].imshow(fc.reshape(16, 16), cmap="RdBu_r"); axes[r, 2].set_title(tr("FC layer, 256 outputs", "FC 층, 출력 256개"), fontsize=9)
        for ax in axes[r, :3]:
            ax.axis("off")
    n_fc, n_conv = 256 * 256, 9
    axes[0, 3].bar(["FC", "conv"], [n_fc, n_conv], color=["#d62728", "#1f77b4"]); axes[0, 3].set_yscale("log")
    axes[0, 3].set_title(tr("weights for a 16×16 → 16×16 map", "16×16 → 16×16 map의 가중치 수"), fontsize=9)
    axes[1, 3].axis("off")
    axes[1, 3].text(0, 0.5, tr(f"conv map shifts with the input\n(max diff {equivariant:.1e});\nFC output does not\n(max diff {fc_shift_err:.2f})", f"conv map은 입력과 함께 이동\n(최대 차이 {equivariant:.1e}),\nFC 출력은 아님\n(최대 차이 {fc_shift_err:.2f})"), fontsize=9)
    name = save(fig, out_dir, "conv_vs_fc.png")
    return {"figures": [(name, {"en": f"Conv: {n_conv} shared weights, its map moves with the digit. FC: {n_fc} weights, its output is scrambled by the shift.",
                                "ko": f"conv: 공유 가중치 {n_conv}개, feature map이 숫자와 함께 움직임. FC: 가중치 {n_fc}개, 이동하면 출력이 뒤섞임."})],
            "numbers": {"conv_shift_max_diff": equivariant, "fc_shift_max_diff": fc_shift_err, "weights_fc": n_fc, "weights_conv": n_conv}}


if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)
