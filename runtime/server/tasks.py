"""The names server and clients agree on: task kinds and how validate tasks name models.

One place, imported by both sides (:mod:`.workflow` and :mod:`mmarc.runtime.client.loop`).
"""

from __future__ import annotations

__all__ = ["GLOBAL_OWNER", "OWNER_SEP", "TASK_SUBMIT", "TASK_TRAIN", "TASK_VALIDATE"]

TASK_TRAIN = "train"
TASK_SUBMIT = "submit_model"
TASK_VALIDATE = "validate"
#: Owner name of the global model in cross-validation results and validate tasks.
GLOBAL_OWNER = "FL_global_model"
#: Separates owner and variable in the tensor names of a validate task.
OWNER_SEP = "/"
