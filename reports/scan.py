"""`scan` output: the BPF objects found in binaries, headers and packages (rows built by the command:
name, size, offset, container, member, duplicate_of, program_sections, extracted_to) as text or JSON."""
import json

from btf.inert import inert


def render_json(rows, warnings):
    return json.dumps({"objects": rows, "warnings": warnings}, indent=2) + "\n"


def render_text(rows, warnings):
    out = []
    for row in rows:
        # every name below comes from the input: one line each, inert
        where = inert(row["container"]) + (f" member {inert(row['member'])}" if row["member"] else "")
        dup = f" (duplicate of {inert(row['duplicate_of'])})" if row["duplicate_of"] else ""
        out.append(f"{inert(row['name'])}  {row['size']} bytes at offset {row['offset']} in {where}{dup}")
        out.append(f"    sections: {' '.join(map(inert, row['program_sections'])) or '(no program sections)'}")
        if "extracted_to" in row:
            out.append(f"    written to {inert(row['extracted_to'])}")
    n_dup = sum(1 for r in rows if r["duplicate_of"])
    out.append(f"{len(rows)} object(s) found" + (f", {n_dup} duplicate(s)" if n_dup else "")
               + (f", {len(warnings)} warning(s)" if warnings else ""))
    return "".join(line + "\n" for line in out)
