"""Draw the ratios of a benchmark results file as a bar chart.

Reads the JSON lines the benchmark scripts print (``make bench >
benchmarks/results.jsonl``) and draws one horizontal bar per ratio, on a log
scale around 1 (the reference), green where sklstm does better and red where
it does worse; a script run more than once gets a bar per run. Lines that are
not a benchmark record (a stray ``make`` echo, say) are skipped with a note on
stderr.

    python benchmarks/plot_results.py [benchmarks/results.jsonl] [-o docs/benchmarks.png]
"""

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def read_records(path):
    records = []
    for number, line in enumerate(Path(path).read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            record = None
        if not isinstance(record, dict) or "ratios" not in record:
            print(
                f"{path}:{number}: not a benchmark record, skipped: {line[:60]!r}",
                file=sys.stderr,
            )
            continue
        records.append(record)
    return records


def bars(records):
    """(label, ratio, sklstm does better) for every ratio of every record."""
    rows = []
    # A script run twice (a rerun in a noisy spell, bench_fit with Keras) gets
    # a bar per run, numbered in file order: none is dropped or picked.
    totals = Counter(record["benchmark"] for record in records)
    seen = Counter()
    for record in records:
        lower_is_better = set(record.get("lower_is_better", []))
        seen[record["benchmark"]] += 1
        suffix = " (quick)" if record.get("quick") else ""
        if totals[record["benchmark"]] > 1:
            suffix += f" [run {seen[record['benchmark']]}]"
        for name, value in record["ratios"].items():
            better = value < 1 if name in lower_is_better else value > 1
            direction = "lower" if name in lower_is_better else "higher"
            label = f"{record['benchmark']}{suffix}: {name} ({direction} is better)"
            rows.append((label, value, better))
    return rows


def plot(rows, output, title):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise SystemExit(
            "plot_results.py needs matplotlib: pip install matplotlib "
            "(or the project's docs extra: pip install -e '.[docs]')."
        ) from None
    labels, values, better = zip(*rows)
    figure, axes = plt.subplots(figsize=(11, 0.38 * len(rows) + 1.6))
    positions = range(len(rows))
    colours = ["tab:green" if good else "tab:red" for good in better]
    # Bars grow from 1 (parity with the reference), left or right.
    axes.barh(positions, [value - 1 for value in values], left=1, color=colours)
    axes.set_xscale("log")
    axes.axvline(1, color="black", linewidth=0.8)
    axes.set_yticks(list(positions), labels, fontsize=8)
    axes.invert_yaxis()
    for position, value in zip(positions, values):
        axes.annotate(
            f"{value:.3g}",
            (value, position),
            xytext=(4 if value >= 1 else -4, 0),
            textcoords="offset points",
            ha="left" if value >= 1 else "right",
            va="center",
            fontsize=8,
        )
    low, high = min(values), max(values)
    axes.set_xlim(min(low, 1) / 2, max(high, 1) * 2)
    axes.set_xlabel("ratio to the reference measured in the same run (log scale; 1 = parity)")
    axes.set_title(title, fontsize=10)
    figure.tight_layout()
    output.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(output, dpi=120)
    plt.close(figure)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "results",
        nargs="?",
        default=ROOT / "benchmarks" / "results.jsonl",
        type=Path,
        help="JSON-lines file from `make bench` (default: benchmarks/results.jsonl)",
    )
    parser.add_argument(
        "-o",
        "--output",
        default=ROOT / "docs" / "benchmarks.png",
        type=Path,
        help="image to write (default: docs/benchmarks.png)",
    )
    args = parser.parse_args()
    if not args.results.is_file():
        raise SystemExit(
            f"{args.results} does not exist; run `make bench > benchmarks/results.jsonl` first."
        )
    records = read_records(args.results)
    if not records:
        raise SystemExit(f"{args.results} holds no benchmark record.")
    machine = records[0].get("machine", {})
    title = (
        f"sklstm against its references: {machine.get('cpu_count', '?')} CPUs, "
        f"torch {machine.get('torch', '?')}, {machine.get('torch_threads', '?')} torch threads"
    )
    if any(record.get("quick") for record in records):
        title += "\nQUICK RUN (small subsets): the figures are not meaningful"
    plot(bars(records), args.output, title)
    print(f"wrote {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
