"""sphinx-gallery hooks, named by import path in conf.py (so the config pickles)."""

import builtins
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def example_file(gallery_conf, fname, when):
    """Give the example about to run a ``__file__``, and take it away after.

    sphinx-gallery runs each script in a namespace without ``__file__``; the
    examples use it to find ``../shared/data`` (and do run as plain scripts,
    as tests/test_examples.py runs them). A name missing from a module's
    namespace is looked up in ``builtins``, so it is set there for the
    duration of one example.
    """
    if fname is None:  # called on entering a gallery directory
        return
    if when == "before":
        builtins.__file__ = str(EXAMPLES / fname)
    elif hasattr(builtins, "__file__"):
        del builtins.__file__
