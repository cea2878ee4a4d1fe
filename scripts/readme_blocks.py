"""Write the README's fenced code blocks of one language to files, so CI can run them as they are.

Used by ``.ci/plain_install`` to run the README's Python examples against a plain
``pip install`` of the wheel, from a folder outside the checkout, and by ``tests/test_readme.py``
and ``tests/test_docs.py`` to run the blocks of README.md and ``docs/*.md``::

    python scripts/readme_blocks.py README.md OUT_DIR            # python blocks
    python scripts/readme_blocks.py README.md OUT_DIR --language bash

Each block becomes ``OUT_DIR/readme_<language>_<n>.<ext>`` (``n`` from 0, in README order); the
paths are printed one a line. The pattern is the one ``tests/test_readme.py`` uses.
"""

from __future__ import annotations

import argparse
import ast
import itertools
import re
import sys
from pathlib import Path

_EXTENSIONS = {"python": "py", "bash": "sh"}


def readme_blocks(text: str, language: str = "python") -> list[str]:
    """The bodies of the fenced code blocks marked ``language``, in order.

    Examples
    --------
    >>> readme_blocks("x\\n```python\\nprint(1)\\n```\\n```bash\\nls\\n```\\n")
    ['print(1)\\n']
    """
    return re.findall(rf"```{re.escape(language)}\n(.*?)```", text, flags=re.DOTALL)



def printed_with_their_output(code: str) -> list[tuple[str, str]]:
    """``print(EXPR)`` lines followed by a ``# LITERAL`` comment line that spells its output.

    The tests evaluate each ``EXPR`` after running the block and compare it with ``LITERAL``.

    Examples
    --------
    >>> printed_with_their_output("x = 2\\nprint(x + 1)\\n# 3\\nprint(x)\\n# two, in words\\n")
    [('x + 1', '3')]
    """
    lines = code.splitlines()
    pairs = []
    for line, after in itertools.pairwise(lines):
        match = re.fullmatch(r"print\((.+)\)", line.strip())
        if match and after.startswith("# "):
            try:
                ast.literal_eval(after[2:])
            except (ValueError, SyntaxError):
                continue  # a comment in words, not an output
            pairs.append((match.group(1), after[2:]))
    return pairs

def main(argv: list[str] | None = None) -> int:
    """Write the blocks and print their paths; exit code 1 when there are none."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("readme", type=Path)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--language", default="python")
    args = parser.parse_args(argv)
    blocks = readme_blocks(args.readme.read_text(encoding="utf-8"), args.language)
    if not blocks:
        print(f"no {args.language} blocks in {args.readme}", file=sys.stderr)
        return 1
    args.out_dir.mkdir(parents=True, exist_ok=True)
    ext = _EXTENSIONS.get(args.language, "txt")
    for index, block in enumerate(blocks):
        path = args.out_dir / f"readme_{args.language}_{index}.{ext}"
        path.write_text(block, encoding="utf-8")
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
