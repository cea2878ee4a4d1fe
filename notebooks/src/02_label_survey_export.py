# %% [markdown]
# # 02 · Label a survey export end to end
#
# `data/sample_survey.csv` is a realistic export: `response_id, submitted_at, channel, nps,
# comment`, about 200 rows, some comments blank. `mn.read_feedback` reads it exactly as the
# `moments-nlp label` command does (delimiter and encoding detected, a Qualtrics export's extra
# header rows skipped, `N/A` kept as the words a customer wrote, sheets and nested fields), so
# `clf.label` on the result gives the command's labels. `pd.read_csv` would not: it turns `N/A`
# into a blank and keeps header rows as comments.

# %%
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

import moments_nlp as mn

clf = mn.load()
survey = mn.read_feedback("../data/sample_survey.csv", text_column="comment")
print(survey.attrs["read_as"])
labeled = clf.label(survey, text_column="comment")
labeled.head(8)

# %% [markdown]
# For files too big for memory, `mn.label_file` streams the same reading and labeling from file
# to file in chunks, writes the output atomically (never a half-written file) and keeps every
# input row and column in order; its summary says how the file was read and written.

# %%
workdir = Path(tempfile.mkdtemp())
summary = mn.label_file("../data/sample_survey.csv", workdir / "labeled.parquet",
                        text_column="comment", show_progress=False)
print(summary)
streamed = pd.read_parquet(workdir / "labeled.parquet")
assert streamed["moment"].fillna("").tolist() == labeled["moment"].fillna("").tolist()

# %% [markdown]
# Blank comments stay unlabeled (`<NA>`) instead of being guessed:

# %%
labeled[labeled["moment"].isna()][["response_id", "channel", "comment", "moment"]].head()

# %% [markdown]
# ## Shares: counting labels vs. a corrected estimate
# Counting predicted labels is biased when the class balance differs from the training data.
# `estimate_shares` corrects for the model's own errors and for that shift, with bootstrap
# confidence intervals.

# %%
comments = labeled.loc[labeled["moment"].notna(), "comment"]
shares = clf.estimate_shares(comments, random_state=0)
shares["counted"] = labeled["moment"].value_counts(normalize=True).reindex(mn.LABELS)
shares.round(3)

# %%
ax = shares["share"].rename(index=mn.DISPLAY_NAMES).plot.bar(
    yerr=[shares["share"] - shares["ci_low"], shares["ci_high"] - shares["share"]],
    color=["#2a9d8f", "#adb5bd", "#e76f51"], rot=0, title="Estimated share of each moment")
ax.set_ylabel("share of comments")
plt.show()

# %% [markdown]
# ## By channel and NPS
# Misery rate per channel, and how the labels line up with the NPS score the customer gave.

# %%
by_channel = pd.crosstab(labeled["channel"], labeled["moment"], normalize="index").round(2)
by_channel

# %% [markdown]
# CSV cells are read as text, verbatim (so `007` stays `007` and a comment saying `NA` is a
# comment); convert the columns you compute with:

# %%
labeled["nps"] = pd.to_numeric(labeled["nps"])
labeled.groupby("moment")["nps"].describe()[["count", "mean", "50%"]].round(1)
