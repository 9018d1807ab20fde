"""Milliseconds per generated token: LSTMTextGenerator.generate against the stateful floor.

A generator (``units=128``, ``max_length=100``, the defaults) is fitted for one
epoch on the shipped demo sentences; the architecture, not the training, sets
the cost of a token. Three ways to write ``--tokens`` (300) tokens greedily
after a 100-character prompt, median of ``--repeats`` (5) interleaved runs:

* ``generate``: ``generator.generate(prompt, n_tokens, temperature=0)``;
* the floor: the fitted module's own layers stepped by hand, one token at a
  time with the LSTM's state carried, nothing else (no checks, no rendering);
* the window: the whole ``max_length`` window read again for every token, as
  ``generate`` did before it carried the state.

Ratios: ``generate_vs_stateful_floor`` (target <= 1.5) and
``window_vs_generate`` (how much carrying the state saves).
"""

import statistics
import time

import torch

from _common import apply_threads, emit, make_parser, rounded
from sklstm import LSTMTextGenerator
from sklstm.datasets import load_sentences

PROMPT_CHARACTERS = 100


def floor(module, context, n_tokens):
    """Greedy tokens from the module's layers, state carried: the least any code can do."""
    with torch.inference_mode():
        steps = module.embedding(torch.as_tensor([context]))
        states = []
        for lstm in module.forward_layers:
            steps, state = lstm(steps)
            states.append(state)
        for _ in range(n_tokens):
            next_id = module.head(steps[:, -1]).argmax(dim=1, keepdim=True)
            steps = module.embedding(next_id)
            for depth, lstm in enumerate(module.forward_layers):
                steps, states[depth] = lstm(steps, states[depth])


def window(module, context, n_tokens, max_length):
    """Greedy tokens reading the last ``max_length`` tokens whole for each one."""
    context = list(context)
    with torch.inference_mode():
        for _ in range(n_tokens):
            scores = module(torch.as_tensor([context[-max_length:]]))[0, -1]
            context.append(int(scores.argmax()))


def main():
    parser = make_parser(__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    apply_threads(args.threads)
    texts = list(load_sentences().data)
    if args.quick:
        texts, args.tokens, args.repeats = texts[:200], 50, 2
    generator = LSTMTextGenerator(max_epochs=1, random_state=0, n_threads=args.threads)
    generator.fit(texts)
    module = generator.net_.module_.eval()
    prompt = " ".join(texts)[:PROMPT_CHARACTERS]
    ids, _ = generator.tokenizer_.encode([prompt])
    context = [generator.boundary_id_, *ids.tolist()]

    runs = {"generate": [], "floor": [], "window": []}
    for _ in range(args.repeats):
        for name in runs:
            start = time.perf_counter()
            if name == "generate":
                generator.generate(prompt, n_tokens=args.tokens, temperature=0)
            elif name == "floor":
                floor(module, context, args.tokens)
            else:
                window(module, context, args.tokens, generator.max_length)
            runs[name].append((time.perf_counter() - start) / args.tokens * 1000)
    ms = {name: statistics.median(values) for name, values in runs.items()}
    emit(
        "generate",
        quick=args.quick,
        ratios={
            "generate_vs_stateful_floor": ms["generate"] / ms["floor"],
            "window_vs_generate": ms["window"] / ms["generate"],
        },
        lower_is_better=["generate_vs_stateful_floor"],
        absolute={f"ms_per_token_{name}": rounded(value) for name, value in ms.items()},
        settings={
            "tokens": args.tokens,
            "repeats": args.repeats,
            "units": generator.units,
            "max_length": generator.max_length,
            "vocabulary": len(generator.tokenizer_.vocabulary_),
        },
    )


if __name__ == "__main__":
    main()
