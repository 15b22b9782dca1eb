"""Training tools from cs231n lecture 6: hyperparameter search over a SQLite trial store.

>>> from graphgrad.train import SearchSpace, LogUniform, search
"""
from .search import SearchError, SearchResult, format_table, plan_stage, run_trial, search, toy_objective, trial_seed
from .space import Choice, LogUniform, RangeEdgeWarning, SearchSpace, SearchSpaceError, Uniform
from .store import StoreError, TrialRecord, TrialStore

__all__ = ["SearchError", "SearchResult", "format_table", "plan_stage", "run_trial", "search", "toy_objective",
           "trial_seed", "Choice", "LogUniform", "RangeEdgeWarning", "SearchSpace", "SearchSpaceError", "Uniform",
           "StoreError", "TrialRecord", "TrialStore"]
