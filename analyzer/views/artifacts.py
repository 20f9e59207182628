"""Where on disk the findings of a check are: the file a result's object came from, and the BPF C
source file and line of a finding that names one. Reads the file system (which candidate paths
exist), so renderers get the answer instead of looking themselves (SARIF locations)."""
import os


def object_file(name):
    """The file an object came from: objects found inside a binary or package are named
    'container:member' or 'path#label'."""
    if os.path.exists(name):
        return name
    for sep in ("#", ":"):
        head = name.split(sep, 1)[0]
        if head != name and os.path.exists(head):
            return head
    return name.split("#", 1)[0]


def split_location(location):
    """'file.c:12' (or 'file.c:12:5') → ('file.c', 12); None when there is no line number."""
    parts = location.rsplit(":", 2)
    if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
        return parts[0], int(parts[1])
    if len(parts) >= 2 and parts[-1].isdigit():
        return location.rsplit(":", 1)[0], int(parts[-1])
    return None


def source_path(obj_file, src):
    """Where the C source of a finding is: beside the object when it is there, else as recorded."""
    if os.path.isabs(src):
        return src
    beside = os.path.join(os.path.dirname(obj_file), src)
    if os.path.exists(beside) or not os.path.exists(src):
        return beside
    return src


def artifact(object_name, location):
    """(path, line): the C source file and line of a finding located at FILE:LINE, else the object's
    file and None."""
    obj_file = object_file(object_name)
    loc = split_location(location) if location else None
    if loc is None:
        return obj_file, None
    src, line = loc
    return source_path(obj_file, src), line


def artifacts(results):
    """{(object, finding location or None): (path, line)} for every finding of the results."""
    out = {}
    for r in results:
        for f in r.findings:
            key = (r.object, f.location or None)
            if key not in out:
                out[key] = artifact(r.object, f.location)
    return out
