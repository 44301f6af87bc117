"""The one job queue: durable in MongoDB, claimed with a lease, visible, cancellable, retried.

`JobQueue` owns the `jobs` collection; the `job` event log (`webbscope.db.events`) carries
every change to the realtime hub; `Worker` claims and runs jobs with registered handlers.
"""

from webbscope.jobs.queue import JobLimits, JobQueue

__all__ = ["JobLimits", "JobQueue"]
