# Generated from schemas/config_validation.draft-07.schema.json by
# `mmarc schema --out schemas --validators mmarc/compiler/schemas/compiled`
# with fastjsonschema 2.22.3's compile_to_code, then edited by
# mmarc/compiler/schemas/fastpath_build.py (no annotations, no defaults, strict
# integers, a local exception class). Do not edit: regenerate.
# mypy: ignore-errors
VERSION = "2.22.3"
import re
class JsonSchemaValueException(ValueError):
    """The data does not follow the schema (the fast path then asks the models)."""


JsonSchemaValuesException = JsonSchemaValueException


REGEX_PATTERNS = {
    '^_': re.compile('^_'),
    '^\\{[A-Za-z_][A-Za-z0-9_]*\\}$': re.compile('^\\{[A-Za-z_][A-Za-z0-9_]*\\}\\Z')
}

NoneType = type(None)

def validate(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        if "$schema" in data_keys:
            data_keys.remove("$schema")
            data__schema = data["$schema"]
            data__schema_any_of_count1 = 0
            if not data__schema_any_of_count1:
                try:
                    if not isinstance(data__schema, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".$schema must be string")
                    data__schema_any_of_count1 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__schema_any_of_count1:
                try:
                    if not isinstance(data__schema, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".$schema must be null")
                    data__schema_any_of_count1 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__schema_any_of_count1:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".$schema cannot be validated by any definition")
        if "CLARA_TRAIN_VERSION" in data_keys:
            data_keys.remove("CLARA_TRAIN_VERSION")
            data__CLARATRAINVERSION = data["CLARA_TRAIN_VERSION"]
            data__CLARATRAINVERSION_any_of_count2 = 0
            if not data__CLARATRAINVERSION_any_of_count2:
                try:
                    if not isinstance(data__CLARATRAINVERSION, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".CLARA_TRAIN_VERSION must be string")
                    data__CLARATRAINVERSION_any_of_count2 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__CLARATRAINVERSION_any_of_count2:
                try:
                    if not isinstance(data__CLARATRAINVERSION, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".CLARA_TRAIN_VERSION must be null")
                    data__CLARATRAINVERSION_any_of_count2 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__CLARATRAINVERSION_any_of_count2:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".CLARA_TRAIN_VERSION cannot be validated by any definition")
        if "use_gpu" in data_keys:
            data_keys.remove("use_gpu")
            data__usegpu = data["use_gpu"]
            data__usegpu_any_of_count3 = 0
            if not data__usegpu_any_of_count3:
                try:
                    if not isinstance(data__usegpu, (bool)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".use_gpu must be boolean")
                    data__usegpu_any_of_count3 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__usegpu_any_of_count3:
                try:
                    validate___definitions_placeholder(data__usegpu, custom_formats, (name_prefix or "data") + ".use_gpu")
                    data__usegpu_any_of_count3 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__usegpu_any_of_count3:
                try:
                    if not isinstance(data__usegpu, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".use_gpu must be null")
                    data__usegpu_any_of_count3 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__usegpu_any_of_count3:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".use_gpu cannot be validated by any definition")
        if "multi_gpu" in data_keys:
            data_keys.remove("multi_gpu")
            data__multigpu = data["multi_gpu"]
            data__multigpu_any_of_count4 = 0
            if not data__multigpu_any_of_count4:
                try:
                    if not isinstance(data__multigpu, (bool)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".multi_gpu must be boolean")
                    data__multigpu_any_of_count4 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__multigpu_any_of_count4:
                try:
                    validate___definitions_placeholder(data__multigpu, custom_formats, (name_prefix or "data") + ".multi_gpu")
                    data__multigpu_any_of_count4 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__multigpu_any_of_count4:
                try:
                    if not isinstance(data__multigpu, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".multi_gpu must be null")
                    data__multigpu_any_of_count4 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__multigpu_any_of_count4:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".multi_gpu cannot be validated by any definition")
        if "amp" in data_keys:
            data_keys.remove("amp")
            data__amp = data["amp"]
            data__amp_any_of_count5 = 0
            if not data__amp_any_of_count5:
                try:
                    if not isinstance(data__amp, (bool)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".amp must be boolean")
                    data__amp_any_of_count5 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__amp_any_of_count5:
                try:
                    validate___definitions_placeholder(data__amp, custom_formats, (name_prefix or "data") + ".amp")
                    data__amp_any_of_count5 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__amp_any_of_count5:
                try:
                    if not isinstance(data__amp, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".amp must be null")
                    data__amp_any_of_count5 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__amp_any_of_count5:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".amp cannot be validated by any definition")
        if "tf32" in data_keys:
            data_keys.remove("tf32")
            data__tf32 = data["tf32"]
            data__tf32_any_of_count6 = 0
            if not data__tf32_any_of_count6:
                try:
                    if not isinstance(data__tf32, (bool)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".tf32 must be boolean")
                    data__tf32_any_of_count6 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__tf32_any_of_count6:
                try:
                    validate___definitions_placeholder(data__tf32, custom_formats, (name_prefix or "data") + ".tf32")
                    data__tf32_any_of_count6 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__tf32_any_of_count6:
                try:
                    if not isinstance(data__tf32, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".tf32 must be null")
                    data__tf32_any_of_count6 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__tf32_any_of_count6:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".tf32 cannot be validated by any definition")
        if "cudnn_benchmark" in data_keys:
            data_keys.remove("cudnn_benchmark")
            data__cudnnbenchmark = data["cudnn_benchmark"]
            data__cudnnbenchmark_any_of_count7 = 0
            if not data__cudnnbenchmark_any_of_count7:
                try:
                    if not isinstance(data__cudnnbenchmark, (bool)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".cudnn_benchmark must be boolean")
                    data__cudnnbenchmark_any_of_count7 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__cudnnbenchmark_any_of_count7:
                try:
                    validate___definitions_placeholder(data__cudnnbenchmark, custom_formats, (name_prefix or "data") + ".cudnn_benchmark")
                    data__cudnnbenchmark_any_of_count7 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__cudnnbenchmark_any_of_count7:
                try:
                    if not isinstance(data__cudnnbenchmark, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".cudnn_benchmark must be null")
                    data__cudnnbenchmark_any_of_count7 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__cudnnbenchmark_any_of_count7:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".cudnn_benchmark cannot be validated by any definition")
        if "determinism" in data_keys:
            data_keys.remove("determinism")
            data__determinism = data["determinism"]
            data__determinism_any_of_count8 = 0
            if not data__determinism_any_of_count8:
                try:
                    validate___definitions_determinism(data__determinism, custom_formats, (name_prefix or "data") + ".determinism")
                    data__determinism_any_of_count8 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__determinism_any_of_count8:
                try:
                    if not isinstance(data__determinism, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".determinism must be null")
                    data__determinism_any_of_count8 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__determinism_any_of_count8:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".determinism cannot be validated by any definition")
        if "dont_load_ckpt_model" in data_keys:
            data_keys.remove("dont_load_ckpt_model")
            data__dontloadckptmodel = data["dont_load_ckpt_model"]
            data__dontloadckptmodel_any_of_count9 = 0
            if not data__dontloadckptmodel_any_of_count9:
                try:
                    if not isinstance(data__dontloadckptmodel, (bool)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".dont_load_ckpt_model must be boolean")
                    data__dontloadckptmodel_any_of_count9 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__dontloadckptmodel_any_of_count9:
                try:
                    validate___definitions_placeholder(data__dontloadckptmodel, custom_formats, (name_prefix or "data") + ".dont_load_ckpt_model")
                    data__dontloadckptmodel_any_of_count9 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__dontloadckptmodel_any_of_count9:
                try:
                    if not isinstance(data__dontloadckptmodel, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".dont_load_ckpt_model must be null")
                    data__dontloadckptmodel_any_of_count9 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__dontloadckptmodel_any_of_count9:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".dont_load_ckpt_model cannot be validated by any definition")
        if "dont_load_ts_model" in data_keys:
            data_keys.remove("dont_load_ts_model")
            data__dontloadtsmodel = data["dont_load_ts_model"]
            data__dontloadtsmodel_any_of_count10 = 0
            if not data__dontloadtsmodel_any_of_count10:
                try:
                    if not isinstance(data__dontloadtsmodel, (bool)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".dont_load_ts_model must be boolean")
                    data__dontloadtsmodel_any_of_count10 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__dontloadtsmodel_any_of_count10:
                try:
                    validate___definitions_placeholder(data__dontloadtsmodel, custom_formats, (name_prefix or "data") + ".dont_load_ts_model")
                    data__dontloadtsmodel_any_of_count10 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__dontloadtsmodel_any_of_count10:
                try:
                    if not isinstance(data__dontloadtsmodel, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".dont_load_ts_model must be null")
                    data__dontloadtsmodel_any_of_count10 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__dontloadtsmodel_any_of_count10:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".dont_load_ts_model cannot be validated by any definition")
        if "search" in data_keys:
            data_keys.remove("search")
            data__search = data["search"]
            data__search_any_of_count11 = 0
            if not data__search_any_of_count11:
                try:
                    if not isinstance(data__search, (list, tuple)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".search must be array")
                    data__search_is_list = isinstance(data__search, (list, tuple))
                    if data__search_is_list:
                        data__search_len = len(data__search)
                        for data__search_x, data__search_item in enumerate(data__search):
                            if not isinstance(data__search_item, (dict)):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".search[{data__search_x}]".format(**locals()) + " must be object")
                            data__search_item_is_dict = isinstance(data__search_item, dict)
                            if data__search_item_is_dict:
                                data__search_item_keys = set(data__search_item.keys())
                    data__search_any_of_count11 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__search_any_of_count11:
                try:
                    if not isinstance(data__search, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".search must be null")
                    data__search_any_of_count11 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__search_any_of_count11:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".search cannot be validated by any definition")
        if "model" in data_keys:
            data_keys.remove("model")
            data__model = data["model"]
            data__model_any_of_count12 = 0
            if not data__model_any_of_count12:
                try:
                    validate___definitions_component(data__model, custom_formats, (name_prefix or "data") + ".model")
                    data__model_any_of_count12 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__model_any_of_count12:
                try:
                    validate___definitions_refcomponent(data__model, custom_formats, (name_prefix or "data") + ".model")
                    data__model_any_of_count12 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__model_any_of_count12:
                try:
                    validate___definitions_modelloader(data__model, custom_formats, (name_prefix or "data") + ".model")
                    data__model_any_of_count12 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__model_any_of_count12:
                try:
                    if not isinstance(data__model, (list, tuple)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".model must be array")
                    data__model_is_list = isinstance(data__model, (list, tuple))
                    if data__model_is_list:
                        data__model_len = len(data__model)
                        for data__model_x, data__model_item in enumerate(data__model):
                            data__model_item_any_of_count13 = 0
                            if not data__model_item_any_of_count13:
                                try:
                                    validate___definitions_modelloader(data__model_item, custom_formats, (name_prefix or "data") + ".model[{data__model_x}]".format(**locals()))
                                    data__model_item_any_of_count13 += 1
                                except (JsonSchemaValueException, JsonSchemaValuesException): pass
                            if not data__model_item_any_of_count13:
                                try:
                                    validate___definitions_component(data__model_item, custom_formats, (name_prefix or "data") + ".model[{data__model_x}]".format(**locals()))
                                    data__model_item_any_of_count13 += 1
                                except (JsonSchemaValueException, JsonSchemaValuesException): pass
                            if not data__model_item_any_of_count13:
                                try:
                                    validate___definitions_refcomponent(data__model_item, custom_formats, (name_prefix or "data") + ".model[{data__model_x}]".format(**locals()))
                                    data__model_item_any_of_count13 += 1
                                except (JsonSchemaValueException, JsonSchemaValuesException): pass
                            if not data__model_item_any_of_count13:
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".model[{data__model_x}]".format(**locals()) + " cannot be validated by any definition")
                    data__model_any_of_count12 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__model_any_of_count12:
                try:
                    if not isinstance(data__model, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".model must be null")
                    data__model_any_of_count12 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__model_any_of_count12:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".model cannot be validated by any definition")
        if "pre_transforms" in data_keys:
            data_keys.remove("pre_transforms")
            data__pretransforms = data["pre_transforms"]
            data__pretransforms_any_of_count14 = 0
            if not data__pretransforms_any_of_count14:
                try:
                    validate___definitions_componentslot(data__pretransforms, custom_formats, (name_prefix or "data") + ".pre_transforms")
                    data__pretransforms_any_of_count14 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__pretransforms_any_of_count14:
                try:
                    if not isinstance(data__pretransforms, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".pre_transforms must be null")
                    data__pretransforms_any_of_count14 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__pretransforms_any_of_count14:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".pre_transforms cannot be validated by any definition")
        if "dataset" in data_keys:
            data_keys.remove("dataset")
            data__dataset = data["dataset"]
            data__dataset_any_of_count15 = 0
            if not data__dataset_any_of_count15:
                try:
                    validate___definitions_datasetslot(data__dataset, custom_formats, (name_prefix or "data") + ".dataset")
                    data__dataset_any_of_count15 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__dataset_any_of_count15:
                try:
                    if not isinstance(data__dataset, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".dataset must be null")
                    data__dataset_any_of_count15 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__dataset_any_of_count15:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".dataset cannot be validated by any definition")
        if "dataloader" in data_keys:
            data_keys.remove("dataloader")
            data__dataloader = data["dataloader"]
            data__dataloader_any_of_count16 = 0
            if not data__dataloader_any_of_count16:
                try:
                    validate___definitions_componentslot(data__dataloader, custom_formats, (name_prefix or "data") + ".dataloader")
                    data__dataloader_any_of_count16 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__dataloader_any_of_count16:
                try:
                    if not isinstance(data__dataloader, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".dataloader must be null")
                    data__dataloader_any_of_count16 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__dataloader_any_of_count16:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".dataloader cannot be validated by any definition")
        if "inferer" in data_keys:
            data_keys.remove("inferer")
            data__inferer = data["inferer"]
            data__inferer_any_of_count17 = 0
            if not data__inferer_any_of_count17:
                try:
                    validate___definitions_componentslot(data__inferer, custom_formats, (name_prefix or "data") + ".inferer")
                    data__inferer_any_of_count17 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__inferer_any_of_count17:
                try:
                    if not isinstance(data__inferer, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".inferer must be null")
                    data__inferer_any_of_count17 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__inferer_any_of_count17:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".inferer cannot be validated by any definition")
        if "iteration" in data_keys:
            data_keys.remove("iteration")
            data__iteration = data["iteration"]
            data__iteration_any_of_count18 = 0
            if not data__iteration_any_of_count18:
                try:
                    validate___definitions_componentslot(data__iteration, custom_formats, (name_prefix or "data") + ".iteration")
                    data__iteration_any_of_count18 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__iteration_any_of_count18:
                try:
                    if not isinstance(data__iteration, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".iteration must be null")
                    data__iteration_any_of_count18 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__iteration_any_of_count18:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".iteration cannot be validated by any definition")
        if "handlers" in data_keys:
            data_keys.remove("handlers")
            data__handlers = data["handlers"]
            data__handlers_any_of_count19 = 0
            if not data__handlers_any_of_count19:
                try:
                    validate___definitions_componentslot(data__handlers, custom_formats, (name_prefix or "data") + ".handlers")
                    data__handlers_any_of_count19 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__handlers_any_of_count19:
                try:
                    if not isinstance(data__handlers, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".handlers must be null")
                    data__handlers_any_of_count19 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__handlers_any_of_count19:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".handlers cannot be validated by any definition")
        if "post_transforms" in data_keys:
            data_keys.remove("post_transforms")
            data__posttransforms = data["post_transforms"]
            data__posttransforms_any_of_count20 = 0
            if not data__posttransforms_any_of_count20:
                try:
                    validate___definitions_componentslot(data__posttransforms, custom_formats, (name_prefix or "data") + ".post_transforms")
                    data__posttransforms_any_of_count20 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__posttransforms_any_of_count20:
                try:
                    if not isinstance(data__posttransforms, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".post_transforms must be null")
                    data__posttransforms_any_of_count20 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__posttransforms_any_of_count20:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".post_transforms cannot be validated by any definition")
        if "metrics" in data_keys:
            data_keys.remove("metrics")
            data__metrics = data["metrics"]
            data__metrics_any_of_count21 = 0
            if not data__metrics_any_of_count21:
                try:
                    validate___definitions_metricslot(data__metrics, custom_formats, (name_prefix or "data") + ".metrics")
                    data__metrics_any_of_count21 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__metrics_any_of_count21:
                try:
                    if not isinstance(data__metrics, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".metrics must be null")
                    data__metrics_any_of_count21 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__metrics_any_of_count21:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".metrics cannot be validated by any definition")
        if "key_metric" in data_keys:
            data_keys.remove("key_metric")
            data__keymetric = data["key_metric"]
            data__keymetric_any_of_count22 = 0
            if not data__keymetric_any_of_count22:
                try:
                    validate___definitions_metricslot(data__keymetric, custom_formats, (name_prefix or "data") + ".key_metric")
                    data__keymetric_any_of_count22 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__keymetric_any_of_count22:
                try:
                    if not isinstance(data__keymetric, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".key_metric must be null")
                    data__keymetric_any_of_count22 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__keymetric_any_of_count22:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".key_metric cannot be validated by any definition")
        if "additional_metrics" in data_keys:
            data_keys.remove("additional_metrics")
            data__additionalmetrics = data["additional_metrics"]
            data__additionalmetrics_any_of_count23 = 0
            if not data__additionalmetrics_any_of_count23:
                try:
                    validate___definitions_metricslot(data__additionalmetrics, custom_formats, (name_prefix or "data") + ".additional_metrics")
                    data__additionalmetrics_any_of_count23 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__additionalmetrics_any_of_count23:
                try:
                    if not isinstance(data__additionalmetrics, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".additional_metrics must be null")
                    data__additionalmetrics_any_of_count23 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__additionalmetrics_any_of_count23:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".additional_metrics cannot be validated by any definition")
        if "evaluator" in data_keys:
            data_keys.remove("evaluator")
            data__evaluator = data["evaluator"]
            data__evaluator_any_of_count24 = 0
            if not data__evaluator_any_of_count24:
                try:
                    validate___definitions_componentslot(data__evaluator, custom_formats, (name_prefix or "data") + ".evaluator")
                    data__evaluator_any_of_count24 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__evaluator_any_of_count24:
                try:
                    if not isinstance(data__evaluator, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".evaluator must be null")
                    data__evaluator_any_of_count24 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__evaluator_any_of_count24:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".evaluator cannot be validated by any definition")
        for data_key, data_val in data.items():
            if REGEX_PATTERNS['^_'].search(data_key):
                if data_key in data_keys:
                    data_keys.remove(data_key)
        for data_key in data_keys:
            if data_key not in ['$schema', 'CLARA_TRAIN_VERSION', 'use_gpu', 'multi_gpu', 'amp', 'tf32', 'cudnn_benchmark', 'determinism', 'dont_load_ckpt_model', 'dont_load_ts_model', 'search', 'model', 'pre_transforms', 'dataset', 'dataloader', 'inferer', 'iteration', 'handlers', 'post_transforms', 'metrics', 'key_metric', 'additional_metrics', 'evaluator']:
                data_value = data.get(data_key)
                data_value_any_of_count25 = 0
                if not data_value_any_of_count25:
                    try:
                        if not isinstance(data_value, (str, int, float, bool, NoneType)):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}".format(**locals()) + " must be string or number or boolean or null")
                        data_value_any_of_count25 += 1
                    except (JsonSchemaValueException, JsonSchemaValuesException): pass
                if not data_value_any_of_count25:
                    try:
                        if not isinstance(data_value, (list, tuple)):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}".format(**locals()) + " must be array")
                        data_value_is_list = isinstance(data_value, (list, tuple))
                        if data_value_is_list:
                            data_value_len = len(data_value)
                            for data_value_x, data_value_item in enumerate(data_value):
                                if not isinstance(data_value_item, (str, int, float, bool, NoneType)):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}[{data_value_x}]".format(**locals()) + " must be string or number or boolean or null")
                        data_value_any_of_count25 += 1
                    except (JsonSchemaValueException, JsonSchemaValuesException): pass
                if not data_value_any_of_count25:
                    try:
                        if not isinstance(data_value, (dict)):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}".format(**locals()) + " must be object")
                        data_value_is_dict = isinstance(data_value, dict)
                        if data_value_is_dict:
                            data_value_keys = set(data_value.keys())
                            for data_value_key, data_value_val in data_value.items():
                                if REGEX_PATTERNS['^_'].search(data_value_key):
                                    if data_value_key in data_value_keys:
                                        data_value_keys.remove(data_value_key)
                            for data_value_key in data_value_keys:
                                if data_value_key not in []:
                                    data_value_value = data_value.get(data_value_key)
                                    data_value_value_any_of_count26 = 0
                                    if not data_value_value_any_of_count26:
                                        try:
                                            if not isinstance(data_value_value, (str, int, float, bool, NoneType)):
                                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.{data_value_key}".format(**locals()) + " must be string or number or boolean or null")
                                            data_value_value_any_of_count26 += 1
                                        except (JsonSchemaValueException, JsonSchemaValuesException): pass
                                    if not data_value_value_any_of_count26:
                                        try:
                                            if not isinstance(data_value_value, (list, tuple)):
                                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.{data_value_key}".format(**locals()) + " must be array")
                                            data_value_value_is_list = isinstance(data_value_value, (list, tuple))
                                            if data_value_value_is_list:
                                                data_value_value_len = len(data_value_value)
                                                for data_value_value_x, data_value_value_item in enumerate(data_value_value):
                                                    if not isinstance(data_value_value_item, (str, int, float, bool, NoneType)):
                                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.{data_value_key}[{data_value_value_x}]".format(**locals()) + " must be string or number or boolean or null")
                                            data_value_value_any_of_count26 += 1
                                        except (JsonSchemaValueException, JsonSchemaValuesException): pass
                                    if not data_value_value_any_of_count26:
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.{data_value_key}".format(**locals()) + " cannot be validated by any definition")
                        data_value_any_of_count25 += 1
                    except (JsonSchemaValueException, JsonSchemaValuesException): pass
                if not data_value_any_of_count25:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}".format(**locals()) + " cannot be validated by any definition")
    return data

def validate___definitions_metricslot(data, custom_formats={}, name_prefix=None):
    data_any_of_count27 = 0
    if not data_any_of_count27:
        try:
            validate___definitions_metriccomponent(data, custom_formats, (name_prefix or "data") + "")
            data_any_of_count27 += 1
        except (JsonSchemaValueException, JsonSchemaValuesException): pass
    if not data_any_of_count27:
        try:
            validate___definitions_refcomponent(data, custom_formats, (name_prefix or "data") + "")
            data_any_of_count27 += 1
        except (JsonSchemaValueException, JsonSchemaValuesException): pass
    if not data_any_of_count27:
        try:
            if not isinstance(data, (list, tuple)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + " must be array")
            data_is_list = isinstance(data, (list, tuple))
            if data_is_list:
                data_len = len(data)
                for data_x, data_item in enumerate(data):
                    validate___definitions_onemetric(data_item, custom_formats, (name_prefix or "data") + "[{data_x}]".format(**locals()))
            data_any_of_count27 += 1
        except (JsonSchemaValueException, JsonSchemaValuesException): pass
    if not data_any_of_count27:
        raise JsonSchemaValueException("" + (name_prefix or "data") + " cannot be validated by any definition")
    return data

def validate___definitions_onemetric(data, custom_formats={}, name_prefix=None):
    data_any_of_count28 = 0
    if not data_any_of_count28:
        try:
            validate___definitions_metriccomponent(data, custom_formats, (name_prefix or "data") + "")
            data_any_of_count28 += 1
        except (JsonSchemaValueException, JsonSchemaValuesException): pass
    if not data_any_of_count28:
        try:
            validate___definitions_refcomponent(data, custom_formats, (name_prefix or "data") + "")
            data_any_of_count28 += 1
        except (JsonSchemaValueException, JsonSchemaValuesException): pass
    if not data_any_of_count28:
        raise JsonSchemaValueException("" + (name_prefix or "data") + " cannot be validated by any definition")
    return data

def validate___definitions_metriccomponent(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_any_of_count29 = 0
    if not data_any_of_count29:
        try:
            data_is_dict = isinstance(data, dict)
            if data_is_dict:
                data__missing_keys = set(['name']) - data.keys()
                if data__missing_keys:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain ")
            data_any_of_count29 += 1
        except (JsonSchemaValueException, JsonSchemaValuesException): pass
    if not data_any_of_count29:
        try:
            data_is_dict = isinstance(data, dict)
            if data_is_dict:
                data__missing_keys = set(['path']) - data.keys()
                if data__missing_keys:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain ")
            data_any_of_count29 += 1
        except (JsonSchemaValueException, JsonSchemaValuesException): pass
    if not data_any_of_count29:
        raise JsonSchemaValueException("" + (name_prefix or "data") + " cannot be validated by any definition")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        if "name" in data_keys:
            data_keys.remove("name")
            data__name = data["name"]
            data__name_any_of_count30 = 0
            if not data__name_any_of_count30:
                try:
                    if not isinstance(data__name, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".name must be string")
                    if isinstance(data__name, str):
                        data__name_len = len(data__name)
                        if data__name_len < 1:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".name must be longer than or equal to 1 characters")
                    data__name_any_of_count30 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__name_any_of_count30:
                try:
                    if not isinstance(data__name, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".name must be null")
                    data__name_any_of_count30 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__name_any_of_count30:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".name cannot be validated by any definition")
        if "path" in data_keys:
            data_keys.remove("path")
            data__path = data["path"]
            data__path_any_of_count31 = 0
            if not data__path_any_of_count31:
                try:
                    if not isinstance(data__path, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".path must be string")
                    if isinstance(data__path, str):
                        data__path_len = len(data__path)
                        if data__path_len < 1:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".path must be longer than or equal to 1 characters")
                    data__path_any_of_count31 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__path_any_of_count31:
                try:
                    if not isinstance(data__path, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".path must be null")
                    data__path_any_of_count31 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__path_any_of_count31:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".path cannot be validated by any definition")
        if "args" in data_keys:
            data_keys.remove("args")
            data__args = data["args"]
            data__args_any_of_count32 = 0
            if not data__args_any_of_count32:
                try:
                    if not isinstance(data__args, (dict)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".args must be object")
                    data__args_is_dict = isinstance(data__args, dict)
                    if data__args_is_dict:
                        data__args_keys = set(data__args.keys())
                    data__args_any_of_count32 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__args_any_of_count32:
                try:
                    if not isinstance(data__args, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".args must be null")
                    data__args_any_of_count32 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__args_any_of_count32:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".args cannot be validated by any definition")
        if "disabled" in data_keys:
            data_keys.remove("disabled")
            data__disabled = data["disabled"]
            data__disabled_any_of_count33 = 0
            if not data__disabled_any_of_count33:
                try:
                    if not isinstance(data__disabled, (bool)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".disabled must be boolean")
                    data__disabled_any_of_count33 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__disabled_any_of_count33:
                try:
                    validate___definitions_placeholder(data__disabled, custom_formats, (name_prefix or "data") + ".disabled")
                    data__disabled_any_of_count33 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__disabled_any_of_count33:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".disabled cannot be validated by any definition")
        if "rank" in data_keys:
            data_keys.remove("rank")
            data__rank = data["rank"]
            data__rank_any_of_count34 = 0
            if not data__rank_any_of_count34:
                try:
                    if not isinstance(data__rank, (int)) or isinstance(data__rank, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".rank must be integer")
                    if isinstance(data__rank, (int, float)) and not isinstance(data__rank, bool):
                        if data__rank < 0:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".rank must be bigger than or equal to 0")
                    data__rank_any_of_count34 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__rank_any_of_count34:
                try:
                    validate___definitions_placeholder(data__rank, custom_formats, (name_prefix or "data") + ".rank")
                    data__rank_any_of_count34 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__rank_any_of_count34:
                try:
                    if not isinstance(data__rank, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".rank must be null")
                    data__rank_any_of_count34 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__rank_any_of_count34:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".rank cannot be validated by any definition")
        if "log_label" in data_keys:
            data_keys.remove("log_label")
            data__loglabel = data["log_label"]
            data__loglabel_any_of_count35 = 0
            if not data__loglabel_any_of_count35:
                try:
                    if not isinstance(data__loglabel, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".log_label must be string")
                    data__loglabel_any_of_count35 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__loglabel_any_of_count35:
                try:
                    if not isinstance(data__loglabel, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".log_label must be null")
                    data__loglabel_any_of_count35 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__loglabel_any_of_count35:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".log_label cannot be validated by any definition")
        if "search" in data_keys:
            data_keys.remove("search")
            data__search = data["search"]
            data__search_any_of_count36 = 0
            if not data__search_any_of_count36:
                try:
                    if not isinstance(data__search, (list, tuple)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".search must be array")
                    data__search_is_list = isinstance(data__search, (list, tuple))
                    if data__search_is_list:
                        data__search_len = len(data__search)
                        for data__search_x, data__search_item in enumerate(data__search):
                            if not isinstance(data__search_item, (dict)):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".search[{data__search_x}]".format(**locals()) + " must be object")
                            data__search_item_is_dict = isinstance(data__search_item, dict)
                            if data__search_item_is_dict:
                                data__search_item_keys = set(data__search_item.keys())
                    data__search_any_of_count36 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__search_any_of_count36:
                try:
                    if not isinstance(data__search, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".search must be null")
                    data__search_any_of_count36 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__search_any_of_count36:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".search cannot be validated by any definition")
        if "apply" in data_keys:
            data_keys.remove("apply")
            data__apply = data["apply"]
            data__apply_any_of_count37 = 0
            if not data__apply_any_of_count37:
                try:
                    if not isinstance(data__apply, (dict)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".apply must be object")
                    data__apply_is_dict = isinstance(data__apply, dict)
                    if data__apply_is_dict:
                        data__apply_keys = set(data__apply.keys())
                        for data__apply_key, data__apply_val in data__apply.items():
                            if REGEX_PATTERNS['^_'].search(data__apply_key):
                                if data__apply_key in data__apply_keys:
                                    data__apply_keys.remove(data__apply_key)
                        for data__apply_key in data__apply_keys:
                            if data__apply_key not in []:
                                data__apply_value = data__apply.get(data__apply_key)
                                if not isinstance(data__apply_value, (str)):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".apply.{data__apply_key}".format(**locals()) + " must be string")
                    data__apply_any_of_count37 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__apply_any_of_count37:
                try:
                    if not isinstance(data__apply, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".apply must be null")
                    data__apply_any_of_count37 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__apply_any_of_count37:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".apply cannot be validated by any definition")
        if "is_key_metric" in data_keys:
            data_keys.remove("is_key_metric")
            data__iskeymetric = data["is_key_metric"]
            data__iskeymetric_any_of_count38 = 0
            if not data__iskeymetric_any_of_count38:
                try:
                    if not isinstance(data__iskeymetric, (bool)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".is_key_metric must be boolean")
                    data__iskeymetric_any_of_count38 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__iskeymetric_any_of_count38:
                try:
                    validate___definitions_placeholder(data__iskeymetric, custom_formats, (name_prefix or "data") + ".is_key_metric")
                    data__iskeymetric_any_of_count38 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__iskeymetric_any_of_count38:
                try:
                    if not isinstance(data__iskeymetric, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".is_key_metric must be null")
                    data__iskeymetric_any_of_count38 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__iskeymetric_any_of_count38:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".is_key_metric cannot be validated by any definition")
        for data_key, data_val in data.items():
            if REGEX_PATTERNS['^_'].search(data_key):
                if data_key in data_keys:
                    data_keys.remove(data_key)
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

def validate___definitions_datasetslot(data, custom_formats={}, name_prefix=None):
    data_any_of_count39 = 0
    if not data_any_of_count39:
        try:
            validate___definitions_datasetcomponent(data, custom_formats, (name_prefix or "data") + "")
            data_any_of_count39 += 1
        except (JsonSchemaValueException, JsonSchemaValuesException): pass
    if not data_any_of_count39:
        try:
            validate___definitions_refcomponent(data, custom_formats, (name_prefix or "data") + "")
            data_any_of_count39 += 1
        except (JsonSchemaValueException, JsonSchemaValuesException): pass
    if not data_any_of_count39:
        try:
            if not isinstance(data, (list, tuple)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + " must be array")
            data_is_list = isinstance(data, (list, tuple))
            if data_is_list:
                data_len = len(data)
                for data_x, data_item in enumerate(data):
                    validate___definitions_onedataset(data_item, custom_formats, (name_prefix or "data") + "[{data_x}]".format(**locals()))
            data_any_of_count39 += 1
        except (JsonSchemaValueException, JsonSchemaValuesException): pass
    if not data_any_of_count39:
        raise JsonSchemaValueException("" + (name_prefix or "data") + " cannot be validated by any definition")
    return data

def validate___definitions_onedataset(data, custom_formats={}, name_prefix=None):
    data_any_of_count40 = 0
    if not data_any_of_count40:
        try:
            validate___definitions_datasetcomponent(data, custom_formats, (name_prefix or "data") + "")
            data_any_of_count40 += 1
        except (JsonSchemaValueException, JsonSchemaValuesException): pass
    if not data_any_of_count40:
        try:
            validate___definitions_refcomponent(data, custom_formats, (name_prefix or "data") + "")
            data_any_of_count40 += 1
        except (JsonSchemaValueException, JsonSchemaValuesException): pass
    if not data_any_of_count40:
        raise JsonSchemaValueException("" + (name_prefix or "data") + " cannot be validated by any definition")
    return data

def validate___definitions_datasetcomponent(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_any_of_count41 = 0
    if not data_any_of_count41:
        try:
            data_is_dict = isinstance(data, dict)
            if data_is_dict:
                data__missing_keys = set(['name']) - data.keys()
                if data__missing_keys:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain ")
            data_any_of_count41 += 1
        except (JsonSchemaValueException, JsonSchemaValuesException): pass
    if not data_any_of_count41:
        try:
            data_is_dict = isinstance(data, dict)
            if data_is_dict:
                data__missing_keys = set(['path']) - data.keys()
                if data__missing_keys:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain ")
            data_any_of_count41 += 1
        except (JsonSchemaValueException, JsonSchemaValuesException): pass
    if not data_any_of_count41:
        raise JsonSchemaValueException("" + (name_prefix or "data") + " cannot be validated by any definition")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        if "name" in data_keys:
            data_keys.remove("name")
            data__name = data["name"]
            data__name_any_of_count42 = 0
            if not data__name_any_of_count42:
                try:
                    if not isinstance(data__name, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".name must be string")
                    if isinstance(data__name, str):
                        data__name_len = len(data__name)
                        if data__name_len < 1:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".name must be longer than or equal to 1 characters")
                    data__name_any_of_count42 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__name_any_of_count42:
                try:
                    if not isinstance(data__name, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".name must be null")
                    data__name_any_of_count42 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__name_any_of_count42:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".name cannot be validated by any definition")
        if "path" in data_keys:
            data_keys.remove("path")
            data__path = data["path"]
            data__path_any_of_count43 = 0
            if not data__path_any_of_count43:
                try:
                    if not isinstance(data__path, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".path must be string")
                    if isinstance(data__path, str):
                        data__path_len = len(data__path)
                        if data__path_len < 1:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".path must be longer than or equal to 1 characters")
                    data__path_any_of_count43 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__path_any_of_count43:
                try:
                    if not isinstance(data__path, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".path must be null")
                    data__path_any_of_count43 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__path_any_of_count43:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".path cannot be validated by any definition")
        if "args" in data_keys:
            data_keys.remove("args")
            data__args = data["args"]
            data__args_any_of_count44 = 0
            if not data__args_any_of_count44:
                try:
                    if not isinstance(data__args, (dict)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".args must be object")
                    data__args_is_dict = isinstance(data__args, dict)
                    if data__args_is_dict:
                        data__args_keys = set(data__args.keys())
                    data__args_any_of_count44 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__args_any_of_count44:
                try:
                    if not isinstance(data__args, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".args must be null")
                    data__args_any_of_count44 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__args_any_of_count44:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".args cannot be validated by any definition")
        if "disabled" in data_keys:
            data_keys.remove("disabled")
            data__disabled = data["disabled"]
            data__disabled_any_of_count45 = 0
            if not data__disabled_any_of_count45:
                try:
                    if not isinstance(data__disabled, (bool)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".disabled must be boolean")
                    data__disabled_any_of_count45 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__disabled_any_of_count45:
                try:
                    validate___definitions_placeholder(data__disabled, custom_formats, (name_prefix or "data") + ".disabled")
                    data__disabled_any_of_count45 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__disabled_any_of_count45:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".disabled cannot be validated by any definition")
        if "rank" in data_keys:
            data_keys.remove("rank")
            data__rank = data["rank"]
            data__rank_any_of_count46 = 0
            if not data__rank_any_of_count46:
                try:
                    if not isinstance(data__rank, (int)) or isinstance(data__rank, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".rank must be integer")
                    if isinstance(data__rank, (int, float)) and not isinstance(data__rank, bool):
                        if data__rank < 0:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".rank must be bigger than or equal to 0")
                    data__rank_any_of_count46 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__rank_any_of_count46:
                try:
                    validate___definitions_placeholder(data__rank, custom_formats, (name_prefix or "data") + ".rank")
                    data__rank_any_of_count46 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__rank_any_of_count46:
                try:
                    if not isinstance(data__rank, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".rank must be null")
                    data__rank_any_of_count46 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__rank_any_of_count46:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".rank cannot be validated by any definition")
        if "log_label" in data_keys:
            data_keys.remove("log_label")
            data__loglabel = data["log_label"]
            data__loglabel_any_of_count47 = 0
            if not data__loglabel_any_of_count47:
                try:
                    if not isinstance(data__loglabel, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".log_label must be string")
                    data__loglabel_any_of_count47 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__loglabel_any_of_count47:
                try:
                    if not isinstance(data__loglabel, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".log_label must be null")
                    data__loglabel_any_of_count47 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__loglabel_any_of_count47:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".log_label cannot be validated by any definition")
        if "search" in data_keys:
            data_keys.remove("search")
            data__search = data["search"]
            data__search_any_of_count48 = 0
            if not data__search_any_of_count48:
                try:
                    if not isinstance(data__search, (list, tuple)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".search must be array")
                    data__search_is_list = isinstance(data__search, (list, tuple))
                    if data__search_is_list:
                        data__search_len = len(data__search)
                        for data__search_x, data__search_item in enumerate(data__search):
                            if not isinstance(data__search_item, (dict)):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".search[{data__search_x}]".format(**locals()) + " must be object")
                            data__search_item_is_dict = isinstance(data__search_item, dict)
                            if data__search_item_is_dict:
                                data__search_item_keys = set(data__search_item.keys())
                    data__search_any_of_count48 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__search_any_of_count48:
                try:
                    if not isinstance(data__search, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".search must be null")
                    data__search_any_of_count48 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__search_any_of_count48:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".search cannot be validated by any definition")
        if "apply" in data_keys:
            data_keys.remove("apply")
            data__apply = data["apply"]
            data__apply_any_of_count49 = 0
            if not data__apply_any_of_count49:
                try:
                    if not isinstance(data__apply, (dict)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".apply must be object")
                    data__apply_is_dict = isinstance(data__apply, dict)
                    if data__apply_is_dict:
                        data__apply_keys = set(data__apply.keys())
                        for data__apply_key, data__apply_val in data__apply.items():
                            if REGEX_PATTERNS['^_'].search(data__apply_key):
                                if data__apply_key in data__apply_keys:
                                    data__apply_keys.remove(data__apply_key)
                        for data__apply_key in data__apply_keys:
                            if data__apply_key not in []:
                                data__apply_value = data__apply.get(data__apply_key)
                                if not isinstance(data__apply_value, (str)):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".apply.{data__apply_key}".format(**locals()) + " must be string")
                    data__apply_any_of_count49 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__apply_any_of_count49:
                try:
                    if not isinstance(data__apply, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".apply must be null")
                    data__apply_any_of_count49 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__apply_any_of_count49:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".apply cannot be validated by any definition")
        if "data_list_file_path" in data_keys:
            data_keys.remove("data_list_file_path")
            data__datalistfilepath = data["data_list_file_path"]
            data__datalistfilepath_any_of_count50 = 0
            if not data__datalistfilepath_any_of_count50:
                try:
                    if not isinstance(data__datalistfilepath, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".data_list_file_path must be string")
                    data__datalistfilepath_any_of_count50 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__datalistfilepath_any_of_count50:
                try:
                    if not isinstance(data__datalistfilepath, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".data_list_file_path must be null")
                    data__datalistfilepath_any_of_count50 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__datalistfilepath_any_of_count50:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".data_list_file_path cannot be validated by any definition")
        if "data_file_base_dir" in data_keys:
            data_keys.remove("data_file_base_dir")
            data__datafilebasedir = data["data_file_base_dir"]
            data__datafilebasedir_any_of_count51 = 0
            if not data__datafilebasedir_any_of_count51:
                try:
                    if not isinstance(data__datafilebasedir, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".data_file_base_dir must be string")
                    data__datafilebasedir_any_of_count51 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__datafilebasedir_any_of_count51:
                try:
                    if not isinstance(data__datafilebasedir, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".data_file_base_dir must be null")
                    data__datafilebasedir_any_of_count51 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__datafilebasedir_any_of_count51:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".data_file_base_dir cannot be validated by any definition")
        if "data_list_key" in data_keys:
            data_keys.remove("data_list_key")
            data__datalistkey = data["data_list_key"]
            data__datalistkey_any_of_count52 = 0
            if not data__datalistkey_any_of_count52:
                try:
                    if not isinstance(data__datalistkey, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".data_list_key must be string")
                    data__datalistkey_any_of_count52 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__datalistkey_any_of_count52:
                try:
                    if not isinstance(data__datalistkey, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".data_list_key must be null")
                    data__datalistkey_any_of_count52 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__datalistkey_any_of_count52:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".data_list_key cannot be validated by any definition")
        for data_key, data_val in data.items():
            if REGEX_PATTERNS['^_'].search(data_key):
                if data_key in data_keys:
                    data_keys.remove(data_key)
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

def validate___definitions_componentslot(data, custom_formats={}, name_prefix=None):
    data_any_of_count53 = 0
    if not data_any_of_count53:
        try:
            validate___definitions_component(data, custom_formats, (name_prefix or "data") + "")
            data_any_of_count53 += 1
        except (JsonSchemaValueException, JsonSchemaValuesException): pass
    if not data_any_of_count53:
        try:
            validate___definitions_refcomponent(data, custom_formats, (name_prefix or "data") + "")
            data_any_of_count53 += 1
        except (JsonSchemaValueException, JsonSchemaValuesException): pass
    if not data_any_of_count53:
        try:
            if not isinstance(data, (list, tuple)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + " must be array")
            data_is_list = isinstance(data, (list, tuple))
            if data_is_list:
                data_len = len(data)
                for data_x, data_item in enumerate(data):
                    validate___definitions_onecomponent(data_item, custom_formats, (name_prefix or "data") + "[{data_x}]".format(**locals()))
            data_any_of_count53 += 1
        except (JsonSchemaValueException, JsonSchemaValuesException): pass
    if not data_any_of_count53:
        raise JsonSchemaValueException("" + (name_prefix or "data") + " cannot be validated by any definition")
    return data

def validate___definitions_onecomponent(data, custom_formats={}, name_prefix=None):
    data_any_of_count54 = 0
    if not data_any_of_count54:
        try:
            validate___definitions_component(data, custom_formats, (name_prefix or "data") + "")
            data_any_of_count54 += 1
        except (JsonSchemaValueException, JsonSchemaValuesException): pass
    if not data_any_of_count54:
        try:
            validate___definitions_refcomponent(data, custom_formats, (name_prefix or "data") + "")
            data_any_of_count54 += 1
        except (JsonSchemaValueException, JsonSchemaValuesException): pass
    if not data_any_of_count54:
        raise JsonSchemaValueException("" + (name_prefix or "data") + " cannot be validated by any definition")
    return data

def validate___definitions_modelloader(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_any_of_count55 = 0
    if not data_any_of_count55:
        try:
            data_is_dict = isinstance(data, dict)
            if data_is_dict:
                data__missing_keys = set(['ts_path']) - data.keys()
                if data__missing_keys:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain ")
            data_any_of_count55 += 1
        except (JsonSchemaValueException, JsonSchemaValuesException): pass
    if not data_any_of_count55:
        try:
            data_is_dict = isinstance(data, dict)
            if data_is_dict:
                data__missing_keys = set(['ckpt_path']) - data.keys()
                if data__missing_keys:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain ")
            data_any_of_count55 += 1
        except (JsonSchemaValueException, JsonSchemaValuesException): pass
    if not data_any_of_count55:
        raise JsonSchemaValueException("" + (name_prefix or "data") + " cannot be validated by any definition")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        if "ts_path" in data_keys:
            data_keys.remove("ts_path")
            data__tspath = data["ts_path"]
            data__tspath_any_of_count56 = 0
            if not data__tspath_any_of_count56:
                try:
                    if not isinstance(data__tspath, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".ts_path must be string")
                    data__tspath_any_of_count56 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__tspath_any_of_count56:
                try:
                    if not isinstance(data__tspath, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".ts_path must be null")
                    data__tspath_any_of_count56 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__tspath_any_of_count56:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".ts_path cannot be validated by any definition")
        if "ckpt_path" in data_keys:
            data_keys.remove("ckpt_path")
            data__ckptpath = data["ckpt_path"]
            data__ckptpath_any_of_count57 = 0
            if not data__ckptpath_any_of_count57:
                try:
                    if not isinstance(data__ckptpath, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".ckpt_path must be string")
                    data__ckptpath_any_of_count57 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__ckptpath_any_of_count57:
                try:
                    if not isinstance(data__ckptpath, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".ckpt_path must be null")
                    data__ckptpath_any_of_count57 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__ckptpath_any_of_count57:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".ckpt_path cannot be validated by any definition")
        if "disabled" in data_keys:
            data_keys.remove("disabled")
            data__disabled = data["disabled"]
            data__disabled_any_of_count58 = 0
            if not data__disabled_any_of_count58:
                try:
                    if not isinstance(data__disabled, (bool)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".disabled must be boolean")
                    data__disabled_any_of_count58 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__disabled_any_of_count58:
                try:
                    validate___definitions_placeholder(data__disabled, custom_formats, (name_prefix or "data") + ".disabled")
                    data__disabled_any_of_count58 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__disabled_any_of_count58:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".disabled cannot be validated by any definition")
        for data_key, data_val in data.items():
            if REGEX_PATTERNS['^_'].search(data_key):
                if data_key in data_keys:
                    data_keys.remove(data_key)
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

def validate___definitions_refcomponent(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['ref']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain ")
        data_keys = set(data.keys())
        if "ref" in data_keys:
            data_keys.remove("ref")
            data__ref = data["ref"]
            if not isinstance(data__ref, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".ref must be string")
            if isinstance(data__ref, str):
                data__ref_len = len(data__ref)
                if data__ref_len < 1:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".ref must be longer than or equal to 1 characters")
        for data_key, data_val in data.items():
            if REGEX_PATTERNS['^_'].search(data_key):
                if data_key in data_keys:
                    data_keys.remove(data_key)
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

def validate___definitions_component(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_any_of_count59 = 0
    if not data_any_of_count59:
        try:
            data_is_dict = isinstance(data, dict)
            if data_is_dict:
                data__missing_keys = set(['name']) - data.keys()
                if data__missing_keys:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain ")
            data_any_of_count59 += 1
        except (JsonSchemaValueException, JsonSchemaValuesException): pass
    if not data_any_of_count59:
        try:
            data_is_dict = isinstance(data, dict)
            if data_is_dict:
                data__missing_keys = set(['path']) - data.keys()
                if data__missing_keys:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain ")
            data_any_of_count59 += 1
        except (JsonSchemaValueException, JsonSchemaValuesException): pass
    if not data_any_of_count59:
        raise JsonSchemaValueException("" + (name_prefix or "data") + " cannot be validated by any definition")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        if "name" in data_keys:
            data_keys.remove("name")
            data__name = data["name"]
            data__name_any_of_count60 = 0
            if not data__name_any_of_count60:
                try:
                    if not isinstance(data__name, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".name must be string")
                    if isinstance(data__name, str):
                        data__name_len = len(data__name)
                        if data__name_len < 1:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".name must be longer than or equal to 1 characters")
                    data__name_any_of_count60 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__name_any_of_count60:
                try:
                    if not isinstance(data__name, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".name must be null")
                    data__name_any_of_count60 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__name_any_of_count60:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".name cannot be validated by any definition")
        if "path" in data_keys:
            data_keys.remove("path")
            data__path = data["path"]
            data__path_any_of_count61 = 0
            if not data__path_any_of_count61:
                try:
                    if not isinstance(data__path, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".path must be string")
                    if isinstance(data__path, str):
                        data__path_len = len(data__path)
                        if data__path_len < 1:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".path must be longer than or equal to 1 characters")
                    data__path_any_of_count61 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__path_any_of_count61:
                try:
                    if not isinstance(data__path, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".path must be null")
                    data__path_any_of_count61 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__path_any_of_count61:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".path cannot be validated by any definition")
        if "args" in data_keys:
            data_keys.remove("args")
            data__args = data["args"]
            data__args_any_of_count62 = 0
            if not data__args_any_of_count62:
                try:
                    if not isinstance(data__args, (dict)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".args must be object")
                    data__args_is_dict = isinstance(data__args, dict)
                    if data__args_is_dict:
                        data__args_keys = set(data__args.keys())
                    data__args_any_of_count62 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__args_any_of_count62:
                try:
                    if not isinstance(data__args, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".args must be null")
                    data__args_any_of_count62 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__args_any_of_count62:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".args cannot be validated by any definition")
        if "disabled" in data_keys:
            data_keys.remove("disabled")
            data__disabled = data["disabled"]
            data__disabled_any_of_count63 = 0
            if not data__disabled_any_of_count63:
                try:
                    if not isinstance(data__disabled, (bool)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".disabled must be boolean")
                    data__disabled_any_of_count63 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__disabled_any_of_count63:
                try:
                    validate___definitions_placeholder(data__disabled, custom_formats, (name_prefix or "data") + ".disabled")
                    data__disabled_any_of_count63 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__disabled_any_of_count63:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".disabled cannot be validated by any definition")
        if "rank" in data_keys:
            data_keys.remove("rank")
            data__rank = data["rank"]
            data__rank_any_of_count64 = 0
            if not data__rank_any_of_count64:
                try:
                    if not isinstance(data__rank, (int)) or isinstance(data__rank, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".rank must be integer")
                    if isinstance(data__rank, (int, float)) and not isinstance(data__rank, bool):
                        if data__rank < 0:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".rank must be bigger than or equal to 0")
                    data__rank_any_of_count64 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__rank_any_of_count64:
                try:
                    validate___definitions_placeholder(data__rank, custom_formats, (name_prefix or "data") + ".rank")
                    data__rank_any_of_count64 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__rank_any_of_count64:
                try:
                    if not isinstance(data__rank, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".rank must be null")
                    data__rank_any_of_count64 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__rank_any_of_count64:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".rank cannot be validated by any definition")
        if "log_label" in data_keys:
            data_keys.remove("log_label")
            data__loglabel = data["log_label"]
            data__loglabel_any_of_count65 = 0
            if not data__loglabel_any_of_count65:
                try:
                    if not isinstance(data__loglabel, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".log_label must be string")
                    data__loglabel_any_of_count65 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__loglabel_any_of_count65:
                try:
                    if not isinstance(data__loglabel, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".log_label must be null")
                    data__loglabel_any_of_count65 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__loglabel_any_of_count65:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".log_label cannot be validated by any definition")
        if "search" in data_keys:
            data_keys.remove("search")
            data__search = data["search"]
            data__search_any_of_count66 = 0
            if not data__search_any_of_count66:
                try:
                    if not isinstance(data__search, (list, tuple)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".search must be array")
                    data__search_is_list = isinstance(data__search, (list, tuple))
                    if data__search_is_list:
                        data__search_len = len(data__search)
                        for data__search_x, data__search_item in enumerate(data__search):
                            if not isinstance(data__search_item, (dict)):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".search[{data__search_x}]".format(**locals()) + " must be object")
                            data__search_item_is_dict = isinstance(data__search_item, dict)
                            if data__search_item_is_dict:
                                data__search_item_keys = set(data__search_item.keys())
                    data__search_any_of_count66 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__search_any_of_count66:
                try:
                    if not isinstance(data__search, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".search must be null")
                    data__search_any_of_count66 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__search_any_of_count66:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".search cannot be validated by any definition")
        if "apply" in data_keys:
            data_keys.remove("apply")
            data__apply = data["apply"]
            data__apply_any_of_count67 = 0
            if not data__apply_any_of_count67:
                try:
                    if not isinstance(data__apply, (dict)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".apply must be object")
                    data__apply_is_dict = isinstance(data__apply, dict)
                    if data__apply_is_dict:
                        data__apply_keys = set(data__apply.keys())
                        for data__apply_key, data__apply_val in data__apply.items():
                            if REGEX_PATTERNS['^_'].search(data__apply_key):
                                if data__apply_key in data__apply_keys:
                                    data__apply_keys.remove(data__apply_key)
                        for data__apply_key in data__apply_keys:
                            if data__apply_key not in []:
                                data__apply_value = data__apply.get(data__apply_key)
                                if not isinstance(data__apply_value, (str)):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".apply.{data__apply_key}".format(**locals()) + " must be string")
                    data__apply_any_of_count67 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__apply_any_of_count67:
                try:
                    if not isinstance(data__apply, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".apply must be null")
                    data__apply_any_of_count67 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__apply_any_of_count67:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".apply cannot be validated by any definition")
        for data_key, data_val in data.items():
            if REGEX_PATTERNS['^_'].search(data_key):
                if data_key in data_keys:
                    data_keys.remove(data_key)
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

def validate___definitions_determinism(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['random_seed']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain ")
        data_keys = set(data.keys())
        if "random_seed" in data_keys:
            data_keys.remove("random_seed")
            data__randomseed = data["random_seed"]
            data__randomseed_any_of_count68 = 0
            if not data__randomseed_any_of_count68:
                try:
                    if not isinstance(data__randomseed, (int)) or isinstance(data__randomseed, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".random_seed must be integer")
                    if isinstance(data__randomseed, (int, float)) and not isinstance(data__randomseed, bool):
                        if data__randomseed < 0:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".random_seed must be bigger than or equal to 0")
                    data__randomseed_any_of_count68 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__randomseed_any_of_count68:
                try:
                    validate___definitions_placeholder(data__randomseed, custom_formats, (name_prefix or "data") + ".random_seed")
                    data__randomseed_any_of_count68 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__randomseed_any_of_count68:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".random_seed cannot be validated by any definition")
        for data_key, data_val in data.items():
            if REGEX_PATTERNS['^_'].search(data_key):
                if data_key in data_keys:
                    data_keys.remove(data_key)
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

def validate___definitions_placeholder(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (str)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be string")
    if isinstance(data, str):
        if not REGEX_PATTERNS['^\\{[A-Za-z_][A-Za-z0-9_]*\\}$'].search(data):
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must match pattern ^\\{[A-Za-z_][A-Za-z0-9_]*\\}$")
    return data

SETTINGS = frozenset(['$schema', 'CLARA_TRAIN_VERSION', 'additional_metrics', 'amp', 'cudnn_benchmark', 'dataloader', 'dataset', 'determinism', 'dont_load_ckpt_model', 'dont_load_ts_model', 'evaluator', 'handlers', 'inferer', 'iteration', 'key_metric', 'metrics', 'model', 'multi_gpu', 'post_transforms', 'pre_transforms', 'search', 'tf32', 'use_gpu'])
