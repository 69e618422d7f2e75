-- One PostgreSQL server, one database per tenant: Flywheel's store (POSTGRES_DB), Unleash's flags.
-- Temporal's auto-setup creates its own databases (temporal, temporal_visibility).
CREATE DATABASE unleash;
