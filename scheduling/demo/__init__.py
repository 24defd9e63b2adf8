"""The demo clinic that `manage.py seed_demo` builds: people, places and a few months of cases.

`build.build_demo()` is the entry point. Everything from now on goes through the services
(`clinic.services`, `procedures.services`, `scheduling.services`), so the demo obeys the same
rules and writes the same audit rows as any desk; what happened before now is written by
`past.py` alone, which says how.
"""
