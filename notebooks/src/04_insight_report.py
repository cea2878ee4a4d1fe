# %% [markdown]
# # 04 · Insight: touchpoints, explanations and the HTML report
#
# Carlzon's point: every contact point forms an impression. Which touchpoints produce Misery,
# and why?

# %%
import tempfile
from pathlib import Path

import pandas as pd

import moments_nlp as mn

clf = mn.load()
survey = pd.read_csv("../data/sample_survey.csv", keep_default_na=False)
labeled = clf.label(survey, text_column="comment", touchpoints=True)
labeled[["channel", "comment", "moment", "touchpoints"]].head(8)

# %% [markdown]
# ## Touchpoints
# Found with spaCy matchers on lemmas; extend or replace the vocabulary with a dict or a
# YAML/JSON file.

# %%
mn.touchpoints([
    "The restroom was filthy.",
    "We waited 45 minutes at the counter.",
    "I was charged twice for one order!",
    "The app keeps crashing when I pay.",
])

# %%
mn.touchpoints(["The sommelier picked a perfect wine."],
               vocabulary={"staff": ["sommelier"]})

# %% [markdown]
# ## Why a label?
# Exact contributions of the words toward the predicted label (the model is linear).

# %%
for text, terms in zip(
    ["The gate agent was rude and unhelpful.", "Absolutely wonderful crew, best flight ever!"],
    clf.explain(["The gate agent was rude and unhelpful.",
                 "Absolutely wonderful crew, best flight ever!"], top=4),
):
    print(text, "->", terms)

# %% [markdown]
# ## Misery and Magic rate per touchpoint

# %%
# the `touchpoints` column holds ";"-separated names (so it survives CSV and Excel)
exploded = (labeled[labeled["moment"].notna()]
            .assign(touchpoint=lambda d: d["touchpoints"].str.split(";"))
            .explode("touchpoint"))
exploded = exploded[exploded["touchpoint"].fillna("") != ""]
rates = pd.crosstab(exploded["touchpoint"], exploded["moment"], normalize="index")
rates["comments"] = exploded["touchpoint"].value_counts()
rates.reindex(columns=[*mn.LABELS, "comments"]).round(2).sort_values("misery", ascending=False)

# %% [markdown]
# ## The HTML report
# One self-contained page: shares with intervals, shares per channel, touchpoint rates, the terms
# that drive Misery, and example comments.

# %%
out = mn.report(labeled, by="channel", output=Path(tempfile.mkdtemp()) / "report.html")
html = out.read_text(encoding="utf-8")
print(out.name, f"{len(html) / 1024:.0f} KiB,", html.count("<img"), "embedded charts")
