"""Analyses built on a solved plan or a built LP: sweeps (and, as they land, explain, hedge, re-plan, store)."""
