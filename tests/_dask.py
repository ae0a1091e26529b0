"""Dask helpers for the tests: a LocalCluster of two worker processes, and a plugin that kills workers.

:class:`KillWorker` is a :class:`distributed.WorkerPlugin`: when a task whose key starts with ``prefix``
starts executing on a worker, the worker process ends at once (``os._exit``), as a node that fails or a
job the batch system pre-empts. With ``flag`` (a file path) only the first such task anywhere kills its
worker; without it every one does.
"""

from __future__ import annotations

import os
from contextlib import contextmanager

from distributed import WorkerPlugin


class KillWorker(WorkerPlugin):
    name = "kill-worker"

    def __init__(self, prefix: str, flag: str | None = None):
        self.prefix = prefix
        self.flag = flag

    def transition(self, key, start, finish, **kwargs):
        if finish != "executing" or not str(key).startswith(self.prefix):
            return
        if self.flag is not None:
            try:
                os.close(os.open(self.flag, os.O_CREAT | os.O_EXCL | os.O_WRONLY))  # only the first one
            except FileExistsError:
                return
        os._exit(1)


@contextmanager
def local_cluster(n_workers: int = 2, allowed_failures: int = 1):
    """A LocalCluster of ``n_workers`` processes (one thread each) and a client; a task may outlive
    ``allowed_failures`` worker deaths (then it fails with ``KilledWorker``)."""
    import dask
    from distributed import Client, LocalCluster

    with dask.config.set({"distributed.scheduler.allowed-failures": allowed_failures}):
        with LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                          silence_logs=40) as cluster, Client(cluster) as client:
            yield cluster, client
