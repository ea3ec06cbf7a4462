"""Shared links: query strings parse into explorer states and back."""

from __future__ import annotations

import pytest

from widgets.urlstate import (current_query_string, empty_state, initial_state_from_query, query_from_state,
                             when_query_string)


def test_blank_query_is_the_empty_state():
    assert initial_state_from_query("") == empty_state()
    assert initial_state_from_query(None) == empty_state()
    assert initial_state_from_query("?") == empty_state()


def test_parse_the_documented_example():
    state = initial_state_from_query("?q=diffusion&topic=privacy&paper=abc-def")
    assert state["q"] == "diffusion" and state["topics"] == ["privacy"] and state["paper"] == "abc-def"
    assert state["code"] is False and state["demo"] is False


def test_repeated_and_comma_separated_topics_and_flags():
    state = initial_state_from_query("topic=rl,bandits&topic=rl&topic=privacy&code=1&demo=true&learned=2,x,0")
    assert state["topics"] == ["rl", "bandits", "privacy"]
    assert state["code"] and state["demo"] and state["learned"] == [2, 0]


def test_percent_and_plus_encoding():
    assert initial_state_from_query("q=score+matching%20%26%20flows")["q"] == "score matching & flows"


def test_garbage_never_raises():
    state = initial_state_from_query("q=&&&=&topic=&paper=&code=maybe&learned=-1&%zz")
    assert state == empty_state()


@pytest.mark.parametrize("state", [
    empty_state(),
    {"q": "attention & entropy?", "topics": ["sequence", "privacy"], "learned": [1, 3], "code": True,
     "demo": False, "paper": "limits-and-powers-of-koopman-learning"},
    {"q": "", "topics": [], "learned": [], "code": False, "demo": True, "paper": "a&b=c"},
])
def test_round_trip(state):
    assert initial_state_from_query(query_from_state(state)) == state


def test_query_from_state_leaves_out_empty_parts():
    assert query_from_state(empty_state()) == ""
    assert query_from_state({**empty_state(), "q": "diffusion", "topics": ["rl"]}) == "q=diffusion&topic=rl"


def test_current_query_string_reads_the_environment(monkeypatch):
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    monkeypatch.setenv("QUERY_STRING", "q=x")
    assert current_query_string() == "q=x"
    monkeypatch.delenv("QUERY_STRING")
    assert current_query_string() == ""


def test_when_query_string_without_preheat_calls_back_at_once(monkeypatch):
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    monkeypatch.setenv("QUERY_STRING", "q=koopman")
    seen = []
    when_query_string(seen.append)
    assert seen == ["q=koopman"]


def test_when_query_string_in_a_preheated_kernel_waits_for_the_request_off_the_loop(monkeypatch):
    """A preheated kernel must finish its notebook before the request comes; the callback runs
    later, on the kernel's event loop (the thread that handles widget messages), not in the waiter.
    The "kernel" here is an event loop in a thread of its own (pytest's may already run one)."""
    import asyncio
    import threading

    import voila.utils
    from tornado.ioloop import IOLoop

    request = threading.Event()
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.setattr(voila.utils, "get_query_string", lambda: request.wait(10) and "q=dmd&paper=x")
    seen, before_request, kernel_thread = [], [], {}

    def kernel() -> None:
        asyncio.set_event_loop(asyncio.new_event_loop())
        loop = IOLoop.current()
        kernel_thread["id"] = threading.get_ident()

        def start() -> None:
            when_query_string(lambda qs: (seen.append((qs, threading.get_ident())), loop.stop()))
            before_request.append(list(seen))  # it returned without waiting for the request
            loop.call_later(0.2, request.set)
            loop.call_later(30, loop.stop)  # a safety net; the callback stops the loop

        loop.add_callback(start)
        loop.start()
        loop.close()

    thread = threading.Thread(target=kernel)
    thread.start()
    thread.join(40)
    assert before_request == [[]]
    assert seen == [("q=dmd&paper=x", kernel_thread["id"])]
