"""Background jobs: e-mail, fan-outs, long counts and imports, reminders and the purge.

A service *decides* a job (:func:`pb_service.core.jobs.queue.enqueue`); the job leaves only once the
transaction that decided it is committed: to Redis when ``JOBS_BROKER_URL`` is set (a
``flask pb worker`` runs it), else in-process right after the commit (``make run``).
"""
