"""The ``moments-nlp`` command line: a thin layer over the library's functions.

Each command checks its paths and options, then calls the same function a notebook would:

=========  ==================================================================
label      :func:`moments_nlp.batch.label_file`
train      :func:`moments_nlp.train.train_file`
evaluate   :meth:`moments_nlp.MomentClassifier.evaluate` on a labeled file
info       the model card, readable
explain    :meth:`moments_nlp.MomentClassifier.explain`
report     :func:`moments_nlp.html_report.report` on a labeled file
compare    :func:`moments_nlp.compare.compare_models` (+ :func:`~moments_nlp.compare.promote`)
suggest    :meth:`moments_nlp.MomentClassifier.suggest_labeling` on an unlabeled file
=========  ==================================================================

Run ``moments-nlp COMMAND --help`` for the options of each.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from moments_nlp.errors import MomentsError

__all__ = ["main", "build_parser"]

Command = Callable[[argparse.Namespace], int]
_COMMANDS: dict[str, Command] = {}


def _command(name: str) -> Callable[[Command], Command]:
    def register(func: Command) -> Command:
        _COMMANDS[name] = func
        return func

    return register


def _existing_file(value: str) -> Path:
    path = Path(value)
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"no such file: {value}")
    return path


def _model_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", metavar="DIR", default=None,
                        help="model folder (default: the model shipped with moments-nlp)")
    parser.add_argument("--trusted", action="store_true",
                        help="allow a pickled (joblib) model folder; pickles run code when loaded")


def _labeled_file_args(parser: argparse.ArgumentParser) -> None:
    """The options every command reading a labeled file shares (train, evaluate, compare)."""
    parser.add_argument("--text-column", required=True, help="column holding the feedback text")
    parser.add_argument("--label-column", required=True, help="column holding the labels")
    parser.add_argument("--from-stars", action="store_true",
                        help="labels are 1-5 star ratings: 1-2 misery, 3 ordinary, 4-5 magic")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``moments-nlp`` (all commands)."""
    parser = argparse.ArgumentParser(
        prog="moments-nlp",
        description="Label customer feedback as Moments of Magic, Ordinary or Moments of Misery.",
    )
    from moments_nlp import __version__

    parser.add_argument("--version", action="version", version=f"moments-nlp {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("label", help="label a survey export (csv, tsv, jsonl, parquet, xlsx)")
    p.add_argument("input", type=_existing_file, help="input file")
    p.add_argument("-o", "--output", required=True, help="output file (format from extension)")
    p.add_argument("--text-column", required=True,
                   help="column holding the feedback text (a dotted path such as "
                        "response.comment for nested JSONL records)")
    _model_arg(p)
    p.add_argument("--force", action="store_true", help="overwrite an existing output file")
    p.add_argument("--sep", default=None, metavar="CHAR",
                   help="CSV delimiter: ',' ';' tab '|' ... (default: sniffed)")
    p.add_argument("--encoding", default=None,
                   help="input encoding, e.g. cp1252 (default: UTF-8, else detected)")
    p.add_argument("--skip-rows", type=int, default=None, metavar="N",
                   help="rows after the header that are not data (default: 2 for a Qualtrics "
                        "export, detected, else 0)")
    p.add_argument("--chunk-size", type=int, default=20_000, help="rows per chunk")
    p.add_argument("--n-process", type=int, default=1, help="processes for spaCy")
    p.add_argument("--min-confidence", type=float, default=None,
                   help="add needs_review=True where the confidence is below this")
    p.add_argument("--dask", metavar="ADDRESS", default=None,
                   help="label on a Dask cluster: a scheduler address or 'local'")
    p.add_argument("--moments", metavar="OUT", default=None,
                   help="also write one row per (comment, touchpoint) moment to this file")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    p = sub.add_parser("train", help="train a model folder from a labeled file")
    p.add_argument("input", type=_existing_file)
    _labeled_file_args(p)
    p.add_argument("-o", "--output", required=True, metavar="MODEL_DIR")
    p.add_argument("--conflicts", choices=["error", "drop", "majority"], default="error",
                   help="what to do with a text that carries different labels")
    p.add_argument("--cv", type=int, default=5, help="folds of the cross-validated report")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.add_argument("--base", metavar="DIR", default=None,
                   help="warm start from this model folder ('default' = the shipped model)")
    p.add_argument("--plots", action="store_true",
                   help="also save confusion.png and learning_curve.png in the model folder")
    p.add_argument("--format", choices=["skops", "joblib"], default="skops")
    p.add_argument("--duplicates", choices=["keep", "drop"], default="keep",
                   help="keep or drop exact duplicate rows (they are counted either way)")
    p.add_argument("--force", action="store_true", help="replace an existing model folder")

    p = sub.add_parser("evaluate", help="score a model on a labeled file")
    p.add_argument("input", type=_existing_file)
    _labeled_file_args(p)
    _model_arg(p)

    p = sub.add_parser("info", help="show a model card")
    _model_arg(p)
    p.add_argument("--json", action="store_true", help="print the raw card.json")

    p = sub.add_parser("explain", help="show the words behind the label of each text")
    p.add_argument("texts", nargs="+", metavar="TEXT", help="one or more texts")
    p.add_argument("--top", type=int, default=5, help="terms per text")
    _model_arg(p)

    p = sub.add_parser("report", help="write an HTML report of a labeled (or unlabeled) file")
    p.add_argument("input", type=_existing_file, help="file written by 'moments-nlp label'")
    p.add_argument("--by", default=None, metavar="COL", help="column to break shares down by")
    p.add_argument("-o", "--output", default="report.html", help="HTML file to write")
    p.add_argument("--text-column", default="comment", help="column holding the feedback text")
    p.add_argument("--vocabulary", default=None, metavar="FILE",
                   help="extra touchpoints (JSON or YAML)")
    p.add_argument("--corrected", action=argparse.BooleanOptionalAction, default=None,
                   help="show the corrected share estimate beside the counted shares (default: "
                        "only for a model trained on your own labels, never for the shipped "
                        "model)")
    _model_arg(p)
    p.add_argument("--force", action="store_true", help="overwrite an existing output file")

    p = sub.add_parser("compare", help="champion vs challenger on held-out labeled data")
    p.add_argument("input", type=_existing_file, metavar="TEST_FILE")
    p.add_argument("--champion", required=True, metavar="DIR", help="model folder in use")
    p.add_argument("--challenger", required=True, metavar="DIR", help="candidate model folder")
    _labeled_file_args(p)
    p.add_argument("--alpha", type=float, default=0.05, help="significance level")
    p.add_argument("--promote", action="store_true",
                   help="copy the challenger over the champion if it is significantly better")
    p.add_argument("--trusted", action="store_true", help="allow pickled (joblib) folders")

    p = sub.add_parser("suggest", help="pick the unlabeled texts worth labeling next")
    p.add_argument("input", type=_existing_file)
    p.add_argument("--text-column", required=True)
    p.add_argument("-n", type=int, default=50, help="how many texts to suggest")
    p.add_argument("-o", "--output", default=None, help="write the picks to this file (csv ...)")
    p.add_argument("--force", action="store_true", help="overwrite an existing output file")
    _model_arg(p)

    return parser


def _load(args: argparse.Namespace) -> Any:
    from moments_nlp.persist import load_model

    return load_model(args.model, trusted=getattr(args, "trusted", False))


@_command("label")
def _label(args: argparse.Namespace) -> int:
    from moments_nlp.batch import label_file

    summary = label_file(
        args.input, args.output, text_column=args.text_column,
        model=_load(args) if args.model else None, chunk_size=args.chunk_size,
        n_process=args.n_process, show_progress=False if args.no_progress else None,
        force=args.force, min_confidence=args.min_confidence, dask=args.dask,
        sep=args.sep, encoding=args.encoding, skip_rows=args.skip_rows,
        moments=args.moments,
    )
    print(summary)
    return 0


@_command("train")
def _train(args: argparse.Namespace) -> int:
    from moments_nlp.train import train_file

    out = Path(args.output)
    if out.exists() and any(out.iterdir()) and not args.force:
        raise MomentsError(f"{out} exists and is not empty; pass --force to replace it")
    clf = train_file(
        args.input, text_column=args.text_column, label_column=args.label_column,
        from_stars=args.from_stars, conflicts=args.conflicts, cv_folds=args.cv,
        base=args.base, output=out, format=args.format, plots=args.plots,
        duplicates=args.duplicates, show_progress=False if args.no_progress else None,
    )
    from moments_nlp.train import format_cv_report

    training = clf.card_["training"]
    print(f"training rows {training['rows']} (blank dropped {training['blank_rows_dropped']}, "
          f"duplicates {training['duplicates']['rows']}, conflicting texts "
          f"{training['conflicts']['texts']}), labels {training['label_counts']}")
    report = clf.card_.get("metrics", {}).get("cross_validated")
    if report:
        print(format_cv_report(report))
    if "base" in clf.card_:
        print(f"warm start from {clf.card_['base']['name']}, weight {clf.card_['base']['weight']}")
    print(f"model saved to {out}")
    return 0


@_command("compare")
def _compare(args: argparse.Namespace) -> int:
    from moments_nlp.compare import compare_models, promote
    from moments_nlp.io import read_labeled
    from moments_nlp.persist import load_model

    texts, labels = read_labeled(args.input, text_column=args.text_column,
                                 label_column=args.label_column, from_stars=args.from_stars)
    result = compare_models(load_model(args.champion, trusted=args.trusted),
                            load_model(args.challenger, trusted=args.trusted), texts, labels,
                            alpha=args.alpha)
    print(result)
    if args.promote:
        if promote(result, args.champion, args.challenger):
            print(f"promoted: {args.challenger} copied into {args.champion}")
        else:
            print(f"not promoted: {args.champion} left as it is")
    return 0


@_command("suggest")
def _suggest(args: argparse.Namespace) -> int:
    from moments_nlp.io import read_table

    if args.output and Path(args.output).exists() and not args.force:
        raise FileExistsError(f"{args.output} exists; pass --force to overwrite it")
    table = read_table(args.input, columns=[args.text_column])
    picks = _load(args).suggest_labeling(table[args.text_column], n=args.n)
    if args.output:
        from moments_nlp.io import open_writer

        writer = open_writer(args.output)
        writer.write(picks.rename_axis("row").reset_index())
        writer.close()
        print(f"{len(picks)} texts to label written to {args.output}")
    else:
        with_row = picks[["predicted", "uncertainty", "text"]].rename_axis("row")
        print(with_row.to_string(max_colwidth=80))
    return 0


@_command("evaluate")
def _evaluate(args: argparse.Namespace) -> int:
    from moments_nlp.io import read_labeled

    texts, labels = read_labeled(args.input, text_column=args.text_column,
                                 label_column=args.label_column, from_stars=args.from_stars)
    report = _load(args).evaluate(texts, labels)
    print(report)
    return 0


@_command("info")
def _info(args: argparse.Namespace) -> int:
    from moments_nlp.persist import default_model_path, read_card

    card = read_card(args.model)
    if args.json:
        print(json.dumps(card, indent=2))
        return 0
    print(format_card(card, args.model or str(default_model_path())))
    return 0


@_command("explain")
def _explain(args: argparse.Namespace) -> int:
    from moments_nlp._non_answers import is_non_answer

    clf = _load(args)
    labels = clf.predict(args.texts)
    for text, label, terms in zip(args.texts, labels, clf.explain(args.texts, top=args.top)):
        print(f"{label or '(blank)':<9} {text}")
        if label is not None and not terms and is_non_answer(text):
            print("    a non-answer: labeled ordinary by rule, not by the model")
        for term, weight in terms:
            print(f"    {weight:+.3f}  {term}")
    return 0


@_command("report")
def _report(args: argparse.Namespace) -> int:
    from moments_nlp.html_report import report
    from moments_nlp.io import read_table

    out = Path(args.output)
    if out.exists() and not args.force:
        raise MomentsError(f"{out} exists; pass --force to replace it")
    table = read_table(args.input)
    path = report(table, by=args.by, output=out, text_column=args.text_column,
                  model=_load(args), vocabulary=args.vocabulary, corrected=args.corrected)
    print(f"report written to {path}")
    return 0


def format_card(card: dict[str, Any], where: str) -> str:
    """A model card as readable text (what ``moments-nlp info`` prints)."""
    lines = [f"model folder   {where}", f"created        {card.get('created', '?')}",
             f"labels         {', '.join(card.get('labels', []))}"]
    versions = card.get("versions", {})
    lines.append("versions       " + ", ".join(f"{k}={v}" for k, v in versions.items()))
    est = card.get("estimator", {})
    lines.append(f"estimator      {est.get('file')} ({est.get('format')}), "
                 f"sha256 {str(est.get('sha256', ''))[:16]}...")
    training = card.get("training", {})
    if training:
        lines.append(f"training rows  {training.get('rows')}  "
                     f"labels {training.get('label_counts')}")
        lines.append(f"data sha256    {training.get('sha256')}")
    for source in card.get("sources", []):
        lines.append(f"source         {source.get('name')} ({source.get('license')})")
    for name, metrics in card.get("metrics", {}).items():
        if isinstance(metrics, dict) and "macro_f1" in metrics:
            lines.append(f"metrics        {name}: macro-F1 {metrics['macro_f1']:.4f}, "
                         f"accuracy {metrics.get('accuracy', float('nan')):.4f}"
                         + (f" (n={metrics['n']})" if "n" in metrics else ""))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``moments-nlp`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except (MomentsError, FileExistsError, FileNotFoundError) as exc:
        print(f"moments-nlp {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; no output file was left behind", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
