"""Warnings that sklstm raises, to filter or to turn into errors."""

from sklearn.exceptions import InconsistentVersionWarning as _SklearnVersionWarning


class InconsistentVersionWarning(_SklearnVersionWarning):
    """A model is loaded with other versions of the libraries it was saved with.

    A subclass of scikit-learn's warning of the same name, so that one filter
    catches both: ``warnings.simplefilter("error", InconsistentVersionWarning)``
    (either class) refuses to load such a model.

    Parameters
    ----------
    estimator_name : str
        Class name of the loaded estimator.
    original_versions : dict
        Library name to version, as recorded when the model was saved.
    current_versions : dict
        Library name to version, as installed now (the same keys).

    Attributes
    ----------
    current_sklearn_version, original_sklearn_version : str or None
        scikit-learn's versions, as scikit-learn's own warning has them.

    See Also
    --------
    sklearn.exceptions.InconsistentVersionWarning : scikit-learn's warning, for
        its own estimators.

    Examples
    --------
    >>> from sklstm.exceptions import InconsistentVersionWarning
    >>> warning = InconsistentVersionWarning(
    ...     estimator_name="LSTMClassifier",
    ...     original_versions={"sklstm": "0.1.0", "torch": "2.5.1"},
    ...     current_versions={"sklstm": "0.1.0", "torch": "2.13.0"},
    ... )
    >>> print(warning)  # doctest: +NORMALIZE_WHITESPACE
    LSTMClassifier was saved with torch 2.5.1 and is loaded with torch 2.13.0.
    It may predict differently or fail; refit it, or load it where the
    versions it was saved with are installed.
    """

    def __init__(self, *, estimator_name, original_versions, current_versions):
        self.estimator_name = estimator_name
        self.original_versions = dict(original_versions)
        self.current_versions = dict(current_versions)
        self.original_sklearn_version = self.original_versions.get("scikit-learn")
        self.current_sklearn_version = self.current_versions.get("scikit-learn")

    def __str__(self):
        changed = [
            name
            for name in self.current_versions
            if self.original_versions.get(name) != self.current_versions[name]
        ]
        saved = ", ".join(f"{name} {self.original_versions.get(name)}" for name in changed)
        loaded = ", ".join(f"{name} {self.current_versions[name]}" for name in changed)
        return (
            f"{self.estimator_name} was saved with {saved} and is loaded with "
            f"{loaded}. It may predict differently or fail; refit it, or load it "
            "where the versions it was saved with are installed."
        )
