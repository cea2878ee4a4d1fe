"""``python -m moments_nlp.cli``: the ``moments-nlp`` command."""

from moments_nlp.cli._commands import main

raise SystemExit(main())
