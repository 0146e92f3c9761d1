"""Package data: the effective-dated tariff table (tariffs.csv)."""
