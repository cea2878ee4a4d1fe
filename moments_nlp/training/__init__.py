"""training: learning from labeled data, and checking what was learned.

Validation of labeled data (``validate``), cross-validation and learning curves
(``_crossval``), evaluation (``evaluate``), label quality and active learning (``quality``, with
the optional encoder fine-tune in ``_encoder``), champion / challenger comparison (``compare``),
the warm-start estimator (``_warmstart``), sentence-level examples cut from reviews
(``_sentence_signal``), training charts (``_plots``) and the source catalogue (``catalogue``).
The public :func:`moments_nlp.train` composes them over the public classifier.

May import: ``model``, ``text`` and the base. Not ``insight`` or ``io`` (siblings or above).
"""
