"""CPU-heavy work off the event loop: a pool of worker processes.

Parsing a 50 MB upload or fitting a model in the server process would stall
every stream and call for seconds, and threads would still contend for the
GIL; worker processes keep the event loop free. Functions sent here must be
importable module-level functions with picklable arguments and results.

- :mod:`.worker`: one worker process, spawned (never forked: forking a
  process that runs gRPC is unsafe), and the server's handle on it, which
  can kill it whatever it is doing.
- :mod:`.fair_queue`: jobs waiting for a worker, one line per account,
  served so that no account's backlog holds up another's calls.
- :mod:`.pool`: :class:`ComputePool`, which ties them together: a time limit
  per job, a job stopped when its caller leaves, a dead worker failing only
  its own job, and a close that honours the shutdown grace.
"""

from neurogate.server.compute.pool import ComputePool

__all__ = ["ComputePool"]
