"""An app for the processes that tests start (``trustmart worker``, Celery workers and beat).

Its event handlers and its timed job leave traces the tests count: each delivery of
``live.ping``/``live.slow`` records one ``live.handled`` event (in the handler's transaction),
``live.slow`` also writes start/end lines to ``LIVE_TRACE_FILE`` (outside any transaction, so a
killed attempt shows), and the job ``live.tick`` records a ``live.ticked`` event per run.
``python -m tests.live publish NAME [JSON] [COUNT]`` publishes events from outside.
"""
