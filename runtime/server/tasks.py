"""The names server and clients agree on: task kinds, how validate tasks name models, how
uploads are paced.

One place, imported by both sides (:mod:`.workflow` and :mod:`mmarc.runtime.client.loop`).
"""

from __future__ import annotations

__all__ = [
    "GLOBAL_OWNER",
    "OWNER_SEP",
    "TASK_SUBMIT",
    "TASK_TRAIN",
    "TASK_VALIDATE",
    "UPLOAD",
    "UPLOAD_WHEN_GRANTED",
]

TASK_TRAIN = "train"
TASK_SUBMIT = "submit_model"
TASK_VALIDATE = "validate"
#: Owner name of the global model in cross-validation results and validate tasks.
GLOBAL_OWNER = "FL_global_model"
#: Separates owner and variable in the tensor names of a validate task.
OWNER_SEP = "/"

#: Task meta key saying how a site sends its result, and its one value (upload slots,
#: :mod:`.slots`): announce a result that carries tensors (``ready``) and send it once
#: the server answers ``grant``. Without the key, a site sends at once.
UPLOAD = "upload"
UPLOAD_WHEN_GRANTED = "when_granted"
