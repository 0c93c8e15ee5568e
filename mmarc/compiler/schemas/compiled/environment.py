# Generated from schemas/environment.draft-07.schema.json by
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
    '^_': re.compile('^_')
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
        for data_key, data_val in data.items():
            if REGEX_PATTERNS['^_'].search(data_key):
                if data_key in data_keys:
                    data_keys.remove(data_key)
        for data_key in data_keys:
            if data_key not in ['$schema']:
                data_value = data.get(data_key)
                if not isinstance(data_value, (str, int, float, bool)):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}".format(**locals()) + " must be string or number or boolean")
    return data

SETTINGS = frozenset(['$schema'])
