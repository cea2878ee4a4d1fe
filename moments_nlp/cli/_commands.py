"""The ``moments-nlp`` command line: a thin layer over the library's functions.

Each command checks its paths and options, then calls the same function a notebook would:

=========  ==================================================================
label      :func:`moments_nlp.io.batch.label_file`
train      :func:`moments_nlp.train.train_file`
evaluate   :meth:`moments_nlp.MomentClassifier.evaluate` on a labeled file
info       the model card, readable
explain    :meth:`moments_nlp.MomentClassifier.explain`
report     :func:`moments_nlp.insight.report.report` on a labeled file
compare    :func:`~moments_nlp.training.compare.compare_models` (+ ``promote``)
suggest    :meth:`moments_nlp.MomentClassifier.suggest_labeling` on an unlabeled file
=========  ==================================================================

Run ``moments-nlp COMMAND --help`` for the options of each (declared in
:mod:`moments_nlp.cli._args`). Wherever a model folder is taken (``--model``, ``--base``,
``--champion``, ``--challenger``), ``default`` names the model shipped with the package. Errors
are printed with the command-line flags to change (``--force``), not the Python parameters.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from moments_nlp.cli._args import build_parser
from moments_nlp.errors import MomentsError, OutputExistsError

__all__ = ["main", "build_parser"]

Command = Callable[[argparse.Namespace], int]
_COMMANDS: dict[str, Command] = {}


def _command(name: str) -> Callable[[Command], Command]:
    def register(func: Command) -> Command:
        _COMMANDS[name] = func
        return func

    return register


def _load(args: argparse.Namespace, model: str | None = None) -> Any:
    """Load ``model`` (default: ``args.model``); ``None`` or ``"default"`` is the shipped one."""
    from moments_nlp.model.persist import load_model

    return load_model(model if model is not None else args.model,
                      trusted=getattr(args, "trusted", False))


def _read_options(args: argparse.Namespace) -> dict[str, Any]:
    """How to read the input file: the options of :func:`moments_nlp.io.read.inspect_layout`."""
    return {"sep": args.sep, "encoding": args.encoding, "skip_rows": args.skip_rows,
            "sheet": args.sheet, "header_row": args.header_row}


def _refuse_existing(path: str | Path, args: argparse.Namespace) -> None:
    if Path(path).exists() and not args.force:
        raise OutputExistsError(f"{path} exists; pass --force to replace it")


@_command("label")
def _label(args: argparse.Namespace) -> int:
    from moments_nlp.io.batch import label_file

    summary = label_file(
        args.input, args.output, text_column=args.text_column,
        model=_load(args) if args.model else None, chunk_size=args.chunk_size,
        n_process=args.n_process, show_progress=False if args.no_progress else None,
        force=args.force, min_confidence=args.min_confidence, dask=args.dask,
        moments=args.moments, overwrite=args.relabel, output_sep=args.output_sep,
        output_encoding=args.output_encoding, **_read_options(args),
    )
    print(summary)
    return 0


@_command("train")
def _train(args: argparse.Namespace) -> int:
    from moments_nlp.train import train_file

    out = Path(args.output)
    if out.exists() and any(out.iterdir()) and not args.force:
        raise OutputExistsError(f"{out} exists and is not empty; pass --force to replace it")
    clf = train_file(
        args.input, text_column=args.text_column, label_column=args.label_column,
        from_stars=args.from_stars, from_nps=args.from_nps, conflicts=args.conflicts,
        cv_folds=args.cv, base=args.base, output=out, format=args.format, plots=args.plots,
        duplicates=args.duplicates, show_progress=False if args.no_progress else None,
        read_options=_read_options(args), overwrite=args.force,
    )
    from moments_nlp.train import format_cv_report

    training = clf.card_["training"]
    print(f"training rows {training['rows']} (blank dropped {training['blank_rows_dropped']}, "
          f"duplicates {training['duplicates']['rows']}, conflicting texts "
          f"{training['conflicts']['texts']}), labels {training['label_counts']}")
    report = clf.card_.get("metrics", {}).get("cross_validated")
    if report:
        print(format_cv_report(report))
    else:
        why = ("it needs 2 or more folds, e.g. --cv 5" if args.cv == 1 else
               "the default; --cv 5 adds one, at the cost of 5 more fits")
        print(f"no cross-validated report with --cv {args.cv} ({why})"
              + ("; no plots either, they need the report" if args.plots else ""))
    if "base" in clf.card_:
        print(f"warm start from {clf.card_['base']['name']}, weight {clf.card_['base']['weight']}")
    print(f"model saved to {out}")
    return 0


@_command("compare")
def _compare(args: argparse.Namespace) -> int:
    from moments_nlp.io.read import read_labeled
    from moments_nlp.model.persist import default_model_path, resolve_model_path
    from moments_nlp.training.compare import compare_models, promote

    champion, challenger = (resolve_model_path(args.champion),
                            resolve_model_path(args.challenger))
    if args.promote and champion.resolve() == default_model_path().resolve():
        raise MomentsError("--promote copies the challenger over the champion's folder, and "
                           "the champion is the default model shipped with moments-nlp; copy "
                           "it to a folder of your own first and compare against that")
    texts, labels = read_labeled(args.input, text_column=args.text_column,
                                 label_column=args.label_column, from_stars=args.from_stars,
                                 from_nps=args.from_nps, **_read_options(args))
    result = compare_models(_load(args, str(champion)), _load(args, str(challenger)), texts,
                            labels, alpha=args.alpha)
    print(result)
    if args.promote:
        if promote(result, champion, challenger):
            print(f"promoted: {args.challenger} copied into {args.champion}")
        else:
            print(f"not promoted: {args.champion} left as it is")
    return 0


@_command("suggest")
def _suggest(args: argparse.Namespace) -> int:
    from moments_nlp.io.feedback import read_feedback

    if args.output:
        _refuse_existing(args.output, args)
    table = read_feedback(args.input, text_column=args.text_column, **_read_options(args))
    picks = _load(args).suggest_labeling(table[args.text_column], n=args.n)
    rows = _picked_rows(table, picks)
    if args.output:
        from moments_nlp.io.read import open_writer

        writer = open_writer(args.output)
        writer.write(rows)
        writer.close()
        print(f"{len(picks)} texts to label written to {args.output}")
    else:
        print(rows[["data_row", "predicted", "uncertainty", args.text_column]]
              .to_string(index=False, max_colwidth=80))
    return 0


def _picked_rows(table: Any, picks: Any) -> Any:
    """The input rows picked by ``suggest``, all their columns, plus the model's view of them.

    ``data_row`` is the row's number among the file's data rows, from 1 (the header and skipped
    rows not counted), so it can be found again in the file.
    """
    added = ["data_row", "predicted", "uncertainty"]
    clash = [c for c in added if c in table.columns]
    if clash:
        raise MomentsError(f"the input already has columns {clash}, which suggest adds; "
                           "rename or drop them")
    rows = table.loc[picks.index].copy()
    rows["data_row"] = picks.index + 1
    for column in added[1:]:
        rows[column] = picks[column].to_numpy()
    return rows.reset_index(drop=True)


@_command("evaluate")
def _evaluate(args: argparse.Namespace) -> int:
    from moments_nlp.io.read import read_labeled

    texts, labels = read_labeled(args.input, text_column=args.text_column,
                                 label_column=args.label_column, from_stars=args.from_stars,
                                 from_nps=args.from_nps, **_read_options(args))
    report = _load(args).evaluate(texts, labels)
    print(report)
    return 0


@_command("info")
def _info(args: argparse.Namespace) -> int:
    from moments_nlp.model.persist import read_card, resolve_model_path

    card = read_card(args.model)
    if args.json:
        print(json.dumps(card, indent=2))
        return 0
    print(format_card(card, str(resolve_model_path(args.model))))
    return 0


@_command("explain")
def _explain(args: argparse.Namespace) -> int:
    from moments_nlp.text._non_answers import is_non_answer

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
    from moments_nlp.insight.report import report
    from moments_nlp.io.feedback import read_feedback

    out = Path(args.output)
    _refuse_existing(out, args)
    table = read_feedback(args.input, text_column=args.text_column, **_read_options(args))
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
    except MomentsError as exc:  # flags in the message, not Python parameters
        print(f"moments-nlp {args.command}: error: {exc.cli_message()}", file=sys.stderr)
        return 2
    except (FileExistsError, FileNotFoundError) as exc:
        print(f"moments-nlp {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; no output file was left behind", file=sys.stderr)
        return 130

