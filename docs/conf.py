"""Sphinx configuration of graphgrad's documentation site.

Build it offline with ``graphgrad docs -o site`` (or ``python -m sphinx -W -b html docs site``).
The API pages come from the docstrings, the gallery pages from the gallery's own scripts
(``viz/gallery_examples``), the question pages from the companion's scripts: nothing is
written twice.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "_ext"))
sys.path.insert(0, os.path.dirname(HERE))            # the checkout's graphgrad (and graphgrad.viz)

import graphgrad  # noqa: E402

project = "graphgrad"
author = "the graphgrad authors"
copyright = "2026, the graphgrad authors (MIT licence)"
release = version = graphgrad.__version__

extensions = ["myst_parser", "sphinx.ext.autodoc", "sphinx.ext.autosummary", "sphinx.ext.viewcode", "graphgrad_docs"]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
myst_heading_anchors = 3
autosummary_generate = True
autodoc_default_options = {"members": False}
autodoc_typehints = "description"
autodoc_mock_imports = []
add_module_names = False
templates_path = ["_templates"]
exclude_patterns = ["_build", "README.md"]
html_theme = "alabaster"
html_title = f"graphgrad {release}"
html_theme_options = {"description": "an autograd engine whose graph you can see", "fixed_sidebar": True}
html_static_path = []
# the docstrings are reST with numpy-style ``literals``; default role: plain code
default_role = "code"
suppress_warnings = ["autosummary.import_cycle"]
