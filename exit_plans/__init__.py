"""Exit plans (ETG 9.5, 7.2), lock-in analysis on the inventory graph (ETG 5.3) and
terminations with deletion certificates verified against a scan (ETG 9.6).

A plan belongs to a service of the vendor register (``vendor_dd``), named
``<provider>/<service>``. Modules:

* ``vocab``     — the words stored in the database (strategies, test kinds, deletion scopes)
* ``models``    — SQLAlchemy tables ``exit_*`` on the shared ``scanner.store.db.Base``
* ``importer``  — ``cloudgov.exit-plans`` YAML/JSON files, upserted in one transaction
* ``service``   — the service layer: plans, tests, sightings, terminations, verifications
* ``facts``     — pure: the properties of the ``exit.*`` pseudo-resources
* ``check``     — the register as an Inventory for ``cloudgov exit check``
* ``lockin``    — pure: portability of a service's components and a migration order
* ``diagram``   — the dependency picture (matplotlib, imported only there)
* ``verify``    — pure: what a post-exit scan still holds in the service's scopes
"""
