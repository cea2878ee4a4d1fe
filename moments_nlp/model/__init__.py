"""model: the estimator core, which fits and scores.

:class:`~moments_nlp.model.estimator.MomentEstimator` and its pipeline: features, counting and
the vocabulary (``features``, ``_counter``), the Newton solver (``_newton``), calibration
(``_calibrate``), the held-out sample kept for shares (``_held_out``), how a fit runs
(``_fitting``), scoring with its fast path and the sentence vote (``_scoring``,
``_sentence_vote``), worker processes (``_parallel``), model folders and safe loading
(``persist``).

May import: ``text`` and the base. Never ``insight``, ``training``, ``io`` or ``cli``, not even
lazily inside a function (an import-linter contract in ``pyproject.toml`` checks this).
"""
