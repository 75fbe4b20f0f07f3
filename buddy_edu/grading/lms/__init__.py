"""Where courses live: reading what an LMS hands the instructor, and writing what it takes back.

- :mod:`.layouts`: Canvas, Moodle, Gradescope, nbgrader and plain downloads, as
  folders or zips, and whom each notebook's place in them names;
- :mod:`.safe_zip`: a zip checked whole before anything is extracted;
- :mod:`.gradescope_export`: the submitters in a Gradescope export's metadata;
- :mod:`.roster_match`: each notebook to one roster row, and the report of what
  did not fit;
- :mod:`.exports`: the grade CSVs and feedback zips Canvas and Moodle import;
- :mod:`.autograder` and :mod:`.autograder_run`: a Gradescope autograder of one
  course assignment, and what runs inside Gradescope's container.
"""
