"""Schema migrations after version 2, one module per area so that features evolve independently.

``faceapp.store.db.MIGRATIONS`` lists them in order; each module's ``migrate(conn)`` runs inside the
transaction that also bumps ``schema_version``. A migration is never edited once released: a later
change is a new module appended at the end.
"""
