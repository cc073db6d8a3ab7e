"""vendor_dd: the register of cloud service providers (雲端服務提供者).

Providers, services and their materiality (重大性), contracts with one record per required
clause, due-diligence reviews over the ETG Art. 5.1 domains, audit events (ETG Art. 6),
hashed evidence with expiry, and the governance checks (``cloudgov vendor check``) that
turn the register into pseudo-resources for the shared policy engine.

Modules: ``domains`` (vocabulary), ``models`` (tables), ``clock`` (today and the actor),
``register`` (service layer), ``evidence`` (evidence store), ``importer`` / ``exporter`` /
``validate`` (YAML, JSON and CSV), ``facts`` (computed facts), ``views`` (``vendor show``),
``check`` (the register as an Inventory for the policy engine).
Nothing here is imported by ``cloudgov --help``: the CLI imports it inside commands.
"""
