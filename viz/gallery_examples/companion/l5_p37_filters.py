"""L5 p37: edges, corners, blobs. A small convnet trained on the 8x8 digits with
graphgrad.train.fit; its first layer's 3x3 filters shown as images (viz.receptive.filter_images),
and what two of them respond to in one digit."""
import numpy as np

from graphgrad import nn

# hand-made 3×3 filters (zero-sum, so a flat region gives 0): what the words mean, as templates
HAND_MADE = {
    "vertical edge": np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], float),       # Sobel: dark left, bright right
    "horizontal edge": np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], float),     # dark above, bright below
    "corner": np.array([[-4, -4, -4], [-4, 5, 5], [-4, 5, 5]], float) / 8,       # bright below-right of an L
    "blob": np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], float) / 4,       # centre brighter than all around
}
KO_NAMES = {"vertical edge": "세로 edge", "horizontal edge": "가로 edge", "corner": "corner", "blob": "blob"}

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
              "blobs and parts.\n\n"
              "The first figure makes the words concrete: four hand-made 3×3 filters and their response maps on a test "
              "image with a bright square and a small dot. The vertical-edge filter lights up on the square's left and "
              "right sides, the horizontal one on its top and bottom, the corner filter at one corner, the blob filter on "
              "the dot. Below it, the 8 filters a small graphgrad convnet learned on the 8×8 digits: honestly, they look "
              "like none of these. With 8 filters, tiny 8×8 images and 4 epochs, a filter only needs to be useful, not "
              "clean (the caption gives how close each comes to a hand-made one). Filters learned on large natural "
              "images, like AlexNet's first layer on the slide, do come out as clean oriented edges and colour blobs.",
        "ko": "작은 이미지 패턴을 부르는 비공식적인 이름이지 엄밀한 정의가 아닙니다. edge(선)는 한 방향으로 밝기가 급격히 바뀌는 "
              "곳입니다(한쪽은 어둡고 다른 쪽은 밝음). corner(모서리)는 두 edge가 만나는 곳이라 두 방향으로 밝기가 바뀝니다. "
              "blob(덩어리)은 주변보다 밝거나 어두운 작은 영역이며 특정한 방향이 없습니다. 첫 층의 필터는 작은 템플릿(여기서는 "
              "3×3)이고, 이미지가 그 부분에서 템플릿과 비슷할수록 응답이 큽니다. '왼쪽 어둡고 오른쪽 밝음'을 배운 필터는 edge "
              "검출기입니다. 깊은 층은 이 응답들을 조합해 corner, blob, 물체의 부분을 찾습니다.\n\n"
              "첫 번째 그림이 이 말들을 눈으로 보여 줍니다. 손으로 만든 3×3 필터 네 개와, 밝은 사각형과 작은 점이 있는 시험 이미지에 대한 "
              "응답입니다. 세로 edge 필터는 사각형의 왼쪽과 오른쪽 변에서, 가로 edge 필터는 위와 아래 변에서, corner 필터는 한 모서리에서, "
              "blob 필터는 점에서 밝게 빛납니다. 그 아래는 작은 graphgrad convnet이 8×8 숫자 데이터에서 배운 필터 8개인데, 솔직히 말하면 "
              "어느 것과도 닮지 않았습니다. 필터 8개, 8×8 이미지, 4 epoch로는 필터가 깔끔할 필요 없이 쓸모만 있으면 되기 때문입니다(각 필터가 "
              "손으로 만든 필터와 얼마나 가까운지는 캡션에 있습니다). 슬라이드의 AlexNet 첫 층처럼 큰 자연 이미지에서 배운 필터는 실제로 "
              "방향이 있는 깔끔한 edge와 색 blob 모양이 됩니다."},
}


def make(out_dir):
    import os

    import graphgrad as gg
    from graphgrad.data import load_digits
    from graphgrad.train import fit
    from graphgrad.viz.companion import figure, save, t
    from graphgrad.viz.receptive import filter_images
    d = load_digits()
    X = (d.X_train - d.X_train.mean()).reshape(-1, 1, 8, 8)
    Xv = (d.X_val - d.X_train.mean()).reshape(-1, 1, 8, 8)
    rng = np.random.default_rng(0)
    net = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1, rng=rng), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                        nn.Linear(8 * 4 * 4, 10, rng=rng))
    h = fit(net, (X, d.y_train, Xv, d.y_val), lr=0.1, epochs=4, batch_size=64, progress=False, seed=0)
    conv = net[0] if hasattr(net, "__getitem__") else list(net.modules())[1]
    filter_images(conv.weight, os.path.join(out_dir, "filters.png"), title=t("8 learned 3×3 filters (layer 1)", "학습된 3×3 필터 8개 (1층)"),
                  lang=t("en", "ko"))
    W = conv.weight.numpy()
    # the hand-made filters on a test image: a bright square and a small bright dot
    test = np.zeros((20, 20))
    test[5:13, 4:12] = 1.0
    test[16, 16] = 1.0
    names = list(HAND_MADE)
    bank = np.stack([HAND_MADE[k] for k in names])[:, None]
    hand = nn.functional.conv2d(gg.Value(test[None, None]), gg.Value(bank), None, padding=1).numpy()[0]
    fig, axes = figure(11, 4.6, ncols=5, nrows=2)
    axes[0, 0].imshow(test, cmap="gray"); axes[0, 0].set_title(t("test image", "시험 이미지"), fontsize=9)
    axes[1, 0].axis("off")
    for c, k in enumerate(names, start=1):
        m = np.abs(HAND_MADE[k]).max()
        axes[0, c].imshow(HAND_MADE[k], cmap="RdBu_r", vmin=-m, vmax=m)
        axes[0, c].set_title(t(k, KO_NAMES[k]), fontsize=9)
        r = np.maximum(hand[c - 1], 0)
        axes[1, c].imshow(r, cmap="magma")
        axes[1, c].set_title(t("response (> 0)", "응답 (> 0)"), fontsize=9)
    for ax in axes.ravel():
        ax.set_xticks([]); ax.set_yticks([])
    save(fig, out_dir, "hand_made.png")
    # where each hand-made filter responds most: which part of the test image it finds
    peaks = {k: tuple(int(v) for v in np.unravel_index(np.argmax(hand[i]), hand[i].shape)) for i, k in enumerate(names)}
    unit = lambda a: (a - a.mean()) / (np.linalg.norm(a - a.mean()) + 1e-12)      # noqa: E731
    closeness = [max(abs(float(np.sum(unit(W[f, 0]) * unit(HAND_MADE[k])))) for k in names) for f in range(W.shape[0])]
    img = X[0:1]
    resp = nn.functional.conv2d(gg.Value(img), gg.Value(W), None, padding=1).numpy()[0]
    order = np.argsort(-resp.reshape(8, -1).std(axis=1))[:2]
    fig, axes = figure(7, 2.4, ncols=3)
    axes[0].imshow(img[0, 0], cmap="gray"); axes[0].set_title(t(f"digit {d.y_train[0]}", f"숫자 {d.y_train[0]}"), fontsize=9)
    for ax, k in zip(axes[1:], order):
        ax.imshow(resp[k], cmap="magma"); ax.set_title(t(f"filter {k} response", f"필터 {k}의 응답"), fontsize=9)
    for ax in axes:
        ax.axis("off")
    save(fig, out_dir, "responses.png")
    acc = float(h.epochs[-1]["val_acc"])
    return {"figures": [("hand_made.png", {"en": "Hand-made edge, corner and blob filters (red +, blue -) and where each responds on a test image.",
                                           "ko": "손으로 만든 edge, corner, blob 필터(빨강 +, 파랑 -)와 시험 이미지에서 각 필터가 반응하는 곳."}),
                        ("filters.png", {"en": f"The first layer's 8 learned filters after 4 epochs (validation accuracy {acc:.1%}); bright = positive "
                                               f"weight. Their closeness to the nearest hand-made filter (|cosine|, 1 = same pattern): "
                                               f"{', '.join(f'{c:.2f}' for c in closeness)}.",
                                         "ko": f"4 epoch 학습 후 첫 층에서 배운 필터 8개(검증 정확도 {acc:.1%}). 밝을수록 양수 가중치입니다. 가장 가까운 "
                                               f"손으로 만든 필터와의 유사도(|cosine|, 1이면 같은 모양): {', '.join(f'{c:.2f}' for c in closeness)}."}),
                        ("responses.png", {"en": "One digit and the response maps of the two filters whose responses vary most.",
                                           "ko": "한 숫자와, 응답이 가장 크게 변하는 두 필터의 응답 지도."})],
            "numbers": {"val_acc": acc, "hand_made_peaks": {k: list(v) for k, v in peaks.items()},
                        "learned_closeness_to_hand_made": closeness}}


if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)
