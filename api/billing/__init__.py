"""Billing: the CCUS fee tariff (tariffs), qualified-invoice arithmetic (invoice_math); the database-backed parts sit
beside them."""
