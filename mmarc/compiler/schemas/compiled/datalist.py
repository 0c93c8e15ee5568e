# Generated from schemas/datalist.draft-07.schema.json by
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
        if "name" in data_keys:
            data_keys.remove("name")
            data__name = data["name"]
            data__name_any_of_count2 = 0
            if not data__name_any_of_count2:
                try:
                    if not isinstance(data__name, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".name must be string")
                    data__name_any_of_count2 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__name_any_of_count2:
                try:
                    if not isinstance(data__name, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".name must be null")
                    data__name_any_of_count2 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__name_any_of_count2:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".name cannot be validated by any definition")
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
        if "reference" in data_keys:
            data_keys.remove("reference")
            data__reference = data["reference"]
            data__reference_any_of_count4 = 0
            if not data__reference_any_of_count4:
                try:
                    if not isinstance(data__reference, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".reference must be string")
                    data__reference_any_of_count4 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__reference_any_of_count4:
                try:
                    if not isinstance(data__reference, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".reference must be null")
                    data__reference_any_of_count4 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__reference_any_of_count4:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".reference cannot be validated by any definition")
        if "licence" in data_keys:
            data_keys.remove("licence")
            data__licence = data["licence"]
            data__licence_any_of_count5 = 0
            if not data__licence_any_of_count5:
                try:
                    if not isinstance(data__licence, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".licence must be string")
                    data__licence_any_of_count5 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__licence_any_of_count5:
                try:
                    if not isinstance(data__licence, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".licence must be null")
                    data__licence_any_of_count5 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__licence_any_of_count5:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".licence cannot be validated by any definition")
        if "license" in data_keys:
            data_keys.remove("license")
            data__license = data["license"]
            data__license_any_of_count6 = 0
            if not data__license_any_of_count6:
                try:
                    if not isinstance(data__license, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".license must be string")
                    data__license_any_of_count6 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__license_any_of_count6:
                try:
                    if not isinstance(data__license, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".license must be null")
                    data__license_any_of_count6 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__license_any_of_count6:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".license cannot be validated by any definition")
        if "release" in data_keys:
            data_keys.remove("release")
            data__release = data["release"]
            data__release_any_of_count7 = 0
            if not data__release_any_of_count7:
                try:
                    if not isinstance(data__release, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".release must be string")
                    data__release_any_of_count7 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__release_any_of_count7:
                try:
                    if not isinstance(data__release, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".release must be null")
                    data__release_any_of_count7 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__release_any_of_count7:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".release cannot be validated by any definition")
        if "tensorImageSize" in data_keys:
            data_keys.remove("tensorImageSize")
            data__tensorImageSize = data["tensorImageSize"]
            data__tensorImageSize_any_of_count8 = 0
            if not data__tensorImageSize_any_of_count8:
                try:
                    if not isinstance(data__tensorImageSize, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".tensorImageSize must be string")
                    data__tensorImageSize_any_of_count8 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__tensorImageSize_any_of_count8:
                try:
                    if not isinstance(data__tensorImageSize, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".tensorImageSize must be null")
                    data__tensorImageSize_any_of_count8 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__tensorImageSize_any_of_count8:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".tensorImageSize cannot be validated by any definition")
        if "modality" in data_keys:
            data_keys.remove("modality")
            data__modality = data["modality"]
            data__modality_any_of_count9 = 0
            if not data__modality_any_of_count9:
                try:
                    if not isinstance(data__modality, (dict)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".modality must be object")
                    data__modality_is_dict = isinstance(data__modality, dict)
                    if data__modality_is_dict:
                        data__modality_keys = set(data__modality.keys())
                        for data__modality_key, data__modality_val in data__modality.items():
                            if REGEX_PATTERNS['^_'].search(data__modality_key):
                                if data__modality_key in data__modality_keys:
                                    data__modality_keys.remove(data__modality_key)
                        for data__modality_key in data__modality_keys:
                            if data__modality_key not in []:
                                data__modality_value = data__modality.get(data__modality_key)
                                if not isinstance(data__modality_value, (str)):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".modality.{data__modality_key}".format(**locals()) + " must be string")
                    data__modality_any_of_count9 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__modality_any_of_count9:
                try:
                    if not isinstance(data__modality, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".modality must be null")
                    data__modality_any_of_count9 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__modality_any_of_count9:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".modality cannot be validated by any definition")
        if "labels" in data_keys:
            data_keys.remove("labels")
            data__labels = data["labels"]
            data__labels_any_of_count10 = 0
            if not data__labels_any_of_count10:
                try:
                    if not isinstance(data__labels, (dict)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".labels must be object")
                    data__labels_is_dict = isinstance(data__labels, dict)
                    if data__labels_is_dict:
                        data__labels_keys = set(data__labels.keys())
                        for data__labels_key, data__labels_val in data__labels.items():
                            if REGEX_PATTERNS['^_'].search(data__labels_key):
                                if data__labels_key in data__labels_keys:
                                    data__labels_keys.remove(data__labels_key)
                        for data__labels_key in data__labels_keys:
                            if data__labels_key not in []:
                                data__labels_value = data__labels.get(data__labels_key)
                                if not isinstance(data__labels_value, (str)):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".labels.{data__labels_key}".format(**locals()) + " must be string")
                    data__labels_any_of_count10 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__labels_any_of_count10:
                try:
                    if not isinstance(data__labels, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".labels must be null")
                    data__labels_any_of_count10 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__labels_any_of_count10:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".labels cannot be validated by any definition")
        if "numTraining" in data_keys:
            data_keys.remove("numTraining")
            data__numTraining = data["numTraining"]
            data__numTraining_any_of_count11 = 0
            if not data__numTraining_any_of_count11:
                try:
                    if not isinstance(data__numTraining, (int)) or isinstance(data__numTraining, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".numTraining must be integer")
                    if isinstance(data__numTraining, (int, float)) and not isinstance(data__numTraining, bool):
                        if data__numTraining < 0:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".numTraining must be bigger than or equal to 0")
                    data__numTraining_any_of_count11 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__numTraining_any_of_count11:
                try:
                    if not isinstance(data__numTraining, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".numTraining must be null")
                    data__numTraining_any_of_count11 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__numTraining_any_of_count11:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".numTraining cannot be validated by any definition")
        if "numValidation" in data_keys:
            data_keys.remove("numValidation")
            data__numValidation = data["numValidation"]
            data__numValidation_any_of_count12 = 0
            if not data__numValidation_any_of_count12:
                try:
                    if not isinstance(data__numValidation, (int)) or isinstance(data__numValidation, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".numValidation must be integer")
                    if isinstance(data__numValidation, (int, float)) and not isinstance(data__numValidation, bool):
                        if data__numValidation < 0:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".numValidation must be bigger than or equal to 0")
                    data__numValidation_any_of_count12 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__numValidation_any_of_count12:
                try:
                    if not isinstance(data__numValidation, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".numValidation must be null")
                    data__numValidation_any_of_count12 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__numValidation_any_of_count12:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".numValidation cannot be validated by any definition")
        if "numTest" in data_keys:
            data_keys.remove("numTest")
            data__numTest = data["numTest"]
            data__numTest_any_of_count13 = 0
            if not data__numTest_any_of_count13:
                try:
                    if not isinstance(data__numTest, (int)) or isinstance(data__numTest, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".numTest must be integer")
                    if isinstance(data__numTest, (int, float)) and not isinstance(data__numTest, bool):
                        if data__numTest < 0:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".numTest must be bigger than or equal to 0")
                    data__numTest_any_of_count13 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__numTest_any_of_count13:
                try:
                    if not isinstance(data__numTest, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".numTest must be null")
                    data__numTest_any_of_count13 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__numTest_any_of_count13:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".numTest cannot be validated by any definition")
        if "training" in data_keys:
            data_keys.remove("training")
            data__training = data["training"]
            data__training_any_of_count14 = 0
            if not data__training_any_of_count14:
                try:
                    if not isinstance(data__training, (list, tuple)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".training must be array")
                    data__training_is_list = isinstance(data__training, (list, tuple))
                    if data__training_is_list:
                        data__training_len = len(data__training)
                        for data__training_x, data__training_item in enumerate(data__training):
                            validate___definitions_dataitem(data__training_item, custom_formats, (name_prefix or "data") + ".training[{data__training_x}]".format(**locals()))
                    data__training_any_of_count14 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__training_any_of_count14:
                try:
                    if not isinstance(data__training, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".training must be null")
                    data__training_any_of_count14 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__training_any_of_count14:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".training cannot be validated by any definition")
        if "validation" in data_keys:
            data_keys.remove("validation")
            data__validation = data["validation"]
            data__validation_any_of_count15 = 0
            if not data__validation_any_of_count15:
                try:
                    if not isinstance(data__validation, (list, tuple)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".validation must be array")
                    data__validation_is_list = isinstance(data__validation, (list, tuple))
                    if data__validation_is_list:
                        data__validation_len = len(data__validation)
                        for data__validation_x, data__validation_item in enumerate(data__validation):
                            validate___definitions_dataitem(data__validation_item, custom_formats, (name_prefix or "data") + ".validation[{data__validation_x}]".format(**locals()))
                    data__validation_any_of_count15 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__validation_any_of_count15:
                try:
                    if not isinstance(data__validation, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".validation must be null")
                    data__validation_any_of_count15 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__validation_any_of_count15:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".validation cannot be validated by any definition")
        if "test" in data_keys:
            data_keys.remove("test")
            data__test = data["test"]
            data__test_any_of_count16 = 0
            if not data__test_any_of_count16:
                try:
                    if not isinstance(data__test, (list, tuple)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".test must be array")
                    data__test_is_list = isinstance(data__test, (list, tuple))
                    if data__test_is_list:
                        data__test_len = len(data__test)
                        for data__test_x, data__test_item in enumerate(data__test):
                            data__test_item_any_of_count17 = 0
                            if not data__test_item_any_of_count17:
                                try:
                                    if not isinstance(data__test_item, (str)):
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".test[{data__test_x}]".format(**locals()) + " must be string")
                                    data__test_item_any_of_count17 += 1
                                except (JsonSchemaValueException, JsonSchemaValuesException): pass
                            if not data__test_item_any_of_count17:
                                try:
                                    validate___definitions_dataitem(data__test_item, custom_formats, (name_prefix or "data") + ".test[{data__test_x}]".format(**locals()))
                                    data__test_item_any_of_count17 += 1
                                except (JsonSchemaValueException, JsonSchemaValuesException): pass
                            if not data__test_item_any_of_count17:
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".test[{data__test_x}]".format(**locals()) + " cannot be validated by any definition")
                    data__test_any_of_count16 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__test_any_of_count16:
                try:
                    if not isinstance(data__test, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".test must be null")
                    data__test_any_of_count16 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__test_any_of_count16:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".test cannot be validated by any definition")
    return data

def validate___definitions_dataitem(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['image']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain ")
        data_keys = set(data.keys())
        if "image" in data_keys:
            data_keys.remove("image")
            data__image = data["image"]
            data__image_any_of_count18 = 0
            if not data__image_any_of_count18:
                try:
                    if not isinstance(data__image, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".image must be string")
                    data__image_any_of_count18 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__image_any_of_count18:
                try:
                    if not isinstance(data__image, (list, tuple)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".image must be array")
                    data__image_is_list = isinstance(data__image, (list, tuple))
                    if data__image_is_list:
                        data__image_len = len(data__image)
                        for data__image_x, data__image_item in enumerate(data__image):
                            if not isinstance(data__image_item, (str)):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".image[{data__image_x}]".format(**locals()) + " must be string")
                    data__image_any_of_count18 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__image_any_of_count18:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".image cannot be validated by any definition")
        if "label" in data_keys:
            data_keys.remove("label")
            data__label = data["label"]
            data__label_any_of_count19 = 0
            if not data__label_any_of_count19:
                try:
                    if not isinstance(data__label, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".label must be string")
                    data__label_any_of_count19 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__label_any_of_count19:
                try:
                    if not isinstance(data__label, (int)) or isinstance(data__label, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".label must be integer")
                    data__label_any_of_count19 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__label_any_of_count19:
                try:
                    if not isinstance(data__label, (int, float)) or isinstance(data__label, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".label must be number")
                    data__label_any_of_count19 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__label_any_of_count19:
                try:
                    if not isinstance(data__label, (list, tuple)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".label must be array")
                    data__label_is_list = isinstance(data__label, (list, tuple))
                    if data__label_is_list:
                        data__label_len = len(data__label)
                        for data__label_x, data__label_item in enumerate(data__label):
                            if not isinstance(data__label_item, (str, int, float, bool)):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".label[{data__label_x}]".format(**locals()) + " must be string or number or boolean")
                    data__label_any_of_count19 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__label_any_of_count19:
                try:
                    if not isinstance(data__label, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".label must be null")
                    data__label_any_of_count19 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__label_any_of_count19:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".label cannot be validated by any definition")
    return data

SETTINGS = frozenset(['$schema', 'description', 'labels', 'licence', 'license', 'modality', 'name', 'numTest', 'numTraining', 'numValidation', 'reference', 'release', 'tensorImageSize', 'test', 'training', 'validation'])
