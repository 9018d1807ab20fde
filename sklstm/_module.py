"""The torch module behind the estimators, and all of its padding logic.

Token-id rows may hold padding (id 0) anywhere. Each row is first compacted
(its non-zero ids moved to the front, in order), then every LSTM direction
reads only the real steps of each row:

* forward: outputs at positions before a row's length do not depend on what
  follows, so the row's summary is its output at its own last real step;
* backward: each row is reversed *within its length* before the LSTM and back
  after it, so the backward pass also starts at the row's last real token.

This gives the result of packing (``pack_padded_sequence``) without its CPU
overhead, for any number of layers and for bidirectional LSTMs.

The module is exportable by ``torch.export`` (torch 2.6 or later) with a
dynamic batch size and sequence length: under ``torch.compiler.is_exporting()``
it takes no branch that depends on the data (rows are compacted by a scatter,
at the full width; no one-row fast path), and each LSTM layer is the custom
operator ``sklstm::lstm_layer``, which ``sklstm.export_onnx`` writes as ONNX's
LSTM.

With pretrained word vectors, ids 2 to ``n_words + 1`` are the rows of the
vectors' table, looked up in a frozen copy of it shared by every model of the
process, plus a trainable correction for the ids seen in training (see
``LSTMNet``).

This module imports no scikit-learn.
"""

import weakref

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from ._embeddings import load_vectors
from ._ids import FIRST_TOKEN_ID

# At inference, batch widths are rounded up to a multiple of this. oneDNN,
# torch's CPU LSTM, builds a kernel for each new sequence length it meets (about
# half a millisecond, as long as predicting one short text): with rounding, a
# served model meets 18 widths up to 140 instead of 140. The extra steps are
# padding after each row's end, which no summary reads.
INFERENCE_WIDTH_MULTIPLE = 8


# Whether torch.export is tracing the module (torch 2.6 and later; never before).
is_exporting = getattr(getattr(torch, "compiler", None), "is_exporting", lambda: False)


# WordVectors (cached by load_vectors) -> its table as a tensor.
_tables = weakref.WeakKeyDictionary()


def pretrained_table(source):
    """The vectors of ``source`` as a frozen float32 tensor, with 2 zero rows first.

    Row ``id`` is the vector of token id ``id``: 0 (padding) and 1
    (out-of-vocabulary) are zeros. Cached, so that every model of a process
    (the candidates of a grid search) shares one table.
    """
    vectors = load_vectors(source)
    table = _tables.get(vectors)
    if table is None:
        rows = np.zeros((len(vectors) + FIRST_TOKEN_ID, vectors.dim), dtype=np.float32)
        rows[FIRST_TOKEN_ID:] = vectors.vectors
        table = _tables[vectors] = torch.from_numpy(rows)
    return table


def compact_token_ids(token_ids, width_multiple=1):
    """Move each row's non-zero ids to the front, keeping their order.

    Parameters
    ----------
    token_ids : LongTensor of shape (n_samples, n_steps)
    width_multiple : int, default=1
        Round the width of the result up to a multiple of this (at most
        ``n_steps``).

    Returns
    -------
    compacted : LongTensor of shape (n_samples, width)
        Real ids first, then padding, cut to the longest row of the batch
        (at least 1), rounded up to ``width_multiple``. Under
        ``torch.export``, ``n_steps`` wide.
    lengths : LongTensor of shape (n_samples,)
        Number of non-zero ids in each row.
    """
    is_padding = token_ids == 0
    lengths = (~is_padding).sum(dim=1)
    if is_exporting():
        # No data-dependent branch or width under torch.export: each id is
        # scattered to its place in a stable partition (real ids first), and
        # the rows keep their full width, whose extra steps stand after every
        # row's end, where no summary reads.
        is_real = ~is_padding
        position = torch.where(
            is_real, is_real.cumsum(dim=1), lengths.unsqueeze(1) + is_padding.cumsum(dim=1)
        )
        return torch.zeros_like(token_ids).scatter(1, position - 1, token_ids), lengths
    if (is_padding[:, 1:] >= is_padding[:, :-1]).all():
        # Already compact (post-padding, CharTokenizer's default): no sort needed.
        compacted = token_ids
    else:
        # A stable sort on "is padding" moves real tokens first without reordering them.
        order = torch.sort(is_padding.to(torch.uint8), dim=1, stable=True).indices
        compacted = token_ids.gather(1, order)
    width = max(1, int(lengths.max())) if len(lengths) else 1
    width = -(-width // width_multiple) * width_multiple
    return compacted[:, :width], lengths


def _lstm_layer(
    steps: torch.Tensor,
    weight_ih: torch.Tensor,
    weight_hh: torch.Tensor,
    bias_ih: torch.Tensor,
    bias_hh: torch.Tensor,
) -> torch.Tensor:
    """One forward, batch-first LSTM layer from zero states: its output at every step.

    What ``nn.LSTM(...)(steps)[0]`` returns, as one operator for
    ``torch.export``, which would otherwise decompose ``nn.LSTM`` into a loop
    over the steps, fixing the sequence length of the exported program (or,
    with the while-loop decomposition of ``torch.onnx``, requiring a batch and a
    sequence length of at least 2).
    """
    zeros = steps.new_zeros(1, steps.shape[0], weight_hh.shape[1])
    weights = (weight_ih, weight_hh, bias_ih, bias_hh)
    # has_biases, num_layers, dropout, train, bidirectional, batch_first
    return torch.lstm(steps, (zeros, zeros), weights, True, 1, 0.0, False, False, True)[0]


# torch.library.custom_op came with torch 2.4: sklstm.export_onnx needs it,
# training and predicting do not.
lstm_layer = None
if hasattr(torch.library, "custom_op"):
    lstm_layer = torch.library.custom_op("sklstm::lstm_layer", mutates_args=())(_lstm_layer)

    @lstm_layer.register_fake
    def _lstm_layer_shape(steps, weight_ih, weight_hh, bias_ih, bias_hh):
        return steps.new_empty(steps.shape[0], steps.shape[1], weight_hh.shape[1])


def _run_layer(lstm, steps):
    """The output at every step of a one-layer ``nn.LSTM`` (see ``_lstm_layer``)."""
    if is_exporting():
        return lstm_layer(
            steps, lstm.weight_ih_l0, lstm.weight_hh_l0, lstm.bias_ih_l0, lstm.bias_hh_l0
        )
    return lstm(steps)[0]


def reverse_within_length(sequences, lengths):
    """Reverse the first ``lengths[i]`` steps of each row, leaving the rest in place.

    Parameters
    ----------
    sequences : Tensor of shape (n_samples, n_steps, n_features)
    lengths : LongTensor of shape (n_samples,)
    """
    n_steps = sequences.shape[1]
    steps = torch.arange(n_steps, device=sequences.device).unsqueeze(0)
    lengths = lengths.unsqueeze(1)
    index = torch.where(steps < lengths, lengths - 1 - steps, steps)
    index = index.unsqueeze(2).expand(-1, -1, sequences.shape[2])
    return sequences.gather(1, index)


class LSTMNet(nn.Module):
    """Embedding (for token ids) -> stacked LSTM -> dropout -> linear head.

    Parameters
    ----------
    n_outputs : int
        Size of the output layer (classes for a classifier, targets for a
        regressor).
    vocabulary_size : int or None
        Number of token ids (padding and out-of-vocabulary included). None
        means the input is numeric sequences of ``n_input_features`` values per
        step.
    n_input_features : int
        Values per step for numeric sequences; ignored for token ids.
    embedding_dim, units, num_layers, bidirectional, dropout
        As in :class:`sklstm.LSTMClassifier`.
    pretrained_embeddings : str or None, default=None
        Name or path of word vectors (see ``sklstm._embeddings.load_vectors``).
        Their table is a frozen buffer, outside ``state_dict``: ids 2 to
        ``n_words + 1`` read its rows, and ids beyond it (words the vectors
        lack) only their trainable row.
    trainable_ids : array-like of int or None, default=None
        With ``pretrained_embeddings``: the ids that get a trainable row of
        their own, added to their pretrained vector (a correction that starts
        at zero), or standing alone for ids beyond the table (starting small
        and random). Other ids keep their pretrained vector as it is.
    every_step : bool, default=False
        Return the head's output at every step, shape ``(n_samples, width,
        n_outputs)`` with ``width`` the batch's longest sequence (a language
        model's next-token scores), instead of one summary per sequence.
        Forward direction only.
    pooling : {'last', 'max', 'mean'}, default='last'
        As in :class:`sklstm.LSTMClassifier`.
    initialization : {'keras', 'torch'}, default='keras'
        ``'keras'``: Keras's initialisation (see ``_initialize_like_keras``),
        which the estimators use. ``'torch'`` keeps PyTorch's own; the
        estimators never pass it, but ``benchmarks/bench_quality_knobs.py``
        compares the two.
    """

    def __init__(
        self,
        n_outputs,
        vocabulary_size=None,
        n_input_features=1,
        embedding_dim=32,
        units=64,
        num_layers=1,
        bidirectional=False,
        dropout=0.0,
        every_step=False,
        pooling="last",
        initialization="keras",
        pretrained_embeddings=None,
        trainable_ids=None,
    ):
        super().__init__()
        self.pooling = pooling
        if every_step and bidirectional:
            raise ValueError("every_step reads the forward direction only.")
        self.every_step = every_step
        self.reads_tokens = vocabulary_size is not None
        if pretrained_embeddings is None:
            self.pretrained = None
        else:
            table = pretrained_table(pretrained_embeddings)
            embedding_dim = table.shape[1]
            # Not in state_dict: a saved model refers to the vectors by name.
            self.register_buffer("pretrained", table, persistent=False)
            ids = torch.as_tensor(np.asarray(trainable_ids, dtype=np.int64))
            self.register_buffer("trainable_ids", torch.sort(ids).values, persistent=False)
            # Each id's row of the trainable table, 0 ("no correction", kept 0
            # by padding_idx) for the others: one gather, no search per token.
            slot_of_id = torch.zeros(max(vocabulary_size, len(table)), dtype=torch.int32)
            slot_of_id[self.trainable_ids] = torch.arange(1, len(ids) + 1, dtype=torch.int32)
            self.register_buffer("slot_of_id", slot_of_id, persistent=False)
            vocabulary_size = len(ids) + 1
        if self.reads_tokens:
            self.embedding = nn.Embedding(vocabulary_size, embedding_dim, padding_idx=0)
            layer_input = embedding_dim
        else:
            self.embedding = None
            layer_input = n_input_features
        # One single-layer LSTM per layer and direction, so that the backward
        # direction can be fed each row reversed within its own length.
        self.forward_layers = nn.ModuleList()
        self.backward_layers = nn.ModuleList()
        for _ in range(num_layers):
            self.forward_layers.append(nn.LSTM(layer_input, units, batch_first=True))
            if bidirectional:
                self.backward_layers.append(
                    nn.LSTM(layer_input, units, batch_first=True)
                )
            layer_input = units * (2 if bidirectional else 1)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(layer_input, n_outputs)
        if initialization == "keras":
            self._initialize_like_keras()

    def _initialize_like_keras(self):
        """Keras's LSTM initialisation, in place of PyTorch's uniform one.

        Glorot-uniform input weights, orthogonal recurrent weights, zero biases
        but a forget-gate bias of 1 (so that the cell remembers from the start,
        Jozefowicz et al. 2015), Glorot-uniform head, and small uniform
        embeddings. PyTorch's gate order in the stacked weights is i, f, g, o.
        """
        for lstm in [*self.forward_layers, *self.backward_layers]:
            units = lstm.hidden_size
            with torch.no_grad():
                nn.init.xavier_uniform_(lstm.weight_ih_l0)
                for gate in range(4):
                    nn.init.orthogonal_(lstm.weight_hh_l0[gate * units : (gate + 1) * units])
                lstm.bias_ih_l0.zero_()
                lstm.bias_hh_l0.zero_()
                lstm.bias_ih_l0[units : 2 * units] = 1.0
        nn.init.xavier_uniform_(self.head.weight)
        nn.init.zeros_(self.head.bias)
        if self.embedding is not None:
            with torch.no_grad():
                nn.init.uniform_(self.embedding.weight, -0.05, 0.05)
                self.embedding.weight[0] = 0.0  # padding
                if self.pretrained is not None:
                    # Pretrained words start exactly at their vectors.
                    has_vector = (self.trainable_ids >= FIRST_TOKEN_ID) & (
                        self.trainable_ids < len(self.pretrained)
                    )
                    self.embedding.weight[1:][has_vector] = 0.0

    def embed(self, token_ids):
        """The embedding of each token id (pretrained vector plus correction, if any)."""
        if self.pretrained is None:
            return self.embedding(token_ids)
        # Ids beyond the table (words the vectors lack) read its zero row 0.
        in_table = torch.where(token_ids < len(self.pretrained), token_ids, 0)
        base = F.embedding(in_table, self.pretrained)
        return base + self.embedding(self.slot_of_id[token_ids])

    def forward(self, X, sample_weight=None):
        """Return one row of ``n_outputs`` raw scores per sequence.

        ``sample_weight`` is accepted, and ignored, because skorch passes every
        entry of the input dict to ``forward``; the loss uses it.
        """
        if self.reads_tokens:
            # Training batches keep their exact width (each extra step costs in
            # every epoch); every_step outputs keep one column per step of the
            # longest row, as documented.
            rounded = not (self.training or self.every_step)
            token_ids, lengths = compact_token_ids(
                X, width_multiple=INFERENCE_WIDTH_MULTIPLE if rounded else 1
            )
            steps = self.embed(token_ids)
        else:
            steps = X
            lengths = torch.full(
                (X.shape[0],), X.shape[1], dtype=torch.long, device=X.device
            )
        for depth, forward_lstm in enumerate(self.forward_layers):
            if depth > 0:
                steps = self.dropout(steps)
            outputs = _run_layer(forward_lstm, steps)
            if self.backward_layers:
                reversed_steps = reverse_within_length(steps, lengths)
                backward_outputs = _run_layer(self.backward_layers[depth], reversed_steps)
                outputs = torch.cat(
                    [outputs, reverse_within_length(backward_outputs, lengths)], dim=2
                )
            steps = outputs
        if self.every_step:
            return self._output(steps)
        return self._output(self._summarize(steps, lengths))

    def _output(self, features):
        """Dropout and the linear head, in float32 even under mixed precision.

        Under ``torch.autocast`` (``precision='bfloat16'``) the LSTM computes
        in bfloat16, where the time goes; the head reads its features cast
        back to float32, so that the outputs (scores, logits) are float32
        computations.
        """
        if features.dtype != self.head.weight.dtype:
            with torch.autocast(features.device.type, enabled=False):
                return self.head(self.dropout(features.to(self.head.weight.dtype)))
        return self.head(self.dropout(features))

    def next_token_scores(self, token_ids, state=None):
        """Scores of the token after ``token_ids``, and the state to carry to the next call.

        For generation (``every_step`` models): ``token_ids`` of shape
        ``(n_samples, n_steps)`` hold no padding, and ``state`` is what the
        previous call returned (None starts afresh), one ``(h, c)`` per layer.
        Reading a text in pieces this way gives the scores that reading it
        whole gives, at the cost of the new steps only.
        """
        steps = self.embed(token_ids)
        carried = []
        for depth, lstm in enumerate(self.forward_layers):
            if depth > 0:
                steps = self.dropout(steps)
            steps, layer_state = lstm(steps, None if state is None else state[depth])
            carried.append(layer_state)
        return self.head(self.dropout(steps[:, -1])), carried

    def _summarize(self, outputs, lengths):
        """One vector per row, from its real steps only (see ``pooling``)."""
        if self.pooling == "last":
            return self._last_state(outputs, lengths)
        if outputs.shape[0] == 1 and not is_exporting():
            # One row (a served prediction): its real steps are a slice, which
            # saves building a mask, a sixth of the module's time on one text.
            length = int(lengths[0])
            if length == 0:
                return outputs.new_zeros(1, outputs.shape[2])
            real = outputs[:, :length]
            return real.amax(dim=1) if self.pooling == "max" else real.mean(dim=1)
        steps = torch.arange(outputs.shape[1], device=outputs.device)
        is_real = (steps.unsqueeze(0) < lengths.unsqueeze(1)).unsqueeze(2)
        if self.pooling == "mean":
            total = (outputs * is_real).sum(dim=1)
            return total / lengths.clamp(min=1).unsqueeze(1)
        # Adding 0 or -inf per step broadcasts along the contiguous units, which
        # costs a quarter of masked_fill's broadcast mask, with the same result.
        penalty = torch.zeros(is_real.shape, dtype=outputs.dtype, device=outputs.device)
        pooled = (outputs + penalty.masked_fill_(~is_real, -torch.inf)).amax(dim=1)
        return torch.where(torch.isfinite(pooled), pooled, 0.0)  # an empty row: zeros

    def _last_state(self, outputs, lengths):
        """Each row's forward output at its last real step (and backward at its first)."""
        rows = torch.arange(outputs.shape[0], device=outputs.device)
        # An empty row (length 0) reads the output at step 0: finite, if meaningless.
        last_step = (lengths - 1).clamp(min=0)
        if not self.backward_layers:
            return outputs[rows, last_step]
        units = outputs.shape[2] // 2
        forward_last = outputs[rows, last_step, :units]
        backward_last = outputs[:, 0, units:]
        return torch.cat([forward_last, backward_last], dim=1)
