"""A "does not fit" refusal never prints a size that reads as meeting its minimum: the
collapsed sigmoid neuron on a 4:3 page comes out at 11.96 pt, which used to be written
"12.0 pt" in the refusal of min_pt=12."""
import re

import pytest

import graphgrad as gg
from graphgrad import viz
from graphgrad.viz.pages import SlideFitError


def _collapsed_neuron_stepper():
    w0, x0, w1, x1, w2 = (gg.Value(v, requires_grad=True, name=n)
                          for n, v in dict(w0=2.0, x0=-1.0, w1=-3.0, x1=-2.0, w2=-3.0).items())
    dot = w0 * x0 + w1 * x1 + w2
    with gg.group("sigmoid"):
        f = 1 / (1 + (-1 * dot).exp())
    f.backward()
    return viz.Stepper(f, lang="ko", title="Lecture 4: a neuron", collapse="sigmoid")


def test_the_size_in_a_refusal_is_below_the_minimum(tmp_path):
    st = _collapsed_neuron_stepper()
    with pytest.raises(SlideFitError) as e:
        st.save_animation(tmp_path / "deck.gif", slide="4:3", min_pt=12)
    at = float(re.search(r"would come out at ([\d.]+) pt", str(e.value)).group(1))
    assert at < 12
    suggested = float(re.search(r"min_pt=([\d.]+)\)", str(e.value)).group(1))
    st.save_animation(tmp_path / "deck.gif", slide="4:3", min_pt=suggested)   # the advice works
    assert (tmp_path / "deck.gif").stat().st_size > 0
