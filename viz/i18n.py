"""The few sentences viz writes for people (the stepper's narration), in English and Korean.

>>> say("fans_out_add", "ko", who="x", sum="1 + 2 = 3", status=say("complete", "ko"))
'x: 여러 곳에 쓰였으므로(fan-out) 돌아온 기울기를 더합니다: 1 + 2 = 3 (완료)'
>>> say("fans_out_add", "en", who="x", sum="1 + 2 = 3", status="complete")
'x fans out, its gradients add: 1 + 2 = 3 (complete)'
"""
from __future__ import annotations

LANGS = ("en", "ko")

STRINGS = {
    "seed_heading": {"en": "step 0/{n}: seed, the gradient of {out} with respect to itself",
                     "ko": "단계 0/{n}: 시작값, {out}의 자기 자신에 대한 기울기"},
    "seed_next": {"en": "next: the gates right to left; each multiplies the gradient arriving on its "
                        "output (upstream) by its local gradient and sends the product to its inputs",
                  "ko": "다음: 오른쪽에서 왼쪽으로 게이트를 하나씩 지나갑니다. 게이트마다 출력으로 들어온 기울기(upstream)에 "
                        "local gradient를 곱해서 입력 쪽으로 보냅니다"},
    "upstream": {"en": "upstream: {deriv} = {value}", "ko": "upstream: {deriv} = {value}"},
    "hook_changed": {"en": "a hook on {who} changed its gradient: its consumers sent {sent}, the hook "
                           "made it {now} (that is what flows on)",
                     "ko": "{who}에 건 hook이 기울기를 바꿨습니다: 이 값을 쓰는 게이트들이 보낸 값은 {sent}, "
                           "hook이 바꾼 값은 {now}입니다 (뒤로는 이 값이 전달됩니다)"},
    "grad_accumulated": {"en": "{who}.grad = {value} holds more than this pass (several backward passes "
                               "added up); the diagram shows this pass's gradient",
                         "ko": "{who}.grad = {value}에는 이번 역전파보다 많은 값이 쌓여 있습니다 "
                               "(backward()를 여러 번 호출해서 더해진 값). 그림은 이번 역전파의 기울기입니다"},
    "upstream_local": {"en": "{who}: upstream × local = {arith}    [local: {formula}]",
                       "ko": "{who}: upstream × local = downstream: {arith}    [local: {formula}]"},
    "upstream_local_elementwise": {"en": "{who}: upstream ⊙ local = {up} ⊙ {lo} = {d}    [local: {formula}]",
                                   "ko": "{who}: upstream ⊙ local (원소별 곱) = {up} ⊙ {lo} = {d}    [local: {formula}]"},
    "elementwise_shape": {"en": "{who}: upstream ⊙ local{how} → {grad}    [local: {formula}]",
                          "ko": "{who}: upstream ⊙ local{how} → {grad}    [local: {formula}]"},
    "summed_broadcast": {"en": ", summed over the broadcast axes", "ko": ", broadcast된 축을 따라 더함"},
    "formula_shape": {"en": "{who}: {formula}  →  {grad}", "ko": "{who}: {formula}  →  {grad}"},
    "complete": {"en": "complete", "ko": "완료"},
    "more_to_come": {"en": "{k} more to come", "ko": "{k}개 남음"},
    "fans_out_add": {"en": "{who} fans out, its gradients add: {sum} ({status})",
                     "ko": "{who}: 여러 곳에 쓰였으므로(fan-out) 돌아온 기울기를 더합니다: {sum} ({status})"},
    "fans_out_count": {"en": "{who} fans out: {got} of its {need} gradients added ({status})",
                       "ko": "{who}: 여러 곳에 쓰였으므로(fan-out) 돌아올 기울기 {need}개 중 {got}개를 더함 ({status})"},
    "gate_heading": {"en": "step {k}/{n}: gate {label}", "ko": "단계 {k}/{n}: 게이트 {label}"},
    "forward_inputs": {"en": "forward 0/{n}: the inputs", "ko": "순전파 0/{n}: 입력"},
    "forward_gate": {"en": "forward {k}/{n}: gate {label}", "ko": "순전파 {k}/{n}: 게이트 {label}"},
}


def gradient_text(shape, lang: str = "en") -> str:
    """``gradient of shape (3,)`` / ``scalar gradient`` (viz.fmt's words), or the Korean.

    >>> gradient_text((3,), "ko"), gradient_text((), "en")
    ('모양이 (3,)인 기울기', 'scalar gradient')
    """
    from .fmt import fmt_shape, gradient_of_shape
    if lang == "ko":
        return "스칼라 기울기" if tuple(shape) == () else f"모양이 {fmt_shape(shape)}인 기울기"
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
    "module_heading": {"en": "steps {a}-{b}/{n}: module {name}", "ko": "단계 {a}-{b}/{n}: 모듈 {name}"},
})

# figure words (viz.jacobian, viz.receptive): titles and axis labels in the page's language
STRINGS.update({
    "jac_gate": {"en": "the gate, from the graph", "ko": "그래프에서 그린 게이트"},
    "jac_title": {"en": "dy/dx: {rows}×{cols}, {kind}{note}", "ko": "dy/dx: {rows}×{cols}, {kind}{note}"},
    "jac_diagonal": {"en": "diagonal (elementwise)", "ko": "대각 행렬 (원소별 연산)"},
    "jac_dense": {"en": "dense", "ko": "대각이 아님 (dense)"},
    "jac_lecture": {"en": "  [lecture: {shape}]", "ko": "  [강의: {shape}]"},
    "jac_x": {"en": "input x_j", "ko": "입력 x_j"},
    "jac_y": {"en": "output y_i", "ko": "출력 y_i"},
    "rf_title": {"en": "+{kind} {k}×{k}/{s}: sees {size}×{size}\nformula {formula}",
                 "ko": "+{kind} {k}×{k}/{s}: 보는 영역 {size}×{size}\n공식: {formula}"},
    "filters_title": {"en": "first-layer filters", "ko": "1층 필터"},
    "filter_i": {"en": "filter {i}", "ko": "필터 {i}"},
})


def figure_rc(lang: str) -> dict:
    """matplotlib rcParams for a figure in ``lang``: the Hangul font as fallback for Korean.

    >>> figure_rc("en")
    {}
    """
    if check_lang(lang, "figure") == "en":
        return {}
    from .hangul import hangul_rc
    return hangul_rc()
