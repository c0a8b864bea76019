"""gunicorn hooks for ``voting_load.py --probe``: where a request's time goes inside the app server.

Each worker records, per request, when the app began it, how long it took there (wall time,
from the thread taking the request to the response written) and how much CPU its thread used
meanwhile; and each pause of Python's cyclic garbage collector. On a graceful exit (the benchmark
stops gunicorn with SIGTERM) a worker writes what it saw to ``PB_BENCH_PROBE_DIR/<pid>.json``; a
SIGKILLed worker writes nothing. What a client waits beyond the app's wall time is queueing in the
listen backlog or in a worker's thread pool; the app's wall time beyond its CPU is the database,
Redis, and waiting for the GIL or for a core. It also counts the mixer's runs that a ballot
started, and those that claimed nothing (another mixer held the group's rows).
"""
import gc
import json
import os
import threading
import time

_requests: list = []
_collections: list = []
_mixer = {"runs": 0, "mixed_nothing": 0, "cpu": 0.0}
_now = threading.local()


def post_fork(server, worker):
    del _requests[:], _collections[:]
    started = {}

    def collected(phase, info):
        if phase == "start":
            started["at"], started["cpu"] = time.perf_counter(), time.thread_time()
        elif "at" in started:
            at = started.pop("at")
            _collections.append((info["generation"], at, time.perf_counter() - at, time.thread_time() - started.pop("cpu"),
                                 info["collected"]))

    gc.callbacks.append(collected)
    _count_mixer_runs()


def _count_mixer_runs():
    from pb_service.voting import services

    mix_group_now = services.mix_group_now

    def counted(*args, **kwargs):
        started = time.thread_time()
        mixed = mix_group_now(*args, **kwargs)
        _mixer["runs"] += 1
        _mixer["mixed_nothing"] += not mixed
        _mixer["cpu"] += time.thread_time() - started
        return mixed

    services.mix_group_now = counted


def pre_request(worker, req):
    _now.wall, _now.cpu = time.perf_counter(), time.thread_time()


def post_request(worker, req, environ, resp):
    _requests.append((req.path, _now.wall, time.perf_counter() - _now.wall, time.thread_time() - _now.cpu))


def worker_exit(server, worker):
    directory = os.environ.get("PB_BENCH_PROBE_DIR")
    if directory:
        with open(os.path.join(directory, f"{os.getpid()}.json"), "w") as out:
            json.dump({"requests": _requests, "collections": _collections, "frozen": gc.get_freeze_count(),
                       "tracked": len(gc.get_objects()), "mixer": _mixer}, out)
