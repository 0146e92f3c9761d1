"""Package data for billing: the effective-dated tariff table (tariffs.csv)."""
