import threading
import time

import pytest

from npc.threads import Hold, iterate_in_thread


def test_wait_returns_at_once_when_nothing_holds() -> None:
    start = time.monotonic()
    Hold().wait()
    assert time.monotonic() - start < 0.05


def test_wait_blocks_until_the_last_hold_is_released() -> None:
    hold = Hold()
    hold.hold()
    hold.hold()
    done = threading.Event()

    def waiter() -> None:
        hold.wait()
        done.set()

    threading.Thread(target=waiter).start()
    hold.release()
    assert not done.wait(0.1)
    hold.release()
    assert done.wait(1)


def test_wait_gives_up_on_cancel_and_after_its_limit() -> None:
    hold = Hold()
    hold.hold()
    cancel = threading.Event()
    cancel.set()
    hold.wait(cancel)
    start = time.monotonic()
    hold.wait(limit_s=0.1)
    assert 0.09 <= time.monotonic() - start < 1


def test_release_without_hold_is_harmless() -> None:
    hold = Hold()
    hold.release()
    assert not hold.held


async def test_iterate_in_thread_passes_items_and_errors() -> None:
    def items() -> list[int]:
        return [1, 2]

    assert [x async for x in iterate_in_thread(lambda: iter(items()))] == [1, 2]

    def broken():  # type: ignore[no-untyped-def]
        yield 1
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        _ = [x async for x in iterate_in_thread(broken)]
