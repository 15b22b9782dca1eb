"""The few sentences viz writes for people (the stepper's narration), in English and Korean.

>>> say("fans_out_add", "ko", who="x", sum="1 + 2 = 3", status=say("complete", "ko"))
'x 는 여러 곳으로 갈라지므로(fans out) gradient 를 더합니다: 1 + 2 = 3 (완료)'
>>> say("fans_out_add", "en", who="x", sum="1 + 2 = 3", status="complete")
'x fans out, its gradients add: 1 + 2 = 3 (complete)'
"""
from __future__ import annotations

LANGS = ("en", "ko")

STRINGS = {
    "seed_heading": {"en": "step 0/{n}: seed, the gradient of {out} with respect to itself",
                     "ko": "0/{n} 단계: 시작값, {out} 의 자기 자신에 대한 gradient"},
    "seed_next": {"en": "next: the gates right to left; each multiplies the gradient arriving on its "
                        "output (upstream) by its local gradient and sends the product to its inputs",
                  "ko": "다음: 오른쪽에서 왼쪽으로 게이트마다, 출력으로 들어온 gradient(upstream)에 local gradient 를 "
                        "곱해서 그 곱을 입력들로 보냅니다"},
    "upstream": {"en": "upstream: {deriv} = {value}", "ko": "upstream: {deriv} = {value}"},
    "hook_changed": {"en": "a hook on {who} changed its gradient: its consumers sent {sent}, the hook "
                           "made it {now} (that is what flows on)",
                     "ko": "{who} 의 hook 이 gradient 를 바꿨습니다: 소비자들이 보낸 값 {sent}, hook 이 "
                           "바꾼 값 {now} (이 값이 계속 흐릅니다)"},
    "grad_accumulated": {"en": "{who}.grad = {value} holds more than this pass (several backward passes "
                               "added up); the diagram shows this pass's gradient",
                         "ko": "{who}.grad = {value} 에는 이번 pass 보다 많은 값이 쌓여 있습니다 (여러 번의 "
                               "backward 가 더해짐); 그림은 이번 pass 의 gradient 입니다"},
    "upstream_local": {"en": "{who}: upstream × local = {arith}    [local: {formula}]",
                       "ko": "{who}: upstream × local = downstream: {arith}    [local: {formula}]"},
    "upstream_local_elementwise": {"en": "{who}: upstream ⊙ local = {up} ⊙ {lo} = {d}    [local: {formula}]",
                                   "ko": "{who}: upstream ⊙ local (원소별 곱) = {up} ⊙ {lo} = {d}    [local: {formula}]"},
    "elementwise_shape": {"en": "{who}: upstream ⊙ local{how} → {grad}    [local: {formula}]",
                          "ko": "{who}: upstream ⊙ local{how} → {grad}    [local: {formula}]"},
    "summed_broadcast": {"en": ", summed over the broadcast axes", "ko": ", broadcast 된 축으로 합산"},
    "formula_shape": {"en": "{who}: {formula}  →  {grad}", "ko": "{who}: {formula}  →  {grad}"},
    "complete": {"en": "complete", "ko": "완료"},
    "more_to_come": {"en": "{k} more to come", "ko": "{k}개 더 올 예정"},
    "fans_out_add": {"en": "{who} fans out, its gradients add: {sum} ({status})",
                     "ko": "{who} 는 여러 곳으로 갈라지므로(fans out) gradient 를 더합니다: {sum} ({status})"},
    "fans_out_count": {"en": "{who} fans out: {got} of its {need} gradients added ({status})",
                       "ko": "{who} 는 여러 곳으로 갈라집니다(fans out): gradient {need}개 중 {got}개를 더함 ({status})"},
    "gate_heading": {"en": "step {k}/{n}: gate {label}", "ko": "{k}/{n} 단계: 게이트 {label}"},
    "forward_inputs": {"en": "forward 0/{n}: the inputs", "ko": "순전파 0/{n}: 입력"},
    "forward_gate": {"en": "forward {k}/{n}: gate {label}", "ko": "순전파 {k}/{n}: 게이트 {label}"},
}


def gradient_text(shape, lang: str = "en") -> str:
    """``gradient of shape (3,)`` / ``scalar gradient`` (viz.fmt's words), or the Korean.

    >>> gradient_text((3,), "ko"), gradient_text((), "en")
    ('모양 (3,) 의 gradient', 'scalar gradient')
    """
    from .fmt import fmt_shape, gradient_of_shape
    if lang == "ko":
        return "스칼라 gradient" if tuple(shape) == () else f"모양 {fmt_shape(shape)} 의 gradient"
    return gradient_of_shape(shape)


def check_lang(lang, who: str = "viz") -> str:
    """``lang`` if it is one of the languages viz speaks, else one clear ValueError.

    >>> check_lang("ko")
    'ko'
    """
    if lang not in LANGS:
        raise ValueError(f"{who}: lang must be 'en' or 'ko', got {lang!r}")
    return lang


def say(key: str, lang: str = "en", **fields) -> str:
    """The sentence ``key`` in ``lang`` with ``fields`` filled in (English where a
    translation is missing).

    >>> say("complete", "ko")
    '완료'
    """
    entry = STRINGS[key]
    return entry.get(lang, entry["en"]).format(**fields)


# slide decks (viz.pages): a collapsed module's inner steps shown as one page
STRINGS.update({
    "module_heading": {"en": "steps {a}-{b}/{n}: module {name}", "ko": "{a}-{b}/{n} 단계: 모듈 {name}"},
})
