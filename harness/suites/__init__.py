"""Suites: the model of a suite file, loading it with its item files, file:line problems."""

from harness.suites.load import check_suite, load_suite, suite_from_dict
from harness.suites.model import Form, Item, Sensitivity, Suite

__all__ = [
    "Form",
    "Item",
    "Sensitivity",
    "Suite",
    "check_suite",
    "load_suite",
    "suite_from_dict",
]
