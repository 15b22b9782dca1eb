"""L6 p37: zero-centred vs normalised data, the slide's three clouds computed with
graphgrad.data.preprocessing-style numpy steps on the same 2-D data."""
import numpy as np

PAGE = {
    "lecture": 6, "page": "p37",
    "asked": [("소현", "nomalized와 zero-centered의 차이. zero-centered는 평균이 0에 있는 거고 normalized는 표준편차가 1인 것 까지 "
                      "고려를 하는 것인가요? nomalized가 잘 되어 있다는 말이 정확히 무엇인가요?")],
    "title": {"en": "Zero-centred vs normalised data", "ko": "zero-centered 데이터 vs normalized 데이터"},
    "answer": {
        "en": "Exactly: zero-centring subtracts each feature's mean (the cloud moves to the origin, its shape unchanged); "
              "normalising also divides each feature by its standard deviation, so every feature has mean 0 and std 1 "
              "(the cloud is also rescaled so no axis dominates). 'Well normalised' means every input feature lives on "
              "the same scale, so one learning rate suits all weights. (Scaling into [0, 1] is min-max scaling, a "
              "different thing.) The statistics come from the training set and are reused on validation and test "
              "data. For images the lecture only zero-centres, because pixels already share a scale.",
        "ko": "맞습니다. zero-centering 은 각 feature 의 평균을 뺍니다(구름이 원점으로 이동하고 모양은 그대로). normalization 은 "
              "거기에 각 feature 를 표준편차로 나눠서 모든 feature 가 평균 0, 표준편차 1 이 됩니다(구름의 크기도 조절되어 어느 "
              "축도 지배하지 않음). '잘 normalized 되었다'는 것은 모든 입력 feature 가 같은 스케일에 있어서 하나의 learning rate "
              "가 모든 가중치에 맞는다는 뜻입니다. ([0, 1] 로 맞추는 것은 min-max scaling 으로 다른 것입니다.) 통계는 training "
              "set 에서 구해서 validation/test 데이터에도 그대로 씁니다. 이미지는 픽셀의 스케일이 이미 같아서 강의에서는 "
              "zero-centering 만 합니다."},
}


def make(out_dir):
    from graphgrad.viz.companion import figure, save
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 2)) @ np.array([[3.0, 0.6], [0.0, 0.7]]) + np.array([6.0, 4.0])
    Xc = X - X.mean(axis=0)
    Xn = Xc / X.std(axis=0)
    fig, axes = figure(10, 3.5, ncols=3)
    for ax, D, t in [(axes[0], X, "original"), (axes[1], Xc, "zero-centred: X - mean"), (axes[2], Xn, "normalised: (X - mean) / std")]:
        ax.scatter(D[:, 0], D[:, 1], s=5, color="#1f77b4")
        ax.axhline(0, color="#999", lw=0.8); ax.axvline(0, color="#999", lw=0.8)
        ax.set_xlim(-12, 14); ax.set_ylim(-12, 14); ax.set_aspect("equal")
        m, s = D.mean(axis=0), D.std(axis=0)
        ax.set_title(f"{t}\nmean ({m[0]:.1f}, {m[1]:.1f}) std ({s[0]:.1f}, {s[1]:.1f})", fontsize=9)
    name = save(fig, out_dir, "normalise.png")
    return {"figures": [(name, {"en": "The same 300 points: original, zero-centred, normalised.",
                                "ko": "같은 300개의 점: 원본, zero-centered, normalized."})],
            "numbers": {"normalised_std": Xn.std(axis=0).tolist(), "centred_mean": Xc.mean(axis=0).tolist()}}


if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)
