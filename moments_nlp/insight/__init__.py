"""insight: what the labels mean for a business, read from a fitted model.

Explanations (``explain``), touchpoints (``touchpoint_matcher``), moments per touchpoint
(``moments``), shares of each label corrected for the model's errors (``shares`` with EM and the
bootstrap, ``kde_shares`` with KDEy-ML), the terms that carry a label (``drive_terms``), and
the HTML report (``report``, with its share sections in ``_report_shares`` and its charts in
``_report_charts``).

``spacy_component`` is the ``"moments_nlp"`` spaCy pipeline component (``doc.cats`` and the
touchpoint spans with their moments in ``doc.spans["moments"]``), registered through the
``spacy_factories`` entry point.

May import: ``model``, ``text`` and the base. Not ``training`` or ``io`` (siblings or above).
"""
