"""The lifecycle simulator: each pipeline's state is a pure function of its row and the clock.

Nothing runs in the background. Every stored row carries `next_transition_at`, the moment its
next transition is due; `settle.settle` computes what is due, and the domain's catch-up
(`app.pipelines.catch_up`) writes it before a request reads or writes pipelines, each
transition stamped with its scheduled time, so all gunicorn workers (and a restarted server)
report the same state at the same moment.
"""
