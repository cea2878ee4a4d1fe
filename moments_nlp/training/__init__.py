"""Training: the source catalogue (more of the wing arrives with the package restructure)."""
