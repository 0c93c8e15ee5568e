# Generated from schemas/authz_config.draft-07.schema.json by
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
        if "version" in data_keys:
            data_keys.remove("version")
            data__version = data["version"]
            data__version_any_of_count2 = 0
            if not data__version_any_of_count2:
                try:
                    if not isinstance(data__version, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".version must be string")
                    data__version_any_of_count2 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__version_any_of_count2:
                try:
                    if not isinstance(data__version, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".version must be null")
                    data__version_any_of_count2 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__version_any_of_count2:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".version cannot be validated by any definition")
        if "roles" in data_keys:
            data_keys.remove("roles")
            data__roles = data["roles"]
            data__roles_any_of_count3 = 0
            if not data__roles_any_of_count3:
                try:
                    if not isinstance(data__roles, (dict)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".roles must be object")
                    data__roles_is_dict = isinstance(data__roles, dict)
                    if data__roles_is_dict:
                        data__roles_keys = set(data__roles.keys())
                        for data__roles_key, data__roles_val in data__roles.items():
                            if REGEX_PATTERNS['^_'].search(data__roles_key):
                                if data__roles_key in data__roles_keys:
                                    data__roles_keys.remove(data__roles_key)
                        for data__roles_key in data__roles_keys:
                            if data__roles_key not in []:
                                data__roles_value = data__roles.get(data__roles_key)
                                if not isinstance(data__roles_value, (str)):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".roles.{data__roles_key}".format(**locals()) + " must be string")
                    data__roles_any_of_count3 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__roles_any_of_count3:
                try:
                    if not isinstance(data__roles, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".roles must be null")
                    data__roles_any_of_count3 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__roles_any_of_count3:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".roles cannot be validated by any definition")
        if "groups" in data_keys:
            data_keys.remove("groups")
            data__groups = data["groups"]
            data__groups_any_of_count4 = 0
            if not data__groups_any_of_count4:
                try:
                    if not isinstance(data__groups, (dict)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".groups must be object")
                    data__groups_is_dict = isinstance(data__groups, dict)
                    if data__groups_is_dict:
                        data__groups_keys = set(data__groups.keys())
                        for data__groups_key, data__groups_val in data__groups.items():
                            if REGEX_PATTERNS['^_'].search(data__groups_key):
                                if data__groups_key in data__groups_keys:
                                    data__groups_keys.remove(data__groups_key)
                        for data__groups_key in data__groups_keys:
                            if data__groups_key not in []:
                                data__groups_value = data__groups.get(data__groups_key)
                                validate___definitions_group(data__groups_value, custom_formats, (name_prefix or "data") + ".groups.{data__groups_key}".format(**locals()))
                    data__groups_any_of_count4 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__groups_any_of_count4:
                try:
                    if not isinstance(data__groups, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".groups must be null")
                    data__groups_any_of_count4 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__groups_any_of_count4:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".groups cannot be validated by any definition")
        if "users" in data_keys:
            data_keys.remove("users")
            data__users = data["users"]
            data__users_any_of_count5 = 0
            if not data__users_any_of_count5:
                try:
                    if not isinstance(data__users, (dict)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".users must be object")
                    data__users_is_dict = isinstance(data__users, dict)
                    if data__users_is_dict:
                        data__users_keys = set(data__users.keys())
                        for data__users_key, data__users_val in data__users.items():
                            if REGEX_PATTERNS['^_'].search(data__users_key):
                                if data__users_key in data__users_keys:
                                    data__users_keys.remove(data__users_key)
                        for data__users_key in data__users_keys:
                            if data__users_key not in []:
                                data__users_value = data__users.get(data__users_key)
                                validate___definitions_user(data__users_value, custom_formats, (name_prefix or "data") + ".users.{data__users_key}".format(**locals()))
                    data__users_any_of_count5 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__users_any_of_count5:
                try:
                    if not isinstance(data__users, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".users must be null")
                    data__users_any_of_count5 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__users_any_of_count5:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".users cannot be validated by any definition")
        if "orgs" in data_keys:
            data_keys.remove("orgs")
            data__orgs = data["orgs"]
            data__orgs_any_of_count6 = 0
            if not data__orgs_any_of_count6:
                try:
                    if not isinstance(data__orgs, (dict)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".orgs must be object")
                    data__orgs_is_dict = isinstance(data__orgs, dict)
                    if data__orgs_is_dict:
                        data__orgs_keys = set(data__orgs.keys())
                        for data__orgs_key, data__orgs_val in data__orgs.items():
                            if REGEX_PATTERNS['^_'].search(data__orgs_key):
                                if data__orgs_key in data__orgs_keys:
                                    data__orgs_keys.remove(data__orgs_key)
                        for data__orgs_key in data__orgs_keys:
                            if data__orgs_key not in []:
                                data__orgs_value = data__orgs.get(data__orgs_key)
                                if not isinstance(data__orgs_value, (list, tuple)):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".orgs.{data__orgs_key}".format(**locals()) + " must be array")
                                data__orgs_value_is_list = isinstance(data__orgs_value, (list, tuple))
                                if data__orgs_value_is_list:
                                    data__orgs_value_len = len(data__orgs_value)
                                    for data__orgs_value_x, data__orgs_value_item in enumerate(data__orgs_value):
                                        if not isinstance(data__orgs_value_item, (str)):
                                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".orgs.{data__orgs_key}[{data__orgs_value_x}]".format(**locals()) + " must be string")
                    data__orgs_any_of_count6 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__orgs_any_of_count6:
                try:
                    if not isinstance(data__orgs, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".orgs must be null")
                    data__orgs_any_of_count6 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__orgs_any_of_count6:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".orgs cannot be validated by any definition")
        if "sites" in data_keys:
            data_keys.remove("sites")
            data__sites = data["sites"]
            data__sites_any_of_count7 = 0
            if not data__sites_any_of_count7:
                try:
                    if not isinstance(data__sites, (dict)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".sites must be object")
                    data__sites_is_dict = isinstance(data__sites, dict)
                    if data__sites_is_dict:
                        data__sites_keys = set(data__sites.keys())
                        for data__sites_key, data__sites_val in data__sites.items():
                            if REGEX_PATTERNS['^_'].search(data__sites_key):
                                if data__sites_key in data__sites_keys:
                                    data__sites_keys.remove(data__sites_key)
                        for data__sites_key in data__sites_keys:
                            if data__sites_key not in []:
                                data__sites_value = data__sites.get(data__sites_key)
                                if not isinstance(data__sites_value, (str)):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".sites.{data__sites_key}".format(**locals()) + " must be string")
                    data__sites_any_of_count7 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__sites_any_of_count7:
                try:
                    if not isinstance(data__sites, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".sites must be null")
                    data__sites_any_of_count7 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__sites_any_of_count7:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".sites cannot be validated by any definition")
        for data_key, data_val in data.items():
            if REGEX_PATTERNS['^_'].search(data_key):
                if data_key in data_keys:
                    data_keys.remove(data_key)
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

def validate___definitions_user(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['org', 'roles']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain ")
        data_keys = set(data.keys())
        if "org" in data_keys:
            data_keys.remove("org")
            data__org = data["org"]
            if not isinstance(data__org, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".org must be string")
        if "roles" in data_keys:
            data_keys.remove("roles")
            data__roles = data["roles"]
            if not isinstance(data__roles, (list, tuple)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".roles must be array")
            data__roles_is_list = isinstance(data__roles, (list, tuple))
            if data__roles_is_list:
                data__roles_len = len(data__roles)
                for data__roles_x, data__roles_item in enumerate(data__roles):
                    if not isinstance(data__roles_item, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".roles[{data__roles_x}]".format(**locals()) + " must be string")
        for data_key, data_val in data.items():
            if REGEX_PATTERNS['^_'].search(data_key):
                if data_key in data_keys:
                    data_keys.remove(data_key)
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

def validate___definitions_group(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        if "desc" in data_keys:
            data_keys.remove("desc")
            data__desc = data["desc"]
            data__desc_any_of_count8 = 0
            if not data__desc_any_of_count8:
                try:
                    if not isinstance(data__desc, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".desc must be string")
                    data__desc_any_of_count8 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__desc_any_of_count8:
                try:
                    if not isinstance(data__desc, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".desc must be null")
                    data__desc_any_of_count8 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__desc_any_of_count8:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".desc cannot be validated by any definition")
        if "rules" in data_keys:
            data_keys.remove("rules")
            data__rules = data["rules"]
            data__rules_any_of_count9 = 0
            if not data__rules_any_of_count9:
                try:
                    validate___definitions_grouprules(data__rules, custom_formats, (name_prefix or "data") + ".rules")
                    data__rules_any_of_count9 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__rules_any_of_count9:
                try:
                    if not isinstance(data__rules, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".rules must be null")
                    data__rules_any_of_count9 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__rules_any_of_count9:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".rules cannot be validated by any definition")
        if "role_rights" in data_keys:
            data_keys.remove("role_rights")
            data__rolerights = data["role_rights"]
            data__rolerights_any_of_count10 = 0
            if not data__rolerights_any_of_count10:
                try:
                    if not isinstance(data__rolerights, (dict)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".role_rights must be object")
                    data__rolerights_is_dict = isinstance(data__rolerights, dict)
                    if data__rolerights_is_dict:
                        data__rolerights_keys = set(data__rolerights.keys())
                        for data__rolerights_key, data__rolerights_val in data__rolerights.items():
                            if REGEX_PATTERNS['^_'].search(data__rolerights_key):
                                if data__rolerights_key in data__rolerights_keys:
                                    data__rolerights_keys.remove(data__rolerights_key)
                        for data__rolerights_key in data__rolerights_keys:
                            if data__rolerights_key not in []:
                                data__rolerights_value = data__rolerights.get(data__rolerights_key)
                                validate___definitions_rolerights(data__rolerights_value, custom_formats, (name_prefix or "data") + ".role_rights.{data__rolerights_key}".format(**locals()))
                    data__rolerights_any_of_count10 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__rolerights_any_of_count10:
                try:
                    if not isinstance(data__rolerights, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".role_rights must be null")
                    data__rolerights_any_of_count10 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__rolerights_any_of_count10:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".role_rights cannot be validated by any definition")
        for data_key, data_val in data.items():
            if REGEX_PATTERNS['^_'].search(data_key):
                if data_key in data_keys:
                    data_keys.remove(data_key)
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

def validate___definitions_rolerights(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        if "upload_mmar" in data_keys:
            data_keys.remove("upload_mmar")
            data__uploadmmar = data["upload_mmar"]
            data__uploadmmar_any_of_count11 = 0
            if not data__uploadmmar_any_of_count11:
                try:
                    if not isinstance(data__uploadmmar, (bool)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".upload_mmar must be boolean")
                    data__uploadmmar_any_of_count11 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__uploadmmar_any_of_count11:
                try:
                    if not isinstance(data__uploadmmar, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".upload_mmar must be null")
                    data__uploadmmar_any_of_count11 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__uploadmmar_any_of_count11:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".upload_mmar cannot be validated by any definition")
        if "deploy_self" in data_keys:
            data_keys.remove("deploy_self")
            data__deployself = data["deploy_self"]
            data__deployself_any_of_count12 = 0
            if not data__deployself_any_of_count12:
                try:
                    if not isinstance(data__deployself, (bool)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".deploy_self must be boolean")
                    data__deployself_any_of_count12 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__deployself_any_of_count12:
                try:
                    if not isinstance(data__deployself, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".deploy_self must be null")
                    data__deployself_any_of_count12 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__deployself_any_of_count12:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".deploy_self cannot be validated by any definition")
        if "deploy_all" in data_keys:
            data_keys.remove("deploy_all")
            data__deployall = data["deploy_all"]
            data__deployall_any_of_count13 = 0
            if not data__deployall_any_of_count13:
                try:
                    if not isinstance(data__deployall, (bool)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".deploy_all must be boolean")
                    data__deployall_any_of_count13 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__deployall_any_of_count13:
                try:
                    if not isinstance(data__deployall, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".deploy_all must be null")
                    data__deployall_any_of_count13 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__deployall_any_of_count13:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".deploy_all cannot be validated by any definition")
        if "train_self" in data_keys:
            data_keys.remove("train_self")
            data__trainself = data["train_self"]
            data__trainself_any_of_count14 = 0
            if not data__trainself_any_of_count14:
                try:
                    if not isinstance(data__trainself, (bool)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".train_self must be boolean")
                    data__trainself_any_of_count14 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__trainself_any_of_count14:
                try:
                    if not isinstance(data__trainself, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".train_self must be null")
                    data__trainself_any_of_count14 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__trainself_any_of_count14:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".train_self cannot be validated by any definition")
        if "train_all" in data_keys:
            data_keys.remove("train_all")
            data__trainall = data["train_all"]
            data__trainall_any_of_count15 = 0
            if not data__trainall_any_of_count15:
                try:
                    if not isinstance(data__trainall, (bool)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".train_all must be boolean")
                    data__trainall_any_of_count15 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__trainall_any_of_count15:
                try:
                    if not isinstance(data__trainall, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".train_all must be null")
                    data__trainall_any_of_count15 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__trainall_any_of_count15:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".train_all cannot be validated by any definition")
        if "view_self" in data_keys:
            data_keys.remove("view_self")
            data__viewself = data["view_self"]
            data__viewself_any_of_count16 = 0
            if not data__viewself_any_of_count16:
                try:
                    if not isinstance(data__viewself, (bool)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".view_self must be boolean")
                    data__viewself_any_of_count16 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__viewself_any_of_count16:
                try:
                    if not isinstance(data__viewself, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".view_self must be null")
                    data__viewself_any_of_count16 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__viewself_any_of_count16:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".view_self cannot be validated by any definition")
        if "view_all" in data_keys:
            data_keys.remove("view_all")
            data__viewall = data["view_all"]
            data__viewall_any_of_count17 = 0
            if not data__viewall_any_of_count17:
                try:
                    if not isinstance(data__viewall, (bool)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".view_all must be boolean")
                    data__viewall_any_of_count17 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__viewall_any_of_count17:
                try:
                    if not isinstance(data__viewall, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".view_all must be null")
                    data__viewall_any_of_count17 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__viewall_any_of_count17:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".view_all cannot be validated by any definition")
        if "operate_self" in data_keys:
            data_keys.remove("operate_self")
            data__operateself = data["operate_self"]
            data__operateself_any_of_count18 = 0
            if not data__operateself_any_of_count18:
                try:
                    if not isinstance(data__operateself, (bool)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".operate_self must be boolean")
                    data__operateself_any_of_count18 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__operateself_any_of_count18:
                try:
                    if not isinstance(data__operateself, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".operate_self must be null")
                    data__operateself_any_of_count18 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__operateself_any_of_count18:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".operate_self cannot be validated by any definition")
        if "operate_all" in data_keys:
            data_keys.remove("operate_all")
            data__operateall = data["operate_all"]
            data__operateall_any_of_count19 = 0
            if not data__operateall_any_of_count19:
                try:
                    if not isinstance(data__operateall, (bool)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".operate_all must be boolean")
                    data__operateall_any_of_count19 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__operateall_any_of_count19:
                try:
                    if not isinstance(data__operateall, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".operate_all must be null")
                    data__operateall_any_of_count19 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__operateall_any_of_count19:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".operate_all cannot be validated by any definition")
        for data_key, data_val in data.items():
            if REGEX_PATTERNS['^_'].search(data_key):
                if data_key in data_keys:
                    data_keys.remove(data_key)
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

def validate___definitions_grouprules(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        if "allow_byoc" in data_keys:
            data_keys.remove("allow_byoc")
            data__allowbyoc = data["allow_byoc"]
            data__allowbyoc_any_of_count20 = 0
            if not data__allowbyoc_any_of_count20:
                try:
                    if not isinstance(data__allowbyoc, (bool)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".allow_byoc must be boolean")
                    data__allowbyoc_any_of_count20 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__allowbyoc_any_of_count20:
                try:
                    if not isinstance(data__allowbyoc, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".allow_byoc must be null")
                    data__allowbyoc_any_of_count20 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__allowbyoc_any_of_count20:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".allow_byoc cannot be validated by any definition")
        if "allow_custom_datalist" in data_keys:
            data_keys.remove("allow_custom_datalist")
            data__allowcustomdatalist = data["allow_custom_datalist"]
            data__allowcustomdatalist_any_of_count21 = 0
            if not data__allowcustomdatalist_any_of_count21:
                try:
                    if not isinstance(data__allowcustomdatalist, (bool)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".allow_custom_datalist must be boolean")
                    data__allowcustomdatalist_any_of_count21 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__allowcustomdatalist_any_of_count21:
                try:
                    if not isinstance(data__allowcustomdatalist, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".allow_custom_datalist must be null")
                    data__allowcustomdatalist_any_of_count21 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__allowcustomdatalist_any_of_count21:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".allow_custom_datalist cannot be validated by any definition")
        for data_key, data_val in data.items():
            if REGEX_PATTERNS['^_'].search(data_key):
                if data_key in data_keys:
                    data_keys.remove(data_key)
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

SETTINGS = frozenset(['$schema', 'groups', 'orgs', 'roles', 'sites', 'users', 'version'])
