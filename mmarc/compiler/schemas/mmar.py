"""Schemas of the MMAR's own files: training and validation configs, environment, datalist.

Clara 4.0 and 4.1 share one shape here: 4.1 only adds ``CLARA_TRAIN_VERSION``,
``key_metric``/``additional_metrics`` and explicit ``@`` wiring inside ``args``, which
the schema leaves to later stages. Slots that only Clara 3.x used (``image_pipeline``,
``aux_ops``, ``lr_policy``) are accepted so that a 3.x file is reported once, by the
version stage, rather than drowned in schema errors.

Top-level keys of a train or validation config that are not settings are the user's own
substitution variables (``"{learning_rate}"``), so they are allowed as long as they hold a
value, a list of values or a small object of them.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import ConfigDict, Field, PlainValidator, Tag, WithJsonSchema
from pydantic_core import PydanticCustomError

from mmarc.compiler.schemas.common import (
    Bool,
    Document,
    Mapping,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    Scalar,
    SchemaModel,
    Str,
    Var,
    choose,
    shape_tag,
)
from mmarc.compiler.schemas.components import (
    Component,
    ComponentSlot,
    DatasetSlot,
    MetricSlot,
    RefComponent,
    component_tag,
)

USER_VARIABLE_WORDS = "a string, number, boolean, null, a list of them, or a flat object of them"

_SCALAR_TYPES = {"type": ["string", "number", "boolean", "null"]}
_SCALAR_LIST = {"type": "array", "items": _SCALAR_TYPES}


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _is_flat(value: Any) -> bool:
    if isinstance(value, list):
        return all(_is_scalar(v) for v in value)
    return _is_scalar(value)


def _user_variable(value: Any) -> Any:
    if _is_flat(value):
        return value
    if isinstance(value, dict) and all(
        _is_flat(v) for k, v in value.items() if not str(k).startswith("_")
    ):
        return value
    raise PydanticCustomError(
        "mmarc_type", "expected {expected}", {"expected": USER_VARIABLE_WORDS, "variable": True}
    )


#: The value of a user variable: a scalar, a list of scalars, or a flat object of them.
#: One validator, not a union, so that a misplaced section gives one error at its key.
UserVariable = Annotated[
    Any,
    PlainValidator(_user_variable),
    WithJsonSchema(
        {
            "anyOf": [
                _SCALAR_TYPES,
                _SCALAR_LIST,
                {
                    "type": "object",
                    "additionalProperties": {"anyOf": [_SCALAR_TYPES, _SCALAR_LIST]},
                },
            ]
        }
    ),
]


class Determinism(SchemaModel):
    """Seeds for reproducible runs."""

    random_seed: Var[NonNegativeInt] = Field(
        description="Seed for Python, NumPy and PyTorch random generators."
    )


class RunSettings(Document):
    """Settings Clara reads from the top level of both train and validation configs."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, UserVariable] = Field(init=False)

    CLARA_TRAIN_VERSION: Str | None = Field(
        None, description='Clara Train release the file is written for (4.1 and later, "4.1.0").'
    )
    use_gpu: Var[Bool] | None = Field(None, description="Run on the GPU.")
    multi_gpu: Var[Bool] | None = Field(
        None, description="Use all GPUs of the machine (distributed data parallel)."
    )
    amp: Var[Bool] | None = Field(None, description="Automatic mixed precision.")
    tf32: Var[Bool] | None = Field(
        None, description="Allow TensorFloat-32 matrix maths on Ampere and later GPUs."
    )
    cudnn_benchmark: Var[Bool] | None = Field(
        None, description="Let cuDNN pick the fastest kernels (faster, not deterministic)."
    )
    determinism: Determinism | None = Field(None, description="Seeds for reproducible runs.")
    dont_load_ckpt_model: Var[Bool] | None = Field(
        None, description='Variable commonly used as "disabled" of the checkpoint loader.'
    )
    dont_load_ts_model: Var[Bool] | None = Field(
        None, description='Variable commonly used as "disabled" of the TorchScript loader.'
    )
    search: list[dict[str, Any]] | None = Field(
        None, description="Clara AutoML search space over the variables of this file."
    )


class _Slots(SchemaModel):
    """The component slots that train, validate and validation configs have in common."""

    loss: ComponentSlot | None = Field(None, description="Loss function.")
    optimizer: ComponentSlot | None = Field(None, description="Optimizer.")
    lr_scheduler: ComponentSlot | None = Field(None, description="Learning-rate scheduler.")
    model: ComponentSlot | None = Field(None, description="The network.")
    pre_transforms: ComponentSlot | None = Field(
        None, description="Transforms applied to each data item before the network."
    )
    dataset: DatasetSlot | None = Field(
        None, description="Dataset built from a datalist (data_list_file_path, data_list_key)."
    )
    dataloader: ComponentSlot | None = Field(None, description="Data loader.")
    inferer: ComponentSlot | None = Field(None, description="How the network is run on inputs.")
    iteration: ComponentSlot | None = Field(
        None, description="Custom iteration update (e.g. DeepGrow click interaction)."
    )
    handlers: ComponentSlot | None = Field(
        None, description="Event handlers: checkpoints, logging, validation, LR schedule."
    )
    post_transforms: ComponentSlot | None = Field(
        None, description="Transforms applied to the network output."
    )
    metrics: MetricSlot | None = Field(
        None, description='Clara 4.0 metrics; one of them has "is_key_metric": true.'
    )
    key_metric: MetricSlot | None = Field(
        None, description="Clara 4.1: the metric that selects the best model."
    )
    additional_metrics: MetricSlot | None = Field(
        None, description="Clara 4.1: metrics computed and logged besides the key metric."
    )
    image_pipeline: ComponentSlot | None = Field(None, description="Clara 3.x data pipeline.")
    aux_ops: ComponentSlot | None = Field(None, description="Clara 3.x auxiliary operations.")
    lr_policy: ComponentSlot | None = Field(None, description="Clara 3.x learning-rate policy.")


class TrainSection(_Slots):
    """The ``train`` section: what is built to train the network."""

    trainer: ComponentSlot | None = Field(
        None, description="The training engine (SupervisedTrainer)."
    )


class ValidateSection(_Slots):
    """The ``validate`` section: what is built to validate during training."""

    evaluator: ComponentSlot | None = Field(
        None, description="The validation engine (SupervisedEvaluator)."
    )


class TrainConfig(RunSettings):
    """Clara Train 4.x training configuration (config_train.json).

    Besides the settings below, any top-level key defines a variable that "{key}"
    placeholders elsewhere in the file refer to.
    """

    epochs: Var[PositiveInt] | None = Field(None, description="Number of training epochs.")
    num_interval_per_valid: Var[PositiveInt] | None = Field(
        None, description="Validate every this many epochs."
    )
    learning_rate: Var[PositiveFloat] | None = Field(None, description="Initial learning rate.")
    train: TrainSection = Field(description="Components that train the network.")
    validate_: ValidateSection | None = Field(
        None,
        alias="validate",
        title="validate",
        description="Components that validate the network during training.",
    )


class ModelLoader(SchemaModel):
    """Loads a trained network for validation: a TorchScript file or a checkpoint."""

    _one_of = ("ts_path", "ckpt_path")
    _one_of_message = 'a model loader needs "ts_path" or "ckpt_path"'

    ts_path: Str | None = Field(None, description="TorchScript model file ({MMAR_TORCHSCRIPT}).")
    ckpt_path: Str | None = Field(None, description="Checkpoint file ({MMAR_CKPT}).")
    disabled: Var[Bool] = Field(False, description="When true, this loader is skipped.")


def _model_item_tag(value: Any) -> str | None:
    if isinstance(value, dict) and not {"name", "path", "ref"} & value.keys():
        return "<loader>"
    return component_tag(value)


def _validation_model_tag(value: Any) -> str | None:
    return "<list>" if isinstance(value, list) else _model_item_tag(value)


_MODEL_WORDS = "a model loader (ts_path or ckpt_path) or a network component"

ModelItem = Annotated[
    Annotated[ModelLoader, Tag("<loader>")]
    | Annotated[Component, Tag("<component>")]
    | Annotated[RefComponent, Tag("<ref>")],
    choose(_model_item_tag, _MODEL_WORDS),
]

ValidationModel = Annotated[
    Annotated[Component, Tag("<component>")]
    | Annotated[RefComponent, Tag("<ref>")]
    | Annotated[ModelLoader, Tag("<loader>")]
    | Annotated[list[ModelItem], Tag("<list>")],
    choose(_validation_model_tag, f"{_MODEL_WORDS}, or a list of them"),
]


class ValidationConfig(RunSettings):
    """Clara Train 4.x validation configuration (config_validation.json).

    The slots sit at the top level; ``model`` lists the ways to load the trained network
    (the first one not disabled wins). Other top-level keys are variables.
    """

    model: ValidationModel | None = Field(
        None, description="Model loaders (ts_path / ckpt_path), or the network component."
    )
    pre_transforms: ComponentSlot | None = Field(None, description="Input transforms.")
    dataset: DatasetSlot | None = Field(None, description="Dataset built from a datalist.")
    dataloader: ComponentSlot | None = Field(None, description="Data loader.")
    inferer: ComponentSlot | None = Field(None, description="How the network is run on inputs.")
    iteration: ComponentSlot | None = Field(None, description="Custom iteration update.")
    handlers: ComponentSlot | None = Field(None, description="Event handlers.")
    post_transforms: ComponentSlot | None = Field(None, description="Output transforms.")
    metrics: MetricSlot | None = Field(None, description="Clara 4.0 metrics.")
    key_metric: MetricSlot | None = Field(None, description="Clara 4.1 key metric.")
    additional_metrics: MetricSlot | None = Field(None, description="Clara 4.1 additional metrics.")
    evaluator: ComponentSlot | None = Field(
        None, description="The validation engine (SupervisedEvaluator)."
    )


class Environment(Document):
    """MMAR environment (environment.json): variables for every config of the MMAR.

    A flat object of names to strings, numbers or booleans; configs refer to them as
    "{NAME}" (DATA_ROOT, DATASET_JSON, MMAR_CKPT_DIR...).
    """

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, Scalar] = Field(init=False)


# ---------------------------------------------------------------------------------------
# datalist
# ---------------------------------------------------------------------------------------

_PATHS_WORDS = "a file path or a list of file paths"


def _label_tag(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return "<number>"
    return shape_tag(value) if isinstance(value, str | list) else None


FilePaths = Annotated[
    Annotated[Str, Tag("<string>")] | Annotated[list[Str], Tag("<list>")],
    choose(shape_tag, _PATHS_WORDS),
]

Label = Annotated[
    Annotated[Str, Tag("<string>")]
    | Annotated[int | float, Tag("<number>")]
    | Annotated[list[Scalar], Tag("<list>")],
    choose(_label_tag, "a file path, a class number, or a list of paths or numbers"),
]


class DataItem(SchemaModel):
    """One data item: the image file(s), the label, and any other keys transforms read."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, Any] = Field(init=False)

    image: FilePaths = Field(
        description="Image file (relative to data_file_base_dir), or several (channels)."
    )
    label: Label | None = Field(
        None, description="Label file for segmentation, or class number(s) for classification."
    )


TestItem = Annotated[
    Annotated[Str, Tag("<string>")] | Annotated[DataItem, Tag("<object>")],
    choose(shape_tag, 'an image path or a data item (an object with "image")'),
]


class Datalist(Document):
    """Datalist in Medical Segmentation Decathlon form (dataset.json).

    Lists of data items keyed by split; datasets pick one with data_list_key. Extra
    top-level keys (other splits such as "fold1", or metadata) are allowed.
    """

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, Any] = Field(init=False)

    name: Str | None = Field(None, description="Dataset name.")
    description: Str | None = Field(None, description="What the data is.")
    reference: Str | None = Field(None, description="Where the data comes from.")
    licence: Str | None = Field(None, description="Data licence.")
    license: Str | None = Field(None, description="Data licence.")
    release: Str | None = Field(None, description="Release version and date.")
    tensorImageSize: Str | None = Field(None, description='"3D" or "4D".')
    modality: Mapping[Str] | None = Field(
        None, description='Imaging modality per input channel, e.g. {"0": "CT"}.'
    )
    labels: Mapping[Str] | None = Field(
        None, description='Class name per label value, e.g. {"0": "background"}.'
    )
    numTraining: NonNegativeInt | None = Field(None, description="Number of training items.")
    numValidation: NonNegativeInt | None = Field(None, description="Number of validation items.")
    numTest: NonNegativeInt | None = Field(None, description="Number of test items.")
    training: list[DataItem] | None = Field(None, description="Training items.")
    validation: list[DataItem] | None = Field(None, description="Validation items.")
    test: list[TestItem] | None = Field(
        None, description="Test items: image paths, or data items without labels."
    )
