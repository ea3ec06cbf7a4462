"""Shared links: query strings parse into explorer states and back."""

from __future__ import annotations

import pytest

from widgets.urlstate import (current_query_string, empty_state, initial_state_from_query, query_from_state,
                             request_info_url, wait_for_request, when_query_string)


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
    assert state["code"] and state["demo"] and state["learned"] == [2, 0] and not state["full"]
    assert initial_state_from_query("full=yes")["full"] is True


def test_percent_and_plus_encoding():
    assert initial_state_from_query("q=score+matching%20%26%20flows")["q"] == "score matching & flows"


def test_garbage_never_raises():
    state = initial_state_from_query("q=&&&=&topic=&paper=&code=maybe&learned=-1&%zz")
    assert state == empty_state()


@pytest.mark.parametrize("state", [
    empty_state(),
    {"q": "attention & entropy?", "topics": ["sequence", "privacy"], "learned": [1, 3], "code": True,
     "demo": False, "full": False, "paper": "limits-and-powers-of-koopman-learning"},
    {"q": "", "topics": [], "learned": [], "code": False, "demo": True, "full": True, "paper": "a&b=c"},
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

    from tornado.ioloop import IOLoop

    import widgets.urlstate

    request = threading.Event()
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.setattr(widgets.urlstate, "wait_for_request",
                        lambda: {"QUERY_STRING": "q=dmd&paper=x"} if request.wait(10) else {})
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


def test_request_info_url_is_voilas(monkeypatch):
    """The address Voila's own helper (voila.utils.wait_for_request) would open."""
    for key, value in {"VOILA_APP_IP": "127.0.0.1", "VOILA_APP_PORT": "9123", "VOILA_SERVER_URL": "/base/",
                       "VOILA_KERNEL_ID": "k-1"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("VOILA_WS_BASE_URL", raising=False)
    monkeypatch.delenv("VOILA_WS_PROTOCOL", raising=False)
    assert request_info_url() == "ws://127.0.0.1:9123/base/voila/query/k-1"


@pytest.fixture
def flaky_voila():
    """A websocket server in the role of Voila's request-info handler: it drops the first
    connection without a word (a socket lost while the kernel waited in its pool), then sends the
    request on the next one."""
    import json
    import threading

    from websockets.sync.server import serve

    seen = []

    def handler(connection):
        seen.append(connection.request.path)
        if len(seen) > 1:
            connection.send(json.dumps({"QUERY_STRING": "q=koopman", "SERVER_SOFTWARE": "voila/test"}))

    with serve(handler, "127.0.0.1", 0) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        yield f"ws://127.0.0.1:{server.socket.getsockname()[1]}/voila/query/k-1", seen
        server.shutdown()


def test_wait_for_request_survives_a_dropped_socket(flaky_voila, monkeypatch):
    url, seen = flaky_voila
    monkeypatch.delenv("QUERY_STRING", raising=False)
    monkeypatch.delenv("SERVER_SOFTWARE", raising=False)
    info = wait_for_request(url, retry_s=0.1)
    assert info["QUERY_STRING"] == "q=koopman"
    assert seen == ["/voila/query/k-1"] * 2
    import os

    assert os.environ["QUERY_STRING"] == "q=koopman"  # as Voila's helper leaves it


def test_wait_for_request_retries_until_the_server_answers(monkeypatch):
    """Nothing listens at first (Voila's helper gave up after one refused or 5 s handshake)."""
    import json
    import socket
    import threading
    import time

    from websockets.sync.server import serve

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.delenv("QUERY_STRING", raising=False)
    servers = []

    def start_late():
        time.sleep(0.5)
        with serve(lambda c: c.send(json.dumps({"QUERY_STRING": "paper=x"})), "127.0.0.1", port) as server:
            servers.append(server)
            server.serve_forever()

    threading.Thread(target=start_late, daemon=True).start()
    try:
        assert wait_for_request(f"ws://127.0.0.1:{port}/voila/query/k", retry_s=0.2)["QUERY_STRING"] == "paper=x"
    finally:
        for server in servers:
            server.shutdown()
