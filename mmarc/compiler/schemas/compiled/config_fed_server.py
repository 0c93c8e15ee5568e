# Generated from schemas/config_fed_server.draft-07.schema.json by
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
    data_any_of_count1 = 0
    if not data_any_of_count1:
        try:
            validate___definitions_fedserverv1(data, custom_formats, (name_prefix or "data") + "")
            data_any_of_count1 += 1
        except (JsonSchemaValueException, JsonSchemaValuesException): pass
    if not data_any_of_count1:
        try:
            validate___definitions_fedserverearlier(data, custom_formats, (name_prefix or "data") + "")
            data_any_of_count1 += 1
        except (JsonSchemaValueException, JsonSchemaValuesException): pass
    if not data_any_of_count1:
        raise JsonSchemaValueException("" + (name_prefix or "data") + " cannot be validated by any definition")
    return data

def validate___definitions_fedserverearlier(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['servers']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain ")
        data_keys = set(data.keys())
        if "$schema" in data_keys:
            data_keys.remove("$schema")
            data__schema = data["$schema"]
            data__schema_any_of_count2 = 0
            if not data__schema_any_of_count2:
                try:
                    if not isinstance(data__schema, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".$schema must be string")
                    data__schema_any_of_count2 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__schema_any_of_count2:
                try:
                    if not isinstance(data__schema, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".$schema must be null")
                    data__schema_any_of_count2 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__schema_any_of_count2:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".$schema cannot be validated by any definition")
        if "servers" in data_keys:
            data_keys.remove("servers")
            data__servers = data["servers"]
            if not isinstance(data__servers, (list, tuple)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".servers must be array")
            data__servers_is_list = isinstance(data__servers, (list, tuple))
            if data__servers_is_list:
                data__servers_len = len(data__servers)
                if data__servers_len < 1:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".servers must contain at least 1 items")
                for data__servers_x, data__servers_item in enumerate(data__servers):
                    validate___definitions_serverentry(data__servers_item, custom_formats, (name_prefix or "data") + ".servers[{data__servers_x}]".format(**locals()))
        if "aggregator" in data_keys:
            data_keys.remove("aggregator")
            data__aggregator = data["aggregator"]
            data__aggregator_any_of_count3 = 0
            if not data__aggregator_any_of_count3:
                try:
                    validate___definitions_onecomponent(data__aggregator, custom_formats, (name_prefix or "data") + ".aggregator")
                    data__aggregator_any_of_count3 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__aggregator_any_of_count3:
                try:
                    if not isinstance(data__aggregator, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".aggregator must be null")
                    data__aggregator_any_of_count3 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__aggregator_any_of_count3:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".aggregator cannot be validated by any definition")
        if "model_saver" in data_keys:
            data_keys.remove("model_saver")
            data__modelsaver = data["model_saver"]
            data__modelsaver_any_of_count4 = 0
            if not data__modelsaver_any_of_count4:
                try:
                    validate___definitions_onecomponent(data__modelsaver, custom_formats, (name_prefix or "data") + ".model_saver")
                    data__modelsaver_any_of_count4 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__modelsaver_any_of_count4:
                try:
                    if not isinstance(data__modelsaver, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".model_saver must be null")
                    data__modelsaver_any_of_count4 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__modelsaver_any_of_count4:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".model_saver cannot be validated by any definition")
        if "model_persistor" in data_keys:
            data_keys.remove("model_persistor")
            data__modelpersistor = data["model_persistor"]
            data__modelpersistor_any_of_count5 = 0
            if not data__modelpersistor_any_of_count5:
                try:
                    validate___definitions_onecomponent(data__modelpersistor, custom_formats, (name_prefix or "data") + ".model_persistor")
                    data__modelpersistor_any_of_count5 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__modelpersistor_any_of_count5:
                try:
                    if not isinstance(data__modelpersistor, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".model_persistor must be null")
                    data__modelpersistor_any_of_count5 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__modelpersistor_any_of_count5:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".model_persistor cannot be validated by any definition")
        if "shareable_generator" in data_keys:
            data_keys.remove("shareable_generator")
            data__shareablegenerator = data["shareable_generator"]
            data__shareablegenerator_any_of_count6 = 0
            if not data__shareablegenerator_any_of_count6:
                try:
                    validate___definitions_onecomponent(data__shareablegenerator, custom_formats, (name_prefix or "data") + ".shareable_generator")
                    data__shareablegenerator_any_of_count6 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__shareablegenerator_any_of_count6:
                try:
                    if not isinstance(data__shareablegenerator, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".shareable_generator must be null")
                    data__shareablegenerator_any_of_count6 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__shareablegenerator_any_of_count6:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".shareable_generator cannot be validated by any definition")
        if "pre_processors" in data_keys:
            data_keys.remove("pre_processors")
            data__preprocessors = data["pre_processors"]
            data__preprocessors_any_of_count7 = 0
            if not data__preprocessors_any_of_count7:
                try:
                    validate___definitions_componentlist(data__preprocessors, custom_formats, (name_prefix or "data") + ".pre_processors")
                    data__preprocessors_any_of_count7 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__preprocessors_any_of_count7:
                try:
                    if not isinstance(data__preprocessors, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".pre_processors must be null")
                    data__preprocessors_any_of_count7 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__preprocessors_any_of_count7:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".pre_processors cannot be validated by any definition")
        if "post_processors" in data_keys:
            data_keys.remove("post_processors")
            data__postprocessors = data["post_processors"]
            data__postprocessors_any_of_count8 = 0
            if not data__postprocessors_any_of_count8:
                try:
                    validate___definitions_componentlist(data__postprocessors, custom_formats, (name_prefix or "data") + ".post_processors")
                    data__postprocessors_any_of_count8 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__postprocessors_any_of_count8:
                try:
                    if not isinstance(data__postprocessors, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".post_processors must be null")
                    data__postprocessors_any_of_count8 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__postprocessors_any_of_count8:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".post_processors cannot be validated by any definition")
        if "admin_cmd_modules" in data_keys:
            data_keys.remove("admin_cmd_modules")
            data__admincmdmodules = data["admin_cmd_modules"]
            data__admincmdmodules_any_of_count9 = 0
            if not data__admincmdmodules_any_of_count9:
                try:
                    validate___definitions_componentlist(data__admincmdmodules, custom_formats, (name_prefix or "data") + ".admin_cmd_modules")
                    data__admincmdmodules_any_of_count9 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__admincmdmodules_any_of_count9:
                try:
                    if not isinstance(data__admincmdmodules, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".admin_cmd_modules must be null")
                    data__admincmdmodules_any_of_count9 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__admincmdmodules_any_of_count9:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".admin_cmd_modules cannot be validated by any definition")
        if "result_processors" in data_keys:
            data_keys.remove("result_processors")
            data__resultprocessors = data["result_processors"]
            data__resultprocessors_any_of_count10 = 0
            if not data__resultprocessors_any_of_count10:
                try:
                    validate___definitions_componentlist(data__resultprocessors, custom_formats, (name_prefix or "data") + ".result_processors")
                    data__resultprocessors_any_of_count10 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__resultprocessors_any_of_count10:
                try:
                    if not isinstance(data__resultprocessors, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".result_processors must be null")
                    data__resultprocessors_any_of_count10 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__resultprocessors_any_of_count10:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".result_processors cannot be validated by any definition")
        if "outbound_filters" in data_keys:
            data_keys.remove("outbound_filters")
            data__outboundfilters = data["outbound_filters"]
            data__outboundfilters_any_of_count11 = 0
            if not data__outboundfilters_any_of_count11:
                try:
                    validate___definitions_componentlist(data__outboundfilters, custom_formats, (name_prefix or "data") + ".outbound_filters")
                    data__outboundfilters_any_of_count11 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__outboundfilters_any_of_count11:
                try:
                    if not isinstance(data__outboundfilters, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".outbound_filters must be null")
                    data__outboundfilters_any_of_count11 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__outboundfilters_any_of_count11:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".outbound_filters cannot be validated by any definition")
        if "inbound_filters" in data_keys:
            data_keys.remove("inbound_filters")
            data__inboundfilters = data["inbound_filters"]
            data__inboundfilters_any_of_count12 = 0
            if not data__inboundfilters_any_of_count12:
                try:
                    validate___definitions_componentlist(data__inboundfilters, custom_formats, (name_prefix or "data") + ".inbound_filters")
                    data__inboundfilters_any_of_count12 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__inboundfilters_any_of_count12:
                try:
                    if not isinstance(data__inboundfilters, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".inbound_filters must be null")
                    data__inboundfilters_any_of_count12 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__inboundfilters_any_of_count12:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".inbound_filters cannot be validated by any definition")
        if "handlers" in data_keys:
            data_keys.remove("handlers")
            data__handlers = data["handlers"]
            data__handlers_any_of_count13 = 0
            if not data__handlers_any_of_count13:
                try:
                    validate___definitions_componentlist(data__handlers, custom_formats, (name_prefix or "data") + ".handlers")
                    data__handlers_any_of_count13 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__handlers_any_of_count13:
                try:
                    if not isinstance(data__handlers, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".handlers must be null")
                    data__handlers_any_of_count13 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__handlers_any_of_count13:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".handlers cannot be validated by any definition")
        for data_key, data_val in data.items():
            if REGEX_PATTERNS['^_'].search(data_key):
                if data_key in data_keys:
                    data_keys.remove(data_key)
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

def validate___definitions_componentlist(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (list, tuple)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be array")
    data_is_list = isinstance(data, (list, tuple))
    if data_is_list:
        data_len = len(data)
        for data_x, data_item in enumerate(data):
            validate___definitions_onecomponent(data_item, custom_formats, (name_prefix or "data") + "[{data_x}]".format(**locals()))
    return data

def validate___definitions_onecomponent(data, custom_formats={}, name_prefix=None):
    data_any_of_count14 = 0
    if not data_any_of_count14:
        try:
            validate___definitions_component(data, custom_formats, (name_prefix or "data") + "")
            data_any_of_count14 += 1
        except (JsonSchemaValueException, JsonSchemaValuesException): pass
    if not data_any_of_count14:
        try:
            validate___definitions_refcomponent(data, custom_formats, (name_prefix or "data") + "")
            data_any_of_count14 += 1
        except (JsonSchemaValueException, JsonSchemaValuesException): pass
    if not data_any_of_count14:
        raise JsonSchemaValueException("" + (name_prefix or "data") + " cannot be validated by any definition")
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
    data_any_of_count15 = 0
    if not data_any_of_count15:
        try:
            data_is_dict = isinstance(data, dict)
            if data_is_dict:
                data__missing_keys = set(['name']) - data.keys()
                if data__missing_keys:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain ")
            data_any_of_count15 += 1
        except (JsonSchemaValueException, JsonSchemaValuesException): pass
    if not data_any_of_count15:
        try:
            data_is_dict = isinstance(data, dict)
            if data_is_dict:
                data__missing_keys = set(['path']) - data.keys()
                if data__missing_keys:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain ")
            data_any_of_count15 += 1
        except (JsonSchemaValueException, JsonSchemaValuesException): pass
    if not data_any_of_count15:
        raise JsonSchemaValueException("" + (name_prefix or "data") + " cannot be validated by any definition")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        if "name" in data_keys:
            data_keys.remove("name")
            data__name = data["name"]
            data__name_any_of_count16 = 0
            if not data__name_any_of_count16:
                try:
                    if not isinstance(data__name, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".name must be string")
                    if isinstance(data__name, str):
                        data__name_len = len(data__name)
                        if data__name_len < 1:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".name must be longer than or equal to 1 characters")
                    data__name_any_of_count16 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__name_any_of_count16:
                try:
                    if not isinstance(data__name, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".name must be null")
                    data__name_any_of_count16 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__name_any_of_count16:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".name cannot be validated by any definition")
        if "path" in data_keys:
            data_keys.remove("path")
            data__path = data["path"]
            data__path_any_of_count17 = 0
            if not data__path_any_of_count17:
                try:
                    if not isinstance(data__path, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".path must be string")
                    if isinstance(data__path, str):
                        data__path_len = len(data__path)
                        if data__path_len < 1:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".path must be longer than or equal to 1 characters")
                    data__path_any_of_count17 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__path_any_of_count17:
                try:
                    if not isinstance(data__path, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".path must be null")
                    data__path_any_of_count17 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__path_any_of_count17:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".path cannot be validated by any definition")
        if "args" in data_keys:
            data_keys.remove("args")
            data__args = data["args"]
            data__args_any_of_count18 = 0
            if not data__args_any_of_count18:
                try:
                    if not isinstance(data__args, (dict)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".args must be object")
                    data__args_is_dict = isinstance(data__args, dict)
                    if data__args_is_dict:
                        data__args_keys = set(data__args.keys())
                    data__args_any_of_count18 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__args_any_of_count18:
                try:
                    if not isinstance(data__args, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".args must be null")
                    data__args_any_of_count18 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__args_any_of_count18:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".args cannot be validated by any definition")
        if "disabled" in data_keys:
            data_keys.remove("disabled")
            data__disabled = data["disabled"]
            data__disabled_any_of_count19 = 0
            if not data__disabled_any_of_count19:
                try:
                    if not isinstance(data__disabled, (bool)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".disabled must be boolean")
                    data__disabled_any_of_count19 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__disabled_any_of_count19:
                try:
                    validate___definitions_placeholder(data__disabled, custom_formats, (name_prefix or "data") + ".disabled")
                    data__disabled_any_of_count19 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__disabled_any_of_count19:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".disabled cannot be validated by any definition")
        if "rank" in data_keys:
            data_keys.remove("rank")
            data__rank = data["rank"]
            data__rank_any_of_count20 = 0
            if not data__rank_any_of_count20:
                try:
                    if not isinstance(data__rank, (int)) or isinstance(data__rank, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".rank must be integer")
                    if isinstance(data__rank, (int, float)) and not isinstance(data__rank, bool):
                        if data__rank < 0:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".rank must be bigger than or equal to 0")
                    data__rank_any_of_count20 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__rank_any_of_count20:
                try:
                    validate___definitions_placeholder(data__rank, custom_formats, (name_prefix or "data") + ".rank")
                    data__rank_any_of_count20 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__rank_any_of_count20:
                try:
                    if not isinstance(data__rank, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".rank must be null")
                    data__rank_any_of_count20 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__rank_any_of_count20:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".rank cannot be validated by any definition")
        if "log_label" in data_keys:
            data_keys.remove("log_label")
            data__loglabel = data["log_label"]
            data__loglabel_any_of_count21 = 0
            if not data__loglabel_any_of_count21:
                try:
                    if not isinstance(data__loglabel, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".log_label must be string")
                    data__loglabel_any_of_count21 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__loglabel_any_of_count21:
                try:
                    if not isinstance(data__loglabel, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".log_label must be null")
                    data__loglabel_any_of_count21 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__loglabel_any_of_count21:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".log_label cannot be validated by any definition")
        if "search" in data_keys:
            data_keys.remove("search")
            data__search = data["search"]
            data__search_any_of_count22 = 0
            if not data__search_any_of_count22:
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
                    data__search_any_of_count22 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__search_any_of_count22:
                try:
                    if not isinstance(data__search, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".search must be null")
                    data__search_any_of_count22 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__search_any_of_count22:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".search cannot be validated by any definition")
        if "apply" in data_keys:
            data_keys.remove("apply")
            data__apply = data["apply"]
            data__apply_any_of_count23 = 0
            if not data__apply_any_of_count23:
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
                    data__apply_any_of_count23 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__apply_any_of_count23:
                try:
                    if not isinstance(data__apply, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".apply must be null")
                    data__apply_any_of_count23 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__apply_any_of_count23:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".apply cannot be validated by any definition")
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

def validate___definitions_serverentry(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        if "name" in data_keys:
            data_keys.remove("name")
            data__name = data["name"]
            data__name_any_of_count24 = 0
            if not data__name_any_of_count24:
                try:
                    if not isinstance(data__name, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".name must be string")
                    if isinstance(data__name, str):
                        data__name_len = len(data__name)
                        if data__name_len < 1:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".name must be longer than or equal to 1 characters")
                    data__name_any_of_count24 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__name_any_of_count24:
                try:
                    if not isinstance(data__name, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".name must be null")
                    data__name_any_of_count24 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__name_any_of_count24:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".name cannot be validated by any definition")
        if "min_num_clients" in data_keys:
            data_keys.remove("min_num_clients")
            data__minnumclients = data["min_num_clients"]
            data__minnumclients_any_of_count25 = 0
            if not data__minnumclients_any_of_count25:
                try:
                    if not isinstance(data__minnumclients, (int)) or isinstance(data__minnumclients, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".min_num_clients must be integer")
                    if isinstance(data__minnumclients, (int, float)) and not isinstance(data__minnumclients, bool):
                        if data__minnumclients < 1:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".min_num_clients must be bigger than or equal to 1")
                    data__minnumclients_any_of_count25 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__minnumclients_any_of_count25:
                try:
                    validate___definitions_placeholder(data__minnumclients, custom_formats, (name_prefix or "data") + ".min_num_clients")
                    data__minnumclients_any_of_count25 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__minnumclients_any_of_count25:
                try:
                    if not isinstance(data__minnumclients, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".min_num_clients must be null")
                    data__minnumclients_any_of_count25 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__minnumclients_any_of_count25:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".min_num_clients cannot be validated by any definition")
        if "max_num_clients" in data_keys:
            data_keys.remove("max_num_clients")
            data__maxnumclients = data["max_num_clients"]
            data__maxnumclients_any_of_count26 = 0
            if not data__maxnumclients_any_of_count26:
                try:
                    if not isinstance(data__maxnumclients, (int)) or isinstance(data__maxnumclients, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".max_num_clients must be integer")
                    if isinstance(data__maxnumclients, (int, float)) and not isinstance(data__maxnumclients, bool):
                        if data__maxnumclients < 1:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".max_num_clients must be bigger than or equal to 1")
                    data__maxnumclients_any_of_count26 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__maxnumclients_any_of_count26:
                try:
                    validate___definitions_placeholder(data__maxnumclients, custom_formats, (name_prefix or "data") + ".max_num_clients")
                    data__maxnumclients_any_of_count26 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__maxnumclients_any_of_count26:
                try:
                    if not isinstance(data__maxnumclients, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".max_num_clients must be null")
                    data__maxnumclients_any_of_count26 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__maxnumclients_any_of_count26:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".max_num_clients cannot be validated by any definition")
        if "wait_after_min_clients" in data_keys:
            data_keys.remove("wait_after_min_clients")
            data__waitafterminclients = data["wait_after_min_clients"]
            data__waitafterminclients_any_of_count27 = 0
            if not data__waitafterminclients_any_of_count27:
                try:
                    if not isinstance(data__waitafterminclients, (int, float)) or isinstance(data__waitafterminclients, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".wait_after_min_clients must be number")
                    if isinstance(data__waitafterminclients, (int, float)) and not isinstance(data__waitafterminclients, bool):
                        if data__waitafterminclients < 0:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".wait_after_min_clients must be bigger than or equal to 0")
                    data__waitafterminclients_any_of_count27 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__waitafterminclients_any_of_count27:
                try:
                    validate___definitions_placeholder(data__waitafterminclients, custom_formats, (name_prefix or "data") + ".wait_after_min_clients")
                    data__waitafterminclients_any_of_count27 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__waitafterminclients_any_of_count27:
                try:
                    if not isinstance(data__waitafterminclients, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".wait_after_min_clients must be null")
                    data__waitafterminclients_any_of_count27 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__waitafterminclients_any_of_count27:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".wait_after_min_clients cannot be validated by any definition")
        if "heart_beat_timeout" in data_keys:
            data_keys.remove("heart_beat_timeout")
            data__heartbeattimeout = data["heart_beat_timeout"]
            data__heartbeattimeout_any_of_count28 = 0
            if not data__heartbeattimeout_any_of_count28:
                try:
                    if not isinstance(data__heartbeattimeout, (int, float)) or isinstance(data__heartbeattimeout, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".heart_beat_timeout must be number")
                    if isinstance(data__heartbeattimeout, (int, float)) and not isinstance(data__heartbeattimeout, bool):
                        if data__heartbeattimeout <= 0:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".heart_beat_timeout must be bigger than 0")
                    data__heartbeattimeout_any_of_count28 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__heartbeattimeout_any_of_count28:
                try:
                    validate___definitions_placeholder(data__heartbeattimeout, custom_formats, (name_prefix or "data") + ".heart_beat_timeout")
                    data__heartbeattimeout_any_of_count28 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__heartbeattimeout_any_of_count28:
                try:
                    if not isinstance(data__heartbeattimeout, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".heart_beat_timeout must be null")
                    data__heartbeattimeout_any_of_count28 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__heartbeattimeout_any_of_count28:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".heart_beat_timeout cannot be validated by any definition")
        if "upload_slots" in data_keys:
            data_keys.remove("upload_slots")
            data__uploadslots = data["upload_slots"]
            data__uploadslots_any_of_count29 = 0
            if not data__uploadslots_any_of_count29:
                try:
                    if not isinstance(data__uploadslots, (int)) or isinstance(data__uploadslots, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".upload_slots must be integer")
                    if isinstance(data__uploadslots, (int, float)) and not isinstance(data__uploadslots, bool):
                        if data__uploadslots < 0:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".upload_slots must be bigger than or equal to 0")
                        if data__uploadslots > 100000:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".upload_slots must be smaller than or equal to 100000")
                    data__uploadslots_any_of_count29 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__uploadslots_any_of_count29:
                try:
                    validate___definitions_placeholder(data__uploadslots, custom_formats, (name_prefix or "data") + ".upload_slots")
                    data__uploadslots_any_of_count29 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__uploadslots_any_of_count29:
                try:
                    if not isinstance(data__uploadslots, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".upload_slots must be null")
                    data__uploadslots_any_of_count29 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__uploadslots_any_of_count29:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".upload_slots cannot be validated by any definition")
        if "start_round" in data_keys:
            data_keys.remove("start_round")
            data__startround = data["start_round"]
            data__startround_any_of_count30 = 0
            if not data__startround_any_of_count30:
                try:
                    if not isinstance(data__startround, (int)) or isinstance(data__startround, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".start_round must be integer")
                    if isinstance(data__startround, (int, float)) and not isinstance(data__startround, bool):
                        if data__startround < 0:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".start_round must be bigger than or equal to 0")
                    data__startround_any_of_count30 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__startround_any_of_count30:
                try:
                    validate___definitions_placeholder(data__startround, custom_formats, (name_prefix or "data") + ".start_round")
                    data__startround_any_of_count30 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__startround_any_of_count30:
                try:
                    if not isinstance(data__startround, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".start_round must be null")
                    data__startround_any_of_count30 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__startround_any_of_count30:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".start_round cannot be validated by any definition")
        if "num_rounds" in data_keys:
            data_keys.remove("num_rounds")
            data__numrounds = data["num_rounds"]
            data__numrounds_any_of_count31 = 0
            if not data__numrounds_any_of_count31:
                try:
                    if not isinstance(data__numrounds, (int)) or isinstance(data__numrounds, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".num_rounds must be integer")
                    if isinstance(data__numrounds, (int, float)) and not isinstance(data__numrounds, bool):
                        if data__numrounds < 0:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".num_rounds must be bigger than or equal to 0")
                    data__numrounds_any_of_count31 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__numrounds_any_of_count31:
                try:
                    validate___definitions_placeholder(data__numrounds, custom_formats, (name_prefix or "data") + ".num_rounds")
                    data__numrounds_any_of_count31 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__numrounds_any_of_count31:
                try:
                    if not isinstance(data__numrounds, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".num_rounds must be null")
                    data__numrounds_any_of_count31 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__numrounds_any_of_count31:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".num_rounds cannot be validated by any definition")
        if "ssl_private_key" in data_keys:
            data_keys.remove("ssl_private_key")
            data__sslprivatekey = data["ssl_private_key"]
            data__sslprivatekey_any_of_count32 = 0
            if not data__sslprivatekey_any_of_count32:
                try:
                    if not isinstance(data__sslprivatekey, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".ssl_private_key must be string")
                    data__sslprivatekey_any_of_count32 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__sslprivatekey_any_of_count32:
                try:
                    if not isinstance(data__sslprivatekey, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".ssl_private_key must be null")
                    data__sslprivatekey_any_of_count32 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__sslprivatekey_any_of_count32:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".ssl_private_key cannot be validated by any definition")
        if "ssl_cert" in data_keys:
            data_keys.remove("ssl_cert")
            data__sslcert = data["ssl_cert"]
            data__sslcert_any_of_count33 = 0
            if not data__sslcert_any_of_count33:
                try:
                    if not isinstance(data__sslcert, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".ssl_cert must be string")
                    data__sslcert_any_of_count33 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__sslcert_any_of_count33:
                try:
                    if not isinstance(data__sslcert, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".ssl_cert must be null")
                    data__sslcert_any_of_count33 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__sslcert_any_of_count33:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".ssl_cert cannot be validated by any definition")
        if "ssl_root_cert" in data_keys:
            data_keys.remove("ssl_root_cert")
            data__sslrootcert = data["ssl_root_cert"]
            data__sslrootcert_any_of_count34 = 0
            if not data__sslrootcert_any_of_count34:
                try:
                    if not isinstance(data__sslrootcert, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".ssl_root_cert must be string")
                    data__sslrootcert_any_of_count34 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__sslrootcert_any_of_count34:
                try:
                    if not isinstance(data__sslrootcert, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".ssl_root_cert must be null")
                    data__sslrootcert_any_of_count34 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__sslrootcert_any_of_count34:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".ssl_root_cert cannot be validated by any definition")
        if "exclude_vars" in data_keys:
            data_keys.remove("exclude_vars")
            data__excludevars = data["exclude_vars"]
            data__excludevars_any_of_count35 = 0
            if not data__excludevars_any_of_count35:
                try:
                    if not isinstance(data__excludevars, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".exclude_vars must be string")
                    data__excludevars_any_of_count35 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__excludevars_any_of_count35:
                try:
                    if not isinstance(data__excludevars, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".exclude_vars must be null")
                    data__excludevars_any_of_count35 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__excludevars_any_of_count35:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".exclude_vars cannot be validated by any definition")
        if "num_server_workers" in data_keys:
            data_keys.remove("num_server_workers")
            data__numserverworkers = data["num_server_workers"]
            data__numserverworkers_any_of_count36 = 0
            if not data__numserverworkers_any_of_count36:
                try:
                    if not isinstance(data__numserverworkers, (int)) or isinstance(data__numserverworkers, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".num_server_workers must be integer")
                    if isinstance(data__numserverworkers, (int, float)) and not isinstance(data__numserverworkers, bool):
                        if data__numserverworkers < 1:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".num_server_workers must be bigger than or equal to 1")
                    data__numserverworkers_any_of_count36 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__numserverworkers_any_of_count36:
                try:
                    validate___definitions_placeholder(data__numserverworkers, custom_formats, (name_prefix or "data") + ".num_server_workers")
                    data__numserverworkers_any_of_count36 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__numserverworkers_any_of_count36:
                try:
                    if not isinstance(data__numserverworkers, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".num_server_workers must be null")
                    data__numserverworkers_any_of_count36 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__numserverworkers_any_of_count36:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".num_server_workers cannot be validated by any definition")
        if "validate_on_server" in data_keys:
            data_keys.remove("validate_on_server")
            data__validateonserver = data["validate_on_server"]
            data__validateonserver_any_of_count37 = 0
            if not data__validateonserver_any_of_count37:
                try:
                    if not isinstance(data__validateonserver, (bool)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".validate_on_server must be boolean")
                    data__validateonserver_any_of_count37 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__validateonserver_any_of_count37:
                try:
                    validate___definitions_placeholder(data__validateonserver, custom_formats, (name_prefix or "data") + ".validate_on_server")
                    data__validateonserver_any_of_count37 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__validateonserver_any_of_count37:
                try:
                    if not isinstance(data__validateonserver, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".validate_on_server must be null")
                    data__validateonserver_any_of_count37 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__validateonserver_any_of_count37:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".validate_on_server cannot be validated by any definition")
        if "num_rounds_per_valid" in data_keys:
            data_keys.remove("num_rounds_per_valid")
            data__numroundspervalid = data["num_rounds_per_valid"]
            data__numroundspervalid_any_of_count38 = 0
            if not data__numroundspervalid_any_of_count38:
                try:
                    if not isinstance(data__numroundspervalid, (int)) or isinstance(data__numroundspervalid, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".num_rounds_per_valid must be integer")
                    if isinstance(data__numroundspervalid, (int, float)) and not isinstance(data__numroundspervalid, bool):
                        if data__numroundspervalid < 1:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".num_rounds_per_valid must be bigger than or equal to 1")
                    data__numroundspervalid_any_of_count38 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__numroundspervalid_any_of_count38:
                try:
                    validate___definitions_placeholder(data__numroundspervalid, custom_formats, (name_prefix or "data") + ".num_rounds_per_valid")
                    data__numroundspervalid_any_of_count38 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__numroundspervalid_any_of_count38:
                try:
                    if not isinstance(data__numroundspervalid, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".num_rounds_per_valid must be null")
                    data__numroundspervalid_any_of_count38 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__numroundspervalid_any_of_count38:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".num_rounds_per_valid cannot be validated by any definition")
        if "compression" in data_keys:
            data_keys.remove("compression")
            data__compression = data["compression"]
            data__compression_any_of_count39 = 0
            if not data__compression_any_of_count39:
                try:
                    if not isinstance(data__compression, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".compression must be string")
                    data__compression_any_of_count39 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__compression_any_of_count39:
                try:
                    if not isinstance(data__compression, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".compression must be null")
                    data__compression_any_of_count39 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__compression_any_of_count39:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".compression cannot be validated by any definition")
        if "service" in data_keys:
            data_keys.remove("service")
            data__service = data["service"]
            data__service_any_of_count40 = 0
            if not data__service_any_of_count40:
                try:
                    if not isinstance(data__service, (dict)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".service must be object")
                    data__service_is_dict = isinstance(data__service, dict)
                    if data__service_is_dict:
                        data__service_keys = set(data__service.keys())
                    data__service_any_of_count40 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__service_any_of_count40:
                try:
                    if not isinstance(data__service, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".service must be null")
                    data__service_any_of_count40 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__service_any_of_count40:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".service cannot be validated by any definition")
        for data_key, data_val in data.items():
            if REGEX_PATTERNS['^_'].search(data_key):
                if data_key in data_keys:
                    data_keys.remove(data_key)
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

def validate___definitions_fedserverv1(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['format_version', 'servers']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain ")
        data_keys = set(data.keys())
        if "$schema" in data_keys:
            data_keys.remove("$schema")
            data__schema = data["$schema"]
            data__schema_any_of_count41 = 0
            if not data__schema_any_of_count41:
                try:
                    if not isinstance(data__schema, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".$schema must be string")
                    data__schema_any_of_count41 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__schema_any_of_count41:
                try:
                    if not isinstance(data__schema, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".$schema must be null")
                    data__schema_any_of_count41 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__schema_any_of_count41:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".$schema cannot be validated by any definition")
        if "format_version" in data_keys:
            data_keys.remove("format_version")
            data__formatversion = data["format_version"]
            if not isinstance(data__formatversion, (int)) or isinstance(data__formatversion, bool):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".format_version must be integer")
            if not (isinstance(data__formatversion, (int, float)) and not isinstance(data__formatversion, bool) and data__formatversion == 1):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".format_version must be one of [1]")
        if "servers" in data_keys:
            data_keys.remove("servers")
            data__servers = data["servers"]
            if not isinstance(data__servers, (list, tuple)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".servers must be array")
            data__servers_is_list = isinstance(data__servers, (list, tuple))
            if data__servers_is_list:
                data__servers_len = len(data__servers)
                if data__servers_len < 1:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".servers must contain at least 1 items")
                for data__servers_x, data__servers_item in enumerate(data__servers):
                    validate___definitions_serverentry(data__servers_item, custom_formats, (name_prefix or "data") + ".servers[{data__servers_x}]".format(**locals()))
        if "aggregator" in data_keys:
            data_keys.remove("aggregator")
            data__aggregator = data["aggregator"]
            data__aggregator_any_of_count42 = 0
            if not data__aggregator_any_of_count42:
                try:
                    validate___definitions_onecomponent(data__aggregator, custom_formats, (name_prefix or "data") + ".aggregator")
                    data__aggregator_any_of_count42 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__aggregator_any_of_count42:
                try:
                    if not isinstance(data__aggregator, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".aggregator must be null")
                    data__aggregator_any_of_count42 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__aggregator_any_of_count42:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".aggregator cannot be validated by any definition")
        if "model_persistor" in data_keys:
            data_keys.remove("model_persistor")
            data__modelpersistor = data["model_persistor"]
            data__modelpersistor_any_of_count43 = 0
            if not data__modelpersistor_any_of_count43:
                try:
                    validate___definitions_onecomponent(data__modelpersistor, custom_formats, (name_prefix or "data") + ".model_persistor")
                    data__modelpersistor_any_of_count43 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__modelpersistor_any_of_count43:
                try:
                    if not isinstance(data__modelpersistor, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".model_persistor must be null")
                    data__modelpersistor_any_of_count43 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__modelpersistor_any_of_count43:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".model_persistor cannot be validated by any definition")
        if "shareable_generator" in data_keys:
            data_keys.remove("shareable_generator")
            data__shareablegenerator = data["shareable_generator"]
            data__shareablegenerator_any_of_count44 = 0
            if not data__shareablegenerator_any_of_count44:
                try:
                    validate___definitions_onecomponent(data__shareablegenerator, custom_formats, (name_prefix or "data") + ".shareable_generator")
                    data__shareablegenerator_any_of_count44 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__shareablegenerator_any_of_count44:
                try:
                    if not isinstance(data__shareablegenerator, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".shareable_generator must be null")
                    data__shareablegenerator_any_of_count44 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__shareablegenerator_any_of_count44:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".shareable_generator cannot be validated by any definition")
        if "outbound_filters" in data_keys:
            data_keys.remove("outbound_filters")
            data__outboundfilters = data["outbound_filters"]
            data__outboundfilters_any_of_count45 = 0
            if not data__outboundfilters_any_of_count45:
                try:
                    validate___definitions_componentlist(data__outboundfilters, custom_formats, (name_prefix or "data") + ".outbound_filters")
                    data__outboundfilters_any_of_count45 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__outboundfilters_any_of_count45:
                try:
                    if not isinstance(data__outboundfilters, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".outbound_filters must be null")
                    data__outboundfilters_any_of_count45 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__outboundfilters_any_of_count45:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".outbound_filters cannot be validated by any definition")
        if "inbound_filters" in data_keys:
            data_keys.remove("inbound_filters")
            data__inboundfilters = data["inbound_filters"]
            data__inboundfilters_any_of_count46 = 0
            if not data__inboundfilters_any_of_count46:
                try:
                    validate___definitions_componentlist(data__inboundfilters, custom_formats, (name_prefix or "data") + ".inbound_filters")
                    data__inboundfilters_any_of_count46 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__inboundfilters_any_of_count46:
                try:
                    if not isinstance(data__inboundfilters, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".inbound_filters must be null")
                    data__inboundfilters_any_of_count46 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__inboundfilters_any_of_count46:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".inbound_filters cannot be validated by any definition")
        if "handlers" in data_keys:
            data_keys.remove("handlers")
            data__handlers = data["handlers"]
            data__handlers_any_of_count47 = 0
            if not data__handlers_any_of_count47:
                try:
                    validate___definitions_componentlist(data__handlers, custom_formats, (name_prefix or "data") + ".handlers")
                    data__handlers_any_of_count47 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__handlers_any_of_count47:
                try:
                    if not isinstance(data__handlers, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".handlers must be null")
                    data__handlers_any_of_count47 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__handlers_any_of_count47:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".handlers cannot be validated by any definition")
        for data_key, data_val in data.items():
            if REGEX_PATTERNS['^_'].search(data_key):
                if data_key in data_keys:
                    data_keys.remove(data_key)
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

SETTINGS = frozenset([])
