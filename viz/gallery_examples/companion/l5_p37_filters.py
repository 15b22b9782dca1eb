"""L5 p37: edges, corners, blobs. A small convnet trained on the 8x8 digits with
graphgrad.train.fit; its first layer's 3x3 filters shown as images (viz.receptive.filter_images),
and what two of them respond to in one digit."""
import numpy as np

from graphgrad import nn

PAGE = {
    "lecture": 5, "page": "p37",
    "asked": [("세연", "edge, corner, blob 각각 정확히 어떻게 정의된 것들인지 모르겠습니다.")],
    "title": {"en": "Edges, corners, blobs: what first-layer filters look like", "ko": "edge, corner, blob: 첫 층 필터의 모습"},
    "answer": {
        "en": "They are informal names for small image patterns, not formal definitions. An edge is a place where the "
              "brightness changes sharply along one direction (dark on one side, bright on the other: a line). A corner "
              "is where two edges meet, so the brightness changes in two directions. A blob is a small region brighter "
              "or darker than its surroundings, with no particular direction. A first-layer filter is a tiny template "
              "(here 3×3); its response map is high wherever the image locally matches it, so filters that learn "
              "'dark-left, bright-right' are edge detectors. Deeper layers combine these responses into corners, "
              "blobs and parts. Below: the 8 filters a small graphgrad convnet learned on the digits, and two of "
              "their response maps on one digit.",
        "ko": "작은 이미지 패턴을 부르는 비공식적인 이름이지 엄밀한 정의가 아닙니다. edge(선)는 한 방향으로 밝기가 급격히 바뀌는 "
              "곳입니다(한쪽은 어둡고 다른 쪽은 밝음). corner(모서리)는 두 edge 가 만나는 곳이라 두 방향으로 밝기가 바뀝니다. "
              "blob(덩어리)은 주변보다 밝거나 어두운 작은 영역이며 특정한 방향이 없습니다. 첫 층의 필터는 작은 템플릿(여기서는 "
              "3×3)이고, 이미지가 그 부분에서 템플릿과 비슷할수록 응답이 큽니다. '왼쪽 어둡고 오른쪽 밝음'을 배운 필터는 edge "
              "검출기입니다. 깊은 층은 이 응답들을 조합해 corner, blob, 부분을 찾습니다. 아래는 작은 graphgrad convnet 이 숫자 "
              "데이터에서 배운 필터 8개와 한 숫자에 대한 두 필터의 응답입니다."},
}


def make(out_dir):
    import os

    import graphgrad as gg
    from graphgrad.data import load_digits
    from graphgrad.train import fit
    from graphgrad.viz.companion import figure, save
    from graphgrad.viz.receptive import filter_images
    d = load_digits()
    X = (d.X_train - d.X_train.mean()).reshape(-1, 1, 8, 8)
    Xv = (d.X_val - d.X_train.mean()).reshape(-1, 1, 8, 8)
    rng = np.random.default_rng(0)
    net = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1, rng=rng), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                        nn.Linear(8 * 4 * 4, 10, rng=rng))
    h = fit(net, (X, d.y_train, Xv, d.y_val), lr=0.1, epochs=4, batch_size=64, progress=False, seed=0)
    conv = net[0] if hasattr(net, "__getitem__") else list(net.modules())[1]
    filter_images(conv.weight, os.path.join(out_dir, "filters.png"), title="8 learned 3×3 filters (layer 1)")
    W = conv.weight.numpy()
    img = X[0:1]
    resp = nn.functional.conv2d(gg.Value(img), gg.Value(W), None, padding=1).numpy()[0]
    order = np.argsort(-resp.reshape(8, -1).std(axis=1))[:2]
    fig, axes = figure(7, 2.4, ncols=3)
    axes[0].imshow(img[0, 0], cmap="gray"); axes[0].set_title(f"digit {d.y_train[0]}", fontsize=9)
    for ax, k in zip(axes[1:], order):
        ax.imshow(resp[k], cmap="magma"); ax.set_title(f"filter {k} response", fontsize=9)
    for ax in axes:
        ax.axis("off")
    save(fig, out_dir, "responses.png")
    acc = float(h.epochs[-1]["val_acc"])
    return {"figures": [("filters.png", {"en": f"The first layer's 8 filters after 4 epochs (validation accuracy {acc:.1%}); bright = positive weight.",
                                         "ko": f"4 epoch 학습 후 첫 층의 필터 8개 (검증 정확도 {acc:.1%}); 밝을수록 양수 가중치."}),
                        ("responses.png", {"en": "One digit and the response maps of the two filters whose responses vary most.",
                                           "ko": "한 숫자와, 응답이 가장 크게 변하는 두 필터의 응답 지도."})],
            "numbers": {"val_acc": acc}}


if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)
