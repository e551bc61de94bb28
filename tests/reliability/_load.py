"""Write load for the crash tests: call-takers creating incidents and a patrol car
dispatched and stepping through its tasks, every POST with its own Idempotency-Key;
every request is recorded as acknowledged (2xx received) or not."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from tests.reliability._site import WEST, Site


@dataclass
class Sent:
    key: str
    path: str
    body: dict[str, Any]
    kind: str
    acked: bool = False
    answer: Any = None


@dataclass
class Load:
    site: Site
    creators: int = 4
    sent: list[Sent] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)
    acks: int = 0
    ack_event: threading.Event = field(default_factory=threading.Event)
    kill_after: int = 15

    def _send(self, record: Sent) -> bool:
        with self.lock:
            self.sent.append(record)
        status, answer = self.site.post(record.path, record.body, record.key)
        if not 200 <= status < 300:
            return False
        record.acked, record.answer = True, answer
        with self.lock:
            self.acks += 1
            if self.acks >= self.kill_after:
                self.ack_event.set()
        return True

    def creator(self, n: int) -> None:
        i = 0
        while not self.stop.is_set():
            i += 1
            body = {
                "channel": "call_110",
                "category": "0101",
                "address": f"压力测试 {n}-{i}",
                "lon": WEST[0] + (n * 97 + i) % 50 * 0.00002,
                "lat": WEST[1] + (n * 31 + i) % 50 * 0.00002,
                "caller_name": "王五",
                "caller_phone": "13800000000",
            }
            try:
                self._send(Sent(uuid.uuid4().hex, "/api/v1/incidents", body, "incident"))
            except OSError:
                return

    def patrol(self) -> None:
        """W-01: dispatched to the newest incident nobody sent it to, then 出发, 到达, 完毕."""
        unit = self.site.units["W-01"]
        used: set[int] = set()
        while not self.stop.is_set():
            with self.lock:
                done = [s.answer["id"] for s in self.sent if s.kind == "incident" and s.acked]
            fresh = [i for i in done if i not in used]
            if not fresh:
                time.sleep(0.02)
                continue
            incident = fresh[-1]
            used.add(incident)
            try:
                sent = Sent(
                    uuid.uuid4().hex,
                    f"/api/v1/incidents/{incident}/dispatch",
                    {"unit_ids": [unit]},
                    "dispatch",
                )
                if not self._send(sent):
                    return
                assignment = sent.answer[0]["id"]
                for step in ("en_route", "on_scene", "cleared"):
                    path = f"/api/v1/assignments/{assignment}/steps"
                    if not self._send(Sent(uuid.uuid4().hex, path, {"step": step}, "step")):
                        return
            except OSError:
                return

    def run_until_acks(self, then: Any, timeout_s: float = 60) -> None:
        """Drive the load; after ``kill_after`` acknowledgements call ``then()`` (the
        crash), stop the clients and wait for them."""
        threads = [threading.Thread(target=self.creator, args=(n,)) for n in range(self.creators)]
        threads.append(threading.Thread(target=self.patrol))
        for t in threads:
            t.start()
        try:
            if not self.ack_event.wait(timeout_s):
                raise AssertionError(f"only {self.acks} writes acknowledged in {timeout_s} s")
            then()
        finally:
            self.stop.set()
            for t in threads:
                t.join(timeout=30)

    def retry_unacknowledged(self, attempts: int = 60) -> int:
        """Send every unacknowledged request again with its own key, in order, until
        acknowledged; the number retried."""
        pending = [s for s in self.sent if not s.acked]
        for record in pending:
            for _attempt in range(attempts):
                try:
                    status, answer = self.site.post(record.path, record.body, record.key)
                except OSError:
                    status, answer = 0, None
                if 200 <= status < 300:
                    record.acked, record.answer = True, answer
                    break
                time.sleep(0.25)
            else:
                raise AssertionError(f"{record.path} never succeeded after the restart")
        return len(pending)

    def problems(self, state: dict[str, Any]) -> list[str]:
        """Every way the stored state disagrees with what the clients were told."""
        out = []
        stored = {i["id"]: i for i in state["incidents"]}
        created = [s for s in self.sent if s.kind == "incident" and s.acked]
        ids = [s.answer["id"] for s in created]
        for s in created:
            if s.answer["id"] not in stored:
                out.append(f"acknowledged incident {s.answer['number']} is missing")
        if len(set(ids)) != len(ids):
            out.append("two acknowledgements name the same incident")
        extra = set(stored) - set(ids)
        if extra and all(s.acked for s in self.sent if s.kind == "incident"):
            out.append(f"incidents nobody was told about: {sorted(extra)}")
        for i in state["incidents"]:
            if (i["calls"], i["received"], i["audited"]) != (1, 1, 1) or i["number"].startswith(
                "~"
            ):
                out.append(f"incident {i['number']} is half-written: {i}")
        dispatched = [s for s in self.sent if s.kind == "dispatch" and s.acked]
        stored_assignments = {a["id"]: a for a in state["assignments"]}
        for s in dispatched:
            if s.answer[0]["id"] not in stored_assignments:
                out.append(f"acknowledged assignment {s.answer[0]['id']} is missing")
        for a in state["assignments"]:
            if a["timeline"] != 1 or a["audited"] < 1:
                out.append(f"assignment {a['id']} is half-written: {a}")
        if all(s.acked for s in self.sent) and len(state["assignments"]) != len(
            [s for s in self.sent if s.kind == "dispatch"]
        ):
            out.append("assignments stored and dispatches sent differ in number")
        if not state["chain_ok"]:
            out.append(f"audit chain broken: {state['chain_reason']}")
        return out
