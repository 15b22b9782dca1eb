"""The question table (viz/gallery_examples/companion/questions.toml): every question of the five
study notes has a page that exists and quotes it, every page's quoted question is in the table,
and every wrong claim of the notes has a page that quotes the claim and corrects it."""
import pytest

pytest.importorskip("matplotlib")

from viz import companion

TABLE = companion.question_table()
PAGES = {s.stem: companion.load(s)["PAGE"] for s in companion.companion_scripts()}


def test_the_table_covers_five_notes_and_every_lecture():
    qs = TABLE["question"]
    assert {q["note"] for q in qs} == {"000", "001", "002", "003", "004"}
    assert {q["lecture"] for q in qs} == {3, 4, 5, 6}
    assert len(qs) >= 37 and len(TABLE["wrong_claim"]) >= 14
    for q in qs:
        assert q["en"] and q["who"] and q["slide"].startswith("p")
    assert all(c["en"] for c in TABLE["wrong_claim"])


def test_english_pages_show_the_questions_and_claims_in_english():
    slug = "l4_p10_why_backprop"
    r = dict(PAGES[slug], slug=slug, figures=[], numbers={}, english=companion.questions_in_english())
    html = companion.page_html(r, "en")
    q = next(q for q in TABLE["question"] if q["page"] == slug)
    c = next(c for c in TABLE["wrong_claim"] if c["page"] == slug)
    assert f"In English: {q['en']}" in html and f"In English: {c['en']}" in html
    assert 'class="l-en tr" lang="en"' in html          # shown on the English page, hidden on the Korean one


@pytest.mark.parametrize("q", TABLE["question"], ids=[f'{q["note"]}-{q["slide"]}-{q["who"]}' for q in TABLE["question"]])
def test_each_question_has_a_page_that_quotes_it(q):
    assert q["page"] in PAGES, f"questions.toml lists {q['page']}, which is no companion script"
    page = PAGES[q["page"]]
    assert page["lecture"] == q["lecture"]
    assert any(who == q["who"] and companion.quotes(asked, q["asked"]) for who, asked in page["asked"]), \
        f"{q['page']} does not quote {q['who']}'s question {q['asked'][:30]!r}"


def test_every_quoted_question_is_in_the_table():
    for slug, page in PAGES.items():
        for who, asked in page["asked"]:
            assert any(q["page"] == slug and q["who"] == who and companion.quotes(asked, q["asked"])
                       for q in TABLE["question"]), f"{slug} quotes {who}'s {asked[:30]!r}, missing from questions.toml"


@pytest.mark.parametrize("c", TABLE["wrong_claim"], ids=[c["claim"][:20] for c in TABLE["wrong_claim"]])
def test_each_wrong_claim_has_a_page_that_corrects_it(c):
    assert c["page"] in PAGES
    fixes = PAGES[c["page"]].get("corrects", [])
    hit = [f for f in fixes if companion.quotes(f["claim"], c["claim"])]
    assert hit, f"{c['page']} does not quote the claim {c['claim'][:30]!r}"
    fix = hit[0]["fix"]
    assert fix["en"] and any("\uac00" <= ch <= "\ud7a3" for ch in fix["ko"])


def test_the_index_counts_questions_not_pages(tmp_path):
    pages = [dict(PAGES["l3_p48_logc"], slug="l3_p48_logc")]
    html = companion.index_html(pages, "ko")
    assert f'질문 {len(TABLE["question"])}개' in html and "3강" in html
    assert "study notes’ 30 questions" not in html


def test_the_gallery_index_counts_the_questions_from_the_table():
    from viz.gallery import _index_html
    html = _index_html([], companion=len(PAGES))
    assert f"{len(TABLE['question'])} questions, answered on {len(PAGES)} pages" in html
