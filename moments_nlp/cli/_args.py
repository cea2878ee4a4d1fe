"""The arguments of the ``moments-nlp`` command line: one parser, every option with its help.

:mod:`moments_nlp.cli` runs the commands; this module only declares them. Options shared by
several commands (the model folder, how an input file is read, the columns of a labeled file)
are declared once, in the ``_..._args`` helpers. ``--help`` shows each option's default.

Examples
--------
>>> args = build_parser().parse_args(["info", "--model", "default"])
>>> args.command, args.model
('info', 'default')
"""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["build_parser"]


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows ``(default: ...)`` after an option's help, except where there is nothing to show.

    Flags (default False), options without a default (None) and help texts that already say
    what the default is are left as they are.
    """

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if action.default in (None, False) or "default" in text:
            return text
        return super()._get_help_string(action) or text


def _existing_file(value: str) -> Path:
    path = Path(value)
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"no such file: {value}")
    return path


def _confidence(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not 0 <= number <= 1:  # NaN fails too
        raise argparse.ArgumentTypeError(f"a confidence between 0 and 1, got {value}")
    return number


def _model_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", metavar="DIR", default=None,
                        help="model folder, or 'default' (default: the model shipped with "
                             "moments-nlp)")
    _trusted_arg(parser)


def _trusted_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--trusted", action="store_true",
                        help="allow a pickled (joblib) model folder; loading a pickle can run "
                             "any code, so only for folders you made yourself")


def _read_args(parser: argparse.ArgumentParser) -> None:
    """How the input file is read (the options of :func:`moments_nlp.io.read.inspect_layout`)."""
    group = parser.add_argument_group("reading the input file")
    group.add_argument("--sep", default=None, metavar="CHAR",
                       help="CSV delimiter: ',' ';' tab '|' ... (default: sniffed)")
    group.add_argument("--encoding", default=None, metavar="ENC",
                       help="input encoding, e.g. cp1252 (default: UTF-8, else detected)")
    group.add_argument("--skip-rows", type=int, default=None, metavar="N",
                       help="rows after the header that are not data, in any format (default: "
                            "2 for a Qualtrics export, detected, else 0)")
    group.add_argument("--sheet", default=None, metavar="NAME|N",
                       help=".xlsx: the sheet to read, by name or by position from 0 "
                            "(default: the first)")
    group.add_argument("--header-row", type=int, default=None, metavar="N",
                       help=".xlsx: the row holding the column names, numbered from 1 as in "
                            "Excel (default: 1)")


def _labeled_file_args(parser: argparse.ArgumentParser) -> None:
    """The options every command reading a labeled file shares (train, evaluate, compare)."""
    parser.add_argument("--text-column", required=True, metavar="COL",
                        help="column holding the feedback text")
    parser.add_argument("--label-column", required=True, metavar="COL",
                        help="column holding the labels (magic / ordinary / misery, or a known "
                             "alias such as positive / neutral / negative)")
    scores = parser.add_mutually_exclusive_group()
    scores.add_argument("--from-stars", action="store_true",
                        help="labels are 1-5 star ratings: 1-2 misery, 3 ordinary, 4-5 magic")
    scores.add_argument("--from-nps", action="store_true",
                        help="labels are 0-10 NPS scores: 0-6 misery, 7-8 ordinary, 9-10 magic")


def _force_arg(parser: argparse.ArgumentParser, what: str = "an existing output file") -> None:
    parser.add_argument("--force", action="store_true", help=f"overwrite {what}")


def _progress_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def _add_label(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("label", help="label a survey export (csv, tsv, jsonl, parquet, xlsx)",
                       description="Label every row of a file; the output keeps every input "
                                   "row and column and adds the labels.",
                       formatter_class=_HelpFormatter)
    p.add_argument("input", type=_existing_file, help="the survey export to label")
    p.add_argument("-o", "--output", required=True, metavar="OUTPUT",
                   help="output file, format from its extension; never the input itself")
    p.add_argument("--text-column", required=True, metavar="COL",
                   help="column holding the feedback text (a dotted path such as "
                        "response.comment for nested JSONL records)")
    _model_args(p)
    _force_arg(p)
    p.add_argument("--chunk-size", type=int, default=20_000, metavar="N",
                   help="rows read, labeled and written at a time")
    p.add_argument("--n-process", type=int, default=1, metavar="N",
                   help="worker processes, each running the whole model (tokenizer, features "
                        "and classifier) on a share of every chunk; 1 labels in this process")
    p.add_argument("--min-confidence", type=_confidence, default=0.5, metavar="X",
                   help="needs_review=True where the confidence is below X (0 to 1)")
    p.add_argument("--relabel", action="store_true",
                   help="replace the columns labeling adds when the input already has them "
                        "(an already labeled file); without it, such an input is an error")
    p.add_argument("--output-sep", default=None, metavar="CHAR",
                   help="delimiter of a CSV output (default: the input's, for a CSV input; "
                        "else ',')")
    p.add_argument("--output-encoding", default=None, metavar="ENC",
                   help="encoding of a CSV / TSV output, e.g. utf-8-sig for Excel (default: "
                        "the input's, for a CSV / TSV input; else utf-8)")
    p.add_argument("--dask", metavar="ADDRESS", default=None,
                   help="label on a Dask cluster: a scheduler address or 'local'")
    p.add_argument("--moments", metavar="OUT", default=None,
                   help="also write one row per (comment, touchpoint) moment to this file")
    _progress_arg(p)
    _read_args(p)


def _add_train(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train a model folder from a labeled file",
                       description="Train a model on a labeled file and save it as a model "
                                   "folder; --cv K adds a cross-validated report (K extra "
                                   "fits).",
                       formatter_class=_HelpFormatter)
    p.add_argument("input", type=_existing_file, help="labeled file to train on")
    _labeled_file_args(p)
    p.add_argument("-o", "--output", required=True, metavar="MODEL_DIR",
                   help="model folder to write")
    p.add_argument("--conflicts", choices=["error", "drop", "majority"], default="error",
                   help="what to do with a text that carries different labels")
    p.add_argument("--cv", type=int, default=0, metavar="K",
                   help="folds of a cross-validated report, e.g. 5 (default: 0, no report, "
                        "as in mn.train; 1 is no report either)")
    _progress_arg(p)
    p.add_argument("--base", metavar="DIR", default=None,
                   help="warm start from this model folder ('default' = the shipped model)")
    p.add_argument("--plots", action="store_true",
                   help="also save confusion.png and learning_curve.png in the model folder")
    p.add_argument("--format", choices=["skops", "joblib"], default="skops",
                   help="estimator file format: skops loads only reviewed types; joblib is a "
                        "pickle, which needs --trusted to load")
    p.add_argument("--duplicates", choices=["keep", "drop"], default="keep",
                   help="keep or drop exact duplicate rows (they are counted either way)")
    _force_arg(p, "an existing model folder")
    _read_args(p)


def _add_evaluate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("evaluate", help="score a model on a labeled file",
                       description="Accuracy, macro-F1, per-class figures, confusion matrix and "
                                   "calibration error of a model on a labeled file.",
                       formatter_class=_HelpFormatter)
    p.add_argument("input", type=_existing_file, help="labeled file to score on")
    _labeled_file_args(p)
    _model_args(p)
    _read_args(p)


def _add_info(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("info", help="show a model card",
                       description="Show a model folder's card. Only card.json is read, never "
                                   "the estimator file, so no --trusted is needed.",
                       formatter_class=_HelpFormatter)
    p.add_argument("--model", metavar="DIR", default=None,
                   help="model folder, or 'default' (default: the model shipped with "
                        "moments-nlp)")
    p.add_argument("--json", action="store_true", help="print the raw card.json")


def _add_explain(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("explain", help="show the words behind the label of each text",
                       description="Label each text and show the words behind its label, with "
                                   "their weights (a non-answer is labeled by rule).",
                       formatter_class=_HelpFormatter)
    p.add_argument("texts", nargs="+", metavar="TEXT", help="one or more texts")
    p.add_argument("--top", type=int, default=5, metavar="N", help="terms per text")
    _model_args(p)


def _add_report(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="write an HTML report of a labeled (or unlabeled) file",
                       description="Write a self-contained HTML report of a labeled file: "
                                   "counted shares with intervals, by group (--by), drive "
                                   "terms, touchpoints and examples. An unlabeled file is "
                                   "labeled first.",
                       formatter_class=_HelpFormatter)
    p.add_argument("input", type=_existing_file, metavar="LABELED_FILE",
                   help="file written by 'moments-nlp label' (an unlabeled one is labeled)")
    p.add_argument("--text-column", required=True, metavar="COL",
                   help="column holding the feedback text")
    p.add_argument("--by", default=None, metavar="COL", help="column to break shares down by")
    p.add_argument("-o", "--output", default="report.html", metavar="HTML",
                   help="HTML file to write")
    p.add_argument("--vocabulary", default=None, metavar="FILE",
                   help="extra touchpoints (JSON or YAML)")
    p.add_argument("--corrected", action=argparse.BooleanOptionalAction, default=None,
                   help="show the corrected share estimate beside the counted shares (default: "
                        "only for a model trained on your own labels, never for the shipped "
                        "model)")
    _model_args(p)
    _force_arg(p)
    _read_args(p)


def _add_compare(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("compare", help="champion vs challenger on held-out labeled data",
                       description="Score two model folders on the same held-out labeled file "
                                   "with a paired significance test; --promote copies the "
                                   "challenger over the champion when it is significantly "
                                   "better.",
                       formatter_class=_HelpFormatter)
    p.add_argument("input", type=_existing_file, metavar="TEST_FILE",
                   help="labeled file neither model was trained on")
    p.add_argument("--champion", required=True, metavar="DIR",
                   help="model folder in use, or 'default' (the shipped model)")
    p.add_argument("--challenger", required=True, metavar="DIR",
                   help="candidate model folder, or 'default'")
    _labeled_file_args(p)
    p.add_argument("--alpha", type=float, default=0.05, help="significance level")
    p.add_argument("--promote", action="store_true",
                   help="copy the challenger over the champion folder if it is significantly "
                        "better (not into the shipped default model)")
    _trusted_arg(p)
    _read_args(p)


def _add_suggest(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("suggest", help="pick the unlabeled texts worth labeling next",
                       description="Pick the unlabeled texts whose labels would teach the "
                                   "model most: uncertain, diverse, no near-duplicates; print "
                                   "them or write the rows to -o.",
                       formatter_class=_HelpFormatter)
    p.add_argument("input", type=_existing_file, help="file of unlabeled texts")
    p.add_argument("--text-column", required=True, metavar="COL",
                   help="column holding the feedback text")
    p.add_argument("-n", type=int, default=50, help="how many texts to suggest")
    p.add_argument("-o", "--output", default=None, metavar="OUTPUT",
                   help="write the picked rows, with all their columns, to this file "
                        "(default: print them)")
    _force_arg(p)
    _model_args(p)
    _read_args(p)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``moments-nlp`` (all commands)."""
    from moments_nlp import __version__

    parser = argparse.ArgumentParser(
        prog="moments-nlp", formatter_class=_HelpFormatter,
        description="Label customer feedback as Moments of Magic, Ordinary or Moments of Misery.",
    )
    parser.add_argument("--version", action="version", version=f"moments-nlp {__version__}",
                        help="print the version and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in (_add_label, _add_train, _add_evaluate, _add_info, _add_explain, _add_report,
                _add_compare, _add_suggest):
        add(sub)
    return parser
