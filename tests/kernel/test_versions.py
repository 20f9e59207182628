from analyzer.kernel.versions import at_least, kernel_version_code, parse_release, release_key


def test_release_order_is_numeric():
    rels = ["7.0.1", "6.12.107+deb13-amd64", "6.9.2", "5.10.0-32-amd64", "6.1.0-56-amd64", "weird"]
    assert sorted(rels, key=release_key) == ["5.10.0-32-amd64", "6.1.0-56-amd64", "6.9.2",
                                             "6.12.107+deb13-amd64", "7.0.1", "weird"]


def test_parse_and_compare():
    assert parse_release("6.12.107+deb13-amd64") == (6, 12, 107)
    assert parse_release("6.1-rc3") == (6, 1, 0)
    assert at_least("6.4.0", 6, 4) is True and at_least("6.3.9", 6, 4) is False
    assert at_least("nonsense", 6) is None
    assert kernel_version_code("5.10.223") == (5 << 16) + (10 << 8) + 223
    assert kernel_version_code("4.19.300") == (4 << 16) + (19 << 8) + 255
