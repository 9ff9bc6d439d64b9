#!/usr/bin/env python3
"""Writes the tables the API machinery reads from the Go types of the served kinds.

The facts live in the Go sources of k8s.io/api and k8s.io/apimachinery: struct
tags (protobuf field numbers, JSON names, omitempty) and comment markers
(+listType, +listMapKey, +structType, +mapType). This script reads them and
writes two tables:

    k8s_types.py protobuf API_DIR APIMACHINERY_DIR > ../src/protobuf/schema.txt
    k8s_types.py merge    API_DIR APIMACHINERY_DIR > ../src/fieldpath/markers.txt

(both directories are source trees of the release the server reports, v0.33.x).

protobuf: the protobuf field table of every served kind, one message per block:
    message <package>.<Name>
    <field number> <json name> <flags> <type>
flags: `p` pointer, `o` omitempty, `i` embedded inline (named by its Go
type, its fields are the parent's in JSON), `-` none.
type: string | bool | int32 | int64 | float64 | bytes | time | microtime |
      duration | quantity | intorstring | raw | []<type> | map[<type>] |
      <package>.<Name> (a message).

merge: how server-side apply merges each field that says so, one line each:
    <OpenAPI definition> <field> <atomic | set | map:<key>[,<key>...]>
    <OpenAPI definition> . atomic        (the whole struct is one value)
    <OpenAPI definition> <field> default:<JSON>   (defaults of list-map keys)
A field of a struct embedded inline is listed under the embedding definition.
"""

import pathlib
import re
import sys

# Served API packages: schema package name -> (source tree, directory).
PACKAGES = {
    "core/v1": ("api", "core/v1"),
    "apps/v1": ("api", "apps/v1"),
    "batch/v1": ("api", "batch/v1"),
    "autoscaling/v1": ("api", "autoscaling/v1"),
    "coordination/v1": ("api", "coordination/v1"),
    "scheduling/v1": ("api", "scheduling/v1"),
    "policy/v1": ("api", "policy/v1"),
    "rbac/v1": ("api", "rbac/v1"),
    "discovery/v1": ("api", "discovery/v1"),
    "events/v1": ("api", "events/v1"),
    "meta/v1": ("apimachinery", "pkg/apis/meta/v1"),
}

# Go types with their own wire and JSON forms, handled by src/protobuf.
SPECIAL = {
    "meta/v1.Time": "time",
    "meta/v1.MicroTime": "microtime",
    "meta/v1.Duration": "duration",
    "meta/v1.FieldsV1": "raw",
    "resource.Quantity": "quantity",
    "intstr.IntOrString": "intorstring",
    "runtime.RawExtension": "raw",
    "types.UID": "string",
    "types.NodeName": "string",
}
SCALARS = {"string", "bool", "int32", "int64", "float64"}

IMPORT = re.compile(r'^\s*(?:(\w+)\s+)?"(k8s\.io/[^"]+)"')
STRUCT = re.compile(r"^type (\w+) struct \{")
NAMED = re.compile(r"^type (\w+) (\S+)\s*$")
FIELD = re.compile(r"^\s*(?:(\w+)\s+)?(\S+)\s+`([^`]*)`")
MARKER = re.compile(r"^\s*// \+(listType|listMapKey|structType|mapType|default)=(.*)$")
# Only the defaults of list-map keys matter to merging: a missing key takes it.
LIST_MAP_KEYS = {"protocol"}
OPENAPI_PREFIX = {"meta/v1": "io.k8s.apimachinery.pkg.apis.meta.v1"}


def package_of(import_path):
    for package, (tree, directory) in PACKAGES.items():
        prefix = "k8s.io/api/" if tree == "api" else "k8s.io/apimachinery/"
        if import_path == prefix + directory:
            return package
    return import_path.rsplit("/", 1)[-1]


def read_package(root):
    """Returns (structs, named types) of one Go package. A struct is (fields,
    imports, markers); a field is (name, type, tags, markers)."""
    structs, named = {}, {}
    for path in sorted(root.glob("*.go")):
        if path.name.endswith("_test.go") or "generated" in path.name:
            continue
        imports, body, markers = {}, None, []
        for line in path.read_text().splitlines():
            if match := MARKER.match(line):
                markers.append((match[1], match[2]))
                continue
            if match := IMPORT.match(line):
                alias = match[1] or match[2].rsplit("/", 1)[-1]
                imports[alias] = package_of(match[2])
            elif match := STRUCT.match(line):
                body = structs[match[1]] = ([], imports, markers)
            elif body is not None and line.startswith("}"):
                body = None
            elif body is not None and (match := FIELD.match(line)):
                body[0].append((match[1], match[2], match[3], markers))
            elif body is None and (match := NAMED.match(line)):
                named[match[1]] = (match[2], imports)
            if not line.strip().startswith("//"):
                markers = []
    return structs, named


def tag(tags, key):
    match = re.search(key + r':"([^"]*)"', tags)
    return match[1] if match else None


class Schema:
    def __init__(self, trees):
        self.structs, self.named = {}, {}
        for package, (tree, directory) in PACKAGES.items():
            structs, named = read_package(pathlib.Path(trees[tree]) / directory)
            for name, value in structs.items():
                self.structs[f"{package}.{name}"] = value
            for name, value in named.items():
                self.named[f"{package}.{name}"] = value
        self.wanted = []

    def resolve(self, go_type, package, imports):
        if go_type == "[]byte":
            return "bytes"
        if go_type.startswith("[]"):
            return "[]" + self.resolve(go_type[2:], package, imports)
        if go_type.startswith("map["):
            value = go_type[go_type.index("]") + 1 :]
            return "map[" + self.resolve(value, package, imports) + "]"
        if go_type in SCALARS:
            return go_type
        if "." in go_type:
            alias, name = go_type.split(".")
            package = imports[alias]
        else:
            name = go_type
        full = f"{package}.{name}"
        if full in SPECIAL:
            return SPECIAL[full]
        if full in self.structs:
            if full not in self.wanted:
                self.wanted.append(full)
            return full
        if full in self.named:
            underlying, named_imports = self.named[full]
            return self.resolve(underlying, package, named_imports)
        raise SystemExit(f"unknown Go type {go_type} in {package}")

    def message(self, full):
        fields, imports, _ = self.structs[full]
        package = full.rsplit(".", 1)[0]
        lines = [f"message {full}"]
        for name, go_type, tags, _ in fields:
            protobuf = tag(tags, "protobuf")
            json = tag(tags, "json")
            if protobuf is None or json is None or json == "-":
                continue
            number = protobuf.split(",")[1]
            json_name, *options = json.split(",")
            flags = ""
            if go_type.startswith("*"):
                flags += "p"
                go_type = go_type[1:]
            if "omitempty" in options:
                flags += "o"
            if "inline" in options:
                flags += "i"
                json_name = go_type.rsplit(".", 1)[-1]
            field_type = self.resolve(go_type, package, imports)
            lines.append(f"{number} {json_name} {flags or '-'} {field_type}")
        return lines

    def kinds(self):
        """Structs that carry TypeMeta: the objects a request body can hold."""
        for full, (fields, _, _) in self.structs.items():
            if any(name is None and go_type.endswith("TypeMeta") for name, go_type, _, _ in fields):
                yield full

    def merge_markers(self, full, definition):
        """Merge markers of a struct's fields, listed under `definition`."""
        fields, imports, markers = self.structs[full]
        package = full.rsplit(".", 1)[0]
        lines = []
        if ("structType", "atomic") in markers:
            lines.append(f"{definition} . atomic")
        for name, go_type, tags, markers in fields:
            json = tag(tags, "json")
            if json is None or json == "-":
                continue
            json_name, *options = json.split(",")
            if "inline" in options:
                embedded = go_type.lstrip("*")
                embedded = f"{package}.{embedded}" if "." not in embedded else embedded
                if embedded in self.structs:
                    lines.extend(self.merge_markers(embedded, definition))
                continue
            found = dict(markers)
            keys = [value for marker, value in markers if marker == "listMapKey"]
            if found.get("listType") == "map":
                lines.append(f"{definition} {json_name} map:{','.join(keys)}")
            elif found.get("listType") in ("atomic", "set"):
                lines.append(f"{definition} {json_name} {found['listType']}")
            elif found.get("mapType") == "atomic" or found.get("structType") == "atomic":
                lines.append(f"{definition} {json_name} atomic")
            if "default" in found and json_name in LIST_MAP_KEYS:
                lines.append(f"{definition} {json_name} default:{found['default']}")
        return lines


def openapi_name(full):
    package, name = full.rsplit(".", 1)
    prefix = OPENAPI_PREFIX.get(package, "io.k8s.api." + package.replace("/", "."))
    return f"{prefix}.{name}"


def main():
    command, api, apimachinery = sys.argv[1:4]
    schema = Schema({"api": api, "apimachinery": apimachinery})
    schema.wanted = list(schema.kinds())
    out, done = [], 0
    while done < len(schema.wanted):
        full = schema.wanted[done]
        if command == "protobuf":
            out.extend(schema.message(full))
        else:
            schema.message(full)  # resolves the field types, queueing nested structs
            out.extend(schema.merge_markers(full, openapi_name(full)))
        done += 1
    print("\n".join(dict.fromkeys(out)))


if __name__ == "__main__":
    main()
