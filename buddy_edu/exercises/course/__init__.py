"""The course side: assignments, the student's notebook API, the notebooks, the class key.

- :mod:`.assignments`: fixed lists of question slots, one variant per student;
- :mod:`.notebook_api`: ``start``/``show``/``check`` as a student uses them;
- :mod:`.student_notebooks`: the exercise notebooks, generated from the assignments;
- :mod:`.class_key`: every student's answers in one CSV, for the instructor.
"""
