"""Sphinx configuration of the sklstm documentation.

Build with ``make docs`` (warnings are errors). The gallery runs every script
in ``../examples``; ``-D plot_gallery=0`` skips running them (the test suite
builds the docs that way, as tests/test_examples.py runs the scripts already).
"""

import re
import sys
from pathlib import Path

import sklstm

DOCS = Path(__file__).resolve().parent
# For the gallery hook below, given to sphinx-gallery by its import name.
sys.path.insert(0, str(DOCS))

project = "sklstm"
author = "the sklstm developers"
copyright = "the sklstm developers"
release = sklstm.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
templates_path = []

# -- autodoc / numpydoc --------------------------------------------------------
# Each API page lists its members by hand: the methods sklstm defines and the
# few inherited ones worth showing (their docstrings come from scikit-learn).
autodoc_default_options = {"member-order": "alphabetical"}
autodoc_typehints = "none"
autosummary_generate = False
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# Every public sklstm class and method documents its parameters and return
# value and has an example; checked on the objects sklstm defines itself
# (inherited scikit-learn methods follow scikit-learn's own conventions).
numpydoc_validation_checks = {"PR01", "PR02", "RT01", "EX01", "SA04"}
numpydoc_validation_exclude = {
    r"\.get_params$",
    r"\.set_params$",
    r"\.fit_transform$",
    r"\.get_feature_names_out$",
    r"\.set_output$",
    r"LSTMClassifier\.score$",
    r"LSTMRegressor\.score$",
}

# -- MyST (the Markdown pages) ------------------------------------------------
myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence"]

# -- sphinx-gallery --------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # Run every script, not only plot_*.py ones.
    "filename_pattern": r".*",
    "ignore_pattern": r"__init__\.py",
    "image_scrapers": ("matplotlib",),
    # Before each example: reset matplotlib, and give the script its __file__
    # (the examples find ../shared/data from it; see docs/_gallery_hooks.py).
    "reset_modules": ("matplotlib", "_gallery_hooks.example_file"),
    "reset_modules_order": "both",
    "within_subsection_order": "FileNameSortKey",
    "doc_module": ("sklstm",),
    "backreferences_dir": "gen_modules/backreferences",
    "remove_config_comments": True,
    "show_memory": False,
    "download_all_examples": False,
}

# -- HTML --------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"sklstm {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version", "theme-version"],
}
html_static_path = []
# Pages without sub-pages need no left-hand section navigation.
html_sidebars = {
    page: [] for page in ["index", "install", "quickstart", "user_guide", "benchmarks"]
}
html_show_sourcelink = False

# benchmarks.md shows docs/benchmarks.png, which benchmarks/plot_results.py
# draws from a full benchmark run; until that exists the page says so (a TODO
# note) and the missing image must not fail the build.
suppress_warnings = []
if not (DOCS / "benchmarks.png").exists():
    suppress_warnings.append("image.not_readable")


# -- inherited scikit-learn docstrings -----------------------------------------
_REF_WITH_TEXT = re.compile(r":ref:`([^`<]+?)\s*<[^`>]+>`")
_BARE_REF = re.compile(r":ref:`[^`]+`")


def _unlink_scikit_learn_refs(app, what, name, obj, options, lines):
    """Keep the text of :ref: roles that point into scikit-learn's own docs.

    Methods sklstm inherits from scikit-learn (score, set_output) link to
    labels of scikit-learn's site, which this build, without intersphinx (it
    runs offline), cannot resolve.
    """
    if not getattr(obj, "__module__", "").startswith("sklearn"):
        return
    for number, line in enumerate(lines):
        line = _REF_WITH_TEXT.sub(r"\1", line)
        lines[number] = _BARE_REF.sub("scikit-learn's documentation", line)


def setup(app):
    app.connect("autodoc-process-docstring", _unlink_scikit_learn_refs, priority=100)
