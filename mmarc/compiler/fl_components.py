"""Federated-learning component names: what Clara/NVFlare configs say, what mmarc runs.

Clara Train 4.0 FL configs name server and client components by short name
(``InTimeAccumulateWeightedAggregator``, ``PTFileModelPersistor``, ``SVTPrivacy``...) or by
the dotted path of a Clara (``medl.*``) or NVFlare (``nvflare.*``) class. mmarc does not
ship those classes: its runtime has its own equivalents. :data:`FL_COMPONENTS` is the
one table that maps each name to the ``mmarc.runtime`` class that stands in for it and
the arguments that class takes, so that the validator (here), the plan compiler and the
runtime cannot disagree about what a config means.

The 4.0 Early Access client also listed Clara's internal processors (admin request
handlers, compression, encryption hooks). Each is either *ignored* (mmarc does the same
job itself or the job does not exist in mmarc: an F001 info says so) or *unsupported*
(running without it would change what the config asks for: an F001 error that names
what is supported). A name in no row is unsupported.

MONAI components inside FL components (``model_persistor.args.model``) are ordinary
catalog components; :mod:`mmarc.compiler.check_components` checks them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from mmarc.compiler.component_sites import ComponentSite
from mmarc.compiler.kinds import FileKind

#: The file kinds whose components this module checks.
FL_KINDS = frozenset({FileKind.FED_SERVER, FileKind.FED_CLIENT})

#: Module roots of Clara's and NVFlare's own classes. They moved classes between modules
#: across releases; within these roots the class name identifies the component.
FL_MODULE_ROOTS = ("medl.", "nvflare.", "flare.", "mmarc.runtime.")


class Support(StrEnum):
    SUPPORTED = "supported"  # built as ``target``
    IGNORED = "ignored"  # accepted, not built; an info says why that is safe
    UNSUPPORTED = "unsupported"  # an error: mmarc cannot do what it asks
    #: a real Clara/NVFlare component (a valid config) that mmarc's runtime does not
    #: provide: an F001 info at validate; the plan has no runtime class for it
    EXTERNAL = "external"


@dataclass(frozen=True, slots=True)
class FLArg:
    """One argument an FL component accepts.

    ``types``: the JSON value types allowed (``bool`` never passes for ``int``/``float``
    unless listed). ``values``: for a mapping, the types of its values. ``component``:
    the value is itself a component (``model``, ``model_reader_writer``). ``minimum`` /
    ``maximum``: bounds of a number (``maximum`` excluded, ``minimum`` too when
    ``exclusive``).
    """

    name: str
    types: tuple[type, ...] = ()
    values: tuple[type, ...] = ()
    component: bool = False
    minimum: float | None = None
    maximum: float | None = None
    exclusive: bool = False

    def out_of_range(self, value: float) -> str | None:
        """Why a number is outside the bounds (None: inside)."""
        low, high = self.minimum, self.maximum
        if low is not None and (value <= low if self.exclusive else value < low):
            return f"must be {'>' if self.exclusive else '>='} {low:g}"
        if high is not None and value >= high:
            return f"must be < {high:g}"
        return None


@dataclass(frozen=True, slots=True)
class FLComponent:
    """One FL component name and its mmarc equivalent.

    ``role`` is what it does (``aggregator``, ``filter``...), matched against the slot it
    sits in (:data:`SLOT_ROLES`). ``target`` is the ``mmarc.runtime`` class built for it
    (None when ignored or unsupported); ``note`` says why for those.
    """

    name: str
    role: str
    target: str | None
    args: tuple[FLArg, ...] = ()
    support: Support = Support.SUPPORTED
    paths: tuple[str, ...] = ()
    note: str = ""

    def arg(self, name: str) -> FLArg | None:
        for a in self.args:
            if a.name == name:
                return a
        return None


_NUMBER = (int, float)
_EXCLUDE = FLArg("exclude_vars", (str, list))


def _ignored(name: str, role: str, note: str) -> FLComponent:
    return FLComponent(name, role, None, (), Support.IGNORED, (), note)


def _unsupported(name: str, role: str, note: str) -> FLComponent:
    return FLComponent(name, role, None, (), Support.UNSUPPORTED, (), note)


_ADMIN = "mmarc's client answers admin requests itself"

#: FedAdam/FedYogi: FedAvg's arguments plus the server optimiser's (Reddi et al. 2021).
_FEDOPT_ARGS = (
    FLArg("aggregation_weights", (dict,), _NUMBER),
    _EXCLUDE,
    FLArg("eta", _NUMBER, minimum=0.0, exclusive=True),
    FLArg("beta1", _NUMBER, minimum=0.0, maximum=1.0),
    FLArg("beta2", _NUMBER, minimum=0.0, maximum=1.0),
    FLArg("tau", _NUMBER, minimum=0.0, exclusive=True),
)

#: THE alias table: every FL component name mmarc knows, supported or not.
FL_COMPONENTS: tuple[FLComponent, ...] = (
    # -- server ---------------------------------------------------------------------------
    FLComponent(
        "InTimeAccumulateWeightedAggregator",
        "aggregator",
        "mmarc.runtime.aggregation.InTimeAccumulator",
        (FLArg("aggregation_weights", (dict,), _NUMBER), _EXCLUDE),
    ),
    FLComponent(
        "FedAdamAggregator",
        "aggregator",
        "mmarc.runtime.aggregation.FedAdam",
        _FEDOPT_ARGS,
        note="FedAvg's average as the pseudo-gradient of Adam on the server (Reddi et al.)",
    ),
    FLComponent(
        "FedYogiAggregator",
        "aggregator",
        "mmarc.runtime.aggregation.FedYogi",
        _FEDOPT_ARGS,
        note="FedAvg's average as the pseudo-gradient of Yogi on the server (Reddi et al.)",
    ),
    FLComponent(
        # NVFlare 1.0's name: the same weighted average, computed when the round closes
        "AccumulateWeightedAggregator",
        "aggregator",
        "mmarc.runtime.aggregation.InTimeAccumulator",
        (FLArg("aggregation_weights", (dict,), _NUMBER), _EXCLUDE),
    ),
    FLComponent(
        "PTFileModelPersistor",
        "persistor",
        "mmarc.runtime.server.persistor.ModelPersistor",
        (_EXCLUDE, FLArg("model", (dict,), component=True)),
    ),
    FLComponent(
        "FullModelShareableGenerator",
        "shareable_generator",
        "mmarc.runtime.server.shareable.FullModelShareable",
    ),
    FLComponent(
        "IntimeModelSelectionHandler",
        "handler",
        "mmarc.runtime.server.selection.BestModelSelector",
        paths=(
            "nvflare.components.handlers.intime_model_selection_handler."
            "IntimeModelSelectionHandler",
        ),
    ),
    # -- client ---------------------------------------------------------------------------
    FLComponent(
        "ClientTrainer",
        "trainer",
        "mmarc.runtime.client.trainer.ClientTrainer",
        (
            FLArg("local_epochs", (int,)),
            FLArg("steps_aggregation", (int,)),
            FLArg("model_reader_writer", (dict,), component=True),
            FLArg("fedprox_mu", _NUMBER, minimum=0.0),
        ),
        paths=("medl.apps.fed_learn.trainers.client_trainer.ClientTrainer",),
    ),
    FLComponent(
        "ClientValidator",
        "validator",
        "mmarc.runtime.client.validator.ClientValidator",
        paths=("medl.apps.fed_learn.validators.client_validator.ClientValidator",),
    ),
    FLComponent(
        "PTModelReaderWriter",
        "model_reader_writer",
        "mmarc.runtime.client.trainer.ModelReaderWriter",
    ),
    FLComponent(
        "PercentilePrivacy",
        "filter",
        "mmarc.runtime.filters.PercentilePrivacy",
        (FLArg("percentile", _NUMBER), FLArg("gamma", _NUMBER)),
    ),
    FLComponent(
        "SVTPrivacy",
        "filter",
        "mmarc.runtime.filters.SVTPrivacy",
        (
            FLArg("fraction", _NUMBER),
            FLArg("epsilon", _NUMBER),
            FLArg("noise_var", _NUMBER),
            FLArg("gamma", _NUMBER),
            FLArg("tau", _NUMBER),
            FLArg("seed", (int, type(None))),
        ),
    ),
    FLComponent("ExcludeVars", "filter", "mmarc.runtime.filters.ExcludeVars", (_EXCLUDE,)),
    # -- homomorphic encryption (Clara 4.0 adminMMAR_HE, NVFlare 1.0 experimental) ----------
    FLComponent(
        "HEInTimeAccumulateWeightedAggregator",
        "aggregator",
        "mmarc.runtime.aggregation.HEFedAvg",
        (
            FLArg("aggregation_weights", (dict,), _NUMBER),
            _EXCLUDE,
            FLArg("expected_data_kind", (str,)),
            FLArg("weigh_by_local_iter", (bool,)),
        ),
        note="adds the sites' encrypted updates; the server holds the public context only",
    ),
    FLComponent(
        "HEPTFileModelPersistor",
        "persistor",
        "mmarc.runtime.server.persistor.ModelPersistor",
        (_EXCLUDE, FLArg("model", (dict,), component=True)),
        note="saves the global model with its encrypted layers as ciphertext bytes",
    ),
    FLComponent(
        "HEModelShareableGenerator",
        "shareable_generator",
        "mmarc.runtime.server.shareable.FullModelShareable",
    ),
    FLComponent(
        "HEModelEncryptor",
        "filter",
        "mmarc.runtime.filters.HEModelEncryptor",
        (
            FLArg("encrypt_layers", (list, str, bool, type(None))),
            FLArg("aggregation_weights", (dict,), _NUMBER),
            FLArg("weigh_by_local_iter", (bool,)),
        ),
    ),
    FLComponent("HEModelDecryptor", "filter", "mmarc.runtime.filters.HEModelDecryptor"),
    FLComponent("HEEvalDecryptor", "filter", "mmarc.runtime.filters.HEEvalDecryptor"),
    FLComponent(
        "HEPTModelReaderWriter",
        "model_reader_writer",
        "mmarc.runtime.client.trainer.ModelReaderWriter",
    ),
    # -- Clara internals of the 4.0 Early Access client -------------------------------------
    _ignored(
        "IteratorNumberGenerator",
        "processor",
        "mmarc's client reports its iteration count with every update itself",
    ),
    _ignored(
        "BestMetricGenerator",
        "processor",
        "mmarc's client reports its best validation metric with every update itself",
    ),
    _ignored("DataCompressor", "processor", "mmarc's transport frames model updates itself"),
    _ignored("DataDeCompressor", "processor", "mmarc's transport frames model updates itself"),
    _ignored(
        "ModelEncryptor",
        "processor",
        "mmarc encrypts whole connections (CurveZMQ, when the project is provisioned with "
        "keys) instead of model payloads",
    ),
    _ignored(
        "ModelDecryptor",
        "processor",
        "mmarc encrypts whole connections (CurveZMQ, when the project is provisioned with "
        "keys) instead of model payloads",
    ),
    *(
        _ignored(name, "processor", _ADMIN)
        for name in (
            "StartClientProcessor",
            "ClientStatusProcessor",
            "AbortClientProcessor",
            "ShutdownClientProcessor",
            "DeployProcessor",
            "ValidateRequestProcessor",
            "DeleteRunNumberProcessor",
            "SysInfoProcessor",
            "RestartClientProcessor",
        )
    ),
    # the Early Access server's admin command modules and result processors
    *(
        _ignored(name, "processor", "mmarc's server answers admin commands itself")
        for name in (
            "TrainingCommandModule",
            "ValidationCommandModule",
            "SystemCommandModule",
            "ValidateResultProcessor",
        )
    ),
    _ignored(
        "ShellCommandModule",
        "processor",
        "mmarc runs no remote shell commands; the admin console's shell commands are refused",
    ),
    _ignored(
        "ShellCommandProcessor",
        "processor",
        "mmarc runs no remote shell commands; the admin console's shell commands are refused",
    ),
    _ignored(
        "StartClientMGpuProcessor",
        "processor",
        "the admin console's multi-GPU start is refused: mmarc trains each client in one "
        "process on one device",
    ),
    # -- Clara 3.x (TensorFlow) and Early Access server names ----------------------------------
    _unsupported(
        "PTModelSaver",
        "persistor",
        "the Early Access model saver; Clara 4.0 uses model_persistor with PTFileModelPersistor",
    ),
    _unsupported(
        "TFModelReaderWriter",
        "model_reader_writer",
        "Clara 3.x (TensorFlow); use PTModelReaderWriter",
    ),
    _unsupported("TFModelValidator", "validator", "Clara 3.x (TensorFlow); use ClientValidator"),
    _unsupported("TFModelSaver", "persistor", "Clara 3.x (TensorFlow); use PTFileModelPersistor"),
    _unsupported(
        "ModelAggregator",
        "aggregator",
        "the Clara 3.x and 4.0 Early Access aggregator; use InTimeAccumulateWeightedAggregator",
    ),
    _unsupported(
        "FedProxAggregator",
        "aggregator",
        "FedProx aggregates as FedAvg: use InTimeAccumulateWeightedAggregator here and set "
        '"fedprox_mu" in the client_trainer args of config_fed_client.json',
    ),
)

#: The role a slot holds (the slot is the key a component sits under).
SLOT_ROLES: Mapping[str, str] = MappingProxyType(
    {
        "aggregator": "aggregator",
        "model_persistor": "persistor",
        "model_saver": "persistor",
        "shareable_generator": "shareable_generator",
        "handlers": "handler",
        "client_trainer": "trainer",
        "model_validator": "validator",
        "outbound_filters": "filter",
        "inbound_filters": "filter",
        "model_reader_writer": "model_reader_writer",
        "pre_processors": "processor",
        "post_processors": "processor",
        "req_processors": "processor",
        "admin_cmd_modules": "processor",
        "result_processors": "processor",
    }
)

#: Arguments of FL components whose value is another FL component (checked here, not
#: by the catalog); ``model`` is a MONAI network and goes to the catalog.
FL_COMPONENT_ARGS = frozenset({"model_reader_writer"})

_BY_NAME: dict[str, FLComponent] = {c.name: c for c in FL_COMPONENTS}
_BY_PATH: dict[str, FLComponent] = {p: c for c in FL_COMPONENTS for p in c.paths}
# a runtime class stands for its first row (the plain one, not an alias such as HE's)
_BY_PATH.update({c.target: c for c in reversed(FL_COMPONENTS) if c.target})


def fl_component(name_or_path: str) -> FLComponent | None:
    """The row for a config's ``name`` or ``path`` (``Name#alias`` allowed), if any."""
    text = name_or_path.split("#", 1)[0].strip()
    if text in _BY_PATH:
        return _BY_PATH[text]
    if "." not in text:
        return _BY_NAME.get(text)
    if text.startswith(FL_MODULE_ROOTS):
        return _BY_NAME.get(text.rsplit(".", 1)[-1])
    return None


def runtime_target(name_or_path: str) -> str | None:
    """The ``mmarc.runtime`` class built for an FL name (None: not a supported one)."""
    found = fl_component(name_or_path)
    return found.target if found is not None and found.support is Support.SUPPORTED else None


def runtime_path(name: str | None, path: str | None) -> str | None:
    """:func:`runtime_target` for a component's ``name`` and ``path`` (name first), the form
    :func:`mmarc.compiler.resolve.resolve_class` asks with."""
    for text in (name, path):
        if text:
            found = runtime_target(text)
            if found is not None:
                return found
    return None


def site_name(site: ComponentSite) -> str | None:
    return site.declared_name if site.declared_name is not None else site.path


def handled_by_fl(site: ComponentSite) -> bool:
    """Whether a component of an FL file is an FL component (checked by this module).

    Top-level slots and FL-valued arguments (``model_reader_writer``) are; a nested
    component is also when it names an FL class. Everything else (the persistor's
    ``model``) is a catalog component.
    """
    if not site.nested or site.slot in FL_COMPONENT_ARGS:
        return True
    name = site_name(site)
    if name is None:
        return False
    return fl_component(name) is not None or name.startswith(FL_MODULE_ROOTS)
