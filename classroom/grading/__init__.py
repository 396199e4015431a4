"""The classroom's grader: the DVC stages of classroom/dvc.yaml run these modules.

    roster.py     the class list (learners.yaml) from the folders under learners/
    settings.py   classroom/params.yaml's grading settings, checked
    replay.py     the lab's own data and SGD, replayed with minigrad outside the jail
    grade.py      one learner: the lab run in the jail, then judged outside it
    gradebook.py  every learner's verdict into gradebook.csv, README.md and curves.csv

Nothing here imports a learner's code: the jail runs it, and the grade comes from what the
engine replays here.
"""
