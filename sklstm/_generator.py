"""LSTMTextGenerator: a character- or word-level language model that writes text."""

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted
from torch.nn import functional as F

from ._device import inference
from ._estimator import (
    PREDICT_PARAMS,
    TRAINING_CONSTRAINTS,
    LSTMEstimator,
    TrainingData,
    fit_atomically,
)
from ._ids import OOV_ID, PAD_ID
from ._net import build_language_model, check_callbacks
from ._persistence import damaged
from ._progress import progress_callbacks
from ._tokenizer import MAX_LENGTH_LIMIT, CharTokenizer
from ._validation import Interval, StrOptions, check_params_in_use, check_texts, fit_context


class LSTMTextGenerator(LSTMEstimator):
    """Character- or word-level LSTM language model that generates text.

    ``fit`` learns to predict each token of the training texts from the tokens
    before it (teacher forcing over every position); ``generate`` writes new
    text from a prompt, one token at a time; ``score`` is the mean
    log-likelihood per token of held-out texts, so that ``GridSearchCV`` tunes
    it with no scorer.

    Parameters
    ----------
    level : {'char', 'word'}, default='char'
        What a token is, as in :class:`CharTokenizer`.
    max_length : int, default=100
        Tokens of context the model trains on (at most 100,000): the
        training texts are cut into windows of this length. ``generate`` reads the last
        ``max_length`` tokens of the prompt, then carries the LSTM's state
        through the tokens it writes.
    lowercase : bool, default=False
        Lowercase texts first (a smaller vocabulary; generated text is
        lowercase).
    max_tokens : int, default=None
        Keep only the most frequent tokens; the others are out-of-vocabulary.
    min_frequency : int, default=1
        Drop tokens seen fewer times in ``fit``.
    units : int, default=128
        Size of the LSTM's hidden state.
    embedding_dim : int, default=32
        Size of the token embedding.
    num_layers : int, default=1
        Number of stacked LSTM layers.
    dropout : float, default=0.0
        Dropout rate between stacked layers and before the output layer.
    max_epochs : int, default=10
        Passes over the training texts.
    batch_size : int, default=32
        Windows per gradient step.
    learning_rate : float, default=3e-3
        Adam's learning rate.
    weight_decay : float, default=0.0
        Decoupled weight decay (AdamW), as in :class:`LSTMClassifier`.
    gradient_clip : float or None, default=None
        Largest gradient norm of a step, as in :class:`LSTMClassifier`.
    warm_start : bool, default=False
        When fitted already, make ``fit`` continue training the fitted model
        (its weights and Adam's moments) on the new texts, keeping its
        vocabulary: their tokens unseen before are read as out-of-vocabulary.
        ``history_`` is extended. ``level``, ``lowercase``, ``max_tokens``
        and ``min_frequency`` must stay as they were (so for ``partial_fit``).
    callbacks : list of skorch callbacks or None, default=None
        Extra :class:`skorch.callbacks.Callback` instances, or ``(name,
        callback)`` pairs, run at each epoch, as in :class:`LSTMClassifier`.
    device : str or torch.device, default='cpu'
        torch device to train on, checked when ``fit`` starts; ``generate``
        and ``score`` run where the fitted weights are.
    n_threads : int or None, default=1
        torch threads during ``fit``, ``generate`` and ``score``, as in
        :class:`LSTMClassifier`.
    precision : {'float32', 'bfloat16'}, default='float32'
        Arithmetic of the forward pass in ``fit`` and ``score``, as in
        :class:`LSTMClassifier`: ``'bfloat16'`` is mixed precision (float32
        weights, optimizer state, loss and scores), on CPUs with native
        bfloat16 and on CUDA; elsewhere it warns and computes in float32.
        ``generate`` computes in float32 either way: it reads one window at a
        time, where bfloat16 gains nothing.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation and batch order (not sampling: see
        ``generate``). With an int, two fits on CPU give identical models.
    verbose : int, default=0
        1 prints a line per epoch; 2 also draws a progress bar within each
        epoch (on a terminal), as in :class:`LSTMClassifier`.

    Attributes
    ----------
    tokenizer_ : CharTokenizer
        The fitted tokenizer; its ``vocabulary_`` maps tokens to ids.
    boundary_id_ : int
        Id of the token that marks where a text ends and the next begins
        (written as a newline by ``generate``).
    net_ : skorch.NeuralNet
        The fitted skorch net.
    history_ : list of dict
        One record per epoch (and per ``partial_fit`` call): ``epoch``,
        ``train_loss`` (mean negative log-likelihood per token), ``dur``.
    n_iter_ : int
        Number of epochs run, over every fit of a warm start and every call
        of ``partial_fit``.

    See Also
    --------
    CharTokenizer : The tokenizer it builds on.

    Notes
    -----
    The training texts are joined into one stream, each text followed by the
    boundary token, and the stream is cut into windows of ``max_length``
    tokens; every token is the target of exactly one position. The boundary
    token also starts every generation, so that an empty prompt begins a new
    text.

    Examples
    --------
    >>> from sklstm import LSTMTextGenerator
    >>> generator = LSTMTextGenerator(max_length=24, units=32, max_epochs=60,
    ...                               learning_rate=0.02, random_state=0)
    >>> generator = generator.fit(["hello world"] * 40)
    >>> generator.generate("h", n_tokens=10, temperature=0)
    'ello world'
    """

    _parameter_constraints = {
        "level": [StrOptions({"char", "word"})],
        "max_length": [Interval(Integral, 1, MAX_LENGTH_LIMIT, closed="both")],
        "lowercase": ["boolean"],
        "max_tokens": [Interval(Integral, 1, None, closed="left"), None],
        "min_frequency": [Interval(Integral, 1, None, closed="left")],
        **TRAINING_CONSTRAINTS,
    }

    def __init__(
        self,
        *,
        level="char",
        max_length=100,
        lowercase=False,
        max_tokens=None,
        min_frequency=1,
        units=128,
        embedding_dim=32,
        num_layers=1,
        dropout=0.0,
        max_epochs=10,
        batch_size=32,
        learning_rate=3e-3,
        weight_decay=0.0,
        gradient_clip=None,
        warm_start=False,
        callbacks=None,
        device="cpu",
        n_threads=1,
        precision="float32",
        random_state=None,
        verbose=0,
    ):
        self.level = level
        self.max_length = max_length
        self.lowercase = lowercase
        self.max_tokens = max_tokens
        self.min_frequency = min_frequency
        self.units = units
        self.embedding_dim = embedding_dim
        self.num_layers = num_layers
        self.dropout = dropout
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.gradient_clip = gradient_clip
        self.warm_start = warm_start
        self.callbacks = callbacks
        self.device = device
        self.n_threads = n_threads
        self.precision = precision
        self.random_state = random_state
        self.verbose = verbose

    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn to predict each token of the texts from the tokens before it.

        Parameters
        ----------
        X : iterable of str
            Training texts (documents or lines): a list, 1-D array, pandas
            Series or one-column DataFrame.
        y : None
            Ignored.

        Returns
        -------
        self : LSTMTextGenerator
            The fitted generator.

        Examples
        --------
        >>> from sklstm import LSTMTextGenerator
        >>> generator = LSTMTextGenerator(max_length=8, units=8, max_epochs=2,
        ...                               random_state=0).fit(["hello world"] * 4)
        >>> sorted(generator.tokenizer_.vocabulary_)
        [' ', 'd', 'e', 'h', 'l', 'o', 'r', 'w']
        >>> generator.boundary_id_, len(generator.history_)
        (10, 2)
        """
        return fit_atomically(self, type(self)._fit, X, keep_fitted=self.warm_start)

    @fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Train one epoch on the texts ``X``, continuing from the fitted model.

        The first call fits the vocabulary on its texts, which later calls
        keep (their new tokens are read as out-of-vocabulary): make the first
        chunk representative, or fit on a sample first. Each call adds one
        record to ``history_``; a call that fails leaves the model as it was.

        Parameters
        ----------
        X : iterable of str
            Texts.
        y : None
            Ignored.

        Returns
        -------
        self : LSTMTextGenerator
            The updated generator.

        Examples
        --------
        >>> from sklstm import LSTMTextGenerator
        >>> generator = LSTMTextGenerator(max_length=8, units=8, random_state=0)
        >>> generator = generator.partial_fit(["hello world"] * 4)
        >>> generator = generator.partial_fit(["hello there"] * 4)  # 't' is new
        >>> generator.n_iter_, "t" in generator.tokenizer_.vocabulary_
        (2, False)
        """
        return fit_atomically(self, type(self)._fit, X, partial=True, keep_fitted=True)

    def _prepare(self, X, y, sample_weight, *, continuing, partial, classes):
        """The texts as windows of token ids and their next tokens (see ``LSTMEstimator``).

        The first fit makes the tokenizer and the boundary id; a warm start
        or ``partial_fit`` keeps them.
        """
        texts = check_texts(X, type(self).__name__)
        if continuing:
            self._check_same_vocabulary_params()
        else:
            self.tokenizer_ = CharTokenizer(
                level=self.level,
                # The windows set the length: a fixed width spares fit the
                # tokenizer's choice of one (and its warning on long texts).
                max_length=self.max_length,
                lowercase=self.lowercase,
                max_tokens=self.max_tokens,
                min_frequency=self.min_frequency,
            ).fit(texts)
            self.boundary_id_ = max(self.tokenizer_.vocabulary_.values()) + 1
        inputs, targets = self._windows(texts)
        return TrainingData(inputs={"X": inputs}, targets=targets, n_outputs=self.boundary_id_ + 1)

    def _check_same_vocabulary_params(self):
        """Continuing: refuse parameters that would make another vocabulary.

        The fitted vocabulary stays, so a changed ``level`` or ``lowercase``
        would be ignored silently (the model would go on reading characters,
        say); as ``CharTokenizer(warm_start=True)`` does, refuse it.
        """
        fitted = self.tokenizer_.get_params()
        changed = [
            f"{name}={fitted[name]!r} (now {getattr(self, name)!r})"
            for name in ("level", "lowercase", "max_tokens", "min_frequency")
            if getattr(self, name) != fitted[name]
        ]
        if changed:
            raise ValueError(
                f"warm_start=True continues the fitted {type(self).__name__} with its "
                f"vocabulary, which was made with {', '.join(changed)}. Set them back, "
                "or set warm_start=False to train a new model."
            )

    def _build_net(self, n_outputs, seed, device="cpu", precision="float32", header=True):
        # seed: the generator holds out no validation split, the one use of it.
        epoch_offset = getattr(self, "n_iter_", 0)
        return build_language_model(
            self,
            n_outputs=n_outputs,
            vocabulary_size=n_outputs,
            max_epochs=self.max_epochs,
            device=device,
            precision=precision,
            callbacks=[
                *check_callbacks(self.callbacks, type(self).__name__),
                *progress_callbacks(self.verbose, epoch_offset, header=header),
            ],
        )

    def _token_stream(self, texts):
        """The ids of all texts, each text followed by the boundary id."""
        ids, lengths = self.tokenizer_.encode(texts)
        # Insert one boundary id after each text's tokens (and one at the start).
        ends = np.cumsum(lengths)
        stream = np.insert(ids, ends, self.boundary_id_)
        return np.concatenate([[self.boundary_id_], stream]).astype(np.int64)

    def _windows(self, texts):
        """Inputs and next-token targets: the stream cut into ``max_length`` windows."""
        stream = self._token_stream(texts)
        n_windows = -(-(len(stream) - 1) // self.max_length)
        padded = np.zeros(n_windows * self.max_length + 1, dtype=np.int64)
        padded[: len(stream)] = stream
        inputs = padded[:-1].reshape(n_windows, self.max_length)
        targets = padded[1:].reshape(n_windows, self.max_length)
        # Where the stream has ended, the input is padding: its target must be too.
        targets = np.where(inputs == PAD_ID, PAD_ID, targets)
        return inputs, targets

    def score(self, X, y=None):
        """Mean log-likelihood per token of ``X`` (natural log; higher is better).

        Parameters
        ----------
        X : iterable of str
            Held-out texts.
        y : None
            Ignored.

        Returns
        -------
        score : float
            Mean over every token of X (and every text boundary) of the log
            of the probability the model gave it.

        Examples
        --------
        >>> from sklstm import LSTMTextGenerator
        >>> generator = LSTMTextGenerator(max_length=8, units=8, max_epochs=2,
        ...                               random_state=0).fit(["hello world"] * 4)
        >>> score = generator.score(["hello word"])
        >>> isinstance(score, float), score < 0
        (True, True)
        """
        check_is_fitted(self)
        # max_length cuts the texts into windows here: a size from a loaded file.
        check_params_in_use(self, (*PREDICT_PARAMS, "max_length"))
        texts = check_texts(X, type(self).__name__)
        inputs, targets = self._windows(texts)
        total, count = 0.0, 0
        for rows, scores in self._batched_outputs(inputs, self.batch_size, sort_by_length=False):
            batch_targets = torch.as_tensor(targets[rows])[:, : scores.shape[1]].long()
            total -= F.cross_entropy(
                scores.double().transpose(1, 2), batch_targets, ignore_index=PAD_ID,
                reduction="sum",
            ).item()
            count += int((batch_targets != PAD_ID).sum())
        return total / count

    def perplexity(self, X):
        """Perplexity of ``X``: ``exp(-score(X))``, lower is better.

        Parameters
        ----------
        X : iterable of str
            Held-out texts.

        Returns
        -------
        perplexity : float
            1 for a perfect model; the vocabulary size for a uniform guess.

        Examples
        --------
        >>> import math
        >>> from sklstm import LSTMTextGenerator
        >>> generator = LSTMTextGenerator(max_length=8, units=8, max_epochs=2,
        ...                               random_state=0).fit(["hello world"] * 4)
        >>> perplexity = generator.perplexity(["hello word"])
        >>> perplexity > 1
        True
        >>> math.isclose(perplexity, math.exp(-generator.score(["hello word"])))
        True
        """
        return float(np.exp(-self.score(X)))

    def generate(self, prompt="", n_tokens=100, temperature=1.0, random_state=None):
        """Write ``n_tokens`` tokens that continue ``prompt``.

        Parameters
        ----------
        prompt : str, default=''
            Text to continue; tokens unseen in fit are read as
            out-of-vocabulary. The empty prompt starts a new text.
        n_tokens : int, default=100
            Number of tokens to write.
        temperature : float, default=1.0
            0 takes the most probable token each time (greedy); higher values
            sample from the model's distribution sharpened (< 1) or flattened
            (> 1). A tiny temperature (even a denormal such as 5e-324) samples
            like greedy, among the most probable tokens if several tie; a huge
            one samples almost uniformly. Infinity and NaN are refused.
        random_state : int, RandomState instance or None, default=None
            Seeds the sampling: the same value gives the same text.

        Notes
        -----
        The LSTM's state is carried from one written token to the next, so
        each token costs one LSTM step, and the continuation conditions on
        everything before it (the prompt's last ``max_length`` tokens and all
        that was written since). Up to ``max_length`` tokens of context in
        all, this is what reading the context whole gives; beyond that, a
        model trained on windows of ``max_length`` tokens reads a longer
        context than it was trained on.

        Returns
        -------
        text : str
            The continuation only (without the prompt). Word-level tokens are
            joined with spaces; a text boundary is written as a newline.

        Examples
        --------
        >>> from sklstm import LSTMTextGenerator
        >>> generator = LSTMTextGenerator(max_length=8, units=8, max_epochs=2,
        ...                               random_state=0).fit(["hello world"] * 4)
        >>> text = generator.generate("he", n_tokens=5, random_state=0)
        >>> len(text)
        5
        >>> text == generator.generate("he", n_tokens=5, random_state=0)
        True
        >>> set(text) <= set("helo wrd\\n")
        True
        """
        check_is_fitted(self)
        check_params_in_use(self, ("n_threads",))
        # A wrong type is a TypeError, a value out of range a ValueError. bool
        # is an Integral and a Real, but True tokens or degrees is a slip.
        if not isinstance(prompt, str):
            raise TypeError(f"prompt must be a str, got {type(prompt).__name__}.")
        if not isinstance(n_tokens, Integral) or isinstance(n_tokens, bool):
            raise TypeError(f"n_tokens must be a non-negative int, got {n_tokens!r}.")
        if n_tokens < 0:
            raise ValueError(f"n_tokens must be a non-negative int, got {n_tokens!r}.")
        message = f"temperature must be a finite number >= 0 (0 is greedy), got {temperature!r}."
        if not isinstance(temperature, Real) or isinstance(temperature, bool):
            raise TypeError(message)
        if not 0 <= temperature < np.inf:
            raise ValueError(message)
        rng = check_random_state(random_state)
        prompt_ids, _ = self.tokenizer_.encode([prompt])
        context = [self.boundary_id_, *prompt_ids.tolist()]
        module = self.net_.module_
        written = []
        # In float32 whatever the precision: one row at a time, where bfloat16
        # gains nothing (see _device.MIN_MIXED_PRECISION_ROWS).
        with inference(module, self.n_threads) as device:
            # The LSTM's state is carried from token to token: each new token
            # costs one step, not a pass over the whole context.
            pending, state = context[-self.max_length :], None
            for _ in range(n_tokens):
                scores, state = module.next_token_scores(
                    torch.as_tensor([pending], device=device), state
                )
                logits = scores[0].double().cpu()
                logits[[PAD_ID, OOV_ID]] = -torch.inf  # never write padding or "unknown"
                if temperature == 0:
                    next_id = int(logits.argmax())
                else:
                    # Shifted so that the best logit is 0: dividing by a tiny
                    # temperature then gives 0 and -inf, never inf - inf (NaN),
                    # and the sampling tends to greedy, ties shared.
                    shifted = (logits - logits.max()) / temperature
                    probabilities = torch.softmax(shifted, dim=0).numpy()
                    next_id = int(rng.choice(len(probabilities), p=probabilities))
                pending = [next_id]
                written.append(next_id)
        return self._render(written)

    def _render(self, ids):
        """The text of generated ids, at the fitted tokenizer's level; a boundary is a new line."""
        ids = np.asarray(ids, dtype=np.int64)
        breaks = np.flatnonzero(ids == self.boundary_id_)
        pieces = [piece[piece != self.boundary_id_] for piece in np.split(ids, breaks)]
        parts = [self.tokenizer_.decode(pieces[0])]
        for piece in pieces[1:]:
            parts += ["\n", self.tokenizer_.decode(piece)]
        # A line break is a token: words stand a space apart from it, as from each other.
        separator = "" if self.tokenizer_.level == "char" else " "
        return separator.join(part for part in parts if part)

    def _net_skeleton(self, n_outputs):
        """An unfitted net of this estimator's kind, for loading (see _persistence)."""
        # The network scores every id up to the boundary, and the tokenizer's
        # ids come before it: any other boundary reads past the network's rows.
        boundary = self.boundary_id_
        vocabulary = getattr(self.tokenizer_, "vocabulary_", None)
        if not (
            isinstance(boundary, Integral)
            and boundary == n_outputs - 1
            and isinstance(vocabulary, dict)
            and all(isinstance(token_id, Integral) for token_id in vocabulary.values())
            and max(vocabulary.values(), default=OOV_ID) < boundary
        ):
            raise damaged(
                type(self).__name__,
                f"has a boundary_id_ or vocabulary outside its network's {n_outputs} ids",
            )
        return self._build_net(n_outputs, seed=None)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags
