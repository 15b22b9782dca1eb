"""L6 p71: the loss barely moves while the accuracy climbs to 20%. A small net trained with
graphgrad.train.fit at a small learning rate; loss and accuracy per iteration window."""
import numpy as np

from graphgrad import nn

PAGE = {
    "lecture": 6, "page": "p71",
    "asked": [("소현", "결국에 20%까지 찍은 이유가 무엇인가요? 이 부분 설명이 잘 이해가 안갔습니다."),
              ("6강 리뷰", "Softmax 사용중에 loss가 크게 변하지 않았음에도 불구하고 Accuracy는 왜 올라간것일까요?"),
              ("L06 노트", "loss가 안 바뀌면 어떡할까.")],
    "title": {"en": "Loss almost flat, accuracy climbing: the learning rate is too low",
              "ko": "loss는 거의 그대로인데 정확도는 오른다: 학습률이 너무 작다"},
    "answer": {
        "en": "With a learning rate that is too low, the scores change only a little per step, so the softmax "
              "probabilities stay diffuse (all near 1/C) and the loss stays near log C = 2.30. But accuracy only asks which "
              "score is the largest. When the scores are nearly tied, a small shift in the right direction is enough "
              "to make the correct class the largest for many examples, so accuracy climbs (on the slide, to 20%) while "
              "the loss has hardly moved. The run below uses a normal (Xavier) initialisation and changes only the "
              "learning rate, so the flat loss is the learning rate's doing: at η = 0.003 the loss goes from 2.38 to 2.10 "
              "in 10 epochs while validation accuracy doubles to 28%; at η = 0.2 the same net is above 95%.\n\n"
              "So when the loss does not change: first raise the learning rate (the note's answer is right). A loss that "
              "decreases slowly means the net learns and η is too small; a loss that turns into NaN means η is too large. "
              "If the loss stays exactly flat at every η, look for a bug or a dead network (check the gradients, p72).",
        "ko": "학습률이 너무 작으면 스텝마다 점수가 조금씩만 바뀌므로 softmax 확률이 여전히 고르게 퍼져 있고(모두 1/C 근처) loss도 "
              "log C = 2.30 근처에 머뭅니다. 그런데 정확도는 어느 점수가 가장 큰지만 봅니다. 점수들이 거의 비슷할 때는 올바른 방향으로 "
              "조금만 움직여도 많은 예제에서 정답 클래스의 점수가 가장 커지므로, loss는 거의 그대로인데 정확도는 오릅니다(슬라이드에서는 "
              "20%까지). 아래 실행은 보통의 초기화(Xavier)를 쓰고 학습률만 바꿨으므로 loss가 평평한 것은 학습률 때문입니다. η = 0.003에서는 "
              "10 epoch 동안 loss가 2.38에서 2.10으로 내려가는 사이 검증 정확도가 두 배인 28%가 되고, η = 0.2에서는 같은 신경망의 정확도가 "
              "95%를 넘습니다.\n\n"
              "그래서 loss가 안 바뀌면 먼저 학습률을 키워 봅니다(노트의 답이 맞습니다). loss가 천천히 줄면 학습은 되고 있는데 η가 작은 "
              "것이고, NaN이 되면 η가 너무 큰 것입니다. 어떤 η에서도 loss가 전혀 움직이지 않으면 버그나 죽은 신경망을 의심하고 기울기를 "
              "확인합니다(3강 p72)."},
}

def train(lr, epochs=10):
    """The slide's babysitting run: a 64-50-10 net, Xavier init, only the learning rate varies."""
    from graphgrad.data import load_digits
    from graphgrad.train import fit
    d = load_digits()
    mean, sd = d.X_train.mean(axis=0), d.X_train.std()
    rng = np.random.default_rng(0)
    net = nn.Sequential(nn.Linear(64, 50, init="xavier", rng=rng), nn.ReLU(), nn.Linear(50, 10, init="xavier", rng=rng))
    h = fit(net, ((d.X_train - mean) / sd, d.y_train, (d.X_val - mean) / sd, d.y_val), lr=lr, epochs=epochs,
            batch_size=100, progress=False, seed=0)
    return h.column("loss"), h.column("val_acc")


def make(out_dir):
    from graphgrad.viz.companion import figure, save, t
    loss, acc = train(0.003)
    loss_g, acc_g = train(0.2)
    fig, (ax, a1) = figure(10, 3.5, ncols=2)
    ep = np.arange(1, len(loss) + 1)
    ax.plot(ep, loss, "-o", color="#d62728", label=t("training loss", "학습 loss"))
    ax.axhline(np.log(10), color="#d62728", ls=":", lw=1)
    ax.set_ylim(0, 2.6)
    ax.set_xlabel("epoch"); ax.set_ylabel("loss", color="#d62728")
    ax2 = ax.twinx()
    ax2.plot(ep, acc, "-s", color="#1f77b4", label=t("validation accuracy", "검증 정확도"))
    ax2.set_ylim(0, 1); ax2.set_ylabel(t("val accuracy", "검증 정확도"), color="#1f77b4")
    ax.set_title(t("η = 0.003 (too low): loss vs accuracy", "η = 0.003 (너무 작음): loss와 정확도"), fontsize=10)
    a1.plot(ep, loss, "-o", color="#d62728", label="η = 0.003")
    a1.plot(ep, loss_g, "-o", color="#2ca02c", label="η = 0.2")
    a1.axhline(np.log(10), color="#999", ls=":", lw=1)
    a1.set_ylim(0, 2.6); a1.set_xlabel("epoch"); a1.set_ylabel("loss"); a1.legend(fontsize=8)
    a1.set_title(t("same net, same init: only η differs", "같은 신경망, 같은 초기화: η만 다름"), fontsize=10)
    name = save(fig, out_dir, "loss_vs_acc.png")
    return {"figures": [(name, {
        "en": f"η = 0.003: loss {loss[0]:.3f} → {loss[-1]:.3f} (log 10 = 2.303, dotted) while validation accuracy goes "
              f"{acc[0]:.0%} → {acc[-1]:.0%}. η = 0.2: loss {loss_g[-1]:.3f}, accuracy {acc_g[-1]:.0%}.",
        "ko": f"η = 0.003: loss는 {loss[0]:.3f} → {loss[-1]:.3f}(점선: log 10 = 2.303), 검증 정확도는 {acc[0]:.0%} → {acc[-1]:.0%}. "
              f"η = 0.2: loss {loss_g[-1]:.3f}, 정확도 {acc_g[-1]:.0%}."})],
            "numbers": {"loss_first": loss[0], "loss_last": loss[-1], "acc_first": acc[0], "acc_last": acc[-1],
                        "good_lr_loss_last": loss_g[-1], "good_lr_acc_last": acc_g[-1]}}

if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)
