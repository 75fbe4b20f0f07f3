"""Build your own allocator: students write five functions, checked against the core.

- :mod:`.contract`: the five functions' specs, the seeded traces, what the
  core says each call must give;
- :mod:`.judge`: the "write this function" question type and its marking;
- :mod:`.harness`: calling a student's function with a time limit per call
  (its source also runs inside the student's kernel under the grader);
- :mod:`.comparison`: all five glued into an allocator, run beside the core,
  and the first difference (shown by :class:`buddy_edu.widget.side_by_side.SideBySide`).
"""
