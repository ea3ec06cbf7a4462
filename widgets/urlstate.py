"""The explorer's shareable state in a URL query string (pure functions, no UI).

``explorer.ipynb?q=diffusion&topic=privacy&topic=rl&paper=<id>&code=1&demo=1`` opens the
explorer with that search, those curated topics, those checkboxes and that paper's card
(``full=1``: only papers whose lesson teaches their own key idea, not a partial link;
``rep=lsa`` or ``rep=embedding``: the representation of similar papers, search and the map, see
``widgets.representation``; absent, TF-IDF, and the state dict has no ``rep`` key).
``initial_state_from_query`` reads such a string; ``query_from_state`` writes one back, so a
teacher can copy the link of what is on screen.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Callable
from urllib.parse import parse_qs, urlencode

MAX_QUERY = 200  # characters kept from ``q``; a URL is not a place for essays
_TRUE = {"1", "true", "yes", "on"}


def empty_state() -> dict:
    """The state of a freshly opened explorer: no query, no filters, no paper."""
    return {"q": "", "topics": [], "learned": [], "code": False, "demo": False, "full": False,
            "paper": None}


def initial_state_from_query(qs: str | None) -> dict:
    """Parse a query string (with or without the leading ``?``) into an explorer state dict.

    ``topic`` may repeat or hold comma-separated ids; ``learned`` holds learned-topic numbers;
    unknown keys and malformed values are ignored (a shared link must never crash the page).
    """
    state = empty_state()
    qs = (qs or "").strip()
    if qs.startswith("?"):
        qs = qs[1:]
    params = parse_qs(qs, keep_blank_values=False)
    if params.get("q"):
        state["q"] = " ".join(params["q"][-1].split())[:MAX_QUERY]
    topics: list[str] = []
    for value in params.get("topic", []) + params.get("topics", []):
        for part in value.split(","):
            part = part.strip()
            if part and part not in topics:
                topics.append(part)
    state["topics"] = topics
    learned: list[int] = []
    for value in params.get("learned", []):
        for part in value.split(","):
            if part.strip().isdigit() and int(part) not in learned:
                learned.append(int(part))
    state["learned"] = learned
    state["code"] = params.get("code", [""])[-1].strip().lower() in _TRUE
    state["demo"] = params.get("demo", [""])[-1].strip().lower() in _TRUE
    state["full"] = params.get("full", [""])[-1].strip().lower() in _TRUE
    if params.get("paper"):
        state["paper"] = params["paper"][-1].strip() or None
    rep = params.get("rep", [""])[-1].strip().lower()
    if rep.isidentifier():  # a name; which names exist is the explorer's business
        state["rep"] = rep
    return state


def query_from_state(state: dict) -> str:
    """The query string (no ``?``) for a state dict; empty parts are left out."""
    pairs: list[tuple[str, str]] = []
    if (state.get("q") or "").strip():
        pairs.append(("q", " ".join(state["q"].split())))
    pairs += [("topic", t) for t in state.get("topics") or []]
    if state.get("learned"):
        pairs.append(("learned", ",".join(str(int(k)) for k in state["learned"])))
    if state.get("code"):
        pairs.append(("code", "1"))
    if state.get("demo"):
        pairs.append(("demo", "1"))
    if state.get("full"):
        pairs.append(("full", "1"))
    if state.get("paper"):
        pairs.append(("paper", str(state["paper"])))
    if state.get("rep"):
        pairs.append(("rep", str(state["rep"])))
    return urlencode(pairs)


def request_info_url() -> str:
    """The address where Voila hands a preheated kernel its request (as ``voila.utils`` builds it)."""
    env = os.environ
    base = env.get("VOILA_WS_BASE_URL", env.get("VOILA_SERVER_URL", "/"))
    return (f"{env.get('VOILA_WS_PROTOCOL', 'ws')}://{env.get('VOILA_APP_IP', '127.0.0.1')}:"
            f"{env.get('VOILA_APP_PORT', '8866')}{base}voila/query/{env.get('VOILA_KERNEL_ID')}")


def wait_for_request(url: str | None = None, retry_s: float = 2.0) -> dict[str, str]:
    """Block until Voila hands this preheated kernel a page request; return the request's variables
    (``QUERY_STRING``, ``SERVER_NAME``, ...), which are also put in ``os.environ``.

    The protocol is Voila's (``voila.utils.wait_for_request``): one websocket per kernel, on which
    the server sends the request once. Voila's helper gives up for good if the handshake takes more
    than 5 s (it can, on a busy 2-core server filling ten pools) or if the socket drops while the
    kernel waits, and the page then never gets its state. Here the wait has no keep-alive time-out
    and any failure is retried after ``retry_s`` seconds: a request that came while no socket was
    open is kept by the server and sent when the next one opens.
    """
    from websockets.exceptions import WebSocketException
    from websockets.sync.client import connect

    url = url or request_info_url()
    while True:
        try:
            with connect(url, open_timeout=60, ping_interval=None, close_timeout=1) as socket:
                info = json.loads(socket.recv())
            break
        except (OSError, TimeoutError, WebSocketException, ValueError) as exc:
            print(f"widgets.urlstate: waiting for the page request failed ({exc!r}); retrying",
                  file=sys.__stderr__, flush=True)
            time.sleep(retry_s)  # also lets the server forget the old socket before the next opens
    info = {str(k): str(v) for k, v in info.items()}
    os.environ.update(info)
    return info


def current_query_string() -> str:
    """The query string of the page this kernel serves, or ``""`` outside Voila.

    In a preheated Voila kernel the request arrives after the kernel started, so this waits for it
    (``wait_for_request``); otherwise Voila puts it in the ``QUERY_STRING`` environment variable.
    """
    if os.environ.get("VOILA_PREHEAT", "False") != "False":
        return wait_for_request().get("QUERY_STRING", "")
    return os.environ.get("QUERY_STRING", "") or ""


def when_query_string(callback: Callable[[str], None]) -> None:
    """Call ``callback(query_string)`` now or, in a preheated Voila kernel, once the page is asked for.

    A preheated kernel runs its notebook before anyone requests the page. Waiting for the query
    string inside the notebook counts against Voila's cell time-out: a kernel that sat in the pool
    for longer than that (120 s in voila.json) served "Cell execution timed out". So here the wait
    happens in a thread: the notebook finishes in the pool, Voila sends the page as soon as it is
    requested, and the callback runs on the kernel's event loop (between messages, like any widget
    callback) while the browser is still loading its scripts. The browser fetches the widgets'
    state when it connects, so it sees the callback's changes.
    """
    if os.environ.get("VOILA_PREHEAT", "False") == "False":
        callback(current_query_string())
        return
    from tornado.ioloop import IOLoop

    loop = IOLoop.current()

    def wait() -> None:
        query = current_query_string()  # blocks until Voila hands this kernel a request
        loop.add_callback(callback, query)

    threading.Thread(target=wait, name="voila-query-string", daemon=True).start()
