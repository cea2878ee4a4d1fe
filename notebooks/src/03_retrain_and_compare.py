# %% [markdown]
# # 03 · Retrain on your own labels, compare with the default, clean the labels
#
# Teams retrain on their own labeled feedback. This notebook uses the project's seed corpus
# (`data/seed_feedback.csv`, 6,592 hand-written comments from 37 industries) so that it runs
# anywhere; with `../shared/data` present it also shows a small few-shot warm start on the
# airline tweets.

# %%
from pathlib import Path

import pandas as pd
from sklearn.model_selection import train_test_split

import moments_nlp as mn

seed = pd.read_csv("../data/seed_feedback.csv")
train_df, test_df = train_test_split(seed, test_size=0.3, stratify=seed["label"], random_state=1)
len(train_df), len(test_df)

# %% [markdown]
# ## Train with a cross-validated report
# `cv_folds=5` adds stratified 5-fold metrics to the model card.

# %%
clf = mn.train(train_df["text"], train_df["label"], cv_folds=5, cv=3)
print(clf.card_["training"])
cv = clf.card_["metrics"]["cross_validated"]
print(f"cross-validated macro-F1 {cv['macro_f1']:.3f}, accuracy {cv['accuracy']:.3f}")

# %% [markdown]
# ## Champion / challenger on held-out rows
# A paired bootstrap on macro-F1 (and McNemar's test) says whether the difference is real.
# Here the champion is the shipped default model (clothing reviews + the whole seed corpus, so it
# has seen these test rows: the comparison is only a demonstration).

# %%
result = mn.compare_models(mn.load(), clf, test_df["text"], test_df["label"])
print(result)

# %% [markdown]
# ## Find labeling mistakes
# Flip 20 labels on purpose and see whether `find_label_issues` puts them first.

# %%
noisy = train_df.reset_index(drop=True).copy()
flipped = noisy.sample(20, random_state=0).index
swap = {"magic": "misery", "misery": "ordinary", "ordinary": "magic"}
noisy.loc[flipped, "label"] = noisy.loc[flipped, "label"].map(swap)
issues = mn.find_label_issues(noisy["text"], noisy["label"], cv=3)
top = issues.head(20)
print(f"{top.index.isin(flipped).sum()} of the top 20 suspects were flipped on purpose")
top.join(noisy["text"]).head(8)

# %% [markdown]
# ## What to label next
# `suggest_labeling` picks the unlabeled texts the model is least sure about, without
# near-duplicates.

# %%
clf.suggest_labeling(test_df["text"], n=8)

# %% [markdown]
# ## Few-shot warm start (needs `../shared/data`)
# With only 100 labeled airline tweets per class, starting from the default model beats
# starting from scratch.

# %%
shared = Path("../../shared/data")
if (shared / "airline_tweets_train.csv").exists():
    air = pd.read_csv(shared / "airline_tweets_train.csv")
    air_test = pd.read_csv(shared / "airline_tweets_test.csv")
    few = air.groupby("label", group_keys=False).sample(100, random_state=0)
    scratch = mn.train(few["text"], few["label"])
    warm = mn.train(few["text"], few["label"], base=mn.load())
    print("from scratch:", round(scratch.evaluate(air_test["text"], air_test["label"]).macro_f1, 3))
    print("warm start:  ", round(warm.evaluate(air_test["text"], air_test["label"]).macro_f1, 3))
else:
    print("../shared/data not present: skipped")
