"""Package data for billing: the lump-sum bands (lump_sum_bands.csv); the tariff table is api/fees/data."""
