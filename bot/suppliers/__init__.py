"""The supplier registry: suppliers, their services, who depends on them, fallback options."""
