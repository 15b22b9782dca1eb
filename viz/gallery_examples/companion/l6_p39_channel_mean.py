"""L6 p39 and p88 (note 004): subtracting the mean image (AlexNet) or the per-channel mean (VGG)
keeps the colours: it moves each channel by one constant. Gray scale would average the channels
instead. And why we subtract it: zero-centred inputs for the first layer (p21, p36), with the
statistics of the training set, not because the eye works that way."""
import numpy as np

PAGE = {
    "lecture": 6, "page": "p39",
    "asked": [],
    "title": {"en": "Subtracting the channel mean keeps the colours", "ko": "채널 평균을 빼도 색은 그대로 남는다"},
    "answer": {
        "en": "Preprocessing for images is zero-centring. AlexNet subtracts the mean image (a 32×32×3 array, one mean per "
              "pixel and channel); VGG subtracts the per-channel mean (three numbers, one for R, G and B). Both are computed "
              "on the training set and applied unchanged to validation and test images. Subtracting one number from the "
              "whole red channel shifts every red value by the same amount: the differences between the channels at a pixel "
              "(which is what colour is) change only by a constant, so the image keeps its colours. A gray-scale image is a "
              "different operation: it replaces the three channels by their weighted average and throws the colour away.\n\n"
              "The reason for doing it is not that the eye works that way: it is the optimisation argument of p21 and p36. "
              "Raw pixels are all positive (0 to 255), so the first layer's weight gradients would all share one sign per "
              "neuron; centred pixels have both signs.",
        "ko": "이미지 전처리는 zero-centering이 기본입니다. AlexNet은 평균 이미지(픽셀과 채널마다 평균이 하나씩인 32×32×3 배열)를 빼고, "
              "VGG는 채널별 평균(R, G, B마다 숫자 하나씩, 모두 3개)을 뺍니다. 둘 다 학습 데이터에서 계산하고 검증·테스트 이미지에는 그 값을 "
              "그대로 적용합니다. 빨강 채널 전체에서 숫자 하나를 빼면 모든 빨강 값이 똑같이 옮겨질 뿐입니다. 한 픽셀에서 채널 사이의 차이, "
              "즉 색은 상수만큼만 바뀌므로 이미지의 색은 남습니다. 그레이스케일은 전혀 다른 연산으로, 세 채널을 가중 평균 하나로 바꿔 색을 "
              "버립니다.\n\n"
              "평균을 빼는 이유는 우리 눈이 그렇게 되어 있어서가 아니라 p21, p36의 최적화 때문입니다. 원래 픽셀 값은 0~255로 모두 "
              "양수라서 첫 층 뉴런마다 가중치 기울기의 부호가 한쪽으로 쏠리는데, 평균을 빼면 양수와 음수가 섞입니다."},
    "corrects": [
        {"claim": "VGGNet에서는 채널의 평균을 뺐다. 그러면 그레이스케일이 된다.", "where": "004 (p39)",
         "fix": {"en": "Subtracting the per-channel mean shifts each channel by a constant; the image keeps its colours (measured "
                       "below: the channel differences change by a constant only). Gray scale would average the channels.",
                 "ko": "채널별 평균을 빼면 각 채널이 상수만큼 옮겨질 뿐이라 이미지의 색은 그대로입니다(아래에서 채널 사이의 차이가 상수만큼만 "
                       "바뀌는 것을 확인합니다). 그레이스케일은 채널을 평균 내는 것입니다."}},
        {"claim": "이미지 채널별로 mean을 빼라. 우리 실제 눈이 그렇게 되어있기 때문에.", "where": "004 (p88)",
         "fix": {"en": "The reason is optimisation: zero-centred inputs give the first layer weight gradients of both signs (p21, p36).",
                 "ko": "이유는 최적화입니다. 입력이 zero-centered이면 첫 층의 가중치 기울기에 양수와 음수가 섞입니다(p21, p36)."}}],
}


def images(n=16, size=32, seed=0):
    """A small 'training set' of colourful synthetic images in [0, 255]: colour gradients and discs."""
    rng = np.random.default_rng(seed)
    u = np.linspace(0, 1, size)
    U, V = np.meshgrid(u, u)
    out = []
    for _ in range(n):
        base = rng.uniform(40, 200, 3)
        img = np.stack([base[0] + 50 * U, base[1] + 50 * V, base[2] + 50 * (1 - U)], axis=-1)
        for _ in range(3):
            cx, cy, r = rng.uniform(0.2, 0.8, 2).tolist() + [rng.uniform(0.1, 0.25)]
            img[(U - cx) ** 2 + (V - cy) ** 2 < r * r] = rng.uniform(0, 255, 3)
        out.append(np.clip(img, 0, 255))
    return np.array(out)


def make(out_dir):
    from graphgrad.viz.companion import figure, save, t
    X = images()
    mean_image = X.mean(axis=0)                      # AlexNet
    channel_mean = X.mean(axis=(0, 1, 2))            # VGG: three numbers
    img = X[0]
    alex, vgg = img - mean_image, img - channel_mean
    gray = img @ np.array([0.299, 0.587, 0.114])
    diff_before = img[..., 0] - img[..., 1]
    diff_after = vgg[..., 0] - vgg[..., 1]
    shift = diff_after - diff_before                # constant: -(μ_R - μ_G)
    show = lambda a: np.clip((a - a.min()) / (a.max() - a.min()), 0, 1)    # noqa: E731  (only to display)
    fig, axes = figure(11, 3.2, ncols=4)
    for a, im, title in zip(axes, (img / 255, show(alex), show(vgg), gray / 255),
                            (t("training image", "학습 이미지"), t("- mean image (AlexNet)", "- 평균 이미지 (AlexNet)"),
                             t("- channel means (VGG)", "- 채널별 평균 (VGG)"), t("gray scale (colour gone)", "그레이스케일 (색이 사라짐)"))):
        a.imshow(im, cmap="gray" if im.ndim == 2 else None, vmin=0, vmax=1)
        a.set_title(title, fontsize=9); a.set_xticks([]); a.set_yticks([])
    name = save(fig, out_dir, "channel_mean.png")
    return {"figures": [(name, {
        "en": f"The per-channel mean of the training set is ({channel_mean[0]:.0f}, {channel_mean[1]:.0f}, {channel_mean[2]:.0f}); "
              f"after subtracting it, R - G at every pixel moved by the same {shift.mean():.1f} (spread {shift.std():.0e}). "
              "The centred images are rescaled to [0, 1] for display only.",
        "ko": f"학습 데이터의 채널별 평균은 ({channel_mean[0]:.0f}, {channel_mean[1]:.0f}, {channel_mean[2]:.0f})입니다. 이것을 빼면 "
              f"모든 픽셀의 R - G가 똑같이 {shift.mean():.1f}만큼 옮겨집니다(편차 {shift.std():.0e}). 평균을 뺀 이미지는 화면에 보이려고 "
              "[0, 1]로 다시 맞췄을 뿐입니다."})],
        "numbers": {"channel_mean": channel_mean.tolist(), "r_minus_g_shift": float(shift.mean()),
                    "r_minus_g_shift_spread": float(shift.std()), "colour_spread_after": float(np.std(diff_after)),
                    "colour_spread_gray": 0.0, "min_pixel_after": float(vgg.min()), "max_pixel_after": float(vgg.max())}}


if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)
