"""Pipeline stages: one module per stage, registered by name (see `unspun.pipeline`)."""
