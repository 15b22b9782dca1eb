"""Training tools from cs231n lecture 6: the training loop, babysitting checks, weight-init
diagnostics and hyperparameter search over a crash-safe SQLite trial store.

>>> from graphgrad.train import fit, check_initial_loss, search, SearchSpace, LogUniform
"""
from .._extras import require

require("tqdm", "train", "graphgrad.train")     # progress bars: pip install 'graphgrad[train]'
from .checks import (CheckResult, LRSweep, check_initial_loss, check_overfit_small_subset, check_regularization,
                     lr_sweep)
from .init_diagnostics import LECTURE_CONFIGS, InitRun, activation_statistics, init_experiment
from .report import TrialPruned
from .search import SearchError, SearchResult, format_table, plan_stage, run_trial, search, toy_objective, trial_seed
from .space import Choice, Conditional, Int, LogUniform, RangeEdgeWarning, SearchSpace, SearchSpaceError, Uniform
from .store import StoreError, TrialRecord, TrialStore
from .trainer import (CheckpointError, DivergedWarning, History, accuracy, fit, load_checkpoint, objective, predict,
                      save_checkpoint)

__all__ = ["CheckResult", "LRSweep", "check_initial_loss", "check_overfit_small_subset", "check_regularization",
           "lr_sweep", "LECTURE_CONFIGS", "InitRun", "activation_statistics", "init_experiment",
           "SearchError", "SearchResult", "format_table", "plan_stage", "run_trial", "search", "toy_objective",
           "trial_seed", "Choice", "Conditional", "Int", "LogUniform", "RangeEdgeWarning", "SearchSpace", "SearchSpaceError", "Uniform",
           "StoreError", "TrialRecord", "TrialStore", "CheckpointError", "DivergedWarning", "History", "accuracy",
           "fit", "load_checkpoint", "objective", "predict", "save_checkpoint", "TrialPruned"]
