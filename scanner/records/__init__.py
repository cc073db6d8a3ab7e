"""What the registers share (vendor_dd, exit_plans, and the web application's forms):
the injectable clock, who acts (:class:`~scanner.records.changelog.Who`) and the change log
every write records, the content-addressed evidence file store, and the import report.

The registers' own tables stay in their packages; the change log's table
(``vendor_change``, :class:`~scanner.records.models.Change`) is created by the vendor
register's migrations, which every database that holds a register runs.
"""
