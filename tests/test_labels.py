import pytest

from msgrisk import labels


def test_labels_canonical_order_and_fine():
    assert labels.RISK_LABELS == ("suspicious", "off_platform", "aggressive", "promise")
    assert labels.canonical(["promise", "suspicious", "promise"]) == ("suspicious", "promise")
    assert labels.canonical([]) == ("fine",)
    assert labels.canonical(["fine"]) == ("fine",)


@pytest.mark.parametrize(
    ("given", "primary"),
    [
        (["promise", "aggressive"], "aggressive"),
        (["off_platform", "suspicious"], "suspicious"),
        (["promise", "off_platform"], "off_platform"),
        (["promise"], "promise"),
        ([], "fine"),
    ],
)
def test_labels_primary_precedence(given, primary):
    assert labels.primary(given) == primary


def test_labels_string_round_trip():
    assert labels.to_string(["promise", "off_platform"]) == "off_platform|promise"
    assert labels.parse("off_platform|promise") == ("off_platform", "promise")
    assert labels.to_string([]) == "fine"
    assert labels.from_vector(labels.to_vector(["aggressive"])) == ("aggressive",)


@pytest.mark.parametrize("bad", [["spam"], ["fine", "promise"]])
def test_labels_reject_invalid(bad):
    with pytest.raises(labels.LabelError):
        labels.canonical(bad)


def test_labels_parse_rejects_non_string():
    with pytest.raises(labels.LabelError, match="string"):
        labels.parse(None)  # type: ignore[arg-type]
