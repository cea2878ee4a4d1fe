"""text: reading one text, before any model sees it.

The spaCy tokenizer and normalization (:mod:`moments_nlp.text.preprocess`, with its rules in
``_normalize`` and its fast token table in ``_table`` / ``_chunks``), negation scope, the
sentiment lexicons (``_lexicon``), non-answers (``_non_answers``), sentences and clauses
(``_clauses``), and the locks that keep the shared tokenizer thread-safe (``_locks``).

May import: the base only (``labels``, ``errors``, ``_texts``).
"""
