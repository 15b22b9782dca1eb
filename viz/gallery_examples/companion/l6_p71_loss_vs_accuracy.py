"""L6 p71: the loss barely moves while the accuracy climbs to 20%. A small net trained with
graphgrad.train.fit at a small learning rate; loss and accuracy per iteration window."""
import numpy as np

from graphgrad import nn

PAGE = {
    "lecture": 6, "page": "p71",
    "asked": [("소현", "결국에 20%까지 찍은 이유가 무엇인가요? 이 부분 설명이 잘 이해가 안갔습니다.")],
    "title": {"en": "Loss almost flat, accuracy jumps: why both happen", "ko": "loss 는 거의 그대로인데 정확도는 오르는 이유"},
    "answer": {
        "en": "With a learning rate that is too low, the scores change only a little per step, so the softmax "
              "probabilities stay diffuse (all near 1/C) and the loss stays near log C. But accuracy only asks which "
              "score is the largest. When the scores are nearly tied, a tiny shift in the right direction is enough "
              "to make the correct class win for many examples, so accuracy can jump (on the slide, to 20%) while "
              "the loss has hardly moved. The lesson: the loss is decreasing, so the network is learning; the "
              "learning rate is just too small. The run below is the same effect on the digits.",
        "ko": "learning rate 가 너무 작으면 스텝마다 점수가 조금만 바뀌어서 softmax 확률이 여전히 퍼져 있고(모두 1/C 근처) loss 는 "
              "log C 근처에 머뭅니다. 하지만 정확도는 어느 점수가 가장 큰지만 봅니다. 점수들이 거의 동점일 때는 올바른 방향으로의 "
              "아주 작은 변화만으로도 많은 예제에서 정답 클래스가 이기게 되어, loss 는 거의 그대로인데 정확도가 뛸 수 있습니다"
              "(슬라이드에서는 20% 까지). 교훈: loss 가 줄고 있으니 학습은 되고 있고, learning rate 가 너무 작을 뿐입니다. 아래 "
              "실행은 숫자 데이터에서 같은 현상을 보여줍니다."},
}


def make(out_dir):
    from graphgrad.data import load_digits
    from graphgrad.train import fit
    from graphgrad.viz.companion import figure, save
    d = load_digits()
    mean = d.X_train.mean(axis=0)
    rng = np.random.default_rng(0)
    net = nn.Sequential(nn.Linear(64, 50, init="small", rng=rng), nn.ReLU(), nn.Linear(50, 10, init="small", rng=rng))
    h = fit(net, (d.X_train - mean, d.y_train, d.X_val - mean, d.y_val), lr=0.2, epochs=8, batch_size=100,
            progress=False, seed=0)
    loss, acc = h.column("loss"), h.column("val_acc")
    fig, ax = figure(6.4, 3.4)
    ep = np.arange(1, len(loss) + 1)
    ax.plot(ep, loss, "-o", color="#d62728", label="training loss")
    ax.axhline(np.log(10), color="#d62728", ls=":", lw=1)
    ax.set_ylim(0, 2.5)
    ax.set_xlabel("epoch"); ax.set_ylabel("loss", color="#d62728")
    ax2 = ax.twinx()
    ax2.plot(ep, acc, "-s", color="#1f77b4", label="validation accuracy")
    ax2.set_ylim(0, 1); ax2.set_ylabel("val accuracy", color="#1f77b4")
    ax.set_title("lr = 0.2, W = 0.01·randn: loss vs accuracy", fontsize=10)
    name = save(fig, out_dir, "loss_vs_acc.png")
    return {"figures": [(name, {"en": f"Loss {loss[0]:.3f} → {loss[-1]:.3f} (log 10 = 2.303, dotted) while validation accuracy goes {acc[0]:.0%} → {acc[-1]:.0%}.",
                                "ko": f"loss 는 {loss[0]:.3f} → {loss[-1]:.3f} (점선: log 10 = 2.303), 검증 정확도는 {acc[0]:.0%} → {acc[-1]:.0%}."})],
            "numbers": {"loss_first": loss[0], "loss_last": loss[-1], "acc_first": acc[0], "acc_last": acc[-1]}}


if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)
