"""The bounded, self-filling cache behind a policy's plans."""

from __future__ import annotations

from credo.policy.memo import Memo


def test_memo_makes_missing_values_once_and_starts_over_when_full() -> None:
    made: list[int] = []

    def square(n: int) -> int:
        made.append(n)
        return n * n

    memo = Memo(square, 2)
    assert (memo[3], memo[3], memo[4]) == (9, 9, 16)
    assert made == [3, 4]
    assert memo[5] == 25  # full: it starts over with the new value
    assert dict(memo) == {5: 25}
    assert memo.get(3) is None  # .get does not fill
