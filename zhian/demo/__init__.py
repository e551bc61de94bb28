"""The demo bureau: a jurisdiction tree built from real Toronto records and each app's demo data.

``manage.py load_demo`` runs one step per app (``zhian/demo/<app>.py``). This app may import
every other app; no app imports it.
"""
