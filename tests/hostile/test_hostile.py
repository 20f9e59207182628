"""The hostile corpus (tests/support/hostile.py, built by script) through the CLI: every crafted
input of issue 13 ends in bounded time under a 1 GiB address-space limit, exits 0, 1 or 2 without
a traceback, prints one line naming the file on error, and leaves reports inert."""
import os
import re

import pytest

from tests.support import hostile as H

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, request):
    d = str(tmp_path_factory.mktemp("hostile"))
    cache = getattr(request.config, "cache", None)       # None under -p no:cacheprovider
    cache = str(cache.mkdir("hostile-objects")) if cache is not None else d
    return {c.name: c for c in H.build_all(d, cache=cache)}


def _names():
    # the case names, without building (a dry build in a throwaway dir would cost seconds)
    return ["skel_backslash_newlines", "skel_many_elf_literals", "skel_huge_literal_100MB", "binary_fake_em_bpf",
            "binary_few_fake_em_bpf", "many_guarded_weak_kfunc_calls", "kernel_image_many_candidates",
            "kernel_image_elf_bomb", "deb_large_sparse_members", "snapshot_zip_member_lies",
            "snapshot_meta_kfunc_number_kernel", "snapshot_meta_kfunc_number_kfuncs",
            "snapshot_meta_kfunc_number_timeline", "snapshot_meta_kfunc_number_check",
            "snapshot_meta_facts_nested_lists_kernel", "snapshot_meta_flag_names_numbers_kernel",
            "snapshot_meta_release_list_kernel", "snapshot_meta_deep_json_kernel", "source_include_dev_zero",
            "btf_dump_nested_anonymous", "btf_dump_padding", "kernel_import_type_loop", "kernel_import_deep_chain",
            "btf_dump_deep_chain", "insn_register_r11", "insn_register_r12", "insn_register_r15",
            "insn_register_in_package", "section_name_controls_text", "section_name_controls_md",
            "section_name_controls_sarif", "section_name_controls_junit", "section_name_controls_scan"]


def test_case_list_matches_the_corpus(corpus):
    assert sorted(set(corpus) | {"many_guarded_weak_kfunc_calls"}) == sorted(_names())


@pytest.mark.parametrize("name", _names())
def test_hostile_input_is_bounded(corpus, name):
    if name not in corpus:
        pytest.skip("needs clang to build the program")
    case = corpus[name]
    code, out, err, cpu, peak = H.run(case)
    assert code is not None, f"{name}: hung (wall clock limit)"
    assert cpu <= case.timeout, f"{name}: {cpu:.1f} s of CPU"
    assert "Traceback" not in err and "Traceback" not in out, err[-2000:]
    assert code in case.codes, (code, err[-500:])
    assert 0 < peak < H.AS_LIMIT
    assert "internal error" not in err
    if code == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1, lines[:5]
        assert case.names in lines[0], lines[0]
    if case.expect:
        assert case.expect in err + out, (case.expect, err[-500:], out[-500:])
    if case.inert:
        for text in (out, err):
            assert not _CONTROL.search(text), repr(_CONTROL.search(text))
            assert not any(line.lstrip().startswith("::") for line in text.splitlines())
    if name == "insn_register_in_package":
        assert "reg12.bpf.o" in out and "good.bpf.o" in out     # one bad object does not abort the package
    if name == "kernel_import_deep_chain":
        assert os.path.exists(case.argv[-1])
