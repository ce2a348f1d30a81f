import pytest

from npc.threads import iterate_in_thread


async def test_iterate_in_thread_passes_items_and_errors() -> None:
    def items() -> list[int]:
        return [1, 2]

    assert [x async for x in iterate_in_thread(lambda: iter(items()))] == [1, 2]

    def broken():  # type: ignore[no-untyped-def]
        yield 1
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        _ = [x async for x in iterate_in_thread(broken)]
