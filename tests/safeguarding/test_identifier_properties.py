"""Property tests for the identifiers with check characters: a right check character is found, one changed
digit is not (DOMAIN.md "Personal data detectors")."""

from hypothesis import assume, given
from hypothesis import strategies as st
from stdnum.gb import nhs, upn

from staffroom.safeguarding.detectors import scan, valid_ni_number

# Local authority numbers stdnum knows (a UPN from an unknown authority is not valid).
LA_CODES = sorted(upn._la_numbers)
SURROUNDINGS = st.sampled_from(["{}", "UPN {} for the new starter", "Her number is {}.", "({})", "ref: {}, thanks"])


@st.composite
def upns(draw):
    la = draw(st.sampled_from(LA_CODES))
    rest = draw(st.text(alphabet="0123456789", min_size=9, max_size=9))
    temporary = draw(st.booleans())
    tail = rest[:8] + draw(st.sampled_from("ABCDEFGHJKLMNPQRTUVWXYZ")) if temporary else rest
    body = f"{la:03d}{tail}"
    return upn.calc_check_digit(body) + body


@st.composite
def nhs_numbers(draw):
    digits = draw(st.lists(st.integers(0, 9), min_size=9, max_size=9))
    check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
    assume(check != 10)  # no NHS number has this stem
    return "".join(map(str, digits)) + str(0 if check == 11 else check)


def kinds(text):
    return scan(text).identifiers


def test_domain_examples():
    assert kinds("B801200005001") == ["upn"]
    assert kinds("P207000016049") == ["upn"]
    assert kinds("Q207000016049") == []


@given(upns(), SURROUNDINGS)
def test_a_upn_with_the_right_check_letter_is_found(number, around):
    assert upn.is_valid(number)
    assert "upn" in kinds(around.format(number))


@given(upns(), st.integers(1, 11), st.integers(1, 9))
def test_a_upn_with_one_digit_changed_is_not_found(number, position, shift):
    changed = number[:position] + str((int(number[position]) + shift) % 10) + number[position + 1 :]
    # A change can move the LA code to another known authority with the same check letter only if the
    # weighted sum moves by a multiple of 23, which one digit (weight 2..12, shift 1..9) never does.
    assert not upn.is_valid(changed)
    assert "upn" not in kinds(f"UPN {changed}")


@given(nhs_numbers(), st.sampled_from(["{}", "{0} {1} {2}", "{0}-{1}-{2}"]))
def test_an_nhs_number_with_the_right_check_digit_is_found(number, layout):
    written = layout.format(number[:3], number[3:6], number[6:]) if "{0}" in layout else number
    assert "nhs_number" in kinds(f"NHS number {written} for the care plan")


@given(nhs_numbers(), st.integers(0, 9), st.integers(1, 9))
def test_an_nhs_number_with_one_digit_changed_is_not_found(number, position, shift):
    changed = number[:position] + str((int(number[position]) + shift) % 10) + number[position + 1 :]
    assert not nhs.is_valid(changed)  # weights 10..1 and 11 prime: one changed digit always shows
    assert "nhs_number" not in kinds(f"NHS number {changed}")


@given(
    st.sampled_from("ABCEGHJKLMNOPRSTWXYZ"),
    st.sampled_from("ABCEGHJKLMNPRSTWXYZ"),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.sampled_from("ABCD"),
)
def test_ni_numbers_in_the_form_hmrc_issues_are_found_and_others_are_not(first, second, digits, suffix):
    number = f"{first}{second}{digits}{suffix}"
    issued = first + second not in {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"}
    assert valid_ni_number(number) == issued
    assert ("ni_number" in kinds(f"NI number {number}")) == issued


@given(st.sampled_from("DFIQUV"), st.text(alphabet="0123456789", min_size=6, max_size=6))
def test_ni_numbers_with_a_letter_never_used_are_not_found(letter, digits):
    assert "ni_number" not in kinds(f"NI {letter}A{digits}C")
    assert "ni_number" not in kinds(f"NI A{letter}{digits}C")
