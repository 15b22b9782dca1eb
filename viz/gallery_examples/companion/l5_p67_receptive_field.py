"""L5 p67 (and p31): a conv neuron is connected to a local region only. viz.receptive_field
backpropagates a one-hot gradient from one output unit through stacked conv/pool layers and
marks the input pixels it reaches; the sizes are checked against r_out = r_in + (k-1)·jump."""
PAGE = {
    "lecture": 5, "page": "p67",
    "asked": [("혜지", "conv layer 처럼 슬라이딩을 하는 게 아니라 특정 부분에만 연결되어 있다는 말이 이해 안 감")],
    "title": {"en": "Local connectivity: the pixels one conv unit sees", "ko": "국소 연결: conv 유닛 하나가 보는 픽셀들"},
    "answer": {
        "en": "'Sliding' describes how the whole activation map is computed: the same filter is applied at every position. "
              "Pick one number in that map — one neuron — and it was computed from one k×k patch only: it is connected "
              "to that patch and to nothing else. That patch is its receptive field. A fully connected neuron, by "
              "contrast, is connected to every input pixel. Stacking layers grows the field: a unit of the second 3×3 "
              "conv sees a 5×5 patch, the third 7×7; a stride-2 pool doubles the step (the 'jump') so later layers grow "
              "twice as fast. The panels were found from the graph: the input pixels that receive gradient from the "
              "centre unit. Each title compares that size with the formula r_out = r_in + (k - 1)·jump.",
        "ko": "'슬라이딩'은 activation map 전체를 계산하는 방법을 말합니다. 같은 필터를 모든 위치에 적용하는 "
              "것입니다. 그런데 그 map에서 숫자 하나, 즉 뉴런 하나를 골라 보면 그 값은 k×k 패치 하나만으로 "
              "계산되었습니다. 그 뉴런은 그 패치에만 연결되어 있고 다른 픽셀과는 연결되어 있지 않습니다. 그 패치가 "
              "receptive field입니다. 반면 fully connected 뉴런은 입력 픽셀 전부와 연결됩니다. 층을"
              " 쌓으면 field가 커집니다. 두 번째 3×3 conv의 유닛은 5×5, 세 번째는 7×7을 봅니다. "
              "stride 2 pooling은 한 칸의 간격(jump)을 두 배로 만들어서, 그 뒤 층의 field는 두 배씩"
              " 빠르게 커집니다. 각 그림은 계산 그래프에서 찾은 것으로, 가운데 유닛에서 기울기를 받는 입력 픽셀들입니다. "
              "제목에서 그 크기를 공식 r_out = r_in + (k - 1)·jump와 비교합니다."},
}

LAYERS = [("conv", 3, 1), ("conv", 3, 1), ("pool", 2, 2), ("conv", 3, 1)]


def make(out_dir):
    import os

    from graphgrad.viz.companion import t
    from graphgrad.viz.receptive import formula_sizes, receptive_field, receptive_field_view
    receptive_field_view(LAYERS, 16, os.path.join(out_dir, "receptive_field.png"), lang=t("en", "ko"))
    measured = [receptive_field(LAYERS[:i + 1], 16)["size"] for i in range(len(LAYERS))]
    formula = formula_sizes(LAYERS)
    return {"figures": [("receptive_field.png", {
        "en": f"conv3 → conv3 → pool2/2 → conv3 on a 16×16 input: the centre unit sees {measured} pixels per side "
              f"after each layer; the formula gives {formula}.",
        "ko": f"16×16 입력에 conv3 → conv3 → pool2/2 → conv3: 층마다 가운데 유닛이 보는 한 변의 픽셀 수 {measured}; "
              f"공식은 {formula}."})],
        "numbers": {"measured": measured, "formula": formula}}


if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)
