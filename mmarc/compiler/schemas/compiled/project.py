# Generated from schemas/project.draft-07.schema.json by
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
    data_any_of_count1 = 0
    if not data_any_of_count1:
        try:
            validate___definitions_clara40project(data, custom_formats, (name_prefix or "data") + "")
            data_any_of_count1 += 1
        except (JsonSchemaValueException, JsonSchemaValuesException): pass
    if not data_any_of_count1:
        try:
            validate___definitions_flareproject(data, custom_formats, (name_prefix or "data") + "")
            data_any_of_count1 += 1
        except (JsonSchemaValueException, JsonSchemaValuesException): pass
    if not data_any_of_count1:
        raise JsonSchemaValueException("" + (name_prefix or "data") + " cannot be validated by any definition")
    return data

def validate___definitions_flareproject(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['api_version', 'name', 'participants']) - data.keys()
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
        if "api_version" in data_keys:
            data_keys.remove("api_version")
            data__apiversion = data["api_version"]
            if not isinstance(data__apiversion, (int)) or isinstance(data__apiversion, bool):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".api_version must be integer")
            if not (isinstance(data__apiversion, (int, float)) and not isinstance(data__apiversion, bool) and data__apiversion == 2 or isinstance(data__apiversion, (int, float)) and not isinstance(data__apiversion, bool) and data__apiversion == 3):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".api_version must be one of [2, 3]")
        if "name" in data_keys:
            data_keys.remove("name")
            data__name = data["name"]
            if not isinstance(data__name, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".name must be string")
            if isinstance(data__name, str):
                data__name_len = len(data__name)
                if data__name_len < 1:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".name must be longer than or equal to 1 characters")
        if "description" in data_keys:
            data_keys.remove("description")
            data__description = data["description"]
            data__description_any_of_count3 = 0
            if not data__description_any_of_count3:
                try:
                    if not isinstance(data__description, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".description must be string")
                    data__description_any_of_count3 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__description_any_of_count3:
                try:
                    if not isinstance(data__description, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".description must be null")
                    data__description_any_of_count3 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__description_any_of_count3:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".description cannot be validated by any definition")
        if "participants" in data_keys:
            data_keys.remove("participants")
            data__participants = data["participants"]
            if not isinstance(data__participants, (list, tuple)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".participants must be array")
            data__participants_is_list = isinstance(data__participants, (list, tuple))
            if data__participants_is_list:
                data__participants_len = len(data__participants)
                for data__participants_x, data__participants_item in enumerate(data__participants):
                    validate___definitions_participant(data__participants_item, custom_formats, (name_prefix or "data") + ".participants[{data__participants_x}]".format(**locals()))
        if "builders" in data_keys:
            data_keys.remove("builders")
            data__builders = data["builders"]
            data__builders_any_of_count4 = 0
            if not data__builders_any_of_count4:
                try:
                    if not isinstance(data__builders, (list, tuple)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".builders must be array")
                    data__builders_is_list = isinstance(data__builders, (list, tuple))
                    if data__builders_is_list:
                        data__builders_len = len(data__builders)
                        for data__builders_x, data__builders_item in enumerate(data__builders):
                            validate___definitions_builder(data__builders_item, custom_formats, (name_prefix or "data") + ".builders[{data__builders_x}]".format(**locals()))
                    data__builders_any_of_count4 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__builders_any_of_count4:
                try:
                    if not isinstance(data__builders, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".builders must be null")
                    data__builders_any_of_count4 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__builders_any_of_count4:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".builders cannot be validated by any definition")
        for data_key, data_val in data.items():
            if REGEX_PATTERNS['^_'].search(data_key):
                if data_key in data_keys:
                    data_keys.remove(data_key)
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

def validate___definitions_builder(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['path']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain ")
        data_keys = set(data.keys())
        if "path" in data_keys:
            data_keys.remove("path")
            data__path = data["path"]
            if not isinstance(data__path, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".path must be string")
            if isinstance(data__path, str):
                data__path_len = len(data__path)
                if data__path_len < 1:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".path must be longer than or equal to 1 characters")
        if "args" in data_keys:
            data_keys.remove("args")
            data__args = data["args"]
            data__args_any_of_count5 = 0
            if not data__args_any_of_count5:
                try:
                    if not isinstance(data__args, (dict)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".args must be object")
                    data__args_is_dict = isinstance(data__args, dict)
                    if data__args_is_dict:
                        data__args_keys = set(data__args.keys())
                    data__args_any_of_count5 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__args_any_of_count5:
                try:
                    if not isinstance(data__args, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".args must be null")
                    data__args_any_of_count5 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__args_any_of_count5:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".args cannot be validated by any definition")
        for data_key, data_val in data.items():
            if REGEX_PATTERNS['^_'].search(data_key):
                if data_key in data_keys:
                    data_keys.remove(data_key)
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

def validate___definitions_participant(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['name', 'type', 'org']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain ")
        data_keys = set(data.keys())
        if "name" in data_keys:
            data_keys.remove("name")
            data__name = data["name"]
            if not isinstance(data__name, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".name must be string")
            if isinstance(data__name, str):
                data__name_len = len(data__name)
                if data__name_len < 1:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".name must be longer than or equal to 1 characters")
        if "type" in data_keys:
            data_keys.remove("type")
            data__type = data["type"]
            if not isinstance(data__type, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".type must be string")
            if not (isinstance(data__type, str) and data__type == 'server' or isinstance(data__type, str) and data__type == 'client' or isinstance(data__type, str) and data__type == 'admin' or isinstance(data__type, str) and data__type == 'overseer' or isinstance(data__type, str) and data__type == 'relay'):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".type must be one of ['server', 'client', 'admin', 'overseer', 'relay']")
        if "org" in data_keys:
            data_keys.remove("org")
            data__org = data["org"]
            if not isinstance(data__org, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".org must be string")
        if "fed_learn_port" in data_keys:
            data_keys.remove("fed_learn_port")
            data__fedlearnport = data["fed_learn_port"]
            data__fedlearnport_any_of_count6 = 0
            if not data__fedlearnport_any_of_count6:
                try:
                    if not isinstance(data__fedlearnport, (int)) or isinstance(data__fedlearnport, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".fed_learn_port must be integer")
                    if isinstance(data__fedlearnport, (int, float)) and not isinstance(data__fedlearnport, bool):
                        if data__fedlearnport < 1:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".fed_learn_port must be bigger than or equal to 1")
                        if data__fedlearnport > 65535:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".fed_learn_port must be smaller than or equal to 65535")
                    data__fedlearnport_any_of_count6 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__fedlearnport_any_of_count6:
                try:
                    if not isinstance(data__fedlearnport, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".fed_learn_port must be null")
                    data__fedlearnport_any_of_count6 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__fedlearnport_any_of_count6:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".fed_learn_port cannot be validated by any definition")
        if "admin_port" in data_keys:
            data_keys.remove("admin_port")
            data__adminport = data["admin_port"]
            data__adminport_any_of_count7 = 0
            if not data__adminport_any_of_count7:
                try:
                    if not isinstance(data__adminport, (int)) or isinstance(data__adminport, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".admin_port must be integer")
                    if isinstance(data__adminport, (int, float)) and not isinstance(data__adminport, bool):
                        if data__adminport < 1:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".admin_port must be bigger than or equal to 1")
                        if data__adminport > 65535:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".admin_port must be smaller than or equal to 65535")
                    data__adminport_any_of_count7 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__adminport_any_of_count7:
                try:
                    if not isinstance(data__adminport, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".admin_port must be null")
                    data__adminport_any_of_count7 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__adminport_any_of_count7:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".admin_port cannot be validated by any definition")
        if "enable_byoc" in data_keys:
            data_keys.remove("enable_byoc")
            data__enablebyoc = data["enable_byoc"]
            data__enablebyoc_any_of_count8 = 0
            if not data__enablebyoc_any_of_count8:
                try:
                    if not isinstance(data__enablebyoc, (bool)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".enable_byoc must be boolean")
                    data__enablebyoc_any_of_count8 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__enablebyoc_any_of_count8:
                try:
                    if not isinstance(data__enablebyoc, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".enable_byoc must be null")
                    data__enablebyoc_any_of_count8 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__enablebyoc_any_of_count8:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".enable_byoc cannot be validated by any definition")
        if "roles" in data_keys:
            data_keys.remove("roles")
            data__roles = data["roles"]
            data__roles_any_of_count9 = 0
            if not data__roles_any_of_count9:
                try:
                    if not isinstance(data__roles, (list, tuple)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".roles must be array")
                    data__roles_is_list = isinstance(data__roles, (list, tuple))
                    if data__roles_is_list:
                        data__roles_len = len(data__roles)
                        for data__roles_x, data__roles_item in enumerate(data__roles):
                            if not isinstance(data__roles_item, (str)):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".roles[{data__roles_x}]".format(**locals()) + " must be string")
                    data__roles_any_of_count9 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__roles_any_of_count9:
                try:
                    if not isinstance(data__roles, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".roles must be null")
                    data__roles_any_of_count9 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__roles_any_of_count9:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".roles cannot be validated by any definition")
        if "role" in data_keys:
            data_keys.remove("role")
            data__role = data["role"]
            data__role_any_of_count10 = 0
            if not data__role_any_of_count10:
                try:
                    if not isinstance(data__role, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".role must be string")
                    if not (isinstance(data__role, str) and data__role == 'project_admin' or isinstance(data__role, str) and data__role == 'org_admin' or isinstance(data__role, str) and data__role == 'lead' or isinstance(data__role, str) and data__role == 'member'):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".role must be one of ['project_admin', 'org_admin', 'lead', 'member']")
                    data__role_any_of_count10 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__role_any_of_count10:
                try:
                    if not isinstance(data__role, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".role must be null")
                    data__role_any_of_count10 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__role_any_of_count10:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".role cannot be validated by any definition")
        if "listening_host" in data_keys:
            data_keys.remove("listening_host")
            data__listeninghost = data["listening_host"]
            data__listeninghost_any_of_count11 = 0
            if not data__listeninghost_any_of_count11:
                try:
                    if not isinstance(data__listeninghost, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".listening_host must be string")
                    data__listeninghost_any_of_count11 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__listeninghost_any_of_count11:
                try:
                    if not isinstance(data__listeninghost, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".listening_host must be null")
                    data__listeninghost_any_of_count11 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__listeninghost_any_of_count11:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".listening_host cannot be validated by any definition")
        if "default_host" in data_keys:
            data_keys.remove("default_host")
            data__defaulthost = data["default_host"]
            data__defaulthost_any_of_count12 = 0
            if not data__defaulthost_any_of_count12:
                try:
                    if not isinstance(data__defaulthost, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".default_host must be string")
                    data__defaulthost_any_of_count12 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__defaulthost_any_of_count12:
                try:
                    if not isinstance(data__defaulthost, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".default_host must be null")
                    data__defaulthost_any_of_count12 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__defaulthost_any_of_count12:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".default_host cannot be validated by any definition")
        if "host_names" in data_keys:
            data_keys.remove("host_names")
            data__hostnames = data["host_names"]
            data__hostnames_any_of_count13 = 0
            if not data__hostnames_any_of_count13:
                try:
                    if not isinstance(data__hostnames, (list, tuple)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".host_names must be array")
                    data__hostnames_is_list = isinstance(data__hostnames, (list, tuple))
                    if data__hostnames_is_list:
                        data__hostnames_len = len(data__hostnames)
                        for data__hostnames_x, data__hostnames_item in enumerate(data__hostnames):
                            if not isinstance(data__hostnames_item, (str)):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".host_names[{data__hostnames_x}]".format(**locals()) + " must be string")
                    data__hostnames_any_of_count13 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__hostnames_any_of_count13:
                try:
                    if not isinstance(data__hostnames, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".host_names must be null")
                    data__hostnames_any_of_count13 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__hostnames_any_of_count13:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".host_names cannot be validated by any definition")
        if "connection_security" in data_keys:
            data_keys.remove("connection_security")
            data__connectionsecurity = data["connection_security"]
            data__connectionsecurity_any_of_count14 = 0
            if not data__connectionsecurity_any_of_count14:
                try:
                    if not isinstance(data__connectionsecurity, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".connection_security must be string")
                    data__connectionsecurity_any_of_count14 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__connectionsecurity_any_of_count14:
                try:
                    if not isinstance(data__connectionsecurity, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".connection_security must be null")
                    data__connectionsecurity_any_of_count14 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__connectionsecurity_any_of_count14:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".connection_security cannot be validated by any definition")
        if "protocol" in data_keys:
            data_keys.remove("protocol")
            data__protocol = data["protocol"]
            data__protocol_any_of_count15 = 0
            if not data__protocol_any_of_count15:
                try:
                    if not isinstance(data__protocol, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".protocol must be string")
                    data__protocol_any_of_count15 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__protocol_any_of_count15:
                try:
                    if not isinstance(data__protocol, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".protocol must be null")
                    data__protocol_any_of_count15 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__protocol_any_of_count15:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".protocol cannot be validated by any definition")
        if "api_root" in data_keys:
            data_keys.remove("api_root")
            data__apiroot = data["api_root"]
            data__apiroot_any_of_count16 = 0
            if not data__apiroot_any_of_count16:
                try:
                    if not isinstance(data__apiroot, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".api_root must be string")
                    data__apiroot_any_of_count16 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__apiroot_any_of_count16:
                try:
                    if not isinstance(data__apiroot, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".api_root must be null")
                    data__apiroot_any_of_count16 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__apiroot_any_of_count16:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".api_root cannot be validated by any definition")
        if "port" in data_keys:
            data_keys.remove("port")
            data__port = data["port"]
            data__port_any_of_count17 = 0
            if not data__port_any_of_count17:
                try:
                    if not isinstance(data__port, (int)) or isinstance(data__port, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".port must be integer")
                    if isinstance(data__port, (int, float)) and not isinstance(data__port, bool):
                        if data__port < 1:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".port must be bigger than or equal to 1")
                        if data__port > 65535:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".port must be smaller than or equal to 65535")
                    data__port_any_of_count17 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__port_any_of_count17:
                try:
                    if not isinstance(data__port, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".port must be null")
                    data__port_any_of_count17 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__port_any_of_count17:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".port cannot be validated by any definition")
        if "connect_to" in data_keys:
            data_keys.remove("connect_to")
            data__connectto = data["connect_to"]
        for data_key, data_val in data.items():
            if REGEX_PATTERNS['^_'].search(data_key):
                if data_key in data_keys:
                    data_keys.remove(data_key)
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

def validate___definitions_clara40project(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['name', 'server']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain ")
        data_keys = set(data.keys())
        if "$schema" in data_keys:
            data_keys.remove("$schema")
            data__schema = data["$schema"]
            data__schema_any_of_count18 = 0
            if not data__schema_any_of_count18:
                try:
                    if not isinstance(data__schema, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".$schema must be string")
                    data__schema_any_of_count18 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__schema_any_of_count18:
                try:
                    if not isinstance(data__schema, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".$schema must be null")
                    data__schema_any_of_count18 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__schema_any_of_count18:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".$schema cannot be validated by any definition")
        if "name" in data_keys:
            data_keys.remove("name")
            data__name = data["name"]
            if not isinstance(data__name, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".name must be string")
            if isinstance(data__name, str):
                data__name_len = len(data__name)
                if data__name_len < 1:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".name must be longer than or equal to 1 characters")
        if "config_folder" in data_keys:
            data_keys.remove("config_folder")
            data__configfolder = data["config_folder"]
            data__configfolder_any_of_count19 = 0
            if not data__configfolder_any_of_count19:
                try:
                    if not isinstance(data__configfolder, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".config_folder must be string")
                    data__configfolder_any_of_count19 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__configfolder_any_of_count19:
                try:
                    if not isinstance(data__configfolder, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".config_folder must be null")
                    data__configfolder_any_of_count19 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__configfolder_any_of_count19:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".config_folder cannot be validated by any definition")
        if "he" in data_keys:
            data_keys.remove("he")
            data__he = data["he"]
            data__he_any_of_count20 = 0
            if not data__he_any_of_count20:
                try:
                    validate___definitions_homomorphicencryption(data__he, custom_formats, (name_prefix or "data") + ".he")
                    data__he_any_of_count20 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__he_any_of_count20:
                try:
                    if not isinstance(data__he, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".he must be null")
                    data__he_any_of_count20 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__he_any_of_count20:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".he cannot be validated by any definition")
        if "server" in data_keys:
            data_keys.remove("server")
            data__server = data["server"]
            validate___definitions_clara40server(data__server, custom_formats, (name_prefix or "data") + ".server")
        if "fl_clients" in data_keys:
            data_keys.remove("fl_clients")
            data__flclients = data["fl_clients"]
            data__flclients_any_of_count21 = 0
            if not data__flclients_any_of_count21:
                try:
                    if not isinstance(data__flclients, (list, tuple)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".fl_clients must be array")
                    data__flclients_is_list = isinstance(data__flclients, (list, tuple))
                    if data__flclients_is_list:
                        data__flclients_len = len(data__flclients)
                        for data__flclients_x, data__flclients_item in enumerate(data__flclients):
                            validate___definitions_clara40flclient(data__flclients_item, custom_formats, (name_prefix or "data") + ".fl_clients[{data__flclients_x}]".format(**locals()))
                    data__flclients_any_of_count21 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__flclients_any_of_count21:
                try:
                    if not isinstance(data__flclients, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".fl_clients must be null")
                    data__flclients_any_of_count21 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__flclients_any_of_count21:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".fl_clients cannot be validated by any definition")
        if "admin_clients" in data_keys:
            data_keys.remove("admin_clients")
            data__adminclients = data["admin_clients"]
            data__adminclients_any_of_count22 = 0
            if not data__adminclients_any_of_count22:
                try:
                    if not isinstance(data__adminclients, (list, tuple)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".admin_clients must be array")
                    data__adminclients_is_list = isinstance(data__adminclients, (list, tuple))
                    if data__adminclients_is_list:
                        data__adminclients_len = len(data__adminclients)
                        for data__adminclients_x, data__adminclients_item in enumerate(data__adminclients):
                            validate___definitions_clara40adminclient(data__adminclients_item, custom_formats, (name_prefix or "data") + ".admin_clients[{data__adminclients_x}]".format(**locals()))
                    data__adminclients_any_of_count22 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__adminclients_any_of_count22:
                try:
                    if not isinstance(data__adminclients, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".admin_clients must be null")
                    data__adminclients_any_of_count22 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__adminclients_any_of_count22:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".admin_clients cannot be validated by any definition")
        for data_key, data_val in data.items():
            if REGEX_PATTERNS['^_'].search(data_key):
                if data_key in data_keys:
                    data_keys.remove(data_key)
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

def validate___definitions_clara40adminclient(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['org', 'email']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain ")
        data_keys = set(data.keys())
        if "org" in data_keys:
            data_keys.remove("org")
            data__org = data["org"]
            if not isinstance(data__org, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".org must be string")
        if "email" in data_keys:
            data_keys.remove("email")
            data__email = data["email"]
            if not isinstance(data__email, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".email must be string")
            if isinstance(data__email, str):
                data__email_len = len(data__email)
                if data__email_len < 1:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".email must be longer than or equal to 1 characters")
        for data_key, data_val in data.items():
            if REGEX_PATTERNS['^_'].search(data_key):
                if data_key in data_keys:
                    data_keys.remove(data_key)
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

def validate___definitions_clara40flclient(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['org', 'client_name']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain ")
        data_keys = set(data.keys())
        if "org" in data_keys:
            data_keys.remove("org")
            data__org = data["org"]
            if not isinstance(data__org, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".org must be string")
        if "client_name" in data_keys:
            data_keys.remove("client_name")
            data__clientname = data["client_name"]
            if not isinstance(data__clientname, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".client_name must be string")
            if isinstance(data__clientname, str):
                data__clientname_len = len(data__clientname)
                if data__clientname_len < 1:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".client_name must be longer than or equal to 1 characters")
        for data_key, data_val in data.items():
            if REGEX_PATTERNS['^_'].search(data_key):
                if data_key in data_keys:
                    data_keys.remove(data_key)
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

def validate___definitions_clara40server(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['org', 'cn']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain ")
        data_keys = set(data.keys())
        if "org" in data_keys:
            data_keys.remove("org")
            data__org = data["org"]
            if not isinstance(data__org, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".org must be string")
        if "cn" in data_keys:
            data_keys.remove("cn")
            data__cn = data["cn"]
            if not isinstance(data__cn, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".cn must be string")
        if "fed_learn_port" in data_keys:
            data_keys.remove("fed_learn_port")
            data__fedlearnport = data["fed_learn_port"]
            data__fedlearnport_any_of_count23 = 0
            if not data__fedlearnport_any_of_count23:
                try:
                    if not isinstance(data__fedlearnport, (int)) or isinstance(data__fedlearnport, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".fed_learn_port must be integer")
                    if isinstance(data__fedlearnport, (int, float)) and not isinstance(data__fedlearnport, bool):
                        if data__fedlearnport < 1:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".fed_learn_port must be bigger than or equal to 1")
                        if data__fedlearnport > 65535:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".fed_learn_port must be smaller than or equal to 65535")
                    data__fedlearnport_any_of_count23 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__fedlearnport_any_of_count23:
                try:
                    if not isinstance(data__fedlearnport, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".fed_learn_port must be null")
                    data__fedlearnport_any_of_count23 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__fedlearnport_any_of_count23:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".fed_learn_port cannot be validated by any definition")
        if "admin_port" in data_keys:
            data_keys.remove("admin_port")
            data__adminport = data["admin_port"]
            data__adminport_any_of_count24 = 0
            if not data__adminport_any_of_count24:
                try:
                    if not isinstance(data__adminport, (int)) or isinstance(data__adminport, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".admin_port must be integer")
                    if isinstance(data__adminport, (int, float)) and not isinstance(data__adminport, bool):
                        if data__adminport < 1:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".admin_port must be bigger than or equal to 1")
                        if data__adminport > 65535:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".admin_port must be smaller than or equal to 65535")
                    data__adminport_any_of_count24 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__adminport_any_of_count24:
                try:
                    if not isinstance(data__adminport, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".admin_port must be null")
                    data__adminport_any_of_count24 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__adminport_any_of_count24:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".admin_port cannot be validated by any definition")
        if "admin_storage" in data_keys:
            data_keys.remove("admin_storage")
            data__adminstorage = data["admin_storage"]
            data__adminstorage_any_of_count25 = 0
            if not data__adminstorage_any_of_count25:
                try:
                    if not isinstance(data__adminstorage, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".admin_storage must be string")
                    data__adminstorage_any_of_count25 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__adminstorage_any_of_count25:
                try:
                    if not isinstance(data__adminstorage, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".admin_storage must be null")
                    data__adminstorage_any_of_count25 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__adminstorage_any_of_count25:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".admin_storage cannot be validated by any definition")
        if "min_num_clients" in data_keys:
            data_keys.remove("min_num_clients")
            data__minnumclients = data["min_num_clients"]
            data__minnumclients_any_of_count26 = 0
            if not data__minnumclients_any_of_count26:
                try:
                    if not isinstance(data__minnumclients, (int)) or isinstance(data__minnumclients, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".min_num_clients must be integer")
                    if isinstance(data__minnumclients, (int, float)) and not isinstance(data__minnumclients, bool):
                        if data__minnumclients < 1:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".min_num_clients must be bigger than or equal to 1")
                    data__minnumclients_any_of_count26 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__minnumclients_any_of_count26:
                try:
                    if not isinstance(data__minnumclients, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".min_num_clients must be null")
                    data__minnumclients_any_of_count26 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__minnumclients_any_of_count26:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".min_num_clients cannot be validated by any definition")
        if "max_num_clients" in data_keys:
            data_keys.remove("max_num_clients")
            data__maxnumclients = data["max_num_clients"]
            data__maxnumclients_any_of_count27 = 0
            if not data__maxnumclients_any_of_count27:
                try:
                    if not isinstance(data__maxnumclients, (int)) or isinstance(data__maxnumclients, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".max_num_clients must be integer")
                    if isinstance(data__maxnumclients, (int, float)) and not isinstance(data__maxnumclients, bool):
                        if data__maxnumclients < 1:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".max_num_clients must be bigger than or equal to 1")
                    data__maxnumclients_any_of_count27 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__maxnumclients_any_of_count27:
                try:
                    if not isinstance(data__maxnumclients, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".max_num_clients must be null")
                    data__maxnumclients_any_of_count27 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__maxnumclients_any_of_count27:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".max_num_clients cannot be validated by any definition")
        if "auth" in data_keys:
            data_keys.remove("auth")
            data__auth = data["auth"]
            data__auth_any_of_count28 = 0
            if not data__auth_any_of_count28:
                try:
                    if not isinstance(data__auth, (bool)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".auth must be boolean")
                    data__auth_any_of_count28 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__auth_any_of_count28:
                try:
                    if not isinstance(data__auth, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".auth must be null")
                    data__auth_any_of_count28 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__auth_any_of_count28:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".auth cannot be validated by any definition")
        if "config_validator" in data_keys:
            data_keys.remove("config_validator")
            data__configvalidator = data["config_validator"]
        for data_key, data_val in data.items():
            if REGEX_PATTERNS['^_'].search(data_key):
                if data_key in data_keys:
                    data_keys.remove(data_key)
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

def validate___definitions_homomorphicencryption(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['lib']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain ")
        data_keys = set(data.keys())
        if "lib" in data_keys:
            data_keys.remove("lib")
            data__lib = data["lib"]
            if not isinstance(data__lib, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".lib must be string")
        if "config" in data_keys:
            data_keys.remove("config")
            data__config = data["config"]
            data__config_any_of_count29 = 0
            if not data__config_any_of_count29:
                try:
                    validate___definitions_heconfig(data__config, custom_formats, (name_prefix or "data") + ".config")
                    data__config_any_of_count29 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__config_any_of_count29:
                try:
                    if not isinstance(data__config, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".config must be null")
                    data__config_any_of_count29 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__config_any_of_count29:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".config cannot be validated by any definition")
        for data_key, data_val in data.items():
            if REGEX_PATTERNS['^_'].search(data_key):
                if data_key in data_keys:
                    data_keys.remove(data_key)
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

def validate___definitions_heconfig(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        if "poly_modulus_degree" in data_keys:
            data_keys.remove("poly_modulus_degree")
            data__polymodulusdegree = data["poly_modulus_degree"]
            data__polymodulusdegree_any_of_count30 = 0
            if not data__polymodulusdegree_any_of_count30:
                try:
                    if not isinstance(data__polymodulusdegree, (int)) or isinstance(data__polymodulusdegree, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".poly_modulus_degree must be integer")
                    if isinstance(data__polymodulusdegree, (int, float)) and not isinstance(data__polymodulusdegree, bool):
                        if data__polymodulusdegree < 1:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".poly_modulus_degree must be bigger than or equal to 1")
                    data__polymodulusdegree_any_of_count30 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__polymodulusdegree_any_of_count30:
                try:
                    if not isinstance(data__polymodulusdegree, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".poly_modulus_degree must be null")
                    data__polymodulusdegree_any_of_count30 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__polymodulusdegree_any_of_count30:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".poly_modulus_degree cannot be validated by any definition")
        if "coeff_mod_bit_sizes" in data_keys:
            data_keys.remove("coeff_mod_bit_sizes")
            data__coeffmodbitsizes = data["coeff_mod_bit_sizes"]
            data__coeffmodbitsizes_any_of_count31 = 0
            if not data__coeffmodbitsizes_any_of_count31:
                try:
                    if not isinstance(data__coeffmodbitsizes, (list, tuple)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".coeff_mod_bit_sizes must be array")
                    data__coeffmodbitsizes_is_list = isinstance(data__coeffmodbitsizes, (list, tuple))
                    if data__coeffmodbitsizes_is_list:
                        data__coeffmodbitsizes_len = len(data__coeffmodbitsizes)
                        for data__coeffmodbitsizes_x, data__coeffmodbitsizes_item in enumerate(data__coeffmodbitsizes):
                            if not isinstance(data__coeffmodbitsizes_item, (int)) or isinstance(data__coeffmodbitsizes_item, bool):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".coeff_mod_bit_sizes[{data__coeffmodbitsizes_x}]".format(**locals()) + " must be integer")
                            if isinstance(data__coeffmodbitsizes_item, (int, float)) and not isinstance(data__coeffmodbitsizes_item, bool):
                                if data__coeffmodbitsizes_item < 1:
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".coeff_mod_bit_sizes[{data__coeffmodbitsizes_x}]".format(**locals()) + " must be bigger than or equal to 1")
                    data__coeffmodbitsizes_any_of_count31 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__coeffmodbitsizes_any_of_count31:
                try:
                    if not isinstance(data__coeffmodbitsizes, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".coeff_mod_bit_sizes must be null")
                    data__coeffmodbitsizes_any_of_count31 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__coeffmodbitsizes_any_of_count31:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".coeff_mod_bit_sizes cannot be validated by any definition")
        if "scale_bits" in data_keys:
            data_keys.remove("scale_bits")
            data__scalebits = data["scale_bits"]
            data__scalebits_any_of_count32 = 0
            if not data__scalebits_any_of_count32:
                try:
                    if not isinstance(data__scalebits, (int)) or isinstance(data__scalebits, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".scale_bits must be integer")
                    if isinstance(data__scalebits, (int, float)) and not isinstance(data__scalebits, bool):
                        if data__scalebits < 1:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".scale_bits must be bigger than or equal to 1")
                    data__scalebits_any_of_count32 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__scalebits_any_of_count32:
                try:
                    if not isinstance(data__scalebits, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".scale_bits must be null")
                    data__scalebits_any_of_count32 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__scalebits_any_of_count32:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".scale_bits cannot be validated by any definition")
        if "scheme" in data_keys:
            data_keys.remove("scheme")
            data__scheme = data["scheme"]
            data__scheme_any_of_count33 = 0
            if not data__scheme_any_of_count33:
                try:
                    if not isinstance(data__scheme, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".scheme must be string")
                    if not (isinstance(data__scheme, str) and data__scheme == 'CKKS' or isinstance(data__scheme, str) and data__scheme == 'BFV'):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".scheme must be one of ['CKKS', 'BFV']")
                    data__scheme_any_of_count33 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__scheme_any_of_count33:
                try:
                    if not isinstance(data__scheme, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".scheme must be null")
                    data__scheme_any_of_count33 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__scheme_any_of_count33:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".scheme cannot be validated by any definition")
        for data_key, data_val in data.items():
            if REGEX_PATTERNS['^_'].search(data_key):
                if data_key in data_keys:
                    data_keys.remove(data_key)
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

SETTINGS = frozenset([])
