"""Build your own allocator: students write functions, checked against the core.

- :mod:`.spec`: what a function question knows of its function;
- :mod:`.contract`: lesson 6's five functions, the seeded traces, what the core says
  each call must give;
- :mod:`.knuth`: the graded exercise past the lesson, Knuth's algorithms R and S over
  ``AVAIL`` lists with ``TAG`` and ``KVAL``, checked against the core's ``lifo`` lists;
- :mod:`.catalog`: both families behind one set of calls (the judge's and the sealed
  checks');
- :mod:`.solutions`: the reference solutions, as text, for the instructor and the tests;
- :mod:`.judge`: the "write this function" question type and its marking;
- :mod:`.harness`: calling a student's function with a time limit per call
  (its source also runs inside the student's kernel under the grader);
- :mod:`.comparison`: all five glued into an allocator, run beside the core,
  and the first difference (shown by :class:`buddy_edu.widget.side_by_side.SideBySide`).
"""
