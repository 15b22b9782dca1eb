"""L5 p58-77: a conv layer's output size, (N - F + 2P) / S + 1, and its parameter count,
F·F·C_in·K + K, checked against graphgrad's Conv2d; and where VGG-16's parameters and its
computation sit (FC layers hold 89% of the parameters, conv layers do 99% of the multiply-adds),
which corrects two claims of note 004."""
import numpy as np

import graphgrad as gg
from graphgrad import nn

# VGG-16 (configuration D): (out channels, spatial size) of each 3x3 conv, then the FC layers
VGG16_CONV = [(64, 224), (64, 224), (128, 112), (128, 112), (256, 56), (256, 56), (256, 56),
              (512, 28), (512, 28), (512, 28), (512, 14), (512, 14), (512, 14)]
VGG16_FC = [(7 * 7 * 512, 4096), (4096, 4096), (4096, 1000)]

PAGE = {
    "lecture": 5, "page": "p58-77",
    "asked": [],
    "title": {"en": "Conv output size, parameter counts, and where a CNN's computation is",
              "ko": "conv 출력 크기, 파라미터 개수, CNN의 연산은 어디에서 일어나는가"},
    "answer": {
        "en": "A conv layer with K filters of size F×F, stride S and zero padding P turns an N×N×C input into an output of "
              "size (N - F + 2P)/S + 1 on each side, with depth K. The lecture's examples: a 7×7 input with a 3×3 filter "
              "gives 5×5 at stride 1, 3×3 at stride 2, and stride 3 does not fit ((7 - 3)/3 + 1 is not an integer). A "
              "32×32×3 input with ten 5×5 filters, stride 1, pad 2 stays 32×32 (depth 10). Each filter has F·F·C weights "
              "plus one bias: 5·5·3 + 1 = 76, so the layer has 760 parameters, whatever the image size.\n\n"
              "Parameters and computation are in different places. In VGG-16 the three FC layers hold 124 of its 138 "
              "million parameters (89%), but each is used once per image; a 3×3 conv filter is small but slides over every "
              "position, so the conv layers do 15.3 of the 15.5 billion multiply-adds (99%).",
        "ko": "F×F 크기 필터 K개, stride S, zero padding P인 conv layer는 N×N×C 입력을 한 변이 (N - F + 2P)/S + 1이고 깊이가 K인 "
              "출력으로 바꿉니다. 강의의 예: 7×7 입력에 3×3 필터면 stride 1에서 5×5, stride 2에서 3×3이고, stride 3은 맞지 않습니다"
              "((7 - 3)/3 + 1이 정수가 아님). 32×32×3 입력에 5×5 필터 10개, stride 1, pad 2면 크기가 32×32로 그대로입니다(깊이 10). "
              "필터 하나의 가중치는 F·F·C개에 bias 1개, 즉 5·5·3 + 1 = 76개이므로 이 층의 파라미터는 이미지 크기와 상관없이 760개입니다.\n\n"
              "파라미터가 많은 곳과 연산이 많은 곳은 다릅니다. VGG-16의 파라미터 1억 3,800만 개 가운데 1억 2,400만 개(89%)가 FC 층 "
              "세 개에 있지만, FC 층은 이미지 하나에 한 번씩만 쓰입니다. 3×3 conv 필터는 작아도 모든 위치를 훑기 때문에 곱셈-덧셈 "
              "155억 번 가운데 153억 번(99%)을 conv 층이 합니다."},
    "corrects": [
        {"claim": "VGG-Net은 gray scale로 보는데", "where": "004 (L5, 시각세포)",
         "fix": {"en": "VGG-16 takes a 224×224×3 colour image: its first conv filters are 3×3×3 and weigh the three colour "
                       "channels separately (1,792 parameters in the first layer).",
                 "ko": "VGG-16의 입력은 224×224×3 컬러 이미지입니다. 첫 conv 필터가 3×3×3이라서 세 색 채널에 각각 다른 가중치를 "
                       "줍니다(첫 층의 파라미터 1,792개)."}},
        {"claim": "CNN의 연산량이 FC에서 90% 발생한다.", "where": "004 (L5, 시각세포)",
         "fix": {"en": "It is the parameters that sit 89% in the FC layers; the computation (multiply-adds) is 99% in the conv layers.",
                 "ko": "FC 층에 89%가 몰려 있는 것은 파라미터이고, 연산(곱셈-덧셈)은 99%가 conv 층에서 일어납니다."}}],
}


def out_size(n, f, s=1, p=0):
    """The formula; None where the filter does not fit."""
    q, r = divmod(n - f + 2 * p, s)
    return None if r else q + 1


def measured(n, f, s=1, p=0, c_in=3, k=10):
    """graphgrad's Conv2d on an N×N×C input: output side and parameter count."""
    conv = nn.Conv2d(c_in, k, f, stride=s, padding=p, rng=0)
    y = conv(gg.Value(np.zeros((1, c_in, n, n))))
    return y.shape[-1], sum(int(np.size(p_.numpy())) for p_ in conv.parameters())


def vgg16_budget():
    """Parameters and multiply-adds of each VGG-16 layer."""
    rows, c_in = [], 3
    for k, n in VGG16_CONV:
        rows.append(("conv", 9 * c_in * k + k, 9 * c_in * k * n * n))
        c_in = k
    for a, b in VGG16_FC:
        rows.append(("fc", a * b + b, a * b))
    return rows


def make(out_dir):
    from graphgrad.viz.companion import figure, save, t
    cases = [(7, 3, 1, 0), (7, 3, 2, 0), (32, 5, 1, 2), (32, 3, 1, 1), (224, 3, 1, 1)]
    checks = [(c, out_size(*c), measured(*c)) for c in cases]
    rows = vgg16_budget()
    par = np.array([r[1] for r in rows], float)
    mac = np.array([r[2] for r in rows], float)
    is_fc = np.array([r[0] == "fc" for r in rows])
    fc_par, fc_mac = float(par[is_fc].sum() / par.sum()), float(mac[is_fc].sum() / mac.sum())
    fig, (a0, a1) = figure(11, 3.6, ncols=2)
    x = np.arange(len(rows))
    colors = np.where(is_fc, "#d62728", "#1f77b4")
    labels = [f"conv{i + 1}" for i in range(13)] + ["fc6", "fc7", "fc8"]
    a0.bar(x, par / 1e6, color=colors)
    a0.set_title(t(f"parameters (millions): FC {fc_par:.0%}", f"파라미터 (백만 개): FC가 {fc_par:.0%}"), fontsize=10)
    a1.bar(x, mac / 1e9, color=colors)
    a1.set_title(t(f"multiply-adds per image (billions): conv {1 - fc_mac:.0%}", f"이미지 한 장의 곱셈-덧셈 (10억 번): conv가 {1 - fc_mac:.0%}"), fontsize=10)
    for a in (a0, a1):
        a.set_xticks(x, labels, rotation=70, fontsize=7)
    a0.set_ylabel(t("VGG-16, per layer", "VGG-16, 층별"))
    name = save(fig, out_dir, "vgg16_budget.png")
    return {"figures": [(name, {
        "en": f"VGG-16 layer by layer (blue conv, red FC): the FC layers hold {fc_par:.0%} of the {par.sum() / 1e6:.0f} M parameters, "
              f"the conv layers do {1 - fc_mac:.0%} of the {mac.sum() / 1e9:.1f} G multiply-adds.",
        "ko": f"VGG-16 층별 비교 (파랑 conv, 빨강 FC): 파라미터 {par.sum() / 1e6:.0f}M개 중 {fc_par:.0%}가 FC 층에 있고, "
              f"곱셈-덧셈 {mac.sum() / 1e9:.1f}G번 중 {1 - fc_mac:.0%}는 conv 층이 합니다."})],
        "numbers": {"fc_param_fraction": fc_par, "fc_macs_fraction": fc_mac, "vgg16_params": float(par.sum()),
                    "vgg16_macs": float(mac.sum()), "first_layer_params": float(par[0]),
                    "size_checks": [[list(c), f, m[0], m[1]] for c, f, m in checks]}}


if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)
