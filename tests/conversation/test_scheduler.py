"""The scheduler: one unit at a time, the most urgent waiting one next."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

from npc.conversation.scheduler import Job, Scheduler, gated
from npc.providers.base import Level, Urgency


def queue_behind_a_running_unit(
    scheduler: Scheduler, urgencies: list[Urgency | object]
) -> list[int]:
    """Start a unit, queue one thread per urgency behind it, release; the order they ran in."""
    order: list[int] = []
    release = threading.Event()
    running = threading.Event()

    def first() -> None:
        with scheduler.hold(Urgency(Level.WARM)):
            running.set()
            release.wait(5)

    def waiter(i: int, urgency: object) -> None:
        with scheduler.hold(urgency):  # type: ignore[arg-type]
            order.append(i)

    threads = [threading.Thread(target=first)]
    threads[0].start()
    assert running.wait(5)
    for i, urgency in enumerate(urgencies):
        t = threading.Thread(target=waiter, args=(i, urgency))
        t.start()
        threads.append(t)
        while scheduler.queued < i + 1:  # queued in this order
            time.sleep(0.001)
    release.set()
    for t in threads:
        t.join(5)
    return order


def test_the_most_urgent_waiting_unit_runs_next_then_the_earliest_deadline() -> None:
    order = queue_behind_a_running_unit(
        Scheduler(),
        [
            Urgency(Level.READ_AHEAD, 1.0),
            Urgency(Level.LISTEN, 5.0),
            Urgency(Level.RESPOND, 9.0),
            Urgency(Level.RESPOND, 2.0),
            Urgency(Level.SPEAK, 0.0),
        ],
    )
    assert order == [3, 2, 4, 1, 0]


def test_urgency_given_as_a_function_is_asked_again_when_the_next_unit_is_picked() -> None:
    job = Job(Level.WARM)
    scheduler = Scheduler()

    def urgency() -> Urgency:
        return job.urgency

    waiters: list[object] = [Urgency(Level.LISTEN, 0.0), urgency]
    job.become(Level.RESPOND)  # grew urgent while it waited
    assert queue_behind_a_running_unit(scheduler, waiters) == [1, 0]


def test_units_never_overlap_and_the_stats_count_them() -> None:
    scheduler = Scheduler()
    inside = 0
    overlaps = 0

    def work() -> None:
        nonlocal inside, overlaps
        for _ in range(20):
            with scheduler.hold(Urgency.now(Level.LISTEN)):
                inside += 1
                overlaps += inside > 1
                time.sleep(0.0005)
                inside -= 1

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert overlaps == 0
    assert scheduler.stats.units[Level.LISTEN] == 80 and scheduler.queued == 0


def test_gated_runs_each_step_of_an_iterator_as_a_unit() -> None:
    scheduler = Scheduler()
    levels = iter([Level.RESPOND, Level.SPEAK, Level.SPEAK])
    items = list(gated(iter("abc"), scheduler, lambda: Urgency.now(next(levels, Level.SPEAK))))
    assert items == ["a", "b", "c"]
    assert scheduler.stats.units[Level.RESPOND] == 1
    assert scheduler.stats.units[Level.SPEAK] == 3  # two items and the step that found the end


def test_gated_starts_no_step_once_its_work_is_cancelled() -> None:
    # The consumer of a closed session stops reading at once, but the worker thread runs
    # the iterator: a step after the cancel (a sentence of speech) would be work after close.
    job = Job(Level.SPEAK)
    made: list[str] = []

    def sentences() -> Iterator[str]:
        for text in ("one", "two", "three"):
            made.append(text)
            yield text

    steps = gated(sentences(), Scheduler(), lambda: job.urgency, lambda: job.cancelled)
    assert next(steps) == "one"
    job.cancel()
    assert list(steps) == [] and made == ["one"]


def test_a_job_cancels_and_changes_urgency() -> None:
    job = Job(Level.TENTATIVE, clock=lambda: 7.0)
    assert job.urgency == Urgency(Level.TENTATIVE, 7.0) and not job.cancelled
    job.become(Level.SPEAK, 9.5)
    assert job.urgency == Urgency(Level.SPEAK, 9.5)
    job.cancel()
    assert job.cancelled and job.wait_cancelled(0)
