"""The question bank: what a question is, how it is marked, and one module per topic.

- :mod:`.question`: ``Question`` (data) and ``QuestionType`` (how its answers
  are read and judged);
- :mod:`.feedback`: what a student gets back, the misconceptions it names;
- :mod:`.scoring`: partial credit for answers with several parts;
- :mod:`.scenarios`: random but reproducible inputs, confirmed by the core;
- :mod:`.setups`: one request after a setup script, shared by the placement topics;
- topics, each defining its question types as plain values: :mod:`.sizes`
  (one request on its own), :mod:`.buddies`, :mod:`.placement` and
  :mod:`.policies` (one allocation after a setup), :mod:`.final_state` (the
  state a script leaves), :mod:`.waste`, :mod:`.linux` (pfns and ``/proc/buddyinfo``);
- :mod:`.statements`: "which statement is true", whose claims are answers of the other
  types on one scenario (the true one the core's, the others a misconception's).

Every correct answer is found by running the core.  The registry of all types
is :mod:`buddy_edu.exercises.registry`.
"""
